"""Property tests: generated JSON in every serialisation style, splicing, encoding, fuzzing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.jsonspan import (
    WALK_ALL,
    JsonSpanError,
    Node,
    Schema,
    decode_string,
    decode_value,
    encode_string,
    scan,
    splice,
)
from headroom.jsonspan.scanner import check_utf8

Path = tuple[str | int, ...]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)
CONTAINERS = st.lists(VALUES, max_size=5) | st.dictionaries(st.text(max_size=8), VALUES, max_size=5)
SEPARATORS = st.sampled_from([(",", ":"), (", ", ": "), (",", ": "), (" ,", " : ")])
INDENTS = st.sampled_from([None, None, 0, 2, "\t", " \r\n"])
PADDING = st.sampled_from(["", " ", "\n", "\r\n\t ", "  \n"])
SCHEMAS: list[Schema] = [WALK_ALL, {}, {"*": {}}, {"*": {"*": None}}, {"*": WALK_ALL}]
FAST = settings(max_examples=150, deadline=None)


@st.composite
def bodies(draw: st.DrawFn, values: st.SearchStrategy[Any] = VALUES) -> tuple[bytes, Any]:
    """A JSON value serialised in one of the styles real clients use (compact, google-genai, pretty)."""
    value = draw(values)
    text = json.dumps(value, separators=draw(SEPARATORS), indent=draw(INDENTS), ensure_ascii=draw(st.booleans()))
    return (draw(PADDING) + text + draw(PADDING)).encode("utf-8"), value


def walk(node: Node, value: Any, path: Path = ()) -> Iterator[tuple[Node, Any, Path]]:
    """Every node of a scan with the value json.loads gives at the same path."""
    yield node, value, path
    if node.members is not None:
        assert [name for name, _ in node.members] == list(value)
        for name, child in node.members:
            yield from walk(child, value[name], (*path, name))
    if node.items is not None:
        assert len(node.items) == len(value)
        for index, child in enumerate(node.items):
            yield from walk(child, value[index], (*path, index))


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def replace_at(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = replace_at(value[path[0]], path[1:], new)
    return copy


@FAST
@given(bodies(), st.sampled_from(SCHEMAS))
def test_every_span_decodes_to_the_value_at_its_path(case: tuple[bytes, Any], schema: Schema) -> None:
    body, value = case
    root = scan(body, schema)
    for node, expected, _ in walk(root, value):
        start, end = node.span
        assert node.kind == kind_of(expected)
        assert json.loads(body[start:end]) == expected
        assert decode_value(body, node) == expected
        if node.kind == "string":
            assert decode_string(body, node) == expected


@FAST
@given(bodies(CONTAINERS))
def test_walk_all_reaches_every_value(case: tuple[bytes, Any]) -> None:
    body, value = case

    def count(v: Any) -> int:
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else ()
        return 1 + sum(count(child) for child in children)

    assert sum(1 for _ in walk(scan(body, WALK_ALL), value)) == count(value)


@FAST
@given(bodies())
def test_splicing_spans_with_their_own_bytes_is_the_identity(case: tuple[bytes, Any]) -> None:
    body, value = case
    nodes = [node for node, _, _ in walk(scan(body, WALK_ALL), value)]
    for node in nodes:
        start, end = node.span
        assert splice(body, [(node.span, body[start:end])]) == body
    leaves = sorted((n.span for n in nodes if n.members is None and n.items is None), key=lambda span: span[0])
    assert splice(body, [(span, body[span[0] : span[1]]) for span in leaves]) == body


@FAST
@given(bodies(CONTAINERS), st.data())
def test_replacing_a_string_changes_only_that_value(case: tuple[bytes, Any], data: st.DataObject) -> None:
    body, value = case
    strings = [(n, p) for n, v, p in walk(scan(body, WALK_ALL), value) if n.kind == "string"]
    if not strings:
        return
    node, path = data.draw(st.sampled_from(strings))
    new = data.draw(st.text(max_size=30))
    edited = splice(body, [(node.span, encode_string(new))])
    assert json.loads(edited) == replace_at(value, path, new)
    start, end = node.span
    assert edited[:start] == body[:start]
    assert edited[len(edited) - (len(body) - end) :] == body[end:]


@FAST
@given(st.text())
def test_encode_string_round_trips_and_escapes_only_what_json_requires(text: str) -> None:
    literal = encode_string(text)
    assert json.loads(literal) == text
    assert decode_string(literal, scan(literal, {})) == text
    assert not any(byte < 0x20 for byte in literal)
    escaped = sum(2 if ch in '"\\\n\r\t\b\f' else 6 if ch < " " else len(ch.encode()) for ch in text)
    assert len(literal) == escaped + 2


@FAST
@given(st.text(), st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]), st.text())
def test_encode_string_rejects_any_lone_surrogate(before: str, surrogate: str, after: str) -> None:
    try:
        encode_string(before + surrogate + after)
    except JsonSpanError:
        return
    raise AssertionError("a lone surrogate was encoded")


def no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def stdlib_accepts(body: bytes) -> bool:
    """What strict JSON means: UTF-8 without BOM, json.loads without NaN/Infinity."""
    if body.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        json.loads(body.decode("utf-8"), parse_constant=no_constants)
    except (ValueError, RecursionError):
        return False
    return True


def agrees_with_stdlib(body: bytes) -> None:
    accepted = stdlib_accepts(body)
    for schema in (WALK_ALL, {}):
        try:
            root = scan(body, schema)
        except JsonSpanError:
            assert not accepted, body
            continue
        assert accepted, body
        start, end = root.span
        assert body[:start].strip(b" \t\n\r") == body[end:].strip(b" \t\n\r") == b""
        assert json.loads(body[start:end].decode()) == json.loads(body.decode())


@FAST
@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_jsonspan_error(body: bytes) -> None:
    agrees_with_stdlib(body)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(bodies())[0])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        junk = draw(st.sampled_from([b",", b":", b"]", b"}", b"[", b"{", b'"', b"\\", b"-", b"0", b"e", b"N", b"\x00"]))
        junk = draw(st.one_of(st.just(junk), st.binary(min_size=1, max_size=2)))
        if op == "insert":
            body[at:at] = junk
        elif op == "delete":
            del body[at : at + draw(st.integers(1, 3))]
        elif op == "replace":
            body[at : at + 1] = junk
        else:
            body[at:at] = body[at : at + draw(st.integers(1, 8))]
    return bytes(body)


@settings(max_examples=200, deadline=None)
@given(mutated())
def test_mutated_bodies_agree_with_the_stdlib(body: bytes) -> None:
    agrees_with_stdlib(body)


@FAST
@given(st.binary(max_size=40), st.integers(1, 6))
def test_chunked_utf8_check_is_exact(data: bytes, chunk: int) -> None:
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    try:
        check_utf8(data, chunk)
        assert valid
    except JsonSpanError:
        assert not valid


@FAST
@given(st.text(max_size=30), st.integers(1, 6))
def test_chunked_utf8_check_accepts_valid_text(text: str, chunk: int) -> None:
    check_utf8(text.encode("utf-8"), chunk)
