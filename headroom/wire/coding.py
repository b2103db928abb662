"""Request body content codings (RFC 9110 §8.4): which one a request carries, decoding it under a
hard size cap for inspection, and encoding an edited body again. Pure: bytes in, bytes out.

What is decoded: exactly one coding, gzip (alias ``x-gzip``; concatenated members are one body),
deflate (the zlib wrapper RFC 9110 names; a raw RFC 1951 stream, which some clients send, is
accepted too and encoded raw again), or zstd (only when the interpreter provides
``compression.zstd``, Python 3.14+; elsewhere zstd bodies are unsupported and forwarded
untouched). ``identity`` elements are no-ops. Anything else (an unknown coding, stacked codings
such as ``gzip, gzip``, an empty value) is unsupported.

Decoding stops as soon as the output would pass ``limit`` bytes: the decoder never produces more
than one step past the cap, whatever the input claims, so a decompression bomb costs at most the
cap. Bytes after the last complete gzip member / zstd frame / deflate stream (trailing garbage,
zero padding), a truncated stream or a checksum mismatch make the body undecodable: the forwarder
then sends the client's bytes untouched and lets the upstream judge them.

Encoding is deterministic (fixed level; gzip header with mtime 0, no file name, OS "unknown"), so
the same edited body always encodes to the same bytes on one build of zlib / libzstd.
"""

from __future__ import annotations

import functools
import importlib
import struct
import zlib
from dataclasses import dataclass
from typing import Literal, Protocol, cast

from headroom.wire.events import Headers, header_values
from headroom.wire.grammar import list_elements

Coding = Literal["identity", "gzip", "deflate", "zstd", "unsupported"]
Form = Literal["gzip", "zlib", "raw", "zstd"]  # the exact framing of a decoded body
Failure = Literal["undecodable", "too_large", "unsupported"]

_NAMES: dict[bytes, Coding] = {b"gzip": "gzip", b"x-gzip": "gzip", b"deflate": "deflate", b"zstd": "zstd"}
STEP = 256 * 1024  # most output produced per decompressor call
IN_STEP = 64 * 1024  # most input handed to a decompressor per call
MAX_PARTS = 1024  # gzip members / zstd frames in one body (clients send one; each costs a decoder)
ZLIB_LEVEL = 6  # zlib's default: ~10 ms/MB of JSON here, a third of the size
ZSTD_LEVEL = 3  # zstd's default
ZSTD_WINDOW_LOG_DEFAULT = 27  # libzstd's own limit for decoding (128 MiB windows)
ZSTD_WINDOW_LOG_FLOOR = 23  # 8 MiB: every standard level's window for unknown-size input fits
# gzip member header: magic, deflate, no flags, mtime 0, no extra flags, OS 255 (unknown)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


