from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.config import FIELDS, doc, env_of, flag_of

README = Path(__file__).resolve().parent.parent / "README.md"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
COMMAND = "python -m headroom.config.doc --write README.md"


def test_readme_table_matches_the_settings() -> None:
    current = doc.section_of(README.read_text(encoding="utf-8"))
    assert current == doc.settings_markdown(), f"README settings table is out of date: run `{COMMAND}`"


def table_rows() -> list[str]:
    return [ln for ln in doc.settings_markdown().splitlines() if ln.startswith("| `")]


def test_one_row_per_setting_in_declaration_order() -> None:
    rows = table_rows()
    assert len(rows) == len(FIELDS)
    for line, field in zip(rows, FIELDS, strict=True):
        assert line.startswith(f"| `{field.name}` | `{flag_of(field.name)}`<br>`{env_of(field.name)}` |")
        assert len(UNESCAPED_PIPE.findall(line)) == 6, line


def test_secrets_are_marked_and_only_they() -> None:
    for line, field in zip(table_rows(), FIELDS, strict=True):
        assert ("**Secret**" in line) == bool(field.metadata["secret"]), line
    assert any(f.metadata["secret"] for f in FIELDS)


def test_defaults_choices_and_bounds_are_rendered() -> None:
    rows = dict(zip((f.name for f in FIELDS), table_rows(), strict=True))
    assert "| `8787` | integer; 0–65535 |" in rows["port"]
    assert "one of `off`, `live_zone`" in rows["compression_mode"]
    assert "`536870912` (512 MiB)" in rows["ccr_max_bytes"]
    assert "`604800` (7 days)" in rows["ccr_ttl_seconds"]
    assert "| *empty* |" in rows["data_dir"]
    assert "seconds; ≥ 0.001" in rows["header_timeout"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_cell_is_one_line_with_no_column_break(text: str) -> None:
    out = doc.cell(text)
    assert "\n" not in out and "\r" not in out
    assert not UNESCAPED_PIPE.search(out)
    assert out.replace("\\|", "|").split() == text.split() or "\\|" in text


marker_free = st.text(alphabet=st.characters(exclude_characters="<"), max_size=60)


@settings(max_examples=200, deadline=None)
@given(marker_free, marker_free, marker_free, marker_free, marker_free)
def test_replace_section_keeps_the_outside_and_is_idempotent(
    head: str, old: str, tail: str, new: str, newer: str
) -> None:
    text = f"{head}{doc.START}{old}{doc.END}{tail}"
    once = doc.replace_section(text, new)
    assert once.startswith(head + doc.START) and once.endswith(doc.END + tail)
    assert doc.section_of(once) == new
    assert doc.replace_section(once, new) == once
    assert doc.replace_section(doc.replace_section(once, newer), new) == once


@pytest.mark.parametrize(
    "text",
    ["no markers", f"{doc.START} only start", f"{doc.END} x {doc.START}", f"{doc.START}{doc.END}{doc.START}{doc.END}"],
)
def test_replace_section_rejects_bad_markers(text: str) -> None:
    with pytest.raises(ValueError):
        doc.replace_section(text, "x\n")


def test_write_and_check_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "README.md"
    target.write_text(f"# t\n\n{doc.START}\nstale\n{doc.END}\n\n## after\n", encoding="utf-8")
    assert doc.main(["--check", str(target)]) == 1
    assert "run python -m headroom.config.doc --write" in capsys.readouterr().err
    assert doc.main(["--write", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# t\n\n") and text.endswith(f"{doc.END}\n\n## after\n")
    assert doc.section_of(text) == doc.settings_markdown()
    assert doc.main(["--check", str(target)]) == 0
    assert doc.main(["--write", str(tmp_path / "missing.md")]) == 1


def test_print_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert doc.main([]) == 0
    assert capsys.readouterr().out == doc.settings_markdown()
