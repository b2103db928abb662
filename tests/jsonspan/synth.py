"""Deterministic large Claude Code request bodies for tests and the scan benchmark.

Starts from the largest captured Claude Code request (``011-v1_messages``: system, 27 tools, 14
messages), keeps its bytes, and appends assistant ``tool_use`` / user ``tool_result`` turns until the
body reaches the wanted size. Tool outputs imitate what Claude Code really sends back: Bash build logs,
``git log``, pretty JSON, ``cat -n``-style file reads (``N\\t...``), pytest runs and grep hits, with
the occasional non-ASCII character. Serialised like the client (compact, UTF-8, not ASCII-escaped),
and the ``cache_control`` breakpoint moves to the newest tool result, as Claude Code does.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from headroom.jsonspan import find, splice

SEED_BODY = "claude-code-3-interactive/011-v1_messages.body.bin"
CACHE_CONTROL_KEY = b',"cache_control":'

_WORDS = ["parser", "codec", "core", "net", "cache", "index", "store", "queue", "worker", "session", "render"]
_LEVELS = ["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"]
_NAMES = ["Ana", "Björn", "Chloé", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Iñigo", "Jun"]


def _log(rng: random.Random, size: int) -> str:
    lines, second = [], 0
    while sum(map(len, lines)) < size:
        second += rng.randint(0, 3)
        mod, level = rng.choice(_WORDS), rng.choice(_LEVELS)
        stamp = f"2025-06-01T12:{second // 60 % 60:02d}:{second % 60:02d}.{rng.randint(0, 999):03d}Z"
        n = rng.randint(0, 60)
        text = f"compiling src/{mod}/file_{n}.c -> obj/{mod}/file_{n}.o ({rng.randint(200, 9999)} bytes)"
        if level == "ERROR":
            text = f"src/{mod}/file_{n}.c:{rng.randint(1, 900)}: implicit declaration of function '{mod}_init'"
        lines.append(f"{stamp} [{level}] build.{mod}: {text}")
    return "\n".join(lines)


def _records(rng: random.Random, size: int) -> str:
    users: list[dict[str, Any]] = []
    while len(users) * 260 < size:
        i = len(users)
        users.append(
            {
                "id": i,
                "name": f"{rng.choice(_NAMES)} {rng.choice(_WORDS).title()}",
                "email": f"user{i:04d}@example.com",
                "active": rng.random() < 0.7,
                "roles": rng.sample(["dev", "qa", "viewer", "admin", "ops"], rng.randint(1, 3)),
                "quota": {"cpu": rng.randint(1, 16), "mem_gb": rng.choice([2, 4, 8, 16])},
                "score": round(rng.uniform(0, 100), 3),
            }
        )
    return json.dumps({"version": 3, "users": users}, indent=2, ensure_ascii=False)


def _source(rng: random.Random, size: int) -> str:
    lines: list[str] = ['"""Generated module."""', "from __future__ import annotations", ""]
    while sum(map(len, lines)) < size:
        name = f"{rng.choice(_WORDS)}_{rng.randint(0, 999)}"
        lines += [
            f"def {name}(value: int, *, limit: int = {rng.randint(1, 500)}) -> int:",
            f'    """Return {name} of value — clamped to limit."""',
            "    if value > limit:",
            f"        raise ValueError(f'{{value}} exceeds {{limit}} in {name}')",
            f"    return value * {rng.randint(2, 9)} % limit",
            "",
        ]
    return "\n".join(f"{n}\t{line}" for n, line in enumerate(lines, 1))


def _pytest(rng: random.Random, size: int) -> str:
    lines = ["============================= test session starts =============================="]
    while sum(map(len, lines)) < size:
        mod = rng.choice(_WORDS)
        marks = "".join(rng.choice("......F.s") for _ in range(rng.randint(5, 60)))
        lines.append(f"tests/test_{mod}.py {marks} [{rng.randint(1, 100):3d}%]")
        if "F" in marks:
            lines.append(f"FAILED tests/test_{mod}.py::test_{rng.choice(_WORDS)} - AssertionError: 3 ≠ 4")
    return "\n".join(lines)


def _grep(rng: random.Random, size: int) -> str:
    lines: list[str] = []
    while sum(map(len, lines)) < size:
        mod = rng.choice(_WORDS)
        lines.append(f'src/{mod}/file_{rng.randint(0, 60)}.py:{rng.randint(1, 900)}:    {mod}_init(cfg["{mod}"])')
    return "\n".join(lines)


def _git_log(rng: random.Random, size: int) -> str:
    lines: list[str] = []
    while sum(map(len, lines)) < size:
        lines.append(f"{rng.getrandbits(28):07x} Fix {rng.choice(_WORDS)} {rng.choice(_WORDS)} handling")
    return "\n".join(lines)


_TOOLS: list[tuple[str, Callable[[random.Random, int], str], dict[str, Any]]] = [
    ("Bash", _log, {"command": "make 2>&1 | tail -n 400", "description": "Build the project"}),
    ("Read", _records, {"file_path": "/home/dev/work/proj/data/users.json"}),
    ("Read", _source, {"file_path": "/home/dev/work/proj/src/core/util.py"}),
    ("Bash", _pytest, {"command": "python -m pytest -q", "description": "Run the tests"}),
    ("Grep", _grep, {"pattern": "_init\\(", "path": "src", "output_mode": "content"}),
    ("Bash", _git_log, {"command": "git log --oneline -n 300", "description": "Show history"}),
]


def _tool_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "toolu_01" + "".join(rng.choice(alphabet) for _ in range(22))


def _turn(rng: random.Random, step: int, last: bool) -> list[dict[str, Any]]:
    name, make, tool_input = _TOOLS[rng.randrange(len(_TOOLS))]
    tool_id = _tool_id(rng)
    signature = base64.b64encode(rng.randbytes(180)).decode("ascii")
    assistant = {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": f"Step {step}: I should call {name}.", "signature": signature},
            {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input},
        ],
    }
    output = make(rng, rng.randint(2_000, 40_000))
    result: dict[str, Any] = {"tool_use_id": tool_id, "type": "tool_result", "content": output}
    if last:
        result["cache_control"] = {"type": "ephemeral"}
    else:
        result["is_error"] = False
    return [assistant, {"role": "user", "content": [result]}]


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def claude_code_body(corpus: Path, size: int, seed: int = 0) -> bytes:
    """The captured Claude Code body grown to at least ``size`` bytes (same bytes for same args)."""
    body = (corpus / SEED_BODY).read_bytes()
    start, end = find(body, "messages[-1].content[-1].cache_control")
    start -= len(CACHE_CONTROL_KEY)
    assert body[start : start + len(CACHE_CONTROL_KEY)] == CACHE_CONTROL_KEY
    body = splice(body, [((start, end), b"")])
    rng = random.Random(seed)
    turns: list[bytes] = []
    grown, step = len(body), 7
    while grown < size:
        for message in _turn(rng, step, last=False):
            turns.append(_encode(message))
            grown += len(turns[-1]) + 1
        step += 1
    for message in _turn(rng, step, last=True):
        turns.append(_encode(message))
    messages_end = find(body, "messages")[1] - 1  # the closing "]"
    return splice(body, [((messages_end, messages_end), b"," + b",".join(turns))])
