"""Calls between the files of one package.

A payload often sits in a function of an ordinary module (`pkg/_telemetry.py`)
and is started by one line elsewhere: `from ._telemetry import start; start()`
in `pkg/__init__.py`, or a helper that `setup.py` imports and calls. Judged
file by file, the function looks like library code nobody calls.

Each walked file therefore leaves `Links`: the functions of other package files
it calls when it runs (`runs`), and, for its own functions that do not run when
it is imported, their findings-in-waiting, the calls among them and the calls
they make into other files. `reach` joins the files of a package and says which
waiting functions do run, in which context and because of which caller; the
orchestrator then judges their hits as running code.

Plain functions are followed through names and dotted names that the file's
own imports resolve (`fn`, `core.fn`, `pkg.core.fn`, relative or absolute, and
one re-export through a package `__init__`). Methods wait with their class,
which only install-time code starts, by naming it (a `cmdclass` entry in
`setup.py` that imports its command from the package).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pycustoms.analyzers.code.ast_model import Func, Sev
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.types import Severity

Target = tuple[str, str]  # (module path without suffix, function name)
_MAX_EXPORTS = 500


@dataclass(frozen=True, slots=True)
class Waiting:
    """A hit in a function that does not run when its own file runs."""

    func: str
    rule: str
    sev: Sev
    line: int
    message: str
    confidence: float
    snippet: str | None
    reported: Severity  # the severity it was reported with (INFO: not reported)


@dataclass(frozen=True, slots=True)
class Links:
    """What one file can run in other files, and what in it waits to be run."""

    runs: frozenset[Target] = frozenset()
    exports: Mapping[str, Target] = field(default_factory=dict)
    calls: Mapping[str, frozenset[str]] = field(default_factory=dict)
    calls_out: Mapping[str, frozenset[Target]] = field(default_factory=dict)
    waiting: tuple[Waiting, ...] = ()
    # Keys of `calls` that are classes: their methods' hits wait together, and only
    # setup.py naming the class (a `cmdclass` entry) starts them.
    classes: frozenset[str] = frozenset()


def resolve(walker: WalkState, path: str, written: str) -> Target | None:
    """The (module, function) a callee written as *written* in *path* names, if imported."""
    head, _, rest = written.partition(".")
    chain = rest.split(".") if rest else []
    if head in walker.rel_imports:
        level, module, name = walker.rel_imports[head]
        package = path.split("/")[:-1]
        if level - 1 > len(package):
            return None
        parts = package[: len(package) - (level - 1)] + [p for p in module.split(".") if p]
        names = [name, *chain]
        return "/".join(parts + names[:-1]), names[-1]
    full = walker.aliases.get(head)
    if full is None:
        return None
    dotted = ".".join([full, *chain])
    module, _, attr = dotted.rpartition(".")
    return (module.replace(".", "/"), attr) if module else None


def build(
    walker: WalkState,
    path: str,
    run: set[Func],
    waiting: list[Waiting],
    *,
    graph: bool = False,
) -> Links | None:
    """The links of a walked file; *run* are its functions that run when it runs.

    With *graph*, the calls of its idle functions are kept even when none of
    them waits with a hit (the file may be a link in a chain of calls).
    """
    written = set(walker.top_ext)
    for func in run:
        written |= func.ext
    if walker.install and path == "setup.py":
        written |= walker.top_refs  # command classes named in `cmdclass`, never called
    runs = frozenset(t for w in written if (t := resolve(walker, path, w)) is not None)
    exports: dict[str, Target] = {}
    if path.endswith("__init__.py"):
        for name in list(walker.rel_imports)[:_MAX_EXPORTS]:
            target = resolve(walker, path, name)
            if target is not None:
                exports[name] = target
    if not waiting and not graph:
        return Links(runs, exports) if runs or exports else None
    calls: dict[str, frozenset[str]] = {}
    calls_out: dict[str, frozenset[Target]] = {}
    for func in walker.funcs:
        if func in run:
            continue
        key = func.cls or func.name
        out = frozenset(t for w in func.ext if (t := resolve(walker, path, w)) is not None)
        calls[key] = calls.get(key, frozenset()) | func.calls
        calls_out[key] = calls_out.get(key, frozenset()) | out
    classes = frozenset(c.name for c in walker.classes) & set(calls)
    return Links(runs, exports, calls, calls_out, tuple(waiting), classes)


@dataclass(frozen=True, slots=True)
class Reached:
    """A waiting function that runs after all: when, and because of which file."""

    context: ExecContext
    caller: str


def _files(module: str) -> tuple[str, ...]:
    return (
        f"{module}.py",
        f"{module}/__init__.py",
        f"src/{module}.py",
        f"src/{module}/__init__.py",
    )


def reach(
    links: Mapping[str, Links], contexts: Mapping[str, ExecContext]
) -> dict[tuple[str, str], Reached]:
    """Which (file, function) pairs with waiting hits run, and in which context.

    *links* and *contexts* are by file path. A function is reached when a file
    that runs calls it (in that file's context), or when a reached function
    calls it; the most dangerous context wins.
    """
    reached: dict[tuple[str, str], Reached] = {}
    queue: deque[tuple[str, str, Reached]] = deque()

    def target(found: Target, how: Reached, depth: int = 0) -> None:
        module, name = found
        for path in _files(module):
            link = links.get(path)
            if link is None:
                continue
            if name in link.classes and how.caller != "setup.py":
                continue  # only setup.py runs a class by naming it (`cmdclass`)
            if name in link.calls:
                queue.append((path, name, how))
            elif name in link.exports and depth < 2:
                target(link.exports[name], how, depth + 1)

    for path, link in links.items():
        for found in link.runs:
            target(found, Reached(contexts[path], path))
    while queue:
        path, name, how = queue.popleft()
        known = reached.get((path, name))
        if known is not None and known.context <= how.context:
            continue
        reached[(path, name)] = how
        link = links[path]
        for callee in link.calls.get(name, ()):
            if callee in link.calls and callee not in link.classes:
                queue.append((path, callee, how))
        for found in link.calls_out.get(name, ()):
            target(found, how)
    return reached


def module_word(path: str) -> str:
    """The name other files use for the module at *path* (a package: its directory)."""
    parts = path.rsplit("/", 2)
    stem = parts[-1].rsplit(".", 1)[0]
    return parts[-2] if stem == "__init__" and len(parts) > 1 else stem


def onward(links: Iterable[tuple[str, Links]]) -> set[tuple[str, str]]:
    """(module word, function) pairs by which another file could start these links.

    Each (path, links) item is a file found to be a link in a chain: it offers
    every function that calls onward, and what it re-exports.
    """
    out: set[tuple[str, str]] = set()
    for path, link in links:
        names = {name for name, calls in link.calls_out.items() if calls}
        names |= {name for name, inner in link.calls.items() if inner}
        word = module_word(path)
        out |= {(word, name) for name in names | set(link.exports)}
    return out


def mentions(present: set[str], pairs: set[tuple[str, str]]) -> bool:
    """True if *present* (a file's identifiers) holds both halves of one of *pairs*."""
    return any(module in present and func in present for module, func in pairs)
