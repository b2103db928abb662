"""CCR (I7) and retrieval: every marker the upstream sees resolves to the exact original, which
was durably stored before the upstream received the body; retrieval is loopback-or-token only."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headroom.livezone.session import ccr_key
from headroom.retrieve import TOKEN_HEADER, RetrieveEndpoints
from headroom.store.models import PlanWrite
from headroom.store.sqlite import DB_NAME, SQLiteStore
from headroom.wire.events import RequestHead
from tests.infra.client import Client, get
from tests.livezone.bodies import Session, headers
from tests.livezone.checks import check_edit
from tests.livezone.proxyrun import Sent, post, proxy
from tests.livezone.samples import grep_output, json_output, log_output
from tests.support.fake.conn import Conn
from tests.support.fake.http1 import RecordedRequest
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

Served = tuple[ProxyHandle, Sent]
MARKER = re.compile(rb"<<ccr:([0-9a-f]{24})>>")
SID = "ccr"


class StoreWatchingProvider(FakeProvider):
    """On receipt of each request, before answering, looks every marker's key up in the SQLite file."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.db = db
        self.seen: list[dict[str, Any]] = []

    async def _answer(self, conn: Conn, req: RecordedRequest) -> bool:
        keys = sorted({k.decode() for k in MARKER.findall(req.body)})
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            stored = {row[0] for row in db.execute("SELECT key FROM ccr")}
            ledger = db.execute("SELECT count(*) FROM ledger").fetchone()[0]
        self.seen.append({"keys": keys, "stored": stored, "ledger": ledger})
        return await super()._answer(conn, req)


def _body() -> bytes:
    session = Session(SID)
    session.add_tool_turn("Bash", [log_output(60_000, seed=61), json_output(30_000, seed=62),
                                   grep_output(20_000, seed=63)])
    return session.body()


def test_originals_are_stored_before_the_upstream_sees_the_body(tmp_path: Path) -> None:
    fake = StoreWatchingProvider(tmp_path / DB_NAME)
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, _body(), headers(SID))
    [seen] = fake.seen
    assert len(seen["keys"]) >= 2  # lossy results with their markers
    assert set(seen["keys"]) <= seen["stored"]
    assert seen["ledger"] == sent.log["blocks_compressed"] == 3
    assert fake.errors == []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    fake = FakeProvider()
    with fake.running(), proxy(fake, str(tmp_path_factory.mktemp("ccr"))) as handle:
        sent = post(handle, fake, _body(), headers(SID))
        yield handle, sent


def _originals(sent: Sent) -> dict[str, str]:
    return {ccr_key(e.before): e.before for e in check_edit(sent.client, sent.upstream)}


def test_every_marker_resolves_to_the_exact_original(served: Served) -> None:
    handle, sent = served
    originals = _originals(sent)
    keys = {k.decode() for k in MARKER.findall(sent.upstream)}
    assert keys and keys <= set(originals)
    for key in keys:
        response = get(handle.port, f"/v1/retrieve/{key}")
        assert response.status == 200
        answer = json.loads(response.body)
        assert answer["original"] == originals[key] and answer["key"] == key
        assert answer["size"] == len(originals[key].encode())


@pytest.mark.parametrize(("query", "context"), [("ERROR", 0), ("warn orders_1", 0), ("failed", 2), ("nomatch", 0)])
def test_post_with_a_query_returns_only_matching_lines(served: Served, query: str, context: int) -> None:
    handle, sent = served
    key, original = next((k, v) for k, v in _originals(sent).items() if v.startswith("2025-"))  # the log
    lines = original.split("\n")[:-1]
    terms = query.casefold().split()
    wanted = [i for i, line in enumerate(lines) if all(t in line.casefold() for t in terms)]
    with Client(handle.port) as client:
        response = client.request("POST", "/v1/retrieve", json.dumps({"key": key, "query": query,
                                                                     "context": context}).encode())
    assert response.status == 200
    got = json.loads(response.body)["original"]
    hits = [row for row in got.split("\n") if re.match(r"\d+:", row)]
    assert [int(row.split(":", 1)[0]) - 1 for row in hits] == wanted
    for row in hits:
        number, text = row.split(":", 1)
        assert lines[int(number) - 1] == text
    if context == 0:
        assert len(got.split("\n")) == len(wanted) or (not wanted and got == "")


