"""Real tool outputs from captured traffic: every API shape, paired with its call, de-duplicated."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.compression import corpus
from tests.support.paths import corpus_dir

BIG = "x" * 1500


def _write(root: Path, session: str, name: str, body: object) -> None:
    (root / session).mkdir(parents=True, exist_ok=True)
    (root / session / name).write_bytes(json.dumps(body).encode())


def test_each_api_shape_is_found_with_its_call(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "a",
        "001-v1_messages.body.bin",
        {
            "messages": [
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls -la"}}],
                },
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "A" + BIG}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "zz", "content": [{"type": "text", "text": "B" + BIG}]}
                    ],
                },
            ]
        },
    )
    _write(
        tmp_path,
        "b",
        "001-v1_chat_completions.body.bin",
        {
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c1", "function": {"name": "run_shell", "arguments": '{"command":"git diff"}'}}
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "C" + BIG},
            ]
        },
    )
    _write(
        tmp_path,
        "c",
        "001-v1_responses.body.bin",
        {
            "input": [
                {"type": "function_call", "call_id": "r1", "name": "exec_command", "arguments": '{"cmd":"pytest -v"}'},
                {"type": "function_call_output", "call_id": "r1", "output": "D" + BIG},
                {"type": "custom_tool_call", "call_id": "r2", "name": "apply_patch", "input": "*** Begin Patch"},
                {"type": "custom_tool_call_output", "call_id": "r2", "output": "E" + BIG},
            ]
        },
    )
    _write(
        tmp_path,
        "d",
        "001-v1_models_x_generateContent.body.bin",
        {
            "contents": [
                {"role": "model", "parts": [{"functionCall": {"name": "run_shell", "args": {"command": "df -h"}}}]},
                {
                    "role": "user",
                    "parts": [{"functionResponse": {"name": "run_shell", "response": {"output": "F" + BIG}}}],
                },
                {"role": "user", "parts": [{"functionResponse": {"name": "other", "response": {"a": 1, "b": BIG}}}]},
            ]
        },
    )
    _write(tmp_path, "d", "002-v1_x.response.body.bin", {"messages": [{"role": "tool", "content": "G" + BIG}]})
    found = {s.text[0]: (s.tool, s.command) for s in corpus.extract(tmp_path)}
    assert found == {
        "A": ("Bash", "ls -la"),
        "B": ("", ""),
        "C": ("run_shell", "git diff"),
        "D": ("exec_command", "pytest -v"),
        "E": ("apply_patch", ""),
        "F": ("run_shell", "df -h"),
        "{": ("other", ""),
    }


def test_history_resends_are_deduplicated_and_small_outputs_skipped(tmp_path: Path) -> None:
    body = {
        "messages": [{"role": "tool", "tool_call_id": "c", "content": "H" + BIG}, {"role": "tool", "content": "tiny"}]
    }
    _write(tmp_path, "s", "001-v1_chat_completions.body.bin", body)
    _write(tmp_path, "s", "002-v1_chat_completions.body.bin", body)
    (tmp_path / "s" / "003-CONNECT.body.bin").write_bytes(b"")
    (tmp_path / "s" / "004-bad.body.bin").write_bytes(b"{not json")
    samples = corpus.extract(tmp_path)
    assert [s.source for s in samples] == ["corpus:s/001-v1_chat_completions.body.bin"]
    assert samples[0].category == "real" and samples[0].name == "real/s/001-0"


def test_captured_corpus_yields_outputs_of_several_clients() -> None:
    samples = corpus.extract(corpus_dir())
    sessions = {s.source.split(":", 1)[1].split("/", 1)[0] for s in samples}
    assert len(samples) >= 5
    assert len(sessions) >= 3
    assert any(s.tool == "Bash" for s in samples) and any(s.tool == "exec_command" for s in samples)
    assert all(s.size >= 1024 for s in samples)
    assert len({s.text for s in samples}) == len(samples)
