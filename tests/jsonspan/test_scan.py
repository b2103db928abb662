"""Unit tests of ``scan``: spans, schema semantics, node access and strictness."""

from __future__ import annotations

import json
import sys

import pytest

from headroom.errors import OptimisationError
from headroom.jsonspan import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_NODES,
    WALK_ALL,
    DuplicateKeyError,
    JsonSpanError,
    Node,
    decode_value,
    scan,
    scanner,
)
from headroom.jsonspan.scanner import check_utf8
from tests.jsonspan.schemas import ANTHROPIC

BODY = (
    b'{"model":"m","messages":[{"role":"user","content":"hi"},'
    b'{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]},'
    b'{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a\\nb","is_error":false}]}],'
    b'"metadata":{"user_id":"u"},"max_tokens":1024,"stream":true}'
)


def text(body: bytes, node: Node) -> bytes:
    return body[node.span[0] : node.span[1]]


def test_root_members_and_kinds() -> None:
    root = scan(BODY, ANTHROPIC)
    assert root.kind == "object"
    assert root.span == (0, len(BODY))
    assert root.keys() == ("model", "messages", "metadata", "max_tokens", "stream")
    kinds = {name: node.kind for name, node in root.members or ()}
    assert kinds == {
        "model": "string",
        "messages": "array",
        "metadata": "object",
        "max_tokens": "number",
        "stream": "true",
    }
    assert text(BODY, root.get("max_tokens")) == b"1024"


def test_schema_walks_only_named_containers() -> None:
    root = scan(BODY, ANTHROPIC)
    messages = root.get("messages")
    assert messages is not None and messages.items is not None and len(messages.items) == 3
    first = messages[0]
    content = first.get("content")
    assert content is not None and content.kind == "string" and text(BODY, content) == b'"hi"'
    tool_use = messages[1].get("content")[0]
    command_input = tool_use.get("input")
    assert command_input is not None and command_input.kind == "object" and command_input.members is None
    assert text(BODY, command_input) == b'{"command":"ls"}'
    result = messages[-1].get("content")[0]
    assert result.keys() == ("type", "tool_use_id", "content", "is_error")
    assert text(BODY, result.get("content")) == b'"a\\nb"'
    assert result.get("is_error").kind == "false"


def test_unnamed_containers_are_recorded_not_walked() -> None:
    body = b'{"a":{"x":1},"b":[1,2],"c":{"y":[3]}}'
    root = scan(body, {"c": {}})
    a, b, c = (root.get(k) for k in "abc")
    assert a is not None and a.kind == "object" and a.members is None
    assert b is not None and b.kind == "array" and b.items is None
    assert c is not None and c.keys() == ("y",)
    y = c.get("y")
    assert y is not None and y.kind == "array" and y.items is None


def test_explicit_none_beats_wildcard() -> None:
    root = scan(b'{"a":{"k":1},"b":{"k":2}}', {"a": None, "*": {}})
    assert root.get("a").members is None
    assert root.get("b").keys() == ("k",)


def test_array_without_wildcard_records_items() -> None:
    body = b'[{"a":1}, [2], "s"]'
    root = scan(body, {})
    assert root.items is not None
    assert [n.kind for n in root.items] == ["object", "array", "string"]
    assert root[0].members is None
    assert [text(body, n) for n in root.items] == [b'{"a":1}', b"[2]", b'"s"']


def test_schema_container_given_a_scalar_is_just_recorded() -> None:
    root = scan(b'{"messages":"oops"}', ANTHROPIC)
    messages = root.get("messages")
    assert messages is not None and messages.kind == "string" and messages.items is None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'"x"', "string"),
        (b"-1.5e3", "number"),
        (b"0", "number"),
        (b"true", "true"),
        (b"false", "false"),
        (b"null", "null"),
        (b"[]", "array"),
        (b"{}", "object"),
        (b" \t\r\n[ ] \n", "array"),
    ],
)
def test_root_values(body: bytes, kind: str) -> None:
    node = scan(body, WALK_ALL)
    assert node.kind == kind
    assert json.loads(text(body, node)) == json.loads(body)


def test_empty_containers_are_walked() -> None:
    root = scan(b'{"a":{},"b":[],"c":[{}, [ ]]}', WALK_ALL)
    assert root.get("a").members == ()
    assert root.get("b").items == ()
    c = root.get("c")
    assert c is not None and c[0].members == () and c[1].items == ()
    assert scan(b"{ }", WALK_ALL).members == ()
    assert scan(b"[\n]", WALK_ALL).items == ()


