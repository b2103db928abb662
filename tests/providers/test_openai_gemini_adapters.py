"""The OpenAI Chat, OpenAI Responses (Codex) and Gemini adapters: which strings are tool outputs,
which are live, how calls pair, and that spans index the client's own bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from headroom.jsonspan import JsonSpanError
from headroom.providers import gemini, openai_chat, openai_responses
from headroom.providers.adapters import query_credential
from headroom.providers.conversation import View


def _check_spans(body: bytes, view: View) -> None:
    for o in view.outputs:
        assert json.loads(body[o.span[0] : o.span[1]]) == o.text


def _brief(view: View) -> list[tuple[str, str, str, bool]]:
    return [(o.label, o.tool, o.text, o.live) for o in view.outputs]


def chat_body(**extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-x",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "look around"},
                                         {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "shell", "arguments": "{\"command\":\"ls\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "old listing"},
            {"role": "assistant", "content": "more", "tool_calls": [
                {"id": "c2", "type": "function", "function": {"name": "grep", "arguments": "{\"pattern\":\"x\"}"}},
                {"id": "c3", "type": "function", "function": {"name": "cat", "arguments": "not json"}}]},
            {"role": "tool", "tool_call_id": "c2", "content": [{"type": "text", "text": "a:1:x"},
                                                               {"type": "text", "text": "b:2:x"}]},
            {"role": "tool", "tool_call_id": "c3", "content": "live é 🙂"},
        ],
        **extra,
    }


def test_chat_live_zone_pairing_and_hints() -> None:
    body = json.dumps(chat_body(prompt_cache_key="pck-1", user="u")).encode()
    view = openai_chat.view(body)
    assert _brief(view) == [
        ("messages[3].content", "shell", "old listing", False),
        ("messages[5].content[0].text", "grep", "a:1:x", True),
        ("messages[5].content[1].text", "grep", "b:2:x", True),
        ("messages[6].content", "cat", "live é 🙂", True),
    ]
    _check_spans(body, view)
    assert view.outputs[0].tool_input is None  # hints are decoded for live outputs only
    assert view.outputs[1].tool_input == {"pattern": "x"} and view.outputs[3].tool_input == {}
    assert (view.session_id, view.first_user_text) == ("pck-1", "look around")
    assert view.fields == {"messages": 7, "live_start": 5}


def test_chat_session_falls_back_to_user_then_none() -> None:
    assert openai_chat.view(json.dumps(chat_body(user="u9")).encode()).session_id == "u9"
    assert openai_chat.view(json.dumps(chat_body()).encode()).session_id is None


def responses_body(**extra: Any) -> dict[str, Any]:
    frame = "Chunk ID: 0a1b\nWall time: 0.01 seconds\nProcess exited with code 0\nOutput:\n"
    return {
        "model": "gpt-5",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "rules"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix the build"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA=="},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "exec_command",
             "arguments": "{\"cmd\":\"make\",\"workdir\":\"/w\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": frame + "old build log"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "next"}]},
            {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch", "input": "*** Begin Patch"},
            {"type": "local_shell_call", "id": "ls_1", "call_id": "call_3",
             "action": {"type": "exec", "command": ["bash", "-lc", "git status"]}},
            {"type": "function_call", "call_id": "call_4", "name": "shell",
             "arguments": "{\"command\":[\"bash\",\"-lc\",\"pytest\"]}"},
            {"type": "custom_tool_call_output", "call_id": "call_2", "output": "Success."},
            {"type": "local_shell_call_output", "id": "call_3", "output": "On branch main"},
            {"type": "function_call_output", "call_id": "call_4",
             "output": [{"type": "input_text", "text": frame + "3 passed"}, {"type": "input_image", "image_url": "x"}]},
            {"type": "apply_patch_call_output", "call_id": "call_9", "output": "unpaired"},
        ],
        **extra,
    }


def test_responses_live_zone_pairing_and_frames() -> None:
    body = json.dumps(responses_body(prompt_cache_key="sess-9")).encode()
    view = openai_responses.view(body)
    frame = "Chunk ID: 0a1b\nWall time: 0.01 seconds\nProcess exited with code 0\nOutput:\n"
    assert _brief(view) == [
        ("input[4].output", "exec_command", frame + "old build log", False),
        ("input[9].output", "apply_patch", "Success.", True),
        ("input[10].output", "local_shell", "On branch main", True),
        ("input[11].output[0].text", "shell", frame + "3 passed", True),
        ("input[12].output", "", "unpaired", True),
    ]
    _check_spans(body, view)
    hints = [o.tool_input for o in view.outputs]
    assert hints[0] is None and hints[1] is None  # history; a custom tool's input is never a hint
    assert hints[2] == {"type": "exec", "command": ["bash", "-lc", "git status"]}
    assert hints[3] == {"command": ["bash", "-lc", "pytest"]}
    assert (view.session_id, view.first_user_text) == ("sess-9", "fix the build")
    assert view.fields == {"items": 13, "live_start": 9, "chained": False}


def test_responses_string_input_and_previous_response_id() -> None:
    view = openai_responses.view(b'{"model":"m","input":"hello","previous_response_id":"resp_1"}')
    assert view.outputs == () and view.first_user_text == "hello" and view.fields["chained"] is True
    chained = {"model": "m", "previous_response_id": "resp_1", "input": [
        {"type": "function_call_output", "call_id": "call_1", "output": "new output"}]}
    view = openai_responses.view(json.dumps(chained).encode())
    assert _brief(view) == [("input[0].output", "", "new output", True)]  # no output item: all live


def gemini_body(sep: tuple[str, str] = (",", ":")) -> bytes:
    doc = {
        "contents": [
            {"role": "user", "parts": [{"text": "inspect"}]},
            {"role": "model", "parts": [
                {"text": "thinking", "thought": True},
                {"functionCall": {"name": "run", "args": {"command": "ls"}}, "thoughtSignature": "c2ln"}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "run", "response": {"output": "old"}}}]},
            {"role": "model", "parts": [
                {"function_call": {"name": "run", "args": {"command": "git log"}}},
                {"functionCall": {"id": "f2", "name": "read", "args": {"path": "a.json"}}}]},
            {"role": "user", "parts": [
                {"functionResponse": {"id": "f2", "name": "read", "response": {
                    "content": {"text": "x", "lines": ["not", "walked"], "deeper": {"a": "too deep"}, "n": 2},
                    "ok": True, "rows": [{"id": "structured"}], "summary": "y"}}},
                {"function_response": {"name": "run", "response": {"output": "commit 1", "stderr": ""}}},
                {"text": "my own words"}]},
        ],
        "systemInstruction": {"parts": [{"text": "sys"}]},
    }
    return json.dumps(doc, separators=sep, ensure_ascii=False).encode()


@pytest.mark.parametrize("sep", [(",", ":"), (", ", ": ")])
def test_gemini_function_responses_two_levels_and_separators(sep: tuple[str, str]) -> None:
    body = gemini_body(sep)
    view = gemini.view(body)
    assert _brief(view) == [
        ("contents[2].parts[0].functionResponse.response.output", "run", "old", False),
        ("contents[4].parts[0].functionResponse.response.content.text", "read", "x", True),
        ("contents[4].parts[0].functionResponse.response.summary", "read", "y", True),
        ("contents[4].parts[1].function_response.response.output", "run", "commit 1", True),
        ("contents[4].parts[1].function_response.response.stderr", "run", "", True),
    ]
    _check_spans(body, view)
    assert view.outputs[1].tool_input == {"path": "a.json"}  # paired by id
    assert view.outputs[3].tool_input == {"command": "git log"}  # by name, snake_case call
    assert (view.session_id, view.first_user_text) == (None, "inspect")


@pytest.mark.parametrize(("adapter", "body"), [
    (openai_chat.view, b'{"messages":[{"role":"tool","content":"\\ud800"}]}'),
    (openai_chat.view, b'{"messages":{}}'),
    (openai_chat.view, b'[1]'),
    (openai_chat.view, b'{"messages":[{"role":"tool","role":"user","content":"x"}]}'),
    (openai_responses.view, b'{"input":3}'),
    (openai_responses.view, b'{"input":[{"type":"function_call_output","output":"a"'),
    (gemini.view, b'{"contents":"x"}'),
    (gemini.view, b'{"contents":[{"parts":[{"functionResponse":{"response":{"a":"\\udc00"}}}]}]}'),
    (gemini.view, b'{"contents":[{"parts":[{"functionResponse":{"response":{"o":{"a":"x","a":"y"}}}}]}]}'),
    (gemini.view, b'{"contents":[{"parts":[{"functionResponse":{"response":{"a":"x","a":{}}}}]}]}'),
])
def test_bodies_we_refuse_to_edit(adapter: Any, body: bytes) -> None:
    with pytest.raises(JsonSpanError):
        adapter(body)


def test_gemini_query_key_is_a_session_credential() -> None:
    assert query_credential(b"/v1beta/models/g:generateContent?alt=sse&key=AIza1") == b"AIza1"
    assert query_credential(b"/v1beta/models/g:generateContent?alt=sse") == b""
    assert query_credential(b"/v1/models/g:generateContent?monkey=1") == b""


def test_chat_legacy_function_messages() -> None:
    body = json.dumps({"messages": [
        {"role": "assistant", "content": None, "function_call": {"name": "ls", "arguments": "{}"}},
        {"role": "function", "name": "ls", "content": "a\nb"}]}).encode()
    assert _brief(openai_chat.view(body)) == [("messages[1].content", "ls", "a\nb", True)]


def test_gemini_structured_responses_are_not_walked() -> None:
    """A response holding 300k structured values (past the scanner's node cap if walked) still parses,
    and only its string members are outputs: structured data costs no Python work per value."""
    rows = [{"id": i, "tags": ["a", "b"]} for i in range(300_000)]
    body = json.dumps({"contents": [
        {"role": "user", "parts": [{"text": "q"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "db", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "db", "response": {"rows": rows, "note": "n"}}}]},
    ]}).encode()
    view = gemini.view(body)
    assert [(o.label, o.text) for o in view.outputs] == [("contents[2].parts[0].functionResponse.response.note", "n")]
