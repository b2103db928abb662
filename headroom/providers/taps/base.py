"""The machinery every response tap shares: content type and coding, event-stream splitting with a
per-event cap, a bounded JSON buffer, and the result rules (truncation, unavailability, unknown types).

A tap only reads copies of the bytes the relay forwards: it never alters, holds back or delays one.
Results never depend on how the body was cut into chunks (the tests feed every split position).

* ``text/event-stream`` bodies are split into events as they arrive (``events.EventReader``); the
  provider tap sees each event's name and data. An event larger than ``EVENT_LIMIT`` is skipped
  without being held (the reader scans on for the blank line that ends it) and noted in
  ``unavailable``; a stream with such an event is not called truncated for lack of its end event
  (the relay's own cut still counts).
* JSON bodies (``application/json``, ``*+json``) are buffered up to ``JSON_LIMIT`` and decoded once at
  the end; a larger one is dropped and noted.
* A stream is truncated when the relay saw its body cut, or when it ended without the API's terminal
  event (an empty body, e.g. the answer to HEAD, is not judged).
* Any other content type, or a ``Content-Encoding`` other than identity (response bodies are never
  decoded on the forwarding path), is not inspected: ``unavailable`` says why once a body byte came.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from headroom.providers.taps.events import EventReader
from headroom.providers.taps.result import MAX_UNKNOWN, StreamError, TapResult, Usage
from headroom.wire.events import Headers, header_value, header_values

JSON_LIMIT = 4 * 1024 * 1024
EVENT_LIMIT = 4 * 1024 * 1024
NAME_CHARS = 80  # unknown type names are cut to this length


def load(text: str | bytes) -> Any:
    """JSON-decode, or None when it is not valid JSON (or nested too deeply)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def event_type(data: str) -> str:
    """The ``type`` member of an event's JSON data (for streams that send no ``event:`` field)."""
    doc = load(data)
    kind = doc.get("type") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) else ""


def _media_type(headers: Headers) -> str:
    raw = header_value(headers, b"content-type") or b""
    return raw.split(b";", 1)[0].strip().decode("latin-1").lower()[:NAME_CHARS]


def _coding(headers: Headers) -> str | None:
    """The response's content coding when it is not identity."""
    values = b",".join(header_values(headers, b"content-encoding")).decode("latin-1")
    codings = [c.strip().lower() for c in values.split(",") if c.strip()]
    coded = [c for c in codings if c != "identity"]
    return ", ".join(coded)[:NAME_CHARS] if coded else None


class Tap:
    """Base of the per-API taps; subclasses implement ``event`` and ``document``."""

    knows_terminal: ClassVar[bool] = True  # whether an event stream has an end event to check for

    def __init__(self, api: str, headers: Headers) -> None:
        self.api = api
        self.usage = Usage()
        self.stop_reason: str | None = None
        self.error: StreamError | None = None
        self.terminal = False  # the API's end-of-stream event was seen
        self._unknown: dict[tuple[str, str], None] = {}
        self._bytes = 0
        self._json = bytearray()
        self._reader = EventReader(EVENT_LIMIT)
        self._result: TapResult | None = None
        self._why: str | None = None  # set when (part of) the body is not inspected
        media, coding = _media_type(headers), _coding(headers)
        self.mode = "sse" if media == "text/event-stream" else "json"
        if coding is not None:
            self.mode, self._why = "off", f"content-encoding {coding} (response bodies are never decoded)"
        elif media != "text/event-stream" and not (media.endswith("/json") or media.endswith("+json")):
            self.mode, self._why = "off", f"content-type {media}" if media else "no content-type"

    # ------------------------------------------------------------------ hooks for the provider taps

    def event(self, name: str | None, data: str) -> None:
        """One server-sent event that carried data."""

    def document(self, doc: Any) -> None:
        """The decoded JSON body of a non-streamed response."""

    def tool_call_count(self) -> int | None:
        return None

    # ------------------------------------------------------------------ helpers for them

    def note_error(self, error: StreamError | None) -> None:
        if error is not None and self.error is None:
            self.error = error

    def note_unknown(self, kind: str, name: object) -> None:
        key = (kind, str(name)[:NAME_CHARS])
        if key not in self._unknown and len(self._unknown) < MAX_UNKNOWN:
            self._unknown[key] = None

    # ------------------------------------------------------------------ feeding

    def feed(self, data: bytes) -> None:
        if not data or self._result is not None:
            return
        self._bytes += len(data)
        if self.mode == "sse":
            self._feed_sse(data)
        elif self.mode == "json":
            if len(self._json) + len(data) > JSON_LIMIT:
                self.mode, self._why = "off", f"JSON body over {JSON_LIMIT} bytes"
                self._json = bytearray()
            else:
                self._json += data

    def _feed_sse(self, data: bytes) -> None:
        for name, text in self._reader.feed(data):
            self.event(name, text)

    # ------------------------------------------------------------------ the end

    @property
    def pending_json(self) -> int:
        """Bytes of a JSON body that ``finish`` will decode (a caller may run a big one off-loop)."""
        return len(self._json) if self.mode == "json" and self._result is None else 0

    def finish(self, cut: bool = False) -> TapResult:
        """The result, once the body ended; ``cut``: the relay saw the upstream body end early."""
        if self._result is None:
            self._result = self._build(cut)
        return self._result

    def _build(self, cut: bool) -> TapResult:
        streamed = self.mode == "sse"
        if streamed:
            for name, text in self._reader.finish():  # a last event without its blank line is read too
                self.event(name, text)
            if self._reader.oversized:
                self._why = f"{self._reader.oversized} event(s) over {EVENT_LIMIT} bytes not inspected"
        elif self.mode == "json" and self._json:
            doc = load(bytes(self._json))
            if doc is None:
                self._why = "the body ended before its JSON did" if cut else "the body is not valid JSON"
            else:
                self.document(doc)
        ended_early = streamed and self._bytes > 0 and self.knows_terminal and not self.terminal
        truncated = cut or (ended_early and not self._reader.oversized)
        inp, total, out, read, created = self.usage.normalised()
        return TapResult(
            api=self.api, streamed=streamed, input=inp, input_total=total, output=out, cache_read=read,
            cache_creation=created, stop_reason=self.stop_reason, error=self.error, truncated=truncated,
            unavailable=self._why if self._bytes else None, tool_calls=self.tool_call_count(),
            unknown=tuple(self._unknown),
        )
