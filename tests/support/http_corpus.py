"""The HTTP/1.1 conformance corpus in ``fixtures/http/`` (one ``.http`` + ``.expect.json`` per case).

Used by the sans-IO parser tests and by the live-server tests, which replay ``raw`` over a socket
and compare the answer with ``server``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import REPO

FIXTURES = REPO / "fixtures" / "http"


@dataclass(frozen=True, slots=True)
class HttpCase:
    name: str
    raw: bytes  # the exact bytes a client sends
    items: tuple[int, ...]  # RELIABILITY.md items the case covers
    parser: dict[str, Any]  # {"outcome": "reject", "status": N} or {"outcome": "accept", "requests": [...]}
    server: dict[str, Any]  # {"status": N, "close": bool, "upstream": bool} or {"status": "forward"}
    description: str = ""


def load_cases(directory: Path = FIXTURES) -> list[HttpCase]:
    """Every case, sorted by name."""
    cases = []
    for expect_path in sorted(directory.glob("*.expect.json")):
        name = expect_path.name.removesuffix(".expect.json")
        expect = json.loads(expect_path.read_text(encoding="utf-8"))
        cases.append(
            HttpCase(
                name=name,
                raw=(directory / f"{name}.http").read_bytes(),
                items=tuple(expect["items"]),
                parser=expect["parser"],
                server=expect["server"],
                description=expect.get("description", ""),
            )
        )
    return cases