def test_whitespace_everywhere() -> None:
    body = b' \n{ "a" : [ 1 , { "b" : "c" } ] , "d" : null }\r\n\t '
    root = scan(body, WALK_ALL)
    assert root.span == (2, len(body) - 4)
    a = root.get("a")
    assert a is not None and text(body, a) == b'[ 1 , { "b" : "c" } ]'
    assert text(body, a[1].get("b")) == b'"c"'


def test_duplicate_keys_are_kept_and_get_raises() -> None:
    root = scan(b'{"a":1,"b":2,"a":3}', WALK_ALL)
    assert root.keys() == ("a", "b", "a")
    assert root.get("b") is not None
    with pytest.raises(DuplicateKeyError):
        root.get("a")


def test_duplicate_keys_are_both_walked() -> None:
    body = b'{"m":[{"x":1}],"m":[{"y":2}]}'
    root = scan(body, {"m": {"*": {}}})
    assert [node[0].keys() for name, node in root.members or ()] == [("x",), ("y",)]


def test_get_and_index_on_other_nodes() -> None:
    root = scan(b'{"a":{"b":1},"s":"x","l":[1]}', {})
    assert root.get("missing") is None
    assert root.get("s").get("anything") is None
    with pytest.raises(TypeError):
        root.get("a").get("b")  # object not walked
    with pytest.raises(TypeError):
        root.get("l")[0]  # array not walked
    with pytest.raises(TypeError):
        root[0]
    with pytest.raises(IndexError):
        scan(b"[1]", {})[1]


def test_member_names_are_decoded() -> None:
    body = '{"m\\u0065ssages":[1],"é\\"":2,"\\ud83d\\ude00":3}'.encode()
    root = scan(body, {"messages": {}})
    assert root.keys() == ("messages", 'é"', "😀")
    messages = root.get("messages")
    assert messages is not None and messages.items is not None
    assert root.get('é"').span == (body.index(b"2"), body.index(b"2") + 1)


def test_non_ascii_values_keep_byte_offsets() -> None:
    body = '{"a":"żółw 🐢","b":["€",{"c":"→"}]}'.encode()
    root = scan(body, WALK_ALL)
    assert text(body, root.get("a")).decode() == '"żółw 🐢"'
    b = root.get("b")
    assert b is not None and text(body, b[1].get("c")).decode() == '"→"'


def test_error_is_an_optimisation_error() -> None:
    assert issubclass(JsonSpanError, OptimisationError)
    assert issubclass(DuplicateKeyError, JsonSpanError)


MALFORMED = [
    b"",
    b"   ",
    b"{",
    b"[1,",
    b'{"a":1,}',
    b"[1,]",
    b"[,1]",
    b'{"a" 1}',
    b'{"a":}',
    b"{1:2}",
    b"{'a':1}",
    b'{"a":1}}',
    b'{"a":1} x',
    b"[1] [2]",
    b"01",
    b"1.",
    b".5",
    b"+1",
    b"-",
    b"1e",
    b"tru",
    b"True",
    b"nul",
    b'"abc',
    b'"a\\x"',
    b'"\\u12"',
    b'"a\tb"',
    b'{"a\nb":1}',
    b'["\x00"]',
    b'{"a":"\x1f"}',
    b"\x00",
    b"[1]\x00",
    b"[1]\x0c",
]


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.parametrize("schema", [WALK_ALL, {}], ids=["walk-all", "skip"])
def test_malformed_json_is_rejected(body: bytes, schema: dict[str, None]) -> None:
    with pytest.raises(JsonSpanError):
        scan(body, schema)
    with pytest.raises(ValueError):
        json.loads(body)  # the same inputs the stdlib rejects


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
@pytest.mark.parametrize("template", [b"%s", b"[%s]", b'{"a":%s}', b'{"a":[1,{"b":%s}]}'])
@pytest.mark.parametrize("schema", [WALK_ALL, {}], ids=["walk-all", "skip"])
def test_nan_and_infinity_are_rejected(literal: bytes, template: bytes, schema: dict[str, None]) -> None:
    with pytest.raises(JsonSpanError):
        scan(template % literal, schema)


def test_bom_is_rejected() -> None:
    with pytest.raises(JsonSpanError, match="byte order mark"):
        scan(b"\xef\xbb\xbf{}", WALK_ALL)


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xc3", b"\xc3(", b"\x80", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xf8\x88"],
)
@pytest.mark.parametrize("where", ["value", "key", "skipped"])
def test_invalid_utf8_is_rejected(bad: bytes, where: str) -> None:
    body = {
        "value": b'{"a":"x%sy"}',
        "key": b'{"k%s":1}',
        "skipped": b'{"z":{"deep":["x%sy"]}}',
    }[where] % bad
    with pytest.raises(JsonSpanError, match="UTF-8"):
        scan(body, {"a": None, "z": None})


