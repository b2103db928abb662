"""headroom.store: SQLite persistence for CCR originals, the compression ledger and session state.

``SQLiteStore`` is the one backend today; the orchestrator codes against its methods.
"""

from headroom.store.models import (
    CCRRecord,
    GCReport,
    LedgerKey,
    LedgerRow,
    PlanWrite,
    StoreStats,
    TableStats,
    ccr_key_of,
    is_ccr_key,
)
from headroom.store.sqlite import SQLiteStore

__all__ = [
    "CCRRecord",
    "GCReport",
    "LedgerKey",
    "LedgerRow",
    "PlanWrite",
    "SQLiteStore",
    "StoreStats",
    "TableStats",
    "ccr_key_of",
    "is_ccr_key",
]
