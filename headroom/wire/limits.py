"""Size limits enforced by the HTTP/1.1 parsers (the status each one maps to is noted)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_head_bytes: int = 64 * 1024  # head incl. request/status line and final CRLF -> 431 (requests)
    max_header_lines: int = 100  # request field lines -> 431
    max_target_bytes: int = 8 * 1024  # request-target -> 414, detected before the line ends
    max_body_bytes: int = 32 * 1024 * 1024  # request body: Content-Length above -> 413 at head time,
    # a chunked body growing past it -> 413 as soon as a chunk-size line crosses it
    max_chunk_ext_bytes: int = 1024  # per chunk-size line; 4x this in total per message -> 400
    max_trailer_bytes: int = 16 * 1024  # trailer section -> 400
    max_response_header_lines: int = 200  # response field lines (any excess is a protocol error)
    max_method_bytes: int = 64  # a longer method token -> 501 (RFC 9112 section 3)

    @property
    def max_chunk_ext_total(self) -> int:
        return 4 * self.max_chunk_ext_bytes
