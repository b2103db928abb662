"""Live-zone compression of one request: policy → scan → ledger → plan → store → splice.

Fail open: any error here forwards the original bytes (I8). Originals and ledger rows are
committed before the edited body leaves (I7); when the store fails, only ledger replays (which
need no write) are applied and new compressions are dropped.

A body with a Content-Encoding (``headroom.wire.coding``) is decoded under ``request_decode_limit``
before all this and, only when edited, encoded again (or forwarded as identity without the header);
an unedited, undecodable, over-cap or unsupported body is forwarded exactly as the client sent it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from headroom import tokens
from headroom.config import Settings
from headroom.errors import StoreError
from headroom.jsonspan import splice
from headroom.livezone.plan import Block, Decision, Plan, Replay, build_plan, content_hashes
from headroom.livezone.policy import classify_auth, parse_modes
from headroom.livezone.session import session_scopes
from headroom.livezone.settings import plan_settings
from headroom.providers.adapters import adapter_for, query_credential
from headroom.providers.registry import Route
from headroom.store.models import LedgerKey, LedgerRow, PlanWrite
from headroom.store.sqlite import SQLiteStore
from headroom.wire.coding import Coding, CodingError, Decoded, decodable, decode, encode, request_coding
from headroom.wire.events import Headers

PLAN_IN_THREAD_BYTES = 16 * 1024  # live outputs to compress above this: plan off the event loop
PARSE_INLINE_BYTES = 512 * 1024  # scanning costs ~3 ms/MB: below this a thread hop costs more
SYNC_LOOKUP_KEYS = 256  # small ledger lookups run inline (a thread hop costs more than the query)
PREFETCH_BYTES = 16 * 1024  # count tokens of live outputs at least this big while they compress
ENCODE_INLINE_BYTES = 128 * 1024  # re-encoding costs ~10 ms/MB: above this, off the event loop


class _PrefetchingCounter:
    """tokens.count, with the counts of big live originals started now on another thread: the
    tokenizer releases the GIL, so counting overlaps with detection and compression."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.pending: dict[str, Future[int]] = {}
        for text in texts:
            if len(text) >= PREFETCH_BYTES and text not in self.pending:
                self.pending[text] = tokens.submit_count(text)

    def __call__(self, text: str) -> int:
        fut = self.pending.get(text)
        return fut.result() if fut is not None else tokens.count(text)

    def cancel(self) -> None:
        """Drop counts nobody asked for (the gate's bound decided without them)."""
        for fut in self.pending.values():
            fut.cancel()


@dataclass(slots=True)
class Outcome:
    body: bytes
    decision: str  # passthrough | no_change | compressed
    reason: str = ""
    fields: dict[str, object] = field(default_factory=dict)
    tokens_before: int = 0
    tokens_after: int = 0
    compressed: int = 0
    replayed: int = 0
    # request header changes for the forwarder: lowercased name -> new value, or None to remove it
    header_edits: dict[bytes, bytes | None] = field(default_factory=dict)

    def client_headers(self) -> list[tuple[bytes, bytes]]:
        if self.decision == "passthrough":
            return []
        return [
            (b"x-headroom-tokens-before", str(self.tokens_before).encode()),
            (b"x-headroom-tokens-after", str(self.tokens_after).encode()),
            (b"x-headroom-blocks-compressed", str(self.compressed).encode()),
            (b"x-headroom-blocks-replayed", str(self.replayed).encode()),
        ]


