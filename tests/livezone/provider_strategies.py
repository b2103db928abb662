"""Hypothesis strategies: whole OpenAI Chat, OpenAI Responses and Gemini conversations, as the
append-only sequence of request bodies a client sends, in several byte forms.

Each turn the model calls one to three tools (text, reasoning or thought parts around the calls),
the client answers every call (a string, or text parts; Codex-style frames on Responses outputs)
and sometimes adds a user message. Key order is shuffled per object; a session keeps one format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.livezone.strategies import FORMATS, shuffled, texts, tool_output

TOOLS = ("exec_command", "shell", "grep", "read_file", "mcp__db__query")
CODEX_FRAME = ("Chunk ID: {n:06x}\nWall time: 0.0{n} seconds\nProcess exited with code 0\n"
               "Original token count: {n}\nOutput:\n")

Turn = Callable[[st.DrawFn, int, list[Any]], None]


def _args(draw: st.DrawFn, tool: str) -> dict[str, Any]:
    if tool == "shell":
        return {"command": ["bash", "-lc", draw(st.sampled_from(("pytest -q", "git log", "rg TODO")))]}
    return {"cmd": draw(st.sampled_from(("make", "cat data.json", "grep -rn x .")))}


def _chat_turn(draw: st.DrawFn, n: int, messages: list[Any]) -> None:
    calls = [(f"call_{n}_{k}", draw(st.sampled_from(TOOLS))) for k in range(draw(st.integers(1, 3)))]
    messages.append(draw(shuffled([
        ("role", "assistant"), ("content", draw(st.one_of(st.none(), texts))),
        ("tool_calls", [{"id": cid, "type": "function",
                         "function": {"name": tool, "arguments": json.dumps(_args(draw, tool))}}
                        for cid, tool in calls]),
    ])))
    for cid, _ in calls:
        out = draw(tool_output())
        parts = [{"type": "text", "text": out}, {"type": "text", "text": draw(texts)}]
        content: Any = out if draw(st.booleans()) else parts
        messages.append(draw(shuffled([("role", "tool"), ("tool_call_id", cid), ("content", content)])))


def _responses_turn(draw: st.DrawFn, n: int, items: list[Any]) -> None:
    if draw(st.booleans()):
        items.append({"type": "reasoning", "id": f"rs_{n}", "summary": [], "encrypted_content": f"gAAA{n}=="})
    calls = [(f"call_{n}_{k}", draw(st.sampled_from(TOOLS))) for k in range(draw(st.integers(1, 3)))]
    for cid, tool in calls:
        items.append(draw(shuffled([("type", "function_call"), ("call_id", cid), ("name", tool),
                                    ("arguments", json.dumps(_args(draw, tool)))])))
    for cid, _ in calls:
        out = draw(tool_output())
        if draw(st.booleans()):
            out = CODEX_FRAME.format(n=n) + out
        output: Any = out if draw(st.booleans()) else [{"type": "input_text", "text": out}]
        items.append(draw(shuffled([("type", "function_call_output"), ("call_id", cid), ("output", output)])))


def _gemini_turn(draw: st.DrawFn, n: int, contents: list[Any]) -> None:
    calls = [draw(st.sampled_from(TOOLS)) for _ in range(draw(st.integers(1, 3)))]
    parts: list[Any] = [{"text": f"step {n}", "thought": True}]
    parts += [{"functionCall": {"name": tool, "args": _args(draw, tool)}, "thoughtSignature": f"sig{n}"}
              for tool in calls]
    contents.append({"role": "model", "parts": parts})
    answers = [{"functionResponse": {"name": tool, "response": draw(shuffled([("output", draw(tool_output())),
                                                                             ("exit_code", 0)]))}}
               for tool in calls]
    contents.append({"role": "user", "parts": answers})


def _user(api: str, text: str) -> Any:
    if api == "openai.chat":
        return {"role": "user", "content": text}
    if api == "openai.responses":
        return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return {"role": "user", "parts": [{"text": text}]}


_TURNS: dict[str, tuple[str, Turn]] = {
    "openai.chat": ("messages", _chat_turn),
    "openai.responses": ("input", _responses_turn),
    "gemini.generate": ("contents", _gemini_turn),
}


@st.composite
def session(draw: st.DrawFn, api: str) -> list[bytes]:
    """The request bodies of one conversation, turn by turn."""
    key, turn = _TURNS[api]
    fmt = dict(draw(st.sampled_from(FORMATS)), ensure_ascii=draw(st.booleans()))
    history: list[Any] = [_user(api, "task: " + draw(texts))]
    bodies = []
    for n in range(draw(st.integers(1, 4))):
        turn(draw, n, history)
        if draw(st.integers(0, 3)) == 0:
            history.append(_user(api, draw(texts)))
        bodies.append(json.dumps({"model": "m", key: history}, **fmt).encode())
    return bodies
