"""ChatGPT-login routing through the live proxy: the fake Codex backend stands in for chatgpt.com
(``--chatgpt-upstream`` points at it) and the fake provider for api.openai.com, so every test can
tell which upstream a request reached and under which path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra.client import Client, Response
from tests.providers.test_chatgpt import NESTED, TOP, jwt
from tests.support.fake.websocket import CODEX_HEADERS, FakeCodexBackend
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle, make_settings, running_proxy

BODY = b'{"model":"gpt-5.5","stream":false,"input":[{"type":"message","role":"user","content":"hi"}]}'
ACCOUNT = [("Authorization", "Bearer opaque-access-token"), ("ChatGPT-Account-Id", "acct-secret-42")]
JWT_NESTED = [("Authorization", "Bearer " + NESTED.decode())]
JWT_TOP = [("authorization", "Bearer " + TOP.decode())]
API_KEY = [("Authorization", "Bearer sk-proj-test")]
LITE = ("X-OpenAI-Internal-Codex-Responses-Lite", "true")


@pytest.fixture
def openai() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with provider.running():
        yield provider
    assert provider.errors == []


@pytest.fixture
def routed(openai: FakeProvider, backend: FakeCodexBackend, tmp_path: Path) -> Iterator[ProxyHandle]:
    settings = make_settings(openai.url, str(tmp_path), chatgpt_upstream=backend.url + "/backend-api/codex")
    with running_proxy(settings) as handle:
        yield handle


def send(proxy: ProxyHandle, method: str, path: str, headers: list[tuple[str, str]]) -> Response:
    with Client(proxy.port) as client:
        body = BODY if method == "POST" else b""
        extra = [("Content-Type", "application/json")] if body else []
        return client.request(method, path, body, [*headers, *extra, LITE])


CHATGPT_CASES = [
    ("POST", "/v1/responses", b"/backend-api/codex/responses"),
    ("POST", "/v1/codex/responses", b"/backend-api/codex/responses"),
    ("POST", "/backend-api/codex/responses", b"/backend-api/codex/responses"),
    ("POST", "/v1/responses/compact", b"/backend-api/codex/responses/compact"),
    ("GET", "/backend-api/codex/models?client_version=1", b"/backend-api/codex/models?client_version=1"),
    ("GET", "/backend-api/wham/usage", b"/backend-api/wham/usage"),
]


@pytest.mark.parametrize("headers", [ACCOUNT, JWT_NESTED, JWT_TOP], ids=["header", "jwt-nested", "jwt-top"])
@pytest.mark.parametrize("case", CHATGPT_CASES, ids=[f"{m} {p}" for m, p, _ in CHATGPT_CASES])
def test_chatgpt_login_reaches_the_chatgpt_upstream(
    openai: FakeProvider, backend: FakeCodexBackend, routed: ProxyHandle, headers: list[tuple[str, str]],
    case: tuple[str, str, bytes],
) -> None:
    method, path, upstream = case
    response = send(routed, method, path, headers)
    assert response.status == 200
    assert json.loads(response.body) == {"method": method, "target": upstream.decode()}
    assert openai.requests == []
    (req,) = backend.requests
    assert req.target == upstream
    assert req.header(b"host") == f"127.0.0.1:{backend.port}".encode()
    assert req.header(b"x-openai-internal-codex-responses-lite") is None
    assert req.body == (BODY if method == "POST" else b"")
    sent_auth = dict(headers).get("Authorization") or dict(headers).get("authorization")
    assert req.header(b"authorization") == (sent_auth or "").encode()


@pytest.mark.parametrize(
    "case",
    [
        ("/custom/codex", "/v1/responses", b"/custom/codex/responses"),
        ("/custom/codex", "/backend-api/codex/models", b"/custom/codex/models"),
        ("/custom/codex", "/backend-api/wham/usage", b"/backend-api/wham/usage"),  # the catch-all keeps its path
        ("", "/v1/codex/responses", b"/responses"),
    ],
)
def test_the_chatgpt_upstream_prefix_is_applied(
    openai: FakeProvider, backend: FakeCodexBackend, tmp_path: Path, case: tuple[str, str, bytes]
) -> None:
    prefix, path, upstream = case
    method = "GET" if "models" in path or "usage" in path else "POST"
    with running_proxy(make_settings(openai.url, str(tmp_path), chatgpt_upstream=backend.url + prefix)) as proxy:
        assert send(proxy, method, path, ACCOUNT).status == 200
    assert [r.target for r in backend.requests] == [upstream]


@pytest.mark.parametrize(
    "headers",
    [API_KEY, [("Authorization", "Bearer eyJhbGciOiJub25lIn0.bm90IGpzb24.")],
     [("Authorization", "Bearer " + jwt({"https://api.openai.com/auth": {"user_id": "u"}}).decode())]],
    ids=["api-key", "malformed-jwt", "jwt-without-account"],
)
def test_other_traffic_stays_on_openai(
    openai: FakeProvider, backend: FakeCodexBackend, routed: ProxyHandle, headers: list[tuple[str, str]]
) -> None:
    assert send(routed, "POST", "/v1/responses", headers).status == 200
    assert send(routed, "POST", "/v1/codex/responses", headers).status == 200  # the alias, same endpoint
    assert [r.target for r in openai.requests] == [b"/v1/responses", b"/v1/responses"]
    assert all(r.header(b"x-openai-internal-codex-responses-lite") is None for r in openai.requests)
    assert backend.requests == []


def test_x_codex_response_headers_are_relayed_unchanged(backend: FakeCodexBackend, routed: ProxyHandle) -> None:
    response = send(routed, "POST", "/v1/responses", ACCOUNT)
    with Client(backend.port) as direct:
        reference = direct.request("POST", "/backend-api/codex/responses", BODY, ACCOUNT)
    codex = [h for h in response.headers if h[0].lower().startswith(b"x-codex-")]
    assert codex == [h for h in reference.headers if h[0].lower().startswith(b"x-codex-")] == CODEX_HEADERS
    assert response.header(b"headroom-upstream-request-id") == b"req_codex_1"


def test_credentials_never_reach_the_log(backend: FakeCodexBackend, routed: ProxyHandle) -> None:
    for headers in (ACCOUNT, JWT_NESTED):
        assert send(routed, "POST", "/v1/responses", headers).status == 200
    logs = "\n".join(routed.log_lines())
    assert '"provider":"openai"' in logs
    for secret in ("acct-secret-42", "acct-123", "opaque-access-token", NESTED.decode()[:40], NESTED.decode()[-20:]):
        assert secret not in logs
