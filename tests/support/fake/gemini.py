"""Gemini answers: {v1,v1beta}/models/{m}:generateContent, :streamGenerateContent (SSE or JSON array),
:countTokens, and GET {v1,v1beta}/models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tests.support.fake.payload import Ids, Payload, dumps, estimate_tokens, sse

JSON_TYPE = b"application/json; charset=UTF-8"
SSE_TYPE = b"text/event-stream"
MODELS = ("gemini-2.5-pro", "gemini-2.5-flash")
_HEADERS = [(b"Vary", b"Origin, X-Origin, Referer"), (b"Server-Timing", b"gfet4t7; dur=1")]


def _headers(content_type: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Content-Type", content_type), *_HEADERS]


def generate(model: str, stream: bool, sse_framing: bool, prompt: tuple[int, int], ids: Ids) -> Payload:
    """generateContent, or streamGenerateContent (SSE with ?alt=sse, else one JSON array)."""
    response_id = ids.next("")
    prompt_tokens, cached = prompt

    def usage(length: int | None) -> dict[str, Any]:
        if length is None:  # an intermediate stream chunk reports the prompt only
            return {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
        out = estimate_tokens(length)
        meta = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": out,
                "totalTokenCount": prompt_tokens + out,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}]}
        if cached:
            meta["cachedContentTokenCount"] = cached
        return meta

    def chunk(text: str, final_length: int | None) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
        if final_length is not None:
            candidate["finishReason"] = "STOP"
        return {"candidates": [candidate], "usageMetadata": usage(final_length), "modelVersion": model,
                "responseId": response_id}

    def render(text: str) -> bytes:
        body = dumps(chunk(text, len(text)))
        return b"[" + body + b"]" if stream else body

    def events(pieces: Iterable[str]) -> Iterator[bytes]:
        held: str | None = None  # one piece of lag: the last chunk carries finishReason and full usage
        length = 0
        for piece in pieces:
            if held is not None:
                yield sse(None, chunk(held, None), b"\r\n\r\n")
            held = piece
            length += len(piece)
        yield sse(None, chunk(held or "", length), b"\r\n\r\n")

    error = sse(None, {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}},
                b"\r\n\r\n")
    future = dict(chunk("", None), candidates=[{"content": {"parts": [{"fakeFuturePart": {}}], "role": "model"},
                                                "index": 0}])
    extra = {"error_event": error, "unknown_event": sse(None, future, b"\r\n\r\n")}
    if stream and sse_framing:
        return Payload("gemini", 200, _headers(SSE_TYPE), render, events, True, **extra)
    return Payload("gemini", 200, _headers(JSON_TYPE), render, events, False, **extra)


def count_tokens(body_len: int) -> Payload:
    tokens = estimate_tokens(body_len)

    def render(text: str) -> bytes:
        return dumps({"totalTokens": tokens, "x_fake_note": text})

    return Payload("gemini", 200, _headers(JSON_TYPE), render)


def models() -> Payload:
    data = [{"name": "models/" + m, "displayName": m, "supportedGenerationMethods": ["generateContent"]}
            for m in MODELS]

    def render(text: str) -> bytes:
        return dumps({"models": data, "x_fake_note": text})

    return Payload("gemini", 200, _headers(JSON_TYPE), render)
