"""Outbound connection setup: TLS context and HTTP(S)_PROXY / NO_PROXY via CONNECT.

TLS always verifies certificates against the system store, plus an optional extra CA bundle
(``--ca-bundle`` adds to the system store, it never replaces it). TLS is never downgraded.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from headroom.errors import UpstreamError
from headroom.providers.registry import Origin

READ_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    host: str
    port: int
    authorization: bytes | None  # "Basic …" from the proxy URL's userinfo


def make_tls_context(ca_bundle: str = "") -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def proxy_for(origin: Origin, environ: Mapping[str, str]) -> ProxyConfig | None:
    """The outbound proxy to use for ``origin``, from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (any case)."""
    env = {k.lower(): v for k, v in environ.items() if k.lower() in ("https_proxy", "http_proxy", "no_proxy")}
    url = env.get("https_proxy" if origin.scheme == "https" else "http_proxy", "")
    if not url:
        return None
    if no_proxy_matches(env.get("no_proxy", ""), origin.host, origin.port):
        return None
    if "://" not in url:
        url = "http://" + url
    parts = urllib.parse.urlsplit(url)
    auth = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        auth = b"Basic " + base64.b64encode(f"{user}:{password}".encode())
    return ProxyConfig(parts.hostname or "", parts.port or 80, auth)


def no_proxy_matches(no_proxy: str, host: str, port: int) -> bool:
    """NO_PROXY semantics as curl and most tools use them: ``*``; host names matching exactly or as
    a domain suffix (``example.com`` and ``.example.com`` both cover ``api.example.com``); IP
    addresses and CIDR blocks; an optional ``:port`` restricts an entry to that port."""
    host = host.lower().strip("[]")
    for raw in (e.strip().lower() for e in no_proxy.split(",")):
        if not raw:
            continue
        if raw == "*":
            return True
        entry, entry_port = raw, None
        if raw.count(":") == 1 and not raw.endswith("]"):
            entry, _, p = raw.partition(":")
            entry_port = int(p) if p.isdigit() else None
        if entry_port is not None and entry_port != port:
            continue
        entry = entry.strip("[]")
        if _ip_match(entry, host) or host == entry.lstrip(".") or host.endswith("." + entry.lstrip(".")):
            return True
    return False


def _ip_match(entry: str, host: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


async def _read_connect_reply(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise UpstreamError(502, "proxy_error", "outbound proxy sent a malformed CONNECT reply")
    return int(parts[1])


async def open_upstream(
    origin: Origin, tls: ssl.SSLContext, proxy: ProxyConfig | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a connection (TCP [+ CONNECT] [+ TLS]); the caller applies the connect timeout."""
    https = origin.scheme == "https"
    try:
        if proxy is None:
            return await asyncio.open_connection(
                origin.host, origin.port, ssl=tls if https else None,
                server_hostname=origin.host if https else None, limit=READ_LIMIT,
            )
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port, limit=READ_LIMIT)
        try:
            await _connect_tunnel(reader, writer, origin, proxy)
            if https:
                await writer.start_tls(tls, server_hostname=origin.host)
        except BaseException:
            writer.close()
            raise
        return reader, writer
    except ssl.SSLCertVerificationError as exc:
        raise UpstreamError(502, "tls_error", f"upstream TLS verification failed: {exc.verify_message}") from exc
    except ssl.SSLError as exc:
        raise UpstreamError(502, "tls_error", f"upstream TLS handshake failed: {exc.reason}") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UpstreamError(502, "connect_error", f"cannot connect to upstream {origin.host}: {reason}") from exc
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        raise UpstreamError(502, "proxy_error", "outbound proxy closed during CONNECT") from exc


async def _connect_tunnel(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, origin: Origin, proxy: ProxyConfig
) -> None:
    authority = origin.host_header if origin.port != (443 if origin.scheme == "https" else 80) else (
        origin.host_header + (b":443" if origin.scheme == "https" else b":80")
    )
    lines = [b"CONNECT " + authority + b" HTTP/1.1", b"Host: " + authority]
    if proxy.authorization:
        lines.append(b"Proxy-Authorization: " + proxy.authorization)
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
    await writer.drain()
    status = await _read_connect_reply(reader)
    if status != 200:
        raise UpstreamError(502, "proxy_error", f"outbound proxy refused CONNECT with status {status}")
