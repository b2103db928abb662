"""Real tool outputs captured from Claude Code, Codex and the SDKs (shared/corpus)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from headroom.compress.base import Hint, marker
from headroom.compress.pipeline import compress_text
from headroom.tokens import count
from tests.support.paths import corpus_dir

KEY = "9f86d081884c7d659a2feaa0"
FILE_TOOLS = frozenset({"Read", "Edit", "Write", "NotebookEdit"})


def _anthropic(body: dict[str, Any], out: dict[str, tuple[str, str, str]]) -> None:
    calls: dict[str, tuple[str, str]] = {}
    for message in body.get("messages") or []:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if block.get("type") == "tool_use":
                args = block.get("input") or {}
                calls[block["id"]] = (block["name"], str(args.get("command", "")))
            elif block.get("type") == "tool_result" and block.get("tool_use_id") in calls:
                text = block.get("content")
                if isinstance(text, list):
                    text = "\n".join(part.get("text", "") for part in text if part.get("type") == "text")
                if isinstance(text, str):
                    out[text] = (*calls[block["tool_use_id"]], text)


def _responses(body: dict[str, Any], out: dict[str, tuple[str, str, str]]) -> None:
    calls: dict[str, tuple[str, str]] = {}
    for item in body.get("input") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call":
            try:
                args = json.loads(item.get("arguments") or "{}")
            except ValueError:
                args = {}
            calls[item["call_id"]] = (item["name"], str(args.get("cmd") or args.get("command") or ""))
        elif item.get("type") == "function_call_output" and isinstance(item.get("output"), str):
            name, command = calls.get(item.get("call_id", ""), ("?", ""))
            out[item["output"]] = (name, command, item["output"])


def tool_outputs() -> list[tuple[str, str, str]]:
    found: dict[str, tuple[str, str, str]] = {}
    for path in sorted(Path(corpus_dir()).glob("*/*.body.bin")):
        if ".response." in path.name:
            continue
        try:
            body = json.loads(path.read_bytes())
        except ValueError:
            continue
        if isinstance(body, dict):
            _anthropic(body, found)
            _responses(body, found)
    return sorted(found.values())


def test_real_outputs_honour_the_contract() -> None:
    outputs = tool_outputs()
    assert len(outputs) >= 10
    kinds = set()
    for tool, command, text in outputs:
        outcome = compress_text(text, Hint(tool=tool, command=command, key=KEY), lossy=tool not in FILE_TOOLS)
        kinds.add(outcome.detection.kind)
        assert not outcome.reason.startswith("error:"), (tool, command, outcome.reason)
        if outcome.result is not None:
            assert count(outcome.result.text) < count(text)
            if outcome.result.omitted_ranges:
                assert marker(KEY) in outcome.result.text
            if outcome.detection.frame == "codex.exec":
                head = text[: text.index("Output:\n") + 8]
                assert outcome.result.text.startswith(head)
    assert {"json", "log", "search", "diff", "table"} <= kinds


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("grep -rn 'def ' /usr/lib/python3.11/email", "search"),
        ("grep -n -A1 ERROR logs/build.log", "search"),
        ("git diff", "diff"),
        ("cat data/users.json", "json"),  # Codex cut the middle out: a JSON fragment
        ("git log --stat -n 20", "text"),
    ],
)
def test_codex_outputs_detected(command: str, kind: str) -> None:
    matches = [(t, c, x) for t, c, x in tool_outputs() if c == command]
    if not matches:
        pytest.skip(f"no captured output for {command!r}")
    for tool, _command, text in matches:
        assert compress_text(text, Hint(tool=tool, command=command, key=KEY)).detection.kind == kind


def test_build_log_errors_survive() -> None:
    logs = [(t, c, x) for t, c, x in tool_outputs() if x.count("[ERROR]") > 20 and "<persisted-output>" not in x]
    if not logs:
        pytest.skip("no captured build log")
    for tool, command, text in logs:
        outcome = compress_text(text, Hint(tool=tool, command=command, key=KEY), lossy=tool not in FILE_TOOLS)
        if outcome.result is None:
            continue
        for line in text.split("\n"):
            if "[ERROR]" in line:
                assert line in outcome.result.text or marker(KEY) in outcome.result.text
