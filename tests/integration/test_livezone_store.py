"""Store failures (I7, I8): when originals cannot be stored, the block is forwarded as sent;
ledger replays, which need no write, are still applied; and the next turn keeps forwarding that
block exactly as it was sent (I3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from headroom.errors import StoreError
from headroom.store.models import LedgerKey, LedgerRow, PlanWrite
from headroom.store.sqlite import SQLiteStore
from tests.infra.client import get
from tests.livezone.bodies import Session, headers
from tests.livezone.checks import check_edit, check_session
from tests.livezone.proxyrun import post, proxy
from tests.livezone.samples import json_output, log_output
from tests.support.fake_provider import FakeProvider

SID = "store-failure"


def _bodies() -> list[bytes]:
    session = Session(SID)
    out = []
    for seed, make in ((51, log_output), (52, json_output), (53, log_output)):
        session.add_tool_turn("Bash", [make(20_000, seed=seed)])
        out.append(session.body())
    return out


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with provider.running():
        yield provider
    assert provider.errors == []


def _failing_commit(self: SQLiteStore, write: PlanWrite) -> None:
    raise StoreError("commit: disk I/O error (injected)")


def test_commit_failure_forwards_the_new_block_original_and_still_replays(
    fake: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = _bodies()
    with proxy(fake, str(tmp_path)) as handle:
        sent = [post(handle, fake, first, headers(SID))]
        assert sent[0].log["blocks_compressed"] == 1
        with monkeypatch.context() as patch:
            patch.setattr(SQLiteStore, "commit", _failing_commit)
            sent.append(post(handle, fake, second, headers(SID)))
        sent.append(post(handle, fake, third, headers(SID)))
    failed = sent[1]
    [replayed] = check_edit(failed.client, failed.upstream, live_only=False)  # the turn-1 block only
    assert replayed.path[1] == 2 and replayed.upstream_literal in sent[0].upstream
    assert [b["action"] for b in failed.log["blocks"]] == ["store_error"]
    assert failed.log["blocks_replayed"] == 1 and failed.log["blocks_compressed"] == 0
    assert failed.response.header(b"x-headroom-blocks-compressed") == b"0"
    stats = check_session([(s.client, s.upstream) for s in sent])  # the failed block stays original
    assert stats.edited_blocks == 2 and sent[2].log["blocks_replayed"] == 1


def test_nothing_of_a_failed_commit_is_visible(fake: FakeProvider, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half way (CCR rows in, ledger row refused) leaves no row behind."""
    original = SQLiteStore.commit

    def half_bad(self: SQLiteStore, write: PlanWrite) -> None:
        bad = [LedgerRow(LedgerKey("", "x", "y"), b"", "", 0.0)]  # invalid: empty session
        original(self, PlanWrite(write.ccr, [*write.ledger, *bad]))

    monkeypatch.setattr(SQLiteStore, "commit", half_bad)
    first = _bodies()[0]
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, first, headers(SID))
    assert sent.upstream == sent.client and sent.log["blocks"][0]["action"] == "store_error"
    with SQLiteStore(tmp_path, background=False) as store:
        stats = store.stats()
    assert stats.ccr.rows == 0 and stats.ledger.rows == 0


def test_ledger_lookup_failure_forwards_the_original(fake: FakeProvider, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: SQLiteStore, session: object, hashes: object) -> None:
        raise StoreError("ledger lookup: database disk image is malformed (injected)")

    monkeypatch.setattr(SQLiteStore, "ledger_replays", broken)
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, _bodies()[0], headers(SID))
    assert sent.upstream == sent.client
    assert sent.log["decision"] == "passthrough" and sent.log["reason"] == "error:StoreError"
    assert sent.response.status == 200


def test_unusable_data_dir_means_a_plain_proxy(fake: FakeProvider, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with proxy(fake, str(blocker / "state")) as handle:
        sent = post(handle, fake, _bodies()[0], headers(SID))
        retrieve = get(handle.port, "/v1/retrieve/" + "0" * 24)
        errors = [line for line in handle.log_lines() if "store unavailable" in line]
    assert sent.upstream == sent.client and sent.log["reason"] == "store_unavailable"
    assert retrieve.status == 503 and errors
