"""The only two number parsers of the wire layer.

``int()`` on raw input would accept signs, ``0x``, ``_``, surrounding whitespace and non-ASCII
digits; these helpers only ever see bytes that a strict ASCII regex has already matched.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(rb"[0-9]{1,19}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


def parse_decimal(raw: bytes) -> int | None:
    """1 to 19 ASCII digits -> their value, anything else -> None."""
    if _DECIMAL.fullmatch(raw) is None:
        return None
    return int(raw, 10)


def parse_hex(raw: bytes) -> int | None:
    """1 to 16 ASCII hex digits -> their value, anything else -> None."""
    if _HEX.fullmatch(raw) is None:
        return None
    return int(raw, 16)
