"""Fault modes: parsing ``name`` / ``name:arg`` and turning a normal answer into the faulty one.

Modes that only change the head or the framing start from the normal answer (routed or replayed), so the
body a test sees is the one it would have seen without the fault.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from tests.support.fake.payload import SSE_TYPE, TEXT, Payload, deltas, dumps, reason
from tests.support.fake.response import SERVER, Wire, head_bytes

PLAIN = frozenset({"normal", "hang", "bad_status_line", "te_and_cl", "bad_cl", "two_cl", "obs_fold", "bare_lf",
                   "nul_header", "close_mid_body", "close_mid_chunked", "http10_eof", "eof_body", "interim_100",
                   "early_hints_103", "redirect", "sse_forever", "close_after", "reset",
                   "sse_error", "sse_no_end", "sse_unknown"})
STREAM_EDITS = frozenset({"sse_error", "sse_no_end", "sse_unknown"})
WITH_SECONDS = frozenset({"slow_head", "sse_slow"})
WITH_NUMBER = frozenset({"status", "huge"})
HEAD_FAULTS = frozenset({"bad_status_line", "te_and_cl", "bad_cl", "two_cl", "obs_fold", "bare_lf", "nul_header"})
FOREVER_GAP = 0.01
MAX_HUGE = 1 << 34
_UNIT = (TEXT + " ").encode()
_SENTINEL = "@@fake-huge-body@@"


@dataclass(frozen=True)
class Mode:
    name: str
    seconds: float = 0.0
    number: int = 0


def parse_mode(text: str) -> Mode:
    """``hang``, ``slow_head:1.5``, ``status:429``, ``huge:1000000``...; ValueError when unknown/invalid."""
    name, sep, arg = text.strip(" \t").partition(":")
    if name in PLAIN and not sep:
        return Mode(name)
    if name in WITH_SECONDS and sep:
        seconds = float(arg)
        if not (math.isfinite(seconds) and 0 <= seconds <= 3600):
            raise ValueError(f"seconds out of range in fake mode {text!r}")
        return Mode(name, seconds=seconds)
    if name in WITH_NUMBER and sep and arg.isascii() and arg.isdigit():
        number = int(arg)
        if name == "status" and not 400 <= number <= 599:
            raise ValueError(f"status out of range in fake mode {text!r}")
        if name == "huge" and not 1 <= number <= MAX_HUGE:
            raise ValueError(f"size out of range in fake mode {text!r}")
        return Mode(name, number=number)
    raise ValueError(f"unknown fake mode {text!r}")


def payload_wire(payload: Payload, *, stream: bool | None = None, gap: float = 0.0) -> Wire:
    """The normal answer of a payload; ``stream`` forces (or forbids) the SSE form when it has one."""
    streaming = payload.stream if stream is None else stream and payload.events is not None
    headers = [SERVER, *payload.headers]
    if streaming and payload.events is not None:
        if not payload.stream:
            headers = [(k, SSE_TYPE if k.lower() == b"content-type" else v) for k, v in headers]
        return Wire(payload.status, reason(payload.status), headers, payload.events(deltas(TEXT)),
                    framing="chunked", gap=gap)
    return Wire(payload.status, reason(payload.status), headers, [payload.render(TEXT)])


def forever(payload: Payload) -> Wire:
    """An SSE stream that emits one event every FOREVER_GAP seconds until the client goes away."""
    assert payload.events is not None
    wire = payload_wire(payload, stream=True, gap=FOREVER_GAP)
    wire.segments = payload.events(itertools.cycle(deltas(TEXT)))
    return wire


def edited_stream(payload: Payload, mode: str) -> Wire:
    """The SSE answer cut after half its events by the API's error event (sse_error), without its last,
    terminal event (sse_no_end), or with events of an unknown type after the first one (sse_unknown);
    the HTTP body itself always ends cleanly."""
    assert payload.events is not None
    events = list(payload.events(deltas(TEXT)))
    if mode == "sse_error":
        events = [*events[: len(events) // 2], payload.error_event]
    elif mode == "sse_no_end":
        events = events[:-1]
    else:
        events = [events[0], payload.unknown_event, *events[1:]]
    wire = payload_wire(payload, stream=True)
    wire.segments = events
    return wire


def huge(payload: Payload, size: int) -> Wire:
    """A body of at least ``size`` bytes, generated lazily (SSE when the client streams, else JSON)."""
    if payload.stream and payload.events is not None:
        piece = (_UNIT * max(1, 4096 // len(_UNIT))).decode()
        count = -(-size // len(piece.encode()))
        wire = payload_wire(payload)
        wire.segments = payload.events(itertools.repeat(piece, count))
        return wire
    prefix, suffix = payload.render(_SENTINEL).split(_SENTINEL.encode())
    units = max(0, -(-(size - len(prefix) - len(suffix)) // len(_UNIT)))
    wire = payload_wire(payload, stream=False)
    wire.segments = _huge_json(prefix, units, suffix)
    wire.length = len(prefix) + units * len(_UNIT) + len(suffix)
    return wire


def _huge_json(prefix: bytes, units: int, suffix: bytes) -> Iterator[bytes]:
    per_block = max(1, 65536 // len(_UNIT))
    block = _UNIT * per_block
    yield prefix
    full, rest = divmod(units, per_block)
    for _ in range(full):
        yield block
    yield _UNIT * rest
    yield suffix


def redirect() -> Wire:
    body = dumps({"error": {"message": f"moved ({TEXT})", "type": "redirect"}})
    headers = [SERVER, (b"Location", b"/v1/redirected-elsewhere"), (b"Content-Type", b"application/json")]
    return Wire(302, b"Found", headers, [body])


def interim(wire: Wire, mode: str) -> Wire:
    if mode == "interim_100":
        wire.preamble = b"HTTP/1.1 100 Continue\r\n\r\n"
    else:
        wire.preamble = b"HTTP/1.1 103 Early Hints\r\nLink: </fake.css>; rel=preload\r\n\r\n"
    return wire


def truncated(wire: Wire, mode: str) -> Wire:
    """close_mid_body (Content-Length promises more than is sent) or close_mid_chunked (no last chunk)."""
    segments = [s for s in wire.segments if s]
    wire.keep_alive = False
    if mode == "close_mid_body":
        body = b"".join(segments)
        wire.framing, wire.length, wire.segments = "length", len(body), [body[: len(body) // 2]]
        return wire
    if len(segments) == 1:
        segments = [segments[0][: len(segments[0]) // 2]]
    wire.framing, wire.final_chunk = "chunked", False
    wire.segments = segments[: max(1, len(segments) // 2)]
    return wire


def close_delimited(wire: Wire, mode: str) -> Wire:
    """http10_eof (HTTP/1.0, no length) or eof_body (HTTP/1.1 with neither Content-Length nor chunked)."""
    wire.framing, wire.keep_alive = "eof", False
    if mode == "http10_eof":
        wire.version = b"HTTP/1.0"
    return wire


def bad_head(wire: Wire, mode: str) -> bytes:
    """The complete (Content-Length framed) response with one framing/syntax defect in its head."""
    body = b"".join(wire.segments)
    wire.framing, wire.segments, wire.length, wire.keep_alive = "length", [body], len(body), False
    head = head_bytes(wire)
    cl = b"Content-Length: %d\r\n" % len(body)
    if mode == "bad_status_line":
        head = b"HTTP/1.1 2OO OK\r\n" + head.split(b"\r\n", 1)[1]
    elif mode == "te_and_cl":
        head = head.replace(cl, cl + b"Transfer-Encoding: chunked\r\n")
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    elif mode == "bad_cl":
        head = head.replace(cl, b"Content-Length: %dx\r\n" % len(body))
    elif mode == "two_cl":
        head = head.replace(cl, cl + cl)
    elif mode == "obs_fold":
        head = head.replace(cl, cl + b"X-Folded: first\r\n second\r\n")
    elif mode == "bare_lf":
        head = head.replace(b"\r\n", b"\n")
    elif mode == "nul_header":
        head = head.replace(cl, cl + b"X-Nul: a\x00b\r\n")
    else:
        raise ValueError(mode)
    return head + body