class CodingError(Exception):
    """A body that is not inspected; ``reason`` says why."""

    def __init__(self, reason: Failure, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: Failure = reason


@dataclass(frozen=True, slots=True)
class Decoded:
    body: bytes
    form: Form  # how to encode an edited body the way the client encoded this one


class _ZstdDecompressor(Protocol):
    eof: bool
    needs_input: bool
    unused_data: bytes

    def decompress(self, data: bytes | memoryview, max_length: int = -1) -> bytes: ...


class _ZstdModule(Protocol):
    """The part of ``compression.zstd`` used here."""

    ZstdError: type[Exception]

    @property
    def DecompressionParameter(self) -> _WindowParameter: ...  # noqa: N802 (the module's name)

    def ZstdDecompressor(self, *, options: dict[object, int]) -> _ZstdDecompressor: ...  # noqa: N802

    def compress(self, data: bytes, level: int) -> bytes: ...


class _WindowParameter(Protocol):
    window_log_max: object


@functools.cache
def zstd_module() -> _ZstdModule | None:
    """``compression.zstd`` when the interpreter has it (3.14+), else None."""
    try:
        return cast(_ZstdModule, importlib.import_module("compression.zstd"))
    except ImportError:
        return None


def request_coding(headers: Headers) -> Coding:
    """The coding of a request body from its Content-Encoding header(s) (a list, in order)."""
    values = header_values(headers, b"content-encoding")
    if not values:
        return "identity"
    elements = [e.lower() for value in values for e in list_elements(value)]
    applied = [e for e in elements if e != b"identity"]
    if not elements or len(applied) > 1:
        return "unsupported"  # an empty value, or stacked codings
    return _NAMES.get(applied[0], "unsupported") if applied else "identity"


def decodable(coding: Coding) -> bool:
    """Whether bodies of this coding can be decoded here (identity needs no decoding)."""
    return coding in ("gzip", "deflate") or (coding == "zstd" and zstd_module() is not None)


def decode(coding: Coding, data: bytes, limit: int) -> Decoded:
    """The decoded body; raises CodingError when it cannot be, or would exceed ``limit`` bytes."""
    if coding == "gzip":
        return Decoded(_inflate_members(data, limit), "gzip")
    if coding == "deflate":
        return _inflate_deflate(data, limit)
    module = zstd_module() if coding == "zstd" else None
    if module is None:
        raise CodingError("unsupported", f"no decoder for {coding}")
    return Decoded(_unzstd(module, data, limit), "zstd")


def encode(form: Form, body: bytes) -> bytes:
    """``body`` encoded in ``form``, deterministically."""
    if form == "gzip":
        trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
        return b"".join((_GZIP_HEADER, _deflate(body, -15), trailer))
    if form in ("zlib", "raw"):
        return _deflate(body, 15 if form == "zlib" else -15)
    module = zstd_module()
    if module is None:
        raise CodingError("unsupported", "no zstd encoder")
    return module.compress(body, level=ZSTD_LEVEL)


def _deflate(body: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(ZLIB_LEVEL, zlib.DEFLATED, wbits, 8, zlib.Z_DEFAULT_STRATEGY)
    return compressor.compress(body) + compressor.flush()


class _Output:
    """Decoded chunks and their total size, failing once the size passes the cap."""

    __slots__ = ("limit", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    @property
    def room(self) -> int:
        """How much the next call may produce: one byte past the cap tells it was passed."""
        return min(STEP, self.limit + 1 - self.size)

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise CodingError("too_large", f"decodes to more than {self.limit} bytes")
        self.parts.append(chunk)

    def result(self) -> bytes:
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)


def _inflate_stream(data: memoryview, at: int, wbits: int, out: _Output) -> int:
    """Inflate the stream starting at ``data[at]`` into ``out``; return the offset of its end.

    Input goes in ``IN_STEP`` slices, so zlib's copy of the unconsumed input stays small.
    """
    inflater = zlib.decompressobj(wbits)
    pending: bytes | memoryview = b""
    fed = at
    try:
        while not inflater.eof:
            if not pending and fed < len(data):
                pending = data[fed:fed + IN_STEP]
                fed += len(pending)
            chunk = inflater.decompress(pending, out.room)
            tail = inflater.unconsumed_tail
            if not chunk and not inflater.eof and len(tail) == len(pending):
                raise CodingError("undecodable", "truncated stream")
            out.add(chunk)
            pending = tail
    except zlib.error as exc:
        raise CodingError("undecodable", str(exc)) from None
    return fed - len(inflater.unused_data)


def _inflate_members(data: bytes, limit: int) -> bytes:
    """Every gzip member of ``data``, concatenated."""
    out, view = _Output(limit), memoryview(data)
    end = _inflate_stream(view, 0, 31, out)
    for _ in range(MAX_PARTS - 1):
        if end == len(data):
            return out.result()
        if data[end:end + 2] != b"\x1f\x8b":
            raise CodingError("undecodable", f"{len(data) - end} bytes after the last gzip member")
        end = _inflate_stream(view, end, 31, out)
    if end < len(data):
        raise CodingError("undecodable", f"more than {MAX_PARTS} gzip members")
    return out.result()


def _zlib_header(data: bytes) -> bool:
    """RFC 1950 header: method 8, window <= 32 KiB, check bits; no preset dictionary."""
    return (len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7
            and (data[0] << 8 | data[1]) % 31 == 0 and not data[1] & 0x20)


def _inflate_deflate(data: bytes, limit: int) -> Decoded:
    """HTTP deflate: zlib-wrapped when the header says so and it decodes, else a raw stream."""
    if not _zlib_header(data):
        return Decoded(_whole_stream(data, -15, limit), "raw")
    try:
        return Decoded(_whole_stream(data, 15, limit), "zlib")
    except CodingError as wrapped:
        if wrapped.reason == "too_large":
            raise
        try:
            return Decoded(_whole_stream(data, -15, limit), "raw")
        except CodingError as raw:
            raise (raw if raw.reason == "too_large" else wrapped) from None


def _whole_stream(data: bytes, wbits: int, limit: int) -> bytes:
    out = _Output(limit)
    end = _inflate_stream(memoryview(data), 0, wbits, out)
    if end < len(data):
        raise CodingError("undecodable", f"{len(data) - end} bytes after the end of the deflate stream")
    return out.result()


def _unzstd(module: _ZstdModule, data: bytes, limit: int) -> bytes:
    """Every zstd frame of ``data``, concatenated; the window is bounded by the cap too."""
    window = min(ZSTD_WINDOW_LOG_DEFAULT, max(ZSTD_WINDOW_LOG_FLOOR, limit.bit_length()))
    options: dict[object, int] = {module.DecompressionParameter.window_log_max: window}
    out, view, end = _Output(limit), memoryview(data), 0
    try:
        for _ in range(MAX_PARTS):
            end = _unzstd_frame(module.ZstdDecompressor(options=options), view, end, out)
            if end >= len(data):
                return out.result()
    except module.ZstdError as exc:
        raise CodingError("undecodable", str(exc)) from None
    raise CodingError("undecodable", f"more than {MAX_PARTS} zstd frames")


def _unzstd_frame(decompressor: _ZstdDecompressor, data: memoryview, at: int, out: _Output) -> int:
    """Decode the frame starting at ``data[at]`` into ``out``; return the offset of its end."""
    fed = min(len(data), at + IN_STEP)
    out.add(decompressor.decompress(data[at:fed], out.room))
    while not decompressor.eof:
        feed: bytes | memoryview = b""
        if decompressor.needs_input:
            if fed >= len(data):
                raise CodingError("undecodable", "truncated zstd frame")
            feed = data[fed:fed + IN_STEP]
            fed += len(feed)
        out.add(decompressor.decompress(feed, out.room))
    return fed - len(decompressor.unused_data)
