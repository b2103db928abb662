"""Offline tokenizer: tiktoken encodings built from the BPE rank files bundled in headroom/data.

tiktoken normally downloads rank files at run time; an air-gapped host cannot, so the ranks ship
gzip-compressed inside the package and are verified against the official SHA-256 (the
``expected_hash`` tiktoken itself checks) before use. Loading is lazy: nothing is read until the
first call, so a proxy with compression off never pays the ~75 MB the o200k ranks cost.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from typing import Any

import tiktoken

from headroom.errors import HeadroomError

_ENDOFTEXT = "<|endoftext|>"
_FIM_PREFIX = "<|fim_prefix|>"
_FIM_MIDDLE = "<|fim_middle|>"
_FIM_SUFFIX = "<|fim_suffix|>"
_ENDOFPROMPT = "<|endofprompt|>"

_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)

ENCODINGS: dict[str, dict[str, Any]] = {
    "o200k_base": {
        "pattern": _O200K_PATTERN,
        "special": {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    },
    "cl100k_base": {
        "pattern": _CL100K_PATTERN,
        "special": {
            _ENDOFTEXT: 100257,
            _FIM_PREFIX: 100258,
            _FIM_MIDDLE: 100259,
            _FIM_SUFFIX: 100260,
            _ENDOFPROMPT: 100276,
        },
    },
}


class TokenizerDataError(HeadroomError):
    """A bundled rank file is missing or does not match its official SHA-256."""


def expected_hashes() -> dict[str, str]:
    """Official SHA-256 of each decompressed rank file, from data/SHA256SUMS."""
    text = resources.files("headroom.data").joinpath("SHA256SUMS").read_text(encoding="ascii")
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].endswith(".tiktoken"):
            out[parts[1].removesuffix(".tiktoken")] = parts[0]
    return out


def load_ranks(name: str) -> dict[bytes, int]:
    """Read, verify and parse the bundled rank file of encoding ``name``."""
    if name not in ENCODINGS:
        raise TokenizerDataError(f"unknown encoding {name!r}")
    try:
        packed = resources.files("headroom.data").joinpath(f"{name}.tiktoken.gz").read_bytes()
        raw = gzip.decompress(packed)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TokenizerDataError(f"{name}: cannot read bundled rank file: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    want = expected_hashes().get(name)
    if digest != want:
        raise TokenizerDataError(f"{name}: SHA-256 {digest} does not match the official {want}")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


_lock = threading.Lock()
_cache: dict[str, tiktoken.Encoding] = {}

# tiktoken's regex engine keeps a fast path for the first thread that encodes with an Encoding;
# every other thread goes through a shared cache pool and runs about 1.5x slower. One dedicated
# thread therefore does that first encode and every big count; small counts stay where they are.
OWNER_MIN_CHARS = 16 * 1024
_owner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="headroom-tokenizer")
_owner_ident: list[int] = []


def _on_owner() -> bool:
    if not _owner_ident:
        _owner_ident.append(_owner.submit(threading.get_ident).result())
    return threading.get_ident() == _owner_ident[0]


def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    """The (cached) encoding ``name``; thread-safe, loads and verifies on first use."""
    enc = _cache.get(name)
    if enc is not None:
        return enc
    with _lock:
        if name not in _cache:
            spec = ENCODINGS.get(name)
            if spec is None:
                raise TokenizerDataError(f"unknown encoding {name!r}")
            enc = tiktoken.Encoding(
                name=name,
                pat_str=spec["pattern"],
                mergeable_ranks=load_ranks(name),
                special_tokens=spec["special"],
            )
            # the first encode makes the owner thread the fast one
            _ = enc.encode_ordinary("x") if _on_owner() else _owner.submit(enc.encode_ordinary, "x").result()
            _cache[name] = enc
        return _cache[name]


def _count_here(text: str, name: str) -> int:
    return len(encoding(name).encode_ordinary(text))


def count(text: str, name: str = "o200k_base") -> int:
    """Tokens in ``text`` as plain text (special-token strings count as ordinary text)."""
    if len(text) >= OWNER_MIN_CHARS and not _on_owner():
        return _owner.submit(_count_here, text, name).result()
    return _count_here(text, name)


def submit_count(text: str, name: str = "o200k_base") -> Future[int]:
    """Start counting ``text`` on the tokenizer's own thread; the tokenizer releases the GIL, so
    the count runs alongside Python work such as compression."""
    return _owner.submit(_count_here, text, name)


def is_loaded(name: str = "o200k_base") -> bool:
    return name in _cache
