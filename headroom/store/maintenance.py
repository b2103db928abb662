"""A background thread for the store's housekeeping, so that no request pays for it.

Two jobs would otherwise land on the commit that happens to trigger them: WAL checkpoints (SQLite's
automatic checkpoint copies ~4 MB into the main file and fsyncs it, a 5-8 ms stall every ~40 commits
of 100 KB originals) and the once-a-minute gc (deleting expired 100 KB rows walks their overflow
pages). The store pokes this thread after a commit when either is due; the thread also wakes on its
own every ``interval`` seconds. It starts on the first poke, so a store that only reads (``headroom
ccr stats``) never starts it. Failures are logged and retried on the next wake; they never reach a
request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("headroom.store")


class Maintenance:
    def __init__(self, work: Callable[[], None], *, interval: float = 5.0, name: str = "headroom-store") -> None:
        self._work = work
        self._interval = interval
        self._name = name
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.runs = 0  # completed passes, for tests and stats
        self.failures = 0

    def poke(self) -> None:
        """Ask for a pass soon (starting the thread on first use)."""
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stopping:
                return
            self.run_once()

    def run_once(self) -> None:
        try:
            self._work()
        except Exception:  # housekeeping must never kill the thread; the next pass retries
            self.failures += 1
            log.warning("store maintenance failed; retrying later", exc_info=True)
        finally:
            self.runs += 1

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
