"""Shared hypothesis settings and text strategies for the fast-path equivalence tests."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

EXAMPLES = settings(max_examples=200, deadline=None)


def texts(fragments: list[str], alphabet: str = "ab1 :-.\n\t") -> st.SearchStrategy[str]:
    """Texts glued from meaningful fragments and random characters."""
    piece = st.sampled_from(fragments) | st.text(alphabet=alphabet, max_size=6)
    return st.lists(piece, max_size=40).map("".join)
