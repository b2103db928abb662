"""The session-sticky beta tracker (``--beta-header-sticky``): unit, property and corpus tests."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.config import resolve
from headroom.errors import StoreError
from headroom.observe.log import Logger
from headroom.providers.beta import split_tokens
from headroom.sticky_betas import TOUCH_SECONDS, StickyBetas
from headroom.store import BetaRow, SQLiteStore
from tests.store.support import FakeClock
from tests.support.paths import corpus_dir

SECRET = bytes(range(32))
Headers = list[tuple[bytes, bytes]]


def anthropic(betas: str | None, session: str | None = "sess-1", key: str = "sk-ant-1") -> Headers:
    headers = [(b"Host", b"api.anthropic.com"), (b"x-api-key", key.encode())]
    if session is not None:
        headers.append((b"X-Claude-Code-Session-Id", session.encode()))
    if betas is not None:
        headers.append((b"anthropic-beta", betas.encode()))
    headers.append((b"Content-Length", b"10"))
    return headers


def body(model: str = "claude-opus-4-8") -> bytes:
    return json.dumps({"model": model, "messages": []}).encode()


def betas_of(headers: Headers, name: bytes = b"anthropic-beta") -> list[bytes]:
    return split_tokens([v for k, v in headers if k.lower() == name])


class Env:
    def __init__(self, tmp: Path, **kwargs: Any) -> None:
        self.tmp = tmp
        self.clock = FakeClock()
        self.logs = io.StringIO()
        self.kwargs = kwargs
        self.store = SQLiteStore(tmp, clock=self.clock, background=False)
        self.tracker = self.open()

    def open(self) -> StickyBetas:
        return StickyBetas(self.store, SECRET, Logger("info", self.logs), clock=self.clock, **self.kwargs)

    def reopen(self) -> None:
        self.tracker.close()
        self.store.close()
        self.store = SQLiteStore(self.tmp, clock=self.clock, background=False)
        self.tracker = self.open()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines()]

    def close(self) -> None:
        self.tracker.close()
        self.store.close()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def test_a_dropped_beta_comes_back_on_the_next_request_of_that_session(env: Env) -> None:
    first = anthropic("claude-code-20250219,context-1m-2025-08-07")
    assert env.tracker.apply("anthropic", first, body()) is first
    dropped = anthropic("claude-code-20250219")
    out = env.tracker.apply("anthropic", dropped, body())
    assert out == [*dropped[:3], (b"anthropic-beta", b"claude-code-20250219,context-1m-2025-08-07"), dropped[-1]]
    (event,) = [e for e in env.events() if e["event"] == "beta_readded"]
    assert event["tokens"] == ["context-1m-2025-08-07"] and event["header"] == "anthropic-beta"
    # a request that drops every beta line gets the header appended
    none = anthropic(None)
    assert env.tracker.apply("anthropic", none, body()) == [*none, (b"anthropic-beta",
                                                                    b"claude-code-20250219,context-1m-2025-08-07")]


@pytest.mark.parametrize(("other", "model"), [
    (anthropic("claude-code-20250219", session="sess-2"), "claude-opus-4-8"),  # another session
    (anthropic("claude-code-20250219"), "claude-haiku-4-5-20251001"),  # same session, another model
    (anthropic("claude-code-20250219", key="sk-ant-2"), "claude-opus-4-8"),  # another credential
    (anthropic("claude-code-20250219", session=None), "claude-opus-4-8"),  # no session header: not tracked
])
def test_only_that_session_model_and_credential_get_it(env: Env, other: Headers, model: str) -> None:
    env.tracker.apply("anthropic", anthropic("claude-code-20250219,context-1m-2025-08-07"), body())
    assert env.tracker.apply("anthropic", other, body(model)) is other


def test_untracked_requests_are_left_alone_and_never_stored(env: Env) -> None:
    for provider, headers, payload in [
        ("gemini", anthropic("a"), body()),
        (None, anthropic("a"), body()),
        ("anthropic", anthropic("a"), b'{"messages":[]}'),  # no model
        ("anthropic", anthropic("a"), b"\x1f\x8b\x08\x00gzip"),  # content-encoded body
        ("anthropic", anthropic("a", session=None), body()),
        ("anthropic", anthropic(None), body()),  # nothing to remember
        ("openai", anthropic("a"), body()),  # no Codex session-id header
    ]:
        assert env.tracker.apply(provider, headers, payload) is headers
    env.tracker.flush()
    assert env.store.betas_count() == 0


def test_codex_sessions_are_tracked_by_their_session_id(env: Env) -> None:
    def codex(beta: str | None) -> Headers:
        headers = [(b"authorization", b"Bearer sk-proj-1"), (b"session-id", b"01a2")]
        return headers + ([(b"OpenAI-Beta", beta.encode())] if beta else [])
    env.tracker.apply("openai", codex("responses=experimental"), body("gpt-5.5"))
    out = env.tracker.apply("openai", codex(None), body("gpt-5.5"))
    assert out[-1] == (b"openai-beta", b"responses=experimental")


def test_untrackable_tokens_are_forwarded_but_never_added(env: Env) -> None:
    env.tracker.apply("anthropic", anthropic('a, "quoted", b c, ' + "x" * 129), body())
    out = env.tracker.apply("anthropic", anthropic("z"), body())
    assert betas_of(out) == [b"z", b"a"]


def test_state_survives_a_restart(env: Env) -> None:
    env.tracker.apply("anthropic", anthropic("a,b"), body())
    env.reopen()
    assert betas_of(env.tracker.apply("anthropic", anthropic("b"), body())) == [b"b", b"a"]


def test_sessions_expire_after_the_ttl(tmp_path: Path) -> None:
    env = Env(tmp_path, ttl=100.0)
    try:
        env.tracker.apply("anthropic", anthropic("a,b"), body())
        env.clock.advance(99)
        assert betas_of(env.tracker.apply("anthropic", anthropic("b"), body())) == [b"b", b"a"]  # and touched
        env.clock.advance(100)
        headers = anthropic("b")
        assert env.tracker.apply("anthropic", headers, body()) is headers
        env.reopen()  # expired rows are not loaded either
        env.clock.advance(100)
        env.tracker.apply("anthropic", anthropic("c"), body())
        env.tracker.flush()
        assert [r.tokens for r in env.store.betas_load(max_rows=10, ttl_seconds=100.0)] == [("c",)]
    finally:
        env.close()


def test_least_recently_used_sessions_are_evicted_in_memory_and_in_the_table(tmp_path: Path) -> None:
    env = Env(tmp_path, max_sessions=3)
    try:
        for i in range(5):
            env.tracker.apply("anthropic", anthropic("a", session=f"s{i}"), body())
            env.clock.advance(1)
        env.tracker.apply("anthropic", anthropic("a", session="s2"), body())  # s2 used again: s3 goes next
        env.tracker.apply("anthropic", anthropic("a", session="s5"), body())
        env.tracker.flush()
        assert env.store.betas_count() == 3
        for gone in ("s0", "s1", "s3"):
            headers = anthropic(None, session=gone)
            assert env.tracker.apply("anthropic", headers, body()) is headers
        for kept in ("s2", "s4", "s5"):
            assert betas_of(env.tracker.apply("anthropic", anthropic(None, session=kept), body())) == [b"a"]
    finally:
        env.close()


def test_token_cap_drops_what_the_client_does_not_send_first(tmp_path: Path) -> None:
    env = Env(tmp_path, max_tokens=3)
    try:
        env.tracker.apply("anthropic", anthropic("a,b"), body())
        assert betas_of(env.tracker.apply("anthropic", anthropic("c"), body())) == [b"c", b"a", b"b"]
        assert betas_of(env.tracker.apply("anthropic", anthropic("d"), body())) == [b"d", b"a", b"b", b"c"]
        # remembered now: b, c, d (a went first); the rebuilt list has each token once
        assert betas_of(env.tracker.apply("anthropic", anthropic("e,E"), body())) == [b"e", b"b", b"c", b"d"]
        env.tracker.apply("anthropic", anthropic("v,w,x,y,z"), body())  # more than the cap on its own
        env.tracker.flush()
        (stored,) = env.store.betas_load(max_rows=10, ttl_seconds=1e9)
        assert stored.tokens == ("x", "y", "z")
    finally:
        env.close()


def test_unchanged_sessions_are_written_at_most_once_a_minute(env: Env) -> None:
    env.tracker.apply("anthropic", anthropic("a"), body())
    env.tracker.flush()
    (first,) = env.store.betas_load(max_rows=10, ttl_seconds=1e9)
    env.clock.advance(TOUCH_SECONDS / 2)
    env.tracker.apply("anthropic", anthropic("a"), body())
    env.tracker.flush()
    assert env.store.betas_load(max_rows=10, ttl_seconds=1e9) == [first]
    env.clock.advance(TOUCH_SECONDS / 2)
    env.tracker.apply("anthropic", anthropic("a"), body())
    env.tracker.flush()
    assert env.store.betas_load(max_rows=10, ttl_seconds=1e9)[0].used == env.clock.now


class BrokenStore(SQLiteStore):
    def betas_write(self, puts: Any, deletes: Any = (), **_: Any) -> int:
        raise StoreError("disk full")


def test_a_failing_store_costs_persistence_only(tmp_path: Path) -> None:
    logs = io.StringIO()
    store = BrokenStore(tmp_path, background=False)
    tracker = StickyBetas(store, SECRET, Logger("info", logs))
    try:
        tracker.apply("anthropic", anthropic("a,b"), body())
        tracker.flush()
        assert betas_of(tracker.apply("anthropic", anthropic("b"), body())) == [b"b", b"a"]
        tracker.flush()
    finally:
        tracker.close()
        store.close()
    assert [json.loads(line)["event"] for line in logs.getvalue().splitlines()].count("beta_store_write_failed") == 2


class NoTouching:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was used ({name}) while beta_header_sticky is disabled")


def test_disabled_reads_and_writes_nothing(tmp_path: Path) -> None:
    settings = resolve({"data_dir": str(tmp_path)}, {}).settings
    assert settings.beta_header_sticky == "disabled"
    assert StickyBetas.from_settings(settings, NoTouching(), SECRET, Logger("info", io.StringIO())) is None  # type: ignore[arg-type]


def test_enabled_without_a_store_warns_and_stays_off(tmp_path: Path) -> None:
    logs = io.StringIO()
    settings = resolve({"data_dir": str(tmp_path), "beta_header_sticky": "enabled"}, {}).settings
    assert StickyBetas.from_settings(settings, None, SECRET, Logger("info", logs)) is None
    assert json.loads(logs.getvalue())["event"] == "beta_header_sticky_unavailable"
    with SQLiteStore(tmp_path, background=False) as store:
        tracker = StickyBetas.from_settings(settings, store, SECRET, Logger("info", logs))
        assert isinstance(tracker, StickyBetas)
        tracker.close()


SESSIONS = st.sampled_from(["s1", "s2"])
MODELS = st.sampled_from(["m1", "m2"])
BETAS = st.lists(st.sampled_from(["a", "b", "B", "c", "d=1"]), max_size=4)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(SESSIONS, MODELS, BETAS, st.booleans()), min_size=1, max_size=12))
def test_every_beta_a_session_sent_is_forwarded_on_its_later_requests(
    tmp_path_factory: pytest.TempPathFactory, requests: list[tuple[str, str, list[str], bool]]
) -> None:
    env = Env(tmp_path_factory.mktemp("sticky"))
    try:
        seen: dict[tuple[str, str], set[bytes]] = {}
        for session, model, tokens, restart in requests:
            if restart:
                env.reopen()
            sent = anthropic(",".join(tokens) if tokens else None, session=session)
            out = env.tracker.apply("anthropic", sent, body(model))
            before = seen.get((session, model), set())
            forwarded = {t.lower() for t in betas_of(out)}
            assert before <= forwarded  # nothing the session sent before is missing
            assert forwarded == before | {t.lower().encode() for t in tokens}  # and nothing else is added
            if before <= {t.lower().encode() for t in tokens}:
                assert out is sent  # untouched when nothing was dropped
            assert [h for h in out if h[0] != b"anthropic-beta"] == [h for h in sent if h[0] != b"anthropic-beta"]
            seen[(session, model)] = forwarded
    finally:
        env.close()


def test_the_claude_code_corpus_session_is_forwarded_unchanged(env: Env) -> None:
    """One Claude Code session sends two beta sets: Opus turns carry context-1m, Haiku side requests
    do not. Keyed by session alone the tracker would add context-1m to the Haiku requests."""
    session = corpus_dir() / "claude-code-3-interactive"
    changed, by_model = 0, {}
    for head_file in sorted(session.glob("*-v1_messages.headers.json")):
        meta = json.loads(head_file.read_text())
        raw = meta["raw_head"].encode("latin-1").split(b"\r\n")[1:]
        headers = [(k, v.strip()) for k, _, v in (line.partition(b":") for line in raw if line)]
        payload = head_file.with_name(head_file.name.replace(".headers.json", ".body.bin")).read_bytes()
        out = env.tracker.apply("anthropic", headers, payload)
        changed += out is not headers
        by_model.setdefault(json.loads(payload)["model"], set()).add(b",".join(betas_of(out)))
    assert changed == 0
    assert len(by_model) == 2 and all(len(sets) == 1 for sets in by_model.values())
    assert by_model["claude-opus-4-8"] != by_model["claude-haiku-4-5-20251001"]


def test_rows_carry_no_session_id_or_credential(env: Env) -> None:
    env.tracker.apply("anthropic", anthropic("a", session="visible-session-id", key="sk-ant-secret"), body())
    env.tracker.flush()
    (stored,) = env.store.betas_load(max_rows=10, ttl_seconds=1e9)
    assert isinstance(stored, BetaRow) and len(stored.session) == 32
    data = b"".join(p.read_bytes() for p in env.tmp.glob("headroom.sqlite3*"))
    assert b"visible-session-id" not in data and b"sk-ant-secret" not in data
