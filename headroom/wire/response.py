"""Sans-IO HTTP/1.1 response parser for the upstream side.

One parser per request (the request method decides whether a body can follow). Informational
heads (100, 102, 103) are returned as ResponseHead events and parsing goes on with the next head.
101 is refused unless the parser was made for a relayed upgrade (``upgrade=True``): then the 101
head is the last event, and whatever follows it belongs to the new protocol (``detach()``). Any invalid framing raises
ProtocolError(502): nothing of such a response may reach the client. Bytes after the end of the
response are kept (``buffered``): a connection that has any must not be reused.
"""

from __future__ import annotations

from headroom.errors import IncompleteMessageError, ProtocolError
from headroom.wire.body import BodyReader, ChunkedBody, EofBody, LengthBody
from headroom.wire.events import EndOfMessage, Event, ResponseHead
from headroom.wire.framing import response_head
from headroom.wire.grammar import STATUS_LINE, parse_fields
from headroom.wire.incremental import IncrementalParser
from headroom.wire.limits import Limits
from headroom.wire.numbers import parse_decimal
from headroom.wire.section import SectionScanner

_HEAD, _BODY, _DONE = range(3)
_STATUS = 502


class ResponseParser(IncrementalParser):
    def __init__(
        self, request_method: bytes, limits: Limits = Limits(), *, upgrade: bool = False  # noqa: B008 - frozen
    ) -> None:
        self._method = request_method
        self._upgrade = upgrade
        self._limits = limits
        super().__init__()
        self._state = _HEAD
        self._scanner = SectionScanner(
            max_bytes=limits.max_head_bytes,
            max_lines=limits.max_response_header_lines,
            status=(_STATUS, _STATUS),
            first_line=True,
            what="response head",
        )
        self._body: BodyReader | None = None
        self._heads = 0  # heads seen, informational ones included

    @property
    def buffered(self) -> int:
        """Bytes held but not turned into events (after the end: bytes the upstream should not have sent)."""
        return len(self._buf)

    @property
    def complete(self) -> bool:
        return self._state == _DONE

    def detach(self) -> bytes:
        """The bytes held after the end of the response (after a 101: the new protocol's first)."""
        rest = bytes(self._buf)
        self._buf.clear()
        return rest

    def feed(self, data: bytes) -> list[Event]:
        if self._error is not None:
            raise self._error
        if self._state == _DONE or not data:
            self._buf += data
            return []
        return self._run(data)

    def feed_eof(self) -> list[Event]:
        """Upstream closed: EndOfMessage for a close-delimited body, else IncompleteMessageError."""
        if self._error is not None:
            raise self._error
        if self._state == _DONE:
            return []
        if self._state == _BODY:
            assert self._body is not None
            try:
                events = self._body.at_eof()
            except ProtocolError as exc:
                raise self._failed(exc) from None
            self._state = _DONE
            return events
        what = "inside the response head" if self._buf or self._heads else "before any response byte"
        raise self._failed(IncompleteMessageError(f"upstream closed {what}"))

    def _step(self, src: bytes | bytearray, out: list[Event]) -> int:
        pos = 0
        while self._state == _HEAD:
            new = self._head(src, pos, out)
            if new == pos:
                return pos
            pos = new
        if self._state == _BODY:
            assert self._body is not None
            pos = self._body.read(src, pos, out)
            if self._body.done:
                self._state = _DONE
        return pos

    def _head(self, src: bytes | bytearray, pos: int, out: list[Event]) -> int:
        end = self._scanner.scan(src, pos)
        if end is None:
            return pos
        self._scanner.reset()
        line_end = src.find(b"\r\n", pos)
        match = STATUS_LINE.fullmatch(src, pos, line_end)
        if match is None:
            raise ProtocolError(_STATUS, "malformed status line")
        version = (match.group(1)[0] - 0x30, match.group(2)[0] - 0x30)
        if version not in ((1, 0), (1, 1)):
            raise ProtocolError(_STATUS, "unsupported HTTP version in response")
        status = parse_decimal(match.group(3)) or 0
        if status < 100 or (status == 101 and not self._upgrade):
            raise ProtocolError(_STATUS, f"unexpected response status {status}")
        headers = parse_fields(bytes(src[line_end + 2 : end - 2]), _STATUS)
        head = response_head(status, match.group(4) or b"", version, headers, self._method)
        self._heads += 1
        out.append(head)
        if status == 101:
            self._state = _DONE  # the protocol switched: nothing after this head is HTTP
        elif not head.informational:
            self._begin_body(head, out)
        return end

    def _begin_body(self, head: ResponseHead, out: list[Event]) -> None:
        if head.body_kind == "chunked":
            self._body = ChunkedBody(self._limits, status=_STATUS, max_total=None)
        elif head.body_kind == "length" and head.content_length:
            self._body = LengthBody(head.content_length)
        elif head.body_kind == "eof":
            self._body = EofBody()
        else:
            out.append(EndOfMessage())
            self._state = _DONE
            return
        self._state = _BODY
