"""Resolve settings from flags, environment, an optional TOML file and defaults.

Precedence: flag > env > file > default. Every value goes through the same validation, so a bad
value fails the same way wherever it came from: :class:`~headroom.errors.ConfigError`, which the
CLI turns into a clear message and exit status 2.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headroom.config.settings import FIELDS, NAMES, Settings, env_of, flag_of
from headroom.errors import ConfigError

_INT_RE = re.compile(r"[0-9]{1,19}")
_FLOAT_RE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
_URL_PATH_RE = re.compile(r"(/[\x21-\x7e]*)?")
_AUTH_MODES = frozenset({"payg", "oauth", "subscription"})
_GLOB_RE = re.compile(r"[+-]?[A-Za-z0-9_.*?\[\]:/-]+")


@dataclass(frozen=True, slots=True)
class Resolved:
    settings: Settings
    sources: Mapping[str, str]  # name -> "flag" | "env" | "file" | "default"


def _where(name: str, source: str) -> str:
    if source == "flag":
        return flag_of(name)
    if source == "env":
        return env_of(name)
    return f"config file key '{name}'"


def _convert(field: dataclasses.Field[Any], raw: Any, source: str) -> Any:
    """Turn one raw value (string from flag/env, or TOML value) into the field's type."""
    meta = field.metadata
    where = _where(field.name, source)
    ftype = field.type if isinstance(field.type, str) else field.type.__name__
    value: Any
    if ftype == "int":
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ConfigError(f"{where}: expected an integer, got {raw!r}")
        if isinstance(raw, str) and not _INT_RE.fullmatch(raw):
            raise ConfigError(f"{where}: expected a non-negative integer, got {raw!r}")
        value = int(raw)
    elif ftype == "float":
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ConfigError(f"{where}: expected a number of seconds, got {raw!r}")
        if isinstance(raw, str) and not _FLOAT_RE.fullmatch(raw):
            raise ConfigError(f"{where}: expected a number of seconds, got {raw!r}")
        value = float(raw)
    else:
        if not isinstance(raw, str):
            raise ConfigError(f"{where}: expected a string, got {raw!r}")
        value = raw
    lo, hi = meta["minimum"], meta["maximum"]
    if lo is not None and value < lo:
        raise ConfigError(f"{where}: {value!r} is below the minimum {lo}")
    if hi is not None and value > hi:
        raise ConfigError(f"{where}: {value!r} is above the maximum {hi}")
    choices = meta["choices"]
    if choices is not None and value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    _check_kind(meta["kind"], value, where)
    return value


def _check_kind(kind: str | None, value: Any, where: str) -> None:
    if kind == "url":
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: expected an http:// or https:// origin, got {value!r}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ConfigError(f"{where}: an upstream URL takes no query, fragment or credentials")
        if not _URL_PATH_RE.fullmatch(parts.path):
            raise ConfigError(f"{where}: the path of an upstream URL must be plain ASCII without spaces")
        try:
            _ = parts.port
        except ValueError as exc:
            raise ConfigError(f"{where}: bad port in {value!r}") from exc
    elif kind == "path" and value and "\x00" in value:
        raise ConfigError(f"{where}: a path cannot contain NUL")
    elif kind == "authmodes":
        modes = [m.strip() for m in value.split(",") if m.strip()]
        bad = [m for m in modes if m not in _AUTH_MODES]
        if bad:
            raise ConfigError(f"{where}: unknown auth mode(s) {', '.join(bad)}; use payg, oauth, subscription")
    elif kind == "globs":
        globs = [g.strip() for g in value.split(",") if g.strip()]
        bad = [g for g in globs if not _GLOB_RE.fullmatch(g)]
        if bad:
            raise ConfigError(f"{where}: bad tool glob(s) {', '.join(map(repr, bad))}")


def read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {path}: invalid TOML: {exc}") from exc
    unknown = sorted(k for k in data if k.replace("-", "_") not in NAMES)
    if unknown:
        raise ConfigError(f"--config {path}: unknown key(s): {', '.join(unknown)}")
    return {k.replace("-", "_"): v for k, v in data.items()}


def resolve(
    flags: Mapping[str, str], environ: Mapping[str, str], config_file: str | None = None
) -> Resolved:
    """Build Settings; ``flags`` holds only the flags given on the command line (raw strings)."""
    known_env = {env_of(n) for n in NAMES} | {"HEADROOM_CONFIG"}
    unknown_env = sorted(k for k in environ if k.startswith("HEADROOM_") and k not in known_env)
    if unknown_env:
        raise ConfigError(f"unknown environment variable(s): {', '.join(unknown_env)}")
    path = config_file or environ.get("HEADROOM_CONFIG") or None
    file_values = read_toml(path) if path else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for f in FIELDS:
        if f.name in flags:
            values[f.name], sources[f.name] = _convert(f, flags[f.name], "flag"), "flag"
        elif env_of(f.name) in environ:
            values[f.name], sources[f.name] = _convert(f, environ[env_of(f.name)], "env"), "env"
        elif f.name in file_values:
            values[f.name], sources[f.name] = _convert(f, file_values[f.name], "file"), "file"
        else:
            sources[f.name] = "default"
    settings = Settings(**values)
    if not settings.data_dir:
        settings = dataclasses.replace(settings, data_dir=str(default_data_dir(environ)))
    _check_bind(settings)
    return Resolved(settings, sources)


def default_data_dir(environ: Mapping[str, str]) -> Path:
    state = environ.get("STATE_DIRECTORY", "")
    if state:
        return Path(state.split(":")[0])
    xdg = environ.get("XDG_STATE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "headroom"


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_bind(settings: Settings) -> None:
    if not is_loopback_host(settings.host) and not settings.proxy_token:
        raise ConfigError(
            f"--host {settings.host}: a non-loopback bind requires --proxy-token "
            "(HEADROOM_PROXY_TOKEN); headroom is never an open proxy"
        )


def describe(resolved: Resolved) -> list[tuple[str, str, str]]:
    """(name, shown value, source) rows for print-config; secrets are redacted."""
    rows = []
    for f in FIELDS:
        value = getattr(resolved.settings, f.name)
        shown = ("<redacted>" if value else "") if f.metadata["secret"] else str(value)
        rows.append((f.name, shown, resolved.sources[f.name]))
    return rows
