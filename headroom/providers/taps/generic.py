"""Usage-only tap for every other route (passthrough, count_tokens, embeddings, compaction...).

It knows no stream grammar, so it never reports a truncated stream on its own (only a body the relay
saw cut). It reads ``usage`` / ``usageMetadata`` wherever the providers put it (top level, under
``message`` or ``response``) and an ``error`` object, in a JSON body or in SSE events whose raw text
mentions one of them. The usage shape is recognised by its keys: Anthropic's ``input_tokens`` with
cache fields (or any ``input_tokens`` on an Anthropic route), OpenAI's ``prompt_tokens`` or
``input_tokens``, Gemini's ``promptTokenCount``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from headroom.providers.taps.base import Tap, load
from headroom.providers.taps.result import error_from
from headroom.wire.events import Headers

_ANTHROPIC_KEYS = ("cache_read_input_tokens", "cache_creation_input_tokens")


class GenericTap(Tap):
    knows_terminal: ClassVar[bool] = False

    def __init__(self, api: str, headers: Headers, provider: str | None) -> None:
        super().__init__(api, headers)
        self.provider = provider

    def event(self, name: str | None, data: str) -> None:
        if "usage" in data or '"error"' in data:
            self.document(load(data))

    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        if isinstance(doc.get("error"), dict):
            self.note_error(error_from(doc["error"]))
        places = [doc, *(doc.get(k) for k in ("message", "response"))]
        for place in places:
            if isinstance(place, dict):
                self._usage(place.get("usage"))
                self.usage.fold_gemini(place.get("usageMetadata"))

    def _usage(self, obj: Any) -> None:
        if not isinstance(obj, dict):
            return
        if "prompt_tokens" in obj:
            self.usage.fold_openai(obj)
        elif "input_tokens" in obj:
            anthropic = self.provider == "anthropic" or any(k in obj for k in _ANTHROPIC_KEYS)
            (self.usage.fold_anthropic if anthropic else self.usage.fold_openai)(obj)
