"""What every tap shares: content types and codings, caps, JSON failures, normalisation, the log fields,
the generic usage-only tap and the once-per-type memory."""

from __future__ import annotations

import json

import pytest

from headroom.providers.taps import FirstSeen, StreamError, open_tap
from headroom.providers.taps import base as tap_base
from headroom.providers.taps.generic import GenericTap
from headroom.providers.taps.result import TapResult, Usage, error_from
from tests.providers.taps.support import JSON, SSE, event, run, typed

MESSAGE = json.dumps({"type": "message", "stop_reason": "end_turn", "content": [],
                      "usage": {"input_tokens": 3, "output_tokens": 1}}).encode()


def test_a_coded_body_is_not_inspected() -> None:
    for coding in (b"gzip", b"br", b"identity, zstd"):
        result = run("anthropic.messages", MESSAGE, headers=[*JSON, (b"Content-Encoding", coding)])
        assert result.input is None
        assert result.unavailable is not None and "content-encoding" in result.unavailable
    assert run("anthropic.messages", MESSAGE, headers=[*JSON, (b"Content-Encoding", b"identity")]).input == 3


def test_unknown_content_types_are_not_inspected_once_a_byte_came() -> None:
    html = [(b"Content-Type", b"text/html; charset=utf-8")]
    assert run("openai.chat", b"<html>bad gateway</html>", headers=html).unavailable == "content-type text/html"
    assert run("openai.chat", b"x", headers=[]).unavailable == "no content-type"
    assert run("openai.chat", b"", headers=html).unavailable is None  # no body: nothing missed
    problem = [(b"Content-Type", b"application/problem+json")]
    body = json.dumps({"error": {"type": "x", "message": "y"}}).encode()
    assert run("openai.chat", body, headers=problem).error == StreamError("x", "y")


def test_a_json_body_over_the_cap_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tap_base, "JSON_LIMIT", 40)
    result = run("anthropic.messages", MESSAGE, [20], headers=JSON)
    assert result.input is None and result.unavailable == "JSON body over 40 bytes"
    tap = open_tap("anthropic.messages", "anthropic", JSON)
    tap.feed(MESSAGE[:30])
    assert len(tap._json) == 30
    tap.feed(MESSAGE[30:])
    assert len(tap._json) == 0  # nothing held past the cap


def test_invalid_or_cut_json() -> None:
    assert run("openai.chat", b"{not json", headers=JSON).unavailable == "the body is not valid JSON"
    cut = run("openai.chat", MESSAGE[:20], headers=JSON, cut=True)
    assert cut.truncated and cut.unavailable == "the body ended before its JSON did"
    assert run("openai.chat", b"[" * 100_000, headers=JSON).unavailable == "the body is not valid JSON"


def test_an_oversized_event_is_skipped_and_the_rest_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tap_base, "EVENT_LIMIT", 200)
    big = typed("response.output_item.done", item={"id": "fc", "type": "function_call", "arguments": "x" * 500})
    done = typed("response.completed", response={"status": "completed", "usage": {"input_tokens": 9}})
    body = typed("response.created", response={}) + big + done
    result = run("openai.responses", body, list(range(0, len(body), 50)))
    assert result == run("openai.responses", body)
    assert result.input_total == 9 and not result.truncated
    assert result.unavailable == "1 event(s) over 200 bytes not inspected"
    no_end = run("openai.responses", typed("response.created", response={}) + big)
    assert not no_end.truncated  # the oversized event may have been the end: only the relay's cut counts


def test_usage_normalisation() -> None:
    anthropic = Usage()
    anthropic.fold_anthropic({"input_tokens": 1, "cache_read_input_tokens": 20, "cache_creation_input_tokens": 300,
                              "output_tokens": 4})
    assert anthropic.normalised() == (1, 321, 4, 20, 300)
    chat = Usage()
    chat.fold_openai({"prompt_tokens": 50, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 30}})
    assert chat.normalised() == (20, 50, 5, 30, None)
    responses = Usage()
    responses.fold_openai({"input_tokens": 50, "output_tokens": 5, "input_tokens_details": {"cached_tokens": 50}})
    assert responses.normalised() == (0, 50, 5, 50, None)
    gemini = Usage()
    gemini.fold_gemini({"promptTokenCount": 50, "cachedContentTokenCount": 10, "candidatesTokenCount": 5})
    assert gemini.normalised() == (40, 50, 5, 10, None)
    nothing = Usage()
    nothing.fold_openai({"prompt_tokens": True, "completion_tokens": -1, "prompt_tokens_details": None})
    assert nothing.normalised() == (None, None, None, None, None)


