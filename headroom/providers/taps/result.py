"""What a response tap reports for one request, and how token counts are normalised.

Token fields (``None`` whenever the provider did not report the number):

``input``
    Uncached input tokens: prompt tokens that were neither read from nor written to a prompt cache.
``input_total``
    Every prompt token the provider counted: ``input + cache_read + cache_creation``.
``cache_read``
    Prompt tokens served from the provider's cache.
``cache_creation``
    Prompt tokens written to the cache (only Anthropic reports them; ``None`` elsewhere).
``output``
    Generated tokens, reasoning/thinking included.

How each provider's numbers map onto them:

* Anthropic (``usage``): ``input_tokens`` already excludes cache reads and writes, so ``input`` is it
  as is, ``cache_read = cache_read_input_tokens``, ``cache_creation = cache_creation_input_tokens``,
  ``input_total`` their sum. Streams report usage in ``message_start`` and cumulatively in
  ``message_delta``; the later value of each field wins.
* OpenAI Chat (``usage.prompt_tokens``) and Responses (``usage.input_tokens``): the prompt number
  *includes* cached tokens. ``input_total`` is it, ``cache_read`` is ``*_tokens_details.cached_tokens``
  and ``input = input_total - cache_read`` (``input_total`` when no details were sent).
  ``output`` is ``completion_tokens`` / ``output_tokens`` (reasoning tokens are part of it).
* Gemini (``usageMetadata``): ``promptTokenCount`` includes ``cachedContentTokenCount``;
  ``input_total = promptTokenCount + toolUsePromptTokenCount``, ``cache_read =
  cachedContentTokenCount``, ``input = input_total - cache_read``; ``output = candidatesTokenCount +
  thoughtsTokenCount`` (Gemini counts thoughts apart, the others include them). Every stream chunk
  carries a snapshot; the later value of each field wins.

Pure: no IO, nothing here touches the bytes that are forwarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGE_CHARS = 200  # error messages are cut to this many characters
MAX_UNKNOWN = 32  # distinct unknown types one response may report


def as_int(value: Any) -> int | None:
    """A non-negative JSON integer, else None (booleans and floats are not counts)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


@dataclass(frozen=True, slots=True)
class StreamError:
    type: str
    message: str


def error_from(obj: Any) -> StreamError | None:
    """A provider error object (``{"type"|"code"|"status": ..., "message": ...}``) as a StreamError."""
    if not isinstance(obj, dict):
        return None
    kind = next((obj[k] for k in ("type", "status", "code") if _label(obj.get(k))), None)
    message = obj.get("message")
    text = message if isinstance(message, str) else ""
    return StreamError(str(kind)[:MESSAGE_CHARS] if kind is not None else "error", text[:MESSAGE_CHARS])


def _label(value: Any) -> bool:
    return (isinstance(value, str) and value != "") or (isinstance(value, int) and not isinstance(value, bool))


