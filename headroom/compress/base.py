"""The compressor interface shared by every content type.

A compressor is a pure, deterministic function ``compress(text, hint) -> Result | None``:
no clocks, randomness, hash-order or locale; ``None`` means "nothing worth doing". Every omission
in ``Result.text`` is announced in place by a receipt that carries ``<<ccr:KEY>>`` (``hint.key``),
and listed in ``omitted_ranges`` as (start, end) character offsets of the *original* text.
An empty ``omitted_ranges`` means the result is lossless (the original is fully recoverable from
``Result.text`` alone, e.g. minified JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Hint:
    """What the caller knows about a tool output besides its text."""

    tool: str = ""  # tool name, e.g. "Bash", "Grep", "exec_command"
    command: str = ""  # shell command line that produced it, when the tool ran one
    query: str = ""  # task relevance: grep pattern, test name, latest user text keywords
    key: str = ""  # CCR key of the original (first 24 hex of BLAKE3 of its UTF-8 bytes)


@dataclass(frozen=True, slots=True)
class Result:
    text: str
    omitted_ranges: tuple[tuple[int, int], ...]
    strategy: str  # e.g. "json.minify", "json.table", "log.templates", "diff.context"

    @property
    def lossless(self) -> bool:
        return not self.omitted_ranges


class Compressor(Protocol):
    def __call__(self, text: str, hint: Hint) -> Result | None: ...


def marker(key: str) -> str:
    """The retrieve marker every receipt carries."""
    return f"<<ccr:{key}>>"
