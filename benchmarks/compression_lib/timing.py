"""Separating the tokenizer's share from a compressor's wall time.

The pipeline counts o200k tokens itself (its never-more-tokens gate, token-based choices such as
"minified JSON or table?"). The throughput the issue asks about is detection + compression with that
token gate excluded, so while the benchmark times our pipeline, :class:`TokenizerClock` wraps
``headroom.tokens.count`` and the encoder's own ``encode_ordinary`` / ``encode`` with a timing
accumulator. Nested calls (``count`` calls ``encode_ordinary``) are timed once, at the outermost
call. The wrappers pass arguments and results through untouched, so outputs cannot change; they are
removed again on exit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from types import TracebackType
from typing import Any

from headroom import tokens

_ENCODER_METHODS = ("encode_ordinary", "encode")


class TokenizerClock:
    """Context manager: ``seconds`` is the time spent inside the tokenizer since the last ``reset``."""

    def __init__(self, encoding: str = "o200k_base") -> None:
        self.seconds = 0.0
        self.calls = 0
        self._encoding = encoding
        self._depth = 0
        self._restore: list[Callable[[], None]] = []

    def reset(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def _timed(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
                self._depth -= 1

        return wrapper

    def __enter__(self) -> TokenizerClock:
        count = tokens.count
        tokens.count = self._timed(count)  # the module attribute the pipeline calls
        self._restore.append(partial(setattr, tokens, "count", count))
        encoder = tokens.encoding(self._encoding)  # loads the ranks now, outside any timed call
        for name in _ENCODER_METHODS:
            setattr(encoder, name, self._timed(getattr(encoder, name)))  # shadows the class method
            self._restore.append(partial(delattr, encoder, name))
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        while self._restore:
            self._restore.pop()()
