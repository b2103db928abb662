"""packaging/headroom.service: parse it strictly, check the settings that matter, verify it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.config import FIELDS, Settings, env_of

UNIT = Path(__file__).resolve().parents[2] / "packaging" / "headroom.service"
SECTION = re.compile(r"\[([A-Za-z]+)\]")
ASSIGNMENT = re.compile(r"([A-Za-z][A-Za-z0-9]*)=(.*)")
Unit = dict[str, list[tuple[str, str]]]


def parse_unit(text: str) -> Unit:
    """Sections of a unit file as ordered (key, value) lists; any line of unknown shape is an error."""
    sections: Unit = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for number, raw in enumerate(text.split("\n"), 1):
        line = pending + raw.strip(" \t\r")
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if m := SECTION.fullmatch(line):
            if m[1] in sections:
                raise ValueError(f"line {number}: section [{m[1]}] repeated")
            current = sections[m[1]] = []
        elif (m := ASSIGNMENT.fullmatch(line)) and current is not None:
            current.append((m[1], m[2].strip(" \t")))
        else:
            raise ValueError(f"line {number}: not a section header or Key=value in a section: {raw!r}")
    if pending:
        raise ValueError("file ends inside a continued line")
    return sections


def values(unit: Unit, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def only(unit: Unit, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}= given {len(found)} times"
    return found[0]


def seconds(value: str) -> float:
    m = re.fullmatch(r"([0-9]+)(s|min)?", value)
    assert m, f"unsupported time span {value!r}"
    return int(m[1]) * (60 if m[2] == "min" else 1)


@pytest.fixture(scope="module")
def unit() -> Unit:
    return parse_unit(UNIT.read_text(encoding="utf-8"))


def test_sections(unit: Unit) -> None:
    assert set(unit) == {"Unit", "Service", "Install"}
    assert only(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Type", "simple"),
        ("DynamicUser", "yes"),
        ("StateDirectory", "headroom"),
        ("CacheDirectory", "headroom"),
        ("ExecStart", "/usr/bin/python3 /opt/headroom/headroom.pyz serve"),
        ("KillSignal", "SIGTERM"),
        ("EnvironmentFile", "-/etc/headroom/env"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "read-only"),
        ("PrivateTmp", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("CapabilityBoundingSet", ""),
    ],
)
def test_service_setting(unit: Unit, key: str, expected: str) -> None:
    assert only(unit, "Service", key) == expected


def test_shiv_unpacks_into_the_cache_directory(unit: Unit) -> None:
    assert "SHIV_ROOT=%C/headroom" in values(unit, "Service", "Environment")


def test_stop_timeout_exceeds_the_drain_timeout(unit: Unit) -> None:
    assert seconds(only(unit, "Service", "TimeoutStopSec")) > Settings().drain_timeout + 5


def test_every_headroom_variable_mentioned_is_a_setting() -> None:
    known = {env_of(f.name) for f in FIELDS} | {"HEADROOM_CONFIG"}
    mentioned = set(re.findall(r"HEADROOM_[A-Z0-9_]+", UNIT.read_text(encoding="utf-8")))
    assert mentioned, "the unit should show how to set a HEADROOM_* variable"
    assert mentioned <= known, mentioned - known


@pytest.mark.parametrize(
    "text",
    ["Type=simple\n", "[Service]\nnot an assignment\n", "[Service]\n[Service]\n", "[Service]\nA=b \\"],
)
def test_parser_rejects_malformed_units(text: str) -> None:
    with pytest.raises(ValueError):
        parse_unit(text)


def test_parser_joins_continued_lines() -> None:
    assert parse_unit("[Service]\nA=b \\\n  c\n") == {"Service": [("A", "b  c")]}


keys = st.from_regex(r"[A-Z][A-Za-z0-9]{0,12}", fullmatch=True)
vals = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="\\"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(keys, vals), max_size=8))
def test_parser_round_trips_assignments(pairs: list[tuple[str, str]]) -> None:
    text = "# comment\n[Service]\n" + "".join(f"{k}={v}\n" for k, v in pairs)
    assert parse_unit(text) == {"Service": [(k, v.strip(" \t")) for k, v in pairs]}


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = UNIT.read_text(encoding="utf-8")
    if not Path("/usr/bin/python3").exists():  # verify checks that ExecStart's program exists
        text = text.replace("ExecStart=/usr/bin/python3 ", f"ExecStart={sys.executable} ")
    copy = tmp_path / UNIT.name
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # unknown keys and unparsable values are only warnings: any line about our unit is a failure
    assert not [ln for ln in output.splitlines() if UNIT.name in ln], output
