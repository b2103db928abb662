"""Each provider tap's synthetic stream (every event and delta type of its API), fed whole, split at
any positions, or byte by byte: the same result every time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.providers.taps import test_anthropic, test_gemini, test_openai_chat, test_openai_responses
from tests.providers.taps.support import run, run_bytewise

STREAMS = {m.API: m.BODY for m in (test_anthropic, test_openai_chat, test_openai_responses, test_gemini)}


@pytest.mark.parametrize("api", sorted(STREAMS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_split_gives_the_same_result(api: str, data: st.DataObject) -> None:
    body = STREAMS[api]
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=10))
    assert run(api, body, cuts) == run(api, body)


@pytest.mark.parametrize("api", sorted(STREAMS))
def test_byte_by_byte(api: str) -> None:
    assert run_bytewise(api, STREAMS[api]) == run(api, STREAMS[api])
