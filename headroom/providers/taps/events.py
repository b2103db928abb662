"""A fast event-stream reader for the taps: bytes in, ``(event name, data)`` of each dispatched event out.

Same interpretation as ``headroom.wire.sse`` (WHATWG event streams: CRLF, LF or CR line ends, a
leading BOM, ``:`` comments, ``data`` lines joined with ``\\n``, the last ``event`` field), built for
reading rather than relaying: the taps need no raw bytes, so line ends are first normalised to LF
(a CR at the end of a feed is held until the next byte shows whether a CRLF was cut), and blocks are
then found with ``bytes.find`` and split in C. Results never depend on how the input was cut.

An event whose (normalised) block is longer than ``limit`` is never dispatched nor held: once the
unterminated block outgrows the limit its bytes are dropped and the reader skips to the blank line
that ends it; ``oversized`` counts such events.
"""

from __future__ import annotations

_BOM = b"\xef\xbb\xbf"
_LF = 10
_COLON = 58

Event = tuple[str | None, str]


def parse_fields(block: bytes | bytearray) -> Event | None:
    """The event name and data of one block (LF line ends), or None when it has no data field."""
    name: bytes | bytearray | None = None
    data: list[str] = []
    for line in block.split(b"\n"):
        if not line or line[0] == _COLON:
            continue
        field, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if field == b"data":
            data.append(value.decode("utf-8", "replace"))
        elif field == b"event":
            name = value
    if not data:
        return None
    return (name.decode("utf-8", "replace") if name is not None else None), "\n".join(data)


class EventReader:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.oversized = 0
        self._buf = bytearray()  # normalised bytes of the current, unterminated block
        self._scan = 0  # no blank line starts before this index of _buf
        self._cr = False  # the last feed ended in a CR (held back)
        self._start = True  # a BOM may still open the stream
        self._skipping = False  # dropping an oversized block until its blank line
        self._last_lf = False  # while skipping: the last dropped byte was a LF

    def feed(self, data: bytes) -> list[Event]:
        data = self._normalise(data)
        if self._skipping:
            data = self._skip(data)
        if not data:
            return []
        self._buf += data
        if self._start:
            if len(self._buf) < len(_BOM) and _BOM.startswith(self._buf):
                return []
            self._start = False
            if self._buf.startswith(_BOM):
                del self._buf[: len(_BOM)]
        return self._blocks()

    def finish(self) -> list[Event]:
        """At the end of the body: a held CR is a line end; an unterminated last block is read anyway."""
        out = self.feed(b"\n") if self._cr else []
        self._cr = False
        if self._skipping or not self._buf:
            return out
        found = parse_fields(self._buf) if len(self._buf) <= self.limit else None
        self._buf.clear()
        return [*out, found] if found is not None else out

    def _normalise(self, data: bytes) -> bytes:
        if self._cr:
            data, self._cr = b"\r" + data, False
        if data.endswith(b"\r"):
            data, self._cr = data[:-1], True
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return data

    def _skip(self, data: bytes) -> bytes:
        """The bytes after the blank line that ends the oversized block (empty while it goes on)."""
        if not data:
            return data
        if self._last_lf and data[0] == _LF:
            end = 1
        else:
            found = data.find(b"\n\n")
            if found < 0:
                self._last_lf = data[-1] == _LF
                return b""
            end = found + 2
        self._skipping = False
        return data[end:]

    def _blocks(self) -> list[Event]:
        buf = self._buf
        out: list[Event] = []
        start = 0
        while True:
            end = buf.find(b"\n\n", max(start, self._scan))
            if end < 0:
                break
            if end - start > self.limit:
                self.oversized += 1
            else:
                found = parse_fields(buf[start:end])
                if found is not None:
                    out.append(found)
            start = end + 2
        if start:
            del buf[:start]
        self._scan = max(0, len(buf) - 1)
        if len(buf) > self.limit + 1:  # +1: a LF kept at the end may be the first half of the blank line
            self._last_lf = buf[-1] == _LF
            buf.clear()
            self._scan = 0
            self._skipping = True
            self.oversized += 1
        return out
