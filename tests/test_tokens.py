from __future__ import annotations

import pytest
import tiktoken.load

from headroom import tokens


def test_bundled_ranks_match_official_hashes() -> None:
    hashes = tokens.expected_hashes()
    assert hashes == {
        "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    }


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_encoding_works_offline_and_round_trips(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    # no cache dir and no network: tiktoken must never be asked to download anything
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "nope"))
    monkeypatch.setattr(tiktoken.load, "read_file", lambda *_a, **_k: pytest.fail("download attempted"))
    enc = tokens.encoding(name)
    text = "Hello, wörld! <|endoftext|> 12345 \n\t  def f(x): return x**2"
    ids = enc.encode_ordinary(text)
    assert enc.decode(ids) == text
    assert tokens.count(text, name) == len(ids)
    assert tokens.is_loaded(name)


def test_known_token_counts() -> None:
    # reference values from tiktoken's published encodings
    assert tokens.encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    assert tokens.encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]


def test_tampered_ranks_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "expected_hashes", lambda: {"o200k_base": "0" * 64})
    with pytest.raises(tokens.TokenizerDataError, match="does not match"):
        tokens.load_ranks("o200k_base")


def test_big_counts_from_any_thread_agree_with_a_direct_encode() -> None:
    import threading

    text = "alpha beta 12345 {\"k\": [1, 2]}\n" * 2000  # above OWNER_MIN_CHARS: goes to the owner thread
    assert len(text) >= tokens.OWNER_MIN_CHARS
    want = len(tokens.encoding().encode_ordinary(text))
    got: list[int] = []
    worker = threading.Thread(target=lambda: got.append(tokens.count(text)))
    worker.start()
    worker.join(30)
    assert got == [want] == [tokens.count(text)] == [tokens.submit_count(text).result(30)]
