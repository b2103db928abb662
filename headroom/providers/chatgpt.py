"""Is this request ChatGPT-login traffic (Codex signed in with a ChatGPT plan)? Pure.

Two signs, either one suffices:

* a non-empty ``ChatGPT-Account-Id`` request header (what Codex sends in ChatGPT mode);
* ``Authorization: Bearer <JWT>`` whose payload carries a non-empty string ``chatgpt_account_id``
  claim, at the top level or inside the ``https://api.openai.com/auth`` object (where OpenAI's
  tokens keep it).

The JWT is decoded, never verified: headroom holds no key to verify it with and needs none, since
the answer only picks the upstream the client's own credential is sent to. A token that is not a
well-formed JWT is simply "not ChatGPT"; nothing here raises on any input. Neither the token nor
the claim value is returned, stored or logged: the reader answers yes or no.
"""

from __future__ import annotations

import base64
import binascii
import json

from headroom.wire.events import Headers, header_value

ACCOUNT_HEADER = b"chatgpt-account-id"
CLAIM = "chatgpt_account_id"
AUTH_NAMESPACE = "https://api.openai.com/auth"
MAX_TOKEN_BYTES = 16 * 1024  # real tokens are 1-3 KiB; anything far bigger is not one of them
_B64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def bearer_token(headers: Headers) -> bytes | None:
    """The token of the first ``Authorization: Bearer …`` header (scheme case-insensitive)."""
    auth = header_value(headers, b"authorization")
    if auth is None or auth[:7].lower() != b"bearer ":
        return None
    token = auth[7:].strip(b" \t")
    return token or None


def _b64url_decode(segment: bytes) -> bytes | None:
    """base64url without padding (RFC 7515 section 2); trailing ``=`` tolerated, other bytes refused."""
    segment = segment.rstrip(b"=")
    if not segment or not _B64URL.issuperset(segment) or len(segment) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def jwt_payload(token: bytes) -> dict[str, object] | None:
    """The decoded (unverified) payload object of a compact JWS, or None if it is not one."""
    if len(token) > MAX_TOKEN_BYTES or token.count(b".") != 2:
        return None
    raw = _b64url_decode(token.split(b".")[1])
    if raw is None:
        return None
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def _has_claim(obj: object) -> bool:
    if not isinstance(obj, dict):
        return False
    value = obj.get(CLAIM)
    return isinstance(value, str) and bool(value)


def token_is_chatgpt(token: bytes) -> bool:
    """True when ``token`` is a JWT whose payload names a ChatGPT account."""
    payload = jwt_payload(token)
    if payload is None:
        return False
    return _has_claim(payload) or _has_claim(payload.get(AUTH_NAMESPACE))


def is_chatgpt_login(headers: Headers) -> bool:
    """A ChatGPT-Account-Id header, or a bearer JWT with a chatgpt_account_id claim."""
    account = header_value(headers, ACCOUNT_HEADER)
    if account is not None and account.strip(b" \t"):
        return True
    token = bearer_token(headers)
    return token is not None and token_is_chatgpt(token)
