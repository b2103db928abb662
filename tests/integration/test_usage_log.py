"""The request log line carries the provider's token usage (cache reads/writes), JSON and SSE."""

from __future__ import annotations

import json

from tests.integration.support import wait_until
from tests.support.fake_provider import FakeProvider
from tests.support.http_client import request
from tests.support.proxy import ProxyHandle

HEADERS = [(b"x-api-key", b"k"), (b"anthropic-version", b"2023-06-01"), (b"Content-Type", b"application/json")]


def _request_logs(proxy: ProxyHandle) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in proxy.log_lines()]
    return [rec for rec in lines if rec.get("event") == "request"]


def test_usage_fields_for_json_and_sse_answers(proxy: ProxyHandle, fake: FakeProvider) -> None:
    for n, stream in enumerate((False, True), start=1):
        body = json.dumps({"model": "m", "max_tokens": 5, "stream": stream,
                           "messages": [{"role": "user", "content": "hi " * 50}]}).encode()
        resp = request(proxy.port, b"POST", b"/v1/messages", HEADERS, body)
        assert resp.status == 200
        # the log line is written just after the answer went out: wait for it
        wait_until(lambda n=n: len(_request_logs(proxy)) >= n, what="the request log line")  # type: ignore[misc]
        log = _request_logs(proxy)[-1]
        assert isinstance(log.get("usage_input"), int)
        assert isinstance(log.get("usage_output"), int)
        assert "usage_cache_read" in log and "usage_cache_creation" in log
