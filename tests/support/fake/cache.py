"""A small, deterministic prompt-cache simulation, so usage numbers react to cache-breaking edits.

Anthropic: the prompt is the sequence of blocks tools → system → messages (content blocks), each hashed
without its ``cache_control`` member; a breakpoint stores the hash of the prefix ending at its block; a
later request reads the longest stored prefix found within 20 blocks before any of its breakpoints.
OpenAI / Gemini: automatic prefix caching over the raw body bytes in 1 KiB steps.
Tokens are estimated as bytes / 4.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

LOOKBACK = 20
BLOCK = 1024
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _strip(block: Any) -> Any:
    if isinstance(block, dict) and "cache_control" in block:
        return {k: v for k, v in block.items() if k != "cache_control"}
    return block


def _marked(block: Any) -> bool:
    return isinstance(block, dict) and "cache_control" in block


def _anthropic_blocks(req: dict[str, Any]) -> list[tuple[Any, bool]]:
    """(block as hashed, carries a breakpoint) in cache order: tools, system, message content."""
    blocks: list[tuple[Any, bool]] = []
    tools = req.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        blocks.append((_strip(tool), _marked(tool)))
    system = req.get("system")
    if isinstance(system, str):
        blocks.append(({"type": "text", "text": system}, False))
    for block in system if isinstance(system, list) else []:
        blocks.append((_strip(block), _marked(block)))
    messages = req.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        role, content = message.get("role"), message.get("content")
        if not isinstance(content, list):  # a plain string is the same prompt as one text block
            blocks.append(({"role": role, "block": {"type": "text", "text": content}}, False))
            continue
        for block in content:
            blocks.append(({"role": role, "block": _strip(block)}, _marked(block)))
    return blocks


class PromptCache:
    def __init__(self) -> None:
        self._prefixes: dict[bytes, int] = {}

    def clear(self) -> None:
        self._prefixes.clear()

    def anthropic(self, req: dict[str, Any]) -> tuple[int, int, int]:
        """(input_tokens, cache_creation_input_tokens, cache_read_input_tokens) for a Messages request."""
        digest = hashlib.sha256(b"anthropic")
        sizes: list[int] = []
        hashes: list[bytes] = []
        breakpoints: list[int] = []
        total = 0
        for i, (block, marked) in enumerate(_anthropic_blocks(req)):
            data = _ENCODER.encode(block).encode()
            digest.update(len(data).to_bytes(8, "big") + data)
            total += len(data)
            sizes.append(total)
            hashes.append(digest.digest())
            if marked:
                breakpoints.append(i)
        read = 0
        for bp in breakpoints:
            for j in range(bp, max(-1, bp - LOOKBACK - 1), -1):
                if hashes[j] in self._prefixes:
                    read = max(read, sizes[j])
                    break
        written = sizes[breakpoints[-1]] if breakpoints else 0
        for bp in breakpoints:
            self._prefixes[hashes[bp]] = sizes[bp]
        creation = max(0, written - read)
        rest = max(0, total - read - creation)
        return max(1, rest // 4), creation // 4, read // 4

    def prefix(self, kind: bytes, body: bytes) -> tuple[int, int]:
        """(prompt_tokens, cached_tokens) for automatic prefix caching of ``body``."""
        digest = hashlib.sha256(kind)
        cached = 0
        for start in range(0, len(body) - BLOCK + 1, BLOCK):
            digest.update(body[start : start + BLOCK])
            key = digest.digest()
            if key in self._prefixes:
                cached = start + BLOCK
            self._prefixes[key] = start + BLOCK
        return max(1, len(body) // 4), cached // 4
