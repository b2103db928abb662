"""Content detection: which compressor fits a tool output.

The pipeline recognises the client frame first; the payload inside it is what gets classified. The
payload's shape decides, helped by the shell command that produced it. Order matters and encodes the known traps:
JSON is proven by parsing; diffs by hunk headers; search hits before logs and code, with a path test
that rejects timestamps (``2025-03-04T10:00:27Z …`` is not ``file:line:``); tables and logs before
prose; code last, and never for grep output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from headroom.compress import commands, json_raw, shapes
from headroom.compress.base import Hint

KINDS: tuple[str, ...] = ("json", "log", "search", "diff", "table", "code", "html", "text")


@dataclass(frozen=True, slots=True)
class Detection:
    kind: str  # one of KINDS
    subkind: str  # e.g. "json.array_of_objects", "log.pytest", "search.rg_heading", "table.ls"
    frame: str  # "", "claude.persisted_output", "claude.cat_n", "codex.exec"


_LEVEL_KEYS = frozenset({"level", "severity", "levelname", "lvl", "log.level", "loglevel"})
_SEARCH_TOOLS = ("grep", "glob", "search", "find", "rg")
_FETCH_TOOLS = ("webfetch", "fetch", "browse", "http")


def classify(payload: str, hint: Hint) -> tuple[str, str]:
    """``(kind, subkind)`` of an unframed payload."""
    family = commands.primary(hint.command) if hint.command else ""
    tool = hint.tool.lower()
    found = _json(payload)
    if found:
        return ("log" if found.startswith("log.") else "json"), found
    lines = shapes.sample_lines(payload)
    nonempty = [line for line in lines if line.strip()]
    if not nonempty:
        return "text", "text.empty"
    for check in (_diff, _table, _search, _log):
        result = check(payload, nonempty, family, tool)
        if result:
            return result
    if _html(payload):
        return "html", "html.document"
    if family != "search" and _fraction(nonempty, shapes.CODE_LINE_RE.match) >= 0.35:
        return "code", "code"
    if sum(1 for line in nonempty if line.startswith(("#", "- ", "* ", "|"))) >= 0.2 * len(nonempty):
        return "text", "text.markdown"
    return "text", "text.plain"


def _fraction(lines: list[str], predicate: Callable[[str], object]) -> float:
    return sum(1 for line in lines if predicate(line)) / max(1, len(lines))


def _indented(line: str) -> bool:
    return line[:1] in " \t"


def _reaches(lines: list[str], predicate: Callable[[str], object], share: float) -> bool:
    """``_fraction(lines, predicate) >= share``, giving up as soon as the misses make it unreachable."""
    total = max(1, len(lines))
    misses = 0
    for line in lines:
        if not predicate(line):
            misses += 1
            if (len(lines) - misses) / total < share:
                return False
    return (len(lines) - misses) / total >= share


def _json(payload: str) -> str:
    stripped = payload.strip()
    if not stripped or stripped[0] not in "[{":
        return ""
    status, value = json_raw.parse(stripped)
    if status == "dups":
        return "json.object"
    if status == "ok":
        if isinstance(value, list):
            dicts = sum(1 for item in value if isinstance(item, dict))
            if len(value) >= 2 and dicts >= 0.8 * len(value):
                return "json.array_of_objects"
            return "json.array"
        return "json.object"
    rows = [line for line in stripped.split("\n", 2000)[:2000] if line.strip()]
    if len(rows) >= 20 and _reaches(rows, shapes.PRETTY_JSON_LINE_RE.fullmatch, 0.95):
        return "json.fragment"  # pretty JSON cut by the client (Codex middle-truncation): not parseable
    if len(rows) >= 2 and all(row.lstrip()[:1] == "{" for row in rows[:50]):
        parsed = [json_raw.parse(row.strip()) for row in rows[:50]]
        if all(status == "ok" and isinstance(value, dict) for status, value in parsed):
            if sum(1 for _status, value in parsed if _LEVEL_KEYS & value.keys()) >= 0.5 * len(parsed):
                return "log.json"  # structured log records: error lines must stay verbatim lines
            return "json.lines"
    return ""


def _diff(payload: str, nonempty: list[str], family: str, tool: str) -> tuple[str, str] | None:
    head = payload[:200_000]
    if ("diff --git " not in head and "@@ -" not in head) or not shapes.line_matches(shapes.DIFF_SIGNAL_RE, head, 1):
        return None
    diffish = sum(1 for line in nonempty if line[:1] in " +-@\\" or line.startswith(("diff ", "index ", "commit ",
                  "Author:", "Date:", "new file", "deleted file", "similarity", "rename ", "old mode", "new mode",
                  "Binary files", "Merge:", "copy ")))  # fmt: skip
    if diffish < 0.7 * len(nonempty) and family != "diff":
        return None
    if re.search(r"^commit [0-9a-f]{7,40}", payload[:20_000], re.MULTILINE):
        return "diff", "diff.patch_log"
    if "\ndiff --git " in "\n" + head:
        return "diff", "diff.git"
    return "diff", "diff.unified"


def _search(payload: str, nonempty: list[str], family: str, tool: str) -> tuple[str, str] | None:
    lenient = family == "search" or any(name in tool for name in _SEARCH_TOOLS)
    hits = ctx = other = heading = numbered = 0
    for seen, line in enumerate(nonempty):
        if seen == 60 and other > 0.5 * seen:
            return None  # clearly not search output: spare the rest of the sample
        found = shapes.hit_kind(line, lenient=lenient)
        if found:
            if found[1] == ":":
                hits += 1
            else:
                ctx += 1
        elif line == "--" or shapes.BINARY_RE.match(line):
            ctx += 1
        elif shapes.NUM_HIT_RE.match(line):
            numbered += 1
        elif shapes.looks_like_path(line.strip(), lenient=lenient) and line == line.strip():
            heading += 1
        else:
            other += 1
    total = len(nonempty)
    if hits and hits + ctx >= 0.8 * total:
        return "search", "search.grep"
    if heading and numbered and heading + numbered >= 0.9 * total and numbered >= heading:
        return "search", "search.rg_heading"
    if lenient and numbered and numbered + ctx >= 0.9 * total:
        return "search", "search.lines"
    if lenient and hits and hits + ctx >= 0.5 * total:
        return "search", "search.grep"
    return None


def _table(payload: str, nonempty: list[str], family: str, tool: str) -> tuple[str, str] | None:
    body = nonempty[1:] if nonempty[0].startswith("total ") else nonempty
    if body and _fraction(body, shapes.LS_RE.match) >= 0.7:
        return "table", "table.ls"
    header = nonempty[0]
    columns = [m for m in re.finditer(r"\S+(?: \S+)*", header)]
    if len(columns) < 2 or len(nonempty) < 3:
        return None
    upper = sum(1 for m in columns if shapes.HEADER_WORD_RE.fullmatch(m.group(0)))
    if upper < 0.6 * len(columns) and not header.startswith("Filesystem"):
        return None
    if not (_aligned(header, nonempty[1:], [m.start() for m in columns[1:]]) or _fields(header, nonempty[1:])):
        return None
    names = header.split()
    if names[0] == "NAME" or names[:2] == ["NAMESPACE", "NAME"]:
        return "table", "table.kubectl"
    if names[:2] == ["CONTAINER", "ID"] or names[:1] == ["REPOSITORY"]:
        return "table", "table.docker"
    if "PID" in names[:3]:
        return "table", "table.ps"
    if names[0] == "Filesystem":
        return "table", "table.df"
    return "table", "table.generic"


def _aligned(header: str, rows: list[str], starts: list[int]) -> bool:
    """Most rows have a space just before every column start of the header (fixed-width columns)."""
    if not starts:
        return False
    good = 0
    for row in rows:
        if all(pos < len(row) and row[pos - 1] == " " and row[pos] != " " for pos in starts[:-1]) and (
            len(row) > starts[-1] - 1 and row[starts[-1] - 1] == " "
        ):
            good += 1
    return good >= 0.7 * len(rows)


def _fields(header: str, rows: list[str]) -> bool:
    """Right-aligned columns (``ps``): rows split into about as many fields as the header has words."""
    words = len(header.split())
    counts = [len(row.split()) for row in rows]
    fitting = sum(1 for n in counts if words - 1 <= n <= words + 8)  # the last column may hold spaces
    return len(rows) >= 2 and fitting >= 0.9 * len(rows)


def _log(payload: str, nonempty: list[str], family: str, tool: str) -> tuple[str, str] | None:
    head = payload[:100_000]
    if family == "pytest" or shapes.line_matches(shapes.PYTEST_RE, head, 2) >= 2:
        return "log", "log.pytest"
    if family == "cargo" or shapes.line_matches(shapes.CARGO_RE, head, 2) >= 2:
        return "log", "log.cargo"
    if family == "npm" or shapes.line_matches(shapes.NPM_RE, head, 2) >= 2:
        return "log", "log.npm"
    stamped = _fraction(nonempty, shapes.TIMESTAMP_START_RE.match)  # each share only when it can decide
    if stamped >= 0.4 or (stamped >= 0.2 and stamped + _fraction(nonempty, _indented) >= 0.8):
        return "log", "log.app"
    if _fraction(nonempty, shapes.level_start) >= 0.4:
        return "log", "log.app"
    if family in ("build", "log"):
        return "log", "log.build"
    return None


def _html(payload: str) -> bool:
    if shapes.HTML_START_RE.match(payload):
        return True
    head = payload[:20_000]
    return len(shapes.HTML_TAG_RE.findall(head)) >= max(5, len(head) // 400)
