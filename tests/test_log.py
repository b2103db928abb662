"""The JSON-lines logger: redaction, levels, and a background writer that never blocks the caller."""

from __future__ import annotations

import io
import json
import os
import threading
import time

from headroom.observe.log import MAX_PENDING, Logger, redact_target


def test_redact_target() -> None:
    assert redact_target(b"/v1beta/models/x:generateContent?key=AIzaSECRET&alt=sse") == (
        "/v1beta/models/x:generateContent?key=<redacted>&alt=sse"
    )
    assert redact_target(b"/v1/messages?beta=true") == "/v1/messages?beta=true"


def test_levels_and_json_lines() -> None:
    out = io.StringIO()
    log = Logger("warning", stream=out)
    log.log("info", "skipped")
    log.log("error", "kept", n=1, b=b"x")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["event"] for r in records] == ["kept"]
    assert records[0]["n"] == 1 and records[0]["level"] == "error"


class _BlockedStream(io.StringIO):
    """A stdout whose writes hang until released (a full pipe nobody reads)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, s: str) -> int:
        self.release.wait()
        return super().write(s)


def test_background_writer_never_blocks_and_counts_drops() -> None:
    stream = _BlockedStream()
    log = Logger("info", stream=stream, background=True)
    start = time.monotonic()
    for i in range(MAX_PENDING + 500):
        log.log("info", "request", i=i)
    assert time.monotonic() - start < 10  # hang guard: every call returned although stdout is stuck
    assert log.dropped >= 500 - 256  # the writer holds one batch (up to 256 lines) while stuck
    stream.release.set()
    log.close(timeout=10)
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert "log_dropped" in events
    assert events.count("request") >= MAX_PENDING - 1


def test_background_writer_flushes_on_close(tmp_path: object) -> None:
    r, w = os.pipe()
    with os.fdopen(w, "w") as stream:
        log = Logger("info", stream=stream, background=True)
        log.log("info", "one")
        log.log("info", "two")
        log.close()
    with os.fdopen(r) as reader:
        assert [json.loads(line)["event"] for line in reader.read().splitlines()] == ["one", "two"]
