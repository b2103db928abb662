"""The ChatGPT-login reader: header and unverified-JWT forms, and that no input makes it raise."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.livezone.policy import classify_auth
from headroom.providers.chatgpt import bearer_token, is_chatgpt_login, jwt_payload, token_is_chatgpt


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def jwt(payload: object, *, raw: bytes | None = None) -> bytes:
    body = raw if raw is not None else json.dumps(payload).encode()
    return b64url(b'{"alg":"RS256","typ":"JWT"}') + b"." + b64url(body) + b"." + b64url(b"not-a-real-signature")


NESTED = jwt({"iss": "https://auth.openai.com", "https://api.openai.com/auth": {"chatgpt_account_id": "acct-123",
                                                                                "chatgpt_plan_type": "plus"}})
TOP = jwt({"chatgpt_account_id": "acct-123", "exp": 1900000000})


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (NESTED, True),
        (TOP, True),
        (jwt({"sub": "user", "https://api.openai.com/auth": {"user_id": "u"}}), False),
        (jwt({"chatgpt_account_id": ""}), False),
        (jwt({"chatgpt_account_id": 42}), False),
        (jwt({"https://api.openai.com/auth": "chatgpt_account_id"}), False),
        (jwt({"https://api.openai.com/auth": {"chatgpt_account_id": None}}), False),
        (jwt([{"chatgpt_account_id": "acct"}]), False),  # payload is not an object
        (jwt(None, raw=b"\xff\xfe not json"), False),
        (jwt(None, raw=b'{"chatgpt_account_id": "a"'), False),  # truncated JSON
        (TOP.rsplit(b".", 1)[0], False),  # two segments
        (TOP + b".extra", False),
        (TOP.replace(b".", b".!", 1), False),  # not base64url
        (b"sk-proj-abcdef", False),
        (b"", False),
        (b"..", False),
    ],
)
def test_token_is_chatgpt(token: bytes, expected: bool) -> None:
    assert token_is_chatgpt(token) is expected


def test_padded_segments_are_tolerated() -> None:
    header, payload, sig = TOP.split(b".")
    padded = payload + b"=" * (-len(payload) % 4)
    assert token_is_chatgpt(b".".join([header, padded, sig])) == token_is_chatgpt(TOP)


def test_oversized_token_is_not_decoded() -> None:
    assert not token_is_chatgpt(jwt({"chatgpt_account_id": "a", "pad": "x" * 20000}))


def test_payload_is_decoded_without_verification() -> None:
    assert jwt_payload(TOP) == {"chatgpt_account_id": "acct-123", "exp": 1900000000}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (((b"ChatGPT-Account-Id", b"acct-1"), (b"Authorization", b"Bearer opaque")), True),
        (((b"chatgpt-account-id", b"acct-1"),), True),
        (((b"chatgpt-account-id", b" "),), False),
        (((b"Authorization", b"Bearer " + NESTED),), True),
        (((b"authorization", b"bearer  " + TOP + b" "),), True),
        (((b"Authorization", b"Basic " + TOP),), False),
        (((b"Authorization", b"Bearer sk-proj-x"),), False),
        (((b"x-api-key", TOP),), False),
        ((), False),
    ],
)
def test_is_chatgpt_login(headers: tuple[tuple[bytes, bytes], ...], expected: bool) -> None:
    assert is_chatgpt_login(headers) is expected


def test_bearer_token() -> None:
    assert bearer_token(((b"Authorization", b"BEARER abc"),)) == b"abc"
    assert bearer_token(((b"Authorization", b"Bearer "),)) is None
    assert bearer_token(((b"Authorization", b"Token abc"),)) is None


@pytest.mark.parametrize(
    ("headers", "mode"),
    [
        (((b"Authorization", b"Bearer " + NESTED),), "subscription"),
        (((b"Authorization", b"Bearer " + TOP),), "subscription"),
        (((b"Authorization", b"Bearer " + jwt({"sub": "x"})),), "oauth"),  # a JWT, not a ChatGPT one
        (((b"authorization", b"Bearer sk-proj-x"),), "payg"),
    ],
)
def test_classify_auth_agrees_with_routing(headers: tuple[tuple[bytes, bytes], ...], mode: str) -> None:
    assert classify_auth(headers) == mode


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(token: bytes) -> None:
    assert token_is_chatgpt(token) in (True, False)
    assert is_chatgpt_login(((b"Authorization", b"Bearer " + token),)) in (True, False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=80), min_size=3, max_size=3))
def test_arbitrary_segments_never_raise(parts: list[bytes]) -> None:
    token = b".".join(b64url(p) for p in parts)
    assert token_is_chatgpt(token) in (True, False)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40), st.booleans(),
       st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4))
def test_any_account_id_is_found(account: str, nested: bool, extra: dict[str, object]) -> None:
    claims: dict[str, object] = {k: v for k, v in extra.items() if k not in ("chatgpt_account_id",
                                                                           "https://api.openai.com/auth")}
    if nested:
        claims["https://api.openai.com/auth"] = {"chatgpt_account_id": account}
    else:
        claims["chatgpt_account_id"] = account
    assert token_is_chatgpt(jwt(claims))
