"""Replay of every captured corpus session returns exactly the recorded response bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra.client import Client
from tests.support.fake.replay import DROPPED
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir, shared_dir


def _sessions() -> list[str]:
    shared = shared_dir()
    if shared is None:
        return ["(corpus absent)"]
    return sorted(p.name for p in (shared / "corpus").iterdir() if p.is_dir())


def _request(meta: dict[str, object], body: bytes, port: int) -> bytes:
    lines = [f"{meta['method']} {meta['target']} {meta['http_version']}"]
    for name, value in meta["headers"]:  # type: ignore[attr-defined]
        if name.lower() == "host":
            value = f"127.0.0.1:{port}"
        if name.lower() == "transfer-encoding":
            continue
        if name.lower() == "content-length":
            value = str(len(body))
        lines.append(f"{name}: {value}")
    if meta["chunked"]:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@pytest.mark.parametrize("session", _sessions())
def test_replay_returns_the_recorded_bytes(session: str) -> None:
    directory: Path = corpus_dir() / session
    fake = FakeProvider(replay=directory)
    checked = 0
    with fake.running(), Client(fake.port) as client:
        for head_file in sorted(directory.glob("*.headers.json")):
            meta = json.loads(head_file.read_text(encoding="utf-8"))
            if meta["method"] == "CONNECT":
                continue
            stem = str(head_file)[: -len(".headers.json")]
            recorded = json.loads(Path(stem + ".response.json").read_text(encoding="utf-8"))
            expected_body = Path(stem + ".response.body.bin").read_bytes()
            client.send(_request(meta, Path(stem + ".body.bin").read_bytes(), fake.port))
            response = client.read_response()
            assert response.status == recorded["status"]
            assert response.body == expected_body, head_file.name
            kept = [(k.encode(), v.encode()) for k, v in recorded["headers"] if k.lower().encode() not in DROPPED]
            framing = {b"content-length", b"transfer-encoding", b"connection"}
            assert [(k, v) for k, v in response.headers if k.lower() not in framing] == kept
            if recorded["streaming"]:
                assert response.header(b"transfer-encoding") == b"chunked"
                assert len(response.chunks) == recorded["sse_chunks"]
            else:
                assert response.header(b"content-length") == str(len(expected_body)).encode()
            checked += 1
        assert checked > 0
        miss = client.request("POST", "/v1/never-recorded", b"{}")
    assert miss.status == 404 and b"no recorded answer" in miss.body
    assert fake.errors == []


def test_replay_cursor_is_per_method_and_path_and_reset_rewinds() -> None:
    directory = corpus_dir() / "sdk-anthropic"
    fake = FakeProvider(replay=directory)
    first_models = (directory / "010-v1_models.response.body.bin").read_bytes()
    with fake.running(), Client(fake.port) as client:
        assert client.request("GET", "/v1/models").body == first_models
        assert client.request("GET", "/v1/models").status == 404  # only one was recorded
        fake.reset()
        assert client.request("GET", "/v1/models").body == first_models
