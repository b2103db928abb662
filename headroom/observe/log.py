"""JSON-lines logs on stdout with redaction. One line per request, plus lifecycle events.

Never logged: credential header values, ``?key=`` query values, request or response bodies.

With ``background=True`` (what ``serve`` uses) lines are handed to a writer thread through a
bounded queue: a slow or stalled stdout (a full pipe, a blocked journal) never stalls the event
loop. When the queue is full, lines are dropped and counted; the count is logged once the writer
catches up.
"""

from __future__ import annotations

import json
import queue
import re
import sys
import threading
import time
from typing import IO, Any

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_SECRET_QUERY_RE = re.compile(r"(?i)((?:^|[?&])(?:key|api_key|access_token|token)=)[^&]*")
_ENCODE = json.JSONEncoder(separators=(",", ":"), default=str).encode
MAX_PENDING = 10_000
_STOP = object()


def redact_target(target: bytes) -> str:
    text = target.decode("latin-1")
    return _SECRET_QUERY_RE.sub(r"\1<redacted>", text)


class Logger:
    def __init__(self, level: str = "info", stream: IO[str] | None = None, *, background: bool = False) -> None:
        self.threshold = LEVELS[level]
        self.stream = stream if stream is not None else sys.stdout
        self.dropped = 0
        self._queue: queue.Queue[object] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(MAX_PENDING)
            self._thread = threading.Thread(target=self._drain, name="headroom-log", daemon=True)
            self._thread.start()

    def enabled(self, level: str) -> bool:
        return LEVELS[level] >= self.threshold

    def log(self, level: str, event: str, **fields: Any) -> None:
        if LEVELS[level] < self.threshold:
            return
        record = {"ts": round(time.time(), 3), "level": level, "event": event}
        record.update(fields)
        line = _ENCODE(record) + "\n"
        if self._queue is None:
            self._write([line])
            return
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def _write(self, lines: list[str]) -> None:
        try:
            self.stream.write("".join(lines))
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stdout never takes the proxy down

    def _drain(self) -> None:
        assert self._queue is not None
        reported = 0
        while True:
            lines: list[str] = []
            item = self._queue.get()
            while item is not _STOP:
                lines.append(str(item))
                if len(lines) >= 256:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if self.dropped > reported:
                lost, reported = self.dropped - reported, self.dropped
                lines.append(_ENCODE({"ts": round(time.time(), 3), "level": "warning", "event": "log_dropped",
                                      "lines": lost}) + "\n")
            if lines:
                self._write(lines)
            if item is _STOP:
                return

    def close(self, timeout: float = 2.0) -> None:
        """Flush what is queued (bounded wait) and stop the writer thread."""
        if self._queue is None or self._thread is None:
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)
