"""What a shell command line tells about the output it produced.

``families(command)`` reads each simple command of a line (split on ``&&``, ``||``, ``;``, ``|``), skips
wrappers (``sudo``, ``time``, ``env``, ``VAR=…``, ``cd``) and maps the program (and its sub-command) to
a coarse family the detector uses as a hint: ``diff``, ``search``, ``pytest``, ``cargo``, ``npm``,
``build``, ``log``, ``table``, ``table.ls``, ``json``, ``fetch``, ``cat``. ``grep_pattern(command)``
extracts the pattern of the first grep-like command so search results can be ranked by it.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

_SPLIT_RE = re.compile(r"&&|\|\||;|\||\n")
_WRAPPERS = frozenset({"sudo", "time", "env", "nice", "nohup", "command", "exec", "xargs", "timeout", "stdbuf"})
_SEARCH = frozenset({"rg", "grep", "egrep", "fgrep", "ag", "ack", "ugrep", "git-grep"})
_BUILD = frozenset({"make", "cmake", "ninja", "gradle", "gradlew", "./gradlew", "mvn", "bazel", "gcc", "g++", "clang",
                    "tsc", "go", "dotnet", "msbuild", "javac", "sbt"})  # fmt: skip
_LOG = frozenset({"journalctl", "dmesg", "tail", "logcat"})
_TABLE = frozenset({"ps", "df", "du", "top", "free", "netstat", "ss", "lsof", "lsblk", "mount", "ip"})
_NPM = frozenset({"npm", "yarn", "pnpm", "npx", "bun", "jest", "vitest", "eslint"})
_CAT = frozenset({"cat", "head", "less", "more", "bat", "sed", "awk", "nl"})
_FETCH = frozenset({"curl", "wget", "http", "https", "xh"})


def _words(segment: str) -> list[str]:
    try:
        words = shlex.split(segment, posix=True)
    except ValueError:
        words = segment.split()
    while words and (words[0] in _WRAPPERS or "=" in words[0].split("/")[0] or words[0].startswith("-")):
        words = words[1:]
    return words


def _git_family(words: list[str]) -> str:
    rest = words[1:]
    while rest and rest[0].startswith("-"):
        takes_value = rest[0] in ("-C", "-c", "--git-dir", "--work-tree")
        rest = rest[2:] if takes_value else rest[1:]
    sub = rest[0] if rest else ""
    flags = set(rest[1:])
    if sub in ("diff", "show", "format-patch") and not flags & {"--stat", "--name-only", "--name-status",
                                                                 "--shortstat", "--numstat"}:  # fmt: skip
        return "diff"
    if sub == "log" and flags & {"-p", "--patch", "-u"}:
        return "diff"
    if sub == "grep":
        return "search"
    return "git"


def _family(words: list[str]) -> str:
    if not words:
        return ""
    prog = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if prog == "git":
        return _git_family(words)
    if prog in _SEARCH:
        return "search"
    if prog in ("pytest", "py.test", "tox", "nox") or (prog.startswith("python") and "pytest" in args):
        return "pytest"
    if prog in ("cargo", "rustc", "clippy-driver"):
        return "cargo"
    if prog in _NPM:
        return "npm"
    if prog in _BUILD:
        return "build"
    if prog in _LOG or (prog in ("kubectl", "docker", "podman") and args[:1] == ["logs"]):
        return "log"
    if prog in ("kubectl", "oc") and args[:1] == ["get"]:
        return "table"
    if prog in ("docker", "podman") and args[:1] in (["ps"], ["images"], ["container"], ["image"]):
        return "table"
    if prog in ("ls", "ll") and any(a.startswith("-") and "l" in a for a in args):
        return "table.ls"
    if prog in _TABLE:
        return "table"
    if prog == "jq":
        return "json"
    if prog in _FETCH:
        return "fetch"
    if prog in _CAT:
        return "cat"
    if prog in ("diff", "colordiff"):
        return "diff"
    return ""


@lru_cache(maxsize=256)
def families(command: str) -> frozenset[str]:
    out: set[str] = set()
    for segment in _SPLIT_RE.split(command):
        family = _family(_words(segment.strip()))
        if family:
            out.add(family)
    return frozenset(out)


@lru_cache(maxsize=256)
def primary(command: str) -> str:
    """Family of the last simple command that has one (what most likely shaped the output)."""
    found = ""
    for segment in _SPLIT_RE.split(command):
        family = _family(_words(segment.strip()))
        if (family and family not in ("cat", "git")) or (family and not found):
            found = family
    return found


_VALUE_FLAGS = frozenset({"-e", "--regexp", "-f", "--file", "-g", "--glob", "-t", "--type", "-T", "--type-not",
                          "-A", "-B", "-C", "-m", "--max-count", "--context", "--after-context",
                          "--before-context", "--include", "--exclude", "--exclude-dir", "-d",
                          "--max-depth"})  # fmt: skip


@lru_cache(maxsize=256)
def grep_pattern(command: str) -> str:
    """The pattern argument of the first grep-like command, or ``""``."""
    for segment in _SPLIT_RE.split(command):
        words = _words(segment.strip())
        if not words:
            continue
        prog = words[0].rsplit("/", 1)[-1]
        args = words[1:]
        if prog == "git" and "grep" in args:
            args = args[args.index("grep") + 1 :]
        elif prog not in _SEARCH:
            continue
        index = 0
        while index < len(args):
            arg = args[index]
            if arg in ("-e", "--regexp") and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith("--regexp="):
                return arg.split("=", 1)[1]
            if arg in _VALUE_FLAGS:
                index += 2
                continue
            if arg.startswith("-") and arg != "-":
                index += 1
                continue
            return arg
    return ""
