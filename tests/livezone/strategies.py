"""Hypothesis strategies: whole Anthropic conversations serialised in many byte forms.

Messages alternate user/assistant (with the odd mid-conversation ``system`` message); assistant
turns carry thinking + signature, redacted thinking, text and tool_use blocks; user turns answer
every tool_use with a tool_result whose content is a string or a list of text/image parts, plus
text and images; ``cache_control`` markers land anywhere. Key order is shuffled per object and the
body is written compact, spaced, indented or ASCII-escaped.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.livezone.bodies import IMAGE
from tests.livezone.samples import grep_output, json_output, log_output

TOOLS = ("Bash", "Grep", "Read", "WebFetch", "mcp__github__list_issues")
FORMATS: tuple[dict[str, Any], ...] = (
    {"separators": (",", ":")},
    {"separators": (", ", ": ")},
    {"indent": 2},
    {"indent": "\t", "separators": (",", " : ")},
)

# Any character JSON can carry in a valid UTF-8 body: controls, quotes, backslashes, astral.
texts = st.text(st.characters(codec="utf-8"), max_size=30)
CACHE = {"type": "ephemeral"}


@st.composite
def shuffled(draw: st.DrawFn, items: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(draw(st.permutations(items)))


# A few fixed outputs, drawn often, so identical texts recur within and across turns.
POOL = (log_output(3000, 1), json_output(3000, 2), grep_output(3000, 3), "ok\n")


@st.composite
def tool_output(draw: st.DrawFn) -> str:
    """Big compressible outputs (log, JSON, grep), sometimes with odd characters spliced in, or short text."""
    kind = draw(st.sampled_from(("log", "json", "grep", "text", "pool")))
    if kind == "text":
        return draw(texts)
    if kind == "pool":
        return draw(st.sampled_from(POOL))
    size = draw(st.integers(1100, 6000))
    seed = draw(st.integers(0, 1000))
    text = {"log": log_output, "json": json_output, "grep": grep_output}[kind](size, seed)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(texts) + text[cut:]
    return text


@st.composite
def with_cache(draw: st.DrawFn, items: list[tuple[str, Any]]) -> dict[str, Any]:
    if draw(st.integers(0, 4)) == 0:
        items = [*items, ("cache_control", CACHE)]
    return draw(shuffled(items))


@st.composite
def tool_result(draw: st.DrawFn, tid: str) -> dict[str, Any]:
    if draw(st.booleans()):
        content: Any = draw(tool_output())
    else:
        parts = draw(st.lists(st.one_of(tool_output().map(lambda t: [("type", "text"), ("text", t)]),
                                        st.just([("type", "image"), ("source", IMAGE)])), max_size=3))
        content = [draw(shuffled(p)) for p in parts]
    items: list[tuple[str, Any]] = [("type", "tool_result"), ("tool_use_id", tid), ("content", content)]
    if draw(st.booleans()):
        items.append(("is_error", draw(st.booleans())))
    return draw(with_cache(items))


@st.composite
def assistant(draw: st.DrawFn, turn: int, min_calls: int = 0) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    blocks: list[dict[str, Any]] = []
    if draw(st.booleans()):
        blocks.append(draw(shuffled([("type", "thinking"), ("thinking", draw(texts)),
                                     ("signature", f"sig{turn}/" + draw(st.text("abcXYZ+/=", max_size=40)))])))
    if draw(st.integers(0, 3)) == 0:
        blocks.append(draw(shuffled([("type", "redacted_thinking"), ("data", "RD" + draw(texts))])))
    if draw(st.booleans()):
        blocks.append(draw(with_cache([("type", "text"), ("text", draw(texts))])))
    calls = []
    for k in range(draw(st.integers(min_calls, 3))):
        tid, name = f"toolu_{turn}_{k}", draw(st.sampled_from(TOOLS))
        calls.append((tid, name))
        inp = draw(shuffled([("command", draw(texts)), ("pattern", draw(texts))]))
        blocks.append(draw(shuffled([("type", "tool_use"), ("id", tid), ("name", name), ("input", inp)])))
    return draw(shuffled([("role", "assistant"), ("content", blocks)])), calls


@st.composite
def user(draw: st.DrawFn, calls: list[tuple[str, str]]) -> dict[str, Any]:
    blocks = [draw(tool_result(tid)) for tid, _ in calls]
    if draw(st.integers(0, 3)) == 0:
        blocks.append(draw(with_cache([("type", "image"), ("source", IMAGE)])))
    if not blocks or draw(st.booleans()):
        blocks.append(draw(with_cache([("type", "text"), ("text", draw(texts))])))
    if not calls and draw(st.booleans()):
        return draw(shuffled([("role", "user"), ("content", draw(texts))]))
    return draw(shuffled([("role", "user"), ("content", blocks)]))


@st.composite
def conversation(draw: st.DrawFn) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [draw(user([]))]
    turns = draw(st.integers(0, 4))
    for turn in range(turns):
        if draw(st.integers(0, 5)) == 0:
            messages.append({"role": "system", "content": draw(texts)})
        message, calls = draw(assistant(turn, min_calls=int(turn == turns - 1)))
        messages += [message, draw(user(calls))]
    system = [draw(with_cache([("type", "text"), ("text", draw(texts))]))]
    return draw(shuffled([
        ("model", "claude-opus-4-8"), ("messages", messages), ("system", system), ("max_tokens", 1024),
        ("tools", [{"name": t, "input_schema": {"type": "object"}} for t in TOOLS]),
        ("metadata", {"user_id": "user_1"}),
    ]))


@st.composite
def body(draw: st.DrawFn) -> bytes:
    """A conversation in one of several byte forms (compact, spaced, indented, ASCII-escaped)."""
    tree = draw(conversation())
    form = draw(st.sampled_from(FORMATS))
    return json.dumps(tree, ensure_ascii=draw(st.booleans()), **form).encode("utf-8")


@st.composite
def session(draw: st.DrawFn) -> list[bytes]:
    """The successive request bodies of one generated conversation: one per turn, each ending with
    the user message that answers an assistant turn (append-only history, one byte form)."""
    tree = draw(conversation())
    messages = tree["messages"]
    ends = [i for i, m in enumerate(messages) if i and m["role"] == "user" and messages[i - 1]["role"] == "assistant"]
    form = draw(st.sampled_from(FORMATS))
    ascii_only = draw(st.booleans())
    return [json.dumps({**tree, "messages": messages[: end + 1]}, ensure_ascii=ascii_only, **form).encode()
            for end in ends or [len(messages) - 1]]
