"""`.pth` files: the lines the interpreter executes at every start, and what they do.

`pth_lines` picks out the executable (``import``) lines; `pth_imported_modules`
names what they import (the package then judges those modules as start-up
code); `analyze_pth` walks each line with the `ast` rules in start-up context.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pycustoms.analyzers.code import FileReport, ast_rules
from pycustoms.analyzers.code.ast_model import Hit, threat
from pycustoms.analyzers.code.ast_walk import AstWalker
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.parsing import parse
from pycustoms.rules import Rule
from pycustoms.types import Capability, Severity

PTH_PAYLOAD = "code/pth-executes-payload"
PTH_IMPORT = "code/pth-import-hook"
_C, _L = Severity.CRITICAL, Severity.LOW
RULES: tuple[Rule, ...] = (
    Rule(PTH_PAYLOAD, _C, ".pth line runs a payload",
         "An executable line of a .pth file (run at every interpreter start) execs, decodes, "
         "spawns a process or opens the network.", Capability.INSTALL_TIME),
    Rule(PTH_IMPORT, _L, ".pth file imports a module at start-up",
         "An executable line of a .pth file imports a module at every interpreter start. Normal "
         "for editable installs and coverage hooks.", Capability.INSTALL_TIME),
)  # fmt: skip


def pth_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, line) for the lines of a `.pth` file that start with `import`."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(("import ", "import\t")):
            yield number, line


def pth_imported_modules(text: str) -> frozenset[str]:
    """Top-level module names that a `.pth` file's start-up lines import."""
    names: set[str] = set()
    for _, line in pth_lines(text):
        for stmt in line.split(";"):
            m = re.match(r"\s*import\s+([\w.,\s]+)", stmt)
            if m:
                names.update(n.strip().split(".")[0] for n in m.group(1).split(",") if n.strip())
            names.update(re.findall(r"__import__\(\s*['\"]([\w]+)", stmt))
    return frozenset(names)


_PTH_BENIGN = re.compile(
    r"^import\s+(_virtualenv|__editable__\S*|_distutils_hack|distutils_precedence|coverage|"
    r"_coverage\S*|pytest_cov\S*|sitecustomize|site|os|sys)\b"
)


def analyze_pth(path: str, text: str) -> FileReport:
    """Judge the executable lines of a ``.pth`` file in start-up context.

    Plain path lines are ignored. An ``import`` line that only imports and calls
    a module is a LOW `code/pth-import-hook` (or nothing for the well-known
    editable-install, distutils-precedence and coverage hooks); one that execs,
    decodes, spawns or opens the network is a CRITICAL `code/pth-executes-payload`.
    """
    walker = AstWalker(text, install=False)
    extra: list[Hit] = []
    for number, line in pth_lines(text):
        tree = parse(line, path)
        if tree is None:
            continue
        ast.increment_lineno(tree, number - 1)
        before = dict(walker.counts)
        ast_rules.walk(walker, tree.body)
        grew = [k for k, v in walker.counts.items() if v > before[k]]
        if grew:
            what = ", ".join(grew)
            extra.append(
                Hit(PTH_PAYLOAD, threat(4), number, None, f"start-up line does: {what}", 0.95)
            )
        elif not _PTH_BENIGN.match(line):
            extra.append(
                Hit(PTH_IMPORT, threat(1), number, None, "imports a module at start-up", 0.8)
            )
    walker.hits.extend(extra)
    findings = ast_rules.hit_findings(walker, path, ExecContext.STARTUP)
    caps = set(walker.caps)
    if extra:
        caps.add(Capability.INSTALL_TIME)
    return FileReport(path, tuple(findings), frozenset(caps))
