"""Anthropic /v1/messages bodies for the live-zone tests: a Claude Code–style session builder,
planting a fresh tool turn into a captured body (raw byte surgery, nothing re-serialised), and
the captured requests of a corpus session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headroom.jsonspan import scan

API_KEY = b"sk-ant-api03-TEST-KEY-0000000000000000"
SIGNATURE = "EqQBCkgIBxABGAIiQFakeSignatureBytesThatMustNeverChange+/=="
IMAGE = {"type": "base64", "media_type": "image/png",
         "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}
SYSTEM = [
    {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.197; cc_entrypoint=cli;"},
    {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
    {"type": "text", "text": "Follow the repository conventions. " * 40, "cache_control": {"type": "ephemeral"}},
]
TOOLS = [
    {"name": name, "description": f"The {name} tool. " * 20,
     "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}
    for name in ("Bash", "Read", "Grep", "Edit", "mcp__github__list_issues")
]


def dumps(obj: Any) -> bytes:
    """Compact JSON as Claude Code sends it (non-ASCII written as itself)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers(session_id: str | None = None, **extra: str) -> list[tuple[bytes, bytes]]:
    """Claude Code–like request headers (API key, so the request may be compressed)."""
    out = [(b"Content-Type", b"application/json"), (b"anthropic-version", b"2023-06-01"), (b"x-api-key", API_KEY)]
    if session_id is not None:
        out.append((b"X-Claude-Code-Session-Id", session_id.encode()))
    out.extend((k.replace("_", "-").encode(), v.encode()) for k, v in extra.items())
    return out


def assistant_turn(n: int, tool: str, tool_input: dict[str, Any], *, calls: int = 1) -> dict[str, Any]:
    """An assistant message: thinking (with signature), a text and ``calls`` tool_use blocks."""
    content: list[dict[str, Any]] = [
        {"type": "thinking", "thinking": f"Step {n}: I should run {tool}.", "signature": f"{SIGNATURE}{n}"},
        {"type": "text", "text": f"Running {tool} (step {n})."},
    ]
    content += [{"type": "tool_use", "id": tool_id(n, k), "name": tool, "input": tool_input} for k in range(calls)]
    return {"role": "assistant", "content": content}


def tool_id(n: int, k: int = 0) -> str:
    return f"toolu_{n:04d}{k:02d}abcdefghijklmnop"


def tool_result(tid: str, output: str | list[str], *, cache: bool = False) -> dict[str, Any]:
    content: str | list[dict[str, str]] = (
        output if isinstance(output, str) else [{"type": "text", "text": part} for part in output]
    )
    block: dict[str, Any] = {"tool_use_id": tid, "type": "tool_result", "content": content, "is_error": False}
    if cache:
        block["cache_control"] = {"type": "ephemeral"}
    return block


@dataclass
class Session:
    """Successive request bodies of one Claude Code–style conversation.

    Like Claude Code, the newest tool_result carries the message-level cache breakpoint, and the
    previous one loses its ``cache_control`` member when a turn is added; everything else is
    append-only.
    """

    session_id: str
    task: str = "Look at the logs, the API dump and the grep hits, then fix the failing job."
    messages: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0

    def __post_init__(self) -> None:
        if not self.messages:
            self.messages.append({"role": "user", "content": [{"type": "text", "text": self.task}]})

    def add_tool_turn(self, tool: str, outputs: list[str | list[str]], command: str = "run") -> None:
        self.turns += 1
        for msg in self.messages:
            for block in msg["content"] if isinstance(msg["content"], list) else ():
                block.pop("cache_control", None)
        self.messages.append(assistant_turn(self.turns, tool, {"command": command}, calls=len(outputs)))
        results = [tool_result(tool_id(self.turns, k), out, cache=k == len(outputs) - 1)
                   for k, out in enumerate(outputs)]
        self.messages.append({"role": "user", "content": results})

    def add_user_text(self, text: str) -> None:
        """The model answered in text and the user typed a reply (a turn without tool outputs)."""
        self.turns += 1
        self.messages.append({"role": "assistant", "content": [{"type": "text", "text": f"Done ({self.turns})."}]})
        self.messages.append({"role": "user", "content": text})

    def body(self) -> bytes:
        return dumps({
            "model": "claude-opus-4-8",
            "messages": self.messages,
            "system": SYSTEM,
            "tools": TOOLS,
            "metadata": {"user_id": json.dumps({"device_id": "d" * 16, "session_id": self.session_id})},
            "max_tokens": 32000,
            "stream": False,
        })


def plant_turn(body: bytes, tool: str, tool_input: dict[str, Any], outputs: list[str | list[str]],
               *, cache: bool = False, n: int = 9000) -> bytes:
    """``body`` with an assistant tool_use message and a user message answering it appended to
    ``messages``: the new outputs form the live zone. Every original byte keeps its place."""
    messages = scan(body, {"messages": None}).get("messages")
    assert messages is not None and messages.kind == "array"
    end = messages.span[1] - 1  # the closing bracket
    results = [tool_result(tool_id(n, k), out, cache=cache and k == len(outputs) - 1) for k, out in enumerate(outputs)]
    added = b"," + dumps(assistant_turn(n, tool, tool_input, calls=len(outputs))) + b","
    added += dumps({"role": "user", "content": results})
    return body[:end] + added + body[end:]


@dataclass(frozen=True)
class Captured:
    name: str
    meta: dict[str, Any]
    body: bytes

    @property
    def path(self) -> str:
        return str(self.meta["path"])

    def raw(self, port: int, extra: list[tuple[str, str]] | None = None) -> bytes:
        """The request as the client sent it, re-addressed to ``port`` (Host), framed by length."""
        lines = [f"{self.meta['method']} {self.meta['target']} {self.meta['http_version']}"]
        for name, value in self.meta["headers"]:
            low = name.lower()
            if low == "host":
                value = f"127.0.0.1:{port}"
            elif low == "transfer-encoding":
                continue
            elif low == "content-length":
                value = str(len(self.body))
            lines.append(f"{name}: {value}")
        if self.meta["chunked"]:
            lines.append(f"Content-Length: {len(self.body)}")
        lines += [f"{k}: {v}" for k, v in extra or []]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body

    def header_tuples(self) -> list[tuple[bytes, bytes]]:
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.meta["headers"]]


def captured(directory: Path) -> list[Captured]:
    """The HTTP requests of a corpus session, in order (CONNECT attempts left out)."""
    out = []
    for head_file in sorted(directory.glob("*.headers.json")):
        meta = json.loads(head_file.read_text(encoding="utf-8"))
        if meta["method"] == "CONNECT":
            continue
        stem = str(head_file)[: -len(".headers.json")]
        out.append(Captured(Path(stem).name, meta, Path(stem + ".body.bin").read_bytes()))
    return out
