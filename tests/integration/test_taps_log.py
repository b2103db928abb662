"""Response taps over loopback: for every provider, JSON and SSE answers reach the client byte-identical to
a direct answer, and the request log line carries usage (cache reads/writes), stop reason, mid-stream
errors and truncation; an unknown event/item type is warned about once across requests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.support import wait_until
from tests.support.fake_provider import FakeProvider
from tests.support.http_client import Response, request
from tests.support.proxy import ProxyHandle

LONG = "Please summarise the build log below. " * 80  # > 1 KiB: the fake's prefix cache reports reads
ANTHROPIC_H = [(b"x-api-key", b"k"), (b"anthropic-version", b"2023-06-01"), (b"Content-Type", b"application/json")]
OPENAI_H = [(b"Authorization", b"Bearer sk-test"), (b"Content-Type", b"application/json")]
GEMINI_H = [(b"x-goog-api-key", b"g"), (b"Content-Type", b"application/json")]
GEMINI = b"/v1beta/models/gemini-2.5-flash"


@dataclass(frozen=True)
class Case:
    name: str
    api: str
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: dict[str, Any]
    sse: bool

    def encoded(self) -> bytes:
        return json.dumps(self.body).encode()


def _anthropic(stream: bool) -> Case:
    content = [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}]
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": stream,
            "messages": [{"role": "user", "content": content}]}
    return Case(f"anthropic-{'sse' if stream else 'json'}", "anthropic.messages", b"/v1/messages", ANTHROPIC_H,
                body, stream)


def _chat(stream: bool) -> Case:
    body: dict[str, Any] = {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": LONG}]}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return Case(f"chat-{'sse' if stream else 'json'}", "openai.chat", b"/v1/chat/completions", OPENAI_H, body,
                stream)


def _responses(stream: bool) -> Case:
    body = {"model": "gpt-5", "stream": stream, "input": [{"role": "user", "content": LONG}]}
    return Case(f"responses-{'sse' if stream else 'json'}", "openai.responses", b"/v1/responses", OPENAI_H, body,
                stream)


def _gemini(kind: str) -> Case:
    body = {"contents": [{"role": "user", "parts": [{"text": LONG}]}]}
    target = {"json": GEMINI + b":generateContent", "sse": GEMINI + b":streamGenerateContent?alt=sse",
              "array": GEMINI + b":streamGenerateContent"}[kind]
    api = "gemini.generate" if kind == "json" else "gemini.stream"
    return Case(f"gemini-{kind}", api, target, GEMINI_H, body, kind == "sse")


CASES = [_anthropic(False), _anthropic(True), _chat(False), _chat(True), _responses(False), _responses(True),
         _gemini("json"), _gemini("sse"), _gemini("array")]
SSE_CASES = [c for c in CASES if c.sse]
ERRORS = {"anthropic.messages": "overloaded_error", "openai.chat": "server_error",
          "openai.responses": "server_error", "gemini.stream": "UNAVAILABLE"}


def _requests(proxy: ProxyHandle) -> list[dict[str, Any]]:
    return [r for r in (json.loads(line) for line in proxy.log_lines()) if r.get("event") == "request"]


def _send(port: int, case: Case, mode: str | None = None) -> Response:
    headers = [*case.headers, *([(b"x-fake-mode", mode.encode())] if mode else [])]
    return request(port, b"POST", case.target, headers, case.encoded())


def _via_proxy(proxy: ProxyHandle, case: Case, mode: str | None = None) -> tuple[Response, dict[str, Any]]:
    before = len(_requests(proxy))
    response = _send(proxy.port, case, mode)
    wait_until(lambda: len(_requests(proxy)) > before, what="the request log line")
    return response, _requests(proxy)[-1]


def _documents(case: Case, body: bytes) -> list[Any]:
    """The answer's JSON documents, read independently of the taps (one per SSE event, else the body)."""
    if not case.sse:
        doc = json.loads(body)
        return doc if isinstance(doc, list) else [doc]
    found = re.findall(rb"^data: ?(.*?)\r?$", body, re.MULTILINE)
    return [json.loads(d) for d in found if d != b"[DONE]"]


def _expected(case: Case, body: bytes) -> dict[str, Any]:
    """The log fields the answer implies, per the normalisation documented in providers/taps/result.py."""
    docs = _documents(case, body)
    if case.api == "anthropic.messages":
        usage = [u for d in docs if (u := d.get("usage") or d.get("message", {}).get("usage"))][-1]
        stop = [d.get("stop_reason") or d.get("delta", {}).get("stop_reason") for d in docs if "type" in d]
        fresh, read = usage["input_tokens"], usage["cache_read_input_tokens"]
        made = usage["cache_creation_input_tokens"]
        return {"usage_input": fresh, "usage_input_total": fresh + read + made, "usage_cache_read": read,
                "usage_cache_creation": made, "usage_output": usage["output_tokens"],
                "stop_reason": next(s for s in reversed(stop) if s)}
    if case.api.startswith("openai."):
        usage = next(d.get("usage") or d.get("response", {}).get("usage") for d in reversed(docs)
                     if d.get("usage") or d.get("response", {}).get("usage"))
        total = usage.get("prompt_tokens", usage.get("input_tokens"))
        details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
        output = usage.get("completion_tokens", usage.get("output_tokens"))
        stop = "completed" if case.api == "openai.responses" else next(
            c["finish_reason"] for d in docs for c in d.get("choices", []) if c.get("finish_reason"))
        return {"usage_input": total - details["cached_tokens"], "usage_input_total": total,
                "usage_cache_read": details["cached_tokens"], "usage_output": output, "stop_reason": stop}
    meta = docs[-1]["usageMetadata"]
    read = meta.get("cachedContentTokenCount")
    fields = {"usage_input": meta["promptTokenCount"] - (read or 0), "usage_input_total": meta["promptTokenCount"],
              "usage_output": meta["candidatesTokenCount"], "stop_reason": docs[-1]["candidates"][0]["finishReason"]}
    return fields | ({"usage_cache_read": read} if read is not None else {})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_answers_are_byte_identical_and_the_log_line_has_the_taps_fields(
    case: Case, proxy: ProxyHandle, fake: FakeProvider
) -> None:
    fake.reset()
    _send(fake.port, case)  # a first request warms the fake's prompt cache: the second reads from it
    direct = _send(fake.port, case)
    fake.reset()
    _via_proxy(proxy, case)
    via, log = _via_proxy(proxy, case)
    assert (via.status, via.body) == (direct.status, direct.body) == (200, direct.body)
    expected = _expected(case, direct.body)
    assert expected["usage_cache_read" if "usage_cache_read" in expected else "usage_input"] > 0
    assert {k: log.get(k) for k in expected} == expected
    assert log["api"] == case.api and log["stream_truncated"] is False and "stream_error" not in log
    assert "usage_unavailable" not in log


