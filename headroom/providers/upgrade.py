"""WebSocket upgrades: which requests ask for one, and what headroom does with each. Pure.

A request asks for a WebSocket when it is an HTTP/1.1 ``GET`` without a body whose ``Connection``
header lists ``upgrade`` and whose ``Upgrade`` header lists ``websocket`` (RFC 6455 section 4.1).
Every other ``Upgrade`` (``h2c``, an upgrade offered on a POST, one ``Connection`` does not name)
is ignored, as RFC 9110 section 7.8 allows: the request is answered over HTTP/1.1 and neither
``Upgrade`` nor ``Connection`` is forwarded.

What happens to a WebSocket request:

* on a Responses route (``openai.responses``: ``/v1/responses``, ``/v1/codex/responses``,
  ``/backend-api/codex/responses``, ChatGPT login or not) with ``--websocket enabled``: the
  handshake is forwarded to the route's upstream on a fresh connection; a ``101`` is relayed and
  the two sockets are then joined byte for byte until both sides close (or nothing moves for
  ``--upstream-idle-timeout``). headroom never looks inside the frames: nothing sent over a
  WebSocket is compressed, replayed or counted in usage. Any other answer is relayed as an
  ordinary response, and the client connection is closed after it;
* with ``--websocket disabled``, or on any other provider route: refused locally with
  ``426 Upgrade Required`` and a provider-shaped error body, then the connection is closed.
  426 is what makes Codex fall back to HTTP at once rather than retry the socket; the response
  carries no ``Upgrade`` header (the only protocol on offer is the one already in use);
* local endpoints (``/livez``, ``/readyz``, retrieval) answer as usual, ignoring the upgrade.
"""

from __future__ import annotations

from typing import Literal

from headroom.providers.registry import Route
from headroom.wire.events import RequestHead, header_values

REFUSE_STATUS = 426
WEBSOCKET_APIS = frozenset({"openai.responses"})
Decision = Literal["tunnel", "refuse"]


def _tokens(values: list[bytes]) -> set[bytes]:
    return {t.strip(b" \t").lower() for value in values for t in value.split(b",")}


def wants_websocket(head: RequestHead) -> bool:
    """True when ``head`` is a WebSocket opening handshake (see the module text)."""
    if head.method != b"GET" or head.version != (1, 1) or (head.content_length or 0) > 0:
        return False
    if head.body_kind == "chunked" or b"upgrade" not in head.connection_tokens:
        return False
    offered = _tokens(header_values(head.headers, b"upgrade"))
    return b"websocket" in offered


def upstream_accepted(headers: tuple[tuple[bytes, bytes], ...]) -> bool:
    """A ``101`` answer really switched to WebSocket (its Upgrade header lists ``websocket``)."""
    return b"websocket" in _tokens(header_values(headers, b"upgrade"))


def decide(route: Route, *, enabled: bool) -> tuple[Decision, str]:
    """Tunnel or refuse a WebSocket request on a provider route; the reason is the error message."""
    if route.api not in WEBSOCKET_APIS:
        return "refuse", "headroom relays WebSocket upgrades only on the Responses endpoint (/v1/responses)"
    if not enabled:
        return "refuse", "WebSocket upgrades are disabled on this headroom proxy (--websocket disabled); use HTTP"
    return "tunnel", ""
