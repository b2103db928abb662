"""Tap for OpenAI Chat Completions (``/v1/chat/completions``): SSE chunks or one JSON completion.

Stream grammar: unnamed events, each a ``chat.completion.chunk`` whose ``choices[].delta`` carries
content, refusal or ``tool_calls`` deltas (the first delta of a call has its ``id``, ``type`` and
function ``name``; later ones only argument text); a chunk with ``finish_reason``; with
``stream_options.include_usage`` a last chunk with ``usage`` (``prompt_tokens_details.cached_tokens``);
then ``data: [DONE]``, the terminal event. A mid-stream failure is a chunk ``{"error": {...}}`` after
which the stream ends (it counts as the end, with ``error`` set).

Content and argument deltas are the bulk of a stream and are never JSON-decoded: a chunk is decoded
only when a regular expression finds a non-null ``finish_reason``, a ``usage`` object, an ``error``,
the start of a tool call or an unusual ``object`` type in its raw text (a false positive costs one
decode, never a wrong result).
"""

from __future__ import annotations

import re
from typing import Any

from headroom.providers.taps.base import Tap, load
from headroom.providers.taps.result import error_from
from headroom.wire.events import Headers

TOOL_TYPES = frozenset({"function", "custom"})
OBJECTS = frozenset({"chat.completion", "chat.completion.chunk"})
MAX_CALLS = 4096  # distinct tool calls tracked per response
_INTERESTING = re.compile(
    r'"finish_reason"\s*:\s*"|"usage"\s*:\s*\{|"error"\s*:|"function_call"\s*:\s*\{'
    r'|"tool_calls"\s*:\s*\[[^\]]*"(?:id|type)"\s*:|"object"\s*:\s*"(?!chat\.completion\.chunk")'
)


class ChatTap(Tap):
    def __init__(self, api: str, headers: Headers) -> None:
        super().__init__(api, headers)
        self.finish_reasons: dict[int, str] = {}  # choice index -> finish_reason
        self.calls: set[tuple[int, object]] = set()  # (choice index, tool call id or index)

    def tool_call_count(self) -> int:
        return len(self.calls)

    def event(self, name: str | None, data: str) -> None:
        if data.strip() == "[DONE]":
            self.terminal = True
            return
        if _INTERESTING.search(data) is None:
            return
        doc = load(data)
        if not isinstance(doc, dict):
            return
        if isinstance(doc.get("error"), dict):
            self.note_error(error_from(doc["error"]))
            self.terminal = True
            return
        self._chunk(doc, streamed=True)

    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        if isinstance(doc.get("error"), dict):
            self.note_error(error_from(doc["error"]))
            return
        self._chunk(doc, streamed=False)

    def _chunk(self, doc: dict[str, Any], *, streamed: bool) -> None:
        obj = doc.get("object")
        if isinstance(obj, str) and obj not in OBJECTS:
            self.note_unknown("object", obj)
        if isinstance(doc.get("usage"), dict):
            self.usage.fold_openai(doc["usage"])
        choices = doc.get("choices")
        for position, choice in enumerate(choices if isinstance(choices, list) else []):
            if not isinstance(choice, dict):
                continue
            index = choice.get("index")
            if not isinstance(index, int):
                index = position
            if isinstance(choice.get("finish_reason"), str):
                self.finish_reasons[index] = choice["finish_reason"]
                self.stop_reason = self.finish_reasons[min(self.finish_reasons)]
            message = choice.get("delta" if streamed else "message")
            if isinstance(message, dict):
                self._calls(index, message)

    def _calls(self, index: int, message: dict[str, Any]) -> None:
        calls = message.get("tool_calls")
        for position, call in enumerate(calls if isinstance(calls, list) else []):
            if not isinstance(call, dict) or not ("id" in call or "type" in call):
                continue  # an argument delta of a call already counted
            kind = call.get("type")
            if kind is not None and kind not in TOOL_TYPES:
                self.note_unknown("tool_call", kind)
            key = call.get("index", position) if "index" in call else call.get("id", position)
            if len(self.calls) < MAX_CALLS and isinstance(key, int | str):
                self.calls.add((index, key))
        legacy = message.get("function_call")
        if isinstance(legacy, dict) and "name" in legacy and len(self.calls) < MAX_CALLS:
            self.calls.add((index, "function_call"))
