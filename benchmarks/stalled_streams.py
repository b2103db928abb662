"""Memory of the proxy across clients that stop reading SSE streams (RELIABILITY.md item 31).

    python benchmarks/stalled_streams.py [--rounds 4] [--per-round 50] [--send-timeout 1.0]

The proxy runs as its own process (``python -m headroom``) in front of the fake provider. Each round
opens ``--per-round`` streams of an endless SSE answer, reads only the status line of each and then
stops reading; the proxy must pause its upstream reads (bounded buffers) and close both sides once
``--send-timeout`` passes. Prints the proxy's RSS (VmRSS) before, at the peak of each round and after
each round, the upstream bytes the fake managed to write per stream, and the growth from the end of
the first round to the end of the last ("flat" means no per-stream residue). Asserts nothing.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.infra.client import request_bytes
from tests.integration.serve_process import ServeProcess, upstream_flags
from tests.support.fake_provider import FakeProvider

STREAM = b'{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}'
HEADERS = [("x-api-key", "k"), ("anthropic-version", "2023-06-01"), ("x-fake-mode", f"huge:{1 << 34}")]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def stalled(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(request_bytes("POST", "/v1/messages", STREAM, HEADERS))
    sock.settimeout(30)
    if sock.recv(12) != b"HTTP/1.1 200":
        raise RuntimeError("stream did not start")
    return sock


def one_round(fake: FakeProvider, proxy: ServeProcess, count: int, guard: float) -> tuple[float, int]:
    """Open ``count`` stalled streams, wait for all to be closed; returns (peak RSS, bytes per stream)."""
    fake.reset()
    socks = [stalled(proxy.port) for _ in range(count)]
    peak = 0.0
    deadline = time.monotonic() + guard
    while len(fake.disconnects) < count:
        peak = max(peak, rss_mib(proxy.proc.pid))
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(fake.disconnects)}/{count} upstreams closed within {guard} s")
        time.sleep(0.05)
    sent = fake.bytes_sent // count
    for sock in socks:
        sock.close()
    return peak, sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--send-timeout", type=float, default=1.0)
    args = parser.parse_args()
    fake = FakeProvider()
    with tempfile.TemporaryDirectory() as data, fake.running(), \
            ServeProcess(["--port=0", f"--data-dir={data}", "--log-level=info",
                          f"--send-timeout={args.send_timeout}", *upstream_flags(fake.url)]) as proxy:
        pid = proxy.proc.pid
        time.sleep(0.5)
        print(f"proxy RSS before: {rss_mib(pid):7.1f} MiB")
        after: list[float] = []
        for n in range(1, args.rounds + 1):
            peak, sent = one_round(fake, proxy, args.per_round, guard=60 + 10 * args.send_timeout)
            time.sleep(0.5)  # let the proxy finish closing
            after.append(rss_mib(pid))
            print(f"round {n}: {args.per_round} stalled streams  peak {peak:7.1f} MiB  after {after[-1]:7.1f} MiB"
                  f"  upstream bytes per stream before the pause: {sent / 1024:.0f} KiB")
        total = args.rounds * args.per_round
        print(f"growth from round 1 to round {args.rounds} ({total} streams in all): {after[-1] - after[0]:+.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
