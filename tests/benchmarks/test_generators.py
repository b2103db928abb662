"""The synthetic corpus: deterministic, of the promised sizes and types, needles planted fairly."""

from __future__ import annotations

import functools
import random

import blake3
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.compression_lib import probes
from fixtures.compression import needles
from fixtures.compression.generators import GENERATORS, Generator, generate, generate_quick
from fixtures.compression.sample import CATEGORIES, MAX_BYTES, MIN_BYTES, Sample, fill


@functools.cache
def _full() -> tuple[Sample, ...]:
    return tuple(generate())


def test_generation_is_deterministic() -> None:
    assert generate_quick(7) == generate_quick(7)
    assert [s.text for s in generate_quick(7)] != [s.text for s in generate_quick(8)]


def test_every_synthetic_category_is_covered() -> None:
    assert {s.category for s in _full()} == set(CATEGORIES) - {"real"}


def test_full_corpus_sizes_are_between_1_and_200_kb() -> None:
    sizes = [s.size for s in _full()]
    assert all(MIN_BYTES <= n <= MAX_BYTES for n in sizes), [
        s.name for s in _full() if not MIN_BYTES <= s.size <= MAX_BYTES
    ]
    assert max(sizes) > 150_000
    assert min(sizes) < 3_000


def test_names_are_unique_and_prefixed_by_category() -> None:
    names = [s.name for s in _full()]
    assert len(set(names)) == len(names)
    assert all(s.name.startswith(s.category + "/") for s in _full())


def test_hints_carry_tool_command_and_ccr_key() -> None:
    for s in generate_quick():
        hint = s.hint()
        assert hint.tool and hint.command
        assert hint.key == blake3.blake3(s.text.encode()).hexdigest()[:24]


def test_json_samples_parse_as_json_or_json_lines() -> None:
    for s in (x for x in _full() if x.category == "json"):
        assert probes.parse_json(s.text) is not None, s.name


def _needle_line(s: Sample, answer: str) -> str:
    at = s.text.index(answer)
    start = s.text.rfind("\n", 0, at) + 1
    end = s.text.find("\n", at)
    return s.text[start : end if end >= 0 else len(s.text)]


def test_needles_are_unique_and_not_on_error_lines() -> None:
    planted = 0
    for s in _full():
        for n in s.needles:
            planted += 1
            assert s.text.count(n.answer) == 1, (s.name, n.answer)
            assert n.kind in needles.NEEDLE_KINDS
            assert n.question.endswith("?")
            line = _needle_line(s, n.answer)
            if s.category != "json" or "\n" in s.text.strip():
                assert not probes._ERRLINE.search(line), (s.name, line)
    assert planted >= 200


def test_needles_are_not_always_at_the_edges() -> None:
    """Needles land in the middle of outputs too, not only in the first or last tenth."""
    middle = 0
    for s in _full():
        for n in s.needles:
            if 0.1 < s.text.index(n.answer) / len(s.text) < 0.9:
                middle += 1
    assert middle >= 100


def test_logs_keep_their_must_keep_units() -> None:
    by_name = {s.name: s for s in generate_quick()}
    pytest_log = by_name["logs/pytest-3k"].text
    assert "= FAILURES =" in pytest_log and "\nE       assert " in pytest_log
    assert "error[E0308]: mismatched types" in by_name["logs/cargo-3k"].text
    assert "npm ERR! code ERESOLVE" in by_name["logs/npm-3k"].text
    diff = by_name["diff/git-3k"].text
    assert "old mode 100644\nnew mode 100755" in diff and "rename from " in diff and "package-lock.json" in diff


def test_fill_respects_target_and_limit() -> None:
    units = fill(100, lambda i: "x" * 9)
    assert len("\n".join(units)) >= 100
    assert len("\n".join(fill(10**6, lambda i: "y" * 99, limit=1000))) <= 1000


@settings(max_examples=40, deadline=None)
@given(gen=st.sampled_from(GENERATORS), seed=st.integers(0, 10**9), target=st.integers(1_500, 60_000))
def test_any_generator_any_seed_stays_in_bounds(gen: Generator, seed: int, target: int) -> None:
    a = gen(random.Random(seed), target)
    assert a == gen(random.Random(seed), target)
    assert MIN_BYTES <= a.size <= MAX_BYTES
    for n in a.needles:
        assert a.text.count(n.answer) == 1
    if a.category == "json":
        assert probes.parse_json(a.text) is not None
