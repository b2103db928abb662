"""OpenAI answers: /v1/chat/completions, /v1/responses (JSON or SSE), /v1/embeddings, /v1/models."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from tests.support.fake.payload import CREATED, JSON_TYPE, SSE_TYPE, Ids, Payload, dumps, estimate_tokens, sse

MODELS = ("gpt-5", "gpt-5-codex", "gpt-5-mini", "gpt-4o", "text-embedding-3-small")


def _headers(ids: Ids, content_type: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Content-Type", content_type), (b"x-request-id", ids.next("req_").encode()),
            (b"openai-processing-ms", b"1"), (b"openai-version", b"2020-10-01")]


def _model(req: dict[str, Any], default: str) -> str:
    model = req.get("model")
    return model if isinstance(model, str) else default


def chat(req: dict[str, Any], prompt: tuple[int, int], ids: Ids) -> Payload:
    model, stream = _model(req, "gpt-4o"), req.get("stream") is True
    options = req.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    cid = ids.next("chatcmpl-")
    prompt_tokens, cached = prompt

    def usage(length: int) -> dict[str, Any]:
        out = estimate_tokens(length)
        return {"prompt_tokens": prompt_tokens, "completion_tokens": out, "total_tokens": prompt_tokens + out,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}

    def chunk(choices: list[Any], **extra: Any) -> bytes:
        return sse(None, {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": model,
                          "system_fingerprint": "fp_fake", "choices": choices, **extra})

    def render(text: str) -> bytes:
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None, "annotations": []}
        return dumps({"id": cid, "object": "chat.completion", "created": CREATED, "model": model,
                      "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
                      "usage": usage(len(text)), "service_tier": "default", "system_fingerprint": "fp_fake"})

    def events(pieces: Iterable[str]) -> Iterator[bytes]:
        yield chunk([{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None},
                      "logprobs": None, "finish_reason": None}])
        length = 0
        for piece in pieces:
            length += len(piece)
            yield chunk([{"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}])
        yield chunk([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
        if include_usage:
            yield chunk([], usage=usage(length))
        yield b"data: [DONE]\n\n"

    error = sse(None, {"error": {"message": "The server had an error while processing your request.",
                                 "type": "server_error", "param": None, "code": None}})
    unknown = sse(None, {"id": cid, "object": "chat.completion.fake_future", "created": CREATED, "choices": []})
    return Payload("openai", 200, _headers(ids, SSE_TYPE if stream else JSON_TYPE), render, events, stream,
                   error_event=error, unknown_event=unknown)


def responses(req: dict[str, Any], prompt: tuple[int, int], ids: Ids) -> Payload:
    model, stream = _model(req, "gpt-5"), req.get("stream") is True
    resp_id, item_id = ids.next("resp_"), ids.next("msg_")
    prompt_tokens, cached = prompt
    base = {"id": resp_id, "object": "response", "created_at": CREATED, "status": "in_progress", "error": None,
            "incomplete_details": None, "model": model, "output": [], "parallel_tool_calls": True,
            "previous_response_id": None, "store": req.get("store", True) is True, "temperature": 1.0,
            "tool_choice": "auto", "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": None,
            "metadata": {}}

    def item(text: str) -> dict[str, Any]:
        return {"id": item_id, "type": "message", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}

    def final(text: str) -> dict[str, Any]:
        out = estimate_tokens(len(text))
        usage = {"input_tokens": prompt_tokens, "input_tokens_details": {"cached_tokens": cached},
                 "output_tokens": out, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": prompt_tokens + out}
        return dict(base, status="completed", output=[item(text)], usage=usage)

    def render(text: str) -> bytes:
        return dumps(final(text))

    def events(pieces: Iterable[str]) -> Iterator[bytes]:
        seq = 0

        def event(kind: str, **data: Any) -> bytes:
            nonlocal seq
            seq += 1
            return sse(kind, {"type": kind, "sequence_number": seq - 1, **data})

        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        yield event("response.created", response=base)
        yield event("response.in_progress", response=base)
        yield event("response.output_item.added", output_index=0, item=dict(item(""), status="in_progress",
                                                                            content=[]))
        yield event("response.content_part.added", **where, part=item("")["content"][0])
        text: list[str] = []
        for piece in pieces:
            text.append(piece)
            yield event("response.output_text.delta", **where, delta=piece, logprobs=[])
        full = "".join(text)
        yield event("response.output_text.done", **where, text=full, logprobs=[])
        yield event("response.content_part.done", **where, part=item(full)["content"][0])
        yield event("response.output_item.done", output_index=0, item=item(full))
        yield event("response.completed", response=final(full))

    error = sse("error", {"type": "error", "code": "server_error", "message": "An error occurred.", "param": None})
    future = {"id": "ffi_" + resp_id, "type": "fake_future_item", "status": "completed"}
    unknown = b"".join(sse(kind, {"type": kind, "output_index": 9, "item": future})
                       for kind in ("response.output_item.added", "response.output_item.done"))
    return Payload("openai", 200, _headers(ids, SSE_TYPE if stream else JSON_TYPE), render, events, stream,
                   error_event=error, unknown_event=unknown)


def _vector(value: Any) -> list[float]:
    digest = hashlib.sha256(dumps(value)).digest()
    return [round((b - 127.5) / 127.5, 6) for b in digest[:8]]


def embeddings(req: dict[str, Any], ids: Ids) -> Payload:
    raw = req.get("input")
    inputs = raw if isinstance(raw, list) and raw and not isinstance(raw[0], int) else [raw]
    model = _model(req, "text-embedding-3-small")
    tokens = sum(estimate_tokens(len(dumps(i))) for i in inputs)
    data = [{"object": "embedding", "index": i, "embedding": _vector(v)} for i, v in enumerate(inputs)]

    def render(text: str) -> bytes:
        return dumps({"object": "list", "data": data, "model": model,
                      "usage": {"prompt_tokens": tokens, "total_tokens": tokens}, "x_fake_note": text})

    return Payload("openai", 200, _headers(ids, JSON_TYPE), render)


def models(ids: Ids) -> Payload:
    data = [{"id": m, "object": "model", "created": CREATED, "owned_by": "openai"} for m in MODELS]

    def render(text: str) -> bytes:
        return dumps({"object": "list", "data": data, "x_fake_note": text})

    return Payload("openai", 200, _headers(ids, JSON_TYPE), render)
