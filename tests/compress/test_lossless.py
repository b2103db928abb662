"""A result without omitted ranges claims the original can be rebuilt from its text alone (no original is
stored for it). Checked here for every kind of input the pipeline sees:

- text that is not JSON: a lossless result would have to be the input itself, so there must be none;
- a JSON document, JSON lines or a cut pretty-JSON fragment: the result must hold the same JSON tokens in
  the same order, with only JSON whitespace (space, tab, CR, LF) changed, and none glued to the next one;
  tables must read back to the same values; a wrapped string must be a faithful rewrite of its own.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import json_raw
from headroom.compress.base import Hint
from headroom.compress.pipeline import compress_text
from tests.compress import samples
from tests.compress.test_json import _normal, read_document

KEY = samples.KEY
MARKER = "…4242 tokens truncated…"
_MARKER_LINE_RE = re.compile(r".*…\d+ tokens truncated….*")
_TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|-?\d[\d.eE+-]*|true|false|null|[\[\]{}:,]')
_JSON_SPACE = " \t\r\n"
_WORDISH = re.compile(r"[\w.+-]")


def json_tokens(text: str) -> list[str] | None:
    """The JSON tokens of ``text`` in order (a truncation-marker line that is not JSON is one opaque
    token), or None where something else than JSON whitespace lies between them."""
    out: list[str] = []
    for line in text.split("\n"):
        tokens = _line_tokens(line)
        if tokens is None and _MARKER_LINE_RE.fullmatch(line):
            tokens = [line.strip(_JSON_SPACE)]  # a client's truncation notice between JSON lines
        if tokens is None:
            return None
        out.extend(tokens)
    return out


def _line_tokens(line: str) -> list[str] | None:
    """The JSON tokens of one line (a marker inside a string is just part of that string)."""
    out: list[str] = []
    pos = 0
    while pos < len(line):
        if line[pos] in _JSON_SPACE:
            pos += 1
            continue
        match = _TOKEN_RE.match(line, pos)
        if match is None:
            return None
        out.append(match.group(0))
        pos = match.end()
    return out


def same_tokens(original: str, result: str) -> bool:
    """``result`` spells exactly the tokens of ``original``, separated by JSON whitespace only, and
    whitespace still separates two tokens that would otherwise read as one (``1`` ``2`` is not ``12``)."""
    expected = json_tokens(original)
    if expected is None:
        return False
    pos = 0
    previous = ""
    for token in expected:
        start = pos
        while pos < len(result) and result[pos] in _JSON_SPACE:
            pos += 1
        if not result.startswith(token, pos):
            return False
        glued = previous and _WORDISH.fullmatch(previous[-1]) and _WORDISH.match(token[0])
        if glued and pos == start:
            return False
        pos += len(token)
        previous = token
    return not result[pos:].strip(_JSON_SPACE)


def assert_faithful(original: str, text: str, strategy: str) -> None:
    """``text``, reported lossless with ``strategy``, rebuilds ``original``."""
    if strategy in ("json.minify", "json.fragment_join"):
        assert same_tokens(original, text), (strategy, original, text)
    elif strategy in ("json.table", "json.lines_table"):
        value = (
            [json.loads(line) for line in original.split("\n") if line.strip()]
            if strategy == "json.lines_table"
            else json.loads(original)
        )
        assert _normal(read_document(text)) == _normal(value)
    elif strategy.startswith("json.wrapped+"):
        before, after = json.loads(original), json.loads(text)
        assert isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys()
        changed = [key for key in before if before[key] != after[key]]
        assert len(changed) == 1 and isinstance(before[changed[0]], str)
        assert_faithful(before[changed[0]], after[changed[0]], strategy.removeprefix("json.wrapped+"))
    else:  # not JSON: nothing but the input itself is lossless
        assert text == original, (strategy, original, text)


def check(text: str, lossy: bool, tool: str = "Bash", command: str = "") -> None:
    outcome = compress_text(text, Hint(tool=tool, command=command, key=KEY), lossy=lossy)
    result = outcome.result
    if result is not None and result.lossless:
        assert_faithful(text, result.text, result.strategy)


# -- inputs ----------------------------------------------------------------------------------------------

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["", " ", "a b", "x\ty", "é", "12", "null", '"q"', "line\nbreak", "…1 tokens truncated…"]),
)
_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["id", "name", "v", "a b"]), inner),
    max_leaves=12,
)
_rows = st.lists(
    st.fixed_dictionaries({"id": st.integers(0, 999), "name": st.sampled_from(["ann", "bob", "cy"])}), min_size=3
)
_item = _scalar | st.fixed_dictionaries(  # detection wants 95 % of lines pretty JSON: few empty containers
    {"id": st.integers(-99, 999), "tags": st.lists(st.sampled_from(["a", "b c", "[]"]), min_size=1, max_size=2)},
    optional={"meta": st.dictionaries(st.sampled_from(["k", "v"]), _scalar, min_size=1, max_size=2), "x": _scalar},
)
_tails = st.sampled_from(
    [
        "",
        "",
        'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\nValueError: bad',
        "Error: boom",
        "$ echo done",
        "\x0c",
        "  \u3000",
        "1",
    ]
)


@st.composite
def json_documents(draw: st.DrawFn) -> str:
    value = draw(_value | _rows.map(lambda rows: {"meta": {"n": len(rows)}, "items": rows}))
    indent = draw(st.sampled_from([None, 1, 2, 4, "\t"]))
    text = json.dumps(value, indent=indent, ensure_ascii=draw(st.booleans()))
    return draw(st.sampled_from(["", " ", "\n"])) + text + draw(st.sampled_from(["", "\n", " \n"]))


@st.composite
def json_fragments(draw: st.DrawFn) -> str:
    """Pretty JSON cut in the middle as Codex does, possibly with other text after it."""
    rows = draw(st.lists(_item, min_size=20, max_size=40))
    lines = json.dumps(rows, indent=2).split("\n")
    cut = draw(st.integers(1, len(lines) - 2))
    drop = draw(st.integers(1, max(1, len(lines) - 24)))  # detection wants 20 lines
    lines = [*lines[:cut], MARKER, *lines[cut + drop :]]
    if draw(st.booleans()):  # commas cut away too: neighbouring values must not run together
        lines = [line.rstrip(",") for line in lines]
    tail = draw(_tails)
    return "\n".join(lines) + ("\n" + tail if tail else "")


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    rows = draw(_rows)
    gap = draw(st.sampled_from(["\n", "\n\n", " \n"]))
    return gap.join(json.dumps(row, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")]))) for row in rows)


@st.composite
def wrapped(draw: st.DrawFn) -> str:
    inner = draw(
        json_documents()
        | st.sampled_from([samples.ls_la(12), samples.PYTHON_CODE.replace("\n", "  \n"), samples.app_log(40)])
    )
    return json.dumps({"output": inner, "exit_code": 0})


@st.composite
def plain_texts(draw: st.DrawFn) -> str:
    """Tables, code and prose with rewritable whitespace, logs."""
    pad = draw(st.sampled_from(["  ", "   ", "\t", "  \t "]))
    choice = draw(st.sampled_from(["ls", "kubectl", "code", "prose", "log", "diff", "grep"]))
    if choice == "ls":
        return samples.ls_la(draw(st.integers(2, 12))).replace("\n", pad + "\n")
    if choice == "kubectl":
        return samples.kubectl_pods(draw(st.integers(2, 8)))
    if choice == "code":
        return (samples.PYTHON_CODE * draw(st.integers(1, 3))).replace("\n\n", "\n" + pad + "\n\n\n")
    if choice == "prose":
        return samples.prose(paragraphs=draw(st.integers(2, 10))).replace("\n", pad + "\n")
    if choice == "log":
        return samples.app_log(draw(st.integers(30, 90)))
    if choice == "diff":
        return samples.git_diff(files=1, hunks=2)
    return samples.grep_hits(files=2, per_file=draw(st.integers(2, 10)))


# -- properties ------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(text=json_documents() | json_fragments() | json_lines() | wrapped() | plain_texts(), lossy=st.booleans())
def test_lossless_results_rebuild_the_original(text: str, lossy: bool) -> None:
    check(text, lossy)


@settings(max_examples=100, deadline=None)
@given(text=json_fragments(), lossy=st.booleans())
def test_lossless_fragments_keep_every_token(text: str, lossy: bool) -> None:
    check(text, lossy)


# -- the cases that were reported lossless while losing information -----------------------------------


def _pretty_users(rows: int = 12) -> str:
    return json.dumps([{"id": i, "name": f"user{i}", "tags": ["a", "b"]} for i in range(rows)], indent=2)


def test_pretty_json_with_a_traceback_after_it_is_not_joined() -> None:
    trace = 'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n    main()\nValueError: bad'
    text = _pretty_users()[:-2] + "\n" + trace  # cut before its end: no longer parseable
    outcome = compress_text(text, Hint(tool="Bash", key=KEY))
    assert outcome.detection.subkind == "json.fragment"  # a few odd lines still read as a fragment …
    assert outcome.result is None and outcome.reason == "json:fragment_mixed"  # … but are not joined


def test_fragment_lines_without_commas_do_not_run_together() -> None:
    text = "[\n" + "\n".join(f"  {n}" for n in range(30)) + "\n" + MARKER + "\n  -5\n  true\n  null"
    outcome = compress_text(text, Hint(tool="Bash", key=KEY))
    result = outcome.result
    assert result is not None and result.strategy == "json.fragment_join" and result.lossless
    assert result.text.startswith("[0 1 2 3") and same_tokens(text, result.text)


def test_fragment_join_keeps_non_json_spaces_of_the_lines() -> None:
    text = _pretty_users(8)[:-2].replace('"id"', '\x0c"id"')
    outcome = compress_text(text, Hint(tool="Bash", key=KEY))
    assert outcome.result is None or not outcome.result.lossless


def test_the_reference_check_catches_what_it_should() -> None:
    assert same_tokens('{\n  "a": [1,\n  2]\n}', '{"a":[1,2]}')
    assert not same_tokens("[\n  1\n  2\n]", "[12]")
    assert not same_tokens('[\n  "a b"\n]', '["ab"]')
    assert not same_tokens('{"a": 1}\nError: x', '{"a":1}Error:x')
    assert json_tokens(f'[\n  "x",\n{MARKER}\n  3\n]') == ["[", '"x"', ",", MARKER, "3", "]"]
    assert json_raw.minify('{ "a" : [1, 2] }') == '{"a":[1,2]}'


def _rows_with(value: Any) -> list[dict[str, Any]]:
    return [{"id": i, "v": value} for i in range(3)]


def test_json_table_results_read_back() -> None:
    text = json.dumps(_rows_with({"x": [1, 2]}), indent=2)
    outcome = compress_text(text, Hint(tool="Bash", key=KEY), lossy=False)
    assert outcome.result is not None and outcome.result.lossless
    assert_faithful(text, outcome.result.text, outcome.result.strategy)


def test_fragment_with_empty_containers_is_joined() -> None:
    rows = [{"id": i, "name": f"user{i}", "roles": ["dev", "qa"], "meta": {"a": 1}} for i in range(12)]
    rows[3]["roles"] = []
    text = json.dumps(rows, indent=2)[:-30] + MARKER + "\n  }\n]"  # cut mid-line, as Codex does
    outcome = compress_text(text, Hint(tool="Bash", key=KEY))
    result = outcome.result
    assert outcome.detection.subkind == "json.fragment"
    assert result is not None and result.strategy == "json.fragment_join" and '"roles": []' in result.text
    assert same_tokens(text, result.text)
