"""The pure plan (``build_plan``): never more tokens (I5), determinism (I4), ledger replay (I3),
tool policy, per-type floors and the retrieval footer."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom import tokens
from headroom.config import resolve
from headroom.livezone.plan import Block, PlanSettings, Replay, build_plan, content_hashes
from headroom.livezone.session import ccr_key
from headroom.livezone.settings import plan_settings
from tests.livezone.samples import cat_n_output, grep_output, json_output, log_output
from tests.livezone.strategies import texts

KINDS = {"log": log_output, "json": json_output, "search": grep_output}


def _settings(**overrides: object) -> PlanSettings:
    flags = {"data_dir": "/nonexistent/headroom-test", **{k: str(v) for k, v in overrides.items()}}
    return plan_settings(resolve(flags, {}).settings)


DEFAULT = _settings()
NO_FLOORS = dataclasses.replace(DEFAULT, floors=dict.fromkeys(DEFAULT.floors, 0))


def _block(text: str, tool: str = "Bash", *, live: bool = True, span: tuple[int, int] = (0, 1)) -> Block:
    return Block(f"b{span[0]}", span, text, tool, {"command": "./run"}, live)


@st.composite
def outputs(draw: st.DrawFn) -> str:
    """Tool outputs of every size around the break-even point, plus arbitrary text."""
    kind = draw(st.sampled_from(("log", "json", "search", "text")))
    if kind == "text":
        return draw(st.text(max_size=400) | texts)
    text = KINDS[kind](draw(st.integers(50, 4000)), draw(st.integers(0, 10_000)))
    cut = draw(st.integers(0, len(text)))
    return text[:cut] + draw(st.sampled_from(("", "ERROR boom\n", "\u00e9\u4e16\U0001f642", '"\\\x01'))) + text[cut:]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts_=st.lists(outputs(), min_size=1, max_size=3), tool=st.sampled_from(("Bash", "Grep", "mcp__x__y")))
def test_every_edit_has_strictly_fewer_tokens(texts_: list[str], tool: str) -> None:
    blocks = [_block(t, tool, span=(2 * i, 2 * i + 1)) for i, t in enumerate(texts_)]
    plan = build_plan(blocks, {}, NO_FLOORS, tokens.count)
    assert len(plan.edits) == len(plan.entries) == sum(d.action == "compressed" for d in plan.decisions)
    for entry, (span, replacement) in zip(plan.entries, plan.edits, strict=True):
        assert entry.span == span and entry.replacement == replacement
        after = json.loads(replacement)
        assert entry.tokens_before == tokens.count(entry.original)
        assert entry.tokens_after == tokens.count(after) < entry.tokens_before  # marker and footer included
        assert entry.ccr_key in ("", ccr_key(entry.original))
        if entry.ccr_key:
            assert f"<<ccr:{entry.ccr_key}>>" in after and after.endswith(DEFAULT.footer(entry.ccr_key))
    for decision in plan.decisions:
        assert decision.action != "compressed" or decision.tokens_after < decision.tokens_before


def test_small_outputs_that_grow_with_the_footer_are_rejected() -> None:
    """A log just over its floor compresses to about its own size; with the footer it is not smaller."""
    found = []
    for size in range(520, 1400, 40):
        decision = build_plan([_block(log_output(size, seed=5))], {}, DEFAULT, tokens.count).decisions[0]
        found.append(decision.action)
        if decision.action == "rejected_not_smaller":
            assert decision.tokens_after >= decision.tokens_before and decision.bytes_after == decision.bytes_before
    assert "rejected_not_smaller" in found and "compressed" in found


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), size=st.integers(1500, 20_000), seed=st.integers(0, 1000))
def test_plans_are_deterministic(kind: str, size: int, seed: int) -> None:
    blocks = [_block(KINDS[kind](size, seed), span=(0, 10)), _block("tail", span=(20, 30))]
    first = build_plan(blocks, {}, DEFAULT, tokens.count)
    again = build_plan(blocks, {}, _settings(), tokens.count)  # settings rebuilt from scratch
    assert first == again


def test_ledger_rows_are_replayed_for_old_and_live_blocks_alike() -> None:
    old, live = log_output(5000, 1), log_output(5000, 2)
    blocks = [_block(old, live=False, span=(0, 10)), _block(live, span=(20, 30))]
    hashes = content_hashes(blocks)
    ledger = {hashes[0]: Replay(b'"OLD"', 900, 10), hashes[1]: Replay(b'"LIVE"', 800, 20)}
    plan = build_plan(blocks, ledger, DEFAULT, tokens.count)
    assert plan.edits == (((0, 10), b'"OLD"'), ((20, 30), b'"LIVE"'))
    assert [d.action for d in plan.decisions] == ["replayed", "replayed"] and plan.entries == ()
    assert [(d.tokens_before, d.tokens_after) for d in plan.decisions] == [(900, 10), (800, 20)]


def test_old_blocks_without_a_ledger_row_are_never_compressed() -> None:
    plan = build_plan([_block(log_output(50_000, 3), live=False)], {}, DEFAULT, tokens.count)
    assert plan.edits == () and plan.decisions[0].action == "excluded_hot_zone"


def test_repeated_texts_get_their_own_ledger_keys() -> None:
    text = log_output(4000, 4)
    blocks = [_block(text, live=False, span=(0, 10)), _block(text, span=(20, 30))]
    hashes = content_hashes(blocks)
    assert hashes[0] != hashes[1]
    plan = build_plan(blocks, {}, DEFAULT, tokens.count)  # the old copy stays as it was sent
    assert [d.action for d in plan.decisions] == ["excluded_hot_zone", "compressed"]
    assert plan.entries[0].content_hash == hashes[1]


@pytest.mark.parametrize("tool", ["Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "read_file"])
def test_file_tools_are_never_compressed_by_default(tool: str) -> None:
    for text in (cat_n_output(30_000), log_output(30_000)):
        decision = build_plan([_block(text, tool)], {}, DEFAULT, tokens.count).decisions[0]
        assert decision.action == "policy_excluded"


@pytest.mark.parametrize(
    ("policy", "tool", "allowed"),
    [
        ("", "Bash", True),
        ("-Bash", "Bash", False),
        ("Read", "Read", True),
        ("-mcp__*,+mcp__github__*", "mcp__github__list_issues", True),
        ("-mcp__*,+mcp__github__*", "mcp__slack__history", False),
        ("-*", "Grep", False),
        ("-*,Grep", "Grep", True),
    ],
)
def test_tool_policy_globs(policy: str, tool: str, allowed: bool) -> None:
    decision = build_plan([_block(log_output(30_000), tool)], {}, _settings(tool_policy=policy), tokens.count)
    assert (decision.decisions[0].action == "compressed") is allowed
    assert allowed or decision.decisions[0].action == "policy_excluded"


@pytest.mark.parametrize(("kind", "flag"), [("log", "floor_log"), ("json", "floor_json"), ("search", "floor_search")])
def test_per_type_floors(kind: str, flag: str) -> None:
    text = KINDS[kind](6000, 9)
    size = len(text.encode())
    at_floor = build_plan([_block(text)], {}, _settings(**{flag: size}), tokens.count).decisions[0]
    assert at_floor.kind == kind and at_floor.action == "compressed"
    above = build_plan([_block(text)], {}, _settings(**{flag: size + 1}), tokens.count).decisions[0]
    assert above.kind == kind and above.action == "below_floor" and above.bytes_after == size


def test_default_floors_leave_small_outputs_alone() -> None:
    for kind, floor in (("log", 512), ("json", 1024), ("search", 1024)):
        text = KINDS[kind](floor // 2, 1)[: floor - 1]
        decision = build_plan([_block(text)], {}, DEFAULT, tokens.count).decisions[0]
        assert decision.action in ("below_floor", "not_compressible"), (kind, decision)
        assert decision.action == "below_floor" or decision.kind != kind


def test_footer_follows_the_retrieve_hint_setting() -> None:
    text = log_output(20_000, 6)
    curl = build_plan([_block(text)], {}, _settings(retrieve_hint="curl", port=9999), tokens.count).entries[0]
    key = build_plan([_block(text)], {}, _settings(retrieve_hint="key"), tokens.count).entries[0]
    assert f"curl -s http://127.0.0.1:9999/v1/retrieve/{curl.ccr_key}" in json.loads(curl.replacement)
    assert "curl" not in json.loads(key.replacement) and key.ccr_key in json.loads(key.replacement)
    assert _settings(retrieve_hint="curl").fingerprint != _settings(retrieve_hint="key").fingerprint


def test_lossless_edits_carry_no_key_and_no_footer() -> None:
    pretty = json.dumps([{"a": i, "b": "x" * 5} for i in range(3)], indent=4)  # small: minify suffices
    entry = build_plan([_block(pretty)], {}, NO_FLOORS, tokens.count).entries[0]
    assert entry.ccr_key == "" and json.loads(json.loads(entry.replacement)) == json.loads(pretty)
