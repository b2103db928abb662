"""Sans-IO HTTP/1.1 request parsing for the fake provider (deliberately independent of headroom.wire).

Strict where strictness is cheap (the proxy under test must never send anything odd to a provider, so a
malformed request is answered with a loud 400 rather than guessed at): CRLF line endings only, token
header names with no space before the colon, no obs-fold, numbers parsed only through full-match guards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEAD = 1 << 20
MAX_CHUNK_LINE = 4096
_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([\x21-\x7e]+) (HTTP/1\.[01])")
_HEADER_LINE = re.compile(rb"(" + _TOKEN + rb"):[ \t]*([\t\x20-\x7e\x80-\xff]*?)[ \t]*")
_DECIMAL = re.compile(rb"[0-9]{1,19}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_CHUNK_EXT = re.compile(rb"(;[\t\x20-\x7e\x80-\xff]*)?")


class RequestError(Exception):
    """The request cannot be parsed; answer ``status`` and close the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class RecordedRequest:
    """One request exactly as the fake provider received it."""

    conn_id: int
    method: bytes
    target: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]
    raw_head: bytes
    body: bytes
    chunked: bool

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (ASCII case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def path(self) -> bytes:
        """The target without its query string."""
        return self.target.split(b"?", 1)[0]

    @property
    def query(self) -> bytes:
        """The query string (without ``?``), or b""."""
        parts = self.target.split(b"?", 1)
        return parts[1] if len(parts) == 2 else b""


@dataclass
class Head:
    method: bytes
    target: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]


def parse_head(raw: bytes) -> Head:
    """Parse a request head ending in CRLF CRLF; raise RequestError on anything malformed."""
    if not raw.endswith(b"\r\n\r\n"):
        raise RequestError(400, "head does not end with CRLF CRLF")
    lines = raw[:-4].split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(lines[0])
    if match is None:
        if lines[0].split(b" ")[-1].startswith(b"HTTP/") and b"HTTP/1." not in lines[0]:
            raise RequestError(505, "unsupported HTTP version")
        raise RequestError(400, "malformed request line")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            raise RequestError(400, "obs-fold or whitespace-led header line")
        header = _HEADER_LINE.fullmatch(line)
        if header is None:
            raise RequestError(400, "malformed header line")
        headers.append((header.group(1), header.group(2)))
    return Head(match.group(1), match.group(2), match.group(3), headers)


def parse_decimal(value: bytes) -> int:
    if _DECIMAL.fullmatch(value) is None:
        raise RequestError(400, "Content-Length is not plain decimal")
    return int(value)


def body_framing(head: Head) -> tuple[str, int]:
    """("none", 0), ("length", n) or ("chunked", 0) for this request; RequestError on ambiguity."""
    lengths = [v for k, v in head.headers if k.lower() == b"content-length"]
    codings = [v for k, v in head.headers if k.lower() == b"transfer-encoding"]
    if lengths and codings:
        raise RequestError(400, "both Content-Length and Transfer-Encoding")
    if len(codings) > 1 or len(lengths) > 1:
        raise RequestError(400, "repeated framing header")
    if codings:
        if head.version != b"HTTP/1.1":
            raise RequestError(400, "Transfer-Encoding on HTTP/1.0")
        if codings[0].lower() != b"chunked":
            raise RequestError(501, "Transfer-Encoding other than chunked")
        return "chunked", 0
    if lengths:
        return "length", parse_decimal(lengths[0])
    return "none", 0


def wants_close(version: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    """True when the connection must not be reused after this exchange."""
    tokens: set[bytes] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            tokens.update(t.strip(b" \t").lower() for t in value.split(b","))
    if version == b"HTTP/1.0":
        return b"keep-alive" not in tokens
    return b"close" in tokens


class ChunkedDecoder:
    """Incremental decoder of a chunked body: feed() bytes as they arrive, then read body / done / rest."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._parts: list[bytes] = []
        self._remaining = -1  # -1: expecting a size line; >= 0: data bytes left in the current chunk
        self._in_trailers = False
        self.size = 0  # body bytes decoded so far
        self.done = False
        self.rest = b""

    @property
    def body(self) -> bytes:
        return b"".join(self._parts)

    def feed(self, data: bytes) -> None:
        if self.done:
            self.rest += data
            return
        self._buf += data
        while not self.done and self._step():
            pass

    def _line(self) -> bytes | None:
        end = self._buf.find(b"\r\n")
        if end < 0:
            if len(self._buf) > MAX_CHUNK_LINE:
                raise RequestError(400, "chunk size or trailer line too long")
            if b"\n" in self._buf:
                raise RequestError(400, "bare LF in chunked framing")
            return None
        line = bytes(self._buf[:end])
        if b"\n" in line or b"\r" in line:
            raise RequestError(400, "bare CR or LF in chunked framing")
        del self._buf[: end + 2]
        return line

    def _step(self) -> bool:
        if self._in_trailers:
            return self._trailer_step()
        if self._remaining < 0:
            line = self._line()
            if line is None:
                return False
            size, _, ext = line.partition(b";")
            if _HEX.fullmatch(size) is None or _CHUNK_EXT.fullmatch(b";" + ext if ext else b"") is None:
                raise RequestError(400, "bad chunk size line")
            self._remaining = int(size, 16)
            if self._remaining == 0:
                self._in_trailers = True
            return True
        if len(self._buf) < self._remaining + 2:
            return False
        if self._buf[self._remaining : self._remaining + 2] != b"\r\n":
            raise RequestError(400, "chunk data not followed by CRLF")
        self._parts.append(bytes(self._buf[: self._remaining]))
        self.size += self._remaining
        del self._buf[: self._remaining + 2]
        self._remaining = -1
        return True

    def _trailer_step(self) -> bool:
        line = self._line()
        if line is None:
            return False
        if line == b"":
            self.done = True
            self.rest = bytes(self._buf)
            self._buf.clear()
        elif _HEADER_LINE.fullmatch(line) is None:
            raise RequestError(400, "malformed trailer")
        return True
