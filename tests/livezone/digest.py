"""``python -m tests.livezone.digest DATA_DIR``: compress a fixed request with a fresh store and
print ``<decision> <blocks compressed> <sha256 of the forwarded body>`` (the cross-process
determinism test compares these lines)."""

from __future__ import annotations

import hashlib
import sys

from tests.livezone import engine
from tests.livezone.bodies import Session, headers
from tests.livezone.samples import grep_output, json_output, log_output


def fixed_request() -> bytes:
    session = Session("determinism")
    session.add_tool_turn("Bash", [log_output(40_000, seed=81)])
    session.add_tool_turn("Grep", [json_output(25_000, seed=82), [grep_output(15_000, seed=83), "done"]])
    return session.body()


def digest(data_dir: str) -> str:
    with engine.optimizer(data_dir) as opt:
        outcome = engine.run(opt, fixed_request(), headers("determinism"))
    return f"{outcome.decision} {outcome.compressed} {hashlib.sha256(outcome.body).hexdigest()}"


if __name__ == "__main__":
    print(digest(sys.argv[1]))
