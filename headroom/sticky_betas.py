"""Session-sticky beta headers (``--beta-header-sticky``, default disabled).

When enabled, a beta token that a client session sent on an earlier request and omits now is added
back (``providers.beta.merge_beta_header``); only then is the header line rewritten. Off by default
because re-adding a beta the client dropped on purpose breaks requests: a resumed Claude Code
session drops ``context-1m``, and putting it back made the upstream refuse them.

What is a session: the client's own session header (``X-Claude-Code-Session-Id`` for Anthropic,
Codex's ``session-id`` for OpenAI) together with the request's top-level ``model``, the provider
and a keyed fingerprint of the credential. The model is part of it because one Claude Code session
sends different beta sets to different models (its Haiku side requests never carry
``context-1m``); the credential because a session id is not a secret, and one client must not be
able to add betas to another's requests. Requests without a session header or a readable model
(e.g. a content-encoded body) are never tracked and are forwarded as sent. Gemini has no beta
header.

State lives in memory, bounded (``max_sessions`` sessions, least recently used evicted; sessions
unused for ``ttl`` dropped; ``max_tokens`` tokens per session, kept in first-seen order, those the
client does not send now dropped first), and is mirrored to the store's ``beta_session`` table by one writer
thread, so the event loop never waits on SQLite; at startup the table is loaded back. Writes that
fail are logged and retried with the next change; a write queued as the process stops may be lost.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import blake3

from headroom.config import Settings
from headroom.errors import StoreError
from headroom.livezone.session import credential_fingerprint
from headroom.observe.log import Logger
from headroom.providers.beta import TRACKED, dedupe, is_token, merge_beta_header, request_model, split_tokens
from headroom.store.models import BetaRow
from headroom.store.sqlite import SQLiteStore
from headroom.wire.events import Headers, header_value, header_values

MAX_SESSIONS = 4096
MAX_TOKENS = 32
TTL_SECONDS = 7 * 86400.0
TOUCH_SECONDS = 60.0  # an unchanged session's last use is written at most this often


class StickyBetas:
    def __init__(
        self,
        store: SQLiteStore,
        secret: bytes,
        logger: Logger,
        *,
        max_sessions: int = MAX_SESSIONS,
        max_tokens: int = MAX_TOKENS,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_sessions <= 0 or max_tokens <= 0 or ttl <= 0:
            raise ValueError("max_sessions, max_tokens and ttl must be positive")
        self.store = store
        self.max_sessions = max_sessions
        self.max_tokens = max_tokens
        self.ttl = ttl
        self._secret = secret
        self._log = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._rows: OrderedDict[str, BetaRow] = OrderedDict()  # least recently used first
        self._written: dict[str, float] = {}  # ``used`` as last handed to the writer
        self._dirty: dict[str, BetaRow | None] = {}  # None: delete
        self._flush_queued = False
        self._closed = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="headroom-betas")
        for row in store.betas_load(max_rows=max_sessions, ttl_seconds=ttl):
            self._rows[row.session] = row
            self._written[row.session] = row.used

    @classmethod
    def from_settings(
        cls, settings: Settings, store: SQLiteStore | None, secret: bytes, logger: Logger
    ) -> StickyBetas | None:
        """The tracker when ``beta_header_sticky`` is enabled and the store is open, else None (and
        then nothing is read, written or changed)."""
        if settings.beta_header_sticky != "enabled":
            return None
        if store is None:
            logger.log("warning", "beta_header_sticky_unavailable",
                       reason="the store is not open (compression off or store error); betas forwarded as sent")
            return None
        try:
            return cls(store, secret, logger)
        except StoreError as exc:
            logger.log("warning", "beta_header_sticky_unavailable", reason=str(exc)[:300])
            return None

    def apply(
        self, provider: str | None, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> list[tuple[bytes, bytes]]:
        """The headers to send upstream: ``headers`` itself unless this session dropped a beta."""
        spec = TRACKED.get(provider or "")
        if spec is None:
            return headers
        view = tuple(headers)
        session_id = header_value(view, spec.session)
        if not session_id:
            return headers
        model = request_model(body)
        if model is None:
            return headers
        key = self._key(provider or "", session_id, model, view)
        sent = split_tokens(header_values(view, spec.beta))
        now = self._clock()
        with self._lock:
            before = self._lookup(key, now)
            remembered = before.tokens if before is not None else ()
            folded = {token.lower() for token in sent}
            missing = [t for t in remembered if t.encode("ascii").lower() not in folded]
            tokens = self._union(remembered, sent)
            row = BetaRow(key, spec.beta.decode("ascii"), tokens, now)
            if tokens or before is not None:
                self._remember(row, changed=before is None or before.tokens != tokens)
        if not missing:
            return headers
        self._log.log("info", "beta_readded", provider=provider, header=spec.beta.decode("ascii"),
                      tokens=missing, session=key[:12])
        return merge_beta_header(headers, spec.beta, missing)

    def _key(self, provider: str, session_id: bytes, model: str, headers: Headers) -> str:
        h = blake3.blake3(key=self._secret)
        fingerprint = credential_fingerprint(headers, self._secret).encode("ascii")
        for part in (b"beta-session", provider.encode("ascii"), session_id, model.encode("utf-8", "replace"),
                     fingerprint):
            h.update(len(part).to_bytes(4, "big") + part)
        return str(h.hexdigest()[:32])

    def _lookup(self, key: str, now: float) -> BetaRow | None:
        row = self._rows.get(key)
        if row is not None and now - row.used >= self.ttl:
            self._forget(key)
            return None
        return row

    def _union(self, remembered: Sequence[str], sent: Sequence[bytes]) -> tuple[str, ...]:
        """Every token in first-seen order; past the cap, tokens not sent now go first (oldest first),
        then, when the client alone sends more than the cap, the first of its own."""
        now = [t.decode("ascii") for t in dedupe([t for t in sent if is_token(t)])]
        folded = {t.lower() for t in remembered}
        tokens = [*remembered, *[t for t in now if t.lower() not in folded]]
        excess = len(tokens) - self.max_tokens
        if excess > 0:
            current = {t.lower() for t in now}
            stale = {t for t in tokens if t.lower() not in current}
            drop = set([t for t in tokens if t in stale][:excess])
            tokens = [t for t in tokens if t not in drop][-self.max_tokens :]
        return tuple(tokens)

    def _remember(self, row: BetaRow, *, changed: bool) -> None:
        self._rows[row.session] = row
        self._rows.move_to_end(row.session)
        if changed or row.used - self._written.get(row.session, float("-inf")) >= TOUCH_SECONDS:
            self._written[row.session] = row.used
            self._queue(row.session, row)
        while len(self._rows) > self.max_sessions:
            self._forget(next(iter(self._rows)))

    def _forget(self, key: str) -> None:
        del self._rows[key]
        self._written.pop(key, None)
        self._queue(key, None)

    def _queue(self, key: str, row: BetaRow | None) -> None:
        """Hand a change to the writer thread (call with the lock held); changes queued before the
        writer runs go in one transaction."""
        self._dirty[key] = row
        if not self._flush_queued and not self._closed:
            self._flush_queued = True
            self._writer.submit(self._flush)

    def _flush(self) -> None:
        with self._lock:
            dirty, self._dirty = self._dirty, {}
            self._flush_queued = False
        if not dirty:
            return
        puts = [row for row in dirty.values() if row is not None]
        deletes = [key for key, row in dirty.items() if row is None]
        try:
            self.store.betas_write(puts, deletes, max_rows=self.max_sessions, ttl_seconds=self.ttl)
        except StoreError as exc:
            with self._lock:
                for key in deletes:
                    self._dirty.setdefault(key, None)
                for row in puts:
                    self._written.pop(row.session, None)  # the next request of the session writes it again
            self._log.log("warning", "beta_store_write_failed", error=str(exc)[:300])

    def flush(self) -> None:
        """Wait until every change made so far is written (tests, shutdown)."""
        if not self._closed:
            self._writer.submit(self._flush).result()

    def close(self) -> None:
        """Write what is pending, then stop the writer thread; later changes stay in memory only."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._writer.submit(self._flush)
        self._writer.shutdown(wait=True)
