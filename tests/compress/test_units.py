"""Frames, tag protection, the line renderer, command parsing, code/text/HTML and the token bound."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import commands, frames, protect
from headroom.compress import lines as ln
from headroom.compress.base import Hint, marker
from headroom.compress.pipeline import compress_text, fewer_tokens
from headroom.tokens import count
from tests.compress import samples

KEY = samples.KEY
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


# -- frames ------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    text=_text,
    head=st.sampled_from(
        [
            "",
            "Chunk ID: 1\nWall time: 0 s\nOutput:\n",
            "<persisted-output>\n",
            "Exit code: 0\nWall time: 0 seconds\nOutput:\n",
            "1\t",
            "     1→",
        ]
    ),
)
def test_frame_split_reassembles_exactly(text: str, head: str) -> None:
    full = head + text
    frame = frames.split(full)
    assert frame.prefix + frame.payload + frame.suffix == full
    if frame.body is not None:
        assert len(frame.body) == len(frame.payload.split("\n"))


def test_codex_frame_with_truncation_notice() -> None:
    head = (
        "Chunk ID: 476995\nWall time: 0.0000 seconds\nProcess exited with code 0\nOriginal token count: 18346\n"
        "Output:\nWarning: truncated output (original token count: 18346)\nTotal output lines: 3906\n\n"
    )
    frame = frames.split(head + "{\n}")
    assert frame.name == frames.CODEX and frame.prefix == head and frame.payload == "{\n}"


def test_cat_n_frame_variants() -> None:
    arrow = "\n".join(f"{i:6d}→line {i}" for i in range(1, 6))
    frame = frames.split(arrow + "\n\n<system-reminder>\nx\n</system-reminder>")
    assert frame.name == frames.CAT_N and frame.body == tuple(f"line {i}" for i in range(1, 6))
    assert frame.suffix.startswith("\n\n<system-reminder>")
    assert frames.split("1\tone\n3\tthree\n4\tfour").name == frames.NONE  # numbers must be consecutive


# -- protection --------------------------------------------------------------------------------------


def test_units_and_peel() -> None:
    text = "<system-reminder>\na\n</system-reminder>\nbody <b>bold</b>\n<note x=1>\nn\n</note>\n"
    spans = protect.units(text)
    assert [text[a:b][:6] for a, b in spans] == ["<syste", "<note "]
    head, core, tail = protect.peel_edges(text)
    assert head + core + tail == text and core == "body <b>bold</b>"
    assert protect.intact(text, spans, text) and not protect.intact(text, spans, "body")


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(st.sampled_from(["<a-b>", "</a-b>", "<div>", "</div>", "x", "\n", " ", "<q>", "</q>"]), max_size=30)
)
def test_peel_edges_reassembles(parts: list[str]) -> None:
    text = "".join(parts)
    head, core, tail = protect.peel_edges(text)
    assert head + core + tail == text
    for start, end in protect.units(text):
        unit = text[start:end]
        assert unit.startswith("<") and unit.endswith(">")


# -- the renderer --------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=20),
        min_size=1,
        max_size=30,
    ),
    data=st.data(),
)
def test_render_ranges_cover_exactly_what_is_missing(lines: list[str], data: st.DataObject) -> None:
    text = "\n".join(lines)
    split = ln.split(text)
    keep = data.draw(st.lists(st.booleans(), min_size=len(split), max_size=len(split)))
    out, ranges = ln.render(split, keep, lambda a, b: ln.receipt(a, b, KEY))
    rebuilt, pos = [], 0
    for start, end in ranges:
        rebuilt.append(text[pos:start])
        pos = end
    rebuilt.append(text[pos:])
    kept_text = "".join(rebuilt)
    receipts_removed = "\n".join(line for line in out.split("\n") if not line.startswith("[… "))
    assert kept_text.replace("\n", "") == receipts_removed.replace("\n", "")
    for start, end in ranges:
        assert 0 <= start < end <= len(text)


def test_receipt_format() -> None:
    assert (
        ln.receipt(40, 387, "K", "0 ERROR, 12 WARN") == "[… 347 lines omitted (L41–L387): 0 ERROR, 12 WARN · <<ccr:K>>]"
    )
    assert ln.receipt(4, 5, "K") == "[… 1 line omitted (L5) · <<ccr:K>>]"


# -- commands --------------------------------------------------------------------------------------------


def test_command_families_and_patterns() -> None:
    assert commands.primary("cd repo && git diff HEAD~1") == "diff"
    assert commands.primary("git -C /x log -p -n 3") == "diff"
    assert commands.primary("git diff --stat") == "git"
    assert commands.primary("sudo rg -n foo src | head") == "search"
    assert commands.primary("python -m pytest -q tests") == "pytest"
    assert commands.primary("FOO=1 cargo test") == "cargo"
    assert commands.primary("kubectl get pods -A") == "table"
    assert commands.primary("ls -la /usr/lib") == "table.ls"
    assert commands.primary("echo 'unterminated") == ""
    assert commands.grep_pattern("grep -n -A1 ERROR logs/build.log") == "ERROR"
    assert commands.grep_pattern("rg -e 'fetch_orders' -g '*.py' src") == "fetch_orders"
    assert commands.grep_pattern("git grep -n TODO") == "TODO"
    assert commands.grep_pattern("ls") == ""


# -- code, text, html ------------------------------------------------------------------------------------


def test_code_and_text_pass_through_exactly() -> None:
    """Agents edit code by exact match: trailing spaces and blank-line runs are not "lossless" to drop."""
    code = samples.PYTHON_CODE * 20
    assert compress_text(code, Hint(tool="Read", key=KEY), lossy=False).result is None
    code = code.replace("\n\n", "\n   \t \n  \n\n").replace("\n", "  \n")
    for lossy in (True, False):
        outcome = compress_text(code, Hint(tool="Bash", key=KEY), lossy=lossy)
        assert outcome.detection.kind == "code" and outcome.result is None
    prose = samples.prose(paragraphs=30).replace("\n\n", "\n \n\t\n\n").replace(".", ".   ")
    outcome = compress_text(prose, Hint(tool="WebFetch", key=KEY))
    assert outcome.detection.kind == "text" and outcome.result is None


def test_long_prose_gets_head_and_tail() -> None:
    text = samples.prose(paragraphs=900)
    assert count(text) > 20_000
    outcome = compress_text(text, Hint(tool="WebFetch", key=KEY))
    assert outcome.result is not None and outcome.result.strategy == "text.head_tail"
    assert outcome.result.text.startswith(text[:2000]) and outcome.result.text.endswith(text[-500:])
    assert marker(KEY) in outcome.result.text
    assert compress_text(samples.prose(paragraphs=30), Hint(tool="WebFetch", key=KEY)).result is None


def test_html_drops_scripts_and_styles_behind_receipts() -> None:
    script = "<script>" + "var x = 1;\n" * 100 + "</script>"
    style = "<style>" + "p { color: red }\n" * 40 + "</style>"
    text = f"<!DOCTYPE html><html><head>{script}{style}</head><body><p>Hello there</p>" + "<p>para</p>" * 50
    text += "</body></html>"
    outcome = compress_text(text, Hint(tool="Bash", command="curl -s https://x", key=KEY))
    assert outcome.result is not None
    out = outcome.result.text
    assert "var x" not in out and "color: red" not in out and "\nHello there\n" in out
    assert out.startswith("[HTML shown as text") and marker(KEY) in out


def test_html_links_headings_and_workflow_tags() -> None:
    page = (
        "<html><head><title>Runbook</title><meta charset=utf-8></head><body><h2 id=a>Step &amp; go</h2>"
        '<p>See <a href="https://x.io/1">page 1</a> and <img alt="chart" src="/c.png"></p><ul><li>one</li>'
        "<li>two</li></ul>\n<system-reminder>\nkeep <b>me</b>\n</system-reminder>\n" + "<p>filler text</p>" * 40
    )
    outcome = compress_text(page + "</body></html>", Hint(tool="WebFetch", key=KEY))
    assert outcome.result is not None
    out = outcome.result.text
    assert "## Step & go" in out and "[page 1](https://x.io/1)" in out and "![chart](/c.png)" in out
    assert "- one\n- two" in out and "<system-reminder>\nkeep <b>me</b>\n</system-reminder>" in out


_spacey = st.text(
    st.sampled_from(["a", "é", "1", "!", " ", "\n", "\t", "\xa0", "\u3000", "'", "s", "/", "\x85"]), max_size=80
)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(_text, _spacey))
def test_word_count_is_a_token_lower_bound(text: str) -> None:
    assert count(text) >= len(text.split()) - 1
    assert fewer_tokens("", text) == (count(text) > 0)


def test_separator_characters_fall_back_to_exact_counting() -> None:
    text = "!\x1c!\x1c!\x1c!\x1c!"
    assert not fewer_tokens("x x x x", text) or count("x x x x") < count(text)
