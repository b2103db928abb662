"""The settings table: every knob of headroom, declared once.

Each field of :class:`Settings` is one setting. Its metadata gives the help text and the value
constraints; flags (``--name-with-dashes``), environment variables (``HEADROOM_NAME``), TOML keys
(``name``), ``print-config`` and the README table are all generated from these fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

MiB = 1024 * 1024


def opt(
    default: Any,
    help: str,
    *,
    choices: tuple[str, ...] | None = None,
    secret: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    kind: str | None = None,
) -> Any:
    """Declare one setting. ``kind`` refines ``str``: ``url``, ``path``, ``globs``."""
    meta = {
        "help": help,
        "choices": choices,
        "secret": secret,
        "minimum": minimum,
        "maximum": maximum,
        "kind": kind,
    }
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Settings:
    # -- listener
    host: str = opt("127.0.0.1", "Address to listen on. A non-loopback address requires --proxy-token.")
    port: int = opt(8787, "TCP port to listen on (0 picks a free port).", minimum=0, maximum=65535)
    proxy_token: str = opt(
        "",
        "Inbound proxy token, sent by callers in the x-headroom-proxy-token header. Required for a "
        "non-loopback bind; also unlocks retrieval endpoints for non-loopback callers.",
        secret=True,
    )
    # -- upstreams
    anthropic_upstream: str = opt("https://api.anthropic.com", "Anthropic API origin.", kind="url")
    openai_upstream: str = opt("https://api.openai.com", "OpenAI API origin.", kind="url")
    gemini_upstream: str = opt(
        "https://generativelanguage.googleapis.com", "Gemini API origin.", kind="url"
    )
    chatgpt_upstream: str = opt(
        "https://chatgpt.com/backend-api/codex",
        "Codex origin for ChatGPT-login traffic (a ChatGPT-Account-Id header or a bearer JWT with a "
        "chatgpt_account_id claim); /backend-api/* paths go to its host.",
        kind="url",
    )
    ca_bundle: str = opt(
        "", "Extra PEM CA bundle trusted for upstream TLS, in addition to the system store.", kind="path"
    )
    # -- state
    data_dir: str = opt(
        "",
        "State directory (SQLite files). Empty: $STATE_DIRECTORY under systemd, else "
        "$XDG_STATE_HOME/headroom or ~/.local/state/headroom.",
        kind="path",
    )
    # -- compression
    compression_mode: str = opt(
        "live_zone", "off: pure byte-faithful proxy; live_zone: compress the newest turn's tool outputs.",
        choices=("off", "live_zone"),
    )
    compress_auth_modes: str = opt(
        "payg",
        "Comma-separated auth modes whose traffic may be compressed (payg, oauth, subscription).",
        kind="authmodes",
    )
    tool_policy: str = opt(
        "",
        "Comma-separated tool-name globs: 'Bash' or '+Bash' allows lossy compression, '-Read' denies. "
        "Appended to the built-in policy (deny Read, Edit, Write, NotebookEdit).",
        kind="globs",
    )
    floor_json: int = opt(1024, "Minimum bytes before a JSON tool output is compressed.", minimum=0)
    floor_log: int = opt(512, "Minimum bytes before a log/build output is compressed.", minimum=0)
    floor_search: int = opt(1024, "Minimum bytes before search hits are compressed.", minimum=0)
    floor_diff: int = opt(1024, "Minimum bytes before a diff is compressed.", minimum=0)
    floor_table: int = opt(1024, "Minimum bytes before a column-aligned table is compressed.", minimum=0)
    floor_code: int = opt(2048, "Minimum bytes before source code is compressed.", minimum=0)
    floor_text: int = opt(5120, "Minimum bytes before plain text is compressed.", minimum=0)
    retrieve_hint: str = opt(
        "curl",
        "How a lossy result tells the model to fetch the original: curl (the exact curl line for the "
        "local retrieve endpoint, for agents with a shell on this host) or key (the key only).",
        choices=("curl", "key"),
    )
    ccr_ttl_seconds: int = opt(7 * 24 * 3600, "Lifetime of a stored original (CCR).", minimum=60)
    ccr_max_bytes: int = opt(512 * MiB, "Size cap of stored originals; least recently used go first.",
                             minimum=MiB)
    request_decode_limit: int = opt(
        64 * MiB, "Largest decoded size of a gzip/deflate/zstd request body on a compressible route; "
        "a body decoding past it is a decompression bomb and gets 413 (undecodable ones are forwarded "
        "untouched).", minimum=1,
    )
    edited_encoding: str = opt(
        "same",
        "How an edited request body that arrived with Content-Encoding is forwarded: same (re-encoded "
        "with the client's coding) or identity (decoded, Content-Encoding removed).",
        choices=("same", "identity"),
    )
    # -- limits
    max_body_bytes: int = opt(32 * MiB, "Largest request body accepted (413 above).", minimum=1)
    max_connections: int = opt(1024, "Open client connections before new ones get 503.", minimum=1)
    max_inflight_body_bytes: int = opt(
        512 * MiB, "Global budget of buffered request bodies before new requests get 503.", minimum=1
    )
    # -- timeouts (seconds)
    header_timeout: float = opt(10.0, "Absolute deadline for a request head, from its first byte (408); a new "
                                "connection that sends nothing is closed silently after it.",
                                minimum=0.001)
    body_idle_timeout: float = opt(30.0, "Longest pause between request body reads.", minimum=0.001)
    body_timeout: float = opt(120.0, "Deadline for a whole request body.", minimum=0.001)
    keepalive_timeout: float = opt(60.0, "Idle client connection lifetime between requests.",
                                   minimum=0.001)
    send_timeout: float = opt(60.0, "Longest wait for a client to accept response bytes.", minimum=0.001)
    upstream_connect_timeout: float = opt(10.0, "TCP + CONNECT + TLS handshake deadline.", minimum=0.001)
    upstream_head_timeout: float = opt(600.0, "Deadline for the upstream response head.", minimum=0.001)
    upstream_idle_timeout: float = opt(300.0, "Longest pause between upstream body reads (SSE too).",
                                       minimum=0.001)
    pool_idle_timeout: float = opt(20.0, "Idle lifetime of a pooled upstream connection.", minimum=0.001)
    drain_timeout: float = opt(30.0, "Grace period for in-flight requests on SIGTERM.", minimum=0.0)
    # -- behaviour
    strip_internal_headers: str = opt(
        "enabled", "Strip x-headroom-* request headers before forwarding.",
        choices=("enabled", "disabled"),
    )
    websocket: str = opt(
        "enabled",
        "WebSocket upgrades on /v1/responses: enabled relays them as a byte tunnel after the 101 "
        "handshake (nothing inside the frames is compressed); disabled refuses them.",
        choices=("enabled", "disabled"),
    )
    beta_header_sticky: str = opt(
        "disabled",
        "Re-add anthropic-beta/openai-beta tokens a session sent before and later dropped. Off by "
        "default: re-adding a dropped beta has broken resumed sessions.",
        choices=("enabled", "disabled"),
    )
    log_level: str = opt("info", "Log level.", choices=("debug", "info", "warning", "error"))


FIELDS: tuple[dataclasses.Field[Any], ...] = dataclasses.fields(Settings)
NAMES: frozenset[str] = frozenset(f.name for f in FIELDS)


def flag_of(name: str) -> str:
    return "--" + name.replace("_", "-")


def env_of(name: str) -> str:
    return "HEADROOM_" + name.upper()
