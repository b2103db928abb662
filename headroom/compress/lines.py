"""Line-selection machinery shared by the line-oriented compressors (logs, search hits, diffs, text).

A compressor decides, per line, whether it is kept; :func:`render` then writes the kept lines verbatim
and replaces every run of dropped lines by exactly one receipt line that names the run (count, 1-based
line range, a short description) and carries the retrieve marker. The omitted character ranges of the
original are derived from the same runs, so text and ``omitted_ranges`` can never disagree.

Lines are split on ``"\\n"`` only, so ``"\\n".join(lines)`` is the original text byte for byte (a
trailing newline shows up as a final empty line, which is always kept). ``raw`` is what gets rendered;
``body`` is what gets analysed: they differ only under a ``cat -n`` frame, where ``raw`` keeps the
client's line numbers and ``body`` is the file content without them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate, groupby

from headroom.compress.base import marker

# A receipt line costs roughly this many characters; a dropped run shorter than this is cheaper to keep.
RECEIPT_CHARS = 72


class Lines:
    """The lines of a text: ``raw`` (split on newlines), ``body`` (what is analysed) and their ``starts``.

    Each is computed on first use: compressors that never look at lines (JSON, HTML, code) never pay for them.
    """

    __slots__ = ("_body", "_given_body", "_raw", "_starts", "text")

    def __init__(self, text: str, body: Sequence[str] | None = None) -> None:
        self.text = text
        self._given_body = body
        self._raw: tuple[str, ...] | None = None
        self._body: tuple[str, ...] | None = None
        self._starts: tuple[int, ...] | None = None

    @property
    def raw(self) -> tuple[str, ...]:
        if self._raw is None:
            self._raw = tuple(self.text.split("\n"))
        return self._raw

    @property
    def body(self) -> tuple[str, ...]:
        """``raw``, or the lines handed in (``cat -n`` content) when there are as many of them."""
        if self._body is None:
            given = self._given_body
            self._body = self.raw if given is None or len(given) != len(self.raw) else tuple(given)
        return self._body

    @property
    def starts(self) -> tuple[int, ...]:
        if self._starts is None:
            self._starts = line_starts(self.raw)
        return self._starts

    def __len__(self) -> int:
        return len(self.raw)

    def end(self, index: int) -> int:
        """Offset just past line ``index`` including its newline (or the text's end)."""
        if index + 1 < len(self.starts):
            return self.starts[index + 1]
        return len(self.text)


def split(text: str, body: Sequence[str] | None = None) -> Lines:
    """The lines of ``text`` (``body``: the same lines as analysed, e.g. without ``cat -n`` numbers)."""
    return Lines(text, body)


def line_starts(lines: Sequence[str]) -> tuple[int, ...]:
    """Offset of every line in ``"\\n".join(lines)``: the lengths before it plus one newline each."""
    return tuple(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))


def strip_line_ends(text: str) -> str:
    """``text`` without the spaces and tabs that end its lines (``re.sub(r"[ \\t]+$", "", text, flags=re.M)``).

    Line by line with ``str.rstrip``: a regex would try every space of the text as a start.
    """
    return "\n".join([line.rstrip(" \t") for line in text.split("\n")])


def groups(keep: Sequence[bool]) -> Iterator[tuple[bool, int, int]]:
    """``(kept, a, b)`` for every maximal run [a, b) of lines that are all kept or all dropped, in order."""
    index = 0
    for kept, run in groupby(map(bool, keep)):
        stop = index + len(list(run))
        yield kept, index, stop
        index = stop


def runs(keep: Sequence[bool]) -> list[tuple[int, int]]:
    """Maximal runs [a, b) of dropped lines."""
    return [(a, b) for kept, a, b in groups(keep) if not kept]


def fill_small_gaps(lines: Lines, keep: list[bool], max_chars: int = RECEIPT_CHARS) -> None:
    """Keep dropped runs whose text is no longer than the receipt that would replace them."""
    for a, b in runs(keep):
        size = lines.starts[b - 1] - lines.starts[a] + len(lines.raw[b - 1])
        if size <= max_chars:
            for index in range(a, b):
                keep[index] = True


def line_range(a: int, b: int) -> str:
    """1-based inclusive label of the 0-based half-open run [a, b)."""
    return f"L{a + 1}" if b - a == 1 else f"L{a + 1}–L{b}"


def receipt(a: int, b: int, key: str, detail: str = "", noun: str = "line") -> str:
    count = b - a
    plural = noun if count == 1 else noun + "s"
    tail = f": {detail}" if detail else ""
    return f"[… {count} {plural} omitted ({line_range(a, b)}){tail} · {marker(key)}]"


Describe = Callable[[int, int], str]


def render(
    lines: Lines,
    keep: Sequence[bool],
    describe: Describe,
    replace: dict[int, str] | None = None,
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Kept lines verbatim, one ``describe(a, b)`` receipt line per dropped run.

    ``replace`` maps a kept line index to a rewritten line (e.g. a recomputed diff hunk header); the
    original line then counts as omitted too, since its exact bytes are absent.
    """
    replace = replace or {}
    if lines.raw and lines.raw[-1] == "" and not keep[-1]:
        keep = [*keep[:-1], True]  # a trailing newline always survives
    raw, starts = lines.raw, lines.starts
    rewritten = sorted(replace)
    out: list[str] = []
    omitted: list[tuple[int, int]] = []
    for kept, a, b in groups(keep):
        if not kept:
            out.append(describe(a, b))
            end = starts[b - 1] + len(raw[b - 1])
            if end > starts[a]:
                omitted.append((starts[a], end))
            continue
        first = bisect_left(rewritten, a)
        if first == len(rewritten) or rewritten[first] >= b:
            out.extend(raw[a:b])  # no rewritten line in this run
            continue
        for index in range(a, b):
            if index in replace:
                out.append(replace[index])
                omitted.append((starts[index], starts[index] + len(raw[index])))
            else:
                out.append(raw[index])
    return "\n".join(out), _merge(omitted)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def shift(ranges: tuple[tuple[int, int], ...], offset: int) -> tuple[tuple[int, int], ...]:
    if not offset:
        return ranges
    return tuple((start + offset, end + offset) for start, end in ranges)
