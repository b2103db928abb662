"""Run ``python -m headroom`` (or a built .pyz) as a real subprocess and follow its JSON log lines."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.paths import REPO


def upstream_flags(url: str) -> list[str]:
    return [f"--{p}-upstream={url}" for p in ("anthropic", "openai", "gemini")]


class ServeProcess:
    """A proxy subprocess; ``port`` comes from its ``listening`` log line."""

    def __init__(self, args: Sequence[str], *, command: Sequence[str] | None = None,
                 env: dict[str, str] | None = None, cwd: Path = REPO, start_timeout: float = 20.0) -> None:
        argv = [*(command or [sys.executable, "-m", "headroom"]), *args]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                     text=True)
        self.records: list[dict[str, Any]] = []
        self.stderr = ""
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        listening = self.wait_for("listening", start_timeout)
        self.port = int(listening["port"])

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                record = {"event": "non-json", "line": line}
            self.records.append(record)
            self._lines.put(record)
        self._lines.put(None)

    def wait_for(self, event: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first record with ``event`` (already seen or still to come)."""
        for record in self.records:
            if record.get("event") == event:
                return record
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                record = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if record is None:
                raise AssertionError(f"exited ({self.proc.wait()}) before {event!r}: {self._stderr()}")
            if record.get("event") == event:
                return record
        raise AssertionError(f"no {event!r} log line within {timeout} s")

    def _stderr(self) -> str:
        if self.proc.poll() is not None and self.proc.stderr is not None and not self.stderr:
            self.stderr = self.proc.stderr.read()
        return self.stderr

    def sigterm(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 10.0) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        self._stderr()
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
