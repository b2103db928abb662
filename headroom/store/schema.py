"""Schema of the store and its migrations.

``schema_version`` holds one row per applied migration. At open, the missing migrations are applied
in order inside one ``BEGIN IMMEDIATE`` transaction (so two processes opening a fresh file at the same
time do not both migrate). A file migrated by a newer headroom is refused: its layout may mean
something this code does not know, and writing to it could corrupt what the newer code relies on.

Small columns come before the large ``original`` / ``replacement`` blobs so that scans of sizes and
timestamps never read overflow pages.
"""

from __future__ import annotations

import sqlite3

from headroom.errors import StoreError

_V1 = (
    """
    CREATE TABLE ccr (
        key TEXT NOT NULL PRIMARY KEY
            CHECK (length(key) = 24 AND key NOT GLOB '*[^0-9a-f]*'),
        created REAL NOT NULL,
        written REAL NOT NULL,
        last_access REAL NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        meta TEXT NOT NULL,
        original BLOB NOT NULL CHECK (length(original) = size)
    )
    """,
    "CREATE INDEX ccr_lru ON ccr (last_access, size)",
    "CREATE INDEX ccr_written ON ccr (written)",
    """
    CREATE TABLE ledger (
        session TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        ccr_key TEXT NOT NULL
            CHECK (ccr_key = '' OR (length(ccr_key) = 24 AND ccr_key NOT GLOB '*[^0-9a-f]*')),
        created REAL NOT NULL,
        replacement BLOB NOT NULL,
        UNIQUE (session, content_hash, fingerprint)
    )
    """,
    """
    CREATE TABLE session_state (
        session TEXT NOT NULL,
        name TEXT NOT NULL,
        updated REAL NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (session, name)
    )
    """,
)

# v2: token counts of each ledger edit, so replayed blocks report their savings without re-counting
_V2 = (
    "ALTER TABLE ledger ADD COLUMN tokens_before INTEGER NOT NULL DEFAULT 0 CHECK (tokens_before >= 0)",
    "ALTER TABLE ledger ADD COLUMN tokens_after INTEGER NOT NULL DEFAULT 0 CHECK (tokens_after >= 0)",
)

# v3: beta tokens each tracked client session sent (``--beta-header-sticky``), least recently used first
_V3 = (
    """
    CREATE TABLE beta_session (
        session TEXT NOT NULL PRIMARY KEY,
        header TEXT NOT NULL CHECK (header IN ('anthropic-beta', 'openai-beta')),
        used REAL NOT NULL,
        tokens TEXT NOT NULL
    )
    """,
    "CREATE INDEX beta_session_used ON beta_session (used)",
)

# Index i holds the statements that take the schema from version i to i + 1. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)
LATEST = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, now: float, migrations: tuple[tuple[str, ...], ...] = MIGRATIONS) -> int:
    """Bring the database to the newest schema this code knows; return that version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Raises StoreError when the file
    was written by a newer schema.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied REAL NOT NULL)"
        )
        version = current_version(conn)
        if version > len(migrations):
            raise StoreError(
                f"the store's schema version {version} is newer than this headroom knows "
                f"({len(migrations)}); upgrade headroom or point --data-dir elsewhere"
            )
        for number in range(version + 1, len(migrations) + 1):
            for statement in migrations[number - 1]:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, ?)", (number, now))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return len(migrations)
