"""Observability: the per-request log line and the x-headroom-* receipt headers (client only)."""

from __future__ import annotations

import json
from pathlib import Path

from headroom import tokens
from tests.livezone.bodies import API_KEY, Session, headers
from tests.livezone.checks import check_edit
from tests.livezone.proxyrun import post, proxy
from tests.livezone.samples import json_output, log_output
from tests.support.fake_provider import FakeProvider

RECEIPTS = (b"x-headroom-tokens-before", b"x-headroom-tokens-after", b"x-headroom-blocks-compressed",
            b"x-headroom-blocks-replayed")


def _turns() -> list[bytes]:
    session = Session("observe")
    out = []
    session.add_tool_turn("Bash", [log_output(30_000, seed=71)])
    out.append(session.body())
    session.add_tool_turn("Bash", [json_output(20_000, seed=72), "tiny"])
    session.messages[2]["content"][0]["cache_control"] = {"type": "ephemeral"}  # an older breakpoint
    out.append(session.body())
    return out


def test_log_line_and_receipt_headers(tmp_path: Path) -> None:
    first, second = _turns()
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        post(handle, fake, first, headers("observe"))
        sent = post(handle, fake, second, [*headers("observe"), (b"X-Headroom-Trace", b"t1")])
        lines = handle.log_lines()
    log = sent.log
    edits = check_edit(sent.client, sent.upstream, live_only=False)
    before = sum(tokens.count(e.before) for e in edits)
    after = sum(tokens.count(e.after) for e in edits)
    assert log["decision"] == "compressed" and log["status"] == 200
    assert log["messages"] == 5 and log["live_start"] == 4
    assert log["frozen"] == 3 and log["breakpoints"] == 2  # messages[2] is the newest frozen message
    assert log["live_blocks"] == 2 and log["blocks_compressed"] == 1 and log["blocks_replayed"] == 1
    assert (log["bytes_in"], log["bytes_before"], log["bytes_after"]) == (len(second), len(second), len(sent.upstream))
    assert (log["tokens_before"], log["tokens_after"]) == (before, after)
    assert log["strategies"] and all(isinstance(s, str) and s for s in log["strategies"])
    assert log["ms"] > 0 and 0 < log["optimise_ms"] <= log["ms"]
    assert [b["action"] for b in log["blocks"]] == ["compressed", "below_floor"]
    got = {name: sent.response.header(name) for name in RECEIPTS}
    assert got == {RECEIPTS[0]: str(before).encode(), RECEIPTS[1]: str(after).encode(),
                   RECEIPTS[2]: b"1", RECEIPTS[3]: b"1"}
    assert not [k for k, _ in sent.upstream_headers if k.lower().startswith(b"x-headroom-")]
    assert all(API_KEY.decode() not in line for line in lines)  # credentials are never logged
    assert all(json.loads(line) for line in lines)


def test_unchanged_requests_say_why(tmp_path: Path) -> None:
    session = Session("observe-2")
    plain = session.body()
    session.add_tool_turn("Bash", ["short output"])
    small = session.body()
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        logs = [post(handle, fake, body, headers("observe-2")) for body in (plain, small)]
    assert [(s.log["decision"], s.log["reason"]) for s in logs] == [("no_change", "no_tool_outputs"),
                                                                   ("no_change", "nothing_smaller")]
    for sent in logs:
        assert sent.upstream == sent.client
        assert sent.response.header(b"x-headroom-tokens-before") == b"0"
        assert sent.response.header(b"x-headroom-blocks-compressed") == b"0"
