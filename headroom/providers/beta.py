"""Beta headers (``anthropic-beta``, ``openai-beta``): token lists and the one merge headroom may do.

The proxy forwards beta headers exactly as the client sent them: every line, in order, with the
client's name case and the value bytes untouched (``headers.forward_request_headers`` never looks at
them). A field value excludes the optional whitespace around it (RFC 9110 section 5.5), so only that
is normalised, as for every header: the upstream line reads ``name: value``.

``merge_betas`` is for the one case where headroom itself needs a token upstream (the sticky tracker
re-adding what a session dropped): client tokens first in the client's order, then the required ones,
compared with ASCII case folding and keeping the first casing seen. When no required token is missing
it changes nothing. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from headroom.jsonspan import JsonSpanError, decode_string, scan
from headroom.wire.grammar import TCHAR, list_elements

MAX_TOKEN_CHARS = 128  # longer tokens are forwarded as sent but never remembered or added
MODEL_SCAN_BYTES = 1 << 20  # bodies not led by "model" are scanned for it only up to this size
# a token, or name=value as in ``OpenAI-Beta: assistants=v2``
_TOKEN = re.compile(rb"(?=[^\n]{1,%d}\Z)[" % MAX_TOKEN_CHARS + TCHAR + rb"]+(?:=[" + TCHAR + rb"]+)?")
_WS = rb"[ \t\r\n]*"
_PLAIN = rb"[\x20\x21\x23-\x5b\x5d-\x7e]"  # printable ASCII but for the quote and the backslash
_LEADING_MODEL = re.compile(_WS + rb"\{" + _WS + rb'"model"' + _WS + rb":" + _WS + rb'"(' + _PLAIN + rb'{1,256})"')
_MODEL_SCHEMA = {"model": None}


@dataclass(frozen=True, slots=True)
class BetaSpec:
    """Which header carries a provider's betas and which one names the client's session."""

    beta: bytes  # lowercase header name
    session: bytes  # lowercase header name; requests without it are never tracked


TRACKED: dict[str, BetaSpec] = {
    "anthropic": BetaSpec(b"anthropic-beta", b"x-claude-code-session-id"),
    "openai": BetaSpec(b"openai-beta", b"session-id"),  # Codex sends its session id as ``session-id``
}


def is_token(token: bytes) -> bool:
    """A beta token headroom may remember or add: an RFC 9110 token, or two joined by ``=``, of at
    most 128 characters."""
    return _TOKEN.fullmatch(token) is not None


def split_tokens(values: Sequence[bytes]) -> list[bytes]:
    """The tokens of one or more field lines, in order (empty list elements and OWS dropped)."""
    return [token for value in values for token in list_elements(value)]


def dedupe(tokens: Sequence[bytes]) -> list[bytes]:
    """``tokens`` without repeats under ASCII case folding; the first casing wins."""
    seen: set[bytes] = set()
    out: list[bytes] = []
    for token in tokens:
        folded = token.lower()
        if folded not in seen:
            seen.add(folded)
            out.append(token)
    return out


def missing_tokens(client_values: Sequence[bytes], required: Sequence[str]) -> list[bytes]:
    """The required tokens the client did not send (ASCII case-insensitive), deduplicated, in order.

    Raises ValueError for a required token that is not a token (it could never be sent safely)."""
    have = {token.lower() for token in split_tokens(client_values)}
    wanted = [_required(token) for token in required]
    return [token for token in dedupe(wanted) if token.lower() not in have]


def merge_betas(client_values: Sequence[bytes], required: Sequence[str]) -> bytes:
    """One field value holding the client's tokens, then the required ones it lacks.

    Nothing missing: the client's lines joined with ``,`` (RFC 9110 section 5.3), so a single line
    comes back byte for byte. Otherwise the list is rebuilt, comma-separated without spaces (the
    form Claude Code and the SDKs send): client tokens in order, then the missing ones, with no
    token twice under ASCII case folding.
    """
    missing = missing_tokens(client_values, required)
    if not missing:
        return b",".join(client_values)
    return b",".join(dedupe([*split_tokens(client_values), *missing]))


def merge_beta_header(
    headers: Sequence[tuple[bytes, bytes]], name: bytes, required: Sequence[str]
) -> list[tuple[bytes, bytes]]:
    """``headers`` with the required beta tokens present in header ``name``.

    Nothing missing: the same header lines, untouched. Otherwise the first ``name`` line (the
    client's name case, its place) carries ``merge_betas`` of all of them and the other ``name``
    lines are dropped; a request without one gets ``name: tokens`` appended.
    """
    lname = name.lower()
    where = [i for i, (key, _) in enumerate(headers) if key.lower() == lname]
    values = [headers[i][1] for i in where]
    if not missing_tokens(values, required):
        return list(headers)
    merged = merge_betas(values, required)
    if not where:
        return [*headers, (lname, merged)]
    drop = set(where[1:])
    out: list[tuple[bytes, bytes]] = []
    for i, (key, value) in enumerate(headers):
        if i == where[0]:
            out.append((key, merged))
        elif i not in drop:
            out.append((key, value))
    return out


def request_model(body: bytes) -> str | None:
    """The top-level ``model`` string of a JSON request body, or None when there is none to read.

    Claude Code and Codex send ``model`` first: that costs one anchored match. Other bodies of at
    most ``MODEL_SCAN_BYTES`` are scanned (top level only); larger ones are not (None).
    """
    leading = _LEADING_MODEL.match(body)
    if leading is not None:
        return leading.group(1).decode("ascii")
    if len(body) > MODEL_SCAN_BYTES:
        return None
    try:
        node = scan(body, _MODEL_SCHEMA).get("model")
        return decode_string(body, node) if node is not None and node.kind == "string" else None
    except JsonSpanError:
        return None


def _required(token: str) -> bytes:
    raw = token.encode("ascii", "replace")
    if not is_token(raw):
        raise ValueError(f"{token!r} is not a beta token (token or token=token, at most {MAX_TOKEN_CHARS} chars)")
    return raw
