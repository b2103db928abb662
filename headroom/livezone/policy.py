"""Request-level policy: may this request be compressed, and may this tool's output be?

Pure functions over header values and settings strings.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Literal

from headroom.providers.chatgpt import is_chatgpt_login
from headroom.wire.events import Headers, header_value, header_values

AuthMode = Literal["payg", "oauth", "subscription"]
BUILTIN_DENY = (
    # file-reading and file-editing tools: the agent edits by exact match on what it read
    "Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "NotebookRead",
    "read_file", "edit_file", "write_file", "str_replace_editor", "str_replace_based_edit_tool",
)
_SUBSCRIPTION_BETA = re.compile(rb"(^|,)\s*oauth-[0-9]{4}-[0-9]{2}-[0-9]{2}\s*(,|$)")


def classify_auth(headers: Headers) -> AuthMode:
    """API keys are pay-as-you-go; OAuth tokens and Claude/ChatGPT subscription logins are not.

    ChatGPT login (a ChatGPT-Account-Id header or a bearer JWT naming a ChatGPT account, the same
    test that routes the request to the ChatGPT upstream) is ``subscription``."""
    beta = b",".join(header_values(headers, b"anthropic-beta"))  # a list header: repeated lines combine
    if _SUBSCRIPTION_BETA.search(beta.lower()):
        return "subscription"
    if is_chatgpt_login(headers):
        return "subscription"
    auth = header_value(headers, b"authorization")
    if header_value(headers, b"x-api-key") is not None or header_value(headers, b"x-goog-api-key") is not None:
        return "payg"
    if auth is None:
        return "payg"
    token = auth[7:].strip(b" \t") if auth[:7].lower() == b"bearer " else b""
    if token.startswith(b"sk-ant-oat"):
        return "oauth"
    if token.startswith(b"sk-ant-") or token.startswith(b"sk-") or token.startswith(b"AIza"):
        return "payg"
    return "oauth"


def parse_modes(value: str) -> frozenset[str]:
    return frozenset(m.strip() for m in value.split(",") if m.strip())


@dataclass(frozen=True, slots=True)
class ToolPolicy:
    """Ordered globs; the last matching rule wins. ``+glob`` allows lossy compression, ``-glob`` denies."""

    rules: tuple[tuple[bool, str], ...]

    @classmethod
    def parse(cls, extra: str) -> ToolPolicy:
        rules: list[tuple[bool, str]] = [(False, name) for name in BUILTIN_DENY]
        for raw in (g.strip() for g in extra.split(",")):
            if not raw:
                continue
            allow = not raw.startswith("-")
            rules.append((allow, raw.lstrip("+-")))
        return cls(tuple(rules))

    def allows(self, tool: str) -> bool:
        verdict = True
        for allow, glob in self.rules:
            if fnmatch.fnmatchcase(tool, glob):
                verdict = allow
        return verdict
