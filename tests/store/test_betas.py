"""The beta_session table (schema v3): round trip, validation, bounds, reopen and the v2 -> v3 upgrade."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.errors import StoreError
from headroom.store import BetaRow, LedgerKey, SQLiteStore, schema
from headroom.store.sqlite import DB_NAME
from tests.store.support import FakeClock, request_write

TTL = 1000.0


def row(session: str, used: float, *tokens: str, header: str = "anthropic-beta") -> BetaRow:
    return BetaRow(session, header, tokens, used)


def test_rows_round_trip_least_recently_used_first(store: SQLiteStore, clock: FakeClock) -> None:
    now = clock.now
    rows = [row("s1", now - 3, "a", "b"), row("s2", now - 1, "assistants=v2", header="openai-beta"),
            row("s3", now - 2)]
    store.betas_write(rows, max_rows=10, ttl_seconds=TTL)
    assert store.betas_load(max_rows=10, ttl_seconds=TTL) == [rows[0], rows[2], rows[1]]
    store.betas_write([row("s1", now, "a", "c")], ["s2", "unknown"], max_rows=10, ttl_seconds=TTL)
    assert store.betas_load(max_rows=10, ttl_seconds=TTL) == [rows[2], row("s1", now, "a", "c")]


@pytest.mark.parametrize("bad", [
    row("", 1.0, "a"),
    row("s", 1.0, "a b"),
    row("s", 1.0, "a,b"),
    row("s", 1.0, "a", header="x-beta"),
    row("s", 1.0, *[f"t{i}" for i in range(65)]),
    BetaRow("s", "anthropic-beta", ["a"], 1.0),  # type: ignore[arg-type]
    BetaRow("s", "anthropic-beta", ("a",), True),
])
def test_invalid_rows_are_refused_and_nothing_is_written(store: SQLiteStore, clock: FakeClock, bad: BetaRow) -> None:
    with pytest.raises(StoreError):
        store.betas_write([row("good", clock.now, "a"), bad], max_rows=10, ttl_seconds=TTL)
    assert store.betas_count() == 0


def test_bounds_must_be_positive(store: SQLiteStore) -> None:
    with pytest.raises(StoreError, match="max_rows"):
        store.betas_write([], max_rows=0, ttl_seconds=TTL)
    with pytest.raises(StoreError, match="max_rows"):
        store.betas_load(max_rows=-1, ttl_seconds=TTL)


def test_row_cap_evicts_the_least_recently_used(store: SQLiteStore, clock: FakeClock) -> None:
    for i in range(10):
        removed = store.betas_write([row(f"s{i}", clock.now + i, "a")], max_rows=4, ttl_seconds=TTL)
        assert removed == (1 if i >= 4 else 0)
    assert store.betas_count() == 4
    assert [r.session for r in store.betas_load(max_rows=100, ttl_seconds=TTL)] == ["s6", "s7", "s8", "s9"]
    assert [r.session for r in store.betas_load(max_rows=2, ttl_seconds=TTL)] == ["s8", "s9"]


def test_ttl_hides_old_rows_and_the_next_write_deletes_them(store: SQLiteStore, clock: FakeClock) -> None:
    store.betas_write([row("old", clock.now, "a"), row("new", clock.now + 500, "b")], max_rows=10, ttl_seconds=TTL)
    clock.advance(TTL)  # "old" was used exactly ttl ago: expired
    assert [r.session for r in store.betas_load(max_rows=10, ttl_seconds=TTL)] == ["new"]
    assert store.betas_count() == 2
    assert store.betas_write([], max_rows=10, ttl_seconds=TTL) == 1
    assert store.betas_count() == 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2000)), max_size=40), st.integers(1, 8))
def test_the_table_never_exceeds_its_bounds(tmp_path_factory: pytest.TempPathFactory,
                                            writes: list[tuple[int, int]], cap: int) -> None:
    clock = FakeClock()
    with SQLiteStore(tmp_path_factory.mktemp("b"), clock=clock, background=False) as store:
        latest: dict[str, float] = {}
        for session, age in writes:
            used = clock.now - age
            store.betas_write([row(f"s{session}", used, "a")], max_rows=cap, ttl_seconds=TTL)
            latest[f"s{session}"] = used
            clock.advance(1)
            assert store.betas_count() <= cap
        loaded = store.betas_load(max_rows=cap, ttl_seconds=TTL)
        assert all(r.used > clock.now - TTL for r in loaded)
        assert [r.used for r in loaded] == sorted(r.used for r in loaded)
        assert all(latest[r.session] == r.used for r in loaded)


def test_rows_persist_across_reopen(open_store: Callable[..., SQLiteStore], clock: FakeClock) -> None:
    first = open_store()
    first.betas_write([row("s", clock.now, "context-1m-2025-08-07", "x")], max_rows=10, ttl_seconds=TTL)
    first.close()
    assert open_store().betas_load(max_rows=10, ttl_seconds=TTL) == [row("s", clock.now, "context-1m-2025-08-07", "x")]


def test_a_v2_file_is_upgraded_in_place(tmp_path: Path, clock: FakeClock) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    try:  # the file an older headroom (schema v2) left, with one ledger row and one session value
        conn.execute("PRAGMA journal_mode = WAL")
        assert schema.migrate(conn, 1.0, schema.MIGRATIONS[:2]) == 2
        conn.execute("INSERT INTO ledger VALUES ('sess', 'h1', 'fp', '', 1.0, X'227222', 7, 3)")
        conn.execute("INSERT INTO session_state VALUES ('sess', 'name', 1.0, 'value')")
    finally:
        conn.close()

    with SQLiteStore(data, clock=clock, background=False) as store:
        assert store.schema_version == schema.LATEST == 3 == store.stats().schema_version
        assert store.session_get("sess", "name") == "value"
        found = store.ledger_get_many([LedgerKey("sess", "h1", "fp")])[LedgerKey("sess", "h1", "fp")]
        assert (found.replacement, found.tokens_before, found.tokens_after) == (b'"r"', 7, 3)
        store.betas_write([row("s", clock.now, "a")], max_rows=10, ttl_seconds=TTL)
        store.commit(request_write("sess", 2))
    with SQLiteStore(data, clock=clock, background=False) as store:  # reopening migrates nothing again
        assert store.betas_load(max_rows=10, ttl_seconds=TTL) == [row("s", clock.now, "a")]
    conn = sqlite3.connect(data / DB_NAME)
    try:
        assert [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3]
    finally:
        conn.close()
