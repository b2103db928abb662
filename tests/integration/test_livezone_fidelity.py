"""Byte fidelity (I1, I2, I6) through the live proxy on real client bodies.

Captured Claude Code and Anthropic SDK bodies get a large fresh tool turn planted as the newest
turn (logs, JSON, grep; string and list content; with and without a cache_control breakpoint on
the live block). The upstream body must parse, differ from the client's only inside the planted
outputs (system, tools, thinking + signature, tool_use inputs, images and earlier turns intact,
SHA-256 of everything outside the edited spans unchanged), carry a recomputed Content-Length, and
every planted output must have been compressed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from headroom import tokens
from tests.infra.client import Client
from tests.livezone.bodies import Captured, captured, plant_turn
from tests.livezone.checks import check_edit
from tests.livezone.proxyrun import proxy, replay
from tests.livezone.samples import grep_output, json_output, log_output
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir

BASES = [
    ("claude-code-3-interactive", "011-v1_messages"),  # newest turn is a Read with cache_control
    ("claude-code-3-interactive", "006-v1_messages"),
    ("sdk-anthropic", "006-v1_messages"),  # 211 KB, list-form Read output in history
    ("sdk-anthropic", "003-v1_messages"),
]
OUTPUTS: list[str | list[str]] = [
    log_output(100_000, seed=21),
    json_output(40_000, seed=22),
    [grep_output(30_000, seed=23), log_output(20_000, seed=24)],
]


def _base(session: str, name: str) -> Captured:
    return next(c for c in captured(corpus_dir() / session) if c.name == name)


@pytest.mark.parametrize("cache", [False, True], ids=["plain", "cache_control-on-live-block"])
@pytest.mark.parametrize(("session", "name"), BASES)
def test_planted_live_outputs_are_the_only_bytes_changed(session: str, name: str, cache: bool,
                                                         tmp_path: Path) -> None:
    base = _base(session, name)
    body = plant_turn(base.body, "Bash", {"command": "./collect.sh"}, OUTPUTS, cache=cache)
    request = Captured(base.name, base.meta, body)
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        [sent] = replay(handle, fake, [request])
    assert sent.response.status == 200
    edits = check_edit(body, sent.upstream, live_only=True)
    assert len(edits) == 4 == sent.log["blocks_compressed"]  # every planted output, nothing else
    for edit in edits:
        assert tokens.count(edit.after) < tokens.count(edit.before)
    length = [v for k, v in sent.upstream_headers if k.lower() == b"content-length"]
    assert length == [str(len(sent.upstream)).encode()]
    expected = [(k, v) for k, v in request.header_tuples() if k.lower() not in (b"connection", b"host",
                                                                                  b"content-length")]
    kept = [(k, v) for k, v in sent.upstream_headers if k.lower() not in (b"host", b"content-length")]
    assert kept == expected  # every other header verbatim, in order, original case
    for signature in re.findall(rb'"signature":"[^"]*"', body):
        assert signature in sent.upstream
    saved = int(sent.response.header(b"x-headroom-tokens-before") or 0) - int(
        sent.response.header(b"x-headroom-tokens-after") or 0)
    assert saved > 0.8 * sum(tokens.count(e.before) for e in edits)


def test_a_body_that_is_not_edited_is_forwarded_byte_identical(tmp_path: Path) -> None:
    requests = [c for c in captured(corpus_dir() / "claude-code-3-interactive") if c.name < "006"]
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        sent = replay(handle, fake, requests)
    assert [s.log["decision"] for s in sent] == ["no_change"] * len(requests)
    assert [s.upstream for s in sent] == [r.body for r in requests]


def test_non_compact_separators_keep_their_bytes(tmp_path: Path) -> None:
    """Spaced and indented JSON: offsets come from the bytes, never from a re-serialisation."""
    tree = json.loads(_base("sdk-anthropic", "003-v1_messages").body)
    tree["messages"][-1]["content"][0]["content"] = log_output(30_000, seed=25)
    for form in ({"indent": 2}, {"separators": (" ,", " : ")}, {"indent": "\t", "ensure_ascii": True}):
        body = json.dumps(tree, **form).encode()
        base = _base("sdk-anthropic", "003-v1_messages")
        fake = FakeProvider()
        with fake.running(), proxy(fake, str(tmp_path / str(len(body)))) as handle:
            [sent] = replay(handle, fake, [Captured(base.name, base.meta, body)])
        [edit] = check_edit(body, sent.upstream, live_only=True)
        assert edit.path[-1] == "content"


def test_a_chunked_upload_is_edited_and_rechunked(tmp_path: Path) -> None:
    base = _base("claude-code-3-interactive", "006-v1_messages")
    body = plant_turn(base.body, "Bash", {"command": "make"}, [log_output(50_000, seed=26)])
    headers = [(k.encode(), v.encode()) for k, v in base.meta["headers"]
               if k.lower() not in ("host", "content-length", "connection")]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7000]), body[i:i + 7000]) for i in range(0, len(body), 7000))
    head = b"POST /v1/messages?beta=true HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(k + b": " + v + b"\r\n" for k, v in headers) + b"Transfer-Encoding: chunked\r\n\r\n"
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path)) as handle, Client(handle.port) as client:
        client.send(head + framed + b"0\r\n\r\n")
        response = client.read_response()
    [upstream] = fake.requests
    assert response.status == 200 and upstream.chunked
    assert upstream.header(b"content-length") is None
    [edit] = check_edit(body, upstream.body, live_only=True)
    assert tokens.count(edit.after) < tokens.count(edit.before)
