"""Two requests of one conversation compress the same block concurrently: the ledger keeps the first
row, and the loser must forward that row's bytes too (what every later turn will replay)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from headroom.livezone.plan import Block, content_hashes
from headroom.store.models import LedgerKey, LedgerRow, PlanWrite
from headroom.store.sqlite import SQLiteStore
from tests.livezone.bodies import assistant_turn, dumps, headers, tool_id, tool_result
from tests.livezone.engine import optimizer, run
from tests.livezone.samples import log_output


def _body(output: str) -> bytes:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "check the service log"},
        assistant_turn(1, "Bash", {"command": "cat service.log"}),
        {"role": "user", "content": [tool_result(tool_id(1), output)]},
    ]
    return dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": messages})


def test_the_loser_of_a_concurrent_compression_forwards_the_winners_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = log_output(20_000, 7)
    body = _body(output)
    sid = str(uuid.UUID(int=42))
    winner = json.dumps("[the bytes another request of this conversation stored first]").encode()
    with optimizer(str(tmp_path)) as opt:
        chash = content_hashes([Block("", (0, 0), output, "Bash", None, True)])[0]
        # the competing row lands between this request's ledger lookup and its commit
        real_lookup = SQLiteStore.ledger_replays
        calls = {"n": 0}

        def lookup_then_race(self: SQLiteStore, session_key: str, hashes: list[str]) -> dict[str, LedgerRow]:
            calls["n"] += 1
            found = real_lookup(self, session_key, hashes)
            if calls["n"] == 1:
                self.commit(PlanWrite(ccr=(), ledger=(
                    LedgerRow(LedgerKey(session_key, chash, "another-fingerprint"), winner, "", time.time()),
                )))
            return found

        monkeypatch.setattr(SQLiteStore, "ledger_replays", lookup_then_race)
        outcome = run(opt, body, headers(sid))
    assert calls["n"] >= 2  # the lookup, then the read-back after the commit
    assert outcome.decision == "compressed"
    assert winner in outcome.body  # not this request's own compression
    assert json.loads(outcome.body)["messages"][2]["content"][0]["content"] == json.loads(winner)

