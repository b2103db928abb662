"""The project's fake LLM provider: deterministic answers, corpus replay and injectable faults.

Use ``FakeProvider`` inside asyncio tests (``await start()`` / ``await stop()``) or ``with
FakeProvider().running():`` from synchronous code. As a subprocess:

    python -m tests.support.fake_provider --port 0 [--mode hang] [--replay ../shared/corpus/codex-1]

prints ``PORT <n>`` once listening and serves until SIGTERM (exit status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import ssl
from pathlib import Path

from tests.support.fake.faults import Mode, parse_mode
from tests.support.fake.http1 import RecordedRequest
from tests.support.fake.payload import TEXT
from tests.support.fake.server import MODE_HEADER, FakeProvider

__all__ = ["MODE_HEADER", "TEXT", "FakeProvider", "Mode", "RecordedRequest", "main", "parse_mode"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_provider", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="normal", help="normal, hang, status:429, sse_slow:0.5, ...")
    parser.add_argument("--replay", type=Path, default=None, help="a corpus session directory to replay")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--split-utf8", action="store_true")
    parser.add_argument("--idle-close-after", type=float, default=None)
    parser.add_argument("--certfile", type=Path, default=None, help="serve TLS with this PEM certificate chain")
    parser.add_argument("--keyfile", type=Path, default=None)
    return parser


async def _serve(args: argparse.Namespace) -> int:
    context = None
    if args.certfile is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.certfile, args.keyfile)
    provider = FakeProvider(host=args.host, port=args.port, ssl=context, mode=args.mode,
                            chunk_size=args.chunk_size, chunk_delay=args.chunk_delay, split_utf8=args.split_utf8,
                            replay=args.replay, idle_close_after=args.idle_close_after)
    await provider.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"PORT {provider.port}", flush=True)
    await stop.wait()
    await provider.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_serve(_parser().parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
