"""Unit tests of strict decoding and of string-literal encoding."""

from __future__ import annotations

import json

import pytest

from headroom.jsonspan import (
    WALK_ALL,
    DuplicateKeyError,
    JsonSpanError,
    Node,
    decode_string,
    decode_value,
    encode_string,
    scan,
)


def only(body: bytes) -> Node:
    return scan(body, WALK_ALL)


def test_decode_value_of_members() -> None:
    body = b'{"a":[1,2.5,"x",{"b":null}],"c":true,"d":"\\u00e9\\ud83d\\ude00"}'
    root = only(body)
    assert decode_value(body, root) == json.loads(body)
    assert decode_value(body, root.get("a")) == [1, 2.5, "x", {"b": None}]
    assert decode_value(body, root.get("c")) is True
    assert decode_value(body, root.get("d")) == "é😀"
    assert decode_string(body, root.get("d")) == "é😀"


def test_decode_string_keeps_every_escape_meaning() -> None:
    body = b'"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f \xe2\x82\xac"'
    assert decode_string(body, only(body)) == '"\\/\b\f\n\r\t\x00\x1f €'


@pytest.mark.parametrize(
    "literal",
    [b'"\\ud800"', b'"a\\udfffb"', b'"\\ud83d x"', b'"\\ude00\\ud83d"', b'"\\uDBFF"', b'"\\ud800\\ud800"'],
)
def test_lone_surrogates_are_rejected_on_decode(literal: bytes) -> None:
    node = only(literal)
    with pytest.raises(JsonSpanError, match="surrogate"):
        decode_string(literal, node)
    with pytest.raises(JsonSpanError, match="surrogate"):
        decode_value(literal, node)
    wrapped = b'{"k":[' + literal + b"]}"
    with pytest.raises(JsonSpanError, match="surrogate"):
        decode_value(wrapped, only(wrapped))


def test_lone_surrogate_in_a_member_name_is_rejected_on_decode() -> None:
    body = b'{"\\udc00":1}'
    with pytest.raises(JsonSpanError, match="surrogate"):
        decode_value(body, only(body))


def test_escaped_backslash_before_u_is_not_a_surrogate() -> None:
    body = b'["\\\\ud800", {"\\\\udfff": "ok"}]'
    assert decode_value(body, only(body)) == ["\\ud800", {"\\udfff": "ok"}]
    assert decode_string(body, only(body)[0]) == "\\ud800"


def test_decode_string_needs_a_string() -> None:
    body = b'{"a":1}'
    with pytest.raises(JsonSpanError, match="not a string"):
        decode_string(body, only(body))


def test_decode_rejects_spans_outside_the_body() -> None:
    with pytest.raises(JsonSpanError, match="outside"):
        decode_value(b"[1]", Node("array", (0, 4)))
    with pytest.raises(JsonSpanError, match="outside"):
        decode_string(b'"x"', Node("string", (2, 1)))


def test_decode_rejects_what_the_scan_would_reject() -> None:
    for body, node in [
        (b"[NaN]", Node("array", (0, 5))),
        (b"-Infinity", Node("number", (0, 9))),
        (b"[" + b"1" * 5000 + b"]", Node("array", (0, 5002))),
        (b'"\xff"', Node("string", (0, 3))),
        (b'"a\nb"', Node("string", (0, 5))),
        (b'"a" ', Node("string", (0, 4))),
        (b"[" * 100_000, Node("array", (0, 100_000))),
    ]:
        with pytest.raises(JsonSpanError):
            decode_value(body, node)
    with pytest.raises(JsonSpanError):
        decode_string(b'"ab"c', Node("string", (0, 5)))
    with pytest.raises(JsonSpanError):
        decode_string(b'"a\\qb"', Node("string", (0, 6)))


def test_decode_value_rejects_duplicate_keys() -> None:
    body = b'{"a":{"b":1,"b":2}}'
    with pytest.raises(DuplicateKeyError):
        decode_value(body, only(body))


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("", b'""'),
        ("plain", b'"plain"'),
        ('q"b\\s/', b'"q\\"b\\\\s/"'),
        ("\n\r\t\b\f", b'"\\n\\r\\t\\b\\f"'),
        ("\x00\x01\x1f", b'"\\u0000\\u0001\\u001f"'),
        ("\x7f é € 🐢 \u2028\u2029", '"\x7f é € 🐢 \u2028\u2029"'.encode()),
    ],
)
def test_encode_string(text: str, literal: bytes) -> None:
    assert encode_string(text) == literal
    assert json.loads(literal) == text


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "🐢\udc00"])
def test_encode_string_rejects_lone_surrogates(text: str) -> None:
    with pytest.raises(JsonSpanError, match="surrogate"):
        encode_string(text)
