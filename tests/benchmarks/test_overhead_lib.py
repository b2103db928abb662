"""Unit and property tests of the overhead benchmark's pure parts: bodies, response reading, stats."""

from __future__ import annotations

import asyncio
import json
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.overhead_lib.bodies import SIZES, log_text, messages_body
from benchmarks.overhead_lib.client import Framing, ResponseError, parse_head, read_response
from benchmarks.overhead_lib.report import Row, goal_lines, table
from benchmarks.overhead_lib.stats import Summary, percentile


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=1200, max_value=120_000), stream=st.booleans())
def test_messages_body_has_the_exact_size_and_is_a_messages_request(size: int, stream: bool) -> None:
    body = messages_body(size, stream=stream)
    assert len(body) == size
    doc = json.loads(body)
    assert doc["stream"] is stream
    assert doc["messages"][-1]["content"][0]["type"] == "tool_result"
    assert body == messages_body(size, stream=stream)  # deterministic


@pytest.mark.parametrize("name", list(SIZES))
def test_named_sizes_build(name: str) -> None:
    assert len(messages_body(SIZES[name], stream=True)) == SIZES[name]


def test_too_small_a_size_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        messages_body(100, stream=False)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=0, max_value=5000), seed=st.integers(min_value=0, max_value=2**32))
def test_log_text_json_size_is_exact(n: int, seed: int) -> None:
    assert len(json.dumps(log_text(n, seed), ensure_ascii=False).encode()) == n + 2


def _read(raw: bytes, cuts: list[int]) -> tuple[Framing, int]:
    async def go() -> tuple[Framing, int]:
        reader = asyncio.StreamReader(limit=1 << 20)
        pos = 0
        for cut in sorted(c % (len(raw) + 1) for c in cuts):
            reader.feed_data(raw[pos:cut])
            pos = max(pos, cut)
        reader.feed_data(raw[pos:])
        reader.feed_eof()
        framing, _first, size = await read_response(reader)
        return framing, size

    return asyncio.run(go())


def _chunked(pieces: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p) + b"0\r\n\r\n"


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=3000), cuts=st.lists(st.integers(min_value=0), max_size=6),
       interim=st.booleans())
def test_content_length_response_is_read_whatever_the_segmentation(body: bytes, cuts: list[int],
                                                                   interim: bool) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    raw = (b"HTTP/1.1 100 Continue\r\n\r\n" if interim else b"") + head + body
    framing, size = _read(raw, cuts)
    assert (framing.status, framing.length, framing.chunked, framing.close, size) == (200, len(body), False,
                                                                                      False, len(body))


@settings(max_examples=100, deadline=None)
@given(pieces=st.lists(st.binary(min_size=1, max_size=500), max_size=8),
       cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_chunked_response_is_read_whatever_the_segmentation(pieces: list[bytes], cuts: list[int]) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + _chunked(pieces)
    framing, size = _read(raw, cuts)
    assert framing.chunked and framing.close
    assert size == sum(len(p) for p in pieces)


def test_close_delimited_body_is_read_to_eof() -> None:
    framing, size = _read(b"HTTP/1.0 200 OK\r\n\r\nabcdef", [3, 25])
    assert framing.close and size == 6


def test_truncated_bodies_raise() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        _read(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", [])
    with pytest.raises(asyncio.IncompleteReadError):
        _read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", [])


@pytest.mark.parametrize("head", [b"HTTX/1.1 200 OK\r\n\r\n", b"HTTP/1.1 2x0 OK\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"])
def test_malformed_heads_are_refused(head: bytes) -> None:
    with pytest.raises(ResponseError):
        parse_head(head)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_percentile_matches_the_median_and_the_extremes(values: list[float]) -> None:
    assert percentile(values, 0.5) == pytest.approx(statistics.median(values))
    assert percentile(values, 0.0) == min(values)
    assert percentile(values, 1.0) == max(values)
    assert min(values) <= percentile(values, 0.99) <= max(values)


def _summary(p50: float, ttfb: float = 0.0, rps: float = 100.0, errors: int = 0) -> Summary:
    return Summary(requests=10, errors=errors, p50_ms=p50, p99_ms=p50 * 2, mean_ms=p50, ttfb_p50_ms=ttfb or p50,
                   ttfb_p99_ms=ttfb or p50, rps=rps, cpu_ms=0.1, body_bytes=100, capped=False)


def test_goals_compare_headroom_with_direct() -> None:
    rows = [
        Row("2KB JSON c1", {"direct": _summary(0.2), "headroom": _summary(0.6)}),  # +0.4 ms: met
        Row("100KB JSON c1", {"direct": _summary(1.0), "headroom": _summary(3.5)}),  # +2.5 ms: missed
        Row("2KB JSON c16", {"direct": _summary(2.0, rps=9000), "headroom": _summary(3.0, rps=2500)}),
    ]
    lines = goal_lines(rows)
    assert any("2 KB JSON c1" in line and "+0.40 ms" in line and line.endswith(" met") for line in lines)
    assert any("100 KB JSON c1" in line and "+2.50 ms" in line and line.endswith("MISSED") for line in lines)
    assert any("1 MB JSON c1" in line and line.endswith("not measured") for line in lines)
    assert any("requests/s: 2500 req/s" in line and line.endswith(" met") for line in lines)


def test_table_marks_failures_and_missing_targets() -> None:
    rows = [Row("2KB JSON c1", {"direct": _summary(0.2), "headroom": _summary(0.5, errors=3)})]
    lines = table(rows, ["direct", "headroom", "headroom-ai"])
    row = lines[-1].split("|")
    assert row[2].split()[3].endswith("!")  # headroom req/s flagged: some requests failed
    assert row[4].split() == ["-"] * 5 and row[5].split() == ["-"] * 4  # headroom-ai not measured
    assert row[3].split()[:2] == ["+0.30", "2.50x"]
