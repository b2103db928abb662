"""Beta-header token lists and the deterministic merge (providers.beta)."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.beta import (
    MODEL_SCAN_BYTES,
    merge_beta_header,
    merge_betas,
    missing_tokens,
    request_model,
    split_tokens,
)

# a token alphabet small enough that case-insensitive collisions are common
SIMPLE = st.text(alphabet="abAB-1.", min_size=1, max_size=4)
TOKENS = SIMPLE | st.builds(lambda name, value: f"{name}={value}", SIMPLE, SIMPLE)  # OpenAI-Beta: assistants=v2
SEPARATORS = st.sampled_from([",", ", ", " ,", ",,", " , ", ",\t"])


@st.composite
def field_lines(draw: st.DrawFn) -> list[bytes]:
    """One or more client field lines, with the spacing and empty elements clients produce."""
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        tokens = draw(st.lists(TOKENS, max_size=5))
        seps = draw(st.lists(SEPARATORS, min_size=len(tokens), max_size=len(tokens)))
        value = "".join(t + s for t, s in zip(tokens, seps, strict=True)).strip(" \t")
        lines.append(value.encode("ascii"))
    return lines


def folded(tokens: list[bytes]) -> list[bytes]:
    return [t.lower() for t in tokens]


def test_single_line_with_nothing_missing_comes_back_byte_for_byte() -> None:
    value = b"claude-code-20250219, Context-1M-2025-08-07,,interleaved-thinking-2025-05-14"
    assert merge_betas([value], ["context-1m-2025-08-07"]) == value
    assert merge_betas([value], []) == value


def test_missing_tokens_go_last_and_the_first_casing_wins() -> None:
    got = merge_betas([b"A-1, b-2", b"a-1,c-3"], ["C-3", "d-4", "B-2", "d-4", "e-5"])
    assert got == b"A-1,b-2,c-3,d-4,e-5"
    assert merge_betas([], ["x-1", "X-1"]) == b"x-1"


def test_required_tokens_must_be_tokens() -> None:
    assert merge_betas([b"assistants=v2"], ["responses=v1"]) == b"assistants=v2,responses=v1"
    for bad in ("", "a b", "a,b", "=v", "a=b=c", "caf\u00e9", "x" * 129):
        with pytest.raises(ValueError, match="not a beta token"):
            merge_betas([b"a"], [bad])


def test_header_lines_are_untouched_when_nothing_is_missing() -> None:
    headers = [(b"Host", b"h"), (b"Anthropic-Beta", b"a ,  b"), (b"x", b"1"), (b"anthropic-beta", b"c")]
    assert merge_beta_header(headers, b"anthropic-beta", ["B", "c"]) == headers


def test_rewrite_keeps_the_first_line_place_and_name_case() -> None:
    headers = [(b"Host", b"h"), (b"Anthropic-Beta", b"a ,  b"), (b"x", b"1"), (b"anthropic-beta", b"c")]
    assert merge_beta_header(headers, b"anthropic-beta", ["d"]) == [
        (b"Host", b"h"), (b"Anthropic-Beta", b"a,b,c,d"), (b"x", b"1")
    ]


def test_absent_header_is_appended() -> None:
    headers = [(b"Host", b"h"), (b"x-api-key", b"k")]
    assert merge_beta_header(headers, b"OpenAI-Beta", ["responses=v1"]) == [*headers, (b"openai-beta", b"responses=v1")]
    assert merge_beta_header(headers, b"openai-beta", []) == headers


@settings(max_examples=200, deadline=None)
@given(field_lines(), st.lists(TOKENS, max_size=5))
def test_merge_properties(lines: list[bytes], required: list[str]) -> None:
    merged = merge_betas(lines, required)
    client = split_tokens(lines)
    out = split_tokens([merged])
    # idempotent
    assert merge_betas([merged], required) == merged
    # every client and every required token is present
    assert set(folded(client)) | {r.lower().encode() for r in required} == set(folded(out))
    if not missing_tokens(lines, required):
        # identity when required is a subset of what the client sent
        assert merged == b",".join(lines)
    else:
        # order-preserving and free of duplicates: client tokens (first casing) first, then the missing
        assert len(set(folded(out))) == len(out)
        first_seen = list(dict.fromkeys(folded(client)))
        assert folded(out)[: len(first_seen)] == first_seen
        assert out[len(first_seen):] == missing_tokens(lines, required)
    if len(set(folded(client))) == len(client):
        assert len(set(folded(out))) == len(out)  # no duplicates ever when the client sent none


@settings(max_examples=200, deadline=None)
@given(field_lines(), st.lists(TOKENS, max_size=4), st.integers(0, 4))
def test_header_merge_properties(lines: list[bytes], required: list[str], other: int) -> None:
    names = [b"Anthropic-Beta", b"anthropic-beta", b"ANTHROPIC-BETA"]
    headers = [(b"x-%d" % i, b"v%d" % i) for i in range(other)]
    for i, line in enumerate(lines):
        headers.insert(min(i * 2, len(headers)), (names[i % 3], line))
    out = merge_beta_header(headers, b"anthropic-beta", required)
    betas = [(i, v) for i, (k, v) in enumerate(out) if k.lower() == b"anthropic-beta"]
    rest = [(k, v) for k, v in out if k.lower() != b"anthropic-beta"]
    assert rest == [(k, v) for k, v in headers if k.lower() != b"anthropic-beta"]  # other lines untouched
    if not missing_tokens(lines, required):
        assert out == headers
    else:
        assert len(betas) == 1 and betas[0][1] == merge_betas(lines, required)
        if lines:
            first = next(i for i, (k, _) in enumerate(headers) if k.lower() == b"anthropic-beta")
            assert betas[0][0] == first and out[first][0] == headers[first][0]
    assert merge_beta_header(out, b"anthropic-beta", required) == out  # idempotent


def test_model_led_bodies_are_read_with_one_match() -> None:
    assert request_model(b'{"model":"claude-opus-4-8","messages":[]}') == "claude-opus-4-8"
    assert request_model(b' \n{ "model" : "gpt-5.5" , "input": []}') == "gpt-5.5"


def test_other_bodies_are_scanned_at_the_top_level_only() -> None:
    assert request_model(b'{"max_tokens":1,"messages":[{"model":"inner"}],"model":"m-1"}') == "m-1"
    assert request_model(b'{"messages":[{"model":"inner"}]}') is None
    assert request_model(b'{"model":"a\\u00e9"}') == "a\u00e9"
    assert request_model(b'{"model":1}') is None
    assert request_model(b'{"model":"a","model":"b","x":') == "a"  # model first: only the lead is read
    assert request_model(b'{"x":1,"model":"a","model":"b"}') is None  # duplicate: not read
    assert request_model(b"not json") is None
    assert request_model(gzip.compress(b'{"model":"m"}')) is None


def test_large_bodies_not_led_by_model_are_not_scanned() -> None:
    big = json.dumps({"messages": ["x" * MODEL_SCAN_BYTES], "model": "m"}).encode()
    assert request_model(big) is None
    assert request_model(json.dumps({"model": "m", "messages": ["x" * MODEL_SCAN_BYTES]}).encode()) == "m"


JSON_VALUES = st.recursive(
    st.none() | st.integers() | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["max_tokens", "messages", "stream", "tools", "input"]), JSON_VALUES, max_size=4),
    st.text(min_size=1, max_size=30),
    st.integers(0, 4),
    st.sampled_from([(",", ":"), (", ", ": ")]),
    st.booleans(),
)
def test_model_is_found_wherever_it_is(
    rest: dict[str, object], model: str, position: int, separators: tuple[str, str], ascii_only: bool
) -> None:
    items = list(rest.items())
    items.insert(min(position, len(items)), ("model", model))
    body = json.dumps(dict(items), separators=separators, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in model):
        return  # lone surrogates: not a string the scanner accepts, and no model a client sends
    assert request_model(body) == model
