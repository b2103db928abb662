"""OpenAI Responses tap: lifecycle, output items by id, usage with cached tokens, terminal and error events."""

from __future__ import annotations

import json
from typing import Any

from headroom.providers.taps import StreamError
from tests.providers.taps.support import JSON, event, run, typed

API = "openai.responses"
BASE: dict[str, Any] = {"id": "resp_1", "object": "response", "status": "in_progress", "error": None,
                        "incomplete_details": None, "output": [], "usage": None}
USAGE = {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 60}, "output_tokens": 20,
         "output_tokens_details": {"reasoning_tokens": 9}, "total_tokens": 120}
ITEMS = [
    {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "gAAA"},
    {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "exec_command", "arguments": "{}"},
    {"id": "ctc_1", "type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch", "input": "*** Begin"},
    {"id": "msg_1", "type": "message", "role": "assistant", "content": []},
]


def item_events(index: int, item: dict[str, Any], deltas: list[bytes]) -> bytes:
    added = typed("response.output_item.added", output_index=index, item=item)
    return added + b"".join(deltas) + typed("response.output_item.done", output_index=index, item=item)


def final(status: str = "completed", **extra: Any) -> dict[str, Any]:
    return dict(BASE, status=status, output=ITEMS, usage=USAGE, **extra)


where = {"item_id": "x", "output_index": 0}
BODY = b"".join([
    typed("response.created", sequence_number=0, response=BASE),
    typed("response.in_progress", response=BASE),
    item_events(0, ITEMS[0], [
        typed("response.reasoning_summary_part.added", **where, part={"type": "summary_text", "text": ""}),
        typed("response.reasoning_summary_text.delta", **where, delta="Think"),
        typed("response.reasoning_summary_text.done", **where, text="Think"),
        typed("response.reasoning_summary_part.done", **where, part={"type": "summary_text", "text": "Think"})]),
    item_events(1, ITEMS[1], [typed("response.function_call_arguments.delta", **where, delta="{}"),
                              typed("response.function_call_arguments.done", **where, arguments="{}")]),
    item_events(2, ITEMS[2], [typed("response.custom_tool_call_input.delta", **where, delta="*** Begin"),
                              typed("response.custom_tool_call_input.done", **where, input="*** Begin")]),
    item_events(3, ITEMS[3], [
        typed("response.content_part.added", **where, part={"type": "output_text", "text": ""}),
        typed("response.output_text.delta", **where, delta="héllo 世界"),
        typed("response.output_text.done", **where, text="héllo 世界"),
        typed("response.content_part.done", **where, part={"type": "output_text", "text": "héllo 世界"})]),
    typed("response.completed", response=final()),
])


def test_a_complete_stream() -> None:
    result = run(API, BODY)
    assert (result.input, result.input_total, result.cache_read, result.output) == (40, 100, 60, 20)
    assert (result.stop_reason, result.tool_calls) == ("completed", 2)
    assert (result.error, result.truncated, result.unknown, result.unavailable) == (None, False, (), None)


def test_no_terminal_event_is_truncated() -> None:
    result = run(API, BODY[: BODY.index(b"event: response.completed")])
    assert result.truncated and result.input is None and result.tool_calls == 2


def test_incomplete_and_failed() -> None:
    incomplete = final("incomplete", incomplete_details={"reason": "max_output_tokens"})
    result = run(API, typed("response.incomplete", response=incomplete))
    assert (result.stop_reason, result.truncated, result.input_total) == ("incomplete:max_output_tokens", False, 100)
    failed = dict(BASE, status="failed", error={"code": "server_error", "message": "boom"})
    result = run(API, typed("response.failed", response=failed))
    assert (result.stop_reason, result.error) == ("failed", StreamError("server_error", "boom"))
    assert not result.truncated


def test_error_event_ends_the_stream() -> None:
    body = BODY[: BODY.index(b"event: response.completed")] + typed(
        "error", code="rate_limit_exceeded", message="Slow down", param=None, sequence_number=30)
    result = run(API, body)
    assert result.error == StreamError("rate_limit_exceeded", "Slow down")
    assert not result.truncated


def test_unknown_event_and_item_types() -> None:
    future = {"id": "fi_1", "type": "future_item"}
    body = typed("response.created", response=BASE) + item_events(0, future, [
        typed("response.future_item.delta", item_id="fi_1", delta="?")]) + typed("codex.rate_limits", x=1) + typed(
        "response.completed", response=dict(final(), output=[future]))
    result = run(API, body)
    assert result.unknown == (("item", "future_item"), ("event", "response.future_item.delta"),
                              ("event", "codex.rate_limits"))
    assert (result.truncated, result.input_total, result.tool_calls) == (False, 100, 0)


def test_events_without_event_lines() -> None:
    body = b"".join([event(None, {"type": "response.created", "response": BASE}),
                     event(None, {"item": ITEMS[1], "output_index": 0, "type": "response.output_item.added"}),
                     event(None, {"delta": "{}", "type": "response.function_call_arguments.delta"}),
                     event(None, {"type": "response.completed", "response": final()})])
    result = run(API, body)
    assert (result.unknown, result.truncated, result.tool_calls, result.output) == ((), False, 2, 20)


def test_items_without_ids_are_tracked_by_position() -> None:
    shell = {"type": "local_shell_call", "call_id": "c", "action": {"type": "exec", "command": ["ls"]}}
    body = item_events(0, shell, []) + typed("response.completed", response=dict(final(), output=[shell]))
    assert run(API, body).tool_calls == 1


def test_json_response_and_error_body() -> None:
    result = run(API, json.dumps(final()).encode(), headers=JSON)
    assert (result.input, result.cache_read, result.stop_reason, result.tool_calls) == (40, 60, "completed", 2)
    assert not result.truncated and not result.streamed
    body = json.dumps({"error": {"message": "bad", "type": "invalid_request_error", "code": None}}).encode()
    assert run(API, body, headers=JSON).error == StreamError("invalid_request_error", "bad")
