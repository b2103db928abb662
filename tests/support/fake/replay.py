"""Replay of a captured corpus session: the n-th request to (method, path) gets the n-th recorded answer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Framing and hop-by-hop headers are not replayed: the fake provider frames the body itself.
DROPPED = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"content-length",
                     b"te", b"trailer", b"upgrade"})
_SSE_EVENT_END = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)|(?<=\r\r)")


@dataclass(frozen=True)
class Recorded:
    seq: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    streaming: bool

    def segments(self) -> list[bytes]:
        """The body cut after each SSE event when it was streamed (so the replay streams too)."""
        if not self.streaming:
            return [self.body]
        return [part for part in _SSE_EVENT_END.split(self.body) if part] or [b""]


def load_session(directory: Path) -> dict[tuple[bytes, bytes], list[Recorded]]:
    """Recorded answers of one corpus session, keyed by (method, path without query), in order."""
    answers: dict[tuple[bytes, bytes], list[Recorded]] = {}
    for head_file in sorted(directory.glob("*.headers.json")):
        request = json.loads(head_file.read_text(encoding="utf-8"))
        if request["method"] == "CONNECT":
            continue
        stem = str(head_file)[: -len(".headers.json")]
        meta = json.loads(Path(stem + ".response.json").read_text(encoding="utf-8"))
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["headers"]]
        key = (request["method"].encode(), request["target"].split("?", 1)[0].encode("latin-1"))
        answers.setdefault(key, []).append(Recorded(
            seq=int(meta["seq"]),
            status=int(meta["status"]),
            headers=[(k, v) for k, v in headers if k.lower() not in DROPPED],
            body=Path(stem + ".response.body.bin").read_bytes(),
            streaming=bool(meta["streaming"]),
        ))
    return answers


class Replayer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.answers = load_session(directory)
        self._cursor: dict[tuple[bytes, bytes], int] = {}

    def reset(self) -> None:
        self._cursor.clear()

    def next(self, method: bytes, path: bytes) -> Recorded | None:
        """The next recorded answer for (method, path), or None when none (is) left."""
        key = (method, path)
        recorded = self.answers.get(key, [])
        index = self._cursor.get(key, 0)
        if index >= len(recorded):
            return None
        self._cursor[key] = index + 1
        return recorded[index]
