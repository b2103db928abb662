"""Probe extraction and retained / recoverable / lost classification on hand-written examples."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.compression_lib import probes, scoring
from benchmarks.compression_lib.scoring import LOST, RECOVERABLE, RETAINED, AnyMarker, ReceiptRanges
from fixtures.compression.sample import Needle, Sample, ccr_key

LOG = (
    "2025-03-04T10:00:01Z INFO  GET /api/orders/17 200 12ms retries=3\n"
    "2025-03-04T10:00:02Z INFO  fetched https://api.example.com/v1/items?id=9 in 1.5 s\n"
    "2025-03-04T10:00:03Z ERROR worker-2 crashed, trace 3f2a9c1e-5b7d-4e0f-9a8b-0c1d2e3f4a5b\n"
    "2025-03-04T10:00:04Z INFO  wrote ./out/report.csv commit 9f1c2e7 (42 MiB)\n"
    "2025-03-04T10:00:05Z INFO  error_count=0 errors=0 all good\n"
)


def _kinds(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in probes.extract(text):
        out.setdefault(p.kind, set()).add(p.text)
    return out


def test_extracts_every_kind_from_a_log() -> None:
    k = _kinds(LOG)
    assert {"retries=3", "error_count=0", "errors=0"} <= k["kv"]
    assert k["url"] == {"https://api.example.com/v1/items?id=9"}
    assert {"/api/orders/17", "./out/report.csv"} <= k["path"]
    assert k["uuid"] == {"3f2a9c1e-5b7d-4e0f-9a8b-0c1d2e3f4a5b"}
    assert k["hex"] == {"9f1c2e7"}  # the UUID's groups are not counted again
    assert {"12ms", "1.5 s", "42 MiB"} <= k["quantity"]
    assert k["errline"] == {"2025-03-04T10:00:03Z ERROR worker-2 crashed, trace 3f2a9c1e-5b7d-4e0f-9a8b-0c1d2e3f4a5b"}


def test_error_lines_ignore_benign_mentions() -> None:
    text = "error_count=3\nfrom .decoder import JSONDecodeError\nexcept KeyError:\nErrorBoundary ok\n"
    assert "errline" not in _kinds(text)
    report = "KeyError: 'CHF'\nerror[E0308]: mismatched types\nnpm ERR! code ERESOLVE\nE       assert 1 == 2\n"
    assert len(_kinds(report)["errline"]) == 4


def test_json_kv_probes_are_unique_numeric_leaves() -> None:
    doc = [{"id": 101, "latency_ms": 734, "ok": True, "n": 7}, {"id": 102, "latency_ms": 734, "n": 8}]
    ps = [p for p in probes.extract(json.dumps(doc, indent=2)) if p.kind == "kv"]
    assert sorted((p.key, p.text) for p in ps) == [("id", "101"), ("id", "102")]  # 734 twice, 7/8 too short


def test_json_kv_probe_survives_a_tabular_rewrite() -> None:
    p = next(p for p in probes.extract(json.dumps([{"id": 101}, {"id": 202}])) if p.text == "101")
    assert p.found_in("[2]{id}\n101\n202")
    assert not p.found_in("[2]{id}\n1010\n202")
    assert not p.found_in("[2]{key}\n101\n202")


def test_classification_retained_recoverable_lost() -> None:
    original = "line one 12ms\nline two 34ms\nline three 56ms\n"
    key = ccr_key(original)
    omitted = (original.index("line two"), original.index("line three"))
    output = f"line one 12ms\n[… 1 line omitted (L2) · <<ccr:{key}>>]\nline three 56ms\n"
    rec = ReceiptRanges.of(output, key, (omitted,))
    by_text = {p.text: scoring.classify(p.found_in(output), p.spans, rec) for p in probes.extract(original)}
    assert by_text == {"12ms": RETAINED, "34ms": RECOVERABLE, "56ms": RETAINED}


def test_receipt_must_carry_this_samples_key() -> None:
    original = "a 12ms\nb 34ms\n"
    output = "a 12ms\n[… 1 line omitted · <<ccr:000000000000000000000000>>]\n"
    rec = ReceiptRanges.of(output, ccr_key(original), ((7, 14),))
    assert scoring.classify(False, (9,), rec) == LOST


def test_silent_edit_outside_declared_ranges_is_lost() -> None:
    key = "k" * 24
    rec = ReceiptRanges.of(f"x <<ccr:{key}>>", key, ((0, 10),))
    assert scoring.classify(False, (5,), rec) == RECOVERABLE
    assert scoring.classify(False, (10,), rec) == LOST
    assert scoring.classify(False, (), rec) == LOST


def test_baseline_markers() -> None:
    assert AnyMarker.headroom("[400 lines compressed to 7. Retrieve more: hash=65c9e97260e5b2ba7623a109]").present
    assert AnyMarker.headroom("rows … <<ccr:abc123 40_rows_offloaded>>").present
    assert not AnyMarker.headroom("[22 lines omitted: 22 INFO]").present
    assert scoring.classify(False, (3,), AnyMarker(True)) == RECOVERABLE
    assert scoring.classify(False, (3,), AnyMarker(False)) == LOST


def test_score_counts_tokens_probes_needles() -> None:
    text = LOG * 3 + "2025-03-04T10:00:09Z INFO  applied pool_size=4019 from overrides\n"
    sample = Sample("logs/t", "logs", text, "Bash", "cat x.log", needles=(Needle("kv", "pool?", "pool_size=4019"),))
    found = probes.extract(text)
    s = scoring.score(
        sample, "x", "nothing left", AnyMarker(False), seconds=0.1, reference_tokens=100, sample_probes=found
    )
    assert s.tokens_after == 2 and s.ratio == 0.02
    assert s.lost_errline_count == 1 and s.needles[0][2] == LOST
    kept = scoring.score(sample, "x", text, AnyMarker(False), seconds=0.1, reference_tokens=100, sample_probes=found)
    assert kept.lost_errline_count == 0 and kept.needles[0][2] == RETAINED
    assert all(set(c) == {RETAINED} for c in kept.probes.values())


def test_reference_text_minifies_json_only() -> None:
    pretty = json.dumps({"a": [1, 2], "b": "ü"}, indent=2)
    assert scoring.reference_text(Sample("j", "json", pretty, "Bash", "x")) == '{"a":[1,2],"b":"ü"}'
    ndjson = '{"a": 1}\n{"b": 2}\n'
    assert scoring.reference_text(Sample("j", "json", ndjson, "Bash", "x")) == '{"a":1}\n{"b":2}'
    assert scoring.reference_text(Sample("l", "logs", LOG, "Bash", "x")) == LOG


_lines = st.lists(
    st.one_of(
        st.builds(lambda k, v: f"{k}={v}", st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.integers(0, 10**6)),
        st.builds(lambda n, u: f"{n}{u}", st.integers(0, 9999), st.sampled_from(["ms", " MiB", "%", " s"])),
        st.builds(lambda p: f"/srv/{p}/x.py", st.from_regex(r"[a-z]{1,6}", fullmatch=True)),
        st.sampled_from(["ERROR boom", "WARN slow", "INFO fine", "KeyError: 'x'"]),
        st.text(st.characters(codec="utf-8"), max_size=30),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(_lines)
def test_identity_retains_everything_and_empty_output_loses_everything(lines: list[str]) -> None:
    text = "\n".join(lines)
    found = probes.extract(text)
    assert all(p.found_in(text) for p in found)
    everything = ReceiptRanges.of(f"<<ccr:{'a' * 24}>>", "a" * 24, ((0, len(text) + 1),))
    for p in found:
        assert p.spans and all(text.startswith(p.text, s) for s in p.spans if not p.key)
        assert scoring.classify(p.found_in(""), p.spans, AnyMarker(False)) == LOST
        assert scoring.classify(False, p.spans, everything) == RECOVERABLE


def test_json_error_records_survive_a_row_rewrite_but_not_a_drop() -> None:
    rows = [
        {"ts": "2025-03-04T10:00:01Z", "level": "info", "msg": "ok", "ms": 12},
        {"ts": "2025-03-04T10:00:02Z", "level": "warn", "msg": 'slow "db"', "ms": 934},
        {"ts": "2025-03-04T10:00:03Z", "level": "info", "msg": "ok", "ms": 15},
    ]
    ndjson = "\n".join(json.dumps(r, separators=(",", ":")) for r in rows)
    (p,) = [p for p in probes.extract(ndjson) if p.kind == "errline"]
    assert p.text == ndjson.splitlines()[1] and p.spans == (ndjson.index(p.text),)
    assert p.found_in(ndjson)
    assert p.found_in('ts\tlevel\tmsg\tms\n2025-03-04T10:00:02Z\twarn\tslow \\"db\\"\t934\n')
    assert not p.found_in("2025-03-04T10:00:02Z\twarn\n934\n")  # values split across lines
    assert not p.found_in("ts\tlevel\tmsg\tms\n[… 1 row omitted]\n")


def test_json_string_values_that_read_as_errors_are_probed() -> None:
    doc = {"jobs": [{"name": "build", "log": "error[E0308]: mismatched types\n  --> src/a.rs:3:9"}, {"log": "ok"}]}
    pretty = json.dumps(doc, indent=2)
    (p,) = [p for p in probes.extract(pretty) if p.kind == "errline"]
    assert p.text.startswith("error[E0308]")
    assert p.found_in(json.dumps(doc, separators=(",", ":")))  # escaped form in minified JSON
    assert p.found_in("build | error[E0308]: mismatched types\n  --> src/a.rs:3:9")  # raw form
    assert "errline" not in {q.kind for q in probes.extract(json.dumps({"error_count": 0, "errors": []}))}


def test_score_as_dict_is_json_ready() -> None:
    sample = Sample("logs/t", "logs", LOG, "Bash", "cat x.log")
    s = scoring.score(
        sample, "x", "", AnyMarker(False), seconds=0.5, reference_tokens=10, sample_probes=probes.extract(LOG)
    )
    d = json.loads(json.dumps(s.as_dict()))
    assert d["probes"]["errline"] == {"lost": 1} and d["lost_error_lines"] == 1
    assert "quantity: 12ms" in d["lost_probe_examples"]
