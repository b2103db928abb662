"""Beta headers through the live proxy: forwarded exactly as sent, and ``--beta-header-sticky``.

Disabled (the default): a session that drops a beta reaches the upstream without it, byte for byte,
and nothing is read from or written to the beta table. Enabled: the dropped token comes back on the
next request of that session (same session header, model and credential) and on no other request.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from headroom.store.sqlite import DB_NAME
from tests.integration.support import expected_upstream_headers, host_of, proxy_to, wait_until
from tests.livezone.bodies import Session, headers
from tests.livezone.proxyrun import Sent, post, proxy
from tests.livezone.samples import log_output
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

CTX = "context-1m-2025-08-07"
BETA_LINES: list[tuple[bytes, bytes]] = [
    (b"Anthropic-Beta", b"claude-code-20250219 ,  context-1m-2025-08-07"),
    (b"x-between", b"1"),
    (b"anthropic-beta", b"interleaved-thinking-2025-05-14,,"),
    (b"ANTHROPIC-BETA", b"redact-thinking-2026-02-12"),
    (b"OpenAI-Beta", b"assistants=v2 , responses=experimental"),
    (b"openai-beta", b"realtime=v1"),
]
ROUTES = [
    (b"/v1/messages?beta=true", [(b"x-api-key", b"sk-ant-test"), (b"anthropic-version", b"2023-06-01")]),
    (b"/v1/chat/completions", [(b"Authorization", b"Bearer sk-test")]),
    (b"/v1/responses", [(b"Authorization", b"Bearer sk-test")]),
]


def messages(model: str = "claude-opus-4-8") -> bytes:
    return json.dumps({"model": model, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}).encode()


def send(handle: ProxyHandle, fake: FakeProvider, sent: list[tuple[bytes, bytes]], body: bytes,
         target: bytes = b"/v1/messages?beta=true") -> Sent:
    return post(handle, fake, body, [(b"Content-Type", b"application/json"), *sent], target)


def as_posted(sent: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
    """The header lines ``send`` writes for ``sent``."""
    return [(b"Host", b"127.0.0.1"), (b"Content-Type", b"application/json"), *sent,
            (b"Content-Length", str(len(body)).encode())]


def betas(s: Sent, name: bytes = b"anthropic-beta") -> list[bytes]:
    return [v for k, v in s.upstream_headers if k.lower() == name]


def beta_rows(data_dir: Path) -> int | None:
    """Rows in the beta table, or None when the store file has none (read-only, outside the proxy)."""
    conn = sqlite3.connect(f"file:{data_dir / DB_NAME}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM beta_session").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize(("target", "auth"), ROUTES)
def test_beta_lines_reach_the_upstream_exactly_as_sent(
    fake: FakeProvider, proxy: ProxyHandle, target: bytes, auth: list[tuple[bytes, bytes]]
) -> None:
    sent = [*auth, *BETA_LINES]
    s = send(proxy, fake, sent, messages(), target)
    assert s.response.status == 200
    got = fake.requests[-1]
    assert got.headers == expected_upstream_headers(as_posted(sent, s.client), host_of(fake))
    lines = b"".join(k + b": " + v + b"\r\n" for k, v in BETA_LINES)
    assert lines in got.raw_head  # every line, its order, name case and inner spacing


def test_an_edited_body_leaves_the_beta_lines_alone(fake: FakeProvider, tmp_path: Path) -> None:
    session = Session(str(uuid.UUID(int=5)))
    session.add_tool_turn("Bash", [log_output(30_000, seed=3)])
    sent = [*headers(session.session_id), *BETA_LINES[:4]]
    with proxy(fake, str(tmp_path)) as handle:
        s = post(handle, fake, session.body(), sent)
    assert s.log["blocks_compressed"] >= 1 and len(s.upstream) < len(s.client)
    assert b"".join(k + b": " + v + b"\r\n" for k, v in BETA_LINES[:4]) in fake.requests[-1].raw_head


def cc(betas: str | None, session: str = "cc-session-1") -> list[tuple[bytes, bytes]]:
    out = [(b"x-api-key", b"sk-ant-test"), (b"anthropic-version", b"2023-06-01"),
           (b"X-Claude-Code-Session-Id", session.encode())]
    return out + ([(b"anthropic-beta", betas.encode())] if betas is not None else [])


def test_disabled_forwards_a_dropped_beta_as_sent_and_stores_nothing(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path) as handle:
        send(handle, fake, cc(f"claude-code-20250219,{CTX}"), messages())
        dropped = send(handle, fake, cc("claude-code-20250219"), messages())
        none = send(handle, fake, cc(None), messages())
        logs = handle.log_lines()
    assert betas(dropped) == [b"claude-code-20250219"]
    assert betas(none) == []
    assert dropped.upstream_headers == expected_upstream_headers(as_posted(cc("claude-code-20250219"), messages()),
                                                                 host_of(fake))
    assert not any('"beta_readded"' in line for line in logs)
    assert beta_rows(tmp_path) == 0


def test_enabled_re_adds_the_dropped_beta_on_that_session_only(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, beta_header_sticky="enabled") as handle:
        first = send(handle, fake, cc(f"claude-code-20250219,{CTX}"), messages())
        dropped = send(handle, fake, cc("claude-code-20250219"), messages())
        other_session = send(handle, fake, cc("claude-code-20250219", session="cc-session-2"), messages())
        other_model = send(handle, fake, cc("structured-outputs-2025-12-15"), messages("claude-haiku-4-5-20251001"))
        gone = send(handle, fake, cc(None), messages())
        logs = [json.loads(line) for line in handle.log_lines()]
    assert betas(first) == [f"claude-code-20250219,{CTX}".encode()]
    assert betas(dropped) == [f"claude-code-20250219,{CTX}".encode()]
    assert betas(other_session) == [b"claude-code-20250219"]
    assert betas(other_model) == [b"structured-outputs-2025-12-15"]
    assert betas(gone) == [f"claude-code-20250219,{CTX}".encode()]
    assert all(s.response.status == 200 for s in (first, dropped, other_session, other_model, gone))
    # only the beta line differs from what the client sent: same place, every other header as sent
    expected = expected_upstream_headers(as_posted(cc("claude-code-20250219"), messages()), host_of(fake))
    assert dropped.upstream_headers == [(k, f"claude-code-20250219,{CTX}".encode()) if k == b"anthropic-beta"
                                        else (k, v) for k, v in expected]
    readded = [entry for entry in logs if entry["event"] == "beta_readded"]
    assert [entry["tokens"] for entry in readded] == [[CTX], ["claude-code-20250219", CTX]]


def test_enabled_keeps_codex_openai_betas_per_session_id(fake: FakeProvider, tmp_path: Path) -> None:
    def codex(beta: str | None, session: str = "01a20bf1") -> list[tuple[bytes, bytes]]:
        out = [(b"authorization", b"Bearer sk-proj-test"), (b"session-id", session.encode())]
        return out + ([(b"openai-beta", beta.encode())] if beta else [])

    body = json.dumps({"model": "gpt-5.5", "input": [], "stream": False}).encode()
    with proxy_to(fake, tmp_path, beta_header_sticky="enabled") as handle:
        send(handle, fake, codex("responses=experimental"), body, b"/v1/responses")
        again = send(handle, fake, codex(None), body, b"/v1/responses")
        other = send(handle, fake, codex(None, session="01a20bf2"), body, b"/v1/responses")
    assert betas(again, b"openai-beta") == [b"responses=experimental"]
    assert betas(other, b"openai-beta") == []


def test_enabled_state_survives_a_restart(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, beta_header_sticky="enabled") as handle:
        send(handle, fake, cc(f"claude-code-20250219,{CTX}"), messages())
        wait_until(lambda: beta_rows(tmp_path) == 1, what="the beta row is written")
    with proxy_to(fake, tmp_path, beta_header_sticky="enabled") as handle:
        resumed = send(handle, fake, cc("claude-code-20250219"), messages())
    assert betas(resumed) == [f"claude-code-20250219,{CTX}".encode()]
