"""The orchestrator of one request: route → (plan → store → splice) → forward → relay.

Framing problems never reach here (the server rejects them, fail closed). Anything that goes
wrong while optimising a body is caught once, here, and the original bytes are forwarded
(fail open).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from headroom.config import Settings
from headroom.config.loader import is_loopback_host
from headroom.errors import UpstreamError
from headroom.observe.log import Logger, redact_target
from headroom.optimize import Optimizer, Outcome
from headroom.providers.headers import forward_request_headers, internal_headers
from headroom.providers.registry import PROVIDERS, Origin, OriginName, Route, configured_origins, route
from headroom.providers.taps import FirstSeen, Tap, TapResult, open_tap
from headroom.providers.upgrade import REFUSE_STATUS, decide, wants_websocket
from headroom.retrieve import RetrieveEndpoints
from headroom.sticky_betas import StickyBetas
from headroom.transport.client import ClientConn, ClientGoneError, DisconnectWatch, gone_if_client_left
from headroom.transport.pool import UpstreamConn, UpstreamPool
from headroom.transport.relay import RelayResult, RelayTimeouts, ResponseTap, relay_response
from headroom.transport.tunnel import TunnelResult
from headroom.transport.websocket import WebSocketRelay
from headroom.wire.events import RequestHead, ResponseHead
from headroom.wire.serialize import LAST_CHUNK, encode_chunk, serialize_request_head


@dataclass(slots=True)
class Request:
    head: RequestHead
    route: Route
    body: bytes
    chunked: bool
    started: float = field(default_factory=time.perf_counter)


COALESCE_BYTES = 64 * 1024
FINISH_INLINE_BYTES = 512 * 1024  # JSON answers bigger than this are decoded for usage in a thread


class UsageRecorder(ResponseTap):
    """Observes the response as it streams by (a copy of each chunk; nothing is altered or held back):
    token usage incl. cache reads/writes, stop reason, errors, truncation, unknown event types."""

    __slots__ = ("api", "provider", "tap")

    def __init__(self, api: str = "passthrough", provider: str | None = None) -> None:
        self.api = api
        self.provider = provider
        self.tap: Tap | None = None

    def head(self, head: ResponseHead) -> None:
        self.tap = open_tap(self.api, self.provider, head.headers)

    def data(self, data: bytes) -> None:
        if self.tap is not None:
            self.tap.feed(data)

    @property
    def heavy(self) -> bool:
        """Finishing would decode a JSON body big enough to stall the event loop (~3 ms per MB)."""
        return self.tap is not None and self.tap.pending_json > FINISH_INLINE_BYTES

    def result(self, cut: bool = False) -> TapResult | None:
        """The tap's result; ``cut``: the relay saw the upstream body end early."""
        return self.tap.finish(cut) if self.tap is not None else None

    def fields(self, cut: bool = False) -> dict[str, object]:
        found = self.result(cut)
        return found.log_fields() if found is not None else {}


