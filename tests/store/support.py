"""Helpers shared by the store tests (also imported by child processes)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from headroom.store import LedgerKey, LedgerRow, PlanWrite, ccr_key_of


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def entry(text: str, **meta: str | int) -> tuple[str, str, Mapping[str, str | int]]:
    return (ccr_key_of(text), text, meta)


def ledger_row(session: str, content_hash: str, replacement: bytes = b'"r"', ccr_key: str = "", *,
               fingerprint: str = "fp", created: float = 1.0) -> LedgerRow:
    return LedgerRow(LedgerKey(session, content_hash, fingerprint), replacement, ccr_key, created)


def request_write(session: str, n: int, size: int = 200) -> PlanWrite:
    """One request's write: an original and its ledger row, numbered ``n`` within ``session``."""
    text = f"{session}/{n}\n" + "x" * size
    key, original, meta = entry(text, tool="Bash", session=session)
    return PlanWrite(ccr=[(key, original, meta)], ledger=[ledger_row(session, f"h{n}", f'"{n}"'.encode(), key)])


def db_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith("headroom.sqlite3"))


REPO = Path(__file__).resolve().parents[2]
