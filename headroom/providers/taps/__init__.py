"""Sans-IO response taps: per-API observers of response bytes (usage, stop reason, errors, truncation).

``open_tap(api, provider, headers)`` picks the tap for a route's API; feed it copies of the body bytes
as they are relayed (``tap.feed(data)``), then ``tap.finish(cut)`` gives one ``TapResult``. Token
normalisation across providers is defined in ``headroom.providers.taps.result``.
"""

from __future__ import annotations

from headroom.providers.taps.anthropic import AnthropicTap
from headroom.providers.taps.base import Tap
from headroom.providers.taps.gemini import GeminiTap
from headroom.providers.taps.generic import GenericTap
from headroom.providers.taps.openai_chat import ChatTap
from headroom.providers.taps.openai_responses import ResponsesTap
from headroom.providers.taps.result import FirstSeen, StreamError, TapResult
from headroom.wire.events import Headers

__all__ = ["FirstSeen", "StreamError", "Tap", "TapResult", "open_tap"]

_TAPS: dict[str, type[AnthropicTap | ChatTap | ResponsesTap | GeminiTap]] = {
    "anthropic.messages": AnthropicTap,
    "openai.chat": ChatTap,
    "openai.responses": ResponsesTap,
    "gemini.generate": GeminiTap,
    "gemini.stream": GeminiTap,
}


def open_tap(api: str, provider: str | None, headers: Headers) -> Tap:
    """The tap for a response to a request routed to ``api`` (response ``headers`` decide the framing)."""
    cls = _TAPS.get(api)
    if cls is None:
        return GenericTap(api, headers, provider)
    return cls(api, headers)
