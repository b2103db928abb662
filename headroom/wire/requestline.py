"""The request line: ``method SP request-target SP HTTP-version``, checked as it arrives.

The prefix seen so far must be able to start a valid request line, so a TLS ClientHello or binary
garbage is refused from the first read and an over-long target from the moment it passes the
limit, without waiting for a CRLF that may never come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from headroom.errors import ProtocolError
from headroom.wire.grammar import TARGET_PREFIX, TOKEN_PREFIX, VERSION, VERSION_PREFIX
from headroom.wire.limits import Limits

_SP = 0x20


@dataclass(frozen=True, slots=True)
class RequestLine:
    method: bytes
    target: bytes
    version: tuple[int, int]
    length: int  # bytes of the line including its CRLF


def check_request_line(buf: bytes | bytearray, start: int, limits: Limits) -> RequestLine | None:
    """Validate the (possibly partial) request line at ``start``; the line once it is complete.

    The caller guarantees the buffer holds no bare CR/LF before the first CR (the section scanner
    checks that), so the first CR found ends the line.
    """
    cr = buf.find(b"\r", start)
    stop = cr if cr >= 0 else len(buf)
    method_end = _prefix_end(TOKEN_PREFIX, buf, start, stop)
    if method_end - start > limits.max_method_bytes:
        raise ProtocolError(501, "request method longer than any implemented")
    if method_end == stop:
        if cr < 0 or (cr == start and len(buf) == start + 1):
            return None  # still inside the method (or a lone CR that may start a CRLF)
        raise ProtocolError(400, "malformed request line")
    if method_end == start or buf[method_end] != _SP:
        raise ProtocolError(400, "request line does not start with a method token and one space")
    target_start = method_end + 1
    target_end = _prefix_end(TARGET_PREFIX, buf, target_start, stop)
    if target_end - target_start > limits.max_target_bytes:
        raise ProtocolError(414, f"request target longer than {limits.max_target_bytes} bytes")
    if target_end == stop:
        if cr >= 0:
            raise ProtocolError(400, "request line without an HTTP version")
        return None
    if target_end == target_start or buf[target_end] != _SP:
        raise ProtocolError(400, "malformed request target or separator")
    if cr < 0:
        if VERSION_PREFIX.fullmatch(buf, target_end + 1, stop) is None:
            raise ProtocolError(400, "malformed HTTP version")
        return None
    return _complete(bytes(buf[start:cr]), method_end - start, target_end - start, cr + 2 - start)


def _prefix_end(pattern: re.Pattern[bytes], buf: bytes | bytearray, start: int, stop: int) -> int:
    match = pattern.match(buf, start, stop)
    return start if match is None else match.end()


def _complete(line: bytes, method_end: int, target_end: int, length: int) -> RequestLine:
    match = VERSION.fullmatch(line, target_end + 1)
    if match is None:
        raise ProtocolError(400, "malformed HTTP version")
    major, minor = line[match.start(1)] - 0x30, line[match.start(2)] - 0x30
    if major != 1 or minor > 1:
        raise ProtocolError(505, f"HTTP version {major}.{minor} not supported")
    return RequestLine(line[:method_end], line[method_end + 1 : target_end], (major, minor), length)
