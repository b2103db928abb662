"""Replay across turns (I3) over generated sessions, in-process.

Each generated conversation is sent turn by turn (append-only history, as clients do) through
the Optimizer under one session: every request differs from the client's only in tool-output
strings, a block is compressed only when first seen live, every later copy of it is forwarded
byte-identical, and consecutive requests keep the client's shared byte prefix. Identical tool
outputs recur within and across turns (each copy has its own ledger key).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from headroom.optimize import Optimizer
from tests.livezone import engine, strategies
from tests.livezone.bodies import headers
from tests.livezone.checks import check_session

_ids = itertools.count()


@pytest.fixture(scope="module")
def opt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Optimizer]:
    with engine.optimizer(str(tmp_path_factory.mktemp("sessions"))) as optimizer:
        yield optimizer


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(bodies=strategies.session())
def test_generated_sessions_replay_every_compressed_block(opt: Optimizer, bodies: list[bytes]) -> None:
    sid = headers(f"session-{next(_ids)}")
    outcomes = [engine.run(opt, body, sid) for body in bodies]
    assert all(o.decision in ("compressed", "no_change") for o in outcomes), [o.reason for o in outcomes]
    stats = check_session([(body, o.body) for body, o in zip(bodies, outcomes, strict=True)])
    assert stats.edited_blocks == sum(o.compressed for o in outcomes)
    assert stats.replayed_blocks == sum(o.replayed for o in outcomes)
    again = [engine.run(opt, body, sid).body for body in bodies]  # a retried session: all replays
    assert again == [o.body for o in outcomes]
