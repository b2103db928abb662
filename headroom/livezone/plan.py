"""The per-request plan: replay ledger rows on older tool outputs, compress live ones.

Pure: the caller supplies the ledger rows found for this conversation and a token counter; the
plan returns the edits to splice, the new CCR/ledger entries to persist *before* forwarding,
and one decision per tool output for the log and response headers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headroom.compress.base import Hint
from headroom.compress.pipeline import compress_text, detect
from headroom.jsonspan import JsonSpanError, encode_string
from headroom.livezone.policy import ToolPolicy
from headroom.livezone.session import ccr_key, content_hash

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Block:
    """What the plan needs of one tool output (providers adapt their own types to this)."""

    label: str  # e.g. "messages[13].content[0]"
    span: Span
    text: str
    tool: str
    tool_input: Any
    live: bool


@dataclass(frozen=True, slots=True)
class PlanSettings:
    floors: Mapping[str, int]
    policy: ToolPolicy
    footer: Callable[[str], str]  # ccr key -> retrieval footer line for lossy results
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Decision:
    label: str
    tool: str
    kind: str
    action: str  # compressed | replayed | below_floor | rejected_not_smaller | excluded_hot_zone
    #              | policy_excluded | compressor_error | not_compressible
    bytes_before: int
    bytes_after: int
    tokens_before: int = 0
    tokens_after: int = 0
    strategy: str = ""


@dataclass(frozen=True, slots=True)
class Replay:
    """A ledger row: what the upstream already saw for a block, and what it saved."""

    replacement: bytes
    tokens_before: int = 0
    tokens_after: int = 0


@dataclass(frozen=True, slots=True)
class NewEntry:
    span: Span
    content_hash: str
    replacement: bytes
    ccr_key: str  # "" when lossless
    original: str
    meta: Mapping[str, str | int]
    tokens_before: int
    tokens_after: int


@dataclass(frozen=True, slots=True)
class Plan:
    edits: tuple[tuple[Span, bytes], ...]
    decisions: tuple[Decision, ...]
    entries: tuple[NewEntry, ...]


def content_hashes(blocks: Sequence[Block]) -> list[str]:
    """Ledger content keys of ``blocks`` (repeats of one tool's text get distinct keys, in order)."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for b in blocks:
        n = seen.get((b.tool, b.text), 0)
        seen[b.tool, b.text] = n + 1
        out.append(content_hash(b.text, n, b.tool))
    return out


def hint_for(tool: str, tool_input: Any, key: str) -> Hint:
    command = query = ""
    if isinstance(tool_input, dict):
        cmd = tool_input.get("command", tool_input.get("cmd", ""))
        command = " ".join(map(str, cmd)) if isinstance(cmd, list) else str(cmd)
        q = tool_input.get("pattern", tool_input.get("query", ""))
        query = q if isinstance(q, str) else ""
    return Hint(tool=tool, command=command, query=query, key=key)


def build_plan(
    blocks: Sequence[Block],
    ledger: Mapping[str, Replay],
    settings: PlanSettings,
    count_tokens: Callable[[str], int],
    hashes: Sequence[str] | None = None,
) -> Plan:
    """``ledger`` maps content hash -> the replacement the upstream already saw in this session."""
    if hashes is None:
        hashes = content_hashes(blocks)
    edits: list[tuple[Span, bytes]] = []
    decisions: list[Decision] = []
    entries: list[NewEntry] = []
    for block, chash in zip(blocks, hashes, strict=True):
        size = len(block.text.encode("utf-8", "surrogatepass"))
        replay = ledger.get(chash)
        if replay is not None:
            edits.append((block.span, replay.replacement))
            decisions.append(Decision(block.label, block.tool, "", "replayed", size, len(replay.replacement) - 2,
                                      replay.tokens_before, replay.tokens_after))
            continue
        if not block.live:
            decisions.append(Decision(block.label, block.tool, "", "excluded_hot_zone", size, size))
            continue
        decision, entry = _compress_live(block, chash, size, settings, count_tokens)
        decisions.append(decision)
        if entry is not None:
            edits.append((block.span, entry.replacement))
            entries.append(entry)
    return Plan(tuple(edits), tuple(decisions), tuple(entries))


def _compress_live(
    block: Block, chash: str, size: int, settings: PlanSettings, count_tokens: Callable[[str], int]
) -> tuple[Decision, NewEntry | None]:
    def decide(action: str, kind: str = "", **kw: Any) -> tuple[Decision, None]:
        return Decision(block.label, block.tool, kind, action, size, size, **kw), None

    if not settings.policy.allows(block.tool):
        # file-reading/-editing tools: the agent edits by exact match on what it read, so even a
        # lossless re-encoding (minified JSON, a table) would break it; leave the block alone
        return decide("policy_excluded")
    key = ccr_key(block.text)
    hint = hint_for(block.tool, block.tool_input, key)
    detection = detect(block.text, hint)
    if size < settings.floors.get(detection.kind, 0):
        return decide("below_floor", detection.kind)
    known: list[int] = []

    def original_tokens() -> int:  # counted at most once, and only when needed
        if not known:
            known.append(count_tokens(block.text))
        return known[0]

    outcome = compress_text(block.text, hint, detection=detection, original_tokens=original_tokens)
    result = outcome.result
    if result is None:
        action = "compressor_error" if outcome.reason.startswith("error") else "not_compressible"
        return decide(action, detection.kind)
    before = original_tokens()  # the caller may have started this count concurrently
    text = result.text if result.lossless else result.text + settings.footer(key)
    after = count_tokens(text)
    if after >= before:
        return decide("rejected_not_smaller", detection.kind, tokens_before=before, tokens_after=after,
                      strategy=result.strategy)
    try:
        replacement = encode_string(text)
    except JsonSpanError:
        return decide("compressor_error", detection.kind)
    entry = NewEntry(
        block.span, chash, replacement, "" if result.lossless else key, block.text,
        {"tool": block.tool, "kind": detection.kind, "strategy": result.strategy,
         "tokens_before": before, "tokens_after": after},
        before, after,
    )
    decision = Decision(block.label, block.tool, detection.kind, "compressed", size, len(replacement) - 2,
                        before, after, result.strategy)
    return decision, entry
