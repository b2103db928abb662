"""Hypothesis strategies for HTTP/1.1 messages (valid by construction)."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

TCHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RESERVED = {
    b"content-length",
    b"transfer-encoding",
    b"host",
    b"connection",
    b"expect",
    b"keep-alive",
    b"proxy-connection",
    b"upgrade",
    b"trailer",
}
_VALUE_BYTES = [b for b in range(256) if b == 9 or 0x20 <= b <= 0x7E or b >= 0x80]
_EDGE = [b for b in _VALUE_BYTES if b not in (9, 0x20)]

methods = st.sampled_from([b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS", b"X-CUSTOM"])
targets = st.lists(st.sampled_from(list(b"abcXYZ019/?=&%-._~:@!$'()*+,;")), max_size=30).map(lambda t: b"/" + bytes(t))
field_names = (
    st.lists(st.sampled_from(list(TCHARS)), min_size=1, max_size=16)
    .map(bytes)
    .filter(lambda n: n.lower().replace(b"_", b"-") not in RESERVED)
)


@st.composite
def _values(draw: st.DrawFn) -> bytes:
    """A field value as the parser returns it: no leading or trailing SP/HTAB."""
    inner = draw(st.lists(st.sampled_from(_VALUE_BYTES), max_size=24))
    if not inner:
        return b""
    return bytes([draw(st.sampled_from(_EDGE)), *inner, draw(st.sampled_from(_EDGE))])


field_values = _values()


_EXTENSIONS = [b"", b";a", b";a=b", b' ; q = "x\\"y"', b";n=1;m"]


@st.composite
def chunked_framing(draw: st.DrawFn, body: bytes) -> tuple[bytes, tuple[tuple[bytes, bytes], ...]]:
    """``body`` split into chunks (random sizes, extensions, hex case, leading zeros) + trailers."""
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(body) - 1)), max_size=5))))
    bounds = [0, *(c for c in cuts if c < len(body)), len(body)] if body else [0]
    out = b""
    for start, stop in itertools.pairwise(bounds):
        size = b"%x" % (stop - start)
        size = draw(st.sampled_from([size, size.upper(), b"00" + size]))
        out += size + draw(st.sampled_from(_EXTENSIONS)) + b"\r\n" + body[start:stop] + b"\r\n"
    trailers = tuple(draw(st.lists(st.tuples(field_names, field_values), max_size=3)))
    out += b"0" + draw(st.sampled_from(_EXTENSIONS)) + b"\r\n"
    out += b"".join(n + b": " + v + b"\r\n" for n, v in trailers) + b"\r\n"
    return out, trailers
