"""The request log line carries the provider's token usage (cache reads/writes), JSON and SSE."""

from __future__ import annotations

import json

from tests.support.fake_provider import FakeProvider
from tests.support.http_client import request
from tests.support.proxy import ProxyHandle

HEADERS = [(b"x-api-key", b"k"), (b"anthropic-version", b"2023-06-01"), (b"Content-Type", b"application/json")]


def _last_request_log(proxy: ProxyHandle) -> dict[str, object]:
    lines = [json.loads(line) for line in proxy.log_lines()]
    return [rec for rec in lines if rec.get("event") == "request"][-1]


def test_usage_fields_for_json_and_sse_answers(proxy: ProxyHandle, fake: FakeProvider) -> None:
    for stream in (False, True):
        body = json.dumps({"model": "m", "max_tokens": 5, "stream": stream,
                           "messages": [{"role": "user", "content": "hi " * 50}]}).encode()
        resp = request(proxy.port, b"POST", b"/v1/messages", HEADERS, body)
        assert resp.status == 200
        log = _last_request_log(proxy)
        assert isinstance(log.get("usage_input"), int)
        assert isinstance(log.get("usage_output"), int)
        assert "usage_cache_read" in log and "usage_cache_creation" in log
