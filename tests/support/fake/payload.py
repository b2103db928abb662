"""What a route answers, independent of how it is framed on the wire, plus shared encoding helpers.

A Payload renders its JSON body around one piece of text (so fault modes can make it huge) and, for
streaming routes, turns an iterable of text deltas into SSE events (so fault modes can make it slow or
endless). Everything is deterministic: ids come from a per-provider counter, timestamps are fixed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

# Non-ASCII on purpose: 2-, 3- and 4-byte UTF-8 sequences in every body exercise split handling.
TEXT = "Fake reply: héllo — 世界 🙂. Done."
CREATED = 1_700_000_000
DELTA_CHARS = 6

JSON_TYPE = b"application/json"
SSE_TYPE = b"text/event-stream; charset=utf-8"

Render = Callable[[str], bytes]
Events = Callable[[Iterable[str]], Iterator[bytes]]


@dataclass
class Payload:
    kind: str  # "anthropic" | "openai" | "gemini"
    status: int
    headers: list[tuple[bytes, bytes]]
    render: Render
    events: Events | None = None
    stream: bool = False  # the client asked for a streamed answer
    error_event: bytes = b""  # a mid-stream error event in this API's shape (mode sse_error)
    unknown_event: bytes = b""  # event(s) of a type this API does not define (mode sse_unknown)


class Ids:
    """Deterministic ids: the n-th id of a provider is always the same."""

    def __init__(self) -> None:
        self.n = 0

    def next(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}fake{self.n:020d}"


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: json.dumps with
# options constructs a new encoder per call, which dominated the cost of an SSE answer


def dumps(obj: Any) -> bytes:
    return _ENCODER.encode(obj).encode()


def sse(event: str | None, data: Any, end: bytes = b"\n\n") -> bytes:
    line = b"data: " + (data if isinstance(data, bytes) else dumps(data)) + end
    return line if event is None else b"event: " + event.encode() + b"\n" + line


def deltas(text: str, size: int = DELTA_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def estimate_tokens(n: int) -> int:
    return max(1, n // 4)


def reason(status: int) -> bytes:
    if status == 529:
        return b"Overloaded"
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b"Unknown"


_ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                     404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                     529: "overloaded_error"}
_OPENAI_ERRORS = {400: "invalid_request_error", 401: "invalid_request_error", 403: "invalid_request_error",
                  404: "invalid_request_error", 429: "requests"}
_GEMINI_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                  429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def error_payload(kind: str, status: int, message: str, request_id: str) -> Payload:
    """A provider-shaped error answer; the message ends with TEXT (non-ASCII) in parentheses."""
    headers = [(b"Content-Type", JSON_TYPE)]
    if status == 429:
        headers.append((b"retry-after", b"7"))
    if kind == "anthropic":
        headers.append((b"request-id", request_id.encode()))
        etype = _ANTHROPIC_ERRORS.get(status, "api_error")

        def render(text: str) -> bytes:
            return dumps({"type": "error", "error": {"type": etype, "message": f"{message} ({text})"},
                          "request_id": request_id})
    elif kind == "gemini":
        gstatus = _GEMINI_STATUS.get(status, "UNKNOWN")

        def render(text: str) -> bytes:
            return dumps({"error": {"code": status, "message": f"{message} ({text})", "status": gstatus}})
    else:
        headers.append((b"x-request-id", request_id.encode()))
        etype = _OPENAI_ERRORS.get(status, "server_error")
        code = "rate_limit_exceeded" if status == 429 else None

        def render(text: str) -> bytes:
            return dumps({"error": {"message": f"{message} ({text})", "type": etype, "param": None, "code": code}})
    return Payload(kind, status, headers, render)
