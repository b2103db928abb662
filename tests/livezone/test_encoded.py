"""The optimiser's Content-Encoding boundary, in-process: decode before the live-zone engine,
encode after; the forwarder's instructions (body, header edits) and where the work runs."""

from __future__ import annotations

import asyncio
import gzip
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import headroom.optimize
from tests.livezone import engine
from tests.livezone.bodies import Session, headers
from tests.livezone.samples import json_output, log_output

GZIP = [*headers(), (b"Content-Encoding", b"gzip")]


def _body(output: str, sid: str = "encoded") -> bytes:
    session = Session(sid)
    session.add_tool_turn("Bash", [output])
    return session.body()


@pytest.fixture
def threaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the functions the optimiser sends to a worker thread."""
    names: list[str] = []
    real = asyncio.to_thread

    async def recording(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        names.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(headroom.optimize.asyncio, "to_thread", recording)
    yield names


def test_small_bodies_are_decoded_and_encoded_on_the_loop(tmp_path: Path, threaded: list[str]) -> None:
    plain = _body(log_output(20_000, seed=61))
    with engine.optimizer(str(tmp_path)) as opt:
        out = engine.run(opt, gzip.compress(plain), GZIP)
    assert out.decision == "compressed" and out.header_edits == {}
    assert len(gzip.decompress(out.body)) == out.fields["bytes_after"] < len(plain)
    assert "decode" not in threaded and "encode" not in threaded


def test_big_bodies_are_decoded_and_encoded_in_a_thread(tmp_path: Path, threaded: list[str]) -> None:
    session = Session("big")
    session.add_tool_turn("Bash", [log_output(600_000, seed=62)])  # history now: never edited
    session.add_tool_turn("Bash", [log_output(20_000, seed=65)])
    plain = session.body()
    assert len(plain) > headroom.optimize.PARSE_INLINE_BYTES
    with engine.optimizer(str(tmp_path)) as opt:
        out = engine.run(opt, gzip.compress(plain), GZIP)
    assert out.decision == "compressed" and out.fields["bytes_after"] > headroom.optimize.ENCODE_INLINE_BYTES
    assert threaded.count("decode") == 1 and threaded.count("encode") == 1


def test_identity_setting_edits_the_header_instead_of_encoding(tmp_path: Path, threaded: list[str]) -> None:
    plain = _body(log_output(20_000, seed=63))
    with engine.optimizer(str(tmp_path), edited_encoding="identity") as opt:
        out = engine.run(opt, zlib.compress(plain), [*headers(), (b"Content-Encoding", b"deflate")])
    assert out.decision == "compressed" and out.header_edits == {b"content-encoding": None}
    assert out.body.startswith(b"{") and out.fields["wire_bytes"] == [len(zlib.compress(plain)), len(out.body)]
    assert "encode" not in threaded


@pytest.mark.parametrize(
    ("coding", "body", "reason"),
    [
        (b"gzip", b"not gzip", "content_encoding_undecodable"),
        (b"gzip", gzip.compress(b"{}" * 100_000), "content_encoding_too_large"),
        (b"br", b"\x0b\x02\x80{}\x03", "content_encoding_unsupported"),
        (b"gzip, deflate", b"x", "content_encoding_unsupported"),
    ],
)
def test_bodies_that_cannot_be_inspected_pass_through(tmp_path: Path, coding: bytes, body: bytes,
                                                      reason: str) -> None:
    with engine.optimizer(str(tmp_path), request_decode_limit=100_000) as opt:
        out = engine.run(opt, body, [*headers(), (b"Content-Encoding", coding)])
    assert (out.decision, out.reason, out.body, out.header_edits) == ("passthrough", reason, body, {})


def test_a_failure_after_decoding_forwards_the_encoded_original(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> bytes:
        raise MemoryError("no room to encode")

    monkeypatch.setattr(headroom.optimize, "encode", broken)
    body = gzip.compress(_body(log_output(20_000, seed=64)))
    with engine.optimizer(str(tmp_path)) as opt:
        out = engine.run(opt, body, GZIP)
    assert (out.decision, out.reason, out.body, out.header_edits) == ("passthrough", "error:MemoryError", body, {})


def _raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


ENCODERS: dict[str, tuple[bytes, Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "gzip": (b"gzip", gzip.compress, gzip.decompress),
    "zlib": (b"deflate", zlib.compress, zlib.decompress),
    "raw": (b"deflate", _raw, lambda b: zlib.decompress(b, -15)),
}


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(sorted(ENCODERS)), st.integers(0, 1000), st.integers(3_000, 40_000),
       st.sampled_from([log_output, json_output]))
def test_the_encoded_path_forwards_what_the_identity_path_forwards(form: str, seed: int, size: int,
                                                                    sample: Callable[..., str]) -> None:
    coding, encoder, decoder = ENCODERS[form]
    plain = _body(sample(size, seed=seed), sid=f"p{seed}")
    sent = encoder(plain)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        with engine.optimizer(a) as opt:
            identity = engine.run(opt, plain, headers())
        with engine.optimizer(b) as opt:
            encoded = engine.run(opt, sent, [*headers(), (b"Content-Encoding", coding)])
    assert encoded.decision == identity.decision and encoded.header_edits == {}
    if identity.decision == "compressed":
        assert decoder(encoded.body) == identity.body
    else:
        assert encoded.body == sent


def test_a_big_encoded_body_that_decodes_small_is_still_decoded_in_a_thread(tmp_path: Path,
                                                                            threaded: list[str]) -> None:
    """Empty stored deflate blocks: 1 MB on the wire, 2 bytes decoded; inflating it all would take
    the event loop ~1 ms per MB, so the input size alone sends it to a thread."""
    empty_block = b"\x00\x00\x00\xff\xff"  # a non-final stored block of length 0
    body = empty_block * 200_000 + b"\x03\x00"  # then an empty final fixed-Huffman block
    assert zlib.decompress(body, -15) == b""
    with engine.optimizer(str(tmp_path)) as opt:
        out = engine.run(opt, body, [*headers(), (b"Content-Encoding", b"deflate")])
    assert out.decision == "passthrough" and out.body == body  # b"" is not JSON: fail open
    assert threaded.count("decode") == 1


def test_big_decodes_never_run_more_at_once_than_the_budget_allows(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """max_inflight_body_bytes // (2 * request_decode_limit) requests may hold a big decoded body at
    once (here 1); the others wait their turn instead of piling decoded copies up."""
    active: list[int] = [0]
    peak: list[int] = [0]
    real = headroom.optimize.decode

    def counting(coding: Any, body: bytes, limit: int) -> Any:
        if limit < 2 * 1024 * 1024:  # an inline attempt (512 KiB cap) on the event loop
            return real(coding, body, limit)
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        try:
            time.sleep(0.05)  # widen the window in which an unbounded version would overlap
            return real(coding, body, limit)
        finally:
            active[0] -= 1

    monkeypatch.setattr(headroom.optimize, "decode", counting)
    bodies = [gzip.compress(_body(log_output(700_000, seed=70 + i), sid=f"s{i}")) for i in range(4)]

    async def all_at_once(opt: headroom.optimize.Optimizer) -> list[Any]:
        from headroom.providers.headers import internal_headers
        heads = tuple(GZIP)
        return await asyncio.gather(*(opt.run(engine.MESSAGES, heads, b, internal_headers(heads)) for b in bodies))

    with engine.optimizer(str(tmp_path), request_decode_limit=2 * 1024 * 1024,
                          max_inflight_body_bytes=4 * 1024 * 1024) as opt:
        assert opt.big_decodes._value == 1
        outs = asyncio.run(all_at_once(opt))
    assert [o.decision for o in outs] == ["compressed"] * 4
    assert peak[0] == 1  # the full decodes (in threads) never overlap
