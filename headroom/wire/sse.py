"""Incremental server-sent-events splitter (WHATWG HTML "event stream" interpretation).

Bytes in, one SSEEvent per blank-line-terminated block out. ``raw`` is the exact bytes of the
block, so ``b"".join(e.raw for e in events) + flush()`` always equals the input, however it was
split. Lines end in CRLF, LF or CR; a CR at the end of a feed is held back until the next byte
shows whether it starts a CRLF. Each byte is scanned once for terminators (no rescans), and
decoding (UTF-8, errors="replace") happens only when a block is complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from headroom.wire.numbers import parse_decimal

_BOM = b"\xef\xbb\xbf"
_EOL = re.compile(rb"\r\n|\r|\n")
_CR = 13


@dataclass(frozen=True, slots=True)
class SSEEvent:
    raw: bytes  # the exact bytes of this block including its terminating blank line
    event: str | None  # last "event:" field, or None
    data: str  # "data:" values joined with "\n"
    id: str | None
    retry: int | None
    has_data: bool = False  # a data field was present: the spec dispatches only such blocks


class SSESplitter:
    def __init__(self) -> None:
        self._buf = bytearray()
        self._line_start = 0  # start of the current line in _buf
        self._scan = 0  # bytes before this index hold no unprocessed terminator
        self._first = True  # the next block is the stream's first (may carry a BOM)
        self._bom_decided = False

    @property
    def buffered(self) -> int:
        """Bytes of the current, unterminated block."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[SSEEvent]:
        self._buf += data
        if not self._bom_decided and not self._decide_bom():
            return []
        buf = self._buf
        events: list[SSEEvent] = []
        block_start = 0
        for match in _EOL.finditer(buf, self._scan):
            if match.start() == len(buf) - 1 and buf[-1] == _CR:
                self._scan = match.start()  # lone trailing CR: wait for the next byte
                break
            if match.start() == self._line_start:  # an empty line ends the block
                events.append(self._block(bytes(buf[block_start : match.end()])))
                block_start = match.end()
            self._line_start = match.end()
        else:
            self._scan = len(buf)
        if block_start:
            del buf[:block_start]
            self._line_start -= block_start
            self._scan -= block_start
        return events

    def flush(self) -> bytes:
        """At end of stream: the bytes of the unterminated last block (never an event).

        A block whose blank line ends in a CR that is the very last byte of the stream is
        returned here too: no byte came to show that the CR was not the start of a CRLF.
        """
        rest = bytes(self._buf)
        self._buf.clear()
        self._line_start = self._scan = 0
        return rest

    def _decide_bom(self) -> bool:
        """Skip a leading BOM for field parsing once enough bytes show whether there is one."""
        buf = self._buf
        if len(buf) < len(_BOM) and _BOM.startswith(buf):
            return False
        self._bom_decided = True
        if buf.startswith(_BOM):
            self._line_start = self._scan = len(_BOM)
        return True

    def _block(self, raw: bytes) -> SSEEvent:
        start = len(_BOM) if self._first and raw.startswith(_BOM) else 0
        self._first = False
        return parse_block(raw, start)


def parse_block(raw: bytes, start: int = 0) -> SSEEvent:
    """Interpret the fields of one complete block (``raw[start:]``)."""
    event: str | None = None
    event_id: str | None = None
    retry: int | None = None
    data: list[str] = []
    for line in _EOL.split(raw[start:]):
        if not line or line[0] == 0x3A:  # empty line or ":" comment
            continue
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:
                event_id = value.decode("utf-8", "replace")
        elif name == b"retry":
            parsed = parse_decimal(value)  # ASCII digits only; anything else is ignored
            retry = parsed if parsed is not None else retry
    return SSEEvent(raw, event, "\n".join(data), event_id, retry, bool(data))
