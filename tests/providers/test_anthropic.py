from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.jsonspan import JsonSpanError
from headroom.providers import anthropic
from tests.support.paths import corpus_dir


def _body(messages: list[dict[str, object]], **extra: object) -> bytes:
    return json.dumps({"model": "m", "messages": messages, **extra}).encode()


def _turns() -> list[dict[str, object]]:
    return [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "t", "signature": "s"},
            {"type": "tool_use", "id": "tu1", "name": "Bash", "input": {"command": "ls -la"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "tu1", "content": "old output", "is_error": False},
        ]},
        {"role": "system", "content": "reminder"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "tu2", "name": "Grep", "input": {"pattern": "TODO"}},
            {"type": "tool_use", "id": "tu3", "name": "mcp__x", "input": {}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "tu2", "content": [
                {"type": "text", "text": "a.py:1:TODO"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                {"type": "text", "text": "b.py:2:TODO"},
            ], "cache_control": {"type": "ephemeral"}},
            {"type": "tool_result", "tool_use_id": "tu3", "content": "live é 🙂"},
        ]},
    ]


def test_live_zone_tool_outputs_and_pairing() -> None:
    body = _body(_turns())
    conv = anthropic.parse(body)
    assert (conv.messages, conv.live_start) == (6, 5)
    got = [(o.message, o.block, o.part, o.tool_name, o.text, o.live) for o in conv.outputs]
    assert got == [
        (2, 0, None, "Bash", "old output", False),
        (5, 0, 0, "Grep", "a.py:1:TODO", True),
        (5, 0, 2, "Grep", "b.py:2:TODO", True),
        (5, 1, None, "mcp__x", "live é 🙂", True),
    ]
    for o in conv.outputs:
        assert json.loads(body[o.span[0] : o.span[1]]) == o.text
    assert conv.outputs[1].tool_input == {"pattern": "TODO"}
    # the breakpoint is inside the newest turn: it does not freeze anything
    assert conv.cache.frozen_count == 0 and conv.cache.breakpoints == 1
    assert conv.first_user_text == "hi"


def test_frozen_count_and_ttl_warning() -> None:
    turns = _turns()
    turns[2]["content"][0]["cache_control"] = {"type": "ephemeral"}  # type: ignore[index]
    turns[5]["content"][1]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}  # type: ignore[index]
    conv = anthropic.parse(_body(turns, system=[{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}]))
    assert conv.cache.frozen_count == 3
    assert conv.cache.breakpoints == 3
    assert "ttl=1h" in conv.cache.ttl_warning


def test_session_from_user_id() -> None:
    assert anthropic.session_from_user_id('{"device_id":"d","session_id":"abc"}') == "abc"
    assert anthropic.session_from_user_id("user_x_account__session_1234") == "1234"
    assert anthropic.session_from_user_id("corpus-test-user") is None
    assert anthropic.session_from_user_id('{"session_id": 3}') is None
    assert anthropic.session_from_user_id("{bad") is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"messages": [}',
        b'{"messages": [{"role": "user", "content": "x"}], "messages": []}',
        b"\xef\xbb\xbf{}",
        b'{"messages": [{"role": "user", "content": [{"type": "tool_result", "content": "\\ud800"}]}]}',
        b'{"messages": [], "x": NaN}',
        b"[1]",
        b'{"model": "x"}',
    ],
)
def test_unsafe_bodies_raise(body: bytes) -> None:
    with pytest.raises(JsonSpanError):
        anthropic.parse(body)


def test_corpus_bodies_parse() -> None:
    corpus = corpus_dir()
    n = 0
    for path in sorted(corpus.glob("*/*v1_messages.body.bin")):
        body = path.read_bytes()
        if not body:
            continue
        conv = anthropic.parse(body)
        value = json.loads(body)
        assert conv.messages == len(value["messages"])
        for o in conv.outputs:
            assert json.loads(body[o.span[0] : o.span[1]]) == o.text
        n += 1
    assert n > 10


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["user", "assistant", "system"]), _text), max_size=8))
def test_live_start_is_after_last_assistant(roles: list[tuple[str, str]]) -> None:
    msgs: list[dict[str, object]] = [{"role": r, "content": t} for r, t in roles]
    conv = anthropic.parse(_body(msgs))
    last = max((i for i, (r, _) in enumerate(roles) if r == "assistant"), default=-1)
    assert conv.live_start == last + 1
