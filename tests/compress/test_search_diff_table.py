"""Search hits, diffs and tables."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import shapes, table
from headroom.compress.base import Hint, marker
from headroom.compress.pipeline import compress_text
from tests.compress import samples

KEY = samples.KEY


def run(text: str, command: str = "", query: str = "", lossy: bool = True) -> str:
    outcome = compress_text(text, Hint(tool="Bash", command=command, key=KEY, query=query), lossy=lossy)
    assert outcome.result is not None, outcome.reason
    return outcome.result.text


def _files(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for line in text.split("\n"):
        found = shapes.hit_path(line)
        if found:
            seen.setdefault(found[0], None)
    return list(seen)


# -- search ------------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), files=st.integers(1, 10), per_file=st.integers(3, 40), context=st.booleans())
def test_search_keeps_every_file_first_and_last_match_and_never_rewrites(
    seed: int, files: int, per_file: int, context: bool
) -> None:
    text = samples.grep_hits(files, per_file, seed, context)
    outcome = compress_text(text, Hint(tool="Bash", command="grep -rn fetch_orders src", key=KEY))
    if outcome.result is None:
        return
    out = outcome.result.text
    originals = set(text.split("\n"))
    for line in out.split("\n"):
        assert line in originals or (line.startswith("[… ") and line.endswith(f"· {marker(KEY)}]"))
    assert _files(out) == _files(text)
    hits = [line for line in text.split("\n") if shapes.hit_path(line) and shapes.hit_path(line)[2] == ":"]  # type: ignore[index]
    by_file: dict[str, list[str]] = {}
    for line in hits:
        by_file.setdefault(line.split(":")[0], []).append(line)
    for lines in by_file.values():
        assert lines[0] in out and lines[-1] in out


def test_search_ranks_by_query() -> None:
    text = samples.grep_hits(4, 60)
    target = text.split("\n")[100]
    assert target not in run(text, command="grep -rn fetch_orders src")
    limit = target.split("limit=")[1].rstrip(")")
    path = target.split(":")[0]
    out = run(text, command="grep -rn fetch_orders src", query=f"in {path} line {target.split(':')[1]} limit={limit}")
    assert target in out


def test_rg_heading_groups() -> None:
    text = samples.rg_heading()
    out = run(text, command="rg -n 'pool.get'")
    for line in text.split("\n"):
        if line.startswith("lib/"):
            assert line in out
    assert "matches" in out


def test_timestamps_are_never_rewritten_as_hits() -> None:
    text = samples.app_log(300)
    out = run(text, command="grep -rn GET /var/log")
    for line in out.split("\n"):
        assert line in text.split("\n") or line.startswith("[… ")


# -- diff ----------------------------------------------------------------------------------------------

_HUNK = re.compile(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@")


def _check_hunks(out: str) -> int:
    """Every hunk header's counts match the lines that follow it; returns the number of hunks."""
    lines = out.split("\n")
    hunks = 0
    for index, line in enumerate(lines):
        found = _HUNK.match(line)
        if not found:
            continue
        hunks += 1
        old, new = int(found.group(2)), int(found.group(4))
        cursor = index + 1
        while old > 0 or new > 0:
            tag = lines[cursor][:1]
            assert tag in (" ", "-", "+", "\\"), lines[cursor]
            old -= tag in (" ", "-")
            new -= tag in (" ", "+")
            cursor += 1
        assert old == 0 and new == 0
    return hunks


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), files=st.integers(1, 4), hunks=st.integers(1, 6), context=st.integers(3, 14))
def test_diff_keeps_headers_and_changes_and_consistent_hunks(seed: int, files: int, hunks: int, context: int) -> None:
    text = samples.git_diff(files, hunks, context, seed)
    outcome = compress_text(text, Hint(tool="Bash", command="git diff", key=KEY))
    if outcome.result is None:
        return
    out = outcome.result.text
    for line in text.split("\n"):
        if line.startswith(("diff --git", "index ", "--- ", "+++ ")):
            assert line in out
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---")) and "left-pad" not in line:
            assert line in out
    assert _check_hunks(out) >= files * hunks


def test_diff_context_trimmed_and_lockfile_dropped() -> None:
    text = samples.git_diff(3, 4, context=12)
    out = run(text, command="git diff")
    assert "generated/lock file package-lock.json (+1 −1)" in out
    assert '"node_modules/left-pad": {"version": "1.3.0"}' not in out
    assert "diff --git a/package-lock.json b/package-lock.json" in out
    assert "context" in out and out.count("\n") < text.count("\n") / 2


def test_diff_generated_marker() -> None:
    body = "\n".join(f"+line {i}" for i in range(60))
    text = (
        "diff --git a/api.pb.txt b/api.pb.txt\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
        f"+++ b/api.pb.txt\n@@ -0,0 +1,61 @@\n+// Code generated by protoc. DO NOT EDIT.\n{body}\n"
    )
    out = run(text, command="git show")
    assert "generated/lock file api.pb.txt" in out and "+line 30" not in out


# -- tables ----------------------------------------------------------------------------------------------


def _without(text: str, ranges: tuple[tuple[int, int], ...]) -> str:
    out, pos = [], 0
    for start, end in ranges:
        assert pos <= start < end <= len(text)
        out.append(text[pos:start])
        pos = end
    return "".join(out) + text[pos:]


def test_table_padding_squeeze_is_lossy_with_a_receipt() -> None:
    """Squeezed padding cannot be put back exactly: never a lossless result, always a receipt."""
    names = [stem + ext for stem in ("alpha", "bravo", "charlie", "delta", "echo") for ext in (".py", ".md", ".txt")]
    rows = [f"-rw-r--r--  1 root root  {100 + 37 * i:>4} May  {i % 9 + 1}  2025 {n}" for i, n in enumerate(names)]
    text = "\n".join(["total 96", *rows]) + "\n"  # no two rows alike: nothing to collapse, only padding
    assert compress_text(text, Hint(tool="Bash", command="ls -la", key=KEY), lossy=False).result is None
    outcome = compress_text(text, Hint(tool="Bash", command="ls -la", key=KEY))
    result = outcome.result
    assert result is not None and result.strategy == "table.squeeze" and not result.lossless
    note, out = result.text.split("\n", 1)
    assert marker(KEY) in note and "-rw-r--r-- 1 root root 137 May 2 2025 alpha.md" in out and "  " not in out
    assert [line.split() for line in out.split("\n")] == [line.split() for line in text.split("\n")]
    assert _without(text, result.omitted_ranges) == out  # the ranges are exactly the removed spaces
    assert all(not text[a:b].strip(" \t") for a, b in result.omitted_ranges)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="ab1 \t", max_size=24), min_size=1, max_size=8),
    single=st.booleans(),
)
def test_table_padding_ranges_are_what_the_squeeze_removes(lines: list[str], single: bool) -> None:
    text = "\n".join(lines)
    assert _without(text, table.padding(text, single)) == table._squeeze(text, single)


def test_kubectl_rows_collapse_but_rare_status_stays() -> None:
    text = samples.kubectl_pods(120)
    out = run(text, command="kubectl get pods")
    assert "CrashLoopBackOff" in out and out.startswith("NAME  READY  STATUS  RESTARTS  AGE")
    assert out.count("Running") < 10
    assert "rows omitted" in out
