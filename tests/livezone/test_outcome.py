"""The Optimizer's outcome for logs and headers (in-process)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.livezone import engine
from tests.livezone.bodies import Session, headers
from tests.livezone.samples import log_output


def test_log_fields_stay_bounded_as_a_session_grows(tmp_path: Path) -> None:
    """Replayed blocks are counted, not listed: a long session must not make every log line longer."""
    session = Session("long")
    turns = 40
    with engine.optimizer(str(tmp_path)) as opt:
        for seed in range(turns):
            session.add_tool_turn("Bash", [log_output(1500, seed=seed)])
            outcome = engine.run(opt, session.body(), headers("long"))
            assert outcome.compressed == 1
    assert outcome.replayed == turns - 1
    blocks = outcome.fields["blocks"]
    assert isinstance(blocks, list) and [b["action"] for b in blocks] == ["compressed"]
    assert len(json.dumps(outcome.fields)) < 1024