@pytest.mark.parametrize("case", SSE_CASES, ids=lambda c: c.name)
def test_a_mid_stream_error_is_in_the_log(case: Case, proxy: ProxyHandle, fake: FakeProvider) -> None:
    fake.reset()
    direct = _send(fake.port, case, "sse_error")
    fake.reset()
    via, log = _via_proxy(proxy, case, "sse_error")
    assert via.body == direct.body and via.complete
    assert log["stream_error"] == ERRORS[case.api]
    assert log["stream_error_message"]
    assert log["stream_truncated"] is False


@pytest.mark.parametrize("case", SSE_CASES, ids=lambda c: c.name)
def test_a_stream_without_its_end_event_is_truncated_in_the_log(
    case: Case, proxy: ProxyHandle, fake: FakeProvider
) -> None:
    via, log = _via_proxy(proxy, case, "sse_no_end")
    assert via.status == 200 and via.complete  # the HTTP body itself ended cleanly
    assert log["stream_truncated"] is True and log["truncated"] is False
    assert "stream_error" not in log


@pytest.mark.parametrize("case", SSE_CASES, ids=lambda c: c.name)
def test_an_upstream_cut_is_truncated_in_the_log(case: Case, proxy: ProxyHandle) -> None:
    via, log = _via_proxy(proxy, case, "close_mid_chunked")
    assert not via.complete
    assert log["stream_truncated"] is True and log["truncated"] is True


@pytest.mark.parametrize("case", SSE_CASES, ids=lambda c: c.name)
def test_an_unknown_type_is_warned_once_across_two_requests(case: Case, proxy: ProxyHandle) -> None:
    for _ in range(2):
        via, log = _via_proxy(proxy, case, "sse_unknown")
        assert via.status == 200 and log["stream_truncated"] is False and "usage_output" in log
    warnings = [json.loads(line) for line in proxy.log_lines()]
    warnings = [w for w in warnings if w.get("event") == "unknown_stream_type"]
    assert len(warnings) == 1, warnings
    assert warnings[0]["level"] == "warning" and warnings[0]["api"] == case.api
    assert "fake_future" in warnings[0]["type"] or "fakeFuture" in warnings[0]["type"]


def test_a_json_answer_over_the_inspection_cap_is_relayed_whole_and_marked_unavailable(proxy: ProxyHandle) -> None:
    case = _chat(False)
    via, log = _via_proxy(proxy, case, "huge:5000000")
    assert via.status == 200 and len(via.body) >= 5_000_000 and via.body.endswith(b"}")
    assert log["usage_unavailable"] == "JSON body over 4194304 bytes"
    assert "usage_input" not in log and log["stream_truncated"] is False


def test_a_long_event_stream_is_read_to_its_end(proxy: ProxyHandle) -> None:
    case = _anthropic(True)
    via, log = _via_proxy(proxy, case, "huge:3000000")
    assert via.status == 200 and len(via.body) >= 3_000_000
    assert log["stream_truncated"] is False and log["stop_reason"] == "end_turn"
    assert log["usage_output"] > 500_000


def test_a_big_json_answer_is_decoded_for_usage_off_the_event_loop(proxy: ProxyHandle,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Between 512 KB and the 4 MiB cap, the tap's one JSON decode runs in a worker thread (json.loads
    of a few MB would stall every other connection for milliseconds); the fields are the same."""
    import threading

    from headroom.providers.taps import base

    threads: list[str] = []
    real = base.load

    def recording(data: bytes) -> Any:
        threads.append(threading.current_thread().name)
        return real(data)

    monkeypatch.setattr(base, "load", recording)
    case = _chat(False)
    via, log = _via_proxy(proxy, case, "huge:2000000")
    _, small_log = _via_proxy(proxy, case)
    assert via.status == 200 and len(via.body) >= 2_000_000
    assert log["usage_input_total"] == _expected(case, via.body)["usage_input_total"]
    assert "usage_unavailable" not in log and small_log["usage_output"] >= 0

    async def loop_thread() -> str:
        return threading.current_thread().name

    on_loop = proxy.call(loop_thread())
    assert threads[1] == on_loop  # a small answer: decoded inline
    assert threads[0] != on_loop  # the 2 MB one: in a worker thread
