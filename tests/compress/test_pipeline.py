"""Invariants of compress_text: never raises, deterministic, never more tokens, receipts carry the key,
frames and protected tags survive, omitted ranges are consistent."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress.base import Hint, marker
from headroom.compress.pipeline import VERSION, Outcome, compress_text
from headroom.tokens import count
from tests.compress import samples

KEY = samples.KEY
HINT = Hint(tool="Bash", key=KEY)
REPO = Path(__file__).resolve().parents[2]

SAMPLES: dict[str, tuple[str, Hint]] = {
    "app_log": (samples.app_log(), HINT),
    "build_log": (samples.build_log(), Hint(tool="Bash", command="make", key=KEY)),
    "pytest": (samples.pytest_log(), Hint(tool="Bash", command="pytest -v", key=KEY)),
    "cargo": (samples.cargo_log(), Hint(tool="Bash", command="cargo build", key=KEY)),
    "npm": (samples.npm_log(), Hint(tool="Bash", command="npm install", key=KEY)),
    "grep": (samples.grep_hits(), Hint(tool="Bash", command="grep -rn fetch_orders src", key=KEY)),
    "grep_ctx": (samples.grep_hits(context=True), HINT),
    "rg": (samples.rg_heading(), Hint(tool="Bash", command="rg pool.get", key=KEY)),
    "diff": (samples.git_diff(), Hint(tool="Bash", command="git diff", key=KEY)),
    "json": (samples.users_json(), HINT),
    "json_compact": (samples.users_json(pretty=False), HINT),
    "kubectl": (samples.kubectl_pods(), Hint(tool="Bash", command="kubectl get pods", key=KEY)),
    "ls": (samples.ls_la(), Hint(tool="Bash", command="ls -la", key=KEY)),
    "prose": (samples.prose(), HINT),
    "code": (samples.PYTHON_CODE * 3, HINT),
}


def check(text: str, hint: Hint, outcome: Outcome) -> None:
    """The contract every outcome honours."""
    assert outcome.reason
    result = outcome.result
    if result is None:
        return
    assert count(result.text) < count(text)
    for start, end in result.omitted_ranges:
        assert 0 <= start < end <= len(text)
    if result.omitted_ranges:
        assert hint.key and marker(hint.key) in result.text
    if not result.lossless:
        assert outcome.reason == "compressed"


def test_samples_compress_and_honour_the_contract() -> None:
    for name, (text, hint) in SAMPLES.items():
        outcome = compress_text(text, hint)
        check(text, hint, outcome)
        if name not in ("code", "prose"):
            assert outcome.result is not None, (name, outcome.reason)


def test_without_key_nothing_is_omitted() -> None:
    for text, hint in SAMPLES.values():
        outcome = compress_text(text, Hint(tool=hint.tool, command=hint.command))
        assert outcome.result is None or outcome.result.lossless


def test_lossy_false_is_lossless() -> None:
    for text, hint in SAMPLES.values():
        outcome = compress_text(text, hint, lossy=False)
        check(text, hint, outcome)
        assert outcome.result is None or outcome.result.lossless


def test_same_input_same_bytes() -> None:
    for text, hint in SAMPLES.values():
        first = compress_text(text, hint)
        second = compress_text(text, hint)
        assert first == second


def _digest() -> str:
    sha = hashlib.sha256()
    for name in sorted(SAMPLES):
        text, hint = SAMPLES[name]
        outcome = compress_text(text, hint)
        sha.update(name.encode())
        sha.update(json.dumps([outcome.reason, outcome.result.text if outcome.result else None]).encode())
    return sha.hexdigest()


def test_deterministic_across_processes() -> None:
    code = "from tests.compress.test_pipeline import _digest; print(_digest())"
    runs = set()
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "LC_ALL": "C"}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True, timeout=120
        )
        runs.add(done.stdout.strip())
    runs.add(_digest())
    assert len(runs) == 1


def test_version_is_a_string() -> None:
    assert isinstance(VERSION, str) and VERSION


def test_frames_kept_verbatim() -> None:
    head = (
        "Chunk ID: 7e28a5\nWall time: 0.0000 seconds\nProcess exited with code 1\nOriginal token count: 999\nOutput:\n"
    )
    text = head + samples.app_log()
    outcome = compress_text(text, Hint(tool="exec_command", key=KEY))
    assert outcome.detection.frame == "codex.exec"
    assert outcome.result is not None and outcome.result.text.startswith(head)
    assert all(start >= len(head) for start, _ in outcome.result.omitted_ranges)
    persisted_head = (
        "<persisted-output>\nOutput too large (87.6KB). Full output saved to: /tmp/x.txt\n\nPreview (first 2KB):\n"
    )
    text = persisted_head + samples.app_log(60) + "...\n</persisted-output>"
    outcome = compress_text(text, HINT)
    assert outcome.result is not None
    assert outcome.result.text.startswith(persisted_head)
    assert outcome.result.text.endswith("...\n</persisted-output>")


def test_cat_n_keeps_line_numbers_and_is_exact_when_not_lossy() -> None:
    log = samples.app_log(200).split("\n")
    numbered = "\n".join(f"{i + 1:6d}\t{line}" for i, line in enumerate(log))
    assert compress_text(numbered, Hint(tool="Read", key=KEY), lossy=False).result is None
    outcome = compress_text(numbered, Hint(tool="Read", key=KEY))
    assert outcome.result is not None
    for line in outcome.result.text.split("\n"):
        assert line.startswith("[…") or line.lstrip()[:1].isdigit() or not line


def test_system_reminder_survives() -> None:
    reminder = "<system-reminder>\nThe user changed file x.py; re-read it.\n</system-reminder>"
    for text in (
        samples.app_log() + reminder,
        reminder + "\n" + samples.grep_hits(),
        samples.build_log(150) + reminder + "\n" + samples.build_log(150, seed=5),
    ):
        outcome = compress_text(text, HINT)
        assert outcome.result is not None
        assert reminder in outcome.result.text


def test_internal_error_is_reported_not_raised(monkeypatch: object) -> None:
    from headroom.compress import logs

    def boom(job: object) -> str:
        raise ZeroDivisionError

    monkeypatch.setitem(__import__("headroom.compress.pipeline", fromlist=["x"])._COMPRESSORS, "log", boom)  # type: ignore[attr-defined]
    outcome = compress_text(samples.app_log(), HINT)
    assert outcome.result is None and outcome.reason == "error:ZeroDivisionError"
    assert logs.compress is not boom


# -- property tests --------------------------------------------------------------------------------

_line = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
_texts = st.lists(_line, max_size=60).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(text=_texts, lossy=st.booleans(), tool=st.sampled_from(["Bash", "Read", "Grep", "exec_command", ""]))
def test_fuzz_never_raises_and_honours_contract(text: str, lossy: bool, tool: str) -> None:
    hint = Hint(tool=tool, command="", key=KEY)
    outcome = compress_text(text, hint, lossy=lossy)
    assert not outcome.reason.startswith("error:"), outcome.reason
    check(text, hint, outcome)


_word = st.sampled_from(
    [
        "GET",
        "POST",
        "/api/orders",
        "200",
        "500",
        "ms",
        "user",
        "id=7",
        "ERROR",
        "WARN",
        "INFO",
        "timeout",
        "retry",
        "ok",
        "0x1f",
        "db",
        "cache",
    ]
)


@st.composite
def generated_logs(draw: st.DrawFn) -> str:
    n = draw(st.integers(5, 150))
    words = draw(st.lists(st.lists(_word, min_size=1, max_size=8), min_size=1, max_size=6))
    picks = draw(st.lists(st.integers(0, len(words) - 1), min_size=n, max_size=n))
    return "\n".join(
        f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z {' '.join(words[p])} {i}" for i, p in enumerate(picks)
    )


@settings(max_examples=60, deadline=None)
@given(text=generated_logs())
def test_generated_logs_contract_and_error_lines_kept_or_receipted(text: str) -> None:
    outcome = compress_text(text, HINT)
    check(text, HINT, outcome)
    if outcome.result is not None:
        for line in text.split("\n"):
            if " ERROR" in line:
                assert line in outcome.result.text or marker(KEY) in outcome.result.text


@st.composite
def generated_json(draw: st.DrawFn) -> str:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.text(max_size=12),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    keys = draw(
        st.lists(
            st.sampled_from(["id", "name", "status", "n", "url", "a.b", "tags"]), min_size=1, max_size=5, unique=True
        )
    )
    rows = draw(st.lists(st.dictionaries(st.sampled_from(keys), scalars, min_size=1), min_size=0, max_size=60))
    return json.dumps({"items": rows, "total": len(rows)}, indent=draw(st.sampled_from([None, 2])))


@settings(max_examples=80, deadline=None)
@given(text=generated_json())
def test_generated_json_contract(text: str) -> None:
    outcome = compress_text(text, HINT)
    check(text, HINT, outcome)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), files=st.integers(1, 8), per_file=st.integers(1, 40), context=st.booleans())
def test_generated_grep_contract(seed: int, files: int, per_file: int, context: bool) -> None:
    text = samples.grep_hits(files, per_file, seed, context)
    outcome = compress_text(text, HINT)
    check(text, HINT, outcome)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), files=st.integers(1, 4), hunks=st.integers(1, 6), context=st.integers(0, 12))
def test_generated_diff_contract(seed: int, files: int, hunks: int, context: int) -> None:
    text = samples.git_diff(files, hunks, context, seed)
    outcome = compress_text(text, HINT)
    check(text, HINT, outcome)


@settings(max_examples=40, deadline=None)
@given(text=_texts, tag=st.sampled_from(["system-reminder", "function_results", "note"]), where=st.integers(0, 60))
def test_tag_protection_holds(text: str, tag: str, where: int) -> None:
    lines = (samples.app_log(80) + text).split("\n")
    unit = f"<{tag}>\nkeep me {where}\n</{tag}>"
    lines.insert(min(where, len(lines)), unit)
    full = "\n".join(lines)
    outcome = compress_text(full, HINT)
    check(full, HINT, outcome)
    if outcome.result is not None:
        assert unit in outcome.result.text


def test_known_original_tokens_are_used() -> None:
    text, hint = SAMPLES["app_log"]
    assert compress_text(text, hint, original_tokens=count(text)) == compress_text(text, hint)
    assert compress_text(text, hint, original_tokens=1).reason == "no_gain"


_SHAPES = [
    "diff --git a/x.py b/x.py",
    "index 1234567..89abcde 100644",
    "--- a/x.py",
    "+++ b/x.py",
    "@@ -1,3 +1,4 @@",
    "@@ -10 +10 @@ def f():",
    "@@ -5,0 +6,2 @@",
    " context line",
    "+added",
    "-removed",
    "\\ No newline at end of file",
    "src/a.py:12:    hit()",
    "src/a.py-13-    ctx",
    "--",
    "lib/b.rs",
    "42:let x = 1;",
    "43-// note",
    "2025-03-04T10:00:00Z INFO ok",
    "2025-03-04T10:00:01Z ERROR boom",
    "Traceback (most recent call last):",
    '  File "a.py", line 1, in f',
    "ValueError: bad",
    "===== FAILURES =====",
    "____ test_x ____",
    "E   assert 1 == 2",
    "tests/t.py::test_a PASSED [ 50%]",
    "   Compiling foo v0.1.0",
    "error[E0308]: mismatched types",
    " --> src/l.rs:1:1",
    "npm ERR! code E404",
    '{"a": 1, "b": [1, 2]}',
    '[{"k": "v"}, {"k": null}]',
    "<system-reminder>",
    "</system-reminder>",
    "<p>para</p>",
    "<script>x()</script>",
    "NAME  READY  STATUS",
    "web-1  1/1  Running",
    "total 12",
    "drwxr-xr-x  2 root root 4096 May  1  2025 d",
    "     1\tnumbered",
    "",
    "    indented",
    "\t",
    "…9 tokens truncated…",
]


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.sampled_from(_SHAPES), min_size=1, max_size=80),
    frame=st.sampled_from(["", "Chunk ID: 1\nWall time: 0 s\nProcess exited with code 0\nOutput:\n"]),
    command=st.sampled_from(["", "git diff", "rg -n x", "pytest", "cargo build", "kubectl get pods", "ls -la"]),
    lossy=st.booleans(),
)
def test_fuzz_structured_shapes(lines: list[str], frame: str, command: str, lossy: bool) -> None:
    text = frame + "\n".join(lines * 3)
    hint = Hint(tool="Bash", command=command, key=KEY)
    outcome = compress_text(text, hint, lossy=lossy)
    assert not outcome.reason.startswith("error:"), outcome.reason
    check(text, hint, outcome)
    if outcome.result is not None and frame:
        assert outcome.result.text.startswith(frame)
