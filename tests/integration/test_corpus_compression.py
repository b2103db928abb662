"""Every corpus session (Claude Code, Codex, and the Anthropic / OpenAI Chat / OpenAI Responses /
Gemini SDKs) replayed through the proxy with compression on.

Per request: the upstream body is valid JSON that differs from the client's only inside tool-output
strings (located independently, from the decoded JSON); the recorded response reaches the client
byte-identical; the log line carries the provider's token usage. Per conversation (the requests
the proxy keyed to one session): a block is edited only when first seen live, and every later copy
is forwarded with the bytes the upstream saw the first time, so the byte prefix the client kept
stable stays stable.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.livezone.bodies import captured
from tests.livezone.checks import check_session
from tests.livezone.locators import LOCATORS
from tests.livezone.proxyrun import Sent, proxy, replay
from tests.support.fake_provider import FakeProvider
from tests.support.paths import corpus_dir

SESSIONS = ["claude-code-3-interactive", "codex-1", "sdk-anthropic", "sdk-openai-chat", "sdk-openai-responses",
            "sdk-google-genai"]


def _conversations(sent: list[Sent]) -> dict[tuple[str, str], list[Sent]]:
    """The requests of each conversation (the proxy's session key, per provider), in order; a
    Gemini conversation mixes generateContent and streamGenerateContent requests."""
    groups: dict[tuple[str, str], list[Sent]] = defaultdict(list)
    for s in sent:
        api = str(s.log.get("api"))
        if api in LOCATORS and "session" in s.log:
            groups[str(s.log["provider"]), str(s.log["session"])].append(s)
    return groups


@pytest.mark.parametrize("session", SESSIONS)
def test_corpus_session_with_compression_on(session: str, tmp_path: Path) -> None:
    directory = corpus_dir() / session
    requests = captured(directory)
    fake = FakeProvider(replay=directory)
    with fake.running(), proxy(fake, str(tmp_path)) as handle:
        sent = replay(handle, fake, requests)
    for req, s in zip(requests, sent, strict=True):
        recorded = (directory / f"{req.name}.response.body.bin").read_bytes()
        assert s.response.body == recorded, f"{req.name}: the response was not relayed unchanged"
        assert s.log.get("decision") != "passthrough" or s.log.get("api") not in LOCATORS, (req.name, s.log)
        if s.response.status == 200 and s.log.get("api") in LOCATORS:
            assert "usage_input" in s.log and "usage_output" in s.log, f"{req.name}: no usage in {s.log}"
    compressed = replayed = 0
    for group in _conversations(sent).values():
        stats = check_session([(s.client, s.upstream) for s in group], str(group[0].log["api"]))
        assert stats.edited_blocks == sum(int(s.log.get("blocks_compressed", 0)) for s in group)
        assert stats.replayed_blocks == sum(int(s.log.get("blocks_replayed", 0)) for s in group)
        compressed += stats.edited_blocks
        replayed += stats.replayed_blocks
    assert compressed >= 1 and replayed >= 1  # every session has a compressible live output, resent later
