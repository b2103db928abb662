"""RFC 6455 pieces for tests: the accept key, a frame encoder, an incremental frame parser and a
small blocking WebSocket client. Written for the tests, independent of headroom (which never parses
frames)."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
from dataclasses import dataclass

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
MAX_PAYLOAD = 1 << 24


def accept_key(key: bytes) -> bytes:
    """The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.strip() + GUID).digest())


def new_key() -> bytes:
    return base64.b64encode(os.urandom(16))


def _xor(payload: bytes, mask: bytes) -> bytes:
    if not payload:
        return payload
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def encode_frame(opcode: int, payload: bytes, *, mask: bytes | None = None, fin: bool = True) -> bytes:
    """One frame; client frames carry a 4-byte ``mask``, server frames none."""
    first = (0x80 if fin else 0) | opcode
    masked = 0x80 if mask is not None else 0
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", first, masked | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, masked | 126, size)
    else:
        head = struct.pack("!BBQ", first, masked | 127, size)
    if mask is None:
        return head + payload
    return head + mask + _xor(payload, mask)


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: int
    payload: bytes  # unmasked
    masked: bool

    @property
    def close_code(self) -> int | None:
        return struct.unpack("!H", self.payload[:2])[0] if self.opcode == CLOSE and len(self.payload) >= 2 else None


class FrameError(Exception):
    pass


class FrameParser:
    """Bytes in (any split), frames out."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self.buf += data
        frames = []
        while (frame := self._next()) is not None:
            frames.append(frame)
        return frames

    def _next(self) -> Frame | None:
        if len(self.buf) < 2:
            return None
        first, second = self.buf[0], self.buf[1]
        if first & 0x70:
            raise FrameError("reserved bits set")
        size, pos = second & 0x7F, 2
        if size == 126:
            if len(self.buf) < 4:
                return None
            size, pos = struct.unpack("!H", self.buf[2:4])[0], 4
        elif size == 127:
            if len(self.buf) < 10:
                return None
            size, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
        if size > MAX_PAYLOAD:
            raise FrameError("frame too large")
        masked = bool(second & 0x80)
        mask = bytes(self.buf[pos : pos + 4]) if masked else b""
        pos += 4 if masked else 0
        if len(self.buf) < pos + size:
            return None
        payload = bytes(self.buf[pos : pos + size])
        del self.buf[: pos + size]
        return Frame(bool(first & 0x80), first & 0x0F, _xor(payload, mask) if masked else payload, masked)


class WsClient:
    """A blocking client: handshake, masked frames out, frames in, half-close."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.parser = FrameParser()
        self.pending: list[Frame] = []
        self.key = new_key()
        self.leftover = b""

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def handshake_bytes(self, path: str, headers: list[tuple[str, str]], *, early: bytes = b"") -> bytes:
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: Upgrade", "Upgrade: websocket",
                 f"Sec-WebSocket-Key: {self.key.decode()}", "Sec-WebSocket-Version: 13"]
        lines.extend(f"{k}: {v}" for k, v in headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + early

    def read_head(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and the bytes that came after the head (frames, or a response body)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed before a complete head: {data!r}")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = [(k, v.strip()) for k, _, v in (line.partition(b":") for line in lines[1:])]
        return int(lines[0].split(b" ")[1]), headers, rest

    def read_response(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """A non-101 answer: status, headers and its Content-Length body."""
        status, headers, body = self.read_head()
        length = int(next((v for k, v in headers if k.lower() == b"content-length"), b"0"))
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body

    def open(
        self, path: str, headers: list[tuple[str, str]], *, early: bytes = b""
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        self.sock.sendall(self.handshake_bytes(path, headers, early=early))
        status, got, rest = self.read_head()
        self.leftover = rest
        if status == 101:
            self.pending.extend(self.parser.feed(rest))
        return status, got

    def send(self, opcode: int, payload: bytes) -> None:
        self.sock.sendall(encode_frame(opcode, payload, mask=os.urandom(4)))

    def recv(self) -> Frame:
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("EOF before a frame")
            self.pending.extend(self.parser.feed(data))
        return self.pending.pop(0)

    def at_eof(self, wait: float = 5.0) -> bool:
        """True when the peer closed (EOF or reset) within ``wait`` seconds with no frame pending."""
        if self.pending or self.parser.buf:
            return False
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False
        if data:
            self.pending.extend(self.parser.feed(data))
            return False
        return True
