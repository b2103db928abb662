"""The data model of the raw-span scanner: errors, spans, schemas and nodes.

A ``Node`` describes one JSON value of a request body by its byte span; it never holds the decoded
value. Only the containers a schema names are walked, so only they carry ``members``/``items``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from headroom.errors import OptimisationError

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_NODES",
    "WALK_ALL",
    "DuplicateKeyError",
    "JsonSpanError",
    "Kind",
    "Node",
    "Schema",
    "Span",
]


class JsonSpanError(OptimisationError):
    """The body is malformed or uses a construct we refuse to edit; forward the original bytes."""


class DuplicateKeyError(JsonSpanError):
    """A member name looked up by ``Node.get`` occurs more than once in its object."""


Span: TypeAlias = tuple[int, int]
"""``[start, end)`` byte offsets into the body."""

Schema: TypeAlias = Mapping[str, "Schema | None"]
"""Which containers to walk: member name (or ``"*"``: any member / any array item) -> sub-schema.

``None`` records the member's span without descending into it. Schemas may be recursive
(see ``WALK_ALL``); the walk depth is bounded by ``MAX_DEPTH``.
"""

Kind: TypeAlias = Literal["object", "array", "string", "number", "true", "false", "null"]

MAX_DEPTH = 1000
"""Deepest nesting of walked containers; deeper bodies are rejected (never a RecursionError)."""

MAX_NODES = 250_000
"""Most nodes one scan creates; more is rejected. A node costs ~150 bytes where ``json.loads`` may
spend 8 (``[0,0,0,...]``), so this bounds the memory a hostile 32 MiB body can make a scan take.
Real request bodies walked with a provider schema stay far below (about 10 nodes per message)."""

MAX_INT_DIGITS = 4300
"""Longest integer accepted: CPython's default ``sys.int_max_str_digits``, enforced even when the
process raised or lifted that limit (converting longer integers takes quadratic time)."""

_walk_all: dict[str, Schema | None] = {}
_walk_all["*"] = _walk_all
WALK_ALL: Schema = _walk_all
"""A schema that walks every container of the body (tests, diagnostics)."""


@dataclass(frozen=True, slots=True)
class Node:
    """One JSON value of a body, located by its byte span (quotes included for strings)."""

    kind: Kind
    span: Span
    members: tuple[tuple[str, Node], ...] | None = None  # walked objects: every member, in order
    items: tuple[Node, ...] | None = None  # walked arrays: every item, in order

    def get(self, key: str) -> Node | None:
        """The member named ``key``; ``None`` if absent or if this value is not an object.

        Raises DuplicateKeyError if the name occurs more than once, and TypeError if this is an
        object the schema did not walk (a programming error: add it to the schema).
        """
        if self.kind != "object":
            return None
        members = self.members
        if members is None:
            raise TypeError(f"object at {self.span} was not walked; add it to the schema")
        found: Node | None = None
        for name, node in members:
            if name == key:
                if found is not None:
                    raise DuplicateKeyError(f"duplicate key {key!r} in object at {self.span}")
                found = node
        return found

    def __getitem__(self, index: int) -> Node:
        """The array item at ``index`` (negative indices count from the end)."""
        items = self.items
        if items is None:
            raise TypeError(f"{self.kind} at {self.span} is not a walked array")
        return items[index]

    def keys(self) -> tuple[str, ...]:
        """Member names of a walked object, in order, duplicates kept (empty for other values)."""
        if self.members is None:
            return ()
        return tuple(name for name, _ in self.members)
