"""JSON fast paths against their references: member spans by full decoding, row selection value by value."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from headroom.compress import json_raw, json_select, json_table
from tests.compress import reference_json_select
from tests.compress.fast_support import EXAMPLES


# -- JSON member spans ---------------------------------------------------------------------------
def reference_members(text: str, index: int) -> list[tuple[str | int, int, int]]:
    """Member spans by fully decoding every member (what ``json_raw._members`` did before skipping)."""
    decode = json.JSONDecoder().raw_decode
    opener = text[index]
    closer = "}" if opener == "{" else "]"
    out: list[tuple[str | int, int, int]] = []
    index = json_raw.skip_ws(text, index + 1)
    position = 0
    while index < len(text) and text[index] != closer:
        name: str | int = position
        if opener == "{":
            name, index = decode(text, index)
            index = json_raw.skip_ws(text, json_raw.skip_ws(text, index) + 1)
        end = decode(text, index)[1]
        out.append((name, index, end))
        position += 1
        index = json_raw.skip_ws(text, end)
        if index < len(text) and text[index] == ",":
            index = json_raw.skip_ws(text, index + 1)
    return out


SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False)
    | st.text(alphabet='ab"\\[]{},: \n\t/é\u2028\x01', max_size=8)
)  # fmt: skip
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=25,
)  # fmt: skip


def _containers(text: str) -> list[tuple[tuple[str | int, ...], int]]:
    """Path and offset of every container of a valid JSON text (found through the reference)."""
    found: list[tuple[tuple[str | int, ...], int]] = [((), json_raw.skip_ws(text, 0))]
    out: list[tuple[tuple[str | int, ...], int]] = []
    while found:
        path, index = found.pop()
        if text[index] in "[{":
            out.append((path, index))
            found.extend(((*path, name), start) for name, start, _end in reference_members(text, index))
    return out


@EXAMPLES
@given(VALUES, st.sampled_from([None, 0, 2]), st.sampled_from([(",", ":"), (", ", ": ")]), st.booleans())
def test_element_spans_match_full_decoding(value: object, indent: int | None, separators: tuple[str, str],
                                           ascii_only: bool) -> None:  # fmt: skip
    text = " \n" + json.dumps(value, indent=indent, separators=separators, ensure_ascii=ascii_only) + "\n"
    for path, index in _containers(text):
        expected = [(start, end) for _name, start, end in reference_members(text, index)]
        assert json_raw.element_spans(text, path) == expected
        assert list(json_raw._members(text, index)) == reference_members(text, index)


# -- JSON row selection --------------------------------------------------------------------------
def _num(value: float | int) -> json_raw.Num:
    return json_raw.Num(json.dumps(value))


CELL_VALUES = (
    st.integers(-5, 5).map(_num) | st.integers(0, 10**6).map(_num) | st.floats(-1e9, 1e9).map(_num)
    | st.sampled_from(["ok", "ok", "running", "failed", "Error: disk", "timeout", "terrorist", "error_count",
                       "CrashLoopBackOff", "a" * 210, "https://x.example/" + "z" * 60, "id-0001", "id-0002",
                       "user 7", "", " ", "\x00", "é", "\u2028"])
    | st.text(alphabet="abf01 -:_", max_size=12) | st.booleans() | st.none()
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "1.2.3"]).map(json_raw.Num)
    | st.lists(st.integers(0, 3).map(_num), max_size=2)
)  # fmt: skip
ROWS = st.lists(
    st.dictionaries(st.sampled_from(["id", "status", "name", "n", "tags", "url", "rare"]), CELL_VALUES,
                    min_size=1, max_size=7),
    min_size=2, max_size=70,
)  # fmt: skip


TYPED_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["id-0001", "id-0002", "id-0003", "id-00x4", "ID 5"]),
            "status": st.sampled_from(["ok"] * 6 + ["failed", "timeout", "Degraded", "running"]),
            "n": st.integers(40, 60).map(_num)
            | st.sampled_from([_num(10**6), _num(-3), _num(0.5), json_raw.Num("NaN"), json_raw.Num("1.2.3")]),
            "url": st.sampled_from(["https://cdn.example/" + c * 50 for c in "abc"] + ["x y"]),
            "flag": st.booleans(),
        },
        optional={"rare": st.just("r"), "note": st.sampled_from(["n", "n" * 300])},
    ),
    min_size=10, max_size=80,
)  # fmt: skip


@EXAMPLES
@given(ROWS | TYPED_ROWS, st.sampled_from([(), ("fail",), ("id-0002", "user")]))
def test_row_selection_matches_the_value_by_value_reference(rows: list[dict[str, object]],
                                                            terms: tuple[str, ...]) -> None:  # fmt: skip
    fast, slow = json_table.build("t", rows), json_table.build("t", rows)
    if fast is None or slow is None:
        return
    assert json_select.must_keep(fast, terms) == reference_json_select.must_keep(slow, terms)
    assert json_select.summaries(fast) == reference_json_select.summaries(slow)
    assert json_select.bulky_columns(fast) == reference_json_select.bulky_columns(slow)


@EXAMPLES
@given(VALUES | ROWS)
def test_dump_matches_json_dumps_per_string(value: object) -> None:
    assert json_raw.dump(value) == reference_json_select.dump(value)


def test_rare_values_past_the_probe_window_are_judged_like_the_reference() -> None:
    """The categorical probe looks at the first rows only; what comes later must still decide."""
    late = [{"k": "ok"} for _ in range(60)]
    columns = [
        [*late, {"k": "rare"}],
        [*late, {"k": [json_raw.Num("1")]}],
        [*late, {"k": {"x": "y"}}],
        [*late, *({"k": f"v{n}"} for n in range(13))],
        [*late[:30], {}, *late[:30], {"k": "rare"}, {"k": True}, {"k": None}],
    ]
    for rows in columns:
        rows = [{**row, "id": json_raw.Num(str(n))} for n, row in enumerate(rows)]
        fast, slow = json_table.build("t", rows), json_table.build("t", rows)
        assert fast is not None and slow is not None
        assert json_select.must_keep(fast, ()) == reference_json_select.must_keep(slow, ())
