"""Normal mode: every provider route answers like the real API, deterministically, over keep-alive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.client import Client, Response, get, post
from tests.support.fake_provider import TEXT, FakeProvider

ANTHROPIC = [("anthropic-version", "2023-06-01"), ("x-api-key", "sk-test"), ("Content-Type", "application/json")]
OPENAI = [("Authorization", "Bearer sk-test"), ("Content-Type", "application/json")]
GEMINI = [("x-goog-api-key", "g-test"), ("Content-Type", "application/json")]
ANTHROPIC_BODY = {"model": "claude-x", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
CHAT_BODY = {"model": "gpt-x", "messages": [{"role": "user", "content": "hi"}]}
RESPONSES_BODY = {"model": "gpt-x", "input": "hi"}
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def _json(body: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({**body, **extra}).encode()


def sse_events(response: Response) -> list[tuple[str | None, str]]:
    """(event name, data) pairs of an SSE body with LF or CRLF line endings."""
    text = response.body.decode("utf-8").replace("\r\n", "\n")
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields.get("event"), fields["data"]))
    return events


def assert_sse(response: Response) -> None:
    assert response.status == 200
    assert response.header(b"transfer-encoding") == b"chunked"
    assert response.header(b"content-length") is None
    assert (response.header(b"content-type") or b"").startswith(b"text/event-stream")
    assert response.complete
    assert "🙂".encode() in response.body


def assert_json(response: Response, status: int = 200) -> Any:
    assert response.status == status
    assert response.header(b"content-length") == str(len(response.body)).encode()
    assert response.header(b"transfer-encoding") is None
    assert TEXT.encode() in response.body
    return json.loads(response.body)


def test_anthropic_messages_json(provider: FakeProvider) -> None:
    response = post(provider.port, "/v1/messages?beta=true", _json(ANTHROPIC_BODY), ANTHROPIC)
    message = assert_json(response)
    assert message["type"] == "message" and message["model"] == "claude-x"
    assert message["content"] == [{"type": "text", "text": TEXT}]
    assert {"input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"} <= set(message["usage"])
    assert (response.header(b"request-id") or b"").startswith(b"req_")


def test_anthropic_messages_sse(provider: FakeProvider) -> None:
    response = post(provider.port, "/v1/messages", _json(ANTHROPIC_BODY, stream=True), ANTHROPIC)
    assert_sse(response)
    events = sse_events(response)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(json.loads(d)["delta"]["text"] for n, d in events if n == "content_block_delta")
    assert text == TEXT
    assert json.loads(events[0][1])["message"]["usage"]["cache_read_input_tokens"] == 0
    assert response.header(b"request-id") is not None


def test_anthropic_count_tokens_and_models(provider: FakeProvider) -> None:
    counted = assert_json(post(provider.port, "/v1/messages/count_tokens", _json(ANTHROPIC_BODY), ANTHROPIC))
    assert counted["input_tokens"] >= 1
    models = assert_json(get(provider.port, "/v1/models", ANTHROPIC))
    assert models["data"][0]["type"] == "model" and models["has_more"] is False


def test_openai_chat_json_and_sse(provider: FakeProvider) -> None:
    completion = assert_json(post(provider.port, "/v1/chat/completions", _json(CHAT_BODY), OPENAI))
    assert completion["choices"][0]["message"]["content"] == TEXT
    streamed = post(provider.port, "/v1/chat/completions",
                    _json(CHAT_BODY, stream=True, stream_options={"include_usage": True}), OPENAI)
    assert_sse(streamed)
    events = sse_events(streamed)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == TEXT
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] >= 1
    assert streamed.header(b"x-request-id") is not None


def test_openai_responses_json_and_sse(provider: FakeProvider) -> None:
    response = assert_json(post(provider.port, "/v1/responses", _json(RESPONSES_BODY), OPENAI))
    assert response["output"][0]["content"][0]["text"] == TEXT and response["status"] == "completed"
    streamed = post(provider.port, "/v1/responses", _json(RESPONSES_BODY, stream=True), OPENAI)
    assert_sse(streamed)
    events = sse_events(streamed)
    assert events[0][0] == "response.created" and events[-1][0] == "response.completed"
    sequence = [json.loads(d)["sequence_number"] for _, d in events]
    assert sequence == list(range(len(events)))
    assert json.loads(events[-1][1])["response"]["output"][0]["content"][0]["text"] == TEXT


def test_openai_embeddings_and_models(provider: FakeProvider) -> None:
    body = json.dumps({"model": "text-embedding-3-small", "input": ["a", "b"]}).encode()
    embeddings = assert_json(post(provider.port, "/v1/embeddings", body, OPENAI))
    assert [d["index"] for d in embeddings["data"]] == [0, 1]
    assert embeddings["data"][0]["embedding"] != embeddings["data"][1]["embedding"]
    models = assert_json(get(provider.port, "/v1/models", OPENAI))
    assert models["object"] == "list"


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_gemini_generate_stream_and_count(provider: FakeProvider, version: str) -> None:
    base = f"/{version}/models/gemini-2.5-flash"
    generated = assert_json(post(provider.port, base + ":generateContent", _json(GEMINI_BODY), GEMINI))
    assert generated["candidates"][0]["content"]["parts"][0]["text"] == TEXT
    streamed = post(provider.port, base + ":streamGenerateContent?alt=sse", _json(GEMINI_BODY), GEMINI)
    assert_sse(streamed)
    assert b"\r\n\r\n" in streamed.body
    chunks = [json.loads(d) for _, d in sse_events(streamed)]
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks) == TEXT
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    array = assert_json(post(provider.port, base + ":streamGenerateContent", _json(GEMINI_BODY), GEMINI))
    assert isinstance(array, list) and array[0]["candidates"][0]["finishReason"] == "STOP"
    counted = assert_json(post(provider.port, base + ":countTokens", _json(GEMINI_BODY), GEMINI))
    assert counted["totalTokens"] >= 1


def test_unknown_paths_and_methods(provider: FakeProvider) -> None:
    missing = assert_json(get(provider.port, "/v1/nothing-here", OPENAI), 404)
    assert missing["error"]["type"] == "invalid_request_error"
    anthropic_missing = assert_json(post(provider.port, "/v2/messages", b"{}", ANTHROPIC), 404)
    assert anthropic_missing["error"]["type"] == "not_found_error"
    assert assert_json(get(provider.port, "/v1/messages", ANTHROPIC), 405)["type"] == "error"


def test_malformed_json_gets_a_provider_400(provider: FakeProvider) -> None:
    error = assert_json(post(provider.port, "/v1/messages", b'{"model": "x",', ANTHROPIC), 400)
    assert error["error"]["type"] == "invalid_request_error"
    gemini = assert_json(post(provider.port, "/v1/models/g:generateContent", b"[1]", GEMINI), 400)
    assert gemini["error"]["status"] == "INVALID_ARGUMENT"


def test_head_gets_the_get_head_without_body(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        head = client.request("HEAD", "/v1/models", headers=OPENAI)
        full = client.request("GET", "/v1/models", headers=OPENAI)
    assert head.status == full.status == 200 and head.body == b""
    assert head.header(b"content-length") == full.header(b"content-length")


def test_many_requests_on_one_connection(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        for i in range(20):
            stream = i % 2 == 1
            response = client.request("POST", "/v1/chat/completions", _json(CHAT_BODY, stream=stream), OPENAI)
            assert response.status == 200 and response.complete
    assert provider.connections == 1
    assert len(provider.requests) == 20
    assert {r.conn_id for r in provider.requests} == {provider.requests[0].conn_id}


def test_answers_are_deterministic() -> None:
    bodies = []
    for _ in range(2):
        fake = FakeProvider()
        with fake.running():
            bodies.append([
                post(fake.port, "/v1/messages", _json(ANTHROPIC_BODY, stream=True), ANTHROPIC).body,
                post(fake.port, "/v1/responses", _json(RESPONSES_BODY), OPENAI).body,
            ])
    assert bodies[0] == bodies[1]


def test_every_response_body_carries_multibyte_utf8(provider: FakeProvider) -> None:
    responses = [
        post(provider.port, "/v1/messages/count_tokens", b"{}", ANTHROPIC),
        post(provider.port, "/v1/embeddings", b'{"input": "x"}', OPENAI),
        get(provider.port, "/v1beta/models", GEMINI),
        get(provider.port, "/nope", OPENAI),
        post(provider.port, "/v1/responses", b"not json", OPENAI),
        post(provider.port, "/v1/responses", b"{}", [("Content-Length", "+2")]),  # malformed request: 400
    ]
    for response in responses:
        assert "世界 🙂".encode() in response.body
