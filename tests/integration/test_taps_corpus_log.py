"""Usage fields for every recorded answer: each corpus session replayed through the proxy (compression on,
its default) against the fake provider replaying the recorded answers; every request's log line carries
exactly what the tap reads from the recorded answer bytes, and every provider answer has its usage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from headroom.providers.taps import open_tap
from tests.infra.client import Client
from tests.integration.support import proxy_to, wait_until
from tests.integration.test_corpus_gate import Captured, _latin1, _load, _sessions
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir

TAPPED = ("anthropic.messages", "openai.chat", "openai.responses", "gemini.generate", "gemini.stream")


def _requests(lines: list[str]) -> list[dict[str, Any]]:
    return [r for r in (json.loads(line) for line in lines) if r.get("event") == "request"]


def _from_recording(item: Captured, api: str, provider: str | None) -> dict[str, object]:
    tap = open_tap(api, provider, _latin1(item.response["headers"]))
    tap.feed(item.response_body)
    return tap.finish().log_fields()


@pytest.mark.slow
@pytest.mark.parametrize("pieces", [None, 1, 7], ids=["as-recorded", "byte-by-byte", "7-byte-pieces-in-utf8"])
@pytest.mark.parametrize("session", _sessions())
def test_every_answer_of_a_session_has_its_usage_in_the_log(session: str, pieces: int | None, tmp_path: Path) -> None:
    """The upstream writes each answer as recorded, one byte per write, or in 7-byte pieces cut inside
    UTF-8 characters: the client gets the same bytes and the log the same fields every time."""
    directory = corpus_dir() / session
    captured = _load(directory)
    fake = FakeProvider(replay=directory, chunk_size=pieces, split_utf8=pieces == 7)
    with fake.running(), proxy_to(fake, tmp_path) as proxy, Client(proxy.port) as client:
        for item in captured:
            client.send(item.wire)
            response = client.read_response(head_only=item.meta["method"] == "HEAD")
            assert response.body == item.response_body
        wait_until(lambda: len(_requests(proxy.log_lines())) >= len(captured), what="all request log lines")
        logs = _requests(proxy.log_lines())
    assert fake.errors == []
    for item, log in zip(captured, logs, strict=True):
        expected = _from_recording(item, log["api"], log["provider"])
        assert {k: v for k, v in log.items() if k in expected or k.startswith(("usage_", "stream_"))} == expected
        if log["api"] in TAPPED and item.response["status"] == 200:
            assert {"usage_input", "usage_input_total", "usage_output", "stop_reason"} <= log.keys(), log
            assert log["stream_truncated"] is False
