"""The data of one `ast` walk: labels, severity specs, functions, hits and scopes.

A scope (module or function) maps variable names to the *labels* of what they
hold (decoded data, a network response, the environment, a credential path
...). Hits are raw observations recorded with the function they occur in;
`ast_rules` later decides which functions run and turns hits into findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Labels = frozenset[str]
EMPTY: Labels = frozenset()


@dataclass(frozen=True, slots=True)
class Sev:
    """How a hit's severity depends on where it runs.

    ``mode`` is ``adjust`` (use `ExecContext.adjust` on ``top``), ``threat``
    (``top`` wherever it runs, one level less in a function nothing calls), or
    ``staged`` (``install`` in setup/start-up code, ``top`` at import time,
    ``func`` in uncalled functions and tests). Levels are `Severity` ints.
    """

    mode: str
    top: int
    install: int = 0
    func: int = 0


def adjust(top: int) -> Sev:
    """A capability-like hit scaled by `ExecContext.adjust`."""
    return Sev("adjust", top)


def threat(top: int, uncalled: int | None = None) -> Sev:
    """A clear-threat hit: *top* wherever it runs, *uncalled* (default one less) if never called."""
    return Sev("threat", top, 0, top - 1 if uncalled is None else uncalled)


def staged(install: int, top: int, func: int) -> Sev:
    """A hit with explicit levels for install/start-up, import time and functions."""
    return Sev("staged", top, install, func)


def payload(level: int = 4) -> Sev:
    """Part of a payload routine: *level* whether or not anything calls it (one less in an
    uncalled test function).

    A function that downloads and runs, steals, persists or beacons, and talks to a
    webhook, paste, tunnel or raw-IP host in the same body, is malicious when the user
    calls it as much as when import does.
    """
    return Sev("payload", level, level, level)


@dataclass(eq=False, slots=True)
class Func:
    """A function (or a block that may not run, such as ``if __name__ == '__main__'``)."""

    name: str
    cls: str | None
    calls: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    root: bool = False
    # Callees as written (``fn``, ``core.fn``), resolved later against the imports:
    # calls into other files of the package (see `ast_links`).
    ext: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Hit:
    """A raw observation before context and reachability decide its severity."""

    rule: str
    sev: Sev
    line: int
    func: Func | None
    message: str
    confidence: float


@dataclass(slots=True)
class Scope:
    func: Func | None
    # The enclosing function's scope (closures read its variables).
    parent: Scope | None = None
    # Index into `WalkState.hits` where this scope's hits begin.
    first_hit: int = 0
    vars: dict[str, Labels] = field(default_factory=dict)
    consts: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # Other folded values bound to names here (bytes, ints, lists: `key = [0x4f, ...]`).
    values: dict[str, object] = field(default_factory=dict)
    # name -> the known text of what it holds when that cannot be folded whole: a request
    # (`req = Request(URL, data=...)`), a command with a variable part
    # (`cmd = f"curl -s {url} -o {path}"`).
    texts: dict[str, str] = field(default_factory=dict)
    net_write: int = 0
    run_file: bool = False
    # sys.path was extended here: an import that follows may load a file just written.
    path_added: bool = False
    chmod_x: bool = False
    slept: int = 0
    gated: int = 0
    socket_connect: bool = False
    # A connection in this scope goes to a webhook, tunnel, paste or raw public IP.
    suspicious_peer: bool = False
    clip_read: bool = False
    # name -> the variable it wraps (``z = ZipFile(buf)``): data put into z lands in buf.
    wraps: dict[str, str] = field(default_factory=dict)
    # handle -> (line of its first write, texts written): a script written line by line.
    writes: dict[str, tuple[int, list[str]]] = field(default_factory=dict)


@dataclass(slots=True)
class ClassInfo:
    """A class defined in the file, with its base names and methods."""

    name: str
    bases: list[str]
    methods: list[Func]
    top_level: bool


PARAM_PREFIX = "param:"
MAX_PARAMS = 8
_PARAM_LABELS = tuple(frozenset({f"{PARAM_PREFIX}{i}"}) for i in range(MAX_PARAMS))


def param_labels(index: int) -> Labels:
    """The label a function's *index*-th parameter carries while its body is walked."""
    return _PARAM_LABELS[index] if index < MAX_PARAMS else EMPTY


def params_in(labels: Labels) -> list[int]:
    """The parameter indexes whose labels are in *labels*."""
    return sorted(int(x[len(PARAM_PREFIX) :]) for x in labels if x.startswith(PARAM_PREFIX))
