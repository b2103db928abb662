"""Structure of log-like outputs: which lines form one unit, and how tool-specific lines group.

A *unit* is a run of lines that is kept or dropped as a whole: a Python traceback through its final
``…Error: …`` line, a Java/Go stack (``\\tat …``, ``Caused by:``, ``goroutine …``), an indented
continuation of a line, a pytest failure block from its ``____ name ____`` header to the next, a cargo
diagnostic (``error[E…]:``/``warning:`` with its ``-->`` and code frame, up to the blank line), a run of
``npm ERR!`` lines. ``units()`` returns them as ``(start, end)`` line ranges, anchored on their first line.

``group_keys()`` gives tool-specific template keys for lines whose variable part is a *name* rather than
a number (``tests/x.py::test_y PASSED``, ``   Compiling foo v1.2.3``), so they still collapse to counts.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import repeat

from headroom.compress.lines import line_starts

_CONTINUATION_START_RE = re.compile(r"\n(?:[ \t]+\S|Caused by: |\.\.\. \d+ more|goroutine \d+ \[)")
_TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\):")
_CHAIN_RE = re.compile(r"(?:During handling of the above exception|The above exception was the direct cause)")
_EXC_END_RE = re.compile(r"[\w.]+(?:Error|Exception|Interrupt|Exit|Warning)\b.*|[\w.]+: .*")
_SECTION_RE = re.compile(r"=+ (.+?) =+$")
_PYTEST_BLOCK_RE = re.compile(r"_{3,} (.+?) _{3,}$")
_CARGO_DIAG_RE = re.compile(r"(?:error|warning)(?:\[[\w:-]+\])?: ")
_CARGO_TEST_FAIL_RE = re.compile(r"---- \S+ stdout ----$")
_MAX_UNIT = 400


def units(body: tuple[str, ...], subkind: str, text: str | None = None,
          starts: tuple[int, ...] | None = None) -> list[tuple[int, int]]:  # fmt: skip
    """Multi-line units in order, non-overlapping; single lines are not listed.

    ``text`` is ``"\\n".join(body)`` and ``starts`` its line offsets, when the caller has them at hand.
    """
    if subkind == "log.pytest":
        found = _pytest_units(body)
    elif subkind == "log.cargo":
        found = _cargo_units(body)
    else:
        found = []
    taken = [False] * len(body)
    for start, end in found:
        for index in range(start, end):
            taken[index] = True
    if text is None or starts is None:
        text, starts = "\n".join(body), line_starts(body)
    found.extend(_generic_units(body, taken, text, starts))
    found.sort()
    return found


def _generic_units(
    body: tuple[str, ...], taken: list[bool], text: str, starts: tuple[int, ...]
) -> list[tuple[int, int]]:
    """Tracebacks, and lines followed by indented/stack continuation lines (found by one text scan)."""
    # a match starts at the newline before a continued line, so one past it is that line's own offset
    after_newline = map((1).__add__, map(re.Match.start, _CONTINUATION_START_RE.finditer(text)))
    continued = set(map(bisect_left, repeat(starts), after_newline))
    if body and _CONTINUATION_START_RE.match("\n" + body[0]):
        continued.add(0)
    tracebacks = [bisect_right(starts, m.start()) - 1 for m in _TRACEBACK_RE.finditer(text)]
    out: list[tuple[int, int]] = []
    total = len(body)
    claimed = -1
    for index in tracebacks:
        if index > claimed and not taken[index]:
            end = _traceback_end(body, index)
            out.append((index, end))
            claimed = end - 1
    for index in sorted(continued):
        anchor = index - 1
        if anchor <= claimed or anchor < 0 or taken[anchor] or anchor in continued or not body[anchor]:
            continue
        end = index
        while end < total and end in continued and not taken[end] and end - anchor < _MAX_UNIT:
            end += 1
        out.append((anchor, end))
        claimed = end - 1
    return sorted(out)


def _traceback_end(body: tuple[str, ...], start: int) -> int:
    """A traceback runs through indented frames to its first unindented exception line, chains included."""
    index, total = start + 1, len(body)
    while index < total and index - start < _MAX_UNIT:
        line = body[index]
        if line[:1] in (" ", "\t"):
            index += 1
            continue
        if _EXC_END_RE.match(line):
            index += 1
            # a chained traceback continues the unit
            probe = index
            while probe < total and not body[probe].strip():
                probe += 1
            if probe < total and _CHAIN_RE.search(body[probe]):
                index = probe + 1
                continue
            return index
        return index
    return index


def _pytest_units(body: tuple[str, ...]) -> list[tuple[int, int]]:
    """Failure blocks inside FAILURES/ERRORS sections, and the whole short test summary section."""
    out: list[tuple[int, int]] = []
    section = ""
    block_start = -1
    for index, line in enumerate(body):
        header = _SECTION_RE.match(line)
        if header:
            if block_start >= 0:
                out.append((block_start, index))
                block_start = -1
            section = header.group(1).lower()
            if "short test summary" in section:
                block_start = index
            continue
        if section in ("failures", "errors") and _PYTEST_BLOCK_RE.match(line):
            if block_start >= 0:
                out.append((block_start, index))
            block_start = index
    if block_start >= 0:
        out.append((block_start, len(body)))
    return out


def _cargo_units(body: tuple[str, ...]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    index, total = 0, len(body)
    while index < total:
        line = body[index]
        if _CARGO_DIAG_RE.match(line) or _CARGO_TEST_FAIL_RE.match(line):
            end = index + 1
            while end < total and body[end].strip() and end - index < _MAX_UNIT:
                if _CARGO_DIAG_RE.match(body[end]) or _CARGO_TEST_FAIL_RE.match(body[end]):
                    break
                end += 1
            out.append((index, end))
            index = end
        else:
            index += 1
    return out


_PYTEST_STATUS_RE = re.compile(r"\S+::\S+(?: \S+)* (PASSED|SKIPPED|XFAIL|XPASS|FAILED|ERROR)\b")
_CARGO_STATUS_RE = re.compile(r" *(Compiling|Checking|Downloaded|Downloading|Fresh|Documenting|Updating|Locking|"
                              r"Adding|Removing|Installing|Installed|Blocking|Unpacking) ")  # fmt: skip
_CARGO_TEST_RE = re.compile(r"test \S+ \.\.\. (ok|ignored|FAILED)")


def group_keys(body: tuple[str, ...], subkind: str) -> list[str | None] | None:
    """Template key overrides for tool status lines, or None when the subkind has none."""
    if subkind == "log.pytest":
        pattern = _PYTEST_STATUS_RE
        label = "<test> {}"
    elif subkind == "log.cargo":
        keys: list[str | None] = []
        for line in body:
            status = _CARGO_STATUS_RE.match(line)
            test = _CARGO_TEST_RE.match(line) if status is None else None
            if status:
                keys.append(f"{status.group(1)} <crate>")
            elif test:
                keys.append(f"test <name> ... {test.group(1)}")
            else:
                keys.append(None)
        return keys
    else:
        return None
    out: list[str | None] = []
    for line in body:
        match = pattern.match(line)
        out.append(label.format(match.group(1)) if match else None)
    return out
