"""The byte-fidelity gate over captured client traffic (ARCHITECTURE.md invariant I1, compression off).

Every non-CONNECT request of every session in ../shared/corpus is replayed through the proxy exactly as
the client sent it (request line, headers in recorded order and case, body), on one keep-alive
connection, against the fake provider replaying that session's recorded answers. The upstream must get
a SHA-256-identical body with the headers in order and case (minus hop-by-hop, Host rewritten); the
client must get back byte-identical response bodies (SSE included) with the upstream's headers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.client import Client, Response
from tests.integration.support import expected_upstream_headers, host_of, proxy_to
from tests.support.fake.replay import DROPPED
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir, shared_dir


@dataclass(frozen=True)
class Captured:
    meta: dict[str, Any]
    body: bytes
    response: dict[str, Any]
    response_body: bytes

    @property
    def wire(self) -> bytes:
        """The request exactly as the client put it on the wire."""
        head = self.meta["raw_head"].encode("latin-1")
        if not self.meta["chunked"]:
            return head + self.body
        framed, at = [], 0
        for size in self.meta["chunk_sizes"]:
            framed.append(b"%x\r\n%s\r\n" % (size, self.body[at : at + size]))
            at += size
        return head + b"".join(framed) + b"0\r\n\r\n"


def _sessions() -> list[str]:
    shared = shared_dir()
    if shared is None:
        return ["(no corpus)"]
    return sorted(p.name for p in (shared / "corpus").iterdir() if p.is_dir())


def _load(session: Path) -> list[Captured]:
    out = []
    for head_file in sorted(session.glob("*.headers.json")):
        meta = json.loads(head_file.read_text(encoding="utf-8"))
        if meta["method"] == "CONNECT":
            continue
        stem = str(head_file)[: -len(".headers.json")]
        out.append(Captured(meta, Path(stem + ".body.bin").read_bytes(),
                            json.loads(Path(stem + ".response.json").read_text(encoding="utf-8")),
                            Path(stem + ".response.body.bin").read_bytes()))
    return sorted(out, key=lambda c: int(c.meta["seq"]))


def _latin1(pairs: list[list[str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def _check_response(captured: Captured, response: Response) -> None:
    assert response.status == captured.response["status"]
    assert response.complete
    assert response.body == captured.response_body  # byte-identical, SSE included
    relayed = [(k, v) for k, v in _latin1(captured.response["headers"]) if k.lower() not in DROPPED]
    assert response.headers[: len(relayed)] == relayed  # order and case, as the upstream sent them
    framing = response.headers[len(relayed)]
    assert framing[0].lower() == (b"transfer-encoding" if captured.response["streaming"] else b"content-length")


@pytest.mark.slow
@pytest.mark.parametrize("session", _sessions())
def test_session_is_forwarded_byte_identical(session: str, tmp_path: Path) -> None:
    directory = corpus_dir() / session
    captured = _load(directory)
    assert captured, f"{session}: no replayable request"
    fake = FakeProvider(replay=directory)
    with fake.running(), proxy_to(fake, tmp_path, compression_mode="off") as proxy, Client(proxy.port) as client:
        for index, item in enumerate(captured):
            client.send(item.wire)
            response = client.read_response(head_only=item.meta["method"] == "HEAD")
            got = fake.requests[index]
            assert (got.method, got.target) == (item.meta["method"].encode(), item.meta["target"].encode("latin-1"))
            assert hashlib.sha256(got.body).hexdigest() == item.meta["body_sha256"]
            assert got.headers == expected_upstream_headers(_latin1(item.meta["headers"]), host_of(fake))
            _check_response(item, response)
        assert len(fake.requests) == len(captured)
    assert fake.errors == []
