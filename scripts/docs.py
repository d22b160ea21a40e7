#!/usr/bin/env python3
"""Docs are tests: every fenced block of README.md, python/README.md and docs/*.md runs.

    python3 scripts/docs.py check             classify every block; fail on one it cannot run
    python3 scripts/docs.py selftest          the runner rejects what it must (wrong output, value)
    python3 scripts/docs.py run-sh            run the shell blocks (tidescale = the built binary)
    .venv/bin/python scripts/docs.py run-python   run the Python blocks (tidescale installed)
    python3 scripts/docs.py extract-c DIR     write the C blocks to DIR (scripts/test-c builds them)
    python3 scripts/docs.py extract-python DIR  one module per file, for mypy --strict
    python3 scripts/docs.py c-build-lines     print the documented `cc ... app.c ...` build lines

How each fence is run (the first word of the info string is the language, as GitHub reads it):

- ``rust``: a doctest (`core/src/lib.rs` includes the file with `#[doc = include_str!(...)]`);
  `check` fails when a file with Rust blocks is not included there.
- ``python``: run in one namespace per file, in order, from the repository root. Every
  top-level expression statement with a trailing comment is asserted: its `repr` (for
  `print(...)`, what it printed) must equal the comment, where `...` matches anything.
- ``c``: compiled against the installed library and run under valgrind by scripts/test-c.
- ``sh``: each command runs from the repository root with the built `tidescale` first on PATH.
  Commands the test scripts themselves perform (SETUP below) are not run twice. `cc` lines are
  C build lines, run by scripts/test-c against the README's C example as `app.c`.
- A ``text`` block right after an ``sh`` block with one command, or after a ``c`` block, is that
  program's expected output (lines compared; a last line `...` means "and more"). Any other
  ``text`` block is prose (tables, listings, sample files).
- ``sh norun``, ``cmake``: deliberately not run (commands against a cluster, benchmarks, the
  CMake snippet that scripts/test-c exercises through its own consumer project).

A fence with no language or any other language fails `check`.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCTEST_HOST = ROOT / "core" / "src" / "lib.rs"

# Commands the test scripts run themselves (or must not run: installing, recursion, release
# builds), with the script that covers each.
SETUP = [
    (re.compile(r"^bash scripts/test-all\b"), "the test command itself"),
    (re.compile(r"^bash \.ci/run\b"), "the CI entry point (runs the test command)"),
    (re.compile(r"^bash scripts/test-c\b"), "scripts/test-all runs it"),
    (re.compile(r"^bash scripts/test-python$"), "scripts/test-all runs it"),
    (re.compile(r"^bash scripts/install-c\b"), "scripts/test-c installs into a scratch prefix"),
    (re.compile(r"^cargo build -p tidescale-ffi\b"), "scripts/install-c builds it"),
    (re.compile(r"^cargo install --path cli\b"), "the tests use the built binary instead"),
    (re.compile(r"^python3 -m venv \.venv\b"), "scripts/test-python creates .venv"),
    (re.compile(r"^pip install (\./python|'\./python\[yaml\]')(\s|$)"), "scripts/test-python installs the wheel"),
]
KNOWN = {"rust", "python", "c", "sh", "text", "cmake"}


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    attrs: list[str]
    body: str
    output: Block | None = None  # the text block that follows, when it is this block's output

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "python" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    out: list[Block] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(```+)(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).strip()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(rf"^\s*{fence}\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        words = info.replace(",", " ").split()
        lang = words[0] if words else ""
        out.append(Block(path, start + 1, lang, words[1:], "\n".join(body) + "\n"))
        # the next block is this one's output when only blank lines separate them
        i += 1
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        if out[-1].lang in ("sh", "c") and j < len(lines) and re.match(r"^\s*```+text\s*$", lines[j]):
            out[-1].output = Block(path, j + 1, "text", [], "")  # body filled when reached
    # link outputs to the parsed text blocks
    by_line = {b.line: b for b in out}
    for b in out:
        if b.output is not None:
            b.output = by_line[b.output.line]
            b.output.attrs.append("output")
    return out


def all_blocks() -> list[Block]:
    return [b for p in doc_files() for b in blocks(p)]


def commands(body: str) -> list[str]:
    """The shell commands of a block: comments and blank lines dropped, continuations joined."""
    cmds: list[str] = []
    cur = ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if cur:
            line = cur + " " + line.strip()
            cur = ""
        if line.endswith("\\"):
            cur = line[:-1].rstrip()
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cmds.append(stripped)
    return cmds


def setup_reason(cmd: str) -> str | None:
    cmd = re.sub(r"\s+#.*$", "", cmd).strip()
    for pattern, why in SETUP:
        if pattern.search(cmd):
            return why
    return None


def check() -> int:
    errors: list[str] = []
    host = DOCTEST_HOST.read_text()
    counts: dict[str, int] = {}
    for b in all_blocks():
        kind = b.lang if b.lang in KNOWN else None
        if kind is None:
            errors.append(f"{b.where}: a ```{b.lang} block cannot be run: label it rust, python, "
                          "c, sh, text (output or prose) or `sh norun`")
            continue
        if kind == "sh" and b.attrs not in ([], ["norun"]):
            errors.append(f"{b.where}: unknown fence attributes {b.attrs}")
        if kind == "sh" and b.output is not None and len(commands(b.body)) != 1:
            errors.append(f"{b.where}: a block followed by its output must hold one command")
        if kind == "rust":
            rel = os.path.relpath(b.path, DOCTEST_HOST.parent)
            if f'include_str!("{rel}")' not in host:
                errors.append(f"{b.where}: Rust block not run: {DOCTEST_HOST.relative_to(ROOT)} "
                              f'does not include_str!("{rel}")')
        counts[kind] = counts.get(kind, 0) + 1
    for e in errors:
        print(f"docs: {e}", file=sys.stderr)
    print("docs: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + " blocks")
    return 1 if errors else 0


def ellipsis_match(expected: str, got: str) -> bool:
    parts = expected.split("...")
    pattern = ".*".join(re.escape(p) for p in parts)
    return re.fullmatch(pattern, got, re.DOTALL) is not None


def compare_output(where: str, expected: str, got: str) -> str | None:
    exp = [line.rstrip() for line in expected.rstrip("\n").splitlines()]
    out = [line.rstrip() for line in got.rstrip("\n").splitlines()]
    if exp and exp[-1] == "...":
        exp = exp[:-1]
        out = out[: len(exp)]
    if exp == out:
        return None
    diff = [f"{where}: the printed output differs"]
    for n, (e, o) in enumerate(zip(exp + [""] * len(out), out + [""] * len(exp))):
        if e != o:
            diff.append(f"  line {n + 1}: documented {e!r}\n  {' ' * len(str(n + 1))}       printed    {o!r}")
            break
    return "\n".join(diff)


def run_sh() -> int:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
    if not (target / "tidescale").exists():
        print(f"docs: {target / 'tidescale'} is not built (cargo build -p tidescale-cli)", file=sys.stderr)
        return 1
    env = dict(os.environ)
    path = [str(target)]
    if (ROOT / ".venv" / "bin").is_dir():
        path.append(str(ROOT / ".venv" / "bin"))
    env["PATH"] = os.pathsep.join(path + [env.get("PATH", "")])
    failures = 0
    ran = 0
    for b in all_blocks():
        if b.lang != "sh" or b.attrs == ["norun"]:
            continue
        for cmd in commands(b.body):
            if setup_reason(cmd) or re.match(r"^(cc|c\+\+) ", cmd):
                continue
            proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=600)
            ran += 1
            if proc.returncode != 0:
                failures += 1
                print(f"docs: {b.where}: `{cmd}` exited {proc.returncode}\n{proc.stderr}", file=sys.stderr)
                continue
            if b.output is not None:
                problem = compare_output(b.where, b.output.body, proc.stdout)
                if problem:
                    failures += 1
                    print(f"docs: {problem}\n--- printed:\n{proc.stdout}", file=sys.stderr)
    print(f"docs: {ran} shell commands run, {failures} failed")
    return 1 if failures else 0


def comments_by_line(src: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string[1:].strip()
    return found


def run_python_blocks(path: Path, bs: list[Block]) -> tuple[int, int]:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    checked = failures = 0
    for b in bs:
        try:
            tree = ast.parse(b.body)
        except SyntaxError as e:
            print(f"docs: {b.where}: {e}", file=sys.stderr)
            failures += 1
            continue
        comments = comments_by_line(b.body)
        for stmt in tree.body:
            where = f"{b.path.relative_to(ROOT)}:{b.line + stmt.lineno}"
            expected = comments.get(stmt.end_lineno or stmt.lineno) if isinstance(stmt, ast.Expr) else None
            is_print = (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                        and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "print")
            buf = io.StringIO()
            try:
                with contextlib.redirect_stdout(buf):
                    if isinstance(stmt, ast.Expr):
                        value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)
                    else:
                        exec(compile(ast.Module([stmt], []), where, "exec"), namespace)
                        value = None
            except Exception as e:  # noqa: BLE001 - reported with the block's line
                print(f"docs: {where}: {type(e).__name__}: {e}", file=sys.stderr)
                failures += 1
                break
            if expected is None:
                continue
            got = buf.getvalue().rstrip("\n") if is_print else repr(value)
            checked += 1
            if not ellipsis_match(expected, got):
                failures += 1
                print(f"docs: {where}: the comment says {expected!r}, the value is {got!r}", file=sys.stderr)
    return checked, failures


def run_python() -> int:
    os.chdir(ROOT)
    checked = failures = 0
    for p in doc_files():
        bs = [b for b in blocks(p) if b.lang == "python"]
        if bs:
            c, f = run_python_blocks(p, bs)
            checked += c
            failures += f
    print(f"docs: Python blocks run, {checked} values checked, {failures} failed")
    return 1 if failures else 0


def extract_c(outdir: str) -> int:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for b in all_blocks():
        if b.lang != "c":
            continue
        name = re.sub(r"[^A-Za-z0-9]+", "_", f"{b.path.relative_to(ROOT).with_suffix('')}_{b.line}")
        (out / f"{name}.c").write_text(b.body)
        if b.output is not None:
            (out / f"{name}.expected").write_text(b.output.body)
        print(name)
    return 0


def extract_python(outdir: str) -> int:
    """One module per documentation file (its blocks in order), for mypy --strict."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for p in doc_files():
        bs = [b for b in blocks(p) if b.lang == "python"]
        if bs:
            name = re.sub(r"[^A-Za-z0-9]+", "_", str(p.relative_to(ROOT).with_suffix("")))
            (out / f"docs_{name}.py").write_text("".join(b.body for b in bs))
            print(out / f"docs_{name}.py")
    return 0


