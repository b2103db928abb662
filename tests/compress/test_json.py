"""JSON: exact minification, unambiguous tables (proved by reading them back), bounded row selection."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import json_raw, json_select, json_table
from headroom.compress.base import Hint, marker
from headroom.compress.pipeline import compress_text
from tests.compress import samples

KEY = samples.KEY
HINT = Hint(tool="Bash", key=KEY)
_REF_RE = re.compile(r"@table(\d+)")


# -- a reader for the table format: if it can rebuild the original, the format is unambiguous -------


def _cell(text: str) -> Any:
    if text == "":
        return _ABSENT
    if text[0] in '"[{-0123456789' or text in ("true", "false", "null"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


_ABSENT = object()


def _set(row: dict[str, Any], name: str, value: Any) -> None:
    parts = [json.loads(name)] if name.startswith('"') else name.split(".")
    for part in parts[:-1]:
        row = row.setdefault(part, {})
    row[parts[-1]] = value


def _read_table(lines: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Rows of one table starting at its title line; returns (rows, lines consumed)."""
    count = int(re.search(r": (\d+) objects", lines[0]).group(1))  # type: ignore[union-attr]
    index = 1
    constants: list[tuple[str, Any]] = []
    while lines[index].startswith("= ") and " counts (all rows): " not in lines[index]:
        line = lines[index][2:]
        if line.startswith('"'):
            name_end = json.JSONDecoder().raw_decode(line)[1]
            name, value = line[:name_end], line[name_end + 2 :]
        else:
            name, value = line.split(": ", 1)
        constants.append((name, _cell(value)))
        index += 1
    header = lines[index].split("\t")
    index += 1
    rows = []
    for line in lines[index : index + count]:
        row: dict[str, Any] = {}
        for name, cell in zip(header, line.split("\t"), strict=True):
            value = _cell(cell)
            if value is not _ABSENT:
                _set(row, name, value)
        for name, value in constants:
            _set(row, name, value)
        rows.append(row)
    return rows, index + count


def read_document(text: str) -> Any:
    lines = text.split("\n")
    if lines[0].startswith(("JSON array: ", "JSON lines: ")):
        return _read_table(lines)[0]
    skeleton = lines[0]
    tables: dict[str, Any] = {}
    index = 1
    while index < len(lines):
        ref = lines[index].split(" ", 1)[0]
        rows, used = _read_table(lines[index:])
        tables[ref] = rows
        index += used
    marked = _REF_RE.sub(lambda m: json.dumps({"__ref__": m.group(0)}), skeleton)
    return json.loads(marked, object_hook=lambda o: tables[o["__ref__"]] if set(o) == {"__ref__"} else o)


def _normal(value: Any) -> Any:
    """Order-insensitive form for objects (tables may reorder keys of flattened objects)."""
    return json.loads(json.dumps(value, sort_keys=True))


# -- tests -------------------------------------------------------------------------------------------


def test_minify_is_exact_outside_whitespace() -> None:
    text = '{\n  "a" : 1.0,\n  "b": "x  y",\n  "c": [1e3, -0, "\\u00e9 \\" q"]\n}'
    assert json_raw.minify(text) == '{"a":1.0,"b":"x  y","c":[1e3,-0,"\\u00e9 \\" q"]}'


def test_numbers_keep_their_spelling() -> None:
    status, value = json_raw.parse('[{"v": 1.0, "w": 1e3}, {"v": 2.50, "w": -0}]')
    assert status == "ok"
    table = json_table.build("", value)
    assert table is not None
    assert json_table.render(table, "JSON array").split("\n")[-2:] == ["1.0\t1e3", "2.50\t-0"]


def test_duplicate_keys_are_only_minified() -> None:
    text = '{"a": 1, "a": 2, "rows": [{"x": 1}, {"x": 2}, {"x": 3}]}'
    outcome = compress_text(text, HINT)
    assert outcome.result is not None and outcome.result.text == json_raw.minify(text)


def test_null_missing_empty_stay_distinct() -> None:
    rows = [{"a": None, "b": 1}, {"a": "", "b": 2}, {"b": 3}, {"a": "null", "b": 4}, {"a": "x", "b": 5}]
    table = json_table.build("", rows)
    assert table is not None
    text = json_table.render(table, "JSON array")
    assert read_document(text) == rows


def test_users_document_round_trips_and_shrinks() -> None:
    text = samples.users_json(rows=30)
    outcome = compress_text(text, HINT, lossy=False)
    assert outcome.result is not None and outcome.result.lossless
    assert outcome.result.strategy == "json.table"
    assert _normal(read_document(outcome.result.text)) == _normal(json.loads(text))
    assert "= region: eu-west-1" in outcome.result.text  # constant column hoisted
    assert "quota.cpu" in outcome.result.text  # nested object flattened


