"""Unit tests of ``splice``, ``find`` and path parsing."""

from __future__ import annotations

import json

import pytest

from headroom.jsonspan import DuplicateKeyError, JsonSpanError, encode_string, find, parse_path, splice

BODY = (
    b'{"messages":[{"role":"user","content":"hi"},'
    b'{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"old output"}]}],'
    b'"a.b":{"[x]":[10,20]}}'
)


def test_splice_replaces_spans_and_copies_the_rest() -> None:
    body = b"0123456789"
    assert splice(body, [((2, 4), b"AB"), ((4, 4), b"+"), ((7, 10), b"")]) == b"01AB+456"
    assert splice(body, [((0, 10), b"x")]) == b"x"
    assert splice(body, [((0, 0), b"<"), ((10, 10), b">")]) == b"<0123456789>"


def test_splice_without_edits_is_the_body() -> None:
    assert splice(b"abc", []) == b"abc"
    assert splice(b"", []) == b""


def test_splice_accepts_bytes_like_data() -> None:
    assert splice(b"abc", [((1, 2), bytearray(b"XY"))]) == b"aXYc"


@pytest.mark.parametrize(
    "edits",
    [
        [((2, 1), b"")],
        [((-1, 2), b"")],
        [((0, 11), b"")],
        [((11, 11), b"")],
        [((2, 5), b""), ((4, 6), b"")],
        [((5, 6), b""), ((1, 2), b"")],
    ],
)
def test_splice_rejects_bad_edits(edits: list[tuple[tuple[int, int], bytes]]) -> None:
    with pytest.raises(ValueError):
        splice(b"0123456789", edits)


def test_parse_path() -> None:
    assert parse_path("messages[3].content[0].content") == ["messages", 3, "content", 0, "content"]
    assert parse_path("") == []
    assert parse_path("[2][-1]") == [2, -1]
    assert parse_path("a b.c-d") == ["a b", "c-d"]
    for bad in ["a..b", ".a", "a.", "a[", "a[x]", "a[1", "a]", "[+1]", "[١]", "a[1]b"]:
        with pytest.raises(ValueError):
            parse_path(bad)


def test_find_by_string_and_by_steps() -> None:
    span = find(BODY, "messages[1].content[0].content")
    assert BODY[span[0] : span[1]] == b'"old output"'
    assert find(BODY, ["messages", -1, "content", 0, "content"]) == span
    assert BODY.__getitem__(slice(*find(BODY, ["a.b", "[x]", 1]))) == b"20"
    assert find(BODY, "") == (0, len(BODY))
    assert find(b' [1, "two"] ', "[1]") == (5, 10)


def test_find_then_splice_edits_one_value() -> None:
    span = find(BODY, "messages[1].content[0].content")
    edited = splice(BODY, [(span, encode_string("new\n“output”"))])
    expected = json.loads(BODY)
    expected["messages"][1]["content"][0]["content"] = "new\n“output”"
    assert json.loads(edited) == expected
    assert edited[: span[0]] == BODY[: span[0]]
    assert edited[len(edited) - (len(BODY) - span[1]) :] == BODY[span[1] :]


@pytest.mark.parametrize(
    "path",
    ["missing", "messages[2]", "messages[-3]", "messages[0].content[0]", "messages.x", "a.b", "messages[0].role.x"],
)
def test_find_missing_paths(path: str) -> None:
    with pytest.raises(JsonSpanError):
        find(BODY, path)


def test_find_rejects_duplicates_on_the_path_only() -> None:
    body = b'{"m":[{"c":1,"c":2}],"x":{"y":1,"y":2}}'
    with pytest.raises(DuplicateKeyError):
        find(body, "m[0].c")
    assert find(b'{"a":1,"a":2,"b":3}', "b") == (17, 18)
    body_ok = b'{"m":[{"c":1}],"x":{"y":1,"y":2}}'
    assert find(body_ok, "m[0].c") == (11, 12)


def test_find_invalid_body_or_steps() -> None:
    with pytest.raises(JsonSpanError):
        find(b'{"a":NaN}', "a")
    with pytest.raises(ValueError):
        find(b"[1]", [True])
    with pytest.raises(ValueError):
        find(b"[1]", [1.0])
