"""FakeProvider: a deterministic Anthropic/OpenAI/Gemini look-alike over real loopback sockets."""

from __future__ import annotations

import asyncio
import ssl as ssl_module
import time
from pathlib import Path

from tests.support.fake import faults
from tests.support.fake.conn import ClientGoneError, Conn, Traffic
from tests.support.fake.http1 import RecordedRequest, RequestError, wants_close
from tests.support.fake.payload import TEXT, dumps, error_payload, reason
from tests.support.fake.replay import Replayer
from tests.support.fake.response import SERVER, Pacing, Wire, send
from tests.support.fake.routes import State, provider_kind, route
from tests.support.fake.serving import LoopServer

MODE_HEADER = b"x-fake-mode"


class FakeProvider(LoopServer):
    thread_name = "fake-provider"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, ssl: ssl_module.SSLContext | None = None,
                 mode: str = "normal", chunk_size: int | None = None, chunk_delay: float = 0.0,
                 split_utf8: bool = False, replay: Path | None = None,
                 idle_close_after: float | None = None) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        super().__init__(host, port, ssl)
        self.mode = faults.parse_mode(mode)
        self.pacing = Pacing(chunk_size, chunk_delay, split_utf8)
        self.replayer = Replayer(Path(replay)) if replay is not None else None
        self.idle_close_after = idle_close_after
        self.requests: list[RecordedRequest] = []
        self.disconnects: list[tuple[int, float]] = []
        self._traffic = Traffic()
        self._state = State()

    @property
    def bytes_sent(self) -> int:
        """Response bytes handed to the sockets so far (plateaus while a client stops reading)."""
        return self._traffic.bytes_sent

    def reset(self) -> None:
        """Forget recorded traffic and restart ids, prompt cache and replay cursors."""
        self.requests.clear()
        self.disconnects.clear()
        self.errors.clear()
        self.connections = 0
        self._traffic.bytes_sent = 0
        self._state.clear()
        if self.replayer is not None:
            self.replayer.reset()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn_id: int) -> None:
        conn = Conn(reader, writer, conn_id, self._traffic)
        try:
            await self._serve(conn)
        except ClientGoneError:
            pass
        finally:
            await conn.close()

    async def _serve(self, conn: Conn) -> None:
        while await conn.wait_first_byte(self.idle_close_after):
            try:
                req = await conn.read_request()
            except RequestError as exc:
                await self._reject(conn, exc)
                return
            self.requests.append(req)
            if not await self._answer(conn, req):
                return

    async def _reject(self, conn: Conn, exc: RequestError) -> None:
        body = dumps({"error": {"message": f"fake provider: bad request: {exc.reason} ({TEXT})"}})
        headers = [SERVER, (b"Content-Type", b"application/json")]
        wire = Wire(exc.status, reason(exc.status), headers, [body], keep_alive=False)
        await send(conn, wire, Pacing())

    def _gone(self, conn: Conn) -> None:
        self.disconnects.append((conn.conn_id, time.monotonic()))

    # ---------------------------------------------------------------- one exchange

    async def _answer(self, conn: Conn, req: RecordedRequest) -> bool:
        """Answer one request; True when the connection stays open for the next one."""
        keep = not wants_close(req.version, req.headers)
        try:
            mode = self._mode_for(req)
        except ValueError as exc:
            wire = self._error(req, 400, f"fake provider: {exc}")
        else:
            if mode.name == "hang":
                await conn.until_gone()
                self._gone(conn)
                return False
            if mode.name == "reset":
                conn.reset()
                return False
            if mode.name == "slow_head" and not await conn.pause(mode.seconds):
                self._gone(conn)
                return False
            if mode.name in faults.HEAD_FAULTS:
                await conn.send(faults.bad_head(self._base(req), mode.name))
                return False
            wire = self._wire(req, mode)
        wire.head_only = req.method == b"HEAD"
        wire.keep_alive = wire.keep_alive and keep
        completed = await send(conn, wire, self.pacing)
        await conn.unwatch()
        if not completed:
            self._gone(conn)
        return completed and wire.keep_alive

    def _mode_for(self, req: RecordedRequest) -> faults.Mode:
        value = req.header(MODE_HEADER)
        if value is None:
            return self.mode
        return faults.parse_mode(value.decode("latin-1"))

    def _error(self, req: RecordedRequest, status: int, message: str) -> Wire:
        payload = error_payload(provider_kind(req), status, message, self._state.ids.next("req_"))
        return faults.payload_wire(payload)

    def _base(self, req: RecordedRequest, *, stream: bool | None = None) -> Wire:
        """The normal answer: replayed when a session is loaded, else routed."""
        if self.replayer is None:
            return faults.payload_wire(route(req, self._state), stream=stream)
        method = b"GET" if req.method == b"HEAD" else req.method
        recorded = self.replayer.next(method, req.path)
        if recorded is None:
            where = f"{req.method.decode()} {req.path.decode()}"
            return self._error(req, 404, f"fake provider replay: no recorded answer left for {where}")
        framing = "chunked" if recorded.streaming else "length"
        return Wire(recorded.status, reason(recorded.status), list(recorded.headers), recorded.segments(),
                    framing=framing)

    def _wire(self, req: RecordedRequest, mode: faults.Mode) -> Wire:
        name = mode.name
        if name == "status":
            return self._error(req, mode.number, f"fake provider: injected status {mode.number}")
        if name == "redirect":
            return faults.redirect()
        if name in ("sse_forever", "huge") or name in faults.STREAM_EDITS:
            payload = route(req, self._state)
            streaming = name != "huge"
            if payload.status != 200 or (streaming and payload.events is None):
                needed = "a streaming provider route" if streaming else "a provider route"
                return self._error(req, 400, f"fake provider: mode {name} needs {needed}")
            if name in faults.STREAM_EDITS:
                return faults.edited_stream(payload, name)
            return faults.forever(payload) if name == "sse_forever" else faults.huge(payload, mode.number)
        wire = self._base(req, stream=True if name in ("sse_slow", "close_mid_chunked") else None)
        if name == "sse_slow":
            wire.gap = mode.seconds
        elif name == "close_after":
            wire.keep_alive = False
        elif name in ("close_mid_body", "close_mid_chunked"):
            wire = faults.truncated(wire, name)
        elif name in ("http10_eof", "eof_body"):
            wire = faults.close_delimited(wire, name)
        elif name in ("interim_100", "early_hints_103"):
            wire = faults.interim(wire, name)
        return wire
