"""Request body codings: which coding a request carries, capped decoding (bombs included), and
deterministic re-encoding. Everything is checked against the stdlib's own gzip/zlib codecs."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.wire.coding import (
    MAX_PARTS,
    STEP,
    Coding,
    CodingError,
    Form,
    decodable,
    decode,
    encode,
    request_coding,
    zstd_module,
)
from headroom.wire.events import Headers

payloads = st.one_of(
    st.binary(max_size=4096),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda unit, n: unit * n, st.binary(min_size=1, max_size=40), st.integers(1, 3000)),
)
LIMIT = 1 << 20


def _raw(data: bytes, level: int = 6, wbits: int = -15) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def _ce(*values: bytes) -> Headers:
    return tuple((b"Content-Encoding", v) for v in values)


# -- which coding


@pytest.mark.parametrize(
    ("headers", "coding"),
    [
        ((), "identity"),
        (_ce(b"identity"), "identity"),
        (_ce(b"gzip"), "gzip"),
        (_ce(b"GZip"), "gzip"),
        (_ce(b"x-gzip"), "gzip"),
        (_ce(b"deflate"), "deflate"),
        (_ce(b"zstd"), "zstd"),
        (_ce(b"gzip, identity"), "gzip"),
        (_ce(b"identity", b" gzip "), "gzip"),
        (_ce(b"br"), "unsupported"),
        (_ce(b"compress"), "unsupported"),
        (_ce(b"gzip, gzip"), "unsupported"),
        (_ce(b"deflate", b"gzip"), "unsupported"),
        (_ce(b""), "unsupported"),
        (_ce(b" , "), "unsupported"),
        (_ce(b"gzip;q=1"), "unsupported"),
    ],
)
def test_request_coding(headers: Headers, coding: Coding) -> None:
    assert request_coding(((b"Content-Type", b"application/json"), *headers)) == coding


def test_decodable_follows_the_interpreter() -> None:
    assert decodable("gzip") and decodable("deflate")
    assert not decodable("unsupported")
    assert decodable("zstd") is (zstd_module() is not None)


# -- round trips


@settings(max_examples=150, deadline=None)
@given(payloads, st.sampled_from(["gzip", "zlib", "raw"]))
def test_encode_then_decode_round_trips(data: bytes, form: Form) -> None:
    encoded = encode(form, data)
    coding: Coding = "gzip" if form == "gzip" else "deflate"
    decoded = decode(coding, encoded, len(data))  # the cap is inclusive
    assert decoded.body == data and decoded.form == form
    assert encode(form, data) == encoded  # deterministic


@settings(max_examples=100, deadline=None)
@given(payloads, st.integers(0, 9), st.integers(0, 2**32 - 1))
def test_decodes_what_the_stdlib_encodes(data: bytes, level: int, mtime: int) -> None:
    assert decode("gzip", gzip.compress(data, level, mtime=mtime), LIMIT).body == data
    zlib_form = decode("deflate", zlib.compress(data, level), LIMIT)
    assert (zlib_form.body, zlib_form.form) == (data, "zlib")
    raw_form = decode("deflate", _raw(data, level), LIMIT)
    assert (raw_form.body, raw_form.form) == (data, "raw")


@pytest.mark.parametrize("wbits", [9, 10, 12, 15])
def test_every_window_size_decodes_both_deflate_forms(wbits: int) -> None:
    data = b"".join(b"line %d of a build log\n" % i for i in range(5000))
    assert decode("deflate", _raw(data, 6, -wbits), LIMIT).body == data
    assert decode("deflate", _raw(data, 6, wbits), LIMIT).body == data


def test_gzip_encoding_is_fixed_and_readable_by_the_stdlib() -> None:
    data = b'{"messages":[]}' * 100
    encoded = encode("gzip", data)
    assert encoded[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # mtime 0, no name, OS unknown
    assert gzip.decompress(encoded) == data
    assert zlib.decompress(encode("zlib", data)) == data
    assert zlib.decompress(encode("raw", data), -15) == data


@settings(max_examples=50, deadline=None)
@given(st.lists(payloads, min_size=2, max_size=4))
def test_gzip_members_are_one_body_and_encode_as_one_member(parts: list[bytes]) -> None:
    body = b"".join(gzip.compress(p, mtime=0) for p in parts)
    decoded = decode("gzip", body, LIMIT)
    assert decoded.body == b"".join(parts)
    assert gzip.decompress(encode(decoded.form, decoded.body)) == decoded.body


# -- the cap


@settings(max_examples=150, deadline=None)
@given(payloads, st.sampled_from(["gzip", "zlib", "raw"]), st.integers(0, 5000))
def test_the_cap_is_exact(data: bytes, form: Form, limit: int) -> None:
    coding: Coding = "gzip" if form == "gzip" else "deflate"
    encoded = encode(form, data)
    if len(data) <= limit:
        assert decode(coding, encoded, limit).body == data
    else:
        with pytest.raises(CodingError) as caught:
            decode(coding, encoded, limit)
        assert caught.value.reason == "too_large"


def _zeros_bomb(chunks: int) -> bytes:
    """A raw deflate stream of ``chunks`` x 16 MiB of zeros, built without compressing them all:
    after a sync flush the compressor's state repeats, so one middle piece stands for all."""
    zeros = bytes(16 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    middle = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    last = compressor.compress(zeros) + compressor.flush()
    assert again == middle, "the compressor's state did not repeat"
    return first + middle * (chunks - 2) + last


def test_the_bomb_builder_builds_what_it_says() -> None:
    inflater, pending, size = zlib.decompressobj(-15), _zeros_bomb(3), 0
    while not inflater.eof:
        chunk = inflater.decompress(pending, 1 << 22)
        assert chunk.count(0) == len(chunk)
        size, pending = size + len(chunk), inflater.unconsumed_tail
    assert size == 3 * (16 << 20) and not inflater.unused_data


def _peak(call: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        call()
    except CodingError as exc:
        assert exc.reason == "too_large"
    else:
        raise AssertionError("the bomb was decoded")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("coding", ["gzip", "deflate-zlib", "deflate-raw"])
def test_a_one_gigabyte_bomb_stops_at_the_cap(coding: str) -> None:
    raw = _zeros_bomb(64)  # 1 GiB of zeros in ~1 MB
    body = {
        "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + raw + b"\x00" * 8,  # trailer never reached
        "deflate-zlib": b"\x78\xda" + raw + b"\x00" * 4,
        "deflate-raw": raw,
    }[coding]
    cap = 8 << 20
    peak = _peak(lambda: decode("gzip" if coding == "gzip" else "deflate", body, cap))
    assert peak < cap + 2 * STEP + (256 << 10), f"peak {peak} bytes for a cap of {cap}"


def test_many_members_of_zeros_stop_at_the_cap() -> None:
    body = gzip.compress(bytes(16 << 20), 9, mtime=0) * 64
    cap = 4 << 20
    peak = _peak(lambda: decode("gzip", body, cap))
    assert peak < cap + 2 * STEP + (256 << 10)


def test_bodies_spanning_many_input_slices_and_output_steps_decode_exactly() -> None:
    data = b"".join(b"%08d %s\n" % (i, b"x" * (i % 50)) for i in range(200_000))  # ~8.7 MB
    for form in ("gzip", "zlib", "raw"):
        coding: Coding = "gzip" if form == "gzip" else "deflate"
        assert decode(coding, encode(form, data), len(data)).body == data  # type: ignore[arg-type]


def test_member_and_frame_counts_are_bounded() -> None:
    empty = gzip.compress(b"", mtime=0)
    assert decode("gzip", empty * MAX_PARTS, LIMIT).body == b""
    with pytest.raises(CodingError) as caught:
        decode("gzip", empty * (MAX_PARTS + 1), LIMIT)
    assert caught.value.reason == "undecodable" and "members" in str(caught.value)
    module = zstd_module()
    if module is not None:
        frame = module.compress(b"", level=3)
        assert decode("zstd", frame * MAX_PARTS, LIMIT).body == b""
        with pytest.raises(CodingError):
            decode("zstd", frame * (MAX_PARTS + 1), LIMIT)


# -- what is not decodable


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
@pytest.mark.parametrize("body", [b"", b"{\"model\":\"x\"}", b"\x1f\x8b", b"\x78\x9c\xff\xff", b"\xff" * 64])
def test_garbage_is_undecodable(coding: Coding, body: bytes) -> None:
    with pytest.raises(CodingError) as caught:
        decode(coding, body, LIMIT)
    assert caught.value.reason == "undecodable"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["gzip", "deflate"]), st.integers(0, 2000))
