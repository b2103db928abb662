"""Value types of the store and the validation every write goes through.

Nothing here holds credentials and nothing may: CCR metadata is limited to short descriptive fields
(tool, kind, strategy, token counts, the session key) and names that look like credentials are
refused. Session keys are opaque strings chosen by the caller: an explicit client session id or a
hash (never the credential itself) of provider + credential fingerprint + first user content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import blake3

from headroom.errors import StoreError

KEY_HEX_LEN = 24
_KEY_RE = re.compile(r"[0-9a-f]{24}")
MAX_ID_CHARS = 512  # session, content hash, fingerprint, session-state names
MAX_META_ITEMS = 32
MAX_META_CHARS = 1024
_CREDENTIAL_NAMES = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "x-goog-api-key",
        "api-key",
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "password",
        "secret",
        "cookie",
        "chatgpt-account-id",
    }
)


@dataclass(frozen=True, slots=True)
class CCRRecord:
    key: str  # first 24 hex of BLAKE3 of the original's UTF-8 bytes
    original: str
    meta: Mapping[str, str | int]  # tool, kind, strategy, tokens_before, session (never credentials)
    created: float
    last_access: float
    size: int  # UTF-8 bytes of ``original``


@dataclass(frozen=True, slots=True)
class LedgerKey:
    session: str
    content_hash: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class LedgerRow:
    key: LedgerKey
    replacement: bytes  # the exact JSON string literal bytes that replaced the block upstream
    ccr_key: str  # "" for lossless edits
    created: float
    tokens_before: int = 0  # o200k tokens of the original block
    tokens_after: int = 0  # o200k tokens of the replacement text


@dataclass(frozen=True, slots=True)
class PlanWrite:
    """Everything one request must persist before it is forwarded."""

    ccr: Sequence[tuple[str, str, Mapping[str, str | int]]]  # (key, original, meta)
    ledger: Sequence[LedgerRow]


@dataclass(frozen=True, slots=True)
class BetaRow:
    """The beta tokens one tracked client session has sent (see ``headroom.sticky_betas``)."""

    session: str  # opaque key (a keyed hash), never the client's session id itself
    header: str  # "anthropic-beta" | "openai-beta"
    tokens: tuple[str, ...]  # in the order they are re-added
    used: float  # last request of the session (LRU order and TTL)


@dataclass(frozen=True, slots=True)
class GCReport:
    expired_rows: int
    expired_bytes: int
    evicted_rows: int
    evicted_bytes: int
    remaining_rows: int
    remaining_bytes: int


@dataclass(frozen=True, slots=True)
class TableStats:
    rows: int
    bytes: int  # payload bytes: CCR originals (UTF-8), ledger replacements, session values


@dataclass(frozen=True, slots=True)
class StoreStats:
    path: str
    schema_version: int
    file_bytes: int  # main database file
    wal_bytes: int  # write-ahead log (not yet checkpointed pages)
    ccr: TableStats
    ledger: TableStats
    sessions: TableStats
    ccr_ttl_seconds: int
    ccr_max_bytes: int


def encode_original(original: str) -> bytes:
    """UTF-8 bytes of an original. JSON ``\\ud800`` escapes decode to lone surrogates; they are kept
    (surrogatepass) so that every Python string the caller holds can be stored and given back."""
    return original.encode("utf-8", "surrogatepass")


def ccr_key_of(original: str) -> str:
    """The CCR key of an original: first 24 hex chars of BLAKE3 over its UTF-8 bytes."""
    return str(blake3.blake3(encode_original(original)).hexdigest())[:KEY_HEX_LEN]


def is_ccr_key(key: object) -> bool:
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


def check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS:
        raise StoreError(f"{what} must be a non-empty string of at most {MAX_ID_CHARS} characters")
    return value


def meta_json(meta: Mapping[str, str | int]) -> str:
    """Validated metadata as canonical JSON (sorted keys)."""
    if not isinstance(meta, Mapping) or len(meta) > MAX_META_ITEMS:
        raise StoreError(f"CCR meta must be a mapping of at most {MAX_META_ITEMS} items")
    for name, value in meta.items():
        if not isinstance(name, str) or not name or len(name) > 64:
            raise StoreError(f"CCR meta name {name!r} is not a short string")
        if name.lower() in _CREDENTIAL_NAMES:
            raise StoreError(f"CCR meta name {name!r} looks like a credential; the store never keeps those")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise StoreError(f"CCR meta {name!r} must be str or int, not {type(value).__name__}")
        if isinstance(value, str) and len(value) > MAX_META_CHARS:
            raise StoreError(f"CCR meta {name!r} is longer than {MAX_META_CHARS} characters")
    return json.dumps(dict(meta), sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def meta_from_json(text: str) -> dict[str, str | int]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise StoreError("corrupt CCR meta")
    return {str(k): v for k, v in data.items() if isinstance(v, str | int) and not isinstance(v, bool)}


def check_ccr_entry(key: str, original: str, meta: Mapping[str, str | int]) -> tuple[bytes, str]:
    """Validate one CCR entry; return (UTF-8 original, meta JSON).

    The key must be the content address of the original, so an entry can only ever be stored under
    the key this proxy computed for it and a key resolves to nothing else.
    """
    if not is_ccr_key(key):
        raise StoreError(f"CCR key {key!r} is not {KEY_HEX_LEN} lowercase hex characters")
    if not isinstance(original, str):
        raise StoreError("CCR original must be a str")
    data = encode_original(original)
    if str(blake3.blake3(data).hexdigest())[:KEY_HEX_LEN] != key:
        raise StoreError(f"CCR key {key} is not the BLAKE3 address of its original")
    return data, meta_json(meta)


def check_ledger_row(row: LedgerRow) -> None:
    if not isinstance(row, LedgerRow) or not isinstance(row.key, LedgerKey):
        raise StoreError("ledger rows must be LedgerRow(LedgerKey(...), ...)")
    check_id(row.key.session, "ledger session")
    check_id(row.key.content_hash, "ledger content_hash")
    check_id(row.key.fingerprint, "ledger fingerprint")
    if not isinstance(row.replacement, bytes):
        raise StoreError("ledger replacement must be bytes")
    if row.ccr_key != "" and not is_ccr_key(row.ccr_key):
        raise StoreError(f"ledger ccr_key {row.ccr_key!r} is neither empty nor a CCR key")
    if isinstance(row.created, bool) or not isinstance(row.created, int | float):
        raise StoreError("ledger created must be a number")
    for count in (row.tokens_before, row.tokens_after):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise StoreError("ledger token counts must be non-negative integers")


BETA_HEADERS = frozenset({"anthropic-beta", "openai-beta"})
MAX_BETA_TOKENS = 64  # per row; the tracker keeps fewer
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_BETA_TOKEN_RE = re.compile(rf"(?=.{{1,128}}\Z){_TCHARS}(?:={_TCHARS})?")


def check_beta_row(row: BetaRow) -> str:
    """Validate one beta row; return its tokens as stored (comma-joined)."""
    if not isinstance(row, BetaRow):
        raise StoreError("beta rows must be BetaRow")
    check_id(row.session, "beta session")
    if row.header not in BETA_HEADERS:
        raise StoreError(f"beta header {row.header!r} is not one of {sorted(BETA_HEADERS)}")
    if not isinstance(row.tokens, tuple) or len(row.tokens) > MAX_BETA_TOKENS:
        raise StoreError(f"beta tokens must be a tuple of at most {MAX_BETA_TOKENS}")
    for token in row.tokens:
        if not isinstance(token, str) or _BETA_TOKEN_RE.fullmatch(token) is None:
            raise StoreError(f"beta token {token!r} is not a beta token (token or token=token, at most 128 characters)")
    if isinstance(row.used, bool) or not isinstance(row.used, int | float):
        raise StoreError("beta used must be a number")
    return ",".join(row.tokens)
