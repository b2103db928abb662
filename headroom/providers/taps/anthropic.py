"""Tap for Anthropic Messages (``/v1/messages``): SSE events or one JSON message.

Stream grammar: ``message_start`` (usage with input and cache numbers), ``content_block_start`` /
``content_block_delta`` / ``content_block_stop`` per block, ``message_delta`` (stop reason and
cumulative usage), ``message_stop`` (the terminal event); ``ping`` any time; ``error`` (a mid-stream
error, after which the stream ends: it counts as the end, with ``error`` set). Delta types:
``text_delta``, ``input_json_delta``, ``thinking_delta``, ``signature_delta``, ``citations_delta``.

Deltas are the bulk of a stream: their type is read with a regular expression over the raw data and
they are never JSON-decoded (only when the expression cannot find the type).
"""

from __future__ import annotations

import re
from typing import Any

from headroom.providers.taps.base import Tap, event_type, load
from headroom.providers.taps.result import error_from
from headroom.wire.events import Headers

EVENTS = frozenset({"message_start", "content_block_start", "content_block_delta", "content_block_stop",
                    "message_delta", "message_stop", "ping", "error"})
DELTAS = frozenset({"text_delta", "input_json_delta", "thinking_delta", "signature_delta", "citations_delta"})
TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
_DELTA_TYPE = re.compile(r'"delta"\s*:\s*\{\s*"type"\s*:\s*"([^"\\]*)"')
_BLOCK_TYPE = re.compile(r'"content_block"\s*:\s*\{\s*"type"\s*:\s*"([^"\\]*)"')


def _first(pattern: re.Pattern[str], data: str) -> str | None:
    match = pattern.search(data)
    return match.group(1) if match else None


class AnthropicTap(Tap):
    def __init__(self, api: str, headers: Headers) -> None:
        super().__init__(api, headers)
        self.tools = 0

    def tool_call_count(self) -> int:
        return self.tools

    def event(self, name: str | None, data: str) -> None:
        kind = name if name is not None else event_type(data)
        if kind == "content_block_delta":
            delta = _first(_DELTA_TYPE, data)
            if delta is None:
                doc = load(data)
                inner = doc.get("delta") if isinstance(doc, dict) else None
                delta = inner.get("type") if isinstance(inner, dict) else None
            if delta not in DELTAS:
                self.note_unknown("delta", delta)
        elif kind == "content_block_start":
            self._block_start(data)
        elif kind in ("message_start", "message_delta", "error"):
            self._parsed(kind, load(data))
        elif kind == "message_stop":
            self.terminal = True
        elif kind not in EVENTS:
            self.note_unknown("event", kind)

    def _block_start(self, data: str) -> None:
        block = _first(_BLOCK_TYPE, data)
        if block is None:
            doc = load(data)
            inner = doc.get("content_block") if isinstance(doc, dict) else None
            block = inner.get("type") if isinstance(inner, dict) else None
        if block in TOOL_BLOCKS:
            self.tools += 1

    def _parsed(self, kind: str, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        if kind == "message_start":
            message = doc.get("message")
            if isinstance(message, dict):
                self.usage.fold_anthropic(message.get("usage"))
        elif kind == "message_delta":
            self.usage.fold_anthropic(doc.get("usage"))
            delta = doc.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
                self.stop_reason = delta["stop_reason"]
        else:
            self.note_error(error_from(doc.get("error")) or error_from(doc))
            self.terminal = True

    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        if doc.get("type") == "error" or isinstance(doc.get("error"), dict):
            self.note_error(error_from(doc.get("error")))
            return
        self.usage.fold_anthropic(doc.get("usage"))
        if isinstance(doc.get("stop_reason"), str):
            self.stop_reason = doc["stop_reason"]
        content = doc.get("content")
        if isinstance(content, list):
            self.tools += sum(1 for b in content if isinstance(b, dict) and b.get("type") in TOOL_BLOCKS)