def test_invalid_utf8_far_into_a_large_body() -> None:
    body = b'{"a":"' + b"x" * 100_000 + "é".encode() + b"\xc3" + b'"}'
    with pytest.raises(JsonSpanError, match="at byte 100008"):
        scan(body, {})


@pytest.mark.parametrize("schema", [WALK_ALL, {}], ids=["walk-all", "skip"])
@pytest.mark.timeout(20)  # hang guard; speed is the benchmark's job
def test_huge_integers_are_rejected_fast(schema: dict[str, None]) -> None:
    for body in (b"1" * 5000, b"[" + b"9" * 5000 + b"]", b'{"a":[-' + b"7" * 5000 + b"]}", b"[" + b"1" * 10**6 + b"]"):
        with pytest.raises(JsonSpanError):
            scan(body, schema)
    assert scan(b"[" + b"1" * 4300 + b"]", schema).kind == "array"  # the stdlib's limit, not ours


def test_long_floats_are_accepted() -> None:
    body = b"[0." + b"1" * 5000 + b", 1e400]"
    root = scan(body, WALK_ALL)
    assert root.items is not None and [n.kind for n in root.items] == ["number", "number"]


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
@pytest.mark.parametrize("schema", [WALK_ALL, {}], ids=["walk-all", "skip"])
@pytest.mark.timeout(20)  # hang guard
def test_deep_nesting_is_rejected_quickly(opener: bytes, schema: dict[str, None]) -> None:
    with pytest.raises(JsonSpanError, match="deep"):
        scan(opener * 100_000, schema)
    with pytest.raises(JsonSpanError, match="deep"):
        scan(opener * 100_000 + b"1" + (b"]" if opener == b"[" else b"}") * 100_000, schema)


def test_walk_depth_limit() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert scan(ok, WALK_ALL).kind == "array"
    too_deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    with pytest.raises(JsonSpanError, match="deeper"):
        scan(too_deep, WALK_ALL)


def test_lone_surrogate_escapes_pass_the_scan() -> None:
    body = b'{"a":"\\ud800","b":["\\udfff x"],"\\udc00":1}'
    root = scan(body, WALK_ALL)
    assert root.get("a").kind == "string"
    assert root.keys() == ("a", "b", "\udc00")


def test_scan_does_not_depend_on_input_type_quirks() -> None:
    with pytest.raises(JsonSpanError):
        scan(b"\xff\xfe[\x00]\x00", WALK_ALL)  # UTF-16 that json.loads(bytes) would sniff
    with pytest.raises(JsonSpanError):
        scan(b"\x00[\x001\x00]", WALK_ALL)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7, 64])
def test_chunked_utf8_check_matches_decode(chunk: int) -> None:
    samples = ["", "abc", "é", "€uro", "🐢🐢", "a🐢b€c" * 9, "\u07ff\u0800\uffff\U00010000\U0010ffff"]
    for sample in samples:
        check_utf8(sample.encode(), chunk)
    for bad in (b"\x80\x80\x80\x80\x80", b"\xf0\x9f\x90", b"a\xf0\x9f\x90\xa2\x80b", b"\xed\xbf\xbf", b"\xe0\x80\x80"):
        with pytest.raises(JsonSpanError):
            check_utf8(bad, chunk)


def test_integer_limit_holds_when_the_interpreter_lifts_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        for body in (b"[" + b"1" * (MAX_INT_DIGITS + 1) + b"]", b"-" + b"2" * (MAX_INT_DIGITS + 1)):
            with pytest.raises(JsonSpanError, match="digits"):
                scan(body, {})
            with pytest.raises(JsonSpanError, match="digits"):
                decode_value(body, Node("number", (0, len(body))))
        ok = b"-" + b"3" * MAX_INT_DIGITS
        assert decode_value(ok, scan(ok, {})) == -int(b"3" * MAX_INT_DIGITS)
    finally:
        sys.set_int_max_str_digits(previous)


def test_node_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scanner, "MAX_NODES", 5)
    assert scan(b"[1,[2],3]", WALK_ALL).kind == "array"  # 5 nodes
    assert scan(b'{"a":[1,2,3,4,5,6]}', {}).kind == "object"  # 2 nodes: the array is skipped
    for body in (b"[1,[2],3,4]", b"[[[[[[]]]]]]", b'{"a":1,"b":2,"c":3,"d":4,"e":5}'):
        with pytest.raises(JsonSpanError, match="more than 5"):
            scan(body, WALK_ALL)


@pytest.mark.timeout(20)  # hang guard
def test_hostile_wide_body_is_rejected_in_bounded_time_and_memory() -> None:
    body = b'{"messages":[' + b"0," * (MAX_NODES + 10) + b"0]}"
    with pytest.raises(JsonSpanError, match=f"more than {MAX_NODES}"):
        scan(body, ANTHROPIC)
