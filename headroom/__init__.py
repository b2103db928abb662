"""headroom: a cache-safe, live-zone-only compression proxy for LLM APIs."""

__version__ = "0.1.0"
