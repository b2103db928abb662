"""Body readers: Content-Length, chunked and read-until-close.

Each reader consumes bytes from ``buf`` starting at ``pos``, appends events to ``out`` and returns
the new position; ``done`` turns True once it appended EndOfMessage. Data payloads are slices of
the input (one copy at most), never byte-by-byte.
"""

from __future__ import annotations

from typing import Protocol

from headroom.errors import IncompleteMessageError, ProtocolError
from headroom.wire.events import Data, EndOfMessage, Event
from headroom.wire.grammar import CHUNK_LINE, parse_fields
from headroom.wire.limits import Limits
from headroom.wire.numbers import parse_hex
from headroom.wire.section import SectionScanner

_CR, _LF = 13, 10


def take(buf: bytes | bytearray, start: int, stop: int) -> bytes:
    """``buf[start:stop]`` as bytes (the input object itself when it is all of a bytes input)."""
    return bytes(buf[start:stop])


class BodyReader(Protocol):
    done: bool

    def read(self, buf: bytes | bytearray, pos: int, out: list[Event]) -> int: ...

    def at_eof(self) -> list[Event]: ...


class LengthBody:
    """Exactly ``length`` bytes."""

    __slots__ = ("done", "remaining")

    def __init__(self, length: int) -> None:
        self.remaining = length
        self.done = False

    def read(self, buf: bytes | bytearray, pos: int, out: list[Event]) -> int:
        count = min(len(buf) - pos, self.remaining)
        if count > 0:
            out.append(Data(take(buf, pos, pos + count)))
            self.remaining -= count
            pos += count
        if self.remaining == 0:
            out.append(EndOfMessage())
            self.done = True
        return pos

    def at_eof(self) -> list[Event]:
        raise IncompleteMessageError(f"connection closed with {self.remaining} body bytes missing")


class EofBody:
    """Everything until the peer closes (responses only)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    def read(self, buf: bytes | bytearray, pos: int, out: list[Event]) -> int:
        if pos < len(buf):
            out.append(Data(take(buf, pos, len(buf))))
        return len(buf)

    def at_eof(self) -> list[Event]:
        self.done = True
        return [EndOfMessage()]


_SIZE, _DATA, _DATA_END, _TRAILERS = range(4)


class ChunkedBody:
    """RFC 9112 chunked coding: strict sizes, extensions checked then dropped, trailers parsed."""

    __slots__ = (
        "_ext_total",
        "_limits",
        "_max_total",
        "_remaining",
        "_state",
        "_status",
        "_total",
        "_trailers",
        "done",
    )

    def __init__(self, limits: Limits, *, status: int, max_total: int | None) -> None:
        self._limits = limits
        self._status = status
        self._max_total = max_total
        self._state = _SIZE
        self._remaining = 0
        self._total = 0
        self._ext_total = 0
        self._trailers = SectionScanner(
            max_bytes=limits.max_trailer_bytes,
            max_lines=limits.max_header_lines,
            status=(status, status),
            first_line=False,
            what="trailer section",
        )
        self.done = False

    def read(self, buf: bytes | bytearray, pos: int, out: list[Event]) -> int:
        while not self.done:
            state = self._state
            if state == _SIZE:
                new = self._size_line(buf, pos)
            elif state == _DATA:
                new = self._data(buf, pos, out)
            elif state == _DATA_END:
                new = self._data_end(buf, pos)
            else:
                new = self._trailer_section(buf, pos, out)
            if new == pos and self._state == state:
                break  # waiting for more bytes
            pos = new
        return pos

    def at_eof(self) -> list[Event]:
        raise IncompleteMessageError("connection closed inside a chunked body")

    def _fail(self, reason: str) -> ProtocolError:
        return ProtocolError(self._status, reason)

    def _size_line(self, buf: bytes | bytearray, pos: int) -> int:
        limit = 16 + self._limits.max_chunk_ext_bytes + 1
        lf = buf.find(b"\n", pos, pos + limit + 1)
        if lf < 0:
            if len(buf) - pos > limit:
                raise self._fail("chunk-size line too long")
            return pos
        if lf == pos or buf[lf - 1] != _CR:
            raise self._fail("bare LF in chunked framing")
        match = CHUNK_LINE.fullmatch(buf, pos, lf - 1)
        size = None if match is None else parse_hex(match.group(1))
        if match is None or size is None:
            raise self._fail("malformed chunk-size line")
        self._check_extension(lf - 1 - match.end(1))
        self._total += size
        if self._max_total is not None and self._total > self._max_total:
            raise ProtocolError(413, f"chunked body larger than {self._max_total} bytes")
        self._remaining = size
        self._state = _DATA if size else _TRAILERS
        return lf + 1

    def _check_extension(self, length: int) -> None:
        if length > self._limits.max_chunk_ext_bytes:
            raise self._fail("chunk extension too long")
        self._ext_total += length
        if self._ext_total > self._limits.max_chunk_ext_total:
            raise self._fail("chunk extensions too long in total")

    def _data(self, buf: bytes | bytearray, pos: int, out: list[Event]) -> int:
        count = min(len(buf) - pos, self._remaining)
        if count > 0:
            out.append(Data(take(buf, pos, pos + count)))
            self._remaining -= count
        if self._remaining == 0:
            self._state = _DATA_END
        return pos + count

    def _data_end(self, buf: bytes | bytearray, pos: int) -> int:
        avail = len(buf) - pos
        if avail == 0:
            return pos
        if buf[pos] != _CR or (avail >= 2 and buf[pos + 1] != _LF):
            raise self._fail("chunk data not followed by CRLF")
        if avail == 1:
            return pos
        self._state = _SIZE
        return pos + 2

    def _trailer_section(self, buf: bytes | bytearray, pos: int, out: list[Event]) -> int:
        end = self._trailers.scan(buf, pos)
        if end is None:
            return pos
        trailers = parse_fields(bytes(buf[pos : end - 2]), self._status) if end - pos > 2 else ()
        out.append(EndOfMessage(trailers))
        self.done = True
        return end
