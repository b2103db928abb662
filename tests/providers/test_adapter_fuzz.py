"""Any JSON a client might send to a compressible route: every adapter either returns a view whose
spans decode to its texts, or refuses with JsonSpanError (the body is then forwarded untouched).
Values of every type land in every slot the adapters read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom.jsonspan import JsonSpanError
from headroom.providers.adapters import ADAPTERS

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8),
                    st.sampled_from(["user", "assistant", "tool", "model", "function_call", "function_call_output",
                                     "custom_tool_call_output", "local_shell_call", "reasoning", "message", "text",
                                     "input_text", "tool_result", "tool_use", "c1", "run"]))
KEYS = ["role", "type", "content", "text", "id", "call_id", "tool_call_id", "tool_use_id", "name", "arguments",
        "output", "input", "parts", "functionCall", "function_response", "functionResponse", "response", "args",
        "tool_calls", "function", "action", "messages", "contents", "prompt_cache_key", "metadata", "user_id"]
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)), max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(st.sampled_from(KEYS), values, max_size=5), spaced=st.booleans())
@pytest.mark.parametrize("api", sorted(ADAPTERS))
def test_adapters_return_valid_views_or_refuse(api: str, doc: dict[str, Any], spaced: bool) -> None:
    body = json.dumps(doc, separators=(", ", ": ") if spaced else (",", ":")).encode()
    try:
        view = ADAPTERS[api](body)
    except JsonSpanError:
        return
    for out in view.outputs:
        assert json.loads(body[out.span[0]:out.span[1]]) == out.text
    assert isinstance(view.first_user_text, str)
