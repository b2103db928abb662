"""What the pipeline hands every compressor: the payload, its lines, what is known about it."""

from __future__ import annotations

from dataclasses import dataclass

from headroom.compress.base import Hint, Result
from headroom.compress.detect import Detection
from headroom.compress.lines import Lines


@dataclass(frozen=True, slots=True)
class Job:
    payload: str  # the text to compress (inside any client frame)
    lines: Lines  # payload lines; ``body`` without cat -n numbers
    detection: Detection
    hint: Hint
    lossy: bool  # omissions allowed (policy allows it and a retrieve key exists)
    protected: tuple[tuple[int, int], ...]  # line ranges of workflow-tag units: never dropped

    def protected_mask(self) -> list[bool]:
        keep = [False] * len(self.lines)
        for start, end in self.protected:
            for index in range(start, min(end, len(keep))):
                keep[index] = True
        return keep


# A compressor returns a Result, or a short reason why it did nothing.
Produced = Result | str
