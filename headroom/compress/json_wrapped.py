"""JSON that wraps a whole text: ``{"output": "<a log, a diff, a table …>"}``.

Gemini function responses and some SDK tools return their text inside a JSON object. When one string
holds most of the document and spans many lines, that string is the real payload: it is detected and
compressed like any tool output, and the document is written back as valid (minified) JSON around it,
so it can still be used where JSON is expected. Omitted ranges are mapped from the decoded string back
to the escaped source text.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from headroom.compress import json_raw
from headroom.compress.base import Result
from headroom.compress.job import Job, Produced

WRAPPED_SHARE = 0.6  # a string holding this share of the document is the real payload
_ESCAPE_RE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.")


def compress(job: Job, value: Any, stripped: str, lead: int) -> Produced | None:
    """``{"output": "<a whole log>"}``: compress the string's text, keep the JSON valid around it."""
    if not isinstance(value, dict):
        return None
    key = max(value, key=lambda k: len(value[k]) if isinstance(value[k], str) else -1, default=None)
    inner = value.get(key) if key is not None else None
    if not isinstance(inner, str) or len(inner) < WRAPPED_SHARE * len(stripped) or inner.count("\n") < 5:
        return None
    from headroom.compress import pipeline  # the pipeline imports this module

    produced = pipeline.compress_payload(inner, job.hint, job.lossy)
    if isinstance(produced, str):
        return None
    start, end = json_raw.key_spans(stripped, json_raw.skip_ws(stripped, 0))[str(key)]
    to_raw = _decoded_to_raw(stripped[start + 1 : end - 1])
    ranges = tuple((lead + start + 1 + to_raw(a), lead + start + 1 + to_raw(b)) for a, b in produced.omitted_ranges)
    rebuilt = {k: (produced.text if k == key else v) for k, v in value.items()}
    return Result(text=json_raw.dump(rebuilt), omitted_ranges=ranges, strategy=f"json.wrapped+{produced.strategy}")


def _decoded_to_raw(raw: str) -> Callable[[int], int]:
    """Map an offset in a decoded JSON string to the offset in its escaped source text."""
    decoded_at: list[int] = [0]
    raw_at: list[int] = [0]
    shift = 0
    for match in _ESCAPE_RE.finditer(raw):
        width = 1 if len(match.group(0)) != 12 else 2 if len(json.loads(f'"{match.group(0)}"')) == 2 else 1
        shift += len(match.group(0)) - width
        decoded_at.append(match.end() - shift)
        raw_at.append(match.end())

    def convert(offset: int) -> int:
        index = bisect_right(decoded_at, offset) - 1
        return raw_at[index] + offset - decoded_at[index]

    return convert
