"""Realistic, deterministic tool outputs for the compressor tests (seeded generators, no IO)."""

from __future__ import annotations

import json
import random

KEY = "0123456789abcdef01234567"
MODULES = ("core", "net", "io", "parser", "cli", "util")


def app_log(lines: int = 400, seed: int = 1, errors: int = 3, warns: int = 5) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    error_at = set(rng.sample(range(10, lines - 10), errors))
    warn_at = set(rng.sample(sorted(set(range(10, lines - 10)) - error_at), warns))
    for i in range(lines):
        ts = f"2025-03-04T10:{i // 60 % 60:02d}:{i % 60:02d}.{rng.randrange(1000):03d}Z"
        if i in error_at:
            out.append(f"{ts} ERROR [worker-{rng.randrange(8)}] payment {rng.randrange(10**6)} failed: card declined")
            out.append("Traceback (most recent call last):")
            out.append('  File "/srv/app/pay.py", line 88, in charge')
            out.append("    raise CardDeclined(code)")
            out.append(f"app.errors.CardDeclined: code={rng.randrange(100, 999)}")
        elif i in warn_at:
            worker, took = rng.randrange(8), rng.randrange(900, 5000)
            out.append(f"{ts} WARN  [worker-{worker}] slow query on table orders_{i % 3}: {took}ms")
        else:
            worker, order, took = rng.randrange(8), rng.randrange(10**5), rng.randrange(1, 90)
            out.append(f"{ts} INFO  [worker-{worker}] GET /api/orders/{order} 200 {took}ms")
    return "\n".join(out) + "\n"


def build_log(lines: int = 300, seed: int = 2) -> str:
    rng = random.Random(seed)
    out = []
    for i in range(lines):
        mod = rng.choice(MODULES)
        level = rng.choices(["INFO ", "DEBUG", "WARN ", "ERROR"], [70, 15, 10, 5])[0]
        ts = f"2025-06-01T12:{i // 60 % 60:02d}:{i % 60:02d}.{rng.randrange(1000):03d}Z"
        out.append(
            f"{ts} [{level}] build.{mod}: compiling src/{mod}/file_{rng.randrange(40)}.c -> "
            f"obj/{mod}/file_{rng.randrange(40)}.o ({rng.randrange(100, 9000)} bytes, {rng.random() * 3:.2f}s)"
        )
        if level == "ERROR":
            out.append(
                f"    src/{mod}/file_{rng.randrange(40)}.c:{rng.randrange(1, 400)}:{rng.randrange(1, 80)}: "
                f"error: implicit declaration of function 'frob_{mod}' [-Werror=implicit-function-declaration]"
            )
    return "\n".join(out) + "\n"


def pytest_log(passed: int = 120, seed: int = 3) -> str:
    rng = random.Random(seed)
    out = [
        "============================= test session starts ==============================",
        "platform linux -- Python 3.11.7, pytest-8.3.2, pluggy-1.5.0",
        "rootdir: /srv/app",
        f"collected {passed + 2} items",
        "",
    ]
    names = [f"tests/test_{rng.choice(MODULES)}.py::test_case_{i}" for i in range(passed)]
    for i, name in enumerate(names):
        out.append(f"{name} PASSED{' ' * 10}[{(i + 1) * 100 // (passed + 2):3d}%]")
    out.append("tests/test_api.py::test_refund FAILED                                 [ 99%]")
    out.append("tests/test_api.py::test_totals FAILED                                 [100%]")
    out += [
        "",
        "=================================== FAILURES ===================================",
        "________________________________ test_refund _________________________________",
        "",
        "    def test_refund():",
        "        order = make_order(total=120)",
        ">       assert refund(order) == 120",
        "E       assert 100 == 120",
        "E        +  where 100 = refund(<Order 7>)",
        "",
        "tests/test_api.py:41: AssertionError",
        "________________________________ test_totals _________________________________",
        "",
        "    def test_totals():",
        ">       assert totals([1, 2]) == 4",
        "E       assert 3 == 4",
        "",
        "tests/test_api.py:57: AssertionError",
        "=========================== short test summary info ============================",
        "FAILED tests/test_api.py::test_refund - assert 100 == 120",
        "FAILED tests/test_api.py::test_totals - assert 3 == 4",
        f"======================== 2 failed, {passed} passed in 4.12s ========================",
        "",
    ]
    return "\n".join(out)


def cargo_log(crates: int = 80, seed: int = 4) -> str:
    rng = random.Random(seed)
    out = ["    Updating crates.io index"]
    for i in range(crates):
        out.append(
            f"   Compiling crate{i}-{rng.choice(['sys', 'core', 'derive'])} v0.{rng.randrange(9)}.{rng.randrange(20)}"
        )
    out += [
        "warning: unused variable: `x`",
        "  --> src/main.rs:4:9",
        "   |",
        "4  |     let x = 5;",
        "   |         ^ help: if this is intentional, prefix it with an underscore: `_x`",
        "",
        "error[E0308]: mismatched types",
        " --> src/lib.rs:12:5",
        "   |",
        "11 | fn total() -> u32 {",
        "   |               --- expected `u32` because of return type",
        '12 |     "twelve"',
        "   |     ^^^^^^^^ expected `u32`, found `&str`",
        "",
        "error: could not compile `app` (lib) due to 1 previous error",
        "",
    ]
    return "\n".join(out)