@dataclass(slots=True)
class Usage:
    """Provider token numbers as reported, folded event by event (later values win)."""

    prompt: int | None = None  # the provider's own prompt number (its meaning depends on ``style``)
    extra_prompt: int | None = None  # Gemini toolUsePromptTokenCount
    output: int | None = None
    extra_output: int | None = None  # Gemini thoughtsTokenCount
    cache_read: int | None = None
    cache_creation: int | None = None
    style: str = ""  # "anthropic" (prompt excludes cache) | "openai" | "gemini" (prompt includes cache reads)

    @property
    def seen(self) -> bool:
        return self.prompt is not None or self.output is not None or self.cache_read is not None

    def fold_anthropic(self, obj: Any) -> None:
        if isinstance(obj, dict):
            self.style = "anthropic"
            self._take(obj, prompt="input_tokens", output="output_tokens",
                       cache_read="cache_read_input_tokens", cache_creation="cache_creation_input_tokens")

    def fold_openai(self, obj: Any) -> None:
        """Chat Completions (prompt_tokens/completion_tokens) or Responses (input_tokens/output_tokens)."""
        if not isinstance(obj, dict):
            return
        self.style = "openai"
        self._take(obj, prompt="prompt_tokens", output="completion_tokens")
        self._take(obj, prompt="input_tokens", output="output_tokens")
        for name in ("prompt_tokens_details", "input_tokens_details"):
            details = obj.get(name)
            if isinstance(details, dict):
                self._take(details, cache_read="cached_tokens")

    def fold_gemini(self, obj: Any) -> None:
        if isinstance(obj, dict):
            self.style = "gemini"
            self._take(obj, prompt="promptTokenCount", extra_prompt="toolUsePromptTokenCount",
                       output="candidatesTokenCount", extra_output="thoughtsTokenCount",
                       cache_read="cachedContentTokenCount")

    def _take(self, obj: dict[str, Any], **names: str) -> None:
        for attr, key in names.items():
            value = as_int(obj.get(key))
            if value is not None:
                setattr(self, attr, value)

    def normalised(self) -> tuple[int | None, int | None, int | None, int | None, int | None]:
        """(input, input_total, output, cache_read, cache_creation) as defined in the module docstring."""
        output = _add(self.output, self.extra_output)
        if self.style == "anthropic":
            parts = [v for v in (self.prompt, self.cache_read, self.cache_creation) if v is not None]
            total = sum(parts) if parts else None
            return self.prompt, total, output, self.cache_read, self.cache_creation
        total = _add(self.prompt, self.extra_prompt)
        uncached = total if total is None or self.cache_read is None else max(0, total - self.cache_read)
        return uncached, total, output, self.cache_read, self.cache_creation


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else a + b


@dataclass(frozen=True, slots=True)
class TapResult:
    api: str
    streamed: bool = False  # the body was an event stream
    input: int | None = None
    input_total: int | None = None
    output: int | None = None
    cache_read: int | None = None
    cache_creation: int | None = None
    stop_reason: str | None = None
    error: StreamError | None = None
    truncated: bool = False  # no terminal event before the body ended, or the relay saw the body cut
    unavailable: str | None = None  # why (part of) the body could not be inspected
    tool_calls: int | None = None  # tool/function calls the model emitted, when the API shows them
    unknown: tuple[tuple[str, str], ...] = field(default=())  # (kind, name): ("event", "x"), ("item", "y")

    def log_fields(self) -> dict[str, object]:
        """The request log line's fields (absent values are left out)."""
        out: dict[str, object] = {}
        for name in ("input", "input_total", "output", "cache_read", "cache_creation"):
            value = getattr(self, name)
            if value is not None:
                out[f"usage_{name}"] = value
        if self.stop_reason is not None:
            out["stop_reason"] = self.stop_reason
        if self.error is not None:
            out["stream_error"] = self.error.type
            out["stream_error_message"] = self.error.message
        out["stream_truncated"] = self.truncated
        if self.unavailable is not None:
            out["usage_unavailable"] = self.unavailable
        if self.tool_calls is not None:
            out["tool_calls"] = self.tool_calls
        return out


class FirstSeen:
    """Which unknown (api, kind, name) types are new: each is reported once, the memory is bounded.

    Once ``limit`` types are remembered no new one is reported (reporting it could repeat it later);
    ``filled()`` is True exactly once after that happened, so the caller can say so once.
    """

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._seen: set[tuple[str, str, str]] = set()
        self.full = False
        self._told = False

    def filled(self) -> bool:
        if self.full and not self._told:
            self._told = True
            return True
        return False

    def new(self, api: str, unknown: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        fresh: list[tuple[str, str]] = []
        for kind, name in unknown:
            key = (api, kind, name)
            if key in self._seen:
                continue
            if len(self._seen) >= self.limit:
                self.full = True
                break
            self._seen.add(key)
            fresh.append((kind, name))
        return fresh
