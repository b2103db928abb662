"""Real captured request bodies, and a 1 MB Claude Code body grown from one of them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from headroom.jsonspan import WALK_ALL, decode_string, decode_value, encode_string, find, scan, splice
from tests.jsonspan.schemas import ANTHROPIC, schema_for
from tests.jsonspan.synth import claude_code_body
from tests.jsonspan.test_properties import walk
from tests.support.paths import corpus_dir

SESSIONS = [
    "claude-code-3-interactive",
    "codex-1",
    "sdk-anthropic",
    "sdk-google-genai",
    "sdk-openai-chat",
    "sdk-openai-responses",
]


def request_bodies(corpus: Path) -> list[Path]:
    return sorted(
        path
        for path in corpus.glob("*/*.body.bin")
        if not path.name.endswith(".response.body.bin") and path.stat().st_size > 0
    )


@pytest.fixture(scope="module")
def corpus() -> Path:
    return corpus_dir()


@pytest.fixture(scope="module")
def grown(corpus: Path) -> bytes:
    return claude_code_body(corpus, 1_000_000)


def test_every_session_has_request_bodies(corpus: Path) -> None:
    sessions = {path.parent.name for path in request_bodies(corpus)}
    assert sessions >= set(SESSIONS)


def test_every_request_body_scans_and_agrees_with_json_loads(corpus: Path) -> None:
    bodies = request_bodies(corpus)
    assert len(bodies) >= 40
    for path in bodies:
        body = path.read_bytes()
        value = json.loads(body)
        nodes = 0
        for node, expected, where in walk(scan(body, WALK_ALL), value):
            start, end = node.span
            assert json.loads(body[start:end]) == expected, (path.name, where)
            nodes += 1
        assert decode_value(body, scan(body, schema_for(path.name))) == value
        assert nodes >= 5, path.name  # the smallest captures hold 7 values


def test_provider_schemas_find_the_tool_outputs(corpus: Path) -> None:
    body = (corpus / "claude-code-3-interactive/011-v1_messages.body.bin").read_bytes()
    root = scan(body, ANTHROPIC)
    messages = root.get("messages")
    assert messages is not None and messages.items is not None
    results = [
        block.get("content")
        for message in messages.items
        for block in (message.get("content").items or ())
        if block.get("type") is not None and decode_string(body, block.get("type")) == "tool_result"
    ]
    value = json.loads(body)
    expected = [
        block["content"]
        for message in value["messages"]
        if isinstance(message["content"], list)
        for block in message["content"]
        if block["type"] == "tool_result"
    ]
    assert [decode_value(body, node) for node in results] == expected


def test_grown_body_is_deterministic_and_valid(corpus: Path, grown: bytes) -> None:
    assert 1_000_000 <= len(grown) < 1_200_000
    assert claude_code_body(corpus, 1_000_000) == grown
    value = json.loads(grown)
    assert len(value["messages"]) > 60
    assert [m["role"] for m in value["messages"][-2:]] == ["assistant", "user"]
    cache_points = [
        (i, j)
        for i, m in enumerate(value["messages"])
        if isinstance(m["content"], list)
        for j, block in enumerate(m["content"])
        if "cache_control" in block
    ]
    assert cache_points == [(len(value["messages"]) - 1, 0)]


def test_edit_of_the_grown_body_changes_only_the_span(grown: bytes) -> None:
    span = find(grown, "messages[-1].content[0].content")
    replacement = "[compressed: <<ccr:0123456789abcdef01234567>>]"
    edited = splice(grown, [(span, encode_string(replacement))])
    expected = json.loads(grown)
    expected["messages"][-1]["content"][0]["content"] = replacement
    assert json.loads(edited) == expected
    tail = len(grown) - span[1]
    assert hashlib.sha256(edited[: span[0]]).digest() == hashlib.sha256(grown[: span[0]]).digest()
    assert hashlib.sha256(edited[len(edited) - tail :]).digest() == hashlib.sha256(grown[span[1] :]).digest()