def test_any_bytes_decode_within_the_cap_or_fail_cleanly(body: bytes, coding: Coding, limit: int) -> None:
    try:
        decoded = decode(coding, body, limit)
    except CodingError as exc:
        assert exc.reason in ("undecodable", "too_large")
    else:
        assert len(decoded.body) <= limit
        assert decode(coding, encode(decoded.form, decoded.body), limit).body == decoded.body


@settings(max_examples=100, deadline=None)
@given(payloads, st.sampled_from(["gzip", "zlib"]), st.data())
def test_a_truncated_stream_is_undecodable(data: bytes, form: Form, draw: st.DataObject) -> None:
    encoded = encode(form, data)
    cut = draw.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(CodingError) as caught:
        decode("gzip" if form == "gzip" else "deflate", encoded[:cut], LIMIT)
    assert caught.value.reason == "undecodable"


@pytest.mark.parametrize("tail", [b"\x00", b"\x00" * 8, b"garbage", b"\x1f\x8b", b"\x1f\x8b\x08\x00junk"])
def test_bytes_after_the_last_gzip_member_make_it_undecodable(tail: bytes) -> None:
    with pytest.raises(CodingError) as caught:
        decode("gzip", gzip.compress(b'{"a":1}', mtime=0) + tail, LIMIT)
    assert caught.value.reason == "undecodable"


