"""Compiled bytes regexes and field-section helpers shared by the HTTP/1.1 parsers.

Everything here works on bytes: nothing is decoded, numbers go through ``headroom.wire.numbers``,
only ``b" \\t"`` is ever stripped and only ASCII case folding (``bytes.lower``) is used.
"""

from __future__ import annotations

import re

from headroom.errors import ProtocolError
from headroom.wire.events import Headers

TCHAR = rb"!#$%&'*+\-.^_`|~0-9A-Za-z"
VALUE_CHAR = rb"\t\x20-\x7e\x80-\xff"  # field-vchar, SP and HTAB; obs-text passes through opaque

TOKEN = re.compile(rb"[" + TCHAR + rb"]+")
TOKEN_PREFIX = re.compile(rb"[" + TCHAR + rb"]*")
TARGET_PREFIX = re.compile(rb"[\x21-\x7e]*")
VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
VERSION_PREFIX = re.compile(rb"(?:H(?:T(?:T(?:P(?:/(?:[0-9](?:\.[0-9]?)?)?)?)?)?)?)?")
STATUS_LINE = re.compile(rb"HTTP/([0-9])\.([0-9]) ([0-9]{3})(?: ([" + VALUE_CHAR + rb"]*))?")
CRLFS = re.compile(rb"(?:\r\n)*")

# a whole field section (each line with its CRLF, without the final empty line) in one C call
_FIELD_SECTION = re.compile(rb"(?:[" + TCHAR + rb"]+:[" + VALUE_CHAR + rb"]*\r\n)*")
_FIELD_LINE = re.compile(rb"([^:]+):([^\r]*)\r\n")
_FIELD_VALUE = re.compile(rb"[" + VALUE_CHAR + rb"]*")

# RFC 9112 chunk line: chunk-size [ chunk-ext ] (BWS only around ";" and "=" of extensions)
_QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"'
_EXT_VALUE = rb"(?:[" + TCHAR + rb"]+|" + _QUOTED + rb")"
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)((?:[ \t]*;[ \t]*[" + TCHAR + rb"]+(?:[ \t]*=[ \t]*" + _EXT_VALUE + rb")?)*)")

# Host: reg-name (DNS-style characters only), IPv4, or [IPv6], with an optional port
HOST = re.compile(rb"(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?")

# names that, once "_" is read as "-", would name a framing or hop-by-hop header
GUARDED_NAMES = frozenset(
    {
        b"content-length",
        b"transfer-encoding",
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"upgrade",
        b"expect",
        b"trailer",
    }
)


def parse_fields(section: bytes, status: int) -> Headers:
    """Split a field section (``name: value CRLF`` lines) into (name, stripped value) pairs.

    Raises ProtocolError(status) on any syntax error, with a reason naming the first bad line.
    """
    if _FIELD_SECTION.fullmatch(section) is None:
        raise ProtocolError(status, _diagnose(section))
    return tuple([(name, value.strip(b" \t")) for name, value in _FIELD_LINE.findall(section)])


def _diagnose(section: bytes) -> str:
    """The reason the first invalid line of ``section`` is invalid (error path only)."""
    for line in section.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):
            return "obs-fold or whitespace-led header line"
        name, colon, value = line.partition(b":")
        if not colon:
            return "header line without a colon"
        if not name:
            return "empty header name"
        if name[-1:] in (b" ", b"\t"):
            return "whitespace between header name and colon"
        if TOKEN.fullmatch(name) is None:
            return "invalid character in header name"
        if _FIELD_VALUE.fullmatch(value) is None:
            return "control character in header value"
    return "malformed header section"


def skip_empty_lines(buf: bytes | bytearray) -> int:
    """Length of the run of CRLFs at the start of ``buf`` (empty lines before a request line)."""
    match = CRLFS.match(buf)
    return 0 if match is None else match.end()


def check_guarded_name(lname: bytes, status: int) -> None:
    """Reject names such as ``Content_Length`` that some servers would read as framing headers."""
    if b"_" in lname and lname.replace(b"_", b"-") in GUARDED_NAMES:
        raise ProtocolError(status, "header name normalises to a framing header")


def list_elements(value: bytes) -> list[bytes]:
    """The non-empty, ``b" \\t"``-stripped elements of a comma-separated field value."""
    return [e for e in (part.strip(b" \t") for part in value.split(b",")) if e]
