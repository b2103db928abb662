"""The wire layer's only number parsers refuse everything ``int()`` would wrongly accept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.wire.numbers import parse_decimal, parse_hex

TRAPS = [b"", b"+5", b"-5", b" 5", b"5 ", b"5\t", b"0x5", b"5_0", b"1e3", b"5.0", "５".encode(), "٥".encode(), b"\x0b5"]


@pytest.mark.parametrize("raw", TRAPS)
def test_decimal_traps(raw: bytes) -> None:
    assert parse_decimal(raw) is None


@pytest.mark.parametrize("raw", [*(t for t in TRAPS if t != b"1e3"), b"0X5", b"g", b"1" * 17])
def test_hex_traps(raw: bytes) -> None:
    assert parse_hex(raw) is None


def test_bounds() -> None:
    assert parse_decimal(b"0") == 0
    assert parse_decimal(b"007") == 7
    assert parse_decimal(b"9" * 19) == 9_999_999_999_999_999_999
    assert parse_decimal(b"1" * 20) is None
    assert parse_hex(b"f" * 16) == 2**64 - 1
    assert parse_hex(b"aB") == 0xAB


def _reference(raw: bytes, digits: bytes, limit: int, base: int) -> int | None:
    if not 1 <= len(raw) <= limit or any(b not in digits for b in raw):
        return None
    value = 0
    for b in raw:
        value = value * base + digits.lower().index(bytes([b]).lower())
    return value


ALPHABET = st.sampled_from([*list(b"0123456789abcdefABCDEFxX+-_ .\t\x0b"), 239, 188, 149])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=24) | st.lists(ALPHABET, max_size=24).map(bytes))
def test_match_a_byte_by_byte_reference(raw: bytes) -> None:
    assert parse_decimal(raw) == _reference(raw, b"0123456789", 19, 10)
    assert parse_hex(raw) == _reference(raw, b"0123456789abcdefABCDEF", 16, 16)
