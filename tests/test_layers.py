"""Machine check of the dependency rule: pure packages import no IO layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "headroom"
PURE = ("wire", "jsonspan", "providers", "compress", "livezone")
FORBIDDEN = (
    "headroom.transport",
    "headroom.store",
    "headroom.observe",
    "headroom.exchange",
    "asyncio",
    "socket",
    "ssl",
    "sqlite3",
    "selectors",
)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.append("." * node.level + (node.module or ""))
    return names


def _violations(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            if name.startswith("."):
                bad.append(f"{path.relative_to(ROOT)}: relative import {name!r} (use absolute imports)")
                continue
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                bad.append(f"{path.relative_to(ROOT)}: imports {name}")
    return bad


@pytest.mark.parametrize("package", PURE)
def test_pure_package_imports_no_io(package: str) -> None:
    assert (ROOT / package).is_dir()
    assert _violations(package) == []


def test_checker_detects_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import asyncio\nfrom headroom.store import x\n", encoding="utf-8")
    assert _imports(sample) == ["asyncio", "headroom.store"]
