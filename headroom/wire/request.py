"""Sans-IO HTTP/1.1 request parser: bytes in, RequestHead / Data / EndOfMessage out.

After EndOfMessage the parser stops: further bytes are only buffered (a pipelined request is
never read as part of the previous body) until ``next_message()`` resumes. Every framing or syntax
error raises ``ProtocolError`` with the status the client should get; the parser then stays failed.
"""

from __future__ import annotations

from headroom.errors import IncompleteMessageError, ProtocolError
from headroom.wire.body import BodyReader, ChunkedBody, LengthBody
from headroom.wire.events import EndOfMessage, Event, RequestHead
from headroom.wire.framing import request_head
from headroom.wire.grammar import parse_fields, skip_empty_lines
from headroom.wire.incremental import IncrementalParser
from headroom.wire.limits import Limits
from headroom.wire.requestline import RequestLine, check_request_line
from headroom.wire.section import SectionScanner

_HEAD, _BODY, _DONE = range(3)


class RequestParser(IncrementalParser):
    def __init__(self, limits: Limits = Limits()) -> None:  # noqa: B008 - Limits is frozen
        self._limits = limits
        super().__init__()
        self._state = _HEAD
        self._scanner = SectionScanner(
            max_bytes=limits.max_head_bytes,
            max_lines=limits.max_header_lines,
            status=(400, 431),
            first_line=True,
            what="request head",
        )
        self._skipped = 0  # empty lines consumed before the request line
        self._line: RequestLine | None = None
        self._body: BodyReader | None = None
        self._eof = False

    @property
    def started(self) -> bool:
        """True once a byte of the current, not yet complete, head has arrived."""
        return self._state == _HEAD and (self._skipped > 0 or len(self._buf) > 0)

    @property
    def buffered(self) -> int:
        """Bytes held but not yet turned into events."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        if self._error is not None:
            raise self._error
        if self._eof:
            raise ProtocolError(400, "data after end of stream")
        if self._state == _DONE or not data:
            self._buf += data
            return []
        return self._run(data)

    def feed_eof(self) -> list[Event]:
        """The client closed: [] at a message boundary, else IncompleteMessageError."""
        if self._error is not None:
            raise self._error
        self._eof = True
        if self._state == _DONE:
            return []
        if self._state == _BODY:
            assert self._body is not None
            try:
                return self._body.at_eof()
            except ProtocolError as exc:
                raise self._failed(exc) from None
        if self._buf:
            raise self._failed(IncompleteMessageError("connection closed inside a request head"))
        return []

    def next_message(self) -> list[Event]:
        """Start the next request (after EndOfMessage) and parse what was buffered for it."""
        if self._error is not None:
            raise self._error
        if self._state != _DONE:
            raise RuntimeError("next_message() before the current request ended")
        self._state = _HEAD
        self._skipped = 0
        events = self._run(b"") if self._buf else []
        if self._eof and self._state != _DONE:
            events.extend(self.feed_eof())
        return events

    def detach(self) -> bytes:
        """The connection switches protocols after the current request: return the bytes buffered
        behind it and stop (every later call raises)."""
        if self._state != _DONE:
            raise RuntimeError("detach() before the current request ended")
        rest = bytes(self._buf)
        self._buf.clear()
        self._failed(ProtocolError(400, "the connection switched protocols"))
        return rest

    def _step(self, src: bytes | bytearray, out: list[Event]) -> int:
        pos = 0
        if self._state == _HEAD:
            pos = self._head(src, out)
            if self._state != _BODY:
                return pos
        assert self._body is not None
        pos = self._body.read(src, pos, out)
        if self._body.done:
            self._state = _DONE
            self._body = None
        return pos

    def _head(self, src: bytes | bytearray, out: list[Event]) -> int:
        start = skip_empty_lines(src)
        if start:
            self._skipped += start
            if self._skipped > self._limits.max_head_bytes:
                raise ProtocolError(431, "too many empty lines before the request line")
        if len(src) - start == 1 and src[start] == 13:
            return start  # a lone CR: wait for its LF
        if self._line is None:  # first, so that a long target is a 414 even when the head is huge
            self._line = check_request_line(src, start, self._limits)
        end = self._scanner.scan(src, start)
        if end is None:
            return start
        line = self._line
        assert line is not None
        headers = parse_fields(bytes(src[start + line.length : end - 2]), 400)
        head = request_head(line.method, line.target, line.version, headers, self._limits)
        self._scanner.reset()
        self._line = None
        out.append(head)
        self._begin_body(head, out)
        return end

    def _begin_body(self, head: RequestHead, out: list[Event]) -> None:
        if head.body_kind == "chunked":
            self._body = ChunkedBody(self._limits, status=400, max_total=self._limits.max_body_bytes)
        elif head.body_kind == "length" and head.content_length:
            self._body = LengthBody(head.content_length)
        else:
            out.append(EndOfMessage())
            self._state = _DONE
            return
        self._state = _BODY
