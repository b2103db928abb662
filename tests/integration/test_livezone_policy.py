"""Request- and block-level policy through the live proxy: bypass header, auth modes (I10),
compression off, tool policy, per-type floors. (Request Content-Encoding: test_request_encoding.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.livezone.bodies import API_KEY, Session
from tests.livezone.checks import check_edit
from tests.livezone.proxyrun import Sent, post, proxy
from tests.livezone.samples import cat_n_output, log_output
from tests.support.fake_provider import FakeProvider

OAUTH = [(b"Authorization", b"Bearer sk-ant-oat01-TEST-TOKEN")]
SUBSCRIPTION = [*OAUTH, (b"anthropic-beta", b"claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14")]
PAYG_BEARER = [(b"Authorization", b"Bearer sk-ant-api03-TEST")]
PAYG_KEY = [(b"x-api-key", API_KEY)]
BASE = [(b"Content-Type", b"application/json"), (b"anthropic-version", b"2023-06-01")]


def _body(tool: str = "Bash", output: str | None = None, sid: str = "policy") -> bytes:
    session = Session(sid)
    session.add_tool_turn(tool, [output if output is not None else log_output(20_000, seed=41)])
    return session.body()


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with provider.running():
        yield provider
    assert provider.errors == []


def _send(fake: FakeProvider, tmp_path: Path, body: bytes, auth: list[tuple[bytes, bytes]],
          extra: list[tuple[bytes, bytes]] | None = None, **overrides: Any) -> Sent:
    with proxy(fake, str(tmp_path), **overrides) as handle:
        return post(handle, fake, body, [*BASE, *auth, *(extra or [])])


def _untouched(sent: Sent, reason: str) -> None:
    assert sent.upstream == sent.client
    assert sent.log["decision"] == "passthrough" and sent.log["reason"] == reason
    assert sent.response.status == 200


def _compressed(sent: Sent) -> None:
    assert sent.log["decision"] == "compressed" and len(check_edit(sent.client, sent.upstream)) == 1


@pytest.mark.parametrize("value", [b"1", b"true", b"yes", b" 1 "])
def test_bypass_header_forwards_byte_identical_and_is_stripped(fake: FakeProvider, tmp_path: Path,
                                                              value: bytes) -> None:
    sent = _send(fake, tmp_path, _body(), PAYG_KEY, [(b"X-Headroom-Bypass", value)])
    _untouched(sent, "bypass_header")
    assert not [k for k, _ in sent.upstream_headers if k.lower().startswith(b"x-headroom-")]
    assert sent.response.header(b"x-headroom-tokens-before") is None


def test_bypass_header_with_another_value_does_not_bypass(fake: FakeProvider, tmp_path: Path) -> None:
    sent = _send(fake, tmp_path, _body(), PAYG_KEY, [(b"x-headroom-bypass", b"0")])
    _compressed(sent)
    assert not [k for k, _ in sent.upstream_headers if k.lower().startswith(b"x-headroom-")]


@pytest.mark.parametrize("auth", [PAYG_KEY, PAYG_BEARER], ids=["x-api-key", "bearer-api-key"])
def test_api_key_traffic_is_compressed_by_default(fake: FakeProvider, tmp_path: Path,
                                                  auth: list[tuple[bytes, bytes]]) -> None:
    _compressed(_send(fake, tmp_path, _body(), auth))


@pytest.mark.parametrize(("auth", "mode"), [(OAUTH, "oauth"), (SUBSCRIPTION, "subscription")])
def test_oauth_and_subscription_traffic_is_untouched_by_default(fake: FakeProvider, tmp_path: Path,
                                                                auth: list[tuple[bytes, bytes]], mode: str) -> None:
    sent = _send(fake, tmp_path, _body(), auth)
    _untouched(sent, f"auth_{mode}")
    assert [v for k, v in sent.upstream_headers if k == b"Authorization"] == [auth[0][1]]


def test_auth_modes_setting_opts_oauth_in(fake: FakeProvider, tmp_path: Path) -> None:
    _compressed(_send(fake, tmp_path / "a", _body(), OAUTH, compress_auth_modes="payg,oauth"))
    # a subscription login (oauth beta) is its own mode and stays untouched until listed too
    _untouched(_send(fake, tmp_path / "b", _body(), SUBSCRIPTION, compress_auth_modes="payg,oauth"),
               "auth_subscription")
    _compressed(_send(fake, tmp_path / "c", _body(), SUBSCRIPTION, compress_auth_modes="subscription"))
    _untouched(_send(fake, tmp_path / "d", _body(), PAYG_KEY, compress_auth_modes="oauth"), "auth_payg")


def test_compression_off_is_a_byte_faithful_proxy(fake: FakeProvider, tmp_path: Path) -> None:
    sent = _send(fake, tmp_path, _body(), PAYG_KEY, compression_mode="off")
    _untouched(sent, "mode_off")
    assert not [k for k, _ in sent.response.headers if k.lower().startswith(b"x-headroom-")]
    assert not list(tmp_path.glob("*.sqlite3"))  # no store is even opened


def test_read_is_never_compressed_by_default(fake: FakeProvider, tmp_path: Path) -> None:
    for output in (cat_n_output(40_000), log_output(40_000)):
        sent = _send(fake, tmp_path, _body("Read", output), PAYG_KEY)
        assert sent.upstream == sent.client and sent.log["decision"] == "no_change"
        assert [b["action"] for b in sent.log["blocks"]] == ["policy_excluded"]


@pytest.mark.parametrize(
    ("policy", "tool", "compressed"),
    [("Read", "Read", True), ("-Bash", "Bash", False), ("-mcp__*,+mcp__github__*", "mcp__github__list_issues", True),
     ("-mcp__*,+mcp__github__*", "mcp__slack__read", False)],
)
def test_tool_policy_globs(fake: FakeProvider, tmp_path: Path, policy: str, tool: str, compressed: bool) -> None:
    sent = _send(fake, tmp_path, _body(tool, log_output(20_000, seed=42)), PAYG_KEY, tool_policy=policy)
    if compressed:
        _compressed(sent)
    else:
        assert sent.upstream == sent.client and sent.log["blocks"][0]["action"] == "policy_excluded"


def test_floors_leave_smaller_outputs_untouched(fake: FakeProvider, tmp_path: Path) -> None:
    output = log_output(3000, seed=43)
    size = len(output.encode())
    sent = _send(fake, tmp_path / "a", _body(output=output), PAYG_KEY, floor_log=size + 1)
    assert sent.upstream == sent.client and sent.log["blocks"][0]["action"] == "below_floor"
    _compressed(_send(fake, tmp_path / "b", _body(output=output), PAYG_KEY, floor_log=size))


def test_count_tokens_is_not_compressed(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, _body(), [*BASE, *PAYG_KEY], target=b"/v1/messages/count_tokens")
    assert sent.upstream == sent.client and sent.log["reason"] == "route"
