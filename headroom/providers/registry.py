"""Routing: which provider (or local endpoint) a request goes to. Pure: bytes in, a Route out.

headroom is never an open proxy: it only talks to the configured upstream origins, answers
absolute-form targets only when they name one of them, and rejects path tricks locally.

Upstream origins have names: the three providers', plus ``chatgpt`` (the ``chatgpt_upstream`` URL,
``https://chatgpt.com/backend-api/codex`` by default) and ``chatgpt-host`` (the same scheme, host and
port with no path prefix). A Route names its origin in ``origin``; ``None`` means the provider's own.
``provider`` stays the API family, which decides error shapes and body handling: ChatGPT traffic is
OpenAI-shaped. Targets are relative to the origin's path prefix.

ChatGPT routing (Codex signed in with a ChatGPT plan, see ``headroom.providers.chatgpt``):

* ``/backend-api/codex/<rest>`` → ``chatgpt`` ``/<rest>``, whoever sends it;
* any other ``/backend-api/…`` path → ``chatgpt-host``, path kept (the catch-all);
* ChatGPT-login requests on the Codex paths ``/v1/responses[/…]``, ``/v1/models[/…]`` and
  ``/v1/codex/…`` → ``chatgpt`` with ``/v1`` (or ``/v1/codex``) dropped: ``/v1/responses`` and
  ``/v1/codex/responses`` → ``{prefix}/responses``, ``/v1/models`` → ``{prefix}/models``. Other
  OpenAI paths (``/v1/chat/completions``, ``/v1/embeddings``…) keep going to ``openai``;
* other ``/v1/codex/<rest>`` requests (API keys) → ``openai`` ``/v1/<rest>``;
* an absolute-form target naming the ChatGPT host → ``chatgpt-host``, that exact path.

The api name comes from the OpenAI-equivalent path, so ``openai.responses`` covers ``/v1/responses``,
``/v1/codex/responses`` and ``/backend-api/codex/responses``; ``/v1/responses/compact``, other
``/v1/responses/*`` and ``/v1/conversations*`` stay ``passthrough``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from headroom.providers.chatgpt import is_chatgpt_login
from headroom.wire.events import Headers, header_value

Provider = Literal["anthropic", "openai", "gemini"]
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai", "gemini")
OriginName = Literal["anthropic", "openai", "gemini", "chatgpt", "chatgpt-host"]
# the OpenAI paths a ChatGPT login can use on the ChatGPT backend (Codex's own)
_CHATGPT_V1 = (b"/v1/responses/", b"/v1/models/")
_PROVIDER_OF: dict[OriginName, Provider | None] = {
    "anthropic": "anthropic", "openai": "openai", "gemini": "gemini", "chatgpt": None, "chatgpt-host": None,
}

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
    origin: OriginName | None = None  # the configured upstream to use; None: the provider's own

    @property
    def upstream(self) -> OriginName | None:
        """The name of the origin this route is forwarded to."""
        return self.origin if self.origin is not None else self.provider


def configured_origins(urls: Mapping[str, str]) -> dict[OriginName, Origin]:
    """Every named origin from the ``<name>_upstream`` URLs (keys: the providers and ``chatgpt``)."""
    origins: dict[OriginName, Origin] = {p: Origin.parse(urls[p]) for p in PROVIDERS}
    chatgpt = Origin.parse(urls["chatgpt"])
    origins["chatgpt"] = chatgpt
    origins["chatgpt-host"] = replace(chatgpt, prefix="")
    return origins


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


def _chatgpt_path(path: bytes, login: bool) -> tuple[OriginName, bytes] | None:
    """Where a ChatGPT path goes: (origin, path under that origin), or None if it is not one."""
    if path.startswith(b"/backend-api/codex/"):
        return "chatgpt", path[len(b"/backend-api/codex") :]
    if path.startswith(b"/backend-api/"):
        return "chatgpt-host", path
    if login and path.startswith(b"/v1/codex/"):
        return "chatgpt", path[len(b"/v1/codex") :]
    if login and (path in (b"/v1/responses", b"/v1/models") or path.startswith(_CHATGPT_V1)):
        return "chatgpt", path[len(b"/v1") :]
    return None


def _codex_route(
    path: bytes, query: bytes | None, headers: Headers, found: tuple[Provider, str] | None
) -> Route | None:
    """ChatGPT routing and the ``/v1/codex/`` alias; None: route the request as usual."""
    if found is not None and found[0] != "openai" and not path.startswith(b"/backend-api/"):
        return None
    tail = b"" if query is None else b"?" + query
    where = _chatgpt_path(path, is_chatgpt_login(headers))
    if where is not None:
        origin, rest = where
        api = "passthrough" if origin == "chatgpt-host" else _openai_api(b"/v1" + rest)
        return Route("provider", provider="openai", api=api, target=rest + tail, origin=origin)
    if path.startswith(b"/v1/codex/"):
        plain = b"/v1" + path[len(b"/v1/codex") :]
        return Route("provider", provider="openai", api=_openai_api(plain), target=plain + tail)
    return None


def _openai_api(path: bytes) -> str:
    if path == b"/v1/chat/completions":
        return "openai.chat"
    return "openai.responses" if path == b"/v1/responses" else "passthrough"


def _split_absolute(target: bytes, origins: Mapping[OriginName, Origin]) -> tuple[OriginName, bytes] | Route:
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


def _forced_chatgpt(path: bytes, target: bytes, origins: Mapping[OriginName, Origin]) -> Route:
    """An absolute-form target on the ChatGPT host: that exact URL, OpenAI-shaped."""
    responses = origins["chatgpt"].prefix.encode("ascii") + b"/responses"
    api = "openai.responses" if path == responses else "passthrough"
    return Route("provider", provider="openai", api=api, target=target, origin="chatgpt-host")


def route(method: bytes, target: bytes, headers: Headers, origins: Mapping[OriginName, Origin]) -> Route:
    if method in _REFUSED_METHODS:
        return reject(405, f"method {method.decode('latin-1')} is not allowed")
    if method not in _KNOWN_METHODS:
        return reject(501, "method not implemented")
    forced: OriginName | None = None
    if not target.startswith(b"/"):
        if target == b"*":
            return reject(501, "server-wide OPTIONS is not implemented")
        split = _split_absolute(target, origins)
        if isinstance(split, Route):
            return split
        forced, target = split
    if not _TARGET_RE.fullmatch(target):
        return reject(400, "malformed request target")
    path, sep, query = target.partition(b"?")
    if _BAD_ESCAPE_RE.search(path) or _DOT_SEGMENT_RE.search(path) or b"//" in path:
        return reject(404, "path not found")
    if forced is None and (path in LOCAL_PATHS or path.startswith(b"/v1/retrieve/")):
        return Route("local", local=LOCAL_PATHS.get(path, "retrieve"), target=target)
    forced_provider = None if forced is None else _PROVIDER_OF[forced]
    if forced is not None and forced_provider is None:
        return _forced_chatgpt(path, target, origins)
    found = _api_for(path, method, headers, query)
    if forced is None:
        special = _codex_route(path, query if sep else None, headers, found)
        if special is not None:
            return special
    if found is None:
        return reject(404, "unknown path and no provider credentials to route it")
    provider, api = found
    if forced_provider is not None and forced_provider != provider:
        provider, api = forced_provider, "passthrough"
    return Route("provider", provider=provider, api=api, target=target)
