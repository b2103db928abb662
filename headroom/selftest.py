"""``headroom selftest``: check that this host can run the proxy, without serving anything.

Each check prints one line, ``ok`` or ``FAIL``, with what it saw; a summary line follows. The exit
status is 0 when every check passed, else 1. Checks are independent: a failure never stops the
next one, so one run shows every problem. Nothing touches the network.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import ssl
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from headroom import tokens
from headroom.config import Settings

MIN_PYTHON = (3, 11)
DATA_DIR_MODE = 0o700
# Known o200k_base/cl100k_base token ids of a fixed text (from tiktoken's published encodings).
KNOWN_TEXT = "hello world"
KNOWN_IDS = {"o200k_base": [24912, 2375], "cl100k_base": [15339, 1917]}
ROUND_TRIP_TEXT = "Grüße, 世界! def f(x):\n\treturn x ** 2  # <|endoftext|> 12345"


class CheckError(Exception):
    """A check saw something wrong; the message is the detail printed after FAIL."""


Check = Callable[[Settings], str]


def check_python(settings: Settings) -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        raise CheckError(f"Python {version} is older than {'.'.join(map(str, MIN_PYTHON))}")
    return f"Python {version} ({sys.executable or 'unknown interpreter'})"


def check_settings(settings: Settings) -> str:
    return (
        f"host={settings.host} port={settings.port} data_dir={settings.data_dir} "
        f"compression_mode={settings.compression_mode}"
    )


def check_bundled_data(settings: Settings) -> str:
    sizes = []
    for name in tokens.ENCODINGS:
        try:
            ranks = tokens.load_ranks(name)
        except tokens.TokenizerDataError as exc:
            raise CheckError(str(exc)) from exc
        sizes.append(f"{name} ({len(ranks)} ranks)")
    return "SHA-256 verified: " + ", ".join(sizes)


def check_tokenizer(settings: Settings) -> str:
    name = "o200k_base"
    try:
        enc = tokens.encoding(name)
    except tokens.TokenizerDataError as exc:
        raise CheckError(str(exc)) from exc
    ids = enc.encode_ordinary(ROUND_TRIP_TEXT)
    if enc.decode(ids) != ROUND_TRIP_TEXT:
        raise CheckError(f"{name}: decode(encode(text)) differs from text")
    known = enc.encode_ordinary(KNOWN_TEXT)
    if known != KNOWN_IDS[name]:
        raise CheckError(f"{name}: {KNOWN_TEXT!r} encodes to {known}, expected {KNOWN_IDS[name]}")
    return f"{name} round trip ok ({len(ids)} tokens), {KNOWN_TEXT!r} -> {known}"


def _os_detail(exc: OSError) -> str:
    return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")


def _data_dir(settings: Settings) -> Path:
    if not settings.data_dir:
        raise CheckError("no data directory resolved")
    return Path(settings.data_dir)


def check_data_dir(settings: Settings) -> str:
    path = _data_dir(settings)
    probe = path / f".selftest-{uuid.uuid4().hex}"
    try:
        path.mkdir(mode=DATA_DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise CheckError(f"{path} exists and is not a directory") from exc
    except OSError as exc:
        raise CheckError(f"cannot create {path}: {_os_detail(exc)}") from exc
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"headroom selftest\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise CheckError(f"{path} is not writable: {_os_detail(exc)}") from exc
    mode = path.stat().st_mode & 0o777
    loose = " (readable by others: consider chmod 700)" if mode & 0o077 else ""
    return f"{path} writable, mode {mode:04o}{loose}"


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def check_sqlite(settings: Settings) -> str:
    directory = _data_dir(settings)
    if not directory.is_dir():
        raise CheckError(f"not checked: data dir {directory} is not a usable directory")
    path = directory / f".selftest-{uuid.uuid4().hex}.sqlite3"
    try:
        conn = sqlite3.connect(path, timeout=5.0)
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            conn.execute("CREATE TABLE probe (k TEXT PRIMARY KEY, v BLOB)")
            with conn:
                conn.execute("INSERT INTO probe VALUES (?, ?)", ("k", b"v"))
            row = conn.execute("SELECT v FROM probe WHERE k = 'k'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise CheckError(f"SQLite {sqlite3.sqlite_version} cannot use {path}: {exc}") from exc
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            _remove_quietly(Path(f"{path}{suffix}"))
    if str(mode).lower() != "wal":
        raise CheckError(f"SQLite {sqlite3.sqlite_version}: journal_mode=WAL gave {mode!r}")
    if row != (b"v",):
        raise CheckError(f"SQLite {sqlite3.sqlite_version}: read back {row!r}")
    return f"SQLite {sqlite3.sqlite_version}, WAL ok in {path.parent}"


def check_upstreams(settings: Settings) -> str:
    shown = []
    for label, url in (
        ("anthropic", settings.anthropic_upstream),
        ("openai", settings.openai_upstream),
        ("gemini", settings.gemini_upstream),
    ):
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise CheckError(f"{label} upstream {url!r}: {exc}") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CheckError(f"{label} upstream {url!r} is not an http(s) origin")
        shown.append(f"{label}={parts.scheme}://{parts.hostname}:{port}")
    return " ".join(shown)


def check_tls(settings: Settings) -> str:
    try:
        context = ssl.create_default_context()
        if settings.ca_bundle:
            context.load_verify_locations(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        where = settings.ca_bundle or "the system store"
        raise CheckError(f"cannot load CA certificates from {where}: {exc}") from exc
    extra = f" + {settings.ca_bundle}" if settings.ca_bundle else ""
    return f"{ssl.OPENSSL_VERSION}; {context.cert_store_stats()['x509_ca']} CA certificates{extra}"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("python", check_python),
    ("settings", check_settings),
    ("bundled data", check_bundled_data),
    ("tokenizer", check_tokenizer),
    ("data dir", check_data_dir),
    ("sqlite", check_sqlite),
    ("upstreams", check_upstreams),
    ("tls", check_tls),
)


def run_selftest(settings: Settings, out: TextIO | None = None) -> int:
    """Run every check, print one line each and a summary; 0 if all passed, else 1."""
    stream = sys.stdout if out is None else out
    width = max(len(name) for name, _ in CHECKS)
    failed = []
    started = time.perf_counter()
    for name, check in CHECKS:
        try:
            status, detail = "ok  ", check(settings)
        except CheckError as exc:
            status, detail = "FAIL", str(exc)
        except Exception as exc:  # a selftest reports every fault, it never crashes on one
            status, detail = "FAIL", f"unexpected {type(exc).__name__}: {exc}"
        if status == "FAIL":
            failed.append(name)
        print(f"{status} {name.ljust(width)}  {detail}", file=stream, flush=True)
    elapsed = time.perf_counter() - started
    if failed:
        print(f"selftest FAILED: {len(failed)} of {len(CHECKS)} checks ({', '.join(failed)}) in {elapsed:.2f}s",
              file=stream)
        return 1
    print(f"selftest ok: all {len(CHECKS)} checks in {elapsed:.2f}s", file=stream)
    return 0