def c_build_lines() -> int:
    for b in all_blocks():
        if b.lang == "sh" and b.attrs != ["norun"]:
            for cmd in commands(b.body):
                if re.match(r"^(cc|c\+\+) ", cmd):
                    print(cmd)
    return 0


def selftest() -> int:
    """The runner's own checks: what it must reject, it rejects."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        md = Path(d) / "t.md"
        md.write_text("```sh\necho 1\n```\n\n```text\n1\n```\n\n```\nbare\n```\n\n"
                      "```python\n1 + 1  # 3\nprint('a b')  # a ...\n```\n")
        bs = blocks(md)
        problems = []
        if [b.lang for b in bs] != ["sh", "text", "", "python"]:
            problems.append(f"fences read as {[b.lang for b in bs]}")
        if bs[0].output is not bs[1]:
            problems.append("a text block after an sh block is not its output")
        if compare_output("x", "1\n", "2\n") is None:
            problems.append("a different output passes")
        if compare_output("x", "1\n...\n", "1\n2\n3\n") is not None:
            problems.append("a trailing ... does not match the rest")
        if not ellipsis_match("<D: up ...>", "<D: up from 1>") or ellipsis_match("3", "2"):
            problems.append("ellipsis matching is wrong")
        ns: dict[str, object] = {}
        value = eval("1 + 1", ns)
        if ellipsis_match(comments_by_line("1 + 1  # 3\n")[1], repr(value)):
            problems.append("a wrong value in a comment passes")
    for p in problems:
        print(f"docs selftest: {p}", file=sys.stderr)
    print(f"docs selftest: {'failed' if problems else 'ok'}")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) >= 2 and argv[1] == "check":
        return check()
    if len(argv) >= 2 and argv[1] == "run-sh":
        return run_sh()
    if len(argv) >= 2 and argv[1] == "run-python":
        return run_python()
    if len(argv) == 3 and argv[1] == "extract-c":
        return extract_c(argv[2])
    if len(argv) == 3 and argv[1] == "extract-python":
        return extract_python(argv[2])
    if len(argv) >= 2 and argv[1] == "c-build-lines":
        return c_build_lines()
    if len(argv) == 3 and argv[1] == "compare":
        problem = compare_output(argv[2], Path(argv[2]).read_text(), sys.stdin.read())
        if problem:
            print(f"docs: {problem}", file=sys.stderr)
        return 1 if problem else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
