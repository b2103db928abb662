"""Helpers for the tap tests: build event streams, feed a tap whole or cut at given positions."""

from __future__ import annotations

import json
from typing import Any

from headroom.providers.taps import TapResult, open_tap

SSE = [(b"Content-Type", b"text/event-stream; charset=utf-8")]
JSON = [(b"Content-Type", b"application/json")]


def event(name: str | None, data: Any, end: bytes = b"\n\n") -> bytes:
    """One SSE event; ``data`` is JSON-encoded unless it is already bytes."""
    payload = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    line = b"data: " + payload + end
    return line if name is None else b"event: " + name.encode() + b"\n" + line


def typed(name: str, **fields: Any) -> bytes:
    """An event whose data repeats its name as ``type`` (Anthropic and Responses style)."""
    return event(name, {"type": name, **fields})


def run(api: str, body: bytes, cuts: list[int] | None = None, *, headers: list[tuple[bytes, bytes]] | None = None,
        provider: str | None = None, cut: bool = False) -> TapResult:
    """Feed ``body`` to a fresh tap in pieces cut at ``cuts`` and return its result."""
    tap = open_tap(api, provider, SSE if headers is None else headers)
    start = 0
    for position in [*sorted(set(cuts or [])), len(body)]:
        tap.feed(body[start:position])
        start = position
    return tap.finish(cut)


def run_bytewise(api: str, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> TapResult:
    """Feed one byte at a time (the hardest split)."""
    return run(api, body, list(range(len(body))), headers=headers)