def test_error_objects() -> None:
    assert error_from({"type": "overloaded_error", "message": "x"}) == StreamError("overloaded_error", "x")
    assert error_from({"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "q"}) == StreamError(
        "RESOURCE_EXHAUSTED", "q")
    assert error_from({"code": None, "type": None}) == StreamError("error", "")
    assert error_from("boom") is None


def test_log_fields_names() -> None:
    result = TapResult(api="a", input=1, input_total=2, output=3, cache_read=1, cache_creation=None,
                       stop_reason="stop", error=StreamError("t", "m"), truncated=True, unavailable="why",
                       tool_calls=0)
    assert result.log_fields() == {
        "usage_input": 1, "usage_input_total": 2, "usage_output": 3, "usage_cache_read": 1, "stop_reason": "stop",
        "stream_error": "t", "stream_error_message": "m", "stream_truncated": True, "usage_unavailable": "why",
        "tool_calls": 0}
    assert TapResult(api="a").log_fields() == {"stream_truncated": False}


def test_finish_is_final() -> None:
    tap = open_tap("anthropic.messages", "anthropic", SSE)
    tap.feed(typed("message_stop"))
    first = tap.finish()
    tap.feed(b"data: more\n\n")
    assert tap.finish(cut=True) is first


def test_unknown_types_per_response_are_bounded() -> None:
    body = b"".join(typed(f"future_{i}") for i in range(100)) + typed("message_stop")
    assert len(run("anthropic.messages", body).unknown) == 32


def test_routes_pick_their_taps() -> None:
    assert type(open_tap("passthrough", "openai", JSON)) is GenericTap
    assert type(open_tap("anthropic.count_tokens", "anthropic", JSON)) is GenericTap


def test_generic_tap_reads_usage_of_any_shape_and_never_guesses_truncation() -> None:
    embeddings = json.dumps({"object": "list", "usage": {"prompt_tokens": 8, "total_tokens": 8}}).encode()
    assert run("passthrough", embeddings, headers=JSON, provider="openai").input_total == 8
    count = json.dumps({"input_tokens": 17}).encode()  # a count, not usage
    assert run("anthropic.count_tokens", count, headers=JSON, provider="anthropic").input is None
    stream = event("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 2}}})
    result = run("passthrough", stream, provider="anthropic")
    assert (result.input, result.truncated) == (2, False)
    assert run("passthrough", stream, provider="anthropic", cut=True).truncated
    gemini = json.dumps({"usageMetadata": {"promptTokenCount": 6}}).encode()
    assert run("passthrough", gemini, headers=JSON, provider="gemini").input == 6
    response = json.dumps({"response": {"usage": {"input_tokens": 5, "input_tokens_details": {"cached_tokens": 5}}}})
    assert run("passthrough", response.encode(), headers=JSON, provider="openai").input == 0
    error = json.dumps({"error": {"type": "not_found_error", "message": "no"}}).encode()
    assert run("passthrough", error, headers=JSON).error == StreamError("not_found_error", "no")


def test_first_seen_reports_each_type_once_and_stays_bounded() -> None:
    seen = FirstSeen(limit=3)
    assert seen.new("a", (("event", "x"), ("item", "y"))) == [("event", "x"), ("item", "y")]
    assert seen.new("a", (("event", "x"),)) == []
    assert seen.new("b", (("event", "x"),)) == [("event", "x")]
    assert not seen.filled()
    assert seen.new("c", (("event", "z"),)) == []
    assert seen.filled() and not seen.filled()
    assert seen.new("a", (("event", "x"),)) == []


def test_an_empty_event_stream_is_not_judged_but_a_cut_one_is() -> None:
    assert not run("anthropic.messages", b"").truncated
    assert run("anthropic.messages", b"", cut=True).truncated
    assert run("anthropic.messages", b": keep-alive\n\n").truncated
