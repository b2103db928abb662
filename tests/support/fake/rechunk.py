"""Re-cut a stream of body segments into the pieces that go on the wire.

``size=None, split_utf8=False``: the natural segments pass through (one SSE event per piece).
``size=None, split_utf8=True``: every segment is also cut inside each multi-byte UTF-8 character.
``size=n``: pieces of n bytes; with ``split_utf8`` each cut moves forward to the next byte that is a
UTF-8 continuation byte, so it falls inside a character whenever one is near (within ``LOOKAHEAD``).
Concatenating the pieces always yields exactly the input.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

LOOKAHEAD = 1 << 16
_CONTINUATION = re.compile(rb"[\x80-\xbf]")
_LEAD_THEN_CONTINUATION = re.compile(rb"(?<=[\xc0-\xff])[\x80-\xbf]")


def inside_character(data: bytes, cut: int) -> bool:
    """True when cutting ``data`` at ``cut`` separates bytes of one UTF-8 character."""
    return 0 < cut < len(data) and 0x80 <= data[cut] <= 0xBF


class Rechunker:
    def __init__(self, size: int | None, split_utf8: bool) -> None:
        if size is not None and size < 1:
            raise ValueError("chunk size must be positive")
        self.size = size
        self.split_utf8 = split_utf8
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        if not data:
            return []
        if self.size is None:
            return _split_every_character(data) if self.split_utf8 else [data]
        self._buf += data
        return self._drain(final=False)

    def flush(self) -> list[bytes]:
        if self.size is None:
            return []
        return self._drain(final=True)

    def _drain(self, *, final: bool) -> list[bytes]:
        assert self.size is not None
        size, buf = self.size, self._buf
        out: list[bytes] = []
        while len(buf) > size:
            found = _CONTINUATION.search(buf, size) if self.split_utf8 else None
            if found is not None:
                cut = found.start()
            elif self.split_utf8 and not final and len(buf) - size <= LOOKAHEAD:
                break  # a multi-byte character may still arrive close enough to cut inside it
            else:  # nothing to split inside of in buf[size:]: plain pieces, keep 1..size bytes
                count = (len(buf) - 1) // size
                out.extend(bytes(buf[i * size : (i + 1) * size]) for i in range(count))
                del buf[: count * size]
                continue
            out.append(bytes(buf[:cut]))
            del buf[:cut]
        if final and buf:
            out.append(bytes(buf))
            buf.clear()
        return out


def _split_every_character(data: bytes) -> list[bytes]:
    cuts = [m.start() for m in _LEAD_THEN_CONTINUATION.finditer(data)]
    if not cuts:
        return [data]
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def rechunk(segments: Iterable[bytes], size: int | None, split_utf8: bool) -> Iterator[bytes]:
    """Lazily re-cut ``segments`` (which may be infinite)."""
    cutter = Rechunker(size, split_utf8)
    for segment in segments:
        yield from cutter.feed(segment)
    yield from cutter.flush()
