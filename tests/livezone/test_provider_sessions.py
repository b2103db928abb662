"""Replay across turns (I1, I3) for the OpenAI Chat, OpenAI Responses and Gemini adapters over
generated sessions, in-process: only tool-output strings change, a block is compressed only when
first seen live, every later copy is byte-identical, and a retried session is all replays. The
adapter's outputs match the independent locator exactly."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom.optimize import Optimizer
from headroom.providers.adapters import adapter_for
from headroom.providers.registry import Route
from tests.livezone import engine, provider_strategies
from tests.livezone.checks import check_session
from tests.livezone.locators import LOCATORS
from tests.livezone.samples import log_output

_ids = itertools.count()
ROUTES = {
    "openai.chat": (Route("provider", provider="openai", api="openai.chat", target=b"/v1/chat/completions"),
                    b"authorization", b"Bearer sk-proj-TEST"),
    "openai.responses": (Route("provider", provider="openai", api="openai.responses", target=b"/v1/responses"),
                         b"authorization", b"Bearer sk-proj-TEST"),
    "gemini.generate": (Route("provider", provider="gemini", api="gemini.generate",
                              target=b"/v1beta/models/g:generateContent"), b"x-goog-api-key", b"AIzaTEST"),
}


@pytest.fixture(scope="module")
def opt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Optimizer]:
    with engine.optimizer(str(tmp_path_factory.mktemp("providers"))) as optimizer:
        yield optimizer


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
@pytest.mark.parametrize("api", sorted(ROUTES))
def test_generated_sessions_replay(opt: Optimizer, api: str, data: st.DataObject) -> None:
    bodies = data.draw(provider_strategies.session(api))
    route, name, value = ROUTES[api]
    n = next(_ids)  # a new conversation: Gemini has no session id, so a new key (another fingerprint)
    heads = [(b"content-type", b"application/json"), (name, value + str(n).encode()), (b"session-id", f"s{n}".encode())]
    outcomes = [engine.run(opt, body, heads, route) for body in bodies]
    assert all(o.decision in ("compressed", "no_change") for o in outcomes), [o.reason for o in outcomes]
    stats = check_session([(b, o.body) for b, o in zip(bodies, outcomes, strict=True)], api)
    assert stats.edited_blocks == sum(o.compressed for o in outcomes)
    assert stats.replayed_blocks == sum(o.replayed for o in outcomes)
    assert [engine.run(opt, body, heads, route).body for body in bodies] == [o.body for o in outcomes]
    adapter = adapter_for(api)
    assert adapter is not None
    for body in bodies:
        tree = json.loads(body)
        for live_only in (False, True):
            want = list(_values(tree, LOCATORS[api](tree, live_only)))
            got = [o.text for o in adapter(body).outputs if o.live or not live_only]
            assert got == want


def _values(tree: object, paths: dict[tuple[str | int, ...], tuple[str, str]]) -> Iterator[str]:
    for path in paths:  # document order, as the adapter reports them
        node = tree
        for step in path:
            node = node[step]  # type: ignore[index]
        assert isinstance(node, str)
        yield node


def test_codex_frame_is_kept_verbatim_and_only_the_payload_compressed(opt: Optimizer) -> None:
    frame = ("Chunk ID: 0a1b2c\nWall time: 0.2 seconds\nProcess exited with code 1\n"
             "Original token count: 9000\nOutput:\n")
    original = frame + log_output(30_000, seed=77)
    body = json.dumps({"model": "gpt-5", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "why does it fail?"}]},
        {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{\"cmd\":\"make\"}"},
        {"type": "function_call_output", "call_id": "c1", "output": original}]}).encode()
    route, name, value = ROUTES["openai.responses"]
    out = engine.run(opt, body, [(name, value), (b"session-id", b"frame-test")], route)
    sent = json.loads(out.body)["input"][2]["output"]
    assert out.decision == "compressed" and len(sent) < len(original) // 2
    assert sent.startswith(frame) and not sent[len(frame):].startswith(frame)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_cache_key_on_some_requests_only_keeps_one_set_of_forwarded_bytes(opt: Optimizer,
                                                                            data: st.DataObject) -> None:
    """The openai SDK sends prompt_cache_key on its streaming calls only: requests with and without
    it are one conversation, and every block is forwarded as it was first forwarded in either."""
    bodies = data.draw(provider_strategies.session("openai.chat"))
    flags = data.draw(st.lists(st.booleans(), min_size=len(bodies), max_size=len(bodies)))
    n = next(_ids)
    keyed = [b'{"prompt_cache_key":"pck-%d",' % n + body[1:] if flag else body
             for body, flag in zip(bodies, flags, strict=True)]
    route, name, value = ROUTES["openai.chat"]
    heads = [(name, value + str(n).encode())]  # no session header: the body's key, else the credential
    outcomes = [engine.run(opt, body, heads, route) for body in keyed]
    stats = check_session([(b, o.body) for b, o in zip(keyed, outcomes, strict=True)], "openai.chat")
    assert stats.edited_blocks == sum(o.compressed for o in outcomes)
    assert stats.replayed_blocks == sum(o.replayed for o in outcomes)
    assert len({o.fields["session"] for o in outcomes if "session" in o.fields}) <= 1
