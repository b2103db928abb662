from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.registry import Origin, Provider, route

ORIGINS: dict[Provider, Origin] = {
    "anthropic": Origin.parse("https://api.anthropic.com"),
    "openai": Origin.parse("https://api.openai.com"),
    "gemini": Origin.parse("https://generativelanguage.googleapis.com"),
}
ANTH = ((b"x-api-key", b"k"), (b"anthropic-version", b"2023-06-01"))
GOOG = ((b"x-goog-api-key", b"k"),)
OAI = ((b"Authorization", b"Bearer sk-x"),)


@pytest.mark.parametrize(
    ("method", "target", "headers", "provider", "api"),
    [
        (b"POST", b"/v1/messages?beta=true", (), "anthropic", "anthropic.messages"),
        (b"POST", b"/v1/messages", OAI, "anthropic", "anthropic.messages"),
        (b"POST", b"/v1/messages/count_tokens?beta=true", ANTH, "anthropic", "anthropic.count_tokens"),
        (b"POST", b"/v1/chat/completions", OAI, "openai", "openai.chat"),
        (b"POST", b"/v1/responses", OAI, "openai", "openai.responses"),
        (b"GET", b"/v1/responses/resp_123", OAI, "openai", "passthrough"),
        (b"POST", b"/v1/embeddings", OAI, "openai", "passthrough"),
        (b"POST", b"/v1beta/models/gemini-2.5-flash:generateContent", GOOG, "gemini", "gemini.generate"),
        (b"POST", b"/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse", GOOG, "gemini", "gemini.stream"),
        (b"POST", b"/v1/models/gemini-2.5-flash:countTokens", GOOG, "gemini", "passthrough"),
        (b"GET", b"/v1/models", ANTH, "anthropic", "passthrough"),
        (b"GET", b"/v1/models", GOOG, "gemini", "passthrough"),
        (b"GET", b"/v1/models", OAI, "openai", "passthrough"),
        (b"GET", b"/v1/models", (), "openai", "passthrough"),
        (b"GET", b"/v1/files", ANTH, "anthropic", "passthrough"),
        (b"GET", b"/v1/whatever?key=abc", (), "gemini", "passthrough"),
    ],
)
def test_provider_routes(
    method: bytes, target: bytes, headers: tuple[tuple[bytes, bytes], ...], provider: str, api: str
) -> None:
    r = route(method, target, headers, ORIGINS)
    assert (r.kind, r.provider, r.api, r.target) == ("provider", provider, api, target)


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        (b"GET", b"http://169.254.169.254/latest/meta-data", 403),
        (b"GET", b"http://127.0.0.1:6379/", 403),
        (b"POST", b"https://evil.example/v1/messages", 403),
        (b"CONNECT", b"api.anthropic.com:443", 405),
        (b"TRACE", b"/", 405),
        (b"OPTIONS", b"*", 501),
        (b"get", b"/v1/models", 501),
        (b"BREW", b"/", 501),
        (b"GET", b"/v1/../admin", 404),
        (b"GET", b"/v1/%2e%2e/admin", 404),
        (b"GET", b"/v1/%2E%2e/admin", 404),
        (b"GET", b"/v1/a%2fb", 404),
        (b"GET", b"/v1//x", 404),
        (b"GET", b"/./livez", 404),
        (b"GET", b"/v1/x%zz", 404),
        (b"GET", b"/v1/a b", 400),
        (b"GET", b"/v1/a\\b", 400),
        (b"GET", b"/nothing-here", 404),
    ],
)
def test_rejections(method: bytes, target: bytes, status: int) -> None:
    r = route(method, target, (), ORIGINS)
    assert r.kind == "reject"
    assert r.status == status


def test_absolute_form_for_configured_upstream_is_routed_as_origin_form() -> None:
    r = route(b"POST", b"https://api.anthropic.com/v1/messages?beta=true", (), ORIGINS)
    assert (r.kind, r.provider, r.target) == ("provider", "anthropic", b"/v1/messages?beta=true")
    r = route(b"POST", b"https://api.openai.com:443/v1/chat/completions", (), ORIGINS)
    assert (r.provider, r.api) == ("openai", "openai.chat")
    # a path of another provider on this origin is still sent to this origin, as a passthrough
    r = route(b"POST", b"https://api.openai.com/v1/messages", (), ORIGINS)
    assert (r.provider, r.api) == ("openai", "passthrough")


def test_local_endpoints() -> None:
    assert route(b"GET", b"/livez", (), ORIGINS).local == "livez"
    assert route(b"GET", b"/readyz", (), ORIGINS).local == "readyz"
    assert route(b"GET", b"/v1/retrieve/0123456789abcdef01234567", (), ORIGINS).local == "retrieve"
    assert route(b"POST", b"/v1/retrieve", (), ORIGINS).local == "retrieve"


def test_origin_host_header() -> None:
    assert Origin.parse("https://api.anthropic.com").host_header == b"api.anthropic.com"
    assert Origin.parse("http://127.0.0.1:8080/base/").host_header == b"127.0.0.1:8080"
    assert Origin.parse("http://127.0.0.1:8080/base/").prefix == "/base"
    assert Origin.parse("http://[::1]:9/").host_header == b"[::1]:9"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.binary(max_size=200))
def test_route_is_total(method: bytes, target: bytes) -> None:
    r = route(method, target, (), ORIGINS)
    assert r.kind in ("provider", "local", "reject")
    if r.kind == "provider":
        assert r.target.startswith(b"/")
        assert b".." not in r.target.partition(b"?")[0].split(b"/")