def npm_log(seed: int = 5) -> str:
    rng = random.Random(seed)
    out = [f"npm WARN deprecated pkg{i}@{rng.randrange(9)}.0.0: use pkg{i}-next instead" for i in range(12)]
    out += [f"added {rng.randrange(100, 900)} packages, and audited {rng.randrange(900, 2000)} packages in 12s"]
    out += [f"  progress fetch http://registry.npmjs.org/pkg{i} {rng.randrange(100)}ms" for i in range(200)]
    out += [
        "npm ERR! code ERESOLVE",
        "npm ERR! ERESOLVE unable to resolve dependency tree",
        "npm ERR! Found: react@18.2.0",
        "npm ERR! Could not resolve dependency: peer react@'^17.0.0'",
        "",
    ]
    return "\n".join(out)


def grep_hits(files: int = 12, per_file: int = 30, seed: int = 6, context: bool = False) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    for f in range(files):
        path = f"src/{rng.choice(MODULES)}/mod_{f}.py"
        line = 1
        for _ in range(per_file):
            line += rng.randrange(1, 30)
            if context:
                out.append(f"{path}-{line - 1}-    # helper")
            out.append(f"{path}:{line}:    result = fetch_orders(client, limit={rng.randrange(100)})")
            if context:
                out.append("--")
    return "\n".join(out) + "\n"


def rg_heading(files: int = 6, per_file: int = 25, seed: int = 7) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    for f in range(files):
        out.append(f"lib/{rng.choice(MODULES)}/file{f}.rs")
        line = 1
        for _ in range(per_file):
            line += rng.randrange(1, 40)
            out.append(f"{line}:    let conn = pool.get().await?;")
        out.append("")
    return "\n".join(out)


def git_diff(files: int = 4, hunks: int = 5, context: int = 10, seed: int = 8, lockfile: bool = True) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    for f in range(files):
        path = f"src/pkg/module_{f}.py"
        out += [
            f"diff --git a/{path} b/{path}",
            f"index {rng.randrange(16**7):07x}..{rng.randrange(16**7):07x} 100644",
            f"--- a/{path}",
            f"+++ b/{path}",
        ]
        start = 1
        for h in range(hunks):
            start += rng.randrange(30, 80)
            body = [f" line {start + i} of context in {path}" for i in range(context)]
            body += [f"-old value {h} = {rng.randrange(1000)}", f"+new value {h} = {rng.randrange(1000)}"]
            body += [f" line {start + context + i + 1} trailing context" for i in range(context)]
            out.append(f"@@ -{start},{2 * context + 1} +{start},{2 * context + 1} @@ def func_{h}():")
            out += body
    if lockfile:
        out += [
            "diff --git a/package-lock.json b/package-lock.json",
            "index 1111111..2222222 100644",
            "--- a/package-lock.json",
            "+++ b/package-lock.json",
            "@@ -10,6 +10,6 @@",
        ]
        out += ['   "lockfileVersion": 3,', '   "requires": true,', '   "packages": {']
        out += [
            '-    "node_modules/left-pad": {"version": "1.0.0"}',
            '+    "node_modules/left-pad": {"version": "1.3.0"}',
        ]
        out += ['     "": {', '       "name": "app"', "     }"]
    return "\n".join(out) + "\n"


def users_json(rows: int = 120, seed: int = 9, pretty: bool = True, needle: int | None = None) -> str:
    rng = random.Random(seed)
    users = []
    for i in range(rows):
        user = {
            "id": i,
            "name": f"user{i:04d}",
            "email": f"user{i:04d}@example.com",
            "active": rng.random() > 0.3,
            "status": "ok" if rng.random() > 0.05 else "failed",
            "roles": rng.sample(["dev", "qa", "ops"], 2),
            "quota": {"cpu": rng.choice([2, 4, 8]), "mem_gb": rng.choice([4, 8, 16])},
            "latency_ms": rng.randrange(20, 60),
            "region": "eu-west-1",
            "error_count": 0,
            "last_login": f"2025-0{rng.randrange(1, 9)}-1{rng.randrange(9)}T10:00:00Z",
        }
        users.append(user)
    if needle is not None:
        users[needle]["note"] = "rotate the deploy key NEEDLE-7731 before friday"
    doc = {"version": 3, "users": users}
    return json.dumps(doc, indent=2 if pretty else None)


def kubectl_pods(rows: int = 60, seed: int = 10) -> str:
    rng = random.Random(seed)
    out = [f"{'NAME':<36s}{'READY':<8s}{'STATUS':<19s}{'RESTARTS':<11s}AGE"]
    for i in range(rows):
        status, ready, restarts = ("Running", "1/1", 0)
        if i == 17:
            status, ready, restarts = ("CrashLoopBackOff", "0/1", 14)
        suffix = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5))
        out.append(f"{'web-7d9f8b6c5-' + suffix:<36s}{ready:<8s}{status:<19s}{restarts:<11d}3d")
    return "\n".join(out) + "\n"


def ls_la(rows: int = 40, seed: int = 11) -> str:
    rng = random.Random(seed)
    out = [f"total {rng.randrange(100, 900)}"]
    for i in range(rows):
        out.append(f"drwxr-xr-x  {rng.randrange(2, 9)} root root  4096 May  {rng.randrange(1, 9)}  2025 dir{i}")
    return "\n".join(out) + "\n"


def prose(paragraphs: int = 40, seed: int = 12) -> str:
    rng = random.Random(seed)
    words = [
        "the",
        "proxy",
        "forwards",
        "every",
        "request",
        "byte",
        "for",
        "so",
        "prompt",
        "caches",
        "keep",
        "hitting",
        "while",
        "tool",
        "outputs",
        "shrink",
    ]
    return "\n\n".join(" ".join(rng.choice(words) for _ in range(60)) for _ in range(paragraphs)) + "\n"


PYTHON_CODE = '''import json


class Store:
    """A tiny store."""

    def __init__(self, path: str) -> None:
        self.path = path\x20\x20\x20

    def load(self) -> dict:
        with open(self.path) as fh:
            return json.load(fh)



def main() -> None:
    Store("x").load()
'''
