"""Configuration: one settings table, resolved from flags, env, TOML file and defaults."""

from headroom.config.loader import Resolved, describe, resolve
from headroom.config.settings import FIELDS, Settings, env_of, flag_of

__all__ = ["FIELDS", "Resolved", "Settings", "describe", "env_of", "flag_of", "resolve"]
