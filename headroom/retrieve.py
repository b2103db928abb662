"""Local retrieval endpoints for CCR originals.

``GET /v1/retrieve/{key}`` and ``POST /v1/retrieve`` (``{"key": …}`` or ``{"hash": …}``, optional
``"query"`` to return only matching lines and ``"context"`` lines around them). Loopback callers
only, unless the caller presents the inbound proxy token. Only keys this proxy stored resolve.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from typing import Any

from headroom.config.loader import is_loopback_host
from headroom.errors import StoreError
from headroom.store.retrieve import filter_lines
from headroom.store.sqlite import SQLiteStore
from headroom.transport.client import ClientConn
from headroom.wire.events import Headers, RequestHead, header_value

TOKEN_HEADER = b"x-headroom-proxy-token"
_KEY_RE = re.compile(r"[0-9a-f]{24}")
MAX_CONTEXT = 20
OFFLOOP_BYTES = 256 * 1024  # parse, filter and encode bigger payloads on a worker thread


class RetrieveEndpoints:
    def __init__(self, store: SQLiteStore | None, token: str) -> None:
        self.store = store
        self.token = token.encode()

    def token_ok(self, headers: Headers) -> bool:
        given = header_value(headers, TOKEN_HEADER)
        return bool(self.token) and given is not None and hmac.compare_digest(given, self.token)

    async def handle(self, client: ClientConn, head: RequestHead, body: bytes, keep: bool) -> int:
        status, obj = await self._answer(client, head, body)
        big = len(str(obj.get("original", ""))) > OFFLOOP_BYTES
        payload = await asyncio.to_thread(_encode, obj) if big else _encode(obj)
        await client.send_json(status, payload, close=not keep)
        return status

    async def _answer(self, client: ClientConn, head: RequestHead, body: bytes) -> tuple[int, dict[str, Any]]:
        if not (is_loopback_host(client.peer[0]) or self.token_ok(head.headers)):
            return 403, _error("retrieval is limited to loopback callers or the proxy token")
        if self.store is None:
            return 503, _error("the CCR store is not available (compression is off or the store failed)")
        path = head.target.partition(b"?")[0]
        if head.method == b"GET" and path.startswith(b"/v1/retrieve/"):
            key, query, context = path.removeprefix(b"/v1/retrieve/").decode("ascii", "replace"), "", 0
        elif head.method == b"POST" and path == b"/v1/retrieve":
            try:
                key, query, context = (
                    await asyncio.to_thread(_parse_post, body) if len(body) > OFFLOOP_BYTES else _parse_post(body)
                )
            except ValueError as exc:
                return 400, _error(str(exc))
        else:
            return 405, _error("use GET /v1/retrieve/{key} or POST /v1/retrieve")
        if not _KEY_RE.fullmatch(key):
            return 404, _error("unknown key")
        try:
            record = await asyncio.to_thread(self.store.ccr_get, key)
        except StoreError as exc:
            return 503, _error(f"store error: {exc}")
        if record is None:
            return 404, _error("unknown or expired key")
        original = record.original
        if query:
            original = (await asyncio.to_thread(filter_lines, original, query, context=context)
                        if record.size > OFFLOOP_BYTES else filter_lines(original, query, context=context))
        return 200, {"key": key, "original": original, "query": query or None, "meta": dict(record.meta),
                     "size": record.size, "created": record.created}


def _parse_post(body: bytes) -> tuple[str, str, int]:
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ValueError("body must be a JSON object") from exc
    if not isinstance(obj, dict):
        raise ValueError("body must be a JSON object")
    key = obj.get("key", obj.get("hash"))
    query = obj.get("query") or ""
    context = obj.get("context", 0)
    if not isinstance(key, str):
        raise ValueError('give "key" (or "hash") as a string')
    if not isinstance(query, str):
        raise ValueError('"query" must be a string')
    if isinstance(context, bool) or not isinstance(context, int) or not 0 <= context <= MAX_CONTEXT:
        raise ValueError(f'"context" must be an integer from 0 to {MAX_CONTEXT}')
    return key, query, context


def _encode(obj: dict[str, Any]) -> bytes:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (JSON escapes in a client's body): escape them again
        return json.dumps(obj, separators=(",", ":")).encode("ascii")


def _error(message: str) -> dict[str, Any]:
    return {"error": {"type": "retrieve_error", "message": message}}
