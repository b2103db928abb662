"""Route a recorded request to the provider answer it gets in normal mode."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from typing import Any

from tests.support.fake import anthropic, gemini, openai
from tests.support.fake.cache import PromptCache
from tests.support.fake.http1 import RecordedRequest
from tests.support.fake.payload import Ids, Payload, error_payload

_GEMINI = re.compile(rb"/(v1|v1beta)/models/([A-Za-z0-9._\-]+):(generateContent|streamGenerateContent|countTokens)")
_GEMINI_LIST = re.compile(rb"/(v1|v1beta)/models/?")
_POST_ROUTES = {
    b"/v1/messages": "anthropic",
    b"/v1/messages/count_tokens": "anthropic",
    b"/v1/chat/completions": "openai",
    b"/v1/responses": "openai",
    b"/v1/embeddings": "openai",
}


class State:
    """Per-provider deterministic state shared by all routes."""

    def __init__(self) -> None:
        self.ids = Ids()
        self.cache = PromptCache()

    def clear(self) -> None:
        self.ids = Ids()
        self.cache.clear()


def provider_kind(req: RecordedRequest) -> str:
    """Which provider's shapes (errors included) this request should see."""
    path = req.path
    if path in _POST_ROUTES:
        return _POST_ROUTES[path]
    if _GEMINI.fullmatch(path) or path.startswith(b"/v1beta/") or req.header(b"x-goog-api-key") is not None:
        return "gemini"
    if req.header(b"anthropic-version") is not None or req.header(b"x-api-key") is not None:
        return "anthropic"
    return "openai"


def request_body(req: RecordedRequest) -> bytes | None:
    """The body as the provider reads it: a gzip or deflate (zlib or raw) Content-Encoding is
    decoded (with the stdlib, independently of headroom); None when it cannot be."""
    coding = (req.header(b"content-encoding") or b"identity").strip().lower()
    try:
        if coding in (b"gzip", b"x-gzip"):
            return gzip.decompress(req.body)
        if coding == b"deflate":
            try:
                return zlib.decompress(req.body)
            except zlib.error:
                return zlib.decompress(req.body, -15)
    except (OSError, EOFError, zlib.error):
        return None
    return req.body if coding == b"identity" else None


def _json_object(body: bytes | None) -> dict[str, Any] | None:
    if body is None:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def route(req: RecordedRequest, state: State) -> Payload:
    kind = provider_kind(req)
    method = b"GET" if req.method == b"HEAD" else req.method
    path = req.path
    gemini_match = _GEMINI.fullmatch(path)
    if method == b"GET":
        return _get(req, kind, state)
    if method != b"POST":
        known = path in _POST_ROUTES or gemini_match is not None
        status = 405 if known else 404
        return error_payload(kind, status, f"fake provider: no route {req.method.decode()} {path.decode()}",
                             state.ids.next("req_"))
    if path not in _POST_ROUTES and gemini_match is None:
        return error_payload(kind, 404, f"fake provider: no route POST {path.decode()}", state.ids.next("req_"))
    body = request_body(req)
    data = _json_object(body)
    if body is None or data is None:
        return error_payload(kind, 400, "fake provider: body is not a JSON object", state.ids.next("req_"))
    if gemini_match is not None:
        return _gemini(req, body, gemini_match, state)
    if path == b"/v1/messages":
        return anthropic.messages(data, state.ids, state.cache)
    if path == b"/v1/messages/count_tokens":
        return anthropic.count_tokens(len(body), state.ids)
    if path == b"/v1/embeddings":
        return openai.embeddings(data, state.ids)
    prompt = state.cache.prefix(b"openai", body)
    if path == b"/v1/chat/completions":
        return openai.chat(data, prompt, state.ids)
    return openai.responses(data, prompt, state.ids)


def _gemini(req: RecordedRequest, body: bytes, match: re.Match[bytes], state: State) -> Payload:
    model, op = match.group(2).decode(), match.group(3)
    if op == b"countTokens":
        return gemini.count_tokens(len(body))
    stream = op == b"streamGenerateContent"
    sse_framing = b"alt=sse" in req.query.split(b"&")
    prompt = state.cache.prefix(b"gemini", body)
    return gemini.generate(model, stream, sse_framing, prompt, state.ids)


def _get(req: RecordedRequest, kind: str, state: State) -> Payload:
    path = req.path
    if path == b"/v1/models" and kind == "anthropic":
        return anthropic.models(state.ids)
    if path == b"/v1/models" and kind == "openai":
        return openai.models(state.ids)
    if _GEMINI_LIST.fullmatch(path):
        return gemini.models()
    status = 405 if path in _POST_ROUTES or _GEMINI.fullmatch(path) else 404
    return error_payload(kind, status, f"fake provider: no route {req.method.decode()} {path.decode()}",
                         state.ids.next("req_"))
