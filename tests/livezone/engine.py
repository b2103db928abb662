"""The live-zone engine in-process: an Optimizer over a real SQLite store, no sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from headroom.config import Settings, resolve
from headroom.optimize import Optimizer, Outcome
from headroom.providers.headers import internal_headers
from headroom.providers.registry import Route
from headroom.store.secret import load_or_create_secret
from headroom.store.sqlite import SQLiteStore

MESSAGES = Route("provider", provider="anthropic", api="anthropic.messages", target=b"/v1/messages")


def settings(data_dir: str, **overrides: Any) -> Settings:
    flags = {"data_dir": data_dir, "port": "0"}
    flags.update({k: str(v) for k, v in overrides.items()})
    return resolve(flags, {}).settings


@contextmanager
def optimizer(data_dir: str, **overrides: Any) -> Iterator[Optimizer]:
    config = settings(data_dir, **overrides)
    store = SQLiteStore(config.data_dir, background=False)
    try:
        yield Optimizer(config, store, load_or_create_secret(config.data_dir))
    finally:
        store.close()


def run(opt: Optimizer, body: bytes, headers: Sequence[tuple[bytes, bytes]], route: Route = MESSAGES) -> Outcome:
    heads = tuple(headers)
    return asyncio.run(opt.run(route, heads, body, internal_headers(heads)))
