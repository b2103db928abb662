"""Fail open (I8) for the OpenAI Chat, OpenAI Responses and Gemini adapters, through the live proxy.

Each API's control body has a compressible live tool output and is compressed; every trap planted
in it (malformed JSON, duplicate keys on the edited path, lone surrogates, NaN, a BOM, deep
nesting) is forwarded byte-identical with a passthrough decision, and the provider's answer is
relayed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from tests.livezone.proxyrun import Sent, post, proxy
from tests.livezone.samples import log_output
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

LOG = log_output(20_000, seed=41)


def _chat() -> bytes:
    return json.dumps({"model": "m", "messages": [
        {"role": "user", "content": "run the tests"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "shell", "arguments": "{\"command\":\"make\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": LOG}]}, separators=(",", ":")).encode()


def _responses() -> bytes:
    return json.dumps({"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run the tests"}]},
        {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{\"cmd\":\"make\"}"},
        {"type": "function_call_output", "call_id": "c1", "output": LOG}]}, separators=(",", ":")).encode()


def _gemini() -> bytes:
    return json.dumps({"contents": [
        {"role": "user", "parts": [{"text": "run the tests"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "run", "args": {"command": "make"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "run", "response": {"output": LOG}}}]}]}).encode()


APIS: dict[str, tuple[Callable[[], bytes], bytes, tuple[bytes, bytes], tuple[bytes, bytes]]] = {
    # control body, target, credential header, (the member holding the live output, the history's)
    "chat": (_chat, b"/v1/chat/completions", (b"authorization", b"Bearer sk-test"), (b'"content":', b'"messages"')),
    "responses": (_responses, b"/v1/responses", (b"authorization", b"Bearer sk-test"), (b'"output":', b'"input"')),
    "gemini": (_gemini, b"/v1beta/models/g:generateContent", (b"x-goog-api-key", b"AIzaTEST"),
               (b'"output": ', b'"contents"')),
}


def _dup(member: bytes) -> Callable[[bytes], bytes]:
    def plant(body: bytes) -> bytes:
        at = body.rindex(member)
        return body[:at] + member + b'"short",' + body[at:]
    return plant


def _in_live(raw: bytes) -> Callable[[bytes], bytes]:
    def plant(body: bytes) -> bytes:
        at = body.rindex(b"INFO  [worker-")
        return body[:at] + raw + body[at:]
    return plant


TRAPS: dict[str, Callable[[bytes, tuple[bytes, bytes]], bytes]] = {
    "truncated": lambda b, _m: b[:-1],
    "trailing-garbage": lambda b, _m: b + b"x",
    "dup-live-member": lambda b, m: _dup(m[0])(b),
    "dup-history": lambda b, m: b[:1] + m[1] + b":[]," + b[1:],
    "lone-surrogate-in-live": lambda b, _m: _in_live(b"\\ud800")(b),
    "nan": lambda b, _m: b[:1] + b'"temperature":NaN,' + b[1:],
    "bom": lambda b, _m: b"\xef\xbb\xbf" + b,
    "deep": lambda b, _m: b[:1] + b'"x":' + b"[" * 100_000 + b"]" * 100_000 + b"," + b[1:],
}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeProvider, ProxyHandle]]:
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path_factory.mktemp("failopen"))) as handle:
        yield fake, handle


def _send(running: tuple[FakeProvider, ProxyHandle], api: str, body: bytes) -> Sent:
    fake, handle = running
    _, target, credential, _ = APIS[api]
    return post(handle, fake, body, [(b"Content-Type", b"application/json"), credential], target=target)


@pytest.mark.parametrize("api", sorted(APIS))
def test_control_is_compressed(running: tuple[FakeProvider, ProxyHandle], api: str) -> None:
    sent = _send(running, api, APIS[api][0]())
    assert sent.log["decision"] == "compressed" and len(sent.upstream) < len(sent.client) // 2
    assert sent.response.status == 200


@pytest.mark.parametrize("trap", sorted(TRAPS))
@pytest.mark.parametrize("api", sorted(APIS))
def test_trap_is_forwarded_untouched(running: tuple[FakeProvider, ProxyHandle], api: str, trap: str) -> None:
    make, _, _, member = APIS[api]
    body = TRAPS[trap](make(), member)
    sent = _send(running, api, body)
    assert sent.upstream == body
    assert sent.log["decision"] == "passthrough" and str(sent.log["reason"]).startswith("error:"), sent.log


@pytest.mark.parametrize("target", [b"/v1/responses/compact", b"/v1/conversations/conv_1/items"])
def test_compact_and_conversations_bodies_are_never_edited(running: tuple[FakeProvider, ProxyHandle],
                                                           target: bytes) -> None:
    fake, handle = running
    body = _responses()  # the same compressible function_call_output
    sent = post(handle, fake, body, [(b"Content-Type", b"application/json"), (b"authorization", b"Bearer sk-t")],
                target=target)
    assert sent.upstream == body
    assert sent.log["decision"] == "passthrough" and sent.log["reason"] == "route"
