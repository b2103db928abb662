"""Every request captured from real clients (../shared/corpus) parses to its recorded head and body."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from headroom.wire.events import Data, EndOfMessage, RequestHead
from tests.support.paths import corpus_dir
from tests.wire.drive import drive_requests, random_split


def _captures() -> list[Path]:
    return sorted(corpus_dir().glob("*/*.headers.json"))


def test_captured_requests_parse_to_the_recorded_head_and_body() -> None:
    captures = _captures()
    assert len(captures) >= 50
    rng = random.Random(1)
    for meta_path in captures:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body = meta_path.with_name(meta_path.name.replace(".headers.json", ".body.bin")).read_bytes()
        raw = meta["raw_head"].encode("latin-1") + body
        events = drive_requests(random_split(raw, rng, 6))
        head = events[0]
        assert isinstance(head, RequestHead), meta_path.name
        assert head.method.decode() == meta["method"]
        assert head.target.decode("latin-1") == meta["target"]
        assert [[n.decode("latin-1"), v.decode("latin-1")] for n, v in head.headers] == meta["headers"]
        received = b"".join(e.data for e in events if isinstance(e, Data))
        assert hashlib.sha256(received).hexdigest() == meta["body_sha256"]
        assert isinstance(events[-1], EndOfMessage)