class Optimizer:
    def __init__(self, settings: Settings, store: SQLiteStore | None, secret: bytes) -> None:
        self.settings = settings
        # requests that may hold a big decoded body at once: ~2x request_decode_limit each, within
        # the in-flight body budget
        slots = settings.max_inflight_body_bytes // (2 * settings.request_decode_limit)
        self.big_decodes = asyncio.Semaphore(max(1, slots))
        self.store = store
        self.secret = secret
        self.plan_settings = plan_settings(settings)
        self.auth_modes = parse_modes(settings.compress_auth_modes)

    def bind_port(self, port: int) -> None:
        """The port actually listened on (``--port 0`` picks one): retrieval footers must name it."""
        if port != self.settings.port:
            self.settings = replace(self.settings, port=port)
            self.plan_settings = plan_settings(self.settings)

    def eligibility(self, route: Route, headers: Headers, internal: dict[bytes, bytes]) -> str:
        """Empty when the request may be compressed, else the passthrough reason."""
        if self.settings.compression_mode == "off":
            return "mode_off"
        if adapter_for(route.api) is None:
            return "route"
        if internal.get(b"x-headroom-bypass", b"").strip(b" \t") in (b"1", b"true", b"yes"):
            return "bypass_header"
        coding = request_coding(headers)
        if coding != "identity" and not decodable(coding):
            return "content_encoding_unsupported"
        mode = classify_auth(headers)
        if mode not in self.auth_modes:
            return f"auth_{mode}"
        if self.store is None:
            return "store_unavailable"
        return ""

    async def run(self, route: Route, headers: Headers, body: bytes, internal: dict[bytes, bytes]) -> Outcome:
        reason = self.eligibility(route, headers, internal)
        if reason:
            return Outcome(body, "passthrough", reason)
        started = time.perf_counter()
        try:
            coding = request_coding(headers)
            if coding == "identity":
                outcome = await self._optimise(route, headers, body)
            else:
                outcome = await self._optimise_encoded(route, headers, body, coding)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # fail open on any optimisation error (I8)
            outcome = Outcome(body, "passthrough", f"error:{type(exc).__name__}", {"error": str(exc)[:200]})
        outcome.fields["optimise_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return outcome

    async def _optimise_encoded(self, route: Route, headers: Headers, body: bytes, coding: Coding) -> Outcome:
        """A body with a Content-Encoding: decoded (capped), optimised, and forwarded as the client
        sent it unless edited; an edited body is encoded again with the client's coding, or sent
        as identity without the Content-Encoding header (``edited_encoding``).

        Small bodies that decode small are handled on the event loop (about a millisecond). Any
        other is decoded in a thread under ``big_decodes``: at most that many requests hold a
        decoded body (up to ``request_decode_limit``, briefly twice that) at once, so a flood of
        tiny bombs cannot pin more than the in-flight body budget."""
        limit = self.settings.request_decode_limit
        inline = min(limit, PARSE_INLINE_BYTES)
        if len(body) <= PARSE_INLINE_BYTES:
            try:
                return await self._encoded(route, headers, body, coding, decode(coding, body, inline))
            except CodingError as exc:
                if exc.reason != "too_large" or inline == limit:
                    return _coding_passthrough(body, coding, exc)
        async with self.big_decodes:
            try:
                decoded = await asyncio.to_thread(decode, coding, body, limit)
            except CodingError as exc:
                return _coding_passthrough(body, coding, exc)
            return await self._encoded(route, headers, body, coding, decoded)

    async def _encoded(self, route: Route, headers: Headers, body: bytes, coding: Coding,
                       decoded: Decoded) -> Outcome:
        outcome = await self._optimise(route, headers, decoded.body)
        if outcome.decision != "compressed":
            outcome.body = body  # never re-encoded: the client's bytes, byte-identical
        elif self.settings.edited_encoding == "identity":
            outcome.header_edits[b"content-encoding"] = None
        elif len(outcome.body) > ENCODE_INLINE_BYTES:
            outcome.body = await asyncio.to_thread(encode, decoded.form, outcome.body)
        else:
            outcome.body = encode(decoded.form, outcome.body)
        outcome.fields.update(content_encoding=coding, wire_bytes=[len(body), len(outcome.body)])
        return outcome

    async def _optimise(self, route: Route, headers: Headers, body: bytes) -> Outcome:
        adapter = adapter_for(route.api)
        assert route.provider is not None and adapter is not None
        view = await asyncio.to_thread(adapter, body) if len(body) > PARSE_INLINE_BYTES else adapter(body)
        blocks = [Block(o.label, o.span, o.text, o.tool, o.tool_input, o.live) for o in view.outputs]
        base = dict(view.fields)
        if not blocks:
            return Outcome(body, "no_change", "no_tool_outputs", base)
        scopes = session_scopes(route.provider, headers, explicit=view.session_id,
                                first_user_text=view.first_user_text, secret=self.secret,
                                credential=query_credential(route.target))
        base["session"] = scopes[-1][:12]  # opaque: groups the requests whose replays agree (one conversation)
        hashes = content_hashes(blocks)
        ledger = await self._ledger(scopes, hashes)
        fresh = [b.text for b, h in zip(blocks, hashes, strict=True)
                 if b.live and h not in ledger and self.plan_settings.policy.allows(b.tool)]
        if fresh and not tokens.is_loaded():
            await asyncio.to_thread(tokens.encoding)  # the first load takes ~0.2 s: never on the loop
        if sum(map(len, fresh)) > PLAN_IN_THREAD_BYTES:
            counter = _PrefetchingCounter(fresh)
            try:
                plan = await asyncio.to_thread(build_plan, blocks, ledger, self.plan_settings, counter, hashes)
            finally:
                counter.cancel()
        else:
            plan = build_plan(blocks, ledger, self.plan_settings, tokens.count, hashes)
        plan = await self._persist(scopes, plan)
        return self._outcome(body, plan, base)

    async def _ledger(self, scopes: Sequence[str], hashes: Sequence[str]) -> dict[str, Replay]:
        """What the upstream already saw for these blocks in this conversation, whatever settings were
        in force then (a settings change must not rewrite what the provider has cached, I3); the
        first scope that knows a block wins."""
        found: dict[str, LedgerRow] = {}
        for scope in scopes:
            wanted = [h for h in hashes if h not in found]
            if not wanted:
                break
            rows = await self._lookup(scope, wanted)
            found.update((h, row) for h, row in rows.items() if h not in found)
        return {h: Replay(r.replacement, r.tokens_before, r.tokens_after) for h, r in found.items()}

    async def _lookup(self, scope: str, hashes: Sequence[str]) -> dict[str, LedgerRow]:
        assert self.store is not None
        if len(hashes) <= SYNC_LOOKUP_KEYS:
            return self.store.ledger_replays(scope, hashes)
        return await asyncio.to_thread(self.store.ledger_replays, scope, hashes)

    async def _persist(self, scopes: Sequence[str], plan: Plan) -> Plan:
        """Commit new originals + ledger rows (in every scope) before forwarding; on failure keep
        only replays."""
        if not plan.entries:
            return plan
        assert self.store is not None
        now = time.time()
        fp = self.plan_settings.fingerprint
        write = PlanWrite(
            ccr=[(e.ccr_key, e.original, dict(e.meta, session=scopes[0])) for e in plan.entries if e.ccr_key],
            ledger=[LedgerRow(LedgerKey(scope, e.content_hash, fp), e.replacement, e.ccr_key, now,
                              e.tokens_before, e.tokens_after) for scope in scopes for e in plan.entries],
        )
        try:
            await asyncio.to_thread(self.store.commit, write)
            # first write wins: a concurrent request of this conversation may have stored its own
            # bytes for the same block first; forward exactly what the ledger will replay
            winners = await self._ledger(scopes, [e.content_hash for e in plan.entries])
        except StoreError:
            new = {e.span for e in plan.entries}
            edits = tuple(ed for ed in plan.edits if ed[0] not in new)
            decisions = tuple(replace(d, action="store_error", bytes_after=d.bytes_before,
                                      tokens_after=d.tokens_before) if d.action == "compressed" else d
                              for d in plan.decisions)
            return Plan(edits, decisions, ())
        won = {e.span: winners[e.content_hash].replacement for e in plan.entries if e.content_hash in winners}
        if all(won.get(e.span) == e.replacement for e in plan.entries):
            return plan
        return replace(plan, edits=tuple((span, won.get(span, data)) for span, data in plan.edits))

    def _outcome(self, body: bytes, plan: Plan, base: dict[str, object]) -> Outcome:
        edited = splice(body, sorted(plan.edits)) if plan.edits else body
        counted = [d for d in plan.decisions if d.action in ("compressed", "replayed")]
        out = Outcome(
            edited,
            "compressed" if plan.edits else "no_change",
            "" if plan.edits else "nothing_smaller",
            base,
            tokens_before=sum(d.tokens_before for d in counted),
            tokens_after=sum(d.tokens_after for d in counted),
            compressed=sum(d.action == "compressed" for d in plan.decisions),
            replayed=sum(d.action == "replayed" for d in plan.decisions),
        )
        out.fields.update(
            live_blocks=sum(d.action not in ("excluded_hot_zone", "replayed") for d in plan.decisions),
            bytes_before=len(body), bytes_after=len(edited),
            strategies=sorted({d.strategy for d in plan.decisions if d.strategy and d.action == "compressed"}),
            # live blocks only: replays are counted above, so a line does not grow with the session
            blocks=[_brief(d) for d in plan.decisions if d.action not in ("excluded_hot_zone", "replayed")],
        )
        return out


def _coding_passthrough(body: bytes, coding: Coding, exc: CodingError) -> Outcome:
    return Outcome(body, "passthrough", f"content_encoding_{exc.reason}",
                   {"content_encoding": coding, "error": str(exc)[:200]})


def _brief(d: Decision) -> dict[str, object]:
    return {"at": d.label, "tool": d.tool, "kind": d.kind, "action": d.action, "bytes": [d.bytes_before, d.bytes_after],
            "tokens": [d.tokens_before, d.tokens_after], "strategy": d.strategy}
