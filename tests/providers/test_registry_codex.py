"""Routing of Codex traffic: the Responses aliases and ChatGPT-login requests (header or JWT)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.registry import Origin, configured_origins, route
from tests.providers.test_chatgpt import NESTED, TOP, jwt

ORIGINS = configured_origins({
    "anthropic": "https://api.anthropic.com",
    "openai": "https://api.openai.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "chatgpt": "https://chatgpt.com/backend-api/codex",
})
KEY = ((b"Authorization", b"Bearer sk-proj-x"),)
ACCOUNT = ((b"Authorization", b"Bearer opaque-token"), (b"ChatGPT-Account-Id", b"acct-1"))
JWT_NESTED = ((b"authorization", b"Bearer " + NESTED),)
JWT_TOP = ((b"Authorization", b"Bearer " + TOP),)
Headers = tuple[tuple[bytes, bytes], ...]


def test_configured_origins() -> None:
    assert ORIGINS["chatgpt"] == Origin("https", "chatgpt.com", 443, "/backend-api/codex")
    assert ORIGINS["chatgpt-host"] == Origin("https", "chatgpt.com", 443, "")
    assert ORIGINS["openai"].prefix == ""


@pytest.mark.parametrize(
    ("method", "target", "api", "upstream"),
    [
        (b"POST", b"/v1/responses", "openai.responses", b"/v1/responses"),
        (b"POST", b"/v1/codex/responses", "openai.responses", b"/v1/responses"),
        (b"POST", b"/v1/codex/responses?x=1", "openai.responses", b"/v1/responses?x=1"),
        (b"POST", b"/v1/responses/compact", "passthrough", b"/v1/responses/compact"),
        (b"POST", b"/v1/codex/responses/compact", "passthrough", b"/v1/responses/compact"),
        (b"GET", b"/v1/responses/resp_1/input_items", "passthrough", b"/v1/responses/resp_1/input_items"),
        (b"POST", b"/v1/conversations", "passthrough", b"/v1/conversations"),
        (b"GET", b"/v1/conversations/conv_1/items", "passthrough", b"/v1/conversations/conv_1/items"),
        (b"POST", b"/v1/chat/completions", "openai.chat", b"/v1/chat/completions"),
    ],
)
def test_api_key_traffic_goes_to_openai(method: bytes, target: bytes, api: str, upstream: bytes) -> None:
    r = route(method, target, KEY, ORIGINS)
    assert (r.kind, r.provider, r.api, r.target, r.upstream) == ("provider", "openai", api, upstream, "openai")


@pytest.mark.parametrize("headers", [ACCOUNT, JWT_NESTED, JWT_TOP], ids=["header", "jwt-nested", "jwt-top"])
@pytest.mark.parametrize(
    ("target", "api", "origin", "upstream"),
    [
        (b"/v1/responses", "openai.responses", "chatgpt", b"/responses"),
        (b"/v1/codex/responses", "openai.responses", "chatgpt", b"/responses"),
        (b"/backend-api/codex/responses", "openai.responses", "chatgpt", b"/responses"),
        (b"/backend-api/codex/responses?client_version=0.169.0", "openai.responses", "chatgpt",
         b"/responses?client_version=0.169.0"),
        (b"/v1/responses/compact", "passthrough", "chatgpt", b"/responses/compact"),
        (b"/backend-api/codex/responses/compact", "passthrough", "chatgpt", b"/responses/compact"),
        (b"/v1/models", "passthrough", "chatgpt", b"/models"),
        (b"/backend-api/codex/models?client_version=1", "passthrough", "chatgpt", b"/models?client_version=1"),
        (b"/backend-api/wham/usage", "passthrough", "chatgpt-host", b"/backend-api/wham/usage"),
        (b"/backend-api/codex", "passthrough", "chatgpt-host", b"/backend-api/codex"),
    ],
)
def test_chatgpt_login_goes_to_chatgpt(headers: Headers, target: bytes, api: str, origin: str, upstream: bytes) -> None:
    method = b"GET" if b"models" in target or b"usage" in target else b"POST"
    r = route(method, target, headers, ORIGINS)
    assert (r.kind, r.provider, r.api, r.upstream, r.target) == ("provider", "openai", api, origin, upstream)


@pytest.mark.parametrize("headers", [KEY, (), ((b"Authorization", b"Bearer " + jwt({"sub": "x"})),)])
def test_backend_api_paths_always_go_to_chatgpt(headers: Headers) -> None:
    r = route(b"POST", b"/backend-api/codex/responses", headers, ORIGINS)
    assert (r.provider, r.api, r.upstream, r.target) == ("openai", "openai.responses", "chatgpt", b"/responses")
    r = route(b"GET", b"/backend-api/accounts/check", headers, ORIGINS)
    assert (r.provider, r.api, r.upstream, r.target) == ("openai", "passthrough", "chatgpt-host",
                                                         b"/backend-api/accounts/check")


@pytest.mark.parametrize(
    "headers",
    [
        ((b"Authorization", b"Bearer eyJhbGciOiJSUzI1NiJ9.!!!.sig"),),  # malformed JWT: not ChatGPT
        ((b"Authorization", b"Bearer " + jwt({"https://api.openai.com/auth": {"user_id": "u"}})),),
        ((b"Authorization", b"Bearer " + TOP[:-10] + b"A.B.C"),),
    ],
)
def test_malformed_or_foreign_jwt_is_not_chatgpt(headers: Headers) -> None:
    r = route(b"POST", b"/v1/responses", headers, ORIGINS)
    assert (r.upstream, r.target) == ("openai", b"/v1/responses")


@pytest.mark.parametrize("target", [b"/v1/chat/completions", b"/v1/embeddings", b"/v1/files", b"/v1/conversations"])
def test_non_codex_openai_paths_stay_on_openai_for_chatgpt_logins(target: bytes) -> None:
    r = route(b"POST", target, ACCOUNT, ORIGINS)
    assert (r.provider, r.upstream, r.target) == ("openai", "openai", target)


def test_other_providers_are_not_diverted_by_a_chatgpt_header() -> None:
    headers = ((b"x-api-key", b"k"), (b"anthropic-version", b"2023-06-01"), (b"ChatGPT-Account-Id", b"a"))
    r = route(b"POST", b"/v1/messages", headers, ORIGINS)
    assert (r.provider, r.upstream, r.target) == ("anthropic", "anthropic", b"/v1/messages")
    r = route(b"POST", b"/v1beta/models/g:generateContent", ((b"x-goog-api-key", b"k"), *ACCOUNT), ORIGINS)
    assert (r.provider, r.upstream) == ("gemini", "gemini")


def test_local_endpoints_win_over_chatgpt() -> None:
    assert route(b"GET", b"/livez", ACCOUNT, ORIGINS).kind == "local"
    assert route(b"GET", b"/v1/retrieve/0123456789abcdef01234567", ACCOUNT, ORIGINS).kind == "local"


def test_absolute_form_on_the_chatgpt_host_keeps_the_exact_url() -> None:
    r = route(b"POST", b"https://chatgpt.com/backend-api/codex/responses", KEY, ORIGINS)
    assert (r.provider, r.api, r.upstream, r.target) == ("openai", "openai.responses", "chatgpt-host",
                                                         b"/backend-api/codex/responses")
    r = route(b"GET", b"https://chatgpt.com:443/backend-api/wham/usage?x=1", ACCOUNT, ORIGINS)
    assert (r.api, r.upstream, r.target) == ("passthrough", "chatgpt-host", b"/backend-api/wham/usage?x=1")
    assert route(b"GET", b"https://chatgpt.com.evil.example/backend-api/x", ACCOUNT, ORIGINS).status == 403


def test_routes_without_a_chatgpt_origin_still_work() -> None:
    three = {k: v for k, v in ORIGINS.items() if k in ("anthropic", "openai", "gemini")}
    r = route(b"POST", b"/v1/responses", ACCOUNT, three)
    assert (r.upstream, r.target) == ("chatgpt", b"/responses")


def test_path_tricks_are_refused_before_chatgpt_routing() -> None:
    for target in (b"/backend-api/../admin", b"/backend-api/%2e%2e/x", b"/backend-api//x"):
        assert route(b"GET", target, ACCOUNT, ORIGINS).status == 404


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"/v1/", b"/v1/codex/", b"/backend-api/", b"/backend-api/codex/"]),
       st.from_regex(rb"[A-Za-z0-9_\-/.]{0,40}", fullmatch=True), st.booleans())
def test_chatgpt_routes_stay_under_their_origin(prefix: bytes, rest: bytes, login: bool) -> None:
    r = route(b"POST", prefix + rest, ACCOUNT if login else KEY, ORIGINS)
    if r.kind != "provider":
        return
    assert r.target.startswith(b"/")
    assert b".." not in r.target.split(b"/")
    if r.upstream == "chatgpt-host":
        assert r.target.startswith(b"/backend-api/")
    assert r.provider == "openai" or not prefix.startswith(b"/backend-api/")
