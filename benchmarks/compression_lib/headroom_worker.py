"""Runs inside the throw-away headroom-ai venv (stdlib + headroom-ai only; never imports our code).

Usage: python -I headroom_worker.py SAMPLES.jsonl OUT.jsonl MODE[,MODE...]
Reads ``{"id", "text", "query"}`` lines, writes one ``{"id", "mode", "output", "seconds", "strategy",
"error"}`` line per sample and mode, then a final ``{"meta": {...}}`` line.

Modes (all through ``ContentRouter.compress(text, context=query)``, the library's entry point):
- ``default``: ``ContentRouterConfig()`` — Headroom's out-of-the-box configuration (CCR on: lossy
  steps leave ``Retrieve …: hash=`` / ``<<ccr:…>>`` markers; SmartCrusher's lossless table
  compaction on).
- ``lossless``: ``ContentRouterConfig(lossless=True)`` — its ``--lossless`` "No-CCR" mode: format-native
  lossless compaction, marker-free SmartCrusher, no retrieval markers.
- ``lossy``: ``ContentRouterConfig(smart_crusher_with_compaction=False)`` — SmartCrusher with the
  lossless compaction off, so JSON arrays take its lossy row-selection path (``<<ccr:…>>`` markers).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any

ROUTER_MODULE = "headroom.transforms.content_router"


def _configs() -> dict[str, Any]:
    config = importlib.import_module(ROUTER_MODULE).ContentRouterConfig
    return {
        "default": config(),
        "lossless": config(lossless=True),
        "lossy": config(smart_crusher_with_compaction=False),
    }


def _run_mode(mode: str, config: Any, samples: list[dict[str, Any]], out: Any) -> None:
    router = importlib.import_module(ROUTER_MODULE).ContentRouter(config)
    router.compress("warm-up " * 200)  # lazy imports and first-call set-up are not throughput
    for s in samples:
        start = time.perf_counter()
        try:
            res = router.compress(s["text"], context=s.get("query", ""))
            text, strategy, error = res.compressed, str(getattr(res.strategy_used, "value", "")), ""
        except Exception as exc:  # Headroom itself fails open; record it
            text, strategy, error = s["text"], "crash", repr(exc)
        seconds = time.perf_counter() - start
        row = {"id": s["id"], "mode": mode, "output": text, "seconds": seconds, "strategy": strategy, "error": error}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    src, dst, modes = argv[1], argv[2], argv[3].split(",")
    with open(src, encoding="utf-8") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    configs = _configs()
    from importlib.metadata import version

    with open(dst, "w", encoding="utf-8") as out:
        for mode in modes:
            _run_mode(mode, configs[mode], samples, out)
        out.write(json.dumps({"meta": {"version": version("headroom-ai"), "modes": modes}}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
