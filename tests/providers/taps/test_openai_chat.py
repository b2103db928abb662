"""OpenAI Chat Completions tap: chunks, tool-call deltas, finish_reason, usage, [DONE], errors, any split."""

from __future__ import annotations

import json
from typing import Any

from headroom.providers.taps import StreamError
from tests.providers.taps.support import JSON, event, run

API = "openai.chat"


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    return event(None, {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
                        "choices": choices, "usage": None, **extra})


def call_start(index: int, call_id: str, name: str, kind: str = "function") -> bytes:
    return chunk({"tool_calls": [{"index": index, "id": call_id, "type": kind,
                                  "function": {"name": name, "arguments": ""}}]})


def call_args(index: int, text: str) -> bytes:
    return chunk({"tool_calls": [{"index": index, "function": {"arguments": text}}]})


USAGE = {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13,
         "prompt_tokens_details": {"cached_tokens": 8, "audio_tokens": 0}}
BODY = b"".join([
    chunk({"role": "assistant", "content": "", "refusal": None}),
    chunk({"content": 'héllo "finish_reason":"evil" 🙂'}),
    call_start(0, "call_a", "grep"),
    call_args(0, '{"pattern": "[x]", "id": 1}'),
    call_start(1, "call_b", "ls"),
    call_args(1, "{}"),
    chunk({}, "tool_calls"),
    chunk(None, usage=USAGE),
    b"data: [DONE]\n\n",
])


def test_a_complete_stream() -> None:
    result = run(API, BODY)
    assert (result.input, result.input_total, result.cache_read, result.output) == (2, 10, 8, 3)
    assert result.cache_creation is None
    assert (result.stop_reason, result.tool_calls) == ("tool_calls", 2)
    assert (result.error, result.truncated, result.unknown) == (None, False, ())


def test_without_done_is_truncated() -> None:
    result = run(API, BODY[: BODY.index(b"data: [DONE]")])
    assert result.truncated and result.stop_reason == "tool_calls"


def test_without_include_usage_there_are_no_numbers_but_the_end_is_known() -> None:
    result = run(API, chunk({"content": "x"}) + chunk({}, "stop") + b"data: [DONE]\n\n")
    assert (result.input, result.output, result.stop_reason, result.truncated) == (None, None, "stop", False)


def test_mid_stream_error_chunk() -> None:
    error = {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}}
    result = run(API, chunk({"content": "par"}) + event(None, error))
    assert result.error == StreamError("server_error", "The server had an error")
    assert not result.truncated


def test_unknown_tool_call_and_object_types() -> None:
    body = call_start(0, "c1", "x", kind="future_tool") + event(None, {"object": "chat.completion.future"}) + (
        b"data: [DONE]\n\n")
    result = run(API, body)
    assert result.unknown == (("tool_call", "future_tool"), ("object", "chat.completion.future"))
    assert result.tool_calls == 1


def test_custom_tools_and_legacy_function_call_are_known() -> None:
    body = call_start(0, "c1", "x", kind="custom") + chunk({"function_call": {"name": "f", "arguments": ""}}) + (
        b"data: [DONE]\n\n")
    result = run(API, body)
    assert (result.unknown, result.tool_calls) == ((), 2)


def test_several_choices_report_the_first_finish_reason() -> None:
    two = event(None, {"object": "chat.completion.chunk", "choices": [
        {"index": 1, "delta": {}, "finish_reason": "length"}, {"index": 0, "delta": {}, "finish_reason": "stop"}]})
    assert run(API, two + b"data: [DONE]\n\n").stop_reason == "stop"


def test_json_completion() -> None:
    doc = {"id": "c", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "tool_calls",
           "message": {"role": "assistant", "content": None, "tool_calls": [
               {"id": "call_1", "type": "function", "function": {"name": "a", "arguments": "{}"}},
               {"id": "call_2", "type": "function", "function": {"name": "b", "arguments": "{}"}}]}}],
           "usage": {"prompt_tokens": 23433, "completion_tokens": 39, "prompt_tokens_details": {"cached_tokens": 0}}}
    result = run(API, json.dumps(doc).encode(), headers=JSON)
    assert (result.input, result.input_total, result.cache_read, result.output) == (23433, 23433, 0, 39)
    assert (result.stop_reason, result.tool_calls, result.streamed) == ("tool_calls", 2, False)


def test_usage_without_details_leaves_cache_read_unknown() -> None:
    doc = {"object": "chat.completion", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 1}}
    result = run(API, json.dumps(doc).encode(), headers=JSON)
    assert (result.input, result.input_total, result.cache_read) == (9, 9, None)


def test_json_error_body() -> None:
    doc = {"error": {"message": "Rate limit", "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
    assert run(API, json.dumps(doc).encode(), headers=JSON).error == StreamError("requests", "Rate limit")
