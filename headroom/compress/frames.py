"""Client frames around a tool output's real payload.

Clients wrap what a tool printed in their own scaffolding, which must reach the model unchanged:

- ``claude.persisted_output``: Claude Code replaces a large Bash output by ``<persisted-output>``, a
  note with the saved file's path, ``Preview (first 2KB):`` and a preview, closed by ``...`` and
  ``</persisted-output>``.
- ``claude.cat_n``: Claude Code's ``Read`` numbers every line (``     1\\t…`` or ``    12→…``).
- ``codex.exec``: Codex prefixes ``Chunk ID: …``, ``Wall time: …``, ``Process exited with code N``,
  ``Original token count: N``, ``Output:`` (or ``Exit code: N`` / ``Wall time`` / ``Output:``), and may add
  its own ``Warning: truncated output …`` / ``Total output lines: N`` notice.

:func:`split` returns ``prefix + payload + suffix == text``; for ``cat -n`` the prefix and suffix are
empty and the numbering stays on the payload lines (``Frame.body`` holds the lines without numbers), so
line-selecting compressors keep the client's numbering on every line they keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NONE = ""
PERSISTED = "claude.persisted_output"
CAT_N = "claude.cat_n"
CODEX = "codex.exec"


@dataclass(frozen=True, slots=True)
class Frame:
    name: str
    prefix: str
    payload: str
    suffix: str
    body: tuple[str, ...] | None = None  # payload lines without cat -n numbers (cat_n only)


_PERSISTED_HEAD = re.compile(r"<persisted-output>\n(?:[^\n]*\n){0,6}?Preview \([^)\n]*\):\n")
_PERSISTED_TAIL = re.compile(r"(?:\n\.\.\.)?\n?</persisted-output>\s*\Z")
_CODEX_HEAD = re.compile(
    r"(?:Chunk ID: [^\n]*\n)?Wall time: [^\n]*\n"
    r"(?:Process exited with code -?\d+\n|Process running with session ID \d+\n)?"
    r"(?:Original token count: \d+\n)?Output:\n"
    r"(?:Warning: truncated output[^\n]*\n(?:Total output lines: \d+\n)?\n?)?"
)
_CODEX_APPLY = re.compile(r"Exit code: -?\d+\nWall time: [^\n]*\nOutput:\n")
_CAT_N = re.compile(r" *(\d+)(?:\t|→)")


def split(text: str) -> Frame:
    """Recognise a client frame; the payload is everything it wraps."""
    if text.startswith("<persisted-output>"):
        frame = _persisted(text)
        if frame is not None:
            return frame
    if text.startswith(("Chunk ID: ", "Wall time: ")):
        head = _CODEX_HEAD.match(text)
        if head:
            return Frame(CODEX, text[: head.end()], text[head.end() :], "")
    if text.startswith("Exit code: "):
        head = _CODEX_APPLY.match(text)
        if head:
            return Frame(CODEX, text[: head.end()], text[head.end() :], "")
    if text[:16].lstrip(" ")[:1].isdigit():
        frame = _cat_n(text)
        if frame is not None:
            return frame
    return Frame(NONE, "", text, "")


def _persisted(text: str) -> Frame | None:
    head = _PERSISTED_HEAD.match(text)
    if head is None:
        first = text.find("\n")
        if first < 0:
            return None
        head_end = first + 1
    else:
        head_end = head.end()
    tail = _PERSISTED_TAIL.search(text, head_end)
    if tail is None:
        return None
    return Frame(PERSISTED, text[:head_end], text[head_end : tail.start()], text[tail.start() :])


def _cat_n(text: str) -> Frame | None:
    """Numbered lines ``N\\t…`` with consecutive numbers; anything after them (a reminder) is kept."""
    raw = text.split("\n")
    body: list[str] = []
    expected = -1
    for line in raw:
        match = _CAT_N.match(line)
        if match is None:
            break
        number = int(match.group(1))
        if expected >= 0 and number != expected:
            break
        expected = number + 1
        body.append(line[match.end() :])
    numbered = len(body)
    if numbered < 3 and numbered != len(raw):
        return None
    if numbered == len(raw):
        return Frame(CAT_N, "", text, "", tuple(body))
    rest = "\n".join(raw[numbered:])
    if numbered < 3:
        return None
    payload = "\n".join(raw[:numbered])
    return Frame(CAT_N, "", payload, "\n" + rest, tuple(body))
