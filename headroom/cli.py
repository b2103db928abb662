"""Command line: ``python -m headroom [serve|print-config|selftest|compress|...] [flags]``.

``serve`` is the default subcommand. Every subcommand that needs settings takes the flags generated
from the settings table; errors in flags, env or the config file exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from headroom import __version__
from headroom.config import FIELDS, Resolved, describe, env_of, flag_of, resolve
from headroom.errors import ConfigError

SUBCOMMANDS = ("serve", "print-config", "selftest", "compress", "ccr")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (flag > env > config file > default)")
    group.add_argument("--config", metavar="FILE", default=None,
                       help="TOML file of settings (env HEADROOM_CONFIG)")
    for f in FIELDS:
        meta = f.metadata
        choices = meta["choices"]
        group.add_argument(
            flag_of(f.name),
            dest=f.name,
            default=argparse.SUPPRESS,
            metavar="{" + ",".join(choices) + "}" if choices else f.name.split("_")[-1].upper(),
            help=f"{meta['help']} [env {env_of(f.name)}; default {f.default!r}]",
        )


def resolve_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Resolved:
    given = {f.name: getattr(args, f.name) for f in FIELDS if hasattr(args, f.name)}
    return resolve(given, dict(os.environ) if environ is None else environ, args.config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="headroom", description="Cache-safe compression proxy for LLM APIs.")
    parser.add_argument("--version", action="version", version=f"headroom {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the proxy (the default command)")
    add_setting_flags(serve)
    show = sub.add_parser("print-config", help="show every setting with its value and source")
    add_setting_flags(show)
    check = sub.add_parser("selftest", help="check that this host can run headroom (data, tokenizer, state dir)")
    add_setting_flags(check)
    comp = sub.add_parser("compress", help="run the proxy's per-block pipeline on one tool output")
    comp.add_argument("--tool", default="Bash", help="name of the tool that produced the output (default Bash)")
    comp.add_argument("--command", dest="shell_command", default="", help="the shell command that produced it")
    comp.add_argument("--json", action="store_true", help="print a JSON object instead of the text")
    comp.add_argument("--store", action="store_true", help="store the original in the CCR store")
    comp.add_argument("file", nargs="?", default="-", help="file to read, or - for stdin (default)")
    add_setting_flags(comp)
    ccr = sub.add_parser("ccr", help="inspect the CCR store: get KEY | stats | gc")
    ccr.add_argument("action", choices=("get", "stats", "gc"))
    ccr.add_argument("key", nargs="?", default="")
    add_setting_flags(ccr)
    return parser


def _cmd_serve(args: argparse.Namespace) -> int:
    from headroom.transport.server import serve_forever

    return serve_forever(resolve_from_args(args).settings)


def _cmd_print_config(args: argparse.Namespace) -> int:
    rows = describe(resolve_from_args(args))
    width = max(len(n) for n, _, _ in rows)
    for name, shown, source in rows:
        print(f"{name.ljust(width)} = {shown!s:40} # {source}")
    return 0


def _cmd_selftest(args: argparse.Namespace) -> int:
    from headroom.selftest import run_selftest  # loads the tokenizer: only for this command

    return run_selftest(resolve_from_args(args).settings)


def _cmd_compress(args: argparse.Namespace) -> int:
    from headroom.compress_cli import run_compress_cli

    return run_compress_cli(resolve_from_args(args).settings, args)


def _cmd_ccr(args: argparse.Namespace) -> int:
    from headroom.store.cli import run_ccr_cli

    return run_ccr_cli(resolve_from_args(args).settings, args.action, args.key)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": _cmd_serve,
    "ccr": _cmd_ccr,
    "compress": _cmd_compress,
    "print-config": _cmd_print_config,
    "selftest": _cmd_selftest,
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*SUBCOMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "serve")
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"headroom: error: {exc}", file=sys.stderr)
        return 2
