"""headroom.store: SQLite persistence for CCR originals, the compression ledger and session state.

``SQLiteStore`` is the one backend today; the orchestrator codes against its methods. ``filter_lines``
(pure) serves retrieval queries and ``run_ccr_cli`` the ``headroom ccr`` subcommand.
"""

from headroom.store.models import (
    BetaRow,
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
from headroom.store.retrieve import filter_lines
from headroom.store.sqlite import SQLiteStore

__all__ = [
    "BetaRow",
    "CCRRecord",
    "GCReport",
    "LedgerKey",
    "LedgerRow",
    "PlanWrite",
    "SQLiteStore",
    "StoreStats",
    "TableStats",
    "ccr_key_of",
    "filter_lines",
    "is_ccr_key",
]
