"""Provider schemas as an adapter would pass them to ``scan`` (tests and the benchmark)."""

from __future__ import annotations

from headroom.jsonspan import Schema

_PARTS: Schema = {"*": {"type": None, "text": None}}

ANTHROPIC: Schema = {
    "messages": {
        "*": {
            "role": None,
            "content": {
                "*": {
                    "type": None,
                    "tool_use_id": None,
                    "id": None,
                    "name": None,
                    "input": None,
                    "content": _PARTS,
                    "cache_control": None,
                }
            },
        }
    },
    "metadata": {"user_id": None},
}
OPENAI_CHAT: Schema = {"messages": {"*": {"role": None, "tool_call_id": None, "content": _PARTS}}}
OPENAI_RESPONSES: Schema = {
    "input": {"*": {"type": None, "role": None, "call_id": None, "output": None, "content": _PARTS}}
}
GEMINI: Schema = {
    "contents": {"*": {"role": None, "parts": {"*": {"text": None, "functionResponse": {"response": None}}}}}
}


def schema_for(body_name: str) -> Schema:
    """The schema for a captured body, from its file name (``NNN-<route>.body.bin``)."""
    if "chat_completions" in body_name:
        return OPENAI_CHAT
    if "responses" in body_name:
        return OPENAI_RESPONSES
    if "gemini" in body_name:
        return GEMINI
    return ANTHROPIC
