"""Request bodies with a Content-Encoding, through the live proxy in front of the fake provider
(which decodes gzip/deflate bodies itself, like a provider): decoded, compressed, forwarded
re-encoded (or as identity); untouched and byte-identical whenever they are not edited or cannot
be decoded. Response bodies are never decoded."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from headroom.wire.coding import zstd_module
from tests.infra.client import Client
from tests.livezone.bodies import Captured, Session, captured, headers
from tests.livezone.checks import check_edit, check_session
from tests.livezone.proxyrun import Sent, _sent, is_messages, post, proxy, replay, request_logs, wait_logs
from tests.livezone.samples import log_output
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir

HAS_ZSTD = zstd_module() is not None


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _inflate_any(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -15)


# (Content-Encoding, the client's encoder, the stdlib decoder for what the upstream got)
FORMS: dict[str, tuple[bytes, Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "gzip": (b"gzip", lambda b: gzip.compress(b, 9, mtime=1_700_000_000), gzip.decompress),
    "x-gzip": (b"x-gzip", lambda b: gzip.compress(b, 1), gzip.decompress),
    "deflate-zlib": (b"deflate", lambda b: zlib.compress(b, 9), zlib.decompress),
    "deflate-raw": (b"deflate", _raw_deflate, lambda b: zlib.decompress(b, -15)),
}


def _body(output: str | None = None, sid: str = "enc") -> bytes:
    session = Session(sid)
    session.add_tool_turn("Bash", [output if output is not None else log_output(20_000, seed=51)])
    return session.body()


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with provider.running():
        yield provider
    assert provider.errors == []


def _values(sent: Sent, name: bytes) -> list[bytes]:
    return [v for k, v in sent.upstream_headers if k.lower() == name]


def _untouched(sent: Sent, coding: bytes, reason: str) -> None:
    assert sent.upstream == sent.client
    assert _values(sent, b"content-encoding") == [coding]
    assert _values(sent, b"content-length") == [str(len(sent.client)).encode()]
    assert sent.log["decision"] == "passthrough" and sent.log["reason"] == reason


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_encoded_body_is_compressed_and_forwarded_re_encoded(fake: FakeProvider, tmp_path: Path, form: str) -> None:
    coding, encoder, decoder = FORMS[form]
    plain = _body()
    with proxy(fake, str(tmp_path)) as handle:
        first = post(handle, fake, encoder(plain), [*headers(), (b"Content-Encoding", coding)])
        identity = post(handle, fake, plain, headers())
        again = post(handle, fake, encoder(plain), [*headers(), (b"Content-Encoding", coding)])
    assert first.response.status == 200, first.response.body  # the fake decoded what it got
    assert first.log["decision"] == "compressed" and first.log["blocks_compressed"] == 1
    assert first.log["content_encoding"] == ("gzip" if b"gzip" in coding else "deflate")
    assert first.log["wire_bytes"] == [len(first.client), len(first.upstream)]
    assert _values(first, b"content-encoding") == [coding]
    assert _values(first, b"content-length") == [str(len(first.upstream)).encode()]
    forwarded = decoder(first.upstream)  # the client's own form (gzip / zlib / raw deflate)
    assert len(check_edit(plain, forwarded)) == 1
    # the identity path (a ledger replay here) sends exactly the bytes the encoded path encoded
    assert identity.log["blocks_replayed"] == 1 and identity.upstream == forwarded
    # a replayed edit is re-encoded to the very same bytes
    assert again.log["blocks_replayed"] == 1 and again.upstream == first.upstream


def test_the_identity_setting_forwards_an_edited_body_decoded(fake: FakeProvider, tmp_path: Path) -> None:
    plain = _body()
    sent_headers = [*headers(), (b"Content-Encoding", b"gzip")]
    with proxy(fake, str(tmp_path), edited_encoding="identity") as handle:
        sent = post(handle, fake, gzip.compress(plain), sent_headers)
    assert sent.response.status == 200 and sent.log["decision"] == "compressed"
    assert _values(sent, b"content-encoding") == []
    assert _values(sent, b"content-length") == [str(len(sent.upstream)).encode()]
    assert len(check_edit(plain, sent.upstream)) == 1
    assert sent.log["wire_bytes"] == [len(sent.client), len(sent.upstream)]
    others = [(k, v) for k, v in sent.upstream_headers if k.lower() not in (b"content-length", b"host")]
    assert others == [(k, v) for k, v in sent_headers if k.lower() != b"content-encoding"]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_encoded_body_that_is_not_edited_is_forwarded_as_sent(fake: FakeProvider, tmp_path: Path,
                                                                  form: str) -> None:
    coding, encoder, _ = FORMS[form]
    session = Session("plain")
    session.add_user_text("No tool outputs in this turn.")
    body = encoder(session.body())
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, body, [*headers(), (b"Content-Encoding", coding)])
    assert sent.upstream == body and sent.response.status == 200
    assert _values(sent, b"content-encoding") == [coding]
    assert sent.log["decision"] == "no_change" and sent.log["wire_bytes"] == [len(body), len(body)]


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        (b"gzip", b'{"model":"claude"}'),  # not gzip at all
        (b"gzip", gzip.compress(_body())[:-9]),  # truncated
        (b"gzip", gzip.compress(_body()) + b"trailing"),
        (b"deflate", zlib.compress(_body())[:-2] + b"\xff\xff"),  # bad checksum
        (b"deflate", b""),
    ],
    ids=["not-gzip", "truncated", "trailing-bytes", "bad-adler32", "empty"],
)
def test_undecodable_bodies_pass_through_byte_identical(fake: FakeProvider, tmp_path: Path, coding: bytes,
                                                        body: bytes) -> None:
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, body, [*headers(), (b"Content-Encoding", coding)])
    _untouched(sent, coding, "content_encoding_undecodable")
    assert sent.response.status == 400  # the fake provider could not read it either


@pytest.mark.parametrize("limit", [1000, 600_000], ids=["inline", "in-thread"])
def test_bodies_decoding_past_the_cap_are_refused_with_413(fake: FakeProvider, tmp_path: Path, limit: int) -> None:
    """A body that decodes past --request-decode-limit is a decompression bomb (RELIABILITY 37): 413,
    nothing reaches the upstream, and the connection stays usable."""
    body = gzip.compress(_body(log_output(700_000, seed=52)))
    head = b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(k + b": " + v + b"\r\n" for k, v in headers())
    head += b"Content-Encoding: gzip\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    with proxy(fake, str(tmp_path), request_decode_limit=limit) as handle, Client(handle.port, timeout=30) as client:
        seen = len(fake.requests)
        client.send(head + body)
        refused = client.read_response()
        client.send(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.read_response().status == 200
        logs = wait_logs(handle, 2)
    assert refused.status == 413 and b"request_decode_limit" in refused.body
    assert json.loads(refused.body)["type"] == "error"  # Anthropic-shaped
    assert len(fake.requests) == seen
    assert logs[0]["status"] == 413 and logs[0]["reason"] == "content_encoding_too_large"


def test_big_bodies_are_decoded_and_encoded_off_the_loop_the_same_way(fake: FakeProvider, tmp_path: Path) -> None:
    plain = _body(log_output(700_000, seed=53))
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, gzip.compress(plain), [*headers(), (b"Content-Encoding", b"gzip")])
    assert sent.log["decision"] == "compressed" and sent.response.status == 200
    assert len(check_edit(plain, gzip.decompress(sent.upstream))) == 1


@pytest.mark.parametrize("coding", [b"br", b"gzip, gzip", b"compress", b""] + ([] if HAS_ZSTD else [b"zstd"]))
def test_unsupported_codings_pass_through_byte_identical(fake: FakeProvider, tmp_path: Path, coding: bytes) -> None:
    body = gzip.compress(gzip.compress(_body())) if coding == b"gzip, gzip" else b"\x28\xb5\x2f\xfd" + _body()
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, body, [*headers(), (b"Content-Encoding", coding)])
    _untouched(sent, coding, "content_encoding_unsupported")


@pytest.mark.skipif(not HAS_ZSTD, reason="no compression.zstd before Python 3.14: zstd bodies pass through")
def test_zstd_bodies_are_compressed_when_the_interpreter_has_zstd(fake: FakeProvider, tmp_path: Path) -> None:
    module = zstd_module()
    assert module is not None
    plain = _body()
    with proxy(fake, str(tmp_path)) as handle:
        sent = post(handle, fake, module.compress(plain, level=1), [*headers(), (b"Content-Encoding", b"zstd")])
        again = post(handle, fake, module.compress(plain, level=1), [*headers(), (b"Content-Encoding", b"zstd")])
    assert sent.log["decision"] == "compressed" and _values(sent, b"content-encoding") == [b"zstd"]
    decoded = module.ZstdDecompressor(options={}).decompress(sent.upstream)
    assert len(check_edit(plain, decoded)) == 1 and again.upstream == sent.upstream


def test_a_chunked_encoded_body_is_forwarded_chunked_and_re_encoded(fake: FakeProvider, tmp_path: Path) -> None:
    plain = _body()
    body = gzip.compress(plain)
    framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 999]), body[i:i + 999]) for i in range(0, len(body), 999))
    head = b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(k + b": " + v + b"\r\n" for k, v in [*headers(), (b"Content-Encoding", b"gzip")])
    with proxy(fake, str(tmp_path)) as handle, Client(handle.port, timeout=30) as client:
        logged = len(request_logs(handle))
        client.send(head + b"Transfer-Encoding: chunked\r\n\r\n" + framed + b"0\r\n\r\n")
        sent = _sent(handle, fake, body, client.read_response(), seen=0, logged=logged)
    assert sent.response.status == 200 and sent.log["decision"] == "compressed"
    assert fake.requests[-1].chunked and _values(sent, b"content-encoding") == [b"gzip"]
    assert len(check_edit(plain, gzip.decompress(sent.upstream))) == 1


def _recorded_session(directory: Path, body: bytes, content_type: str, streaming: bool) -> None:
    """A one-exchange corpus session whose response is gzip-encoded."""
    directory.mkdir()
    (directory / "001-v1_messages.headers.json").write_text(json.dumps({"method": "POST", "target": "/v1/messages"}))
    (directory / "001-v1_messages.response.json").write_text(json.dumps({
        "seq": 1, "status": 200, "streaming": streaming,
        "headers": [["Content-Type", content_type], ["Content-Encoding", "gzip"], ["request-id", "req_gz"]],
    }))
    (directory / "001-v1_messages.response.body.bin").write_bytes(body)


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "sse"])
def test_encoded_responses_are_relayed_byte_identical(tmp_path: Path, streaming: bool) -> None:
    if streaming:
        events = [("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5}}}),
                  ("message_stop", {"type": "message_stop"})]
        plain = b"".join(b"event: %s\ndata: %s\n\n" % (e.encode(), json.dumps(d).encode()) for e, d in events)
    else:
        plain = json.dumps({"type": "message", "content": [{"type": "text", "text": "hi"}],
                            "usage": {"input_tokens": 5, "output_tokens": 1}}).encode()
    encoded = gzip.compress(plain * 50, mtime=0)
    _recorded_session(tmp_path / "session", encoded, "text/event-stream" if streaming else "application/json",
                      streaming)
    fake = FakeProvider(replay=tmp_path / "session")
    with fake.running(), proxy(fake, str(tmp_path / "data")) as handle:
        sent = post(handle, fake, _body(), headers())
    assert sent.response.status == 200 and sent.response.body == encoded
    assert sent.response.header(b"content-encoding") == b"gzip"
    assert fake.errors == []



CORPUS = ["claude-code-3-interactive", "codex-1", "sdk-anthropic", "sdk-google-genai", "sdk-openai-chat",
          "sdk-openai-responses"]


def _gzipped(req: Captured) -> Captured:
    """The request as a client compressing its bodies would send it."""
    if not req.body:
        return req
    meta = dict(req.meta, headers=[*req.meta["headers"], ["Content-Encoding", "gzip"]])
    return Captured(req.name, meta, gzip.compress(req.body, 6, mtime=0))


@pytest.mark.parametrize("session", CORPUS)
def test_corpus_sessions_sent_gzip_forward_what_identity_forwards(session: str, tmp_path: Path) -> None:
    directory = corpus_dir() / session
    requests = captured(directory)
    encoded = [_gzipped(r) for r in requests]
    fake = FakeProvider(replay=directory)
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        sent = replay(handle, fake, encoded)  # fresh compressions, through the encoded path
        fake.reset()
        plain = replay(handle, fake, requests)  # the identity path, replaying the same ledger
    assert all(s.response.status == 200 for s in sent)
    for s, p, req in zip(sent, plain, encoded, strict=True):
        assert s.log.get("decision") == p.log.get("decision"), (s.log, p.log)
        if s.log.get("decision") == "compressed":
            assert gzip.decompress(s.upstream) == p.upstream != p.client
            assert _values(s, b"content-encoding") == [b"gzip"]
        else:
            assert s.upstream == req.body and p.upstream == p.client  # untouched, byte-identical
    fresh = sum(int(s.log.get("blocks_compressed", 0)) for s in sent)
    seen = sum(int(s.log.get("blocks_replayed", 0)) for s in sent) + fresh
    assert sum(int(p.log.get("blocks_compressed", 0)) for p in plain) == 0
    assert sum(int(p.log.get("blocks_replayed", 0)) for p in plain) == seen
    assert fresh >= 1  # every session has a compressible live output
    messages = [(p.client, p.upstream) for p in plain if is_messages(p)]
    if messages:
        check_session(messages)
