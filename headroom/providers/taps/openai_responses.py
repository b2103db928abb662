"""Tap for OpenAI Responses (``/v1/responses`` and Codex's aliases): SSE events or one JSON response.

Stream grammar: ``response.created`` / ``response.in_progress`` (``response.queued``), then per output
item ``response.output_item.added`` … item-specific deltas … ``response.output_item.done`` (items are
tracked by id), and one terminal event: ``response.completed``, ``response.incomplete`` or
``response.failed`` (the final response object with ``usage`` incl. ``input_tokens_details.
cached_tokens``, ``status``, ``incomplete_details`` and ``error``). An ``error`` event is a mid-stream
failure after which the stream ends (it counts as the end, with ``error`` set).

Only the item events, the terminal events and ``error`` are JSON-decoded; the event name comes from the
``event:`` field, so deltas cost a set look-up (a stream without ``event:`` fields is decoded event by
event to read each ``type``).
``stop_reason`` is the final status (``completed``, ``failed``, ``cancelled``) or
``incomplete:<reason>``.
"""

from __future__ import annotations

from typing import Any

from headroom.providers.taps.base import Tap, event_type, load
from headroom.providers.taps.result import StreamError, error_from
from headroom.wire.events import Headers

TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
LIFECYCLE = frozenset({"response.created", "response.in_progress", "response.queued"})
ITEM_EVENTS = frozenset({"response.output_item.added", "response.output_item.done"})
# families of item-specific events (deltas, done, progress) by prefix
FAMILIES = (
    "response.content_part.", "response.output_text.", "response.refusal.", "response.function_call_arguments.",
    "response.custom_tool_call_input.", "response.reasoning_summary_part.", "response.reasoning_summary_text.",
    "response.reasoning_text.", "response.web_search_call.", "response.file_search_call.",
    "response.image_generation_call.", "response.code_interpreter_call", "response.mcp_call",
    "response.mcp_list_tools.", "response.audio.", "response.computer_call.",
)
ITEMS = frozenset({
    "message", "reasoning", "function_call", "custom_tool_call", "local_shell_call", "shell_call",
    "apply_patch_call", "web_search_call", "file_search_call", "computer_call", "image_generation_call",
    "code_interpreter_call", "mcp_call", "mcp_list_tools", "mcp_approval_request", "compaction",
    "tool_search_call",
})
TOOL_ITEMS = frozenset({"function_call", "custom_tool_call", "local_shell_call", "shell_call",
                        "apply_patch_call", "computer_call", "mcp_call"})
MAX_ITEMS = 4096  # output items tracked per response


def _event_error(doc: Any) -> StreamError | None:
    """An ``error`` event: ``{"type": "error", "code": ..., "message": ...}`` or with a nested ``error``."""
    if not isinstance(doc, dict):
        return StreamError("error", "")
    if isinstance(doc.get("error"), dict):
        return error_from(doc["error"])
    return error_from({"code": doc.get("code"), "message": doc.get("message")})


class ResponsesTap(Tap):
    def __init__(self, api: str, headers: Headers) -> None:
        super().__init__(api, headers)
        self.items: dict[str, str] = {}  # item id (or "#output_index") -> item type

    def tool_call_count(self) -> int:
        return sum(1 for kind in self.items.values() if kind in TOOL_ITEMS)

    def event(self, name: str | None, data: str) -> None:
        if name is None:
            name = event_type(data)
        if name in ITEM_EVENTS:
            doc = load(data)
            if isinstance(doc, dict):
                self._item(doc.get("item"), doc.get("output_index"))
        elif name in TERMINAL:
            doc = load(data)
            self.terminal = True
            if isinstance(doc, dict):
                self._response(doc.get("response"))
        elif name == "error":
            self.note_error(_event_error(load(data)))
            self.terminal = True
        elif name not in LIFECYCLE and not name.startswith(FAMILIES):
            self.note_unknown("event", name)

    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        if isinstance(doc.get("error"), dict) and doc.get("object") != "response":
            self.note_error(error_from(doc["error"]))
            return
        self._response(doc)

    def _item(self, item: Any, position: Any) -> None:
        if not isinstance(item, dict):
            return
        kind = item.get("type")
        if not isinstance(kind, str):
            return
        if kind not in ITEMS:
            self.note_unknown("item", kind)
        key = item.get("id")
        if not isinstance(key, str):
            key = f"#{position}" if isinstance(position, int) else None
        if key is not None and (key in self.items or len(self.items) < MAX_ITEMS):
            self.items[key] = kind

    def _response(self, response: Any) -> None:
        if not isinstance(response, dict):
            return
        self.usage.fold_openai(response.get("usage"))
        self.note_error(error_from(response.get("error")))
        status = response.get("status")
        if isinstance(status, str):
            details = response.get("incomplete_details")
            reason = details.get("reason") if isinstance(details, dict) else None
            self.stop_reason = f"{status}:{reason}" if status == "incomplete" and isinstance(reason, str) else status
        output = response.get("output")
        for position, item in enumerate(output if isinstance(output, list) else []):
            self._item(item, position)
