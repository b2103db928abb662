"""Session keys: which conversation a request belongs to (ledger scope). Pure.

Preference: the client's session header (Claude Code's ``X-Claude-Code-Session-Id``, Codex's
``session-id``), else an id from the body (Claude Code's ``metadata.user_id`` session, OpenAI's
``prompt_cache_key`` or ``user``), else a keyed fingerprint of the credential; always combined with
the provider and the first user text. Credentials are
never stored: only a BLAKE3 keyed hash with a per-install secret.
"""

from __future__ import annotations

import blake3

from headroom.wire.events import Headers, header_value

_CREDENTIAL_HEADERS = (b"x-api-key", b"authorization", b"x-goog-api-key")
# request headers that carry a client's own conversation id, by provider (preferred to the body's)
SESSION_HEADERS: dict[str, tuple[bytes, ...]] = {
    "anthropic": (b"x-claude-code-session-id",),
    "openai": (b"session-id",),  # Codex CLI
    "gemini": (),
}


def credential_fingerprint(headers: Headers, secret: bytes, extra: bytes = b"") -> str:
    """Keyed hash of the credential headers (and ``extra``: a credential sent elsewhere, such as
    Gemini's ``?key=``)."""
    h = blake3.blake3(key=secret)
    for name in _CREDENTIAL_HEADERS:
        value = header_value(headers, name)
        if value is not None:
            h.update(name + b"\x00" + value + b"\x01")
    if extra:
        h.update(b"extra\x00" + extra + b"\x01")
    return str(h.hexdigest()[:32])


def session_key(
    provider: str,
    headers: Headers,
    *,
    explicit: str | None,
    first_user_text: str,
    secret: bytes,
    credential: bytes = b"",
) -> str:
    """An opaque, stable key of one conversation (hex).

    A client session id alone is not a conversation: Claude Code sends its side requests and its
    subagents' conversations under the main session's id. The first user text (stable for the
    life of a conversation, which only ever grows) tells them apart.
    """
    header_id = next((v for n in SESSION_HEADERS.get(provider, ()) if (v := header_value(headers, n))), None)
    chosen = header_id.decode("latin-1") if header_id else explicit
    h = blake3.blake3()
    if chosen:
        h.update(b"sid\x00" + provider.encode() + b"\x00" + chosen.encode("utf-8", "surrogatepass") + b"\x00")
    else:
        fp = credential_fingerprint(headers, secret, credential)
        h.update(b"hash\x00" + provider.encode() + b"\x00" + fp.encode() + b"\x00")
    h.update(first_user_text.encode("utf-8", "surrogatepass"))
    return str(h.hexdigest()[:32])


def session_scopes(
    provider: str,
    headers: Headers,
    *,
    explicit: str | None,
    first_user_text: str,
    secret: bytes,
    credential: bytes = b"",
) -> tuple[str, ...]:
    """The ledger scopes of a request, most specific first: its session key, and when that key came
    from an id in the body (``prompt_cache_key``, ``user``, ``metadata.user_id``) also the key the
    request would have without it. Clients send such ids on some requests of a conversation and not
    on others (the openai SDK's streaming and non-streaming calls), so replays are looked up in both
    and new rows written to both: one conversation, one set of forwarded bytes. A session header
    (Claude Code, Codex) is sent on every request and needs no second scope."""
    primary = session_key(provider, headers, explicit=explicit, first_user_text=first_user_text, secret=secret,
                          credential=credential)
    has_header = any(header_value(headers, n) for n in SESSION_HEADERS.get(provider, ()))
    if has_header or not explicit:
        return (primary,)
    return primary, session_key(provider, headers, explicit=None, first_user_text=first_user_text, secret=secret,
                                credential=credential)


def content_hash(text: str, occurrence: int = 0, tool: str = "") -> str:
    """Ledger content key: BLAKE3 of the tool name and the decoded text; the n-th repeat of the same
    output in one conversation gets its own key so an older uncompressed copy is never rewritten,
    and the same text from another tool (say a policy-excluded one) never shares a row."""
    h = blake3.blake3(tool.encode("utf-8", "surrogatepass") + b"\x00")
    h.update(text.encode("utf-8", "surrogatepass"))
    digest = str(h.hexdigest()[:32])
    return digest if occurrence == 0 else f"{digest}#{occurrence}"


def ccr_key(text: str) -> str:
    """CCR key: first 24 hex chars of BLAKE3 over the original's UTF-8 bytes."""
    return str(blake3.blake3(text.encode("utf-8", "surrogatepass")).hexdigest()[:24])
