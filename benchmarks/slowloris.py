"""Slowloris: a normal client's latency with hundreds of slow connections open (RELIABILITY.md item 27).

    python benchmarks/slowloris.py [--slow 200] [--requests 400] [--trickle 0.5]

The proxy (``python -m headroom``, default timeouts) and the fake provider behind it run as their own
processes. A normal client makes ``--requests`` sequential POST /v1/messages, each on a fresh connection,
first with no other connection open (baseline), then while ``--slow`` connections (in a child process,
so they do not compete with the measuring client for the GIL) each hold a partial request head and add
one header line every ``--trickle`` seconds, re-opened when the proxy answers 408 (``--header-timeout``
below the run's length exercises that path). Prints p50/p99 of both runs and the p99 ratio (the
spec's bound: within 2x). Asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.infra.client import Client
from tests.integration.serve_process import ServeProcess, upstream_flags

ROOT = Path(__file__).resolve().parent.parent
BODY = b'{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}'
HEADERS = [("x-api-key", "k"), ("anthropic-version", "2023-06-01"), ("Content-Type", "application/json")]
PARTIAL = b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\n"


@contextmanager
def fake_provider_process() -> Iterator[str]:
    """The fake provider in its own process too: the measuring client shares its GIL with nobody."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_provider", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"fake provider did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def one_request(port: int) -> float:
    started = time.perf_counter()
    with Client(port, timeout=30.0) as client:
        response = client.request("POST", "/v1/messages", BODY, HEADERS)
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"normal client got {response.status}")
    return elapsed


def measure(port: int, count: int) -> list[float]:
    for _ in range(20):  # warm-up: imports, pool, caches
        one_request(port)
    return [one_request(port) for _ in range(count)]


def _open(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(PARTIAL)
    sock.setblocking(False)
    return sock


def _trickle(port: int, count: int, trickle: float, signals: tuple[Event, Event, Synchronized]) -> None:
    """Child process: hold ``count`` partial heads open, one more header line each per ``trickle`` s."""
    ready, stop, reopened = signals
    socks = [_open(port) for _ in range(count)]
    ready.set()
    line = 0
    while not stop.wait(trickle):
        line += 1
        for i, sock in enumerate(socks):
            try:
                sock.send(b"X-Slow-%d: v\r\n" % line)
                sock.recv(4096)  # an answer (408) means the proxy gave up on this one
            except BlockingIOError:
                continue
            except OSError:
                pass
            sock.close()
            socks[i] = _open(port)
            reopened.value += 1
    for sock in socks:
        sock.close()


class Slowloris:
    """The slow connections live in their own process, so they never compete with the measuring
    client for this interpreter's GIL."""

    def __init__(self, port: int, count: int, trickle: float) -> None:
        self._ready, self._stop = multiprocessing.Event(), multiprocessing.Event()
        self._reopened: Synchronized = multiprocessing.Value("i", 0)
        self._proc = multiprocessing.Process(
            target=_trickle, args=(port, count, trickle, (self._ready, self._stop, self._reopened)), daemon=True
        )

    @property
    def reopened(self) -> int:
        return int(self._reopened.value)

    def __enter__(self) -> Slowloris:
        self._proc.start()
        if not self._ready.wait(60):
            raise RuntimeError("slow connections not opened within 60 s")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._proc.join(30)


def summary(name: str, samples: list[float]) -> float:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{name:<28} n={len(samples)}  p50={statistics.median(samples) * 1000:7.2f} ms"
          f"  p99={p99 * 1000:7.2f} ms")
    return p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--trickle", type=float, default=0.5)
    parser.add_argument("--header-timeout", type=float, default=10.0, help="the proxy's (default 10 s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, fake_provider_process() as fake_url, \
            ServeProcess(["--port=0", f"--data-dir={data}", f"--header-timeout={args.header_timeout}",
                          *upstream_flags(fake_url)]) as proxy:
        baseline = summary("baseline", measure(proxy.port, args.requests))
        with Slowloris(proxy.port, args.slow, args.trickle) as slow:
            loaded = summary(f"with {args.slow} slow connections", measure(proxy.port, args.requests))
        print(f"p99 ratio (loaded / baseline): {loaded / baseline:.2f}  (spec: <= 2.0; "
              f"slow connections re-opened after a 408: {slow.reopened})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
