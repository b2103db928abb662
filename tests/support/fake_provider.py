"""The project's fake LLM provider: deterministic answers, corpus replay and injectable faults.

Use ``FakeProvider`` inside asyncio tests (``await start()`` / ``await stop()``) or ``with
FakeProvider().running():`` from synchronous code. As a subprocess:

    python -m tests.support.fake_provider --port 0 [--mode hang] [--replay ../shared/corpus/codex-1]

prints ``PORT <n>`` once listening and serves until SIGTERM (exit status 0).

Normal answers: Anthropic ``POST /v1/messages`` (JSON, or SSE with ``"stream": true``) and
``/v1/messages/count_tokens``; OpenAI ``/v1/chat/completions``, ``/v1/responses`` (JSON / SSE),
``/v1/embeddings``, ``GET /v1/models`` (Anthropic-shaped with ``anthropic-version``); Gemini
``/{v1,v1beta}/models/{m}:generateContent``, ``:streamGenerateContent[?alt=sse]``, ``:countTokens``.
Unknown paths: 404, wrong method: 405, a body that is not a JSON object: 400 (provider-shaped).
Every body contains ``TEXT`` (2-, 3- and 4-byte UTF-8). Usage numbers come from a prompt-cache
simulation, so a request whose cached prefix changed reports fewer cached tokens.

Modes (``mode=`` for every request, or the request header ``x-fake-mode: <mode>``):
``normal``; ``hang`` (never answer; a client leaving is recorded in ``disconnects``);
``slow_head:<s>``; ``bad_status_line``, ``te_and_cl``, ``bad_cl``, ``two_cl``, ``obs_fold``, ``bare_lf``,
``nul_header`` (the normal answer with that head defect, then close); ``close_mid_body`` (Content-Length
promises twice what is sent); ``close_mid_chunked`` (half the SSE events, no last chunk); ``http10_eof``,
``eof_body`` (close-delimited); ``interim_100``, ``early_hints_103``; ``redirect`` (302 + Location);
``status:<400-599>`` (provider-shaped error, ``retry-after: 7`` on 429); ``sse_slow:<s>`` (events that far
apart); ``sse_forever`` (an event every 10 ms until the client leaves); ``close_after``; ``reset`` (RST);
``huge:<bytes>`` (a lazily generated SSE or JSON body of at least that size); ``sse_error`` (the SSE answer
cut after half its events by the API's mid-stream error event), ``sse_no_end`` (the SSE answer without its
terminal event), ``sse_unknown`` (events of a type the API does not define, after the first event): the
HTTP body ends cleanly in all three. Unknown modes: 400.
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
