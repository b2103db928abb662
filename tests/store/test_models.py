from __future__ import annotations

from typing import Any

import blake3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.errors import StoreError
from headroom.store.models import (
    LedgerKey,
    LedgerRow,
    ccr_key_of,
    check_ccr_entry,
    check_ledger_row,
    is_ccr_key,
    meta_from_json,
    meta_json,
)

meta_values = st.one_of(st.text(max_size=40), st.integers(min_value=-(2**62), max_value=2**62))
metas = st.dictionaries(st.text(alphabet="abcdefghij_", min_size=1, max_size=12), meta_values, max_size=8)


def test_ccr_key_is_first_24_hex_of_blake3_of_utf8() -> None:
    text = "héllo wörld\n"
    assert ccr_key_of(text) == blake3.blake3(text.encode("utf-8")).hexdigest()[:24]
    assert is_ccr_key(ccr_key_of(text))


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_every_python_string_has_a_valid_key(text: str) -> None:
    key = ccr_key_of(text)
    assert is_ccr_key(key)
    data, _ = check_ccr_entry(key, text, {})
    assert data.decode("utf-8", "surrogatepass") == text


def test_lone_surrogates_are_addressable() -> None:
    text = "a\ud800b"  # what json.loads('"a\\ud800b"') gives
    data, _ = check_ccr_entry(ccr_key_of(text), text, {})
    assert data == b"a\xed\xa0\x80b"


@pytest.mark.parametrize(
    "key",
    ["", "0" * 23, "0" * 25, "A" * 24, "g" * 24, " " + "0" * 23, "0" * 23 + "\n", 123, None, b"0" * 24],
)
def test_malformed_keys_are_rejected(key: Any) -> None:
    assert not is_ccr_key(key)


def test_entry_must_be_stored_under_its_own_address() -> None:
    other = ccr_key_of("other")
    with pytest.raises(StoreError, match="not the BLAKE3 address"):
        check_ccr_entry(other, "text", {})
    with pytest.raises(StoreError, match="lowercase hex"):
        check_ccr_entry(other.upper(), "text", {})


@given(metas)
@settings(max_examples=200, deadline=None)
def test_meta_round_trips_canonically(meta: dict[str, str | int]) -> None:
    text = meta_json(meta)
    assert meta_from_json(text) == meta
    assert meta_json(dict(reversed(list(meta.items())))) == text


@pytest.mark.parametrize(
    "meta",
    [
        {"authorization": "Bearer x"},
        {"X-Api-Key": "sk-1"},
        {"cookie": "a=b"},
        {"flag": True},
        {"ratio": 0.5},
        {"nested": {"a": 1}},
        {"": "empty name"},
        {"long": "x" * 5000},
        {f"k{i}": i for i in range(40)},
    ],
)
def test_bad_meta_is_refused(meta: dict[str, Any]) -> None:
    with pytest.raises(StoreError):
        meta_json(meta)


@pytest.mark.parametrize(
    "row",
    [
        LedgerRow(LedgerKey("", "h", "f"), b"r", "", 1.0),
        LedgerRow(LedgerKey("s", "h", "f" * 600), b"r", "", 1.0),
        LedgerRow(LedgerKey("s", "h", "f"), "r", "", 1.0),  # type: ignore[arg-type]
        LedgerRow(LedgerKey("s", "h", "f"), b"r", "nothex", 1.0),
        LedgerRow(LedgerKey("s", "h", "f"), b"r", "", "yesterday"),  # type: ignore[arg-type]
        LedgerRow(("s", "h", "f"), b"r", "", 1.0),  # type: ignore[arg-type]
    ],
)
def test_bad_ledger_rows_are_refused(row: LedgerRow) -> None:
    with pytest.raises(StoreError):
        check_ledger_row(row)
