"""Routing: which provider (or local endpoint) a request goes to. Pure: bytes in, a Route out.

headroom is never an open proxy: it only talks to the configured upstream origins, answers
absolute-form targets only when they name one of them, and rejects path tricks locally.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Literal

from headroom.wire.events import Headers, header_value

Provider = Literal["anthropic", "openai", "gemini"]
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai", "gemini")

LOCAL_PATHS = {b"/livez": "livez", b"/readyz": "readyz", b"/v1/retrieve": "retrieve"}
_KNOWN_METHODS = frozenset({b"GET", b"HEAD", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS"})
_REFUSED_METHODS = frozenset({b"CONNECT", b"TRACE", b"TRACK"})
# RFC 3986 path + query characters; anything else (spaces, backslash, quotes, raw non-ASCII) is refused
_TARGET_RE = re.compile(rb"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)?")
_BAD_ESCAPE_RE = re.compile(rb"%(?![0-9A-Fa-f]{2})|%2[eEfF]|%5[cC]|%00")
_DOT_SEGMENT_RE = re.compile(rb"(^|/)\.{1,2}(/|$)")


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str  # "http" | "https"
    host: str
    port: int
    prefix: str  # path prefix of the upstream URL, "" or "/something"

    @classmethod
    def parse(cls, url: str) -> Origin:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        return cls(scheme, parts.hostname or "", port, parts.path.rstrip("/"))

    @property
    def host_header(self) -> bytes:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (host if self.port == default else f"{host}:{self.port}").encode("ascii")


@dataclass(frozen=True, slots=True)
class Route:
    kind: Literal["provider", "local", "reject"]
    provider: Provider | None = None
    api: str = ""  # e.g. "anthropic.messages", "openai.responses", "gemini.generate", "passthrough"
    target: bytes = b""  # origin-form target to send upstream (without the origin prefix)
    status: int = 0  # for rejects
    reason: str = ""
    local: str = ""  # for local endpoints


def reject(status: int, reason: str, provider: Provider | None = None) -> Route:
    return Route("reject", provider=provider, status=status, reason=reason)


def auth_style(headers: Headers, query: bytes) -> Provider | None:
    """Which provider the credential headers look like, if any."""
    if header_value(headers, b"x-api-key") is not None or header_value(headers, b"anthropic-version") is not None:
        return "anthropic"
    if header_value(headers, b"x-goog-api-key") is not None or re.search(rb"(^|&)key=", query):
        return "gemini"
    if header_value(headers, b"authorization") is not None:
        return "openai"
    return None


def _api_for(path: bytes, method: bytes, headers: Headers, query: bytes) -> tuple[Provider, str] | None:
    if path in (b"/v1/messages", b"/v1/messages/count_tokens"):
        return "anthropic", "anthropic." + ("messages" if path.endswith(b"messages") else "count_tokens")
    if path == b"/v1/chat/completions":
        return "openai", "openai.chat"
    if path == b"/v1/responses" or path.startswith(b"/v1/responses/"):
        return "openai", "openai.responses" if path == b"/v1/responses" else "passthrough"
    if path in (b"/v1/embeddings", b"/v1/completions", b"/v1/moderations"):
        return "openai", "passthrough"
    if path.startswith((b"/v1beta/", b"/upload/v1beta/")):
        return "gemini", _gemini_api(path)
    if path.startswith(b"/v1/models/") and b":" in path.rsplit(b"/", 1)[-1]:
        return "gemini", _gemini_api(path)
    if path in (b"/v1/models",) or path.startswith(b"/v1/models/"):
        style = auth_style(headers, query)
        return (style or "openai"), "passthrough"
    style = auth_style(headers, query)
    return (style, "passthrough") if style else None


def _gemini_api(path: bytes) -> str:
    if path.endswith(b":generateContent"):
        return "gemini.generate"
    if path.endswith(b":streamGenerateContent"):
        return "gemini.stream"
    return "passthrough"


def _split_absolute(target: bytes, origins: dict[Provider, Origin]) -> tuple[Provider, bytes] | Route:
    """Absolute-form targets are honoured only for a configured upstream origin."""
    try:
        parts = urllib.parse.urlsplit(target.decode("ascii"))
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (UnicodeDecodeError, ValueError):
        return reject(400, "malformed absolute-form target")
    for name, origin in origins.items():
        if (parts.scheme, (parts.hostname or "").lower(), port) == (origin.scheme, origin.host.lower(), origin.port):
            rest = (parts.path or "/") + ("?" + parts.query if parts.query else "")
            return name, rest.encode("ascii")
    return reject(403, "absolute-form target is not a configured upstream; headroom is not an open proxy")


def route(method: bytes, target: bytes, headers: Headers, origins: dict[Provider, Origin]) -> Route:
    if method in _REFUSED_METHODS:
        return reject(405, f"method {method.decode('latin-1')} is not allowed")
    if method not in _KNOWN_METHODS:
        return reject(501, "method not implemented")
    forced: Provider | None = None
    if not target.startswith(b"/"):
        if target == b"*":
            return reject(501, "server-wide OPTIONS is not implemented")
        split = _split_absolute(target, origins)
        if isinstance(split, Route):
            return split
        forced, target = split
    if not _TARGET_RE.fullmatch(target):
        return reject(400, "malformed request target")
    path, _, query = target.partition(b"?")
    if _BAD_ESCAPE_RE.search(path) or _DOT_SEGMENT_RE.search(path) or b"//" in path:
        return reject(404, "path not found")
    if forced is None and (path in LOCAL_PATHS or path.startswith(b"/v1/retrieve/")):
        return Route("local", local=LOCAL_PATHS.get(path, "retrieve"), target=target)
    found = _api_for(path, method, headers, query)
    if found is None:
        return reject(404, "unknown path and no provider credentials to route it")
    provider, api = found
    if forced is not None and forced != provider:
        provider, api = forced, "passthrough"
    return Route("provider", provider=provider, api=api, target=target)
