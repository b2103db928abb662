from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.livezone.policy import ToolPolicy, classify_auth, parse_modes
from headroom.livezone.session import ccr_key, content_hash, credential_fingerprint, session_key, session_scopes

SECRET = b"k" * 32


@pytest.mark.parametrize(
    ("headers", "mode"),
    [
        (((b"x-api-key", b"sk-ant-api03-x"),), "payg"),
        (((b"Authorization", b"Bearer sk-ant-api03-x"),), "payg"),
        (((b"authorization", b"Bearer sk-proj-x"),), "payg"),
        (((b"x-goog-api-key", b"AIza"),), "payg"),
        (((b"Authorization", b"Bearer sk-ant-oat01-x"),), "oauth"),
        (((b"Authorization", b"Bearer eyJhbGciOi"),), "oauth"),
        (((b"Authorization", b"Bearer sk-ant-oat01-x"), (b"anthropic-beta", b"claude-code-20250219,oauth-2025-04-20")),
         "subscription"),
        (((b"authorization", b"Bearer eyJ"), (b"chatgpt-account-id", b"acct")), "subscription"),
        ((), "payg"),
    ],
)
def test_classify_auth(headers: tuple[tuple[bytes, bytes], ...], mode: str) -> None:
    assert classify_auth(headers) == mode


def test_parse_modes() -> None:
    assert parse_modes("payg, oauth,") == {"payg", "oauth"}


def test_tool_policy_builtin_and_overrides() -> None:
    p = ToolPolicy.parse("")
    assert not p.allows("Read") and not p.allows("Edit") and p.allows("Bash") and p.allows("Grep")
    p = ToolPolicy.parse("-mcp__*,+mcp__github__*,Read")
    assert p.allows("Read")  # the user's later rule wins over the built-in deny
    assert not p.allows("mcp__fs__read")
    assert p.allows("mcp__github__list_issues")


def test_session_key_prefers_explicit_ids_and_never_contains_credentials() -> None:
    h1 = ((b"x-api-key", b"sk-secret"), (b"X-Claude-Code-Session-Id", b"abc"))
    h2 = ((b"x-api-key", b"sk-other"), (b"X-Claude-Code-Session-Id", b"abc"))
    # one conversation: the session id and its first user text, whatever the credential
    assert session_key("anthropic", h1, explicit=None, first_user_text="x", secret=SECRET) == session_key(
        "anthropic", h2, explicit=None, first_user_text="x", secret=SECRET
    )
    # a side request or a subagent under the same session id is another conversation
    assert session_key("anthropic", h1, explicit=None, first_user_text="x", secret=SECRET) != session_key(
        "anthropic", h1, explicit=None, first_user_text="y", secret=SECRET
    )
    h3 = ((b"x-api-key", b"sk-secret"),)
    a = session_key("anthropic", h3, explicit="sid", first_user_text="x", secret=SECRET)
    b = session_key("anthropic", h3, explicit=None, first_user_text="x", secret=SECRET)
    c = session_key("anthropic", ((b"x-api-key", b"sk-other"),), explicit=None, first_user_text="x", secret=SECRET)
    d = session_key("anthropic", h3, explicit=None, first_user_text="z", secret=SECRET)
    assert len({a, b, c, d}) == 4
    assert "sk-secret" not in b
    assert credential_fingerprint(h3, SECRET) != credential_fingerprint(h3, b"j" * 32)


def test_keys() -> None:
    assert len(ccr_key("x")) == 24
    assert content_hash("x") != content_hash("x", 1)
    assert content_hash("x", 1).endswith("#1")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=50))
def test_keys_are_deterministic(text: str) -> None:
    assert ccr_key(text) == ccr_key(text)
    assert content_hash(text) == content_hash(text)


def test_subscription_beta_on_a_second_header_line() -> None:
    """anthropic-beta is a comma list; repeated lines combine (RFC 9110 5.3)."""
    headers = ((b"Authorization", b"Bearer sk-ant-oat01-x"), (b"anthropic-beta", b"claude-code-20250219"),
               (b"Anthropic-Beta", b"oauth-2025-04-20"))
    assert classify_auth(headers) == "subscription"
    assert classify_auth(headers[:2]) == "oauth"


def test_content_hash_separates_tools() -> None:
    assert content_hash("same text", 0, "Bash") != content_hash("same text", 0, "Read")
    assert content_hash("same text", 0, "Bash") == content_hash("same text", 0, "Bash")


def test_a_body_id_adds_the_credential_scope_a_header_does_not() -> None:
    key = ((b"authorization", b"Bearer sk-1"),)
    plain = session_scopes("openai", key, explicit=None, first_user_text="t", secret=SECRET)
    keyed = session_scopes("openai", key, explicit="pck", first_user_text="t", secret=SECRET)
    assert len(plain) == 1 and len(keyed) == 2
    assert keyed[1] == plain[0] and keyed[0] != plain[0]  # the keyed request also reads/writes the plain scope
    codex = session_scopes("openai", (*key, (b"session-id", b"s1")), explicit="pck", first_user_text="t",
                           secret=SECRET)
    assert len(codex) == 1 and codex[0] not in keyed