@pytest.mark.parametrize(("method", "target", "body", "status"), [
    ("GET", "/v1/retrieve/" + "a" * 24, b"", 404),  # well-formed, never stored
    ("GET", "/v1/retrieve/NOT-A-KEY", b"", 404),
    ("GET", "/v1/retrieve/" + "a" * 25, b"", 404),
    ("POST", "/v1/retrieve", b'{"key": "' + b"b" * 24 + b'"}', 404),
    ("POST", "/v1/retrieve", b"not json", 400),
    ("POST", "/v1/retrieve", b'{"key": "x", "context": 99}', 400),
    ("DELETE", "/v1/retrieve/" + "a" * 24, b"", 405),
])
def test_unknown_or_bad_retrievals(served: Served, method: str, target: str, body: bytes, status: int) -> None:
    handle, _ = served
    with Client(handle.port) as client:
        assert client.request(method, target, body).status == status


class _Peer:
    """The part of a client connection the endpoints use: its peer address and a local answer."""

    def __init__(self, host: str) -> None:
        self.peer = (host, 40000)
        self.answers: list[tuple[int, Any]] = []

    async def send_json(self, status: int, body: bytes, *, close: bool) -> None:
        self.answers.append((status, json.loads(body)))


def _ask(endpoints: RetrieveEndpoints, host: str, key: str, extra: tuple[tuple[bytes, bytes], ...] = ()) -> int:
    head = RequestHead(b"GET", f"/v1/retrieve/{key}".encode(), (1, 1), ((b"Host", b"x"), *extra), "none", None,
                       True, False)
    peer = _Peer(host)
    return asyncio.run(endpoints.handle(peer, head, b"", True))  # type: ignore[arg-type]


def test_non_loopback_callers_need_the_proxy_token(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path, background=False) as store:
        text = "x" * 100
        store.commit(PlanWrite([(ccr_key(text), text, {"tool": "Bash"})], []))
        with_token = RetrieveEndpoints(store, "s3cret-token")
        without_token = RetrieveEndpoints(store, "")
        key = ccr_key(text)
        assert _ask(with_token, "127.0.0.1", key) == 200
        assert _ask(with_token, "::1", key) == 200
        assert _ask(with_token, "203.0.113.9", key) == 403
        assert _ask(with_token, "203.0.113.9", key, ((TOKEN_HEADER, b"wrong"),)) == 403
        assert _ask(with_token, "203.0.113.9", key, ((b"X-Headroom-Proxy-Token", b"s3cret-token"),)) == 200
        assert _ask(without_token, "203.0.113.9", key, ((TOKEN_HEADER, b""),)) == 403
        assert _ask(with_token, "10.1.2.3", "f" * 24, ((TOKEN_HEADER, b"s3cret-token"),)) == 404


def test_the_retrieval_hint_names_the_listening_port(served: Served) -> None:
    handle, sent = served
    urls = re.findall(rb"curl -s http://127\.0\.0\.1:([0-9]+)(/v1/retrieve/[0-9a-f]{24})", sent.upstream)
    assert urls
    for port, path in urls:
        assert int(port) == handle.port
        assert get(handle.port, path.decode()).status == 200


def test_an_original_with_a_lone_surrogate_is_served_as_valid_json(tmp_path: Path) -> None:
    text = "before \ud800 after " * 10
    key = ccr_key(text)
    with SQLiteStore(tmp_path, background=False) as store:
        store.commit(PlanWrite(ccr=[(key, text, {"tool": "Bash"})], ledger=()))
        endpoints = RetrieveEndpoints(store, "")
        head = RequestHead(b"GET", f"/v1/retrieve/{key}".encode(), (1, 1), ((b"Host", b"x"),), "none", None,
                           True, False)
        peer = _Peer("127.0.0.1")
        assert asyncio.run(endpoints.handle(peer, head, b"", True)) == 200  # type: ignore[arg-type]
    status, obj = peer.answers[0]
    assert status == 200 and obj["original"] == text
