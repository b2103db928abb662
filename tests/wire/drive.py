"""Helpers to drive the sans-IO parsers over a list of pieces."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Sequence

from headroom.errors import ProtocolError
from headroom.wire.events import Data, EndOfMessage, Event
from headroom.wire.request import RequestParser
from headroom.wire.response import ResponseParser


def merge_data(events: Iterable[Event]) -> list[Event]:
    """Adjacent Data events merged (Data boundaries may follow the input splits)."""
    merged: list[Event] = []
    for event in events:
        if isinstance(event, Data) and merged and isinstance(merged[-1], Data):
            merged[-1] = Data(merged[-1].data + event.data)
        elif not (isinstance(event, Data) and not event.data):
            merged.append(event)
    return merged


def drive_requests(pieces: Iterable[bytes], parser: RequestParser | None = None) -> list[Event]:
    """Feed every piece, resuming after each EndOfMessage, then EOF; raises ProtocolError."""
    parser = parser or RequestParser()
    events: list[Event] = []

    def take(new: list[Event]) -> None:
        events.extend(new)
        while new and isinstance(new[-1], EndOfMessage):
            new = parser.next_message()
            events.extend(new)

    for piece in pieces:
        take(parser.feed(piece))
    take(parser.feed_eof())
    return events


def drive_response(method: bytes, pieces: Iterable[bytes], eof: bool = True) -> list[Event]:
    parser = ResponseParser(method)
    events: list[Event] = []
    for piece in pieces:
        events.extend(parser.feed(piece))
    if eof:
        events.extend(parser.feed_eof())
    return events


def outcome(run: Callable[[], list[Event]]) -> tuple[str, object]:
    """("ok", merged events) or ("error", status) of calling ``run()``."""
    try:
        return "ok", merge_data(run())
    except ProtocolError as exc:
        return "error", exc.status


def split_at(raw: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(raw)})
    bounds = [0, *points, len(raw)]
    return [raw[a:b] for a, b in itertools.pairwise(bounds)]


def random_split(raw: bytes, rng: random.Random, max_pieces: int = 12) -> list[bytes]:
    if len(raw) < 2:
        return [raw]
    cuts = [rng.randrange(1, len(raw)) for _ in range(rng.randrange(1, max_pieces))]
    return split_at(raw, cuts)


def bytewise(raw: bytes) -> list[bytes]:
    return [raw[i : i + 1] for i in range(len(raw))]
