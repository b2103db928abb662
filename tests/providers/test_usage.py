from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.usage import Usage, UsageTap
from tests.support.paths import corpus_dir


def _tap(content_type: bytes, body: bytes, splits: list[int] | None = None) -> Usage | None:
    tap = UsageTap(content_type)
    cuts = sorted(set(splits or []))
    start = 0
    for cut in [*cuts, len(body)]:
        tap.feed(body[start:cut])
        start = cut
    return tap.finish()


ANTHROPIC_SSE = (
    b'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5,'
    b'"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":1}}}\n\n'
    b'event: ping\ndata: {"type":"ping"}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":42}}\n\n'
)


def test_anthropic_sse() -> None:
    assert _tap(b"text/event-stream; charset=utf-8", ANTHROPIC_SSE) == Usage(5, 42, 2000, 100)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, len(ANTHROPIC_SSE)), max_size=8))
def test_any_split_gives_the_same_usage(cuts: list[int]) -> None:
    assert _tap(b"text/event-stream", ANTHROPIC_SSE, cuts) == Usage(5, 42, 2000, 100)


def test_openai_json_and_gemini_json() -> None:
    chat = {"usage": {"prompt_tokens": 10, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 8}}}
    assert _tap(b"application/json", json.dumps(chat).encode()) == Usage(10, 3, 8, None)
    gem = {"usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 2, "cachedContentTokenCount": 4}}
    assert _tap(b"application/json", json.dumps(gem).encode()) == Usage(7, 2, 4, None)
    resp = {"type": "response.completed", "response": {"usage": {"input_tokens": 9, "output_tokens": 1,
                                                                "input_tokens_details": {"cached_tokens": 6}}}}
    body = b"event: response.completed\ndata: " + json.dumps(resp).encode() + b"\n\n"
    assert _tap(b"text/event-stream", body) == Usage(9, 1, 6, None)


def test_no_usage_and_garbage() -> None:
    assert _tap(b"application/json", b'{"x": 1}') is None
    assert _tap(b"application/json", b"not json") is None
    assert _tap(b"text/event-stream", b"data: {bad usage\n\n") is None


def test_error_type_is_noted() -> None:
    tap = UsageTap(b"text/event-stream")
    tap.feed(b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n')
    tap.finish()
    assert tap.error_type == "overloaded_error"


@pytest.mark.parametrize("session", ["claude-code-3-interactive", "codex-1", "sdk-openai-chat", "sdk-google-genai"])
def test_corpus_responses_have_usage(session: str) -> None:
    found = 0
    for meta_path in sorted((corpus_dir() / session).glob("*.response.json")):
        meta = json.loads(meta_path.read_text())
        if meta.get("status") != 200:
            continue
        ctype = next((v for k, v in meta["headers"] if k.lower() == "content-type"), "")
        body = meta_path.with_name(meta_path.name.replace(".response.json", ".response.body.bin")).read_bytes()
        usage = _tap(ctype.encode(), body, [len(body) // 3, len(body) // 2])
        if usage is not None:
            found += 1
            assert usage.input is not None
    assert found > 0


def test_an_event_stream_without_event_boundaries_is_not_buffered_without_bound() -> None:
    from headroom.providers.usage import SSE_EVENT_LIMIT

    tap = UsageTap(b"text/event-stream")
    chunk = b"data: " + b"x" * 65536
    for _ in range(SSE_EVENT_LIMIT // 65536 + 4):
        tap.feed(chunk)
    assert tap._splitter is None  # stopped holding bytes once past the limit
    assert tap.finish() is None
