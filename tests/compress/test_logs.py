"""Logs and build output: errors and their units verbatim, repetition collapsed with exact receipts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import masks, templates
from headroom.compress.base import Hint, marker
from headroom.compress.pipeline import compress_text
from tests.compress import samples

KEY = samples.KEY
RECEIPT_RE = re.compile(r"^\[… (\d+) lines? omitted \(L(\d+)(?:–L(\d+))?\)(.*) · <<ccr:(\w+)>>\]$")


def run(text: str, command: str = "", query: str = "") -> str:
    outcome = compress_text(text, Hint(tool="Bash", command=command, key=KEY, query=query))
    assert outcome.result is not None, outcome.reason
    return outcome.result.text


def receipts(out: str) -> list[re.Match[str]]:
    return [m for line in out.split("\n") if (m := RECEIPT_RE.match(line))]


def test_every_output_line_is_original_or_a_receipt_with_exact_counts() -> None:
    text = samples.app_log(600)
    lines = text.split("\n")
    out = run(text)
    position = 0
    for line in out.split("\n"):
        found = RECEIPT_RE.match(line)
        if found:
            count, first, last = int(found.group(1)), int(found.group(2)), int(found.group(3) or found.group(2))
            assert last - first + 1 == count and first == position + 1
            position = last
            assert found.group(5) == KEY
        else:
            assert lines[position] == line
            position += 1
    assert position == len(lines)


def test_errors_and_tracebacks_verbatim_warnings_by_template() -> None:
    text = samples.app_log(800, errors=4, warns=30)
    out = run(text)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if " ERROR " in line:
            block = "\n".join(lines[index : index + 5])
            assert block in out  # the error line and its whole traceback
    warn_lines = [line for line in lines if " WARN " in line]
    kept = [line for line in warn_lines if line in out]
    assert 0 < len(kept) < len(warn_lines)
    assert any("WARN" in m.group(4) for m in receipts(out))


def test_receipts_name_levels_and_templates() -> None:
    out = run(samples.app_log(500))
    details = " ".join(m.group(4) for m in receipts(out))
    assert "INFO" in details
    assert "×" in details and "GET /api/orders/<*> <*> <*>ms" in details


def test_distinct_warnings_never_collapse_on_a_shared_prefix() -> None:
    text = "\n".join(
        [f"2025-03-04T10:00:{i:02d}Z INFO tick {i}" for i in range(40)]
        + ["2025-03-04T10:01:00Z WARN disk almost full on /var", "2025-03-04T10:01:00Z WARN certificate expires soon"]
        + [f"2025-03-04T10:02:{i:02d}Z INFO tock {i}" for i in range(40)]
    )
    out = run(text)
    assert "WARN disk almost full on /var" in out and "WARN certificate expires soon" in out


def test_pytest_failures_kept_passed_collapsed() -> None:
    text = samples.pytest_log(300)
    out = run(text, command="pytest -v")
    for needle in (
        "E       assert 100 == 120",
        ">       assert refund(order) == 120",
        "tests/test_api.py:41: AssertionError",
        "FAILED tests/test_api.py::test_totals - assert 3 == 4",
        "2 failed, 300 passed in 4.12s",
    ):
        assert needle in out
    assert out.count(" PASSED") < 20
    assert any("×" in m.group(4) and "PASSED" in m.group(4) for m in receipts(out))


def test_cargo_diagnostics_kept_compiling_collapsed() -> None:
    text = samples.cargo_log(200)
    out = run(text, command="cargo build")
    assert "error[E0308]: mismatched types\n --> src/lib.rs:12:5" in out
    assert "   |     ^^^^^^^^ expected `u32`, found `&str`" in out
    assert "warning: unused variable: `x`\n  --> src/main.rs:4:9" in out
    assert out.count("Compiling") < 10


def test_npm_errors_kept() -> None:
    out = run(samples.npm_log(), command="npm install")
    assert "npm ERR! code ERESOLVE" in out and "npm ERR! Could not resolve dependency: peer react@'^17.0.0'" in out


def test_query_raises_what_is_kept() -> None:
    text = samples.app_log(600, seed=9)
    target = text.split("\n")[300]
    assert target not in run(text)
    order = target.split("/api/orders/")[1].split()[0]
    assert target in run(text, query=f"what happened to order {order}?")


def test_build_log_keeps_every_error_when_affordable() -> None:
    text = samples.build_log(400)
    out = run(text, command="make")
    for line in text.split("\n"):
        if "[ERROR]" in line or ": error:" in line:
            assert line in out


def test_level_words_not_keys_or_substrings() -> None:
    assert masks.level_of("error_count: 0 processed") == masks.OTHER
    assert masks.level_of("the terrorist plot") == masks.OTHER
    assert masks.level_of("ERRORS=0") == masks.OTHER
    assert masks.level_of("from json import JSONDecodeError") == masks.OTHER
    assert masks.level_of("2025 [ERROR] boom") == masks.ERROR
    assert masks.level_of("ValueError: bad") == masks.ERROR
    assert masks.level_of("src/a.c:3:1: error: nope") == masks.ERROR
    assert masks.level_of("warning: unused") == masks.WARN
    assert masks.level_of('{"level":"warn","msg":"x"}') == masks.WARN
    assert masks.level_of("ts=1 level=error msg=x") == masks.ERROR
    assert masks.level_of("DEBUG starting") == masks.DEBUG
    assert masks.level_of("E       assert 1 == 2") == masks.ERROR


def test_masking_and_templates() -> None:
    masked = masks.mask("2025-03-04T10:00:27.123Z GET /api/orders/123 200 45ms id=550e8400-e29b-41d4-a716-446655440000")
    assert masked == "<*>T<*>Z GET /api/orders/<*> <*> <*>ms id=<*>"
    lines = ["GET /a/1 ok", "GET /a/2 ok", "GET /b/3 fail now", "WARN x 1", "WARN y 2"]
    levels = masks.levels(lines)
    found = templates.mine([masks.mask(line) for line in lines], levels)
    assert found.ids[0] == found.ids[1] != found.ids[2]
    assert found.ids[3] != found.ids[4]  # warnings only merge when identical after masking


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=40))
def test_levels_and_mask_are_line_aligned(lines: list[str]) -> None:
    clean = [line.replace("\n", " ") for line in lines]
    text = "\n".join(clean)
    assert len(masks.mask(text).split("\n")) == len(text.split("\n"))
    assert len(masks.levels(clean)) == len(clean)


def test_marker_in_every_receipt() -> None:
    out = run(samples.build_log(500))
    for line in out.split("\n"):
        if line.startswith("[… "):
            assert line.endswith(f"· {marker(KEY)}]")
