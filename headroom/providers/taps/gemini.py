"""Tap for Gemini ``:generateContent`` and ``:streamGenerateContent`` (``/v1beta/`` and ``/v1/``).

A response is a ``GenerateContentResponse``: ``candidates[].content.parts[]``, ``candidates[].
finishReason``, ``promptFeedback.blockReason`` and ``usageMetadata`` (a cumulative snapshot: the last
chunk of a stream has the full numbers, ``cachedContentTokenCount`` included). Streams come as SSE
(``?alt=sse``: one ``data:`` JSON chunk per event, no named events, no end marker) or, without
``alt=sse``, as one JSON array of chunks, which is read like a JSON body.

The end of an SSE stream is the chunk that carries a ``finishReason`` (or a ``blockReason``); a stream
that ends without one is truncated. An ``{"error": {...}}`` chunk is a mid-stream failure and ends it.
Every Gemini chunk carries ``usageMetadata`` and chunks are coarse (many tokens each), so each is
decoded. Parts are checked for unknown kinds (a part key that is neither a known payload nor a known
modifier such as ``thought`` / ``thoughtSignature``).
"""

from __future__ import annotations

from typing import Any

from headroom.providers.taps.base import Tap, load
from headroom.providers.taps.result import error_from
from headroom.wire.events import Headers

PAYLOADS = frozenset({"text", "inlineData", "functionCall", "functionResponse", "fileData", "executableCode",
                      "codeExecutionResult", "toolCall", "toolResponse"})
MODIFIERS = frozenset({"thought", "thoughtSignature", "videoMetadata", "partMetadata", "mediaResolution"})


class GeminiTap(Tap):
    def __init__(self, api: str, headers: Headers) -> None:
        super().__init__(api, headers)
        self.calls = 0

    def tool_call_count(self) -> int:
        return self.calls

    def event(self, name: str | None, data: str) -> None:
        doc = load(data)
        if isinstance(doc, dict):
            self._chunk(doc)

    def document(self, doc: Any) -> None:
        for chunk in doc if isinstance(doc, list) else [doc]:
            if isinstance(chunk, dict):
                self._chunk(chunk)

    def _chunk(self, doc: dict[str, Any]) -> None:
        if isinstance(doc.get("error"), dict):
            self.note_error(error_from(doc["error"]))
            self.terminal = True
            return
        if "usageMetadata" in doc:
            self.usage.fold_gemini(doc["usageMetadata"])
        feedback = doc.get("promptFeedback")
        if isinstance(feedback, dict) and isinstance(feedback.get("blockReason"), str):
            self.stop_reason = "blocked:" + feedback["blockReason"]
            self.terminal = True
        candidates = doc.get("candidates")
        for position, candidate in enumerate(candidates if isinstance(candidates, list) else []):
            if isinstance(candidate, dict):
                self._candidate(candidate, position)

    def _candidate(self, candidate: dict[str, Any], position: int) -> None:
        index = candidate.get("index", position)
        reason = candidate.get("finishReason")
        if isinstance(reason, str):
            self.terminal = True
            if index in (0, None) or self.stop_reason is None:
                self.stop_reason = reason
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict):
                continue
            if "functionCall" in part:
                self.calls += 1
            for key in part:
                if key not in PAYLOADS and key not in MODIFIERS:
                    self.note_unknown("part", key)
