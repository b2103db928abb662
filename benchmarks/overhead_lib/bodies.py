"""Deterministic Anthropic Messages request bodies of an exact byte size.

The body looks like a Claude Code turn: a cached system prompt, a few tool definitions and a
conversation of Bash tool calls whose ``tool_result`` contents are log output. The last tool result
is padded so that the encoded body is exactly the requested number of bytes. Same size and stream
flag → same bytes, on every run.
"""

from __future__ import annotations

import json
from typing import Any

SIZES: dict[str, int] = {"2KB": 2 * 1024, "100KB": 100 * 1024, "1MB": 1024 * 1024}
MODEL = "claude-sonnet-4-5-20250929"
TURN_BYTES = 12 * 1024  # log output per earlier tool result
_LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "INFO", "ERROR", "INFO")
_SERVICES = ("api", "worker", "scheduler", "db-pool", "auth", "cache")


def _encode(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _LogLines:
    """An endless, deterministic stream of plausible log lines (a small LCG, no global state)."""

    def __init__(self, seed: int) -> None:
        self.state = seed & 0xFFFFFFFF
        self.n = 0

    def _next(self) -> int:
        self.state = (1103515245 * self.state + 12345) & 0x7FFFFFFF
        return self.state

    def line(self) -> str:
        self.n += 1
        r = self._next()
        level = _LEVELS[(r >> 16) % len(_LEVELS)]
        service = _SERVICES[(r >> 20) % len(_SERVICES)]
        secs, millis = divmod(self.n * 137, 1000)
        return (
            f"2026-01-15T10:{(secs // 60) % 60:02d}:{secs % 60:02d}.{millis:03d}Z {level:<5} [{service}] "
            f"request id=req-{r % 100000:05d} path=/v1/orders/{(r >> 7) % 9000 + 1000} "
            f"status={200 if level != 'ERROR' else 500} duration_ms={(r >> 11) % 900 + 3}"
        )


def log_text(json_bytes: int, seed: int) -> str:
    """Log lines whose JSON string encoding (without quotes) takes exactly ``json_bytes`` bytes."""
    lines = _LogLines(seed)
    parts: list[str] = []
    used = 0
    while True:
        line = lines.line()
        cost = len(line) + 2  # the newline is written as the two bytes \n
        if used + cost > json_bytes:
            break
        parts.append(line + "\n")
        used += cost
    parts.append("." * (json_bytes - used))
    return "".join(parts)


def _tools() -> list[dict[str, Any]]:
    bash = {
        "name": "Bash",
        "description": "Executes a given bash command and returns its output.",
        "input_schema": {
            "type": "object",
            "properties": {"command": {"type": "string", "description": "The command to execute"}},
            "required": ["command"],
        },
    }
    read = {
        "name": "Read",
        "description": "Reads a file from the local filesystem.",
        "input_schema": {
            "type": "object",
            "properties": {"file_path": {"type": "string", "description": "Absolute path of the file"}},
            "required": ["file_path"],
        },
        "cache_control": {"type": "ephemeral"},
    }
    return [bash, read]


def _turn(index: int, output: str) -> list[dict[str, Any]]:
    call_id = f"toolu_bench{index:016d}"
    assistant = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": f"Let me look at the service logs (part {index})."},
            {"type": "tool_use", "id": call_id, "name": "Bash",
             "input": {"command": f"tail -n 200 /var/log/app/part-{index}.log"}},
        ],
    }
    user = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call_id, "content": output}]}
    return [assistant, user]


def _skeleton(size: int, stream: bool) -> dict[str, Any]:
    turns = max(0, size // TURN_BYTES - 1)
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "Why do the order requests fail since this morning?"}]}
    ]
    for i in range(turns):
        messages.extend(_turn(i, log_text(TURN_BYTES - 400, seed=i + 1)))
    messages.extend(_turn(turns, ""))
    return {
        "model": MODEL,
        "max_tokens": 32000,
        "system": [{"type": "text", "text": "You are a coding agent. Answer briefly.",
                    "cache_control": {"type": "ephemeral"}}],
        "tools": _tools(),
        "messages": messages,
        "metadata": {"user_id": "user_bench_0000000000000000"},
        "stream": stream,
    }


def messages_body(size: int, *, stream: bool) -> bytes:
    """An Anthropic Messages request body of exactly ``size`` bytes."""
    doc = _skeleton(size, stream)
    missing = size - len(_encode(doc))
    if missing < 0:
        raise ValueError(f"{size} bytes is too small for a Messages body ({size - missing} needed)")
    last = doc["messages"][-1]["content"][0]
    last["content"] = log_text(missing, seed=size)
    body = _encode(doc)
    if len(body) != size:  # pragma: no cover - guards the arithmetic above
        raise AssertionError(f"built {len(body)} bytes instead of {size}")
    return body
