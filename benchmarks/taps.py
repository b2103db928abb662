"""Benchmark: throughput of the response taps (``headroom.providers.taps``) on event streams.

Run from the repository root::

    python benchmarks/taps.py            # corpus streams + synthetic streams
    python benchmarks/taps.py --quick    # fewer rounds

Each row feeds one recorded or generated body to a fresh tap in relay-sized chunks (``--chunk``
bytes, 64 KiB by default, the relay's read size) and finishes it, many times over; it prints the
median MB/s and microseconds per event. Corpus rows: the largest recorded SSE body of each API.
Synthetic rows: long streams of small deltas (the worst case per byte: one event per few tokens)
built the way each provider frames them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from headroom.providers.taps import open_tap
from tests.support.paths import shared_dir

SSE = [(b"Content-Type", b"text/event-stream")]
APIS = {"claude-code-3-interactive": "anthropic.messages", "sdk-anthropic": "anthropic.messages",
        "codex-1": "openai.responses", "sdk-openai-responses": "openai.responses",
        "sdk-openai-chat": "openai.chat", "sdk-google-genai": "gemini.stream"}


def _event(name: str | None, data: object) -> bytes:
    line = b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
    return line if name is None else b"event: " + name.encode() + b"\n" + line


def synthetic(api: str, deltas: int) -> bytes:
    """A stream of ``deltas`` small text deltas framed as ``api`` frames them, with its start and end."""
    piece = "Fake reply: héllo — "
    if api == "anthropic.messages":
        head = [_event("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5}}})]
        body = [_event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                               "delta": {"type": "text_delta", "text": piece}})] * deltas
        tail = [_event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                         "usage": {"output_tokens": deltas}}),
                _event("message_stop", {"type": "message_stop"})]
    elif api == "openai.chat":
        head = []
        body = [_event(None, {"id": "c", "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}]})] * deltas
        tail = [_event(None, {"id": "c", "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 9}}), b"data: [DONE]\n\n"]
    else:
        head = [_event("response.created", {"type": "response.created", "response": {"status": "in_progress"}})]
        body = [_event("response.output_text.delta", {"type": "response.output_text.delta", "item_id": "msg_1",
                                                      "output_index": 0, "content_index": 0, "delta": piece})] * deltas
        tail = [_event("response.completed", {"type": "response.completed", "response": {
            "status": "completed", "usage": {"input_tokens": 9, "output_tokens": deltas}}})]
    return b"".join(head + body + tail)


def run(api: str, body: bytes, chunk: int, rounds: int) -> tuple[float, float]:
    """(median MB/s, microseconds per event) of feeding ``body`` to a fresh tap in ``chunk``-byte pieces."""
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    events = max(1, body.count(b"\n\n") + body.count(b"\r\n\r\n"))
    repeat = max(1, int(2_000_000 / max(1, len(body))))  # about 2 MB per sample
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            tap = open_tap(api, None, SSE)
            for piece in pieces:
                tap.feed(piece)
            result = tap.finish()
        samples.append((time.perf_counter() - start) / repeat)
        assert not result.truncated, (api, result)
    seconds = statistics.median(samples)
    return len(body) / seconds / 1e6, seconds / events * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--chunk", type=int, default=65536)
    args = parser.parse_args()
    rounds = 3 if args.quick else 9
    rows: list[tuple[str, str, bytes]] = []
    shared = shared_dir()
    for session, api in APIS.items():
        bodies = [] if shared is None else sorted(
            (p.read_bytes() for p in (shared / "corpus" / session).glob("*.response.body.bin")
             if json.loads(p.with_name(p.name.replace(".body.bin", ".json")).read_text()).get("streaming")),
            key=len)
        if bodies:
            rows.append((f"corpus {session} (largest SSE)", api, bodies[-1]))
    for api in ("anthropic.messages", "openai.chat", "openai.responses"):
        rows.append((f"synthetic {api} 20k text deltas", api, synthetic(api, 20_000)))
    print(f"{'stream':<52} {'KB':>8} {'MB/s':>8} {'us/event':>9}")
    for label, api, body in rows:
        rate, per_event = run(api, body, args.chunk, rounds)
        print(f"{label:<52} {len(body) / 1e3:>8.1f} {rate:>8.1f} {per_event:>9.2f}")


if __name__ == "__main__":
    main()
