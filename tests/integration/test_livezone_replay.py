"""Replay across turns (I1, I3): multi-turn sessions through the proxy with compression on.

For every request the upstream body differs from the client's only inside tool-output strings;
a block is compressed only when it is first seen live; every later copy is forwarded with the
bytes the upstream saw the first time (ledger replay); consecutive requests share at least the
byte prefix the client's own bodies shared, minus the edits before it. The same holds across a
proxy restart on the same data directory, and a second run yields byte-identical upstream bodies.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.livezone.bodies import Session, captured, headers
from tests.livezone.checks import check_session
from tests.livezone.proxyrun import Sent, is_messages, post, proxy, replay
from tests.livezone.samples import grep_output, json_output, log_output
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir

SESSIONS = ["claude-code-3-interactive", "sdk-anthropic"]


def _pairs(sent: list[Sent]) -> list[tuple[bytes, bytes]]:
    return [(s.client, s.upstream) for s in sent if is_messages(s)]


def _counts(sent: list[Sent]) -> tuple[int, int]:
    return (sum(int(s.log.get("blocks_compressed", 0)) for s in sent),
            sum(int(s.log.get("blocks_replayed", 0)) for s in sent))


@pytest.mark.parametrize("session", SESSIONS)
def test_corpus_session_replays_compressed_blocks_identically(session: str, tmp_path: Path) -> None:
    directory = corpus_dir() / session
    requests = captured(directory)
    fake = FakeProvider(replay=directory)
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        sent = replay(handle, fake, requests)
    assert all(s.response.status == 200 for s in sent)
    stats = check_session(_pairs(sent))
    compressed, replayed = _counts(sent)
    assert stats.edited_blocks == compressed >= 1  # the corpus has compressible live outputs
    assert stats.replayed_blocks == replayed >= compressed  # each is resent on later turns
    assert stats.pairs >= 5
    for s in sent:  # responses are relayed unchanged
        recorded = directory / f"{requests[sent.index(s)].name}.response.body.bin"
        assert s.response.body == recorded.read_bytes()


@pytest.mark.parametrize("session", SESSIONS)
def test_corpus_session_across_a_restart_and_a_second_run(session: str, tmp_path: Path) -> None:
    directory = corpus_dir() / session
    requests = captured(directory)
    half = len(requests) // 2
    fake = FakeProvider(replay=directory)
    with fake.running():
        with proxy(fake, str(tmp_path)) as first:
            sent = replay(first, fake, requests[:half])
        with proxy(fake, str(tmp_path)) as second:  # new Server, same data dir: the ledger persisted
            sent += replay(second, fake, requests[half:])
        check_session(_pairs(sent))
        fake.reset()
        with proxy(fake, str(tmp_path)) as third:
            again = replay(third, fake, requests)
    assert [s.upstream for s in again] == [s.upstream for s in sent]
    compressed, replayed = _counts(again)
    assert compressed == 0 and replayed == sum(_counts(sent))


def _synthetic_bodies() -> list[bytes]:
    # Snapshot each request body as it is built (the builder mutates cache_control in place).
    session = Session(str(uuid.UUID(int=7)))
    out = []
    steps: list[tuple[str, list[str | list[str]]]] = [
        ("Bash", [log_output(30_000, seed=11)]),
        ("Bash", [json_output(20_000, seed=12), grep_output(8_000, seed=13)]),
        ("Read", [log_output(6_000, seed=14)]),
        ("Grep", [[grep_output(9_000, seed=15), "trailing note"]]),
        ("Bash", [log_output(4_000, seed=16)]),
    ]
    for tool, outputs in steps:
        session.add_tool_turn(tool, outputs)
        out.append(session.body())
    session.add_user_text("Thanks, now summarise.")
    out.append(session.body())
    return out


def test_synthetic_session_compresses_and_replays(tmp_path: Path) -> None:
    bodies = _synthetic_bodies()
    sid = str(uuid.UUID(int=7))
    fake = FakeProvider()
    with fake.running():
        with proxy(fake, str(tmp_path / "a")) as handle:
            sent = [post(handle, fake, body, headers(sid)) for body in bodies[:3]]
        with proxy(fake, str(tmp_path / "a")) as restarted:
            sent += [post(restarted, fake, body, headers(sid)) for body in bodies[3:]]
    stats = check_session(_pairs(sent))
    compressed, replayed = _counts(sent)
    assert compressed == stats.edited_blocks == 5  # every Bash/Grep output; never the Read one
    assert replayed == stats.replayed_blocks == 1 + 3 + 3 + 4 + 5
    assert all(s.response.status == 200 for s in sent)
    assert sum(len(s.upstream) for s in sent) < 0.5 * sum(len(s.client) for s in sent)


def test_a_proxy_joining_mid_session_never_compresses_history(tmp_path: Path) -> None:
    """Blocks first seen outside the live zone are forwarded as the client sent them (I3)."""
    bodies = _synthetic_bodies()
    sid = str(uuid.UUID(int=8))
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        late = post(handle, fake, bodies[3], headers(sid))  # four earlier turns never went through us
        last = post(handle, fake, bodies[-1], headers(sid))
    stats = check_session([(late.client, late.upstream), (last.client, last.upstream)])
    assert stats.edited_blocks == 1 and late.log["blocks_compressed"] == 1  # only the live grep output
    assert stats.replayed_blocks == last.log["blocks_replayed"] == 1


def test_a_settings_change_between_turns_keeps_replaying(tmp_path: Path) -> None:
    bodies = _synthetic_bodies()
    sid = str(uuid.UUID(int=9))
    fake = FakeProvider()
    with fake.running():
        with proxy(fake, str(tmp_path)) as handle:
            sent = [post(handle, fake, bodies[0], headers(sid))]
        with proxy(fake, str(tmp_path), floor_json=4096) as changed:
            sent.append(post(changed, fake, bodies[1], headers(sid)))
    assert sent[0].log["blocks_compressed"] == 1
    check_session(_pairs(sent))
