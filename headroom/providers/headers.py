"""Header policy between client and upstream. Pure: header lists in, header lists out.

Request: every header is forwarded verbatim, in order and original case, except hop-by-hop ones,
those a ``Connection`` header nominates, ``Expect`` (answered locally), Codex's client-only
``X-OpenAI-Internal-Codex-Responses-Lite`` and ``x-headroom-*`` (read for local control, then
stripped unless configured otherwise). A relayed WebSocket handshake is the one exception to the
hop-by-hop rule: its ``Upgrade`` header and the ``upgrade`` option of ``Connection`` travel.
``Host`` is rewritten in place for the upstream and ``Content-Length`` is rewritten in place when
the body was edited. Nothing else is ever added upstream: only ``Host``, first, when an HTTP/1.0
client sent none (the upstream request is always HTTP/1.1, which requires it). The optimiser may ask
for explicit edits (``edits``: e.g. an edited body decoded from gzip and forwarded as identity loses
its ``Content-Encoding``).

Response: status, headers and body are relayed verbatim minus hop-by-hop and framing headers
(the proxy frames the body for its own client connection); the upstream request id is copied to
``headroom-upstream-request-id``. Everything else travels untouched, Codex's ``x-codex-*`` rate
and plan headers included. A ``101 Switching Protocols`` head keeps ``Connection`` and ``Upgrade``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from headroom.wire.events import Headers
from headroom.wire.grammar import list_elements

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# never forwarded, whatever the settings; the Codex one is a client-side switch no upstream accepts
_REQUEST_LOCAL = frozenset({b"expect", b"x-headroom-proxy-token", b"x-openai-internal-codex-responses-lite"})
# the parser refuses these as Connection options; never drop them on that account (defence in depth)
_NEVER_NOMINATED = frozenset({b"content-length", b"transfer-encoding", b"host"})
INTERNAL_PREFIX = b"x-headroom-"
UPSTREAM_ID_HEADER = b"headroom-upstream-request-id"
_UPGRADE_KEPT = frozenset({b"connection", b"upgrade"})


def connection_nominated(headers: Iterable[tuple[bytes, bytes]]) -> frozenset[bytes]:
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip(b" \t").lower() for t in value.split(b","))
    tokens.discard(b"")
    return frozenset(tokens)


def internal_headers(headers: Headers) -> dict[bytes, bytes]:
    """The client's x-headroom-* headers (lowercased names; first value wins)."""
    out: dict[bytes, bytes] = {}
    for name, value in headers:
        lname = name.lower()
        if lname.startswith(INTERNAL_PREFIX) and lname not in out:
            out[lname] = value
    return out


def forward_request_headers(
    headers: Headers,
    *,
    host: bytes,
    content_length: int | None,
    strip_internal: bool = True,
    edits: Mapping[bytes, bytes | None] | None = None,
    upgrade: bool = False,
) -> list[tuple[bytes, bytes]]:
    """Headers to send upstream.

    ``content_length``: the length of the body as forwarded, written into the client's own
    Content-Length header; when the client sent a chunked body, the forwarded body is chunked
    again and ``Transfer-Encoding: chunked`` keeps its place.
    ``edits``: lowercased name -> value or None. None removes every line of that header; a value
    replaces the first line's value in place (name case kept, later lines removed) or is appended
    when the client sent none. Framing headers and Host cannot be edited (ValueError).
    ``upgrade``: the request is a WebSocket handshake being relayed: ``Upgrade`` travels verbatim and
    each ``Connection`` line naming ``upgrade`` travels with that option alone (as the client spelled it).
    """
    edits = edits or {}
    if not _NEVER_NOMINATED.isdisjoint(edits):
        raise ValueError(f"framing headers cannot be edited: {sorted(_NEVER_NOMINATED & set(edits))}")
    nominated = connection_nominated(headers) - _NEVER_NOMINATED
    if upgrade:
        nominated -= {b"upgrade"}
    out: list[tuple[bytes, bytes]] = []
    edited: set[bytes] = set()
    for name, value in headers:
        lname = name.lower()
        if lname in edits:
            new = edits[lname]
            if new is not None and lname not in edited:
                out.append((name, new))
            edited.add(lname)
            continue
        if upgrade and lname in (b"connection", b"upgrade"):
            kept = value if lname == b"upgrade" else _upgrade_option(value)
            if kept:
                out.append((name, kept))
            continue
        if lname == b"transfer-encoding" and content_length is None:
            out.append((name, value))
            continue
        if lname in HOP_BY_HOP or lname in _REQUEST_LOCAL or lname in nominated:
            continue
        if strip_internal and lname.startswith(INTERNAL_PREFIX):
            continue
        if lname == b"host":
            out.append((name, host))
        elif lname == b"content-length" and content_length is not None and value.lstrip(b"0") != (
            str(content_length).encode("ascii").lstrip(b"0")
        ):
            out.append((name, str(content_length).encode("ascii")))  # the body was edited
        else:
            out.append((name, value))
    out.extend((lname, value) for lname, value in edits.items() if value is not None and lname not in edited)
    if not any(name.lower() == b"host" for name, _ in out):
        out.insert(0, (b"Host", host))
    return out


def _upgrade_option(connection: bytes) -> bytes:
    """The ``upgrade`` option(s) of one Connection header value, as sent; b"" if it has none."""
    options = [t.strip(b" \t") for t in connection.split(b",")]
    return b", ".join(t for t in options if t.lower() == b"upgrade")


def relay_response_headers(headers: Headers, *, framing: str, upgrade: bool = False) -> list[tuple[bytes, bytes]]:
    """Response headers for the client, in upstream order and case.

    ``framing`` is how the proxy frames the body towards its client: ``"length"`` keeps the
    upstream Content-Length in place (one header with one value, even when the upstream repeated
    it); ``"chunked"`` keeps (or, for a re-framed close-delimited body, appends)
    ``Transfer-Encoding: chunked``; ``"none"``/``"eof"`` drop both. Hop-by-hop and
    Connection-nominated headers are dropped; the upstream request id is copied. ``upgrade``: the
    head is a ``101`` switching to WebSocket: ``Connection`` and ``Upgrade`` are kept verbatim.
    """
    nominated = connection_nominated(headers)
    kept = _UPGRADE_KEPT if upgrade else frozenset()
    out: list[tuple[bytes, bytes]] = []
    request_id: bytes | None = None
    has_te = has_cl = False
    for name, value in headers:
        lname = name.lower()
        if lname == b"transfer-encoding" and framing == "chunked" and not has_te:
            out.append((name, b"chunked"))
            has_te = True
            continue
        if lname == b"content-length":
            # the parser accepted identical repeats (``5, 5`` or two lines); the client gets one value
            if framing == "length" and not has_cl:
                out.append((name, (list_elements(value) or [value])[0]))
                has_cl = True
            continue
        if (lname in HOP_BY_HOP or lname in nominated or lname == UPSTREAM_ID_HEADER) and lname not in kept:
            continue
        if lname in (b"request-id", b"x-request-id") and request_id is None:
            request_id = value
        out.append((name, value))
    if framing == "chunked" and not has_te:
        out.append((b"Transfer-Encoding", b"chunked"))
    if request_id is not None:
        out.append((UPSTREAM_ID_HEADER, request_id))
    return out
