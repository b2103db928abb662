from __future__ import annotations

import pytest

from headroom.compress.base import Hint
from headroom.compress.pipeline import KINDS, detect
from tests.compress import samples


def kind(text: str, **hint: str) -> tuple[str, str, str]:
    found = detect(text, Hint(**hint))
    assert found.kind in KINDS
    return found.kind, found.subkind, found.frame


def test_iso_timestamped_log_is_never_grep_hits() -> None:
    text = "\n".join(f"2025-03-04T10:00:{i:02d}Z worker started job {i}" for i in range(40))
    assert kind(text)[0] == "log"
    assert kind(text, tool="Bash", command="cat app.log")[0] == "log"
    assert kind(text, tool="Grep")[0] != "search"


def test_timestamp_colon_lines_even_with_grep_tool_are_not_hits() -> None:
    text = "\n".join(f"2025-03-04T10:00:{i:02d}.000Z INFO started {i}" for i in range(40))
    assert kind(text, tool="Bash", command="grep started app.log")[0] == "log"


def test_grep_hits_are_search_not_code() -> None:
    text = samples.grep_hits()
    assert kind(text)[:2] == ("search", "search.grep")
    code_hits = "\n".join(f"src/a{i}.py:{i + 1}:    def f{i}(self) -> None:" for i in range(30))
    assert kind(code_hits)[0] == "search"


def test_grep_with_context_and_rg_heading() -> None:
    assert kind(samples.grep_hits(context=True))[0] == "search"
    assert kind(samples.rg_heading(), tool="Bash", command="rg -n 'pool.get'")[:2] == ("search", "search.rg_heading")


def test_single_file_grep_needs_the_command() -> None:
    text = "\n".join(
        f"{i * 3}:2025-06-01T12:00:{i:02d}Z [ERROR] boom {i}\n{i * 3 + 1}-   detail {i}\n--" for i in range(20)
    )
    assert kind(text, tool="exec_command", command="grep -n -A1 ERROR logs/build.log")[:2] == ("search", "search.lines")


@pytest.mark.parametrize(
    ("text", "command", "expected"),
    [
        (samples.pytest_log(), "pytest -v", "log.pytest"),
        (samples.pytest_log(), "", "log.pytest"),
        (samples.cargo_log(), "cargo build", "log.cargo"),
        (samples.cargo_log(), "", "log.cargo"),
        (samples.npm_log(), "npm install", "log.npm"),
        (samples.app_log(), "", "log.app"),
        (samples.build_log(), "make", "log.app"),
    ],
)
def test_log_subkinds(text: str, command: str, expected: str) -> None:
    assert kind(text, tool="Bash", command=command)[:2] == ("log", expected)


def test_tables() -> None:
    assert kind(samples.ls_la())[:2] == ("table", "table.ls")
    assert kind(samples.kubectl_pods())[:2] == ("table", "table.kubectl")
    ps = "    PID TTY          TIME CMD\n" + "\n".join(f"{1000 + i:7d} pts/0    00:00:0{i % 9} bash" for i in range(20))
    assert kind(ps)[:2] == ("table", "table.ps")


def test_json_kinds() -> None:
    assert kind(samples.users_json())[:2] == ("json", "json.object")
    assert kind('[{"a": 1}, {"a": 2}, {"a": 3}]')[:2] == ("json", "json.array_of_objects")
    assert kind("[1, 2, 3]")[:2] == ("json", "json.array")
    assert kind('{"a": 1}\n{"a": 2}\n{"a": 3}\n')[:2] == ("json", "json.lines")
    records = "\n".join(f'{{"ts": {i}, "level": "{"error" if i == 3 else "info"}", "msg": "m{i}"}}' for i in range(9))
    assert kind(records)[:2] == ("log", "log.json")
    assert kind('{"a": 1, "a": 2}')[0] == "json"


def test_log_lines_in_brackets_are_not_json() -> None:
    text = "\n".join(f"[INFO] step {i} done" for i in range(30))
    assert kind(text)[0] == "log"


def test_diff_kinds() -> None:
    assert kind(samples.git_diff())[:2] == ("diff", "diff.git")
    patch = (
        "commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A <a@b>\nDate:   now\n\n    msg\n\n"
        + samples.git_diff()
    )
    assert kind(patch, command="git log -p")[:2] == ("diff", "diff.patch_log")


def test_html_code_text() -> None:
    assert kind("<!DOCTYPE html><html><body><p>hi</p></body></html>")[0] == "html"
    assert kind(samples.PYTHON_CODE)[0] == "code"
    assert kind(samples.prose())[0] == "text"


def test_frames_are_reported() -> None:
    codex = "Chunk ID: ab12\nWall time: 0.1 seconds\nProcess exited with code 0\nOriginal token count: 9\nOutput:\n"
    assert kind(codex + samples.app_log())[::2] == ("log", "codex.exec")
    numbered = "\n".join(f"{i + 1:6d}\t{line}" for i, line in enumerate(samples.PYTHON_CODE.split("\n")))
    assert kind(numbered, tool="Read")[::2] == ("code", "claude.cat_n")
    persisted = (
        "<persisted-output>\nOutput too large (87.6KB). Full output saved to: /tmp/x.txt\n\nPreview (first 2KB):\n"
        + samples.app_log(30)
        + "...\n</persisted-output>"
    )
    assert kind(persisted)[::2] == ("log", "claude.persisted_output")


def test_trailing_system_reminder_does_not_change_the_kind() -> None:
    text = samples.grep_hits() + "\n<system-reminder>\nBe careful.\n</system-reminder>\n"
    assert kind(text)[0] == "search"


def test_empty_and_whitespace() -> None:
    assert kind("")[0] == "text"
    assert kind("   \n\n")[0] == "text"
