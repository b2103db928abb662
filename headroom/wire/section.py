"""Incremental detection of the end of a head or trailer section.

The scanner only looks at bytes it has not seen before (plus a 3-byte overlap for the terminator),
rejects bare CR and bare LF as soon as they arrive (every CR and LF must belong to a CRLF), and
enforces the byte and line limits before the section completes, so a slow or hostile peer cannot
make it rescan or buffer without bound.
"""

from __future__ import annotations

from headroom.errors import ProtocolError

_CR = 13


class SectionScanner:
    """Finds ``CRLF CRLF`` (or a leading ``CRLF`` for an empty section) in a growing buffer.

    Offsets are kept relative to the section start, so the caller may drop consumed bytes before
    the section between calls as long as it passes the section's new start.
    """

    __slots__ = ("_checked", "_empty_ok", "_first_lines", "_lines", "_max_bytes", "_max_lines", "_status", "_what")

    def __init__(self, *, max_bytes: int, max_lines: int, status: tuple[int, int], first_line: bool, what: str) -> None:
        self._max_bytes = max_bytes
        self._max_lines = max_lines
        self._status = status  # (syntax error status, limit exceeded status)
        self._first_lines = 1 if first_line else 0
        self._empty_ok = not first_line
        self._what = what
        self._checked = 0
        self._lines = 0

    def reset(self) -> None:
        self._checked = 0
        self._lines = 0

    def scan(self, buf: bytes | bytearray, start: int) -> int | None:
        """Index just past the section's final CRLF, or None while incomplete."""
        size = len(buf)
        if self._empty_ok and size - start >= 2 and buf[start] == _CR and buf[start + 1] == 10:
            return start + 2
        end = buf.find(b"\r\n\r\n", max(start, start + self._checked - 3))
        stop = end + 4 if end >= 0 else size
        if end < 0 and stop > start and buf[stop - 1] == _CR:
            stop -= 1  # a trailing CR may be the start of a CRLF: judge it with the next bytes
        begin = start + self._checked
        if begin < stop:  # the region never splits a CRLF: it ends after an LF or before a final CR
            lines = buf.count(b"\n", begin, stop)
            if buf.count(b"\r", begin, stop) != lines or buf.count(b"\r\n", begin, stop) != lines:
                raise ProtocolError(self._status[0], f"bare CR or LF in the {self._what}")
            self._lines += lines
            self._checked = stop - start
        self._check_limits((stop if end >= 0 else size) - start, end >= 0)
        return stop if end >= 0 else None

    def _check_limits(self, length: int, complete: bool) -> None:
        if length > self._max_bytes:
            raise ProtocolError(self._status[1], f"{self._what} larger than {self._max_bytes} bytes")
        fields = self._lines - self._first_lines - (1 if complete else 0)
        if fields > self._max_lines:
            raise ProtocolError(self._status[1], f"{self._what} has more than {self._max_lines} lines")
