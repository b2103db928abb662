"""Anthropic Messages tap: every event and delta type, errors, truncation, unknown types, any split."""

from __future__ import annotations

import json

from headroom.providers.taps import StreamError
from tests.providers.taps.support import JSON, event, run, typed

API = "anthropic.messages"
START = typed("message_start", message={
    "id": "msg_1", "type": "message", "role": "assistant", "content": [], "stop_reason": None,
    "usage": {"input_tokens": 5, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 2000,
              "output_tokens": 1}})


def block(index: int, kind: str, deltas: list[dict[str, object]], **extra: object) -> bytes:
    parts = [typed("content_block_start", index=index, content_block={"type": kind, **extra})]
    parts += [typed("content_block_delta", index=index, delta=d) for d in deltas]
    parts.append(typed("content_block_stop", index=index))
    return b"".join(parts)


BODY = b"".join([
    START,
    block(0, "thinking", [{"type": "thinking_delta", "thinking": "let me see"},
                          {"type": "signature_delta", "signature": "c2ln"}], thinking=""),
    typed("ping"),
    block(1, "text", [{"type": "text_delta", "text": "héllo 世界 🙂"},
                      {"type": "citations_delta", "citation": {"type": "char_location", "cited_text": "x"}}],
          text=""),
    block(2, "tool_use", [{"type": "input_json_delta", "partial_json": "{\"cmd\": \"ls\"}"}],
          id="toolu_1", name="Bash", input={}),
    typed("message_delta", delta={"stop_reason": "tool_use", "stop_sequence": None},
          usage={"output_tokens": 42}),
    typed("message_stop"),
])


def test_a_complete_stream() -> None:
    result = run(API, BODY)
    assert (result.input, result.input_total, result.output) == (5, 2105, 42)
    assert (result.cache_read, result.cache_creation) == (2000, 100)
    assert result.stop_reason == "tool_use"
    assert result.tool_calls == 1
    assert (result.error, result.truncated, result.unavailable, result.unknown) == (None, False, None, ())
    assert result.streamed


def test_no_message_stop_is_truncated() -> None:
    result = run(API, BODY[: BODY.index(b"event: message_stop")])
    assert result.truncated and result.output == 42 and result.stop_reason == "tool_use"


def test_relay_cut_is_truncated_even_after_the_end_event() -> None:
    assert run(API, BODY, cut=True).truncated


def test_mid_stream_error_ends_the_stream() -> None:
    body = START + block(0, "text", [{"type": "text_delta", "text": "par"}], text="") + typed(
        "error", error={"type": "overloaded_error", "message": "Overloaded"})
    result = run(API, body)
    assert result.error == StreamError("overloaded_error", "Overloaded")
    assert not result.truncated and result.stop_reason is None and result.input == 5


def test_unknown_event_and_delta_types_are_reported_and_the_rest_still_read() -> None:
    body = BODY.replace(typed("ping"), typed("future_event", x=1) + block(
        3, "text", [{"type": "future_delta", "text": "?"}, {"type": "future_delta"}], text=""))
    result = run(API, body)
    assert result.unknown == (("event", "future_event"), ("delta", "future_delta"))
    assert result.output == 42 and not result.truncated


def test_events_without_an_event_line_and_deltas_in_another_key_order() -> None:
    body = b"".join([
        event(None, {"type": "message_start", "message": {"usage": {"input_tokens": 3}}}),
        event(None, {"index": 0, "delta": {"text": "x", "type": "text_delta"}, "type": "content_block_delta"}),
        event(None, {"content_block": {"name": "t", "type": "tool_use"}, "type": "content_block_start"}),
        event(None, {"type": "message_stop"}),
    ])
    result = run(API, body)
    assert (result.input, result.unknown, result.truncated, result.tool_calls) == (3, (), False, 1)


def test_text_that_looks_like_a_delta_type_is_not_one() -> None:
    text = '"delta":{"type":"future_delta"} and "type": "message_stop"'
    body = START + block(0, "text", [{"type": "text_delta", "text": text}], text="")
    result = run(API, body)
    assert result.unknown == () and result.truncated


def test_json_message() -> None:
    doc = {"id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "end_turn",
           "content": [{"type": "text", "text": "hi"}, {"type": "tool_use", "id": "t", "name": "x", "input": {}}],
           "usage": {"input_tokens": 7, "cache_read_input_tokens": 11, "cache_creation_input_tokens": 0,
                     "output_tokens": 2}}
    result = run(API, json.dumps(doc).encode(), [10], headers=JSON)
    assert (result.input, result.input_total, result.cache_read, result.output) == (7, 18, 11, 2)
    assert (result.stop_reason, result.tool_calls, result.streamed, result.truncated) == ("end_turn", 1, False, False)


def test_json_error_body() -> None:
    doc = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down " * 50}}
    result = run(API, json.dumps(doc).encode(), headers=JSON)
    assert result.error is not None and result.error.type == "rate_limit_error"
    assert len(result.error.message) == 200
    assert result.input is None
