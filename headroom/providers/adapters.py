"""Which adapter reads which API's request bodies. Pure."""

from __future__ import annotations

from collections.abc import Callable

from headroom.providers import anthropic, gemini, openai_chat, openai_responses
from headroom.providers.conversation import View

ADAPTERS: dict[str, Callable[[bytes], View]] = {
    "anthropic.messages": anthropic.view,
    "openai.chat": openai_chat.view,
    "openai.responses": openai_responses.view,
    "gemini.generate": gemini.view,
    "gemini.stream": gemini.view,
}

def adapter_for(api: str) -> Callable[[bytes], View] | None:
    return ADAPTERS.get(api)


def query_credential(target: bytes) -> bytes:
    """A credential passed in the query string (Gemini's ``?key=``), for session fingerprints only."""
    _, _, query = target.partition(b"?")
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"key" and value:
            return value
    return b""
