"""Fail open (I8; RELIABILITY.md 34-35): bodies the engine must not edit go upstream byte-identical.

Every trap is planted in a body that *would* be compressed without it (the control), so a trap
that slipped through shows up as an edit. The provider's answer is relayed, no exception escapes
(no error log line, the next request on the same proxy is compressed as usual) and the work stays
linear (100k-deep nesting is refused in well under a second).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.livezone.bodies import Session, headers
from tests.livezone.proxyrun import Sent, post, proxy
from tests.livezone.samples import log_output
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

Running = tuple[FakeProvider, ProxyHandle]

LIVE = b'"type":"tool_result",'
PART = b'{"type":"text","text":"2025-'  # a text part of a list-form tool_result
DEEP = 100_000


def _control() -> bytes:
    session = Session("failopen")
    session.add_tool_turn("Bash", [log_output(20_000, seed=31)])
    session.add_tool_turn("Bash", [[log_output(8_000, seed=32), log_output(9_000, seed=33)]])
    return session.body()


def _at_live(body: bytes, insert: bytes) -> bytes:
    """Insert bytes right after the last tool_result's type member (inside the live block)."""
    at = body.rindex(LIVE) + len(LIVE)
    return body[:at] + insert + body[at:]


def _in_live_text(body: bytes, raw: bytes) -> bytes:
    """Put raw bytes inside the live tool output string (before its first newline escape)."""
    at = body.rindex(b"INFO  [worker-")
    return body[:at] + raw + body[at:]


def _in_system(body: bytes, raw: bytes) -> bytes:
    at = body.index(b"You are Claude Code.")
    return body[:at] + raw + body[at:]


def _root_member(body: bytes, member: bytes) -> bytes:
    return b"{" + member + b"," + body[1:]


TRAPS: dict[str, Callable[[bytes], bytes]] = {
    # 34: malformed JSON
    "truncated": lambda b: b[:-1],
    "missing-comma": lambda b: b.replace(b'"role":"user","content"', b'"role":"user" "content"', 1),
    "trailing-garbage": lambda b: b + b"x",
    "single-quoted": lambda b: b.replace(b'"max_tokens"', b"'max_tokens'"),
    # 35: duplicate keys on an edited path
    "dup-content": lambda b: _at_live(b, b'"content":"short",'),
    "dup-type": lambda b: _at_live(b, b'"type":"tool_result",'),
    "dup-tool-use-id": lambda b: _at_live(b, b'"tool_use_id":"toolu_x",'),
    "dup-messages": lambda b: _root_member(b, b'"messages":[]'),
    "dup-role": lambda b: b[: b.rindex(b'"role":"user"')] + b'"role":"user",' + b[b.rindex(b'"role":"user"'):],
    "dup-text-in-part": lambda b: b.replace(PART, b'{"text":"x",' + PART[1:]),
    # 35: lone surrogates, anywhere
    "lone-high-in-live": lambda b: _in_live_text(b, b"\\ud800"),
    "lone-low-in-live": lambda b: _in_live_text(b, b"\\udc00x"),
    "reversed-pair-in-live": lambda b: _in_live_text(b, b"\\ude00\\ud83d"),
    "lone-high-in-system": lambda b: _in_system(b, b"\\ud83d "),
    "lone-in-tool-input": lambda b: b.replace(b'"command":"run"', b'"command":"r\\udfffun"', 1),
    "lone-in-member-name": lambda b: _root_member(b, b'"\\udc00":1'),
    # 35: NaN / Infinity
    "nan": lambda b: b.replace(b'"max_tokens":32000', b'"max_tokens":NaN'),
    "infinity-in-input": lambda b: b.replace(b'"command":"run"', b'"command":-Infinity', 1),
    # 35: BOM
    "bom": lambda b: b"\xef\xbb\xbf" + b,
    # 35: 100k-deep nesting
    "deep-root-member": lambda b: _root_member(b, b'"x":' + b"[" * DEEP + b"]" * DEEP),
    "deep-in-tool-input": lambda b: b.replace(b'"command":"run"', b'"command":' + b'{"a":' * DEEP + b"1"
                                              + b"}" * DEEP, 1),
    # 35: 5000-digit numbers
    "huge-int": lambda b: b.replace(b'"max_tokens":32000', b'"max_tokens":' + b"7" * 5000),
    "huge-negative-in-input": lambda b: b.replace(b'"command":"run"', b'"command":-' + b"9" * 5000, 1),
    # 35: invalid UTF-8
    "invalid-byte-in-live": lambda b: _in_live_text(b, b"\xff"),
    "overlong-in-live": lambda b: _in_live_text(b, b"\xc0\xaf"),
    "encoded-surrogate-in-live": lambda b: _in_live_text(b, b"\xed\xa0\x80"),
    "truncated-sequence-in-system": lambda b: _in_system(b, b"\xe4\xb8"),
    "latin1-member-name": lambda b: b.replace(b'"stream":false', b'"stream\xe9":false'),
}
# Bodies the fake provider itself cannot handle (its json.loads recurses, or decodes surrogates it
# cannot encode again): it is told to answer a fixed 400 without decoding them.
PROVIDER_MODE = {name: "status:400" for name in TRAPS if "deep" in name or "lone" in name or "surrogate" in name
                 or "pair" in name}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path_factory.mktemp("failopen"))) as handle:
        yield fake, handle
    assert fake.errors == []


def _send(running: Running, body: bytes, mode: str | None = None) -> Sent:
    fake, handle = running
    extra = {"x_fake_mode": mode} if mode else {}
    return post(handle, fake, body, headers("failopen", **extra))


def test_the_control_body_is_compressed(running: Running) -> None:
    sent = _send(running, _control())
    assert sent.log["decision"] == "compressed" and sent.upstream != sent.client


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_trap_is_forwarded_byte_identical(running: Running, trap: str) -> None:
    control = _control()
    body = TRAPS[trap](control)
    assert body != control
    sent = _send(running, body, PROVIDER_MODE.get(trap))
    assert sent.upstream == body
    assert sent.log["decision"] == "passthrough" and sent.log["reason"].startswith("error:"), sent.log
    assert sent.log["bytes_in"] == len(body)
    assert sent.log.get("optimise_ms", 0) < 1000  # linear: refused fast, whatever the trap
    assert sent.response.status == sent.log["status"]  # the provider's answer, relayed
    assert sent.response.status == 200 or b"fake provider" in sent.response.body
    handle = running[1]
    assert not [line for line in handle.log_lines() if '"level":"error"' in line]
    assert _send(running, control).log["decision"] == "compressed"  # the proxy is still well


def test_malformed_json_gets_the_providers_400(running: Running) -> None:
    sent = _send(running, _control()[:-1])
    assert sent.response.status == 400 and b"not a JSON object" in sent.response.body


def test_each_trap_changes_the_body() -> None:
    """A trap whose anchor text was not found would silently test the control again."""
    control = _control()
    assert control.count(PART) == 2 and control.count(LIVE) == 2
    for name, make in TRAPS.items():
        assert make(control) != control, name
