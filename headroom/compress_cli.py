"""``headroom compress``: run the proxy's per-block pipeline on one tool output.

Exactly what the proxy does to a live tool output (tool policy, per-type floor, detection,
compressor, receipt + retrieval footer, token gate); nothing is stored unless ``--store``.
"""

from __future__ import annotations

import argparse
import json
import sys

from headroom import tokens
from headroom.config import Settings
from headroom.livezone.plan import Block, build_plan
from headroom.livezone.session import ccr_key
from headroom.livezone.settings import plan_settings
from headroom.store.models import PlanWrite
from headroom.store.sqlite import SQLiteStore


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    with open(path, "rb") as fh:
        return fh.read().decode("utf-8", "surrogateescape")


def run_compress_cli(settings: Settings, args: argparse.Namespace) -> int:
    try:
        text = _read(args.file)
    except OSError as exc:
        print(f"headroom compress: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    tool_input = {"command": args.shell_command} if args.shell_command else {}
    block = Block("input", (0, 0), text, args.tool, tool_input, True)
    plan = build_plan([block], {}, plan_settings(settings), tokens.count)
    decision = plan.decisions[0]
    entry = plan.entries[0] if plan.entries else None
    out_text = json.loads(entry.replacement) if entry is not None else text
    if entry is not None and args.store and entry.ccr_key:
        with SQLiteStore(settings.data_dir, ccr_ttl_seconds=settings.ccr_ttl_seconds,
                         ccr_max_bytes=settings.ccr_max_bytes, background=False) as store:
            store.commit(PlanWrite(ccr=[(entry.ccr_key, entry.original, dict(entry.meta))], ledger=()))
    if args.json:
        before = decision.tokens_before or tokens.count(text)
        report = {
            "text": out_text,
            "tokens_before": before,
            "tokens_after": decision.tokens_after if entry is not None else before,
            "strategy": decision.strategy,
            "action": decision.action,
            "kind": decision.kind,
            "ccr_key": entry.ccr_key if entry is not None else "",
            "key": ccr_key(text),
        }
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(out_text)
        if not out_text.endswith("\n"):
            sys.stdout.write("\n")
        print(f"[headroom compress: {decision.action}, kind={decision.kind or '-'}, "
              f"tokens {decision.tokens_before}->{decision.tokens_after}, strategy={decision.strategy or '-'}]",
              file=sys.stderr)
    return 0
