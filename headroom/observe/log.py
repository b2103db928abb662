"""JSON-lines logs on stdout with redaction. One line per request, plus lifecycle events.

Never logged: credential header values, ``?key=`` query values, request or response bodies.
"""

from __future__ import annotations

import json
import re
import sys
import time
from typing import IO, Any

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_SECRET_QUERY_RE = re.compile(r"(?i)((?:^|[?&])(?:key|api_key|access_token|token)=)[^&]*")


def redact_target(target: bytes) -> str:
    text = target.decode("latin-1")
    return _SECRET_QUERY_RE.sub(r"\1<redacted>", text)


class Logger:
    def __init__(self, level: str = "info", stream: IO[str] | None = None) -> None:
        self.threshold = LEVELS[level]
        self.stream = stream if stream is not None else sys.stdout

    def enabled(self, level: str) -> bool:
        return LEVELS[level] >= self.threshold

    def log(self, level: str, event: str, **fields: Any) -> None:
        if LEVELS[level] < self.threshold:
            return
        record = {"ts": round(time.time(), 3), "level": level, "event": event}
        record.update(fields)
        try:
            self.stream.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stdout never takes the proxy down