@pytest.mark.parametrize("form", ["zlib", "raw"])
def test_bytes_after_the_deflate_stream_make_it_undecodable(form: Form) -> None:
    with pytest.raises(CodingError) as caught:
        decode("deflate", encode(form, b'{"a":1}') + b"x", LIMIT)
    assert caught.value.reason == "undecodable"


def test_a_checksum_mismatch_is_undecodable() -> None:
    good = gzip.compress(b'{"a":1}', mtime=0)
    bad_crc = good[:-8] + bytes([good[-8] ^ 1]) + good[-7:]
    bad_size = good[:-1] + bytes([good[-1] ^ 1])
    bad_adler = zlib.compress(b'{"a":1}')[:-1] + b"\x00"
    for coding, body in (("gzip", bad_crc), ("gzip", bad_size), ("deflate", bad_adler)):
        with pytest.raises(CodingError) as caught:
            decode(coding, body, LIMIT)  # type: ignore[arg-type]
        assert caught.value.reason == "undecodable"


# -- zstd: whichever behaviour this interpreter has

HAS_ZSTD = zstd_module() is not None


@pytest.mark.skipif(HAS_ZSTD, reason="this interpreter has compression.zstd (Python 3.14+): zstd is decoded")
def test_zstd_is_unsupported_without_compression_zstd() -> None:
    assert not decodable("zstd")
    frame = b"\x28\xb5\x2f\xfd\x20\x02\x11\x00\x00{}"  # a zstd frame holding b"{}"
    for call in (lambda: decode("zstd", frame, LIMIT), lambda: encode("zstd", b"{}")):
        with pytest.raises(CodingError) as caught:
            call()
        assert caught.value.reason == "unsupported"


@pytest.mark.skipif(not HAS_ZSTD, reason="no compression.zstd before Python 3.14: zstd bodies pass through")
@settings(max_examples=100, deadline=None)
@given(payloads, st.integers(0, 5000))
def test_zstd_round_trip_and_cap(data: bytes, limit: int) -> None:
    module = zstd_module()
    assert module is not None
    encoded = encode("zstd", data)
    assert encode("zstd", data) == encoded
    client = module.compress(data, level=1)
    for body in (encoded, client):
        if len(data) <= limit:
            assert decode("zstd", body, limit).body == data
        else:
            with pytest.raises(CodingError) as caught:
                decode("zstd", body, limit)
            assert caught.value.reason == "too_large"


@pytest.mark.skipif(not HAS_ZSTD, reason="no compression.zstd before Python 3.14: zstd bodies pass through")
def test_zstd_frames_truncation_trailing_bytes_and_bombs() -> None:
    module = zstd_module()
    assert module is not None
    one, two = module.compress(b'{"a":', level=3), module.compress(b"1}", level=3)
    assert decode("zstd", one + two, LIMIT).body == b'{"a":1}'
    for body in (b"", one[:-1], one + b"\x00", one + b"garbage!", b"{}"):
        with pytest.raises(CodingError) as caught:
            decode("zstd", body, LIMIT)
        assert caught.value.reason == "undecodable"
    bomb = module.compress(bytes(256 << 20), level=1)
    cap = 8 << 20
    assert _peak(lambda: decode("zstd", bomb, cap)) < cap + 2 * STEP + (256 << 10)
