"""Many clients at once: every answer is complete and belongs to its own request (no cross-talk through
the upstream pool), and the pool never holds more connections than were ever in use at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from tests.infra.client import Client, request_bytes
from tests.integration.support import ANTHROPIC, wait_until
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

CLIENTS = 40
ROUNDS = 4


def _client(port: int, n: int) -> list[str]:
    seen = []
    with Client(port, timeout=20.0) as client:
        for r in range(ROUNDS):
            stream = r % 2 == 1
            body = json.dumps({"model": f"model-{n}-{r}", "stream": stream, "messages": []}).encode()
            response = client.request("POST", "/v1/messages", body, ANTHROPIC)
            assert response.status == 200 and response.complete
            if stream:
                start = response.body.split(b"\n\n", 1)[0].split(b"data: ", 1)[1]
                seen.append(json.loads(start)["message"]["model"])
            else:
                seen.append(json.loads(response.body)["model"])
    return seen


def test_concurrent_clients_each_get_their_own_answers(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda n: _client(proxy.port, n), range(CLIENTS)))
    for n, seen in enumerate(results):
        assert seen == [f"model-{n}-{r}" for r in range(ROUNDS)]
    assert len(fake.requests) == CLIENTS * ROUNDS
    assert fake.connections <= CLIENTS
    wait_until(lambda: proxy.server.pool.idle_count() == fake.connections, 5.0, "every upstream connection pooled")


def test_a_request_pipelined_behind_a_slow_answer_is_answered_after_it(
    fake: FakeProvider, proxy: ProxyHandle
) -> None:
    """The second request arrives while the first waits upstream (the disconnect watcher reads it then);
    it must be kept, parsed afterwards and answered second."""
    first = request_bytes("POST", "/v1/messages", b'{"model":"first","messages":[]}',
                          [*ANTHROPIC, ("x-fake-mode", "slow_head:0.3")])
    second = request_bytes("POST", "/v1/messages", b'{"model":"second","stream":true,"messages":[]}', ANTHROPIC)
    with Client(proxy.port) as client:
        client.send(first)
        wait_until(lambda: len(fake.requests) == 1, 5.0, "first request upstream")
        client.send(second)
        answers = [client.read_response(), client.read_response()]
    assert json.loads(answers[0].body)["model"] == "first"
    assert b'"model":"second"' in answers[1].body and answers[1].complete
    assert [json.loads(r.body)["model"] for r in fake.requests] == ["first", "second"]
