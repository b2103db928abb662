"""Raw-span JSON: locate values of a request body by byte span, splice edits, encode strings.

The proxy never re-serialises a body: it scans it once (``scan``) to find the spans of the few
values it may edit, and ``splice``s replacement bytes in, copying every other byte unchanged.
"""

from __future__ import annotations

from headroom.jsonspan.codec import decode_string, decode_value, encode_string, has_lone_surrogate_escape
from headroom.jsonspan.edit import find, parse_path, splice
from headroom.jsonspan.model import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_NODES,
    WALK_ALL,
    DuplicateKeyError,
    JsonSpanError,
    Node,
    Schema,
    Span,
)
from headroom.jsonspan.scanner import scan

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_NODES",
    "WALK_ALL",
    "DuplicateKeyError",
    "JsonSpanError",
    "Node",
    "Schema",
    "Span",
    "decode_string",
    "decode_value",
    "encode_string",
    "find",
    "has_lone_surrogate_escape",
    "parse_path",
    "scan",
    "splice",
]
