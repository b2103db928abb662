"""Anthropic Messages API answers: /v1/messages (JSON or SSE), /v1/messages/count_tokens, /v1/models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tests.support.fake.cache import PromptCache
from tests.support.fake.payload import JSON_TYPE, SSE_TYPE, Ids, Payload, dumps, estimate_tokens, sse

MODELS = ("claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")
_ORG = (b"anthropic-organization-id", b"00000000-0000-0000-0000-000000000000")


def _headers(ids: Ids, content_type: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Content-Type", content_type), (b"request-id", ids.next("req_").encode()), _ORG]


def messages(req: dict[str, Any], ids: Ids, cache: PromptCache) -> Payload:
    model = req.get("model") if isinstance(req.get("model"), str) else "claude-sonnet-4-5"
    stream = req.get("stream") is True
    fresh, created, read = cache.anthropic(req)
    usage: dict[str, Any] = {
        "input_tokens": fresh,
        "cache_creation_input_tokens": created,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": created, "ephemeral_1h_input_tokens": 0},
        "service_tier": "standard",
    }
    msg_id = ids.next("msg_")

    def message(content: list[Any], stop: str | None, output_tokens: int) -> dict[str, Any]:
        return {"id": msg_id, "type": "message", "role": "assistant", "model": model, "content": content,
                "stop_reason": stop, "stop_sequence": None, "usage": dict(usage, output_tokens=output_tokens)}

    def render(text: str) -> bytes:
        return dumps(message([{"type": "text", "text": text}], "end_turn", estimate_tokens(len(text))))

    def events(pieces: Iterable[str]) -> Iterator[bytes]:
        yield sse("message_start", {"type": "message_start", "message": message([], None, 1)})
        yield sse("content_block_start", {"type": "content_block_start", "index": 0,
                                          "content_block": {"type": "text", "text": ""}})
        yield sse("ping", {"type": "ping"})
        length = 0
        for piece in pieces:
            length += len(piece)
            yield sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "text_delta", "text": piece}})
        yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield sse("message_delta", {"type": "message_delta",
                                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                    "usage": dict(usage, output_tokens=estimate_tokens(length))})
        yield sse("message_stop", {"type": "message_stop"})

    headers = _headers(ids, SSE_TYPE if stream else JSON_TYPE)
    if stream:
        headers.append((b"Cache-Control", b"no-cache"))
    error = sse("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    unknown = sse("fake_future_event", {"type": "fake_future_event", "index": 0})
    return Payload("anthropic", 200, headers, render, events, stream, error_event=error, unknown_event=unknown)


def count_tokens(body_len: int, ids: Ids) -> Payload:
    tokens = estimate_tokens(body_len)

    def render(text: str) -> bytes:
        return dumps({"input_tokens": tokens, "x_fake_note": text})

    return Payload("anthropic", 200, _headers(ids, JSON_TYPE), render)


def models(ids: Ids) -> Payload:
    data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"} for m in MODELS]

    def render(text: str) -> bytes:
        return dumps({"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1],
                      "x_fake_note": text})

    return Payload("anthropic", 200, _headers(ids, JSON_TYPE), render)
