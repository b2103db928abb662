"""Micro-benchmark of the sans-IO wire layer (prints numbers, asserts nothing).

    python benchmarks/wire_parse.py

* a Claude Code-like ~1.5 KB request head parsed in one feed (the proxy's per-request cost),
* the same head plus a 64 KB Content-Length body, and a chunked body in 4 KB chunks,
* a response head, serialising a head, SSE splitting of a captured-like stream,
* worst-case feeding: a 60 KB head and a 200 KB SSE line fed in 1-3 byte pieces (must stay linear).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from headroom.wire.request import RequestParser
from headroom.wire.response import ResponseParser
from headroom.wire.serialize import encode_chunk, serialize_request_head
from headroom.wire.sse import SSESplitter

HEADERS = [
    (b"Accept", b"application/json"),
    (b"Content-Type", b"application/json"),
    (b"User-Agent", b"claude-cli/2.1.197 (external, cli)"),
    (b"X-Claude-Code-Session-Id", b"cc87216d-097b-412a-8d55-7d8c208732a9"),
    (b"X-Stainless-Arch", b"x64"),
    (b"X-Stainless-Lang", b"js"),
    (b"X-Stainless-OS", b"Linux"),
    (b"X-Stainless-Package-Version", b"0.94.0"),
    (b"X-Stainless-Retry-Count", b"0"),
    (b"X-Stainless-Runtime", b"node"),
    (b"X-Stainless-Runtime-Version", b"v26.3.0"),
    (b"X-Stainless-Timeout", b"600"),
    (
        b"anthropic-beta",
        b"interleaved-thinking-2025-05-14,redact-thinking-2026-02-12,thinking-token-count-2026-05-13,"
        b"context-management-2025-06-27,prompt-caching-scope-2026-01-05,structured-outputs-2025-12-15,"
        b"fine-grained-tool-streaming-2025-05-14,effort-2025-11-24,oauth-2025-04-20",
    ),
    (b"anthropic-dangerous-direct-browser-access", b"true"),
    (b"anthropic-version", b"2023-06-01"),
    (b"x-api-key", b"sk-ant-api03-" + b"A" * 95),
    (b"x-app", b"cli"),
    (b"Connection", b"keep-alive"),
    (b"Host", b"127.0.0.1:8787"),
    (b"Accept-Encoding", b"gzip, deflate, br, zstd"),
    (b"traceparent", b"00-" + b"0" * 32 + b"-" + b"1" * 16 + b"-01"),
    (b"baggage", b"sentry-environment=production,sentry-release=2.1.197," + b"x" * 300),
]
BODY = b"x" * 65536


def bench(name: str, fn: Callable[[], object], unit: str = "us", repeat: int = 2000) -> None:
    for _ in range(min(repeat, 200)):
        fn()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    value = best * 1e6 if unit == "us" else best * 1e3
    print(f"{name:<58} {value:10.2f} {unit}")


def main() -> None:
    head = serialize_request_head(b"POST", b"/v1/messages?beta=true", [*HEADERS, (b"Content-Length", b"65536")])
    print(f"request head: {len(head)} bytes, {len(HEADERS) + 1} header lines")
    empty = serialize_request_head(b"POST", b"/v1/messages?beta=true", [*HEADERS, (b"Content-Length", b"0")])
    bench("request head (Content-Length: 0), one feed", lambda: RequestParser().feed(empty))
    bench("request head + 64 KB Content-Length body, one feed", lambda: RequestParser().feed(head + BODY))
    chunked = serialize_request_head(b"POST", b"/v1/messages", [*HEADERS, (b"Transfer-Encoding", b"chunked")])
    chunked += b"".join(encode_chunk(BODY[i : i + 4096]) for i in range(0, len(BODY), 4096)) + b"0\r\n\r\n"
    bench("request head + 64 KB chunked body (16 chunks), one feed", lambda: RequestParser().feed(chunked))
    response = (
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"%s: %s\r\n" % (n, v) for n, v in HEADERS[:12])
        + b"Transfer-Encoding: chunked\r\n\r\n"
    )
    bench("response head, one feed", lambda: ResponseParser(b"POST").feed(response))
    bench("serialize_request_head (23 headers)", lambda: serialize_request_head(b"POST", b"/v1/messages", HEADERS))
    event = (
        b"event: content_block_delta\n"
        b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hello world"}}\n\n'
    )
    stream = event * 200
    bench(f"SSE: split {len(stream) // 1024} KB / 200 events, one feed", lambda: SSESplitter().feed(stream), "ms", 50)
    pieces = [stream[i : i + 100] for i in range(0, len(stream), 100)]
    bench("SSE: same stream in 100-byte feeds", lambda: [SSESplitter().feed(p) for p in pieces], "ms", 20)

    big_head = (
        b"GET / HTTP/1.1\r\nHost: h\r\n" + b"".join(b"X-%03d: %s\r\n" % (i, b"v" * 600) for i in range(95)) + b"\r\n"
    )

    def bytewise_head() -> None:
        parser = RequestParser()
        for i in range(len(big_head)):
            parser.feed(big_head[i : i + 1])

    bench(f"worst case: {len(big_head) // 1024} KB head fed 1 byte at a time", bytewise_head, "ms", 3)
    line = b"data: " + b"y" * 200_000 + b"\n\n"

    def small_sse() -> None:
        splitter = SSESplitter()
        for i in range(0, len(line), 3):
            splitter.feed(line[i : i + 3])

    bench("worst case: 200 KB SSE line fed 3 bytes at a time", small_sse, "ms", 3)


if __name__ == "__main__":
    main()
