"""Lone surrogate escapes anywhere in a body stop every edit (RELIABILITY.md 35)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.jsonspan import JsonSpanError, has_lone_surrogate_escape
from headroom.providers import anthropic
from tests.livezone.bodies import Session
from tests.livezone.samples import log_output

_SURROGATE = re.compile("[\ud800-\udfff]")


def _oracle(body: bytes) -> bool:
    """json.loads joins valid pairs into one character; what is left over is lone."""
    pending = [json.loads(body)]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            return True
        if isinstance(item, dict):
            pending += [*item, *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


@pytest.mark.parametrize(
    ("body", "lone"),
    [
        (b'{"a":"plain"}', False),
        (b'{"a":"\\ud83d\\ude00"}', False),
        (b'{"a":"\\uD83D\\uDE00 and \\ud800\\udc00"}', False),
        (b'{"a":"\\ud800"}', True),
        (b'{"a":"\\udc00"}', True),
        (b'{"a":"\\ude00\\ud83d"}', True),
        (b'{"a":"\\ud83d\\ud83d\\ude00"}', True),
        (b'{"a":"\\ud83d","b":"\\ude00"}', True),
        (b'{"a":"\\ud83d x\\ude00"}', True),
        (b'{"\\udfff":1}', True),
        (b'{"a":"\\\\ud800"}', False),  # an escaped backslash, then the letters ud800
        (b'{"a":"\\\\\\ud800"}', True),  # an escaped backslash, then a real escape
        (b'{"a":"\\ud83d\\\\ude00"}', True),
        (b'{"a":"\\u00e9\\u4e16"}', False),
    ],
)
def test_lone_surrogate_escapes(body: bytes, lone: bool) -> None:
    assert has_lone_surrogate_escape(body) is lone is _oracle(body)


_chars = st.one_of(st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), st.sampled_from("\\\"a\n\U0001f642"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(_chars, max_size=8), max_size=5), st.booleans())
def test_matches_a_decoding_oracle(strings: list[str], as_keys: bool) -> None:
    value: object = {s: i for i, s in enumerate(strings)} if as_keys else strings
    body = json.dumps(value).encode("ascii")  # surrogate code points are written as \\udXXX escapes
    assert has_lone_surrogate_escape(body) is _oracle(body)


def test_a_lone_surrogate_anywhere_stops_the_parse() -> None:
    session = Session("surrogates")
    session.add_tool_turn("Bash", [log_output(5000)])
    body = session.body()
    anthropic.parse(body)
    for place in (b'"max_tokens"', b'"You are', b'"model"'):
        at = body.index(place) + 1
        with pytest.raises(JsonSpanError, match="surrogate"):
            anthropic.parse(body[:at] + b"\\udead" + body[at:])
    paired = body.replace(b'"You are', b'"\\ud83d\\ude42You are')
    assert anthropic.parse(paired).outputs
