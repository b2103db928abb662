"""The fixtures/http corpus through the request parser: whole, byte by byte, in random splits."""

from __future__ import annotations

import hashlib
import random

import pytest

from headroom.errors import ProtocolError
from headroom.wire.events import Data, EndOfMessage, Event, RequestHead
from tests.support.http_corpus import HttpCase, load_cases
from tests.wire.drive import bytewise, drive_requests, random_split

CASES = load_cases()
REQUIRED_ITEMS = set(range(1, 27)) | {33}


def _requests(events: list[Event]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    body = b""
    for event in events:
        if isinstance(event, RequestHead):
            current: dict[str, object] = {
                "method": event.method.decode("latin-1"),
                "target": event.target.decode("latin-1"),
                "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in event.headers],
            }
            body = b""
        elif isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage):
            current["body_sha256"] = hashlib.sha256(body).hexdigest()
            found.append(current)
    return found


def _check(case: HttpCase, pieces: list[bytes]) -> None:
    if case.parser["outcome"] == "reject":
        with pytest.raises(ProtocolError) as info:
            drive_requests(pieces)
        assert info.value.status == case.parser["status"], info.value.reason
        assert info.value.close
    else:
        assert _requests(drive_requests(pieces)) == case.parser["requests"]


def test_corpus_is_present_and_covers_every_item() -> None:
    assert len(CASES) >= 150
    covered = {item for case in CASES for item in case.items}
    assert covered >= REQUIRED_ITEMS, sorted(REQUIRED_ITEMS - covered)
    for item in REQUIRED_ITEMS - {20, 21, 24, 25}:
        assert sum(item in case.items for case in CASES) >= 2, item


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_whole(case: HttpCase) -> None:
    _check(case, [case.raw])


@pytest.mark.parametrize("case", [c for c in CASES if len(c.raw) <= 20_000], ids=lambda c: c.name)
def test_byte_by_byte(case: HttpCase) -> None:
    _check(case, bytewise(case.raw))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_random_splits(case: HttpCase) -> None:
    rng = random.Random(case.name)
    for _ in range(8):
        _check(case, random_split(case.raw, rng))


def test_server_expectations_are_consistent() -> None:
    for case in CASES:
        if case.parser["outcome"] == "reject":
            assert case.server == {"status": case.parser["status"], "close": True, "upstream": False}, case.name
        else:
            assert case.server["status"] == "forward" or case.server["upstream"] is False, case.name
