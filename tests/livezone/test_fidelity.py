"""Byte fidelity (I1, I2, I5, I6) of edited bodies over generated conversations, in-process.

Each generated body goes through the Optimizer (real SQLite store) under a fresh session: the
forwarded body may differ only inside live tool-output strings, everything else byte-identical;
each edit has strictly fewer o200k tokens; each lossy edit's original is in the store under the
key its marker names; and the same input gives the same bytes again (recompressed under another
session, or replayed from the ledger under the same one).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from headroom import tokens
from headroom.livezone.session import ccr_key
from headroom.optimize import Optimizer
from tests.livezone import engine, strategies
from tests.livezone.bodies import headers
from tests.livezone.checks import check_edit

MARKER = re.compile(r"<<ccr:([0-9a-f]{24})>>")
_ids = itertools.count()


@pytest.fixture(scope="module")
def opt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Optimizer]:
    with engine.optimizer(str(tmp_path_factory.mktemp("fidelity"))) as optimizer:
        yield optimizer


def _fresh() -> list[tuple[bytes, bytes]]:
    return headers(f"fidelity-{next(_ids)}")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body=strategies.body())
def test_generated_conversations_are_edited_only_in_live_tool_outputs(opt: Optimizer, body: bytes) -> None:
    first = engine.run(opt, body, _fresh())
    assert first.decision in ("compressed", "no_change"), first.reason
    edits = check_edit(body, first.body, live_only=True)
    assert first.compressed == len(edits) and first.replayed == 0
    assert (first.decision == "compressed") == bool(edits)
    for edit in edits:
        assert tokens.count(edit.after) < tokens.count(edit.before)
        for key in set(MARKER.findall(edit.after)):
            assert key == ccr_key(edit.before)
            assert opt.store is not None
            record = opt.store.ccr_get(key)
            assert record is not None and record.original == edit.before
    assert engine.run(opt, body, _fresh()).body == first.body  # deterministic across sessions
    session = _fresh()
    replayed = [engine.run(opt, body, session) for _ in range(2)]
    assert replayed[0].body == replayed[1].body == first.body  # and replayed from the ledger
    assert replayed[1].replayed == len(edits) and replayed[1].compressed == 0


def test_the_generator_produces_edits(opt: Optimizer) -> None:
    """Guard against a vacuous property: plenty of generated bodies do get compressed."""
    edited = 0

    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=strategies.body())
    def count(body: bytes) -> None:
        nonlocal edited
        edited += engine.run(opt, body, _fresh()).compressed > 0

    count()
    assert edited >= 10


def test_fixture_dir_is_private(tmp_path: Path) -> None:
    with engine.optimizer(str(tmp_path)) as optimizer:
        assert optimizer.store is not None
        assert (optimizer.store.path.stat().st_mode & 0o777) == 0o600
