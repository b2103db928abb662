"""Token usage from provider responses (JSON or SSE), observed without altering a byte.

Normalised across providers: ``input`` (uncached prompt tokens as the provider reports them),
``cache_read``, ``cache_creation`` and ``output``. Pure: the relay feeds response bytes in.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from headroom.wire.sse import SSEEvent, SSESplitter

JSON_LIMIT = 4 * 1024 * 1024  # larger JSON responses are not inspected
SSE_EVENT_LIMIT = 1024 * 1024  # an "event" that never ends (no blank line) stops the tap


@dataclass(slots=True)
class Usage:
    input: int | None = None
    output: int | None = None
    cache_read: int | None = None
    cache_creation: int | None = None

    def as_fields(self) -> dict[str, int]:
        out = {}
        for name in ("input", "output", "cache_read", "cache_creation"):
            value = getattr(self, name)
            if value is not None:
                out[f"usage_{name}"] = value
        return out


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _merge(usage: Usage, obj: Any) -> None:
    """Fold one usage object (any provider's shape) into ``usage``; later values win."""
    if not isinstance(obj, dict):
        return
    pairs = (
        ("input", ("input_tokens", "prompt_tokens", "promptTokenCount")),
        ("output", ("output_tokens", "completion_tokens", "candidatesTokenCount")),
        ("cache_read", ("cache_read_input_tokens", "cachedContentTokenCount")),
        ("cache_creation", ("cache_creation_input_tokens",)),
    )
    for attr, names in pairs:
        for name in names:
            value = _int(obj.get(name))
            if value is not None:
                setattr(usage, attr, value)
    for details in ("prompt_tokens_details", "input_tokens_details"):
        sub = obj.get(details)
        if isinstance(sub, dict) and _int(sub.get("cached_tokens")) is not None:
            usage.cache_read = sub["cached_tokens"]


def _usage_objects(doc: Any) -> list[Any]:
    """Where each provider puts usage in a response document or SSE event payload."""
    if not isinstance(doc, dict):
        return []
    found = [doc.get("usage"), doc.get("usageMetadata")]
    for inner in ("message", "response"):
        sub = doc.get(inner)
        if isinstance(sub, dict):
            found.append(sub.get("usage"))
    return [f for f in found if isinstance(f, dict)]


class UsageTap:
    def __init__(self, content_type: bytes) -> None:
        self.sse = b"text/event-stream" in content_type.lower()
        self._splitter = SSESplitter() if self.sse else None
        self._json = bytearray()
        self._overflow = False
        self.usage = Usage()
        self.seen = False
        self.error_type: str | None = None

    def feed(self, data: bytes) -> None:
        if self._splitter is not None:
            for event in self._splitter.feed(data):
                self._event(event)
            if self._splitter.buffered > SSE_EVENT_LIMIT:
                self._splitter = None  # not a well-formed event stream: stop holding its bytes
        elif not self._overflow:
            if len(self._json) + len(data) > JSON_LIMIT:
                self._overflow = True
                self._json.clear()
            else:
                self._json += data

    def _event(self, event: SSEEvent) -> None:
        data = event.data
        if "usage" not in data and "usageMetadata" not in data and '"error"' not in data:
            return
        try:
            self._document(json.loads(data))
        except (ValueError, RecursionError):
            return

    def _document(self, doc: Any) -> None:
        for obj in _usage_objects(doc):
            self.seen = True
            _merge(self.usage, obj)
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            kind = doc["error"].get("type") or doc["error"].get("status")
            self.error_type = str(kind) if kind else "error"

    def finish(self) -> Usage | None:
        if not self.sse and self._json and not self._overflow:
            with contextlib.suppress(ValueError, RecursionError):
                self._document(json.loads(self._json))
        return self.usage if self.seen else None
