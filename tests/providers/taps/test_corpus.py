"""Every recorded response of ../shared/corpus: the tap's result is the same whether the body is fed whole
or cut in two at ANY byte position (every position of every body: the bodies are at most a few KB and
the taps read ~100 MB/s), and the provider routes' answers give usage and no surprises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from headroom.providers.registry import PROVIDERS, Origin, route
from headroom.providers.taps import TapResult, open_tap
from tests.support.paths import corpus_dir, shared_dir

ORIGINS = {p: Origin.parse("http://127.0.0.1:9") for p in PROVIDERS}
TAPPED = ("anthropic.messages", "openai.chat", "openai.responses", "gemini.generate", "gemini.stream")


def _recorded() -> list[Path]:
    shared = shared_dir()
    if shared is None:
        return []
    return [p for p in sorted((shared / "corpus").glob("*/*.response.json"))
            if json.loads(p.with_name(p.name.replace(".response.json", ".headers.json")).read_text())["method"]
            != "CONNECT"]


def _load(meta_path: Path) -> tuple[str, str | None, list[tuple[bytes, bytes]], bytes]:
    stem = str(meta_path)[: -len(".response.json")]
    request = json.loads(Path(stem + ".headers.json").read_text())
    meta = json.loads(meta_path.read_text())
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request["headers"]]
    found = route(request["method"].encode(), request["target"].encode("latin-1"), headers, ORIGINS)
    answer = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["headers"]]
    return found.api, found.provider, answer, Path(stem + ".response.body.bin").read_bytes()


def _feed(api: str, provider: str | None, headers: list[tuple[bytes, bytes]], parts: list[bytes]) -> TapResult:
    tap = open_tap(api, provider, headers)
    for part in parts:
        tap.feed(part)
    return tap.finish()


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name.removesuffix('.response.json')}"


@pytest.mark.parametrize("meta_path", _recorded(), ids=_name)
def test_every_split_position_gives_the_whole_body_result(meta_path: Path) -> None:
    api, provider, headers, body = _load(meta_path)
    whole = _feed(api, provider, headers, [body])
    for cut in range(1, len(body)):
        assert _feed(api, provider, headers, [body[:cut], body[cut:]]) == whole, cut


@pytest.mark.parametrize("meta_path", _recorded(), ids=_name)
def test_recorded_answers_are_fully_understood(meta_path: Path) -> None:
    api, provider, headers, body = _load(meta_path)
    result = _feed(api, provider, headers, [body])
    assert (result.unknown, result.truncated, result.unavailable) == ((), False, None)
    status = json.loads(meta_path.read_text())["status"]
    if api in TAPPED and status == 200:
        assert result.input is not None and result.input_total is not None and result.output is not None
        assert result.stop_reason is not None and result.error is None


def test_the_corpus_is_there() -> None:
    corpus = corpus_dir()
    assert len(_recorded()) >= 40, corpus
