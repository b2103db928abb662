"""What the request and response parsers share: buffering, one step over the bytes, sticky errors."""

from __future__ import annotations

from abc import ABC, abstractmethod

from headroom.errors import ProtocolError
from headroom.wire.events import Event

FAILED = -1


class IncrementalParser(ABC):
    """Feeds bytes to ``_step`` without copying them when nothing is buffered; keeps the unconsumed
    tail; once an error was raised, every later call raises it again."""

    _state: int

    def __init__(self) -> None:
        self._buf = bytearray()
        self._error: ProtocolError | None = None

    @abstractmethod
    def _step(self, src: bytes | bytearray, out: list[Event]) -> int:
        """Parse from ``src``, append events to ``out``, return how many bytes were consumed."""

    def _failed(self, error: ProtocolError) -> ProtocolError:
        self._error = error
        self._state = FAILED
        return error

    def _run(self, data: bytes) -> list[Event]:
        if self._buf:
            self._buf += data
            src: bytes | bytearray = self._buf
        else:
            src = data
        out: list[Event] = []
        try:
            pos = self._step(src, out)
        except ProtocolError as exc:
            raise self._failed(exc) from None
        if src is self._buf:
            del self._buf[:pos]
        else:
            self._buf += memoryview(data)[pos:]
        return out