def test_large_array_selects_rows_with_bounded_must_keeps() -> None:
    text = samples.users_json(rows=800, needle=431)
    outcome = compress_text(text, HINT)
    result = outcome.result
    assert result is not None and not result.lossless and result.strategy.startswith("json.table+rows")
    out = result.text
    assert "NEEDLE-7731" in out  # a rare key keeps its row
    assert "user0000" in out and "user0799" in out  # first and last rows
    failed = sum(1 for user in json.loads(text)["users"] if user["status"] == "failed")
    assert failed > 10
    assert 0 < sum(1 for line in out.split("\n") if "\tfailed\t" in line) <= 2 * json_select.PER_COLUMN + 6
    assert f"status counts (all rows): ok ×{800 - failed}, failed ×{failed}" in out
    assert marker(KEY) in out
    for start, end in result.omitted_ranges:
        chunk = text[start:end]
        assert chunk.count("{") == chunk.count("}")  # whole rows only


def test_must_keeps_read_values_never_keys_or_substrings() -> None:
    rows = [{"id": i, "error_count": 0, "note": "terrorist drama" if i == 5 else "plain"} for i in range(40)]
    table = json_table.build("", rows)
    assert table is not None
    reasons = json_select.must_keep(table, ())
    assert all("error" not in why for why in reasons.values())
    rows[7]["note"] = "request failed: upstream timeout"
    table = json_table.build("", rows)
    assert table is not None and 7 in json_select.must_keep(table, ())


def test_outliers_and_rare_values_are_kept() -> None:
    rows = [{"ms": 20 + i % 7, "state": "ok" if i != 33 else "quarantined"} for i in range(200)]
    rows[120]["ms"] = 9000
    table = json_table.build("", rows)
    assert table is not None
    kept = json_select.must_keep(table, ())
    assert 120 in kept and 33 in kept
    assert len(kept) <= json_select.MUST_CAP


def test_bulky_columns_are_projected_not_error_text() -> None:
    rows = [
        {
            "id": i,
            "avatar": f"https://avatars.example.com/u/{i:08d}/{'ab' * 30}.png",
            "trace": "Traceback (most recent call last): ValueError: bad input " * 2,
        }
        for i in range(300)
    ]
    table = json_table.build("", rows)
    assert table is not None
    bulky = [column.name for column in json_select.bulky_columns(table)]
    assert bulky == ["avatar"]


def test_json_lines_become_one_table() -> None:
    text = "\n".join(json.dumps({"k": i, "v": f"value {i}", "ok": True}) for i in range(40)) + "\n"
    outcome = compress_text(text, HINT, lossy=False)
    assert outcome.result is not None and outcome.result.text.startswith("JSON lines: 40 objects")
    assert read_document(outcome.result.text) == [json.loads(line) for line in text.split("\n") if line]


def test_query_rows_are_kept() -> None:
    text = samples.users_json(rows=600)
    outcome = compress_text(text, Hint(tool="Bash", key=KEY, query="what about user0377?"))
    assert outcome.result is not None and "user0377" in outcome.result.text


_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(["", " ", "null", "12", "true", "[x", "a\tb", "a\nb", "@table1", "x.y", "é"]),
)
_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
_row = st.dictionaries(st.sampled_from(["id", "name", "a", "b.c", "", "q", "nested"]), _value, max_size=5)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_row, min_size=2, max_size=25), wrap=st.booleans())
def test_lossless_tables_round_trip(rows: list[dict[str, Any]], wrap: bool) -> None:
    doc: Any = {"meta": {"n": len(rows)}, "items": rows} if wrap else rows
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    outcome = compress_text(text, HINT, lossy=False)
    if outcome.result is None or outcome.result.strategy == "json.minify":
        return
    assert _normal(read_document(outcome.result.text)) == _normal(json.loads(text))


def test_wrapped_text_is_compressed_inside_valid_json() -> None:
    log = samples.app_log(300)
    text = json.dumps({"output": log, "exit_code": 0})
    outcome = compress_text(text, HINT)
    result = outcome.result
    assert result is not None and result.strategy.startswith("json.wrapped+log.")
    rebuilt = json.loads(result.text)
    assert rebuilt["exit_code"] == 0 and marker(KEY) in rebuilt["output"]
    kept = [line for line in rebuilt["output"].split("\n") if not line.startswith("[… ")]
    assert all(line in log.split("\n") for line in kept)
    for start, end in result.omitted_ranges:
        omitted = json.loads(f'"{text[start:end]}"')  # a range of the escaped source is whole lines
        assert omitted.strip("\n") and omitted.strip("\n") in log


def test_truncated_pretty_json_fragment_is_joined_losslessly() -> None:
    whole = samples.users_json(rows=80)
    cut = whole[:3000] + "…4242 tokens truncated…" + whole[-3000:]
    outcome = compress_text(cut, HINT)
    assert outcome.detection.subkind == "json.fragment"
    result = outcome.result
    assert result is not None and result.lossless and result.strategy == "json.fragment_join"
    assert result.text == "".join(line.strip() for line in cut.split("\n"))
    assert result.text.replace(" ", "") == cut.replace(" ", "").replace("\n", "")
