"""One exception hierarchy for headroom.

Protocol errors carry the HTTP status the peer should see and whether the connection must be
closed afterwards. Optimisation errors never reach a client: the orchestrator catches them and
forwards the original bytes (fail open).
"""

from __future__ import annotations


class HeadroomError(Exception):
    """Base class of every error headroom raises on purpose."""


class ConfigError(HeadroomError):
    """Bad configuration: unknown key, bad value. The CLI exits with status 2."""


class ProtocolError(HeadroomError):
    """A framing or syntax error on an HTTP/1.1 stream (fail closed).

    ``status`` is the response the peer gets when we are the server (400, 411, 413, 414, 431, 501,
    505, ...); on the upstream side the transport maps any ProtocolError to 502.
    """

    def __init__(self, status: int, reason: str, *, close: bool = True) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason
        self.close = close


class IncompleteMessageError(ProtocolError):
    """The peer closed the connection in the middle of a message."""

    def __init__(self, reason: str = "connection closed mid-message") -> None:
        super().__init__(400, reason, close=True)


class UpstreamError(HeadroomError):
    """A fault talking to the upstream, mapped to a provider-shaped error response."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message


class OptimisationError(HeadroomError):
    """Anything that goes wrong while planning or applying compression (fail open)."""


class StoreError(OptimisationError):
    """The CCR/ledger store failed; the block it concerned is not edited (I7)."""
