from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from headroom.errors import StoreError
from headroom.store import PlanWrite, SQLiteStore, schema
from headroom.store.sqlite import DB_NAME
from tests.store.support import FakeClock, db_files, entry, request_write


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("loose_umask")
def test_new_directory_0700_and_files_0600(open_store: Callable[..., SQLiteStore], tmp_path: Path) -> None:
    data = tmp_path / "state" / "headroom"
    store = open_store(data_dir=data)
    store.commit(request_write("s", 1))
    files = db_files(data)
    assert [p.name for p in files] == [DB_NAME, DB_NAME + "-shm", DB_NAME + "-wal"]
    assert mode(data) == 0o700
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


@pytest.mark.usefixtures("loose_umask")
def test_files_left_readable_by_an_older_run_are_restricted(
    open_store: Callable[..., SQLiteStore], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    open_store(data_dir=data).close()
    (data / DB_NAME).chmod(0o644)
    store = open_store(data_dir=data)
    store.commit(request_write("s", 1))
    assert all(mode(p) == 0o600 for p in db_files(data))


def test_wal_mode_and_schema_version_table(store: SQLiteStore) -> None:
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = conn.execute("SELECT version, applied FROM schema_version").fetchall()
    finally:
        conn.close()
    assert [v for v, _ in rows] == list(range(1, schema.LATEST + 1))
    assert store.schema_version == schema.LATEST == store.stats().schema_version


def test_newer_schema_is_refused(open_store: Callable[..., SQLiteStore], tmp_path: Path) -> None:
    open_store().close()
    conn = sqlite3.connect(tmp_path / "data" / DB_NAME)
    with conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 0)", (schema.LATEST + 1,))
    conn.close()
    newer = rf"schema version {schema.LATEST + 1} is newer than this headroom knows \({schema.LATEST}\)"
    with pytest.raises(StoreError, match=newer):
        open_store()


def test_reopen_keeps_data_and_does_not_migrate_again(open_store: Callable[..., SQLiteStore]) -> None:
    write = request_write("s", 1)
    first = open_store()
    first.commit(write)
    first.close()
    second = open_store()
    assert second.ccr_get(write.ccr[0][0]) is not None
    assert second.stats().schema_version == schema.LATEST


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_migrations_apply_in_order_once(tmp_path: Path) -> None:
    migrations = (
        ("CREATE TABLE a (x INTEGER)",),
        ("INSERT INTO a VALUES (1)", "ALTER TABLE a ADD COLUMN y TEXT"),
        ("INSERT INTO a VALUES (2, 'two')",),
    )
    conn = _raw(tmp_path / "m.db")
    try:
        assert schema.migrate(conn, 1.0, migrations[:1]) == 1
        assert schema.migrate(conn, 2.0, migrations) == 3
        assert schema.migrate(conn, 3.0, migrations) == 3  # nothing left to do
        assert conn.execute("SELECT x, y FROM a ORDER BY x").fetchall() == [(1, None), (2, "two")]
        assert conn.execute("SELECT * FROM schema_version").fetchall() == [(1, 1.0), (2, 2.0), (3, 2.0)]
    finally:
        conn.close()


def test_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    conn = _raw(tmp_path / "m.db")
    try:
        schema.migrate(conn, 1.0, (("CREATE TABLE a (x)",),))
        with pytest.raises(sqlite3.OperationalError):
            schema.migrate(conn, 2.0, (("CREATE TABLE a (x)",), ("CREATE TABLE b (x)", "CREATE TABLE a (y)")))
        assert schema.current_version(conn) == 1
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert names == {"schema_version", "a"}
    finally:
        conn.close()


def test_corrupt_file_is_a_store_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"this is not a database" * 500)
    with pytest.raises(StoreError, match="open"):
        SQLiteStore(data, background=False)


def test_data_dir_that_is_a_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    with pytest.raises(StoreError):
        SQLiteStore(tmp_path / "data", background=False)


def test_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        SQLiteStore(tmp_path, ccr_ttl_seconds=0)
    with pytest.raises(StoreError):
        SQLiteStore(tmp_path, synchronous="OFF")


def test_expired_originals_are_erased_from_the_file(
    open_store: Callable[..., SQLiteStore], tmp_path: Path, clock: FakeClock
) -> None:
    store = open_store(ccr_ttl_seconds=60)
    secret = "TOKEN-LIKE-OUTPUT-" + "q" * 20_000  # spans overflow pages
    store.commit(PlanWrite(ccr=[entry(secret)], ledger=[]))
    store.commit(request_write("s", 1))
    clock.advance(61)
    store.commit(request_write("s", 2))
    assert store.gc().expired_rows == 2
    store.close()  # the last connection checkpoints and removes the WAL
    assert [p.name for p in db_files(tmp_path / "data")] == [DB_NAME]
    assert b"TOKEN-LIKE-OUTPUT-" not in (tmp_path / "data" / DB_NAME).read_bytes()
