"""The settings table as Markdown, generated from :data:`headroom.config.settings.FIELDS`.

``python -m headroom.config.doc`` prints it; ``--write README.md`` replaces the text between the
README's settings-table markers; ``--check README.md`` exits 1 when that text is out of date.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from headroom.config.settings import FIELDS, MiB, env_of, flag_of

START = "<!-- settings-table:start -->"
END = "<!-- settings-table:end -->"
DAY = 24 * 3600
KIND_TEXT = {
    "url": "http:// or https:// origin (no query, fragment or credentials)",
    "path": "filesystem path",
    "authmodes": "comma-separated: payg, oauth, subscription",
    "globs": "comma-separated tool-name globs, optional + or - prefix",
}
INTRO = (
    "Every setting can be given as a flag, an environment variable or a key of the TOML file named by "
    "`--config FILE` (env `HEADROOM_CONFIG`); precedence is flag > env > file > default. "
    "`print-config` shows each value and where it came from, with secrets redacted. "
    "This table is generated: `python -m headroom.config.doc --write README.md`."
)


def cell(text: str) -> str:
    """Make ``text`` safe inside one Markdown table cell (one line, no column break)."""
    return " ".join(text.replace("|", "\\|").split())


def code(text: str) -> str:
    """``text`` as an inline code span; empty text shows as *empty*."""
    if not text:
        return "*empty*"
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _type_name(field: dataclasses.Field[Any]) -> str:
    return field.type if isinstance(field.type, str) else field.type.__name__


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _human(name: str, value: float) -> str:
    """A readable size or duration after a raw number of bytes or seconds, if it is a round one."""
    if name.endswith("_bytes") and value >= MiB and value % MiB == 0:
        return f" ({_number(value / MiB)} MiB)"
    if name.endswith("_seconds") and value >= DAY and value % DAY == 0:
        days = value / DAY
        return f" ({_number(days)} day{'s' if days != 1 else ''})"
    return ""


def default_text(field: dataclasses.Field[Any]) -> str:
    value = field.default
    if isinstance(value, str):
        return code(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return code(str(value)) + _human(field.name, value)
    return code(str(value))


def constraint_text(field: dataclasses.Field[Any]) -> str:
    meta = field.metadata
    parts: list[str] = []
    if _type_name(field) == "float":
        parts.append("seconds")
    elif _type_name(field) == "int":
        parts.append("integer")
    if meta["choices"]:
        parts.append("one of " + ", ".join(code(c) for c in meta["choices"]))
    lo, hi = meta["minimum"], meta["maximum"]
    if lo is not None and hi is not None:
        parts.append(f"{_number(lo)}–{_number(hi)}")
    elif lo is not None:
        parts.append(f"≥ {_number(lo)}{_human(field.name, lo)}")
    elif hi is not None:
        parts.append(f"≤ {_number(hi)}{_human(field.name, hi)}")
    if meta["kind"]:
        parts.append(KIND_TEXT.get(meta["kind"], meta["kind"]))
    return "; ".join(parts) if parts else "text"


def row(field: dataclasses.Field[Any]) -> str:
    help_text = field.metadata["help"]
    if field.metadata["secret"]:
        help_text = f"**Secret** (redacted in print-config and logs). {help_text}"
    cells = [
        code(field.name),
        f"{code(flag_of(field.name))}<br>{code(env_of(field.name))}",
        default_text(field),
        constraint_text(field),
        help_text,
    ]
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def settings_markdown() -> str:
    """The whole generated section: an intro line and one table row per setting."""
    lines = [
        INTRO,
        "",
        "| Setting | Flag / env var | Default | Values | Description |",
        "| --- | --- | --- | --- | --- |",
        *(row(f) for f in FIELDS),
    ]
    return "\n".join(lines) + "\n"


def replace_section(text: str, body: str) -> str:
    """``text`` with everything between the two markers replaced by ``body``."""
    if text.count(START) != 1 or text.count(END) != 1:
        raise ValueError(f"expected exactly one {START} and one {END}")
    head, rest = text.split(START, 1)
    if END not in rest:
        raise ValueError(f"{END} comes before {START}")
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{body}{END}{tail}"


def section_of(text: str) -> str:
    """The text currently between the markers (as :func:`replace_section` writes it)."""
    if text.count(START) != 1 or text.count(END) != 1:
        raise ValueError(f"expected exactly one {START} and one {END}")
    inner = text.split(START, 1)[1].split(END, 1)[0]
    return inner.removeprefix("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m headroom.config.doc",
                                     description="Render the settings table as Markdown.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", metavar="FILE", type=Path, help="replace the table between the markers in FILE")
    mode.add_argument("--check", metavar="FILE", type=Path, help="exit 1 if the table in FILE is out of date")
    args = parser.parse_args(argv)
    table = settings_markdown()
    target: Path | None = args.write or args.check
    if target is None:
        sys.stdout.write(table)
        return 0
    try:
        text = target.read_text(encoding="utf-8")
        updated = replace_section(text, table)
    except (OSError, ValueError) as exc:
        print(f"{target}: {exc}", file=sys.stderr)
        return 1
    if updated == text:
        print(f"{target}: settings table is up to date")
        return 0
    if args.check:
        print(f"{target}: settings table is out of date; run python -m headroom.config.doc --write {target}",
              file=sys.stderr)
        return 1
    target.write_text(updated, encoding="utf-8")
    print(f"{target}: settings table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
