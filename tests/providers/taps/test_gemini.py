"""Gemini tap: SSE chunks (CRLF framed), JSON arrays, finishReason, usageMetadata with cached tokens."""

from __future__ import annotations

import json
from typing import Any

from headroom.providers.taps import StreamError
from tests.providers.taps.support import JSON, event, run

API = "gemini.stream"
FINAL_USAGE = {"promptTokenCount": 100, "cachedContentTokenCount": 40, "toolUsePromptTokenCount": 3,
               "candidatesTokenCount": 10, "thoughtsTokenCount": 5, "totalTokenCount": 118}


def chunk(parts: list[dict[str, Any]], finish: str | None = None,
          usage: dict[str, Any] | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": usage or {"promptTokenCount": 100, "totalTokenCount": 100},
            "modelVersion": "gemini-2.5-flash", "responseId": "r1"}


CHUNKS = [
    chunk([{"text": "Step 1", "thought": True}]),
    chunk([{"text": "héllo 世界 🙂"}]),
    chunk([{"functionCall": {"name": "run_shell", "args": {"command": "ls"}}, "thoughtSignature": "c2ln"}],
          "STOP", FINAL_USAGE),
]
BODY = b"".join(event(None, c, b"\r\n\r\n") for c in CHUNKS)


def test_a_complete_sse_stream() -> None:
    result = run(API, BODY)
    assert (result.input, result.input_total, result.cache_read, result.output) == (63, 103, 40, 15)
    assert (result.stop_reason, result.tool_calls, result.cache_creation) == ("STOP", 1, None)
    assert (result.error, result.truncated, result.unknown, result.streamed) == (None, False, (), True)


def test_a_stream_without_the_finish_chunk_is_truncated() -> None:
    result = run(API, b"".join(event(None, c, b"\r\n\r\n") for c in CHUNKS[:2]))
    assert result.truncated and result.stop_reason is None and result.input_total == 100


def test_the_json_array_form_gives_the_same_numbers() -> None:
    body = json.dumps(CHUNKS, indent=2).encode()
    array = run(API, body, [7, len(body) // 2], headers=JSON)
    sse = run(API, BODY)
    assert (array.input, array.input_total, array.output, array.stop_reason, array.tool_calls) == (
        sse.input, sse.input_total, sse.output, sse.stop_reason, sse.tool_calls)
    assert not array.streamed and not array.truncated


def test_generate_content_json_with_non_compact_separators() -> None:
    body = json.dumps(CHUNKS[2], separators=(", ", ": ")).encode()
    result = run("gemini.generate", body, headers=[(b"Content-Type", b"application/json; charset=UTF-8")])
    assert (result.input, result.output, result.stop_reason) == (63, 15, "STOP")


def test_error_chunk_mid_stream_and_error_body() -> None:
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    result = run(API, event(None, CHUNKS[0]) + event(None, error))
    assert result.error == StreamError("UNAVAILABLE", "The model is overloaded.")
    assert not result.truncated
    assert run("gemini.generate", json.dumps(error).encode(), headers=JSON).error == result.error


def test_blocked_prompt() -> None:
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 4}}
    result = run(API, event(None, blocked))
    assert (result.stop_reason, result.truncated, result.input) == ("blocked:SAFETY", False, 4)


def test_unknown_part_kinds_are_reported() -> None:
    body = event(None, chunk([{"futurePart": {"x": 1}, "text": "a"}], "STOP"))
    assert run(API, body).unknown == (("part", "futurePart"),)
