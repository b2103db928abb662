"""Plan settings derived from the proxy settings: floors, tool policy, footer, fingerprint."""

from __future__ import annotations

import blake3

from headroom.compress.pipeline import KINDS, VERSION
from headroom.config import Settings
from headroom.livezone.plan import PlanSettings
from headroom.livezone.policy import ToolPolicy

FOOTER_VERSION = "1"


def floors_of(settings: Settings) -> dict[str, int]:
    by_kind = {
        "json": settings.floor_json,
        "log": settings.floor_log,
        "search": settings.floor_search,
        "diff": settings.floor_diff,
        "table": settings.floor_table,
        "code": settings.floor_code,
        "html": settings.floor_text,
        "text": settings.floor_text,
    }
    return {k: by_kind.get(k, settings.floor_text) for k in KINDS}


def retrieve_base_url(settings: Settings) -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def make_footer(settings: Settings) -> tuple[str, str]:
    """(template, description) of the retrieval footer appended to lossy results."""
    if settings.retrieve_hint == "curl":
        url = retrieve_base_url(settings) + "/v1/retrieve/{key}"
        return "\n[headroom: parts above were omitted; full original: curl -s " + url + "]", url
    return "\n[headroom: parts above were omitted; the full original is stored under key {key}]", ""


def plan_settings(settings: Settings) -> PlanSettings:
    template, _ = make_footer(settings)
    floors = floors_of(settings)
    policy = ToolPolicy.parse(settings.tool_policy)
    h = blake3.blake3()
    for part in (VERSION, FOOTER_VERSION, template, repr(sorted(floors.items())), repr(policy.rules)):
        h.update(part.encode() + b"\x00")
    return PlanSettings(
        floors=floors,
        policy=policy,
        footer=lambda key: template.replace("{key}", key),
        fingerprint=str(h.hexdigest()[:16]),
    )