class Exchange:
    def __init__(
        self, settings: Settings, pool: UpstreamPool, logger: Logger, optimizer: Optimizer,
        retrieve: RetrieveEndpoints,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.log = logger
        self.optimizer = optimizer
        self.retrieve = retrieve
        self.origins: dict[OriginName, Origin] = configured_origins(
            {name: getattr(settings, f"{name}_upstream") for name in (*PROVIDERS, "chatgpt")}
        )
        self.timeouts = RelayTimeouts(head=settings.upstream_head_timeout, idle=settings.upstream_idle_timeout)
        self.strip_internal = settings.strip_internal_headers == "enabled"
        self.betas = StickyBetas.from_settings(settings, optimizer.store, optimizer.secret, logger)
        self.websocket = WebSocketRelay(pool, self.timeouts, strip_internal=self.strip_internal)
        self.websocket_enabled = settings.websocket == "enabled"
        self.draining = False
        self.unknown_types = FirstSeen()  # unknown stream event/item types already warned about

    def route(self, head: RequestHead) -> Route:
        return route(head.method, head.target, head.headers, self.origins)

    def authorized(self, client: ClientConn, head: RequestHead) -> bool:
        """Loopback callers always; others only with the inbound proxy token."""
        if is_loopback_host(client.peer[0]):
            return True
        return self.retrieve.token_ok(head.headers)

    async def handle(self, client: ClientConn, req: Request) -> bool:
        """Serve one request; returns whether the client connection may be kept alive."""
        keep = req.head.keep_alive and not self.draining
        if req.route.kind == "local":
            return await self._local(client, req, keep)
        assert req.route.provider is not None
        if wants_websocket(req.head):
            return await self._websocket(client, req)
        internal = internal_headers(req.head.headers)  # read before they are stripped
        outcome = await self.optimizer.run(req.route, req.head.headers, req.body, internal)
        if outcome.reason == "content_encoding_too_large":  # a decompression bomb (RELIABILITY 37)
            limit = self.settings.request_decode_limit
            self._log(req, 413, 0, outcome)
            await client.send_error(413, f"the request body decodes to more than {limit} bytes "
                                    "(request_decode_limit)", provider=req.route.provider, close=not keep)
            return keep
        tap = UsageRecorder(req.route.api, req.route.provider)
        try:
            result = await self._forward(client, req, outcome, keep, tap)
        except UpstreamError as exc:
            self._log(req, exc.status, 0, outcome, error=exc.kind)
            await client.send_error(exc.status, exc.message, provider=req.route.provider, close=not keep)
            return keep
        if tap.heavy:  # the answer was already relayed; only its accounting waits for the thread
            await asyncio.to_thread(tap.result, result.truncated)
        self._log(req, result.status, result.bytes_out, outcome, truncated=result.truncated,
                  **tap.fields(result.truncated))
        self._warn_unknown(req, tap.result())
        return result.client_keep_alive

    def _upstream_request(
        self, req: Request, body: bytes, header_edits: dict[bytes, bytes | None] | None = None,
    ) -> tuple[Origin, list[bytes]]:
        """The origin and the bytes to write: small requests as one buffer (one send), large ones
        as head + body so the body is never copied again."""
        assert req.route.upstream is not None
        origin = self.origins[req.route.upstream]
        headers = forward_request_headers(
            req.head.headers,
            host=origin.host_header,
            content_length=None if req.chunked else len(body),
            strip_internal=self.strip_internal,
            edits=header_edits,
        )
        if self.betas is not None:  # --beta-header-sticky enabled: may re-add betas this session dropped
            headers = self.betas.apply(req.route.provider, headers, body)
        target = origin.prefix.encode("ascii") + req.route.target
        head = serialize_request_head(req.head.method, target, headers)
        parts = [head, encode_chunk(body), LAST_CHUNK] if req.chunked else [head, body]
        if len(body) <= COALESCE_BYTES:
            return origin, [b"".join(parts)]
        return origin, parts

    async def _forward(
        self, client: ClientConn, req: Request, outcome: Outcome, keep: bool, tap: UsageRecorder
    ) -> RelayResult:
        origin, payload = self._upstream_request(req, outcome.body, outcome.header_edits)
        extra = outcome.client_headers()
        watch = DisconnectWatch(client)  # also covers a slow connect
        conn: UpstreamConn | None = None
        reusable = False
        try:
            conn = await self.pool.acquire(origin)
            for part in payload:
                conn.writer.write(part)
            try:
                async with asyncio.timeout(self.timeouts.idle):
                    await conn.writer.drain()
            except (OSError, TimeoutError) as exc:
                raise UpstreamError(502, "upstream_write", f"sending the request upstream failed: {exc}") from exc
            result = await relay_response(
                conn, client, method=req.head.method, client_http10=req.head.version == (1, 0),
                client_keep_alive=keep, timeouts=self.timeouts, extra_headers=lambda _head: extra,
                tap=tap,
            )
            reusable = result.upstream_reusable
            return result
        except asyncio.CancelledError:
            gone_if_client_left(client)
        finally:
            await watch.stop()
            if conn is not None and reusable:
                self.pool.release(conn, True)
            elif conn is not None:
                conn.abort()

    async def _websocket(self, client: ClientConn, req: Request) -> bool:
        """A WebSocket handshake: refused, or relayed and tunnelled (headroom.providers.upgrade).
        The client connection is never kept after it."""
        verdict, reason = decide(req.route, enabled=self.websocket_enabled)
        if self.draining:  # a tunnel opened now would only be cut at the drain deadline
            verdict, reason = "refuse", "headroom is shutting down; retry the WebSocket on another instance"
        if verdict == "refuse":
            self._log(req, REFUSE_STATUS, 0, None, decision="websocket_refused")
            await client.send_error(REFUSE_STATUS, reason, provider=req.route.provider, close=True)
            return False
        assert req.route.upstream is not None
        tunnel = TunnelResult()
        try:
            result = await self.websocket.relay(client, req.head, self.origins[req.route.upstream], req.route.target,
                                                tunnel)
        except UpstreamError as exc:
            self._log(req, exc.status, 0, None, decision="websocket", error=exc.kind)
            await client.send_error(exc.status, exc.message, provider=req.route.provider, close=True)
            return False
        except (asyncio.CancelledError, ClientGoneError):
            if tunnel.end == "cancelled":  # a drain ran out with the tunnel open: still one log line
                self._log(req, 101, tunnel.bytes_down, None, decision="websocket", bytes_up=tunnel.bytes_up,
                          tunnel_end="cancelled")
            raise
        fields: dict[str, object] = {"decision": "websocket", "truncated": result.truncated}
        if result.tunnel is not None:
            fields.update(bytes_up=result.tunnel.bytes_up, tunnel_end=result.tunnel.end)
        self._log(req, result.status, result.bytes_out, None, **fields)
        return False

    async def _local(self, client: ClientConn, req: Request, keep: bool) -> bool:
        name = req.route.local
        if name == "livez":
            await client.send_local(200, {"status": "ok"}, close=not keep)
        elif name == "readyz":
            if self.draining:
                await client.send_local(503, {"status": "draining"}, close=True)
                return False
            await client.send_local(200, {"status": "ready"}, close=not keep)
        else:
            status = await self.retrieve.handle(client, req.head, req.body, keep)
            self._log(req, status, 0, None, decision="local")
            return keep
        self._log(req, 200, 0, None, decision="local")
        return keep

    def _warn_unknown(self, req: Request, found: TapResult | None) -> None:
        """A structured warning the first time this proxy sees an unknown event/item type of an API."""
        if found is None or not found.unknown:
            return
        for kind, name in self.unknown_types.new(found.api, found.unknown):
            self.log.log("warning", "unknown_stream_type", provider=req.route.provider, api=found.api,
                         kind=kind, type=name)
        if self.unknown_types.filled():
            self.log.log("warning", "unknown_stream_type_limit", limit=self.unknown_types.limit)

    def _log(self, req: Request, status: int, bytes_out: int, outcome: Outcome | None, **fields: object) -> None:
        if not self.log.enabled("info"):
            return
        if outcome is not None:
            fields.update(decision=outcome.decision, tokens_before=outcome.tokens_before,
                          tokens_after=outcome.tokens_after, blocks_compressed=outcome.compressed,
                          blocks_replayed=outcome.replayed, **outcome.fields)
            if outcome.reason:
                fields["reason"] = outcome.reason
        self.log.log(
            "info", "request", method=req.head.method.decode("latin-1"), target=redact_target(req.head.target),
            provider=req.route.provider, api=req.route.api, status=status, bytes_in=len(req.body),
            bytes_out=bytes_out, ms=round((time.perf_counter() - req.started) * 1000, 3), **fields,
        )
