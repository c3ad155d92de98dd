"""One pass over a parsed module: simple taint tracking and raw rule hits.

The walker visits every node once, in source order. Each scope (module or
function) maps variable names to the *labels* of what they hold (decoded data,
a network response, the environment, a credential path ...). Calls are judged
where they happen: a sink (`exec`, a network send, a process spawn) looks at
the labels of its arguments. Hits are recorded with the function they occur
in; `ast_rules` decides afterwards which functions run (called at top level,
`cmdclass` hooks in `setup.py`) and scales severities to the file's context.
Nothing here imports, compiles or runs the analysed code.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass, field

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.types import Capability

Labels = frozenset[str]
_EMPTY: Labels = frozenset()

# Rule ids (declared with their meaning in `ast_rules.RULES`).
EXEC_DECODED = "code/exec-decoded-payload"
EXEC_REMOTE = "code/exec-remote-code"
EXEC_FILE = "code/exec-file-content"
EXEC_BUILT = "code/exec-obfuscated-string"
OBF_IMPORT = "code/obfuscated-import"
OBF_ATTR = "code/obfuscated-attribute"
CHAR_CODES = "code/char-code-string"
UNICODE_ID = "code/unicode-identifier"
LONG_EXPR = "code/very-long-expression"
PYARMOR = "code/pyarmor-obfuscation"
INSTALL_NET = "code/install-time-network"
INSTALL_PROC = "code/install-time-process"
SUSPICIOUS_HOST = "code/suspicious-endpoint"
DOWNLOAD_CMD = "code/download-command"
DOWNLOAD_EXEC = "code/download-execute"
EXFIL = "code/exfiltration"
HOST_EXFIL = "code/host-info-exfiltration"
DNS_EXFIL = "code/dns-exfiltration"
CRED_ACCESS = "code/credential-file-access"
STEALER = "code/stealer-target-access"
METADATA = "code/cloud-metadata-access"
ENV_DUMP = "code/environment-dump"
SURVEIL = "code/surveillance"
PERSIST = "code/persistence"
REVSHELL = "code/reverse-shell"
SHELLCODE = "code/shellcode-loader"
GATED = "code/environment-gated-payload"
SLEEP = "code/sleep-before-payload"


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


@dataclass(eq=False, slots=True)
class Func:
    """A function (or a block that may not run, such as ``if __name__ == '__main__'``)."""

    name: str
    cls: str | None
    calls: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    root: bool = False


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
class _Scope:
    func: Func | None
    vars: dict[str, Labels] = field(default_factory=dict)
    consts: dict[str, tuple[str, bool]] = field(default_factory=dict)
    net_write: int = 0
    run_file: bool = False
    chmod_x: bool = False
    slept: int = 0
    gated: int = 0
    socket_connect: bool = False


@dataclass(slots=True)
class ClassInfo:
    """A class defined in the file, with its base names and methods."""

    name: str
    bases: list[str]
    methods: list[Func]
    top_level: bool


_TERMINATORS = frozenset({"sys.exit", "exit", "quit", "os._exit"})
_LOOPBACK = re.compile(
    r"https?://(127\.|0\.0\.0\.0|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)"
)
_RAW_IP = re.compile(r"https?://(\d{1,3}\.){3}\d{1,3}")
_SHELL_TOOLS = re.compile(r"\b(curl|wget|nslookup|dig|nc|ncat|ping|host|Invoke-WebRequest)\b")
_CHMOD_TEXT = re.compile(r"chmod\s+(\+x|[0-7]?[0-7][1357][0-7]|[0-7]?[0-7][0-7][1357]|u\+x|a\+x)")
_ALLOC_APIS = frozenset({"VirtualAlloc", "VirtualAllocEx", "NtAllocateVirtualMemory"})
_COPY_APIS = frozenset({"RtlMoveMemory", "WriteProcessMemory"})
_THREAD_APIS = frozenset({"CreateThread", "CreateRemoteThread", "WaitForSingleObject"})
_RECV_ONLY = frozenset(
    {"strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "lower", "upper", "ljust",
     "rjust", "center", "zfill", "removeprefix", "removesuffix", "startswith", "endswith"}
)  # fmt: skip
_BLOB_ONLY: frozenset[str] = frozenset({T.BLOB})
_DANGEROUS_NAMES = frozenset({"exec", "eval", "compile", "__import__", "getattr", "open"})


def suspicious_url(text: str) -> bool:
    """True if *text* names a raw public IP, a webhook, tunnel, paste or catcher host."""
    for match in T.SUSPICIOUS_HOST.finditer(text):
        found = match.group(0)
        if _RAW_IP.match(found) and _LOOPBACK.match(text, match.start()):
            continue
        return True
    return False


class Walker:
    """Walks one module once and records `Hit`s, capabilities and the call graph."""

    def __init__(self, source: str, *, install: bool) -> None:
        self.install = install
        self.lines = source.splitlines()
        self.nonascii = not source.isascii()
        self.aliases: dict[str, str] = {}
        self.hits: list[Hit] = []
        self.caps: set[Capability] = set()
        self.funcs: list[Func] = []
        self.classes: list[ClassInfo] = []
        self.module = _Scope(None)
        self.scope = self.module
        self.cls: ClassInfo | None = None
        self.top_calls: set[str] = set()
        self.top_refs: set[str] = set()
        self.events = 0  # network sends, dynamic exec, download commands seen so far
        self.counts: dict[str, int] = {"net": 0, "proc": 0, "exec": 0, "decode": 0}
        self.returns: dict[str, Labels] = {}
        self.shellcode: dict[str, tuple[int, Func | None]] = {}
        self.sockets_seen = False
        self.literal_depth = 0

    # ----------------------------------------------------------------- recording
    def hit(self, rule: str, sev: Sev, node: ast.AST, message: str, conf: float = 0.9) -> None:
        """Record a hit at *node* in the current function."""
        line = getattr(node, "lineno", 0)
        self.hits.append(Hit(rule, sev, line, self.scope.func, message, conf))

    def _event(self, node: ast.AST) -> None:
        self.events += 1
        if self.scope.slept:
            self.hit(
                SLEEP,
                staged(3, 2, 1),
                node,
                f"payload runs after a long sleep (line {self.scope.slept})",
                0.7,
            )
            self.scope.slept = 0
        if self.scope.gated:
            self.hit(
                GATED,
                staged(3, 3, 2),
                node,
                f"payload runs only past an environment check (line {self.scope.gated})",
                0.8,
            )
            self.scope.gated = 0

    # ----------------------------------------------------------------- names
    def qual(self, node: ast.expr) -> str | None:
        """The dotted name a callee or value resolves to after import aliases."""
        name: str | None
        if isinstance(node, ast.Name):
            name = self.aliases.get(node.id, node.id)
        elif isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            name = None if base is None else f"{base}.{node.attr}"
        elif isinstance(node, ast.Call):
            name = self._call_result_name(node)
        elif isinstance(node, ast.Subscript):
            base = self.qual(node.value)
            key = self.fold(node.slice)
            name = key[0] if base in T.BUILTIN_MODULES and key else None
        else:
            return None
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in T.BUILTIN_MODULES and rest:
            return rest
        return name

    def _call_result_name(self, node: ast.Call) -> str | None:
        callee = self.qual(node.func)
        if callee in T.IMPORT_SINKS and node.args:
            folded = self.fold(node.args[0])
            return folded[0] if folded else None
        if callee == "getattr" and len(node.args) >= 2:
            base = self.qual(node.args[0])
            attr = self.fold(node.args[1])
            if base is not None and attr is not None:
                return f"{base}.{attr[0]}"
        return None

    def fold(self, node: ast.expr) -> tuple[str, bool] | None:
        """Constant-fold a string expression: (value, was it assembled from pieces)."""
        if isinstance(node, ast.Constant):
            return (node.value, False) if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return self.scope.consts.get(node.id, self.module.consts.get(node.id))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.fold(node.left), self.fold(node.right)
            if left and right:
                return left[0] + right[0], True
            return None
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            built = False
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                elif isinstance(value, ast.FormattedValue):
                    inner = self.fold(value.value)
                    if inner is None:
                        return None
                    parts.append(inner[0])
                    built = True
            return "".join(parts), built
        if isinstance(node, ast.Subscript) and _is_reverse(node.slice):
            inner = self.fold(node.value)
            return (inner[0][::-1], True) if inner else None
        if isinstance(node, ast.Call):
            return self._fold_call(node)
        return None

    def _fold_call(self, node: ast.Call) -> tuple[str, bool] | None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "chr" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int):
                if 0 <= arg.value < 0x110000:
                    return chr(arg.value), True
            return None
        if isinstance(func, ast.Attribute) and func.attr == "join" and len(node.args) == 1:
            sep = self.fold(func.value)
            arg = node.args[0]
            if sep is None or not isinstance(arg, ast.List | ast.Tuple):
                return None
            pieces = [self.fold(e) for e in arg.elts]
            if all(p is not None for p in pieces):
                return sep[0].join(p[0] for p in pieces if p), True
        return None

    def literal_text(self, node: ast.AST) -> str:
        """All string constants under *node* (folded names included), space-joined."""
        out: list[str] = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                out.append(sub.value)
            elif isinstance(sub, ast.Name):
                folded = self.fold(sub)
                if folded:
                    out.append(folded[0])
        return " ".join(out)

    # ----------------------------------------------------------------- variables
    def lookup(self, name: str) -> Labels:
        """Labels of variable *name* in the current scope, then the module."""
        found = self.scope.vars.get(name)
        if found is None:
            found = self.module.vars.get(name, _EMPTY)
        return found

    def bind(self, target: ast.expr, labels: Labels, value: ast.expr | None = None) -> None:
        """Bind *labels* to an assignment target (names, tuples, attributes)."""
        if isinstance(target, ast.Name):
            self.scope.vars[target.id] = labels
            folded = self.fold(value) if value is not None else None
            if folded is not None:
                self.scope.consts[target.id] = folded
            else:
                self.scope.consts.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self.bind(elt, labels)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, labels)
        elif isinstance(target, ast.Attribute):
            self.expr(target.value)
            if isinstance(target.value, ast.Name) and target.value.id == "self":
                key = f"self.{target.attr}"
                self.scope.vars[key] = labels
        elif isinstance(target, ast.Subscript):
            base = self.expr(target.value)
            self.expr(target.slice)
            if isinstance(target.value, ast.Name):
                self.scope.vars[target.value.id] = base | labels

    # ----------------------------------------------------------------- statements
    def block(self, body: list[ast.stmt]) -> None:
        """Visit a statement list; an early-exit environment check gates what follows."""
        for stmt in body:
            self.stmt(stmt)
            if (
                isinstance(stmt, ast.If)
                and _terminates(stmt.body, self)
                and self._is_gate(stmt.test)
            ):
                self.scope.gated = stmt.lineno

    def stmt(self, node: ast.stmt) -> None:
        """Visit one statement."""
        if self.scope.func is None and node.lineno == node.end_lineno:
            width = (node.end_col_offset or 0) - node.col_offset
            if width > 20_000:
                self.hit(LONG_EXPR, staged(2, 1, 0), node, f"a {width}-character statement", 0.6)
        if isinstance(node, ast.Assign):
            labels = self.expr(node.value)
            for target in node.targets:
                self.bind(target, labels, node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            labels = self.expr(node.value) if node.value is not None else _EMPTY
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                labels = labels | self.lookup(node.target.id)
                self.scope.consts.pop(node.target.id, None)
                self.scope.vars[node.target.id] = labels
            else:
                self.bind(node.target, labels)
        elif isinstance(node, ast.Expr):
            if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                self.expr(node.value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(node)
        elif isinstance(node, ast.ClassDef):
            self._class(node)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node)
        elif isinstance(node, ast.If):
            self._if(node)
        elif isinstance(node, ast.For | ast.AsyncFor):
            labels = self.expr(node.iter)
            self.bind(node.target, labels)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                labels = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, labels)
            self.block(node.body)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                labels = self.expr(node.value)
                if self.scope.func is not None:
                    name = self.scope.func.name
                    self.returns[name] = self.returns.get(name, _EMPTY) | labels
        else:
            for child in ast.iter_child_nodes(node):
                self._generic(child)

    def _generic(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self.stmt(node)
        elif isinstance(node, ast.expr):
            self.expr(node)
        elif isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self.expr(node.type)
            self.block(node.body)
        else:
            for child in ast.iter_child_nodes(node):
                self._generic(child)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.expr(deco)
            if self.qual(deco) == "atexit.register" and self.scope.func is None:
                self.top_calls.add(node.name)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.expr(default)
        func = Func(node.name, self.cls.name if self.cls else None)
        self.funcs.append(func)
        if self.cls is not None:
            self.cls.methods.append(func)
        self._enter(func, node.body)

    def _enter(self, func: Func, body: list[ast.stmt]) -> None:
        outer, outer_cls = self.scope, self.cls
        self.scope, self.cls = _Scope(func), None
        self.block(body)
        self._close_scope()
        self.scope, self.cls = outer, outer_cls

    def _close_scope(self) -> None:
        scope = self.scope
        if scope.net_write and (scope.chmod_x or scope.run_file):
            self.hits.append(
                Hit(
                    DOWNLOAD_EXEC,
                    staged(4, 3, 2),
                    scope.net_write,
                    scope.func,
                    "downloaded bytes are written to a file that is then made executable or run",
                    0.85,
                )
            )

    def finish(self) -> None:
        """Close the module scope and emit file-wide combinations."""
        self._close_scope()
        apis = set(self.shellcode)
        if apis & _ALLOC_APIS and apis & _COPY_APIS and apis & _THREAD_APIS:
            names = ", ".join(sorted(apis))
            line, func = min(self.shellcode.values(), key=lambda v: v[0])
            self.hits.append(
                Hit(SHELLCODE, threat(3), line, func, f"native memory APIs: {names}", 0.8)
            )

    def _class(self, node: ast.ClassDef) -> None:
        bases = [self.qual(b) or "" for b in node.bases]
        for base in node.bases:
            self.expr(base)
        for deco in node.decorator_list:
            self.expr(deco)
        info = ClassInfo(node.name, bases, [], self.scope.func is None and self.cls is None)
        self.classes.append(info)
        outer = self.cls
        self.cls = info
        self.block(node.body)
        self.cls = outer

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        modules: list[str] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    self.aliases[head] = head
                modules.append(alias.name)
        elif node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                self.aliases[alias.asname or alias.name] = full
                modules.append(full)
            modules.append(node.module)
        for module in modules:
            if module in T.NETWORK_MODULES:
                self.caps.add(Capability.NETWORK)
            elif module.startswith("subprocess"):
                self.caps.add(Capability.PROCESS)
            elif module.startswith(("pytransform", "pyarmor")):
                self.hit(PYARMOR, adjust(2), node, f"imports the PyArmor runtime ({module})", 0.7)

    def _if(self, node: ast.If) -> None:
        test = node.test
        if (
            self.scope.func is None
            and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == "__name__"
        ):
            self.expr(test)
            main = Func("<main>", None, root=self.install)
            self.funcs.append(main)
            self._enter(main, node.body)
            self.block(node.orelse)
            return
        self.expr(test)
        gate = self._is_gate(test)
        before = self.events
        self.block(node.body)
        self.block(node.orelse)
        if gate and self.events > before:
            self.hit(
                GATED,
                staged(3, 3, 2),
                node,
                "network, process or exec code runs only when a CI/cloud/host/date check passes",
                0.8,
            )

    def _is_gate(self, test: ast.expr) -> bool:
        for sub in ast.walk(test):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                if T.CI_ENV_NAMES.match(sub.value) and self._mentions_env(test):
                    return True
            elif isinstance(sub, ast.Call):
                name = self.qual(sub.func)
                if name in T.HOSTINFO_CALLS and name not in ("os.getcwd", "pathlib.Path.cwd"):
                    return True
                if name in ("datetime.datetime.now", "datetime.date.today", "time.time"):
                    return isinstance(test, ast.Compare)
        return False

    def _mentions_env(self, test: ast.expr) -> bool:
        for sub in ast.walk(test):
            if isinstance(sub, ast.Attribute | ast.Name):
                name = self.qual(sub)
                if name in T.ENV_ALL_NAMES or name in T.ENV_ONE_CALLS:
                    return True
        return False

    # ----------------------------------------------------------------- expressions
    def expr(self, node: ast.expr) -> Labels:
        """Visit an expression once and return the labels of its value."""
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Constant):
            return _constant_labels(node.value)
        if isinstance(node, ast.Name):
            self._ref(node)
            if node.id in self.aliases and self.aliases[node.id] in T.ENV_ALL_NAMES:
                self.caps.add(Capability.ENV_READ)
                return frozenset({T.ENV_ALL})
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            name = self.qual(node)
            if name in T.ENV_ALL_NAMES:
                self.caps.add(Capability.ENV_READ)
                return frozenset({T.ENV_ALL})
            if self.nonascii:
                self._check_identifier(node, node.attr)
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return self.scope.vars.get(f"self.{node.attr}", _EMPTY)
            return self.expr(node.value)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left), self.expr(node.right)
            out = left | right
            if T.CHR in left and T.CHR in right:
                out |= {T.BUILT}
                self.hit(CHAR_CODES, adjust(1), node, "a string assembled from chr() codes", 0.6)
            if isinstance(node.op, ast.Div):
                out |= _path_labels(self.literal_text(node).replace(" ", "/"))
            return out
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.JoinedStr | ast.List | ast.Tuple | ast.Set | ast.BoolOp):
            out = _EMPTY
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    out |= self.expr(child)
            return out
        if isinstance(node, ast.FormattedValue):
            out = self.expr(node.value)
            if node.format_spec is not None:
                self.expr(node.format_spec)
            return out
        if isinstance(node, ast.Dict):
            out = _EMPTY
            for key in node.keys:
                if key is not None:
                    out |= self.expr(key)
            for value in node.values:
                out |= self.expr(value)
            return out
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            out = _EMPTY
            for gen in node.generators:
                labels = self.expr(gen.iter)
                self.bind(gen.target, labels)
                out |= labels
                for cond in gen.ifs:
                    self.expr(cond)
            if isinstance(node, ast.DictComp):
                return out | self.expr(node.key) | self.expr(node.value)
            return out | self.expr(node.elt)
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return self.expr(node.body) | self.expr(node.orelse)
        if isinstance(node, ast.Starred | ast.Await | ast.Yield | ast.YieldFrom):
            return self.expr(node.value) if node.value is not None else _EMPTY
        if isinstance(node, ast.NamedExpr):
            labels = self.expr(node.value)
            self.bind(node.target, labels, node.value)
            return labels
        if isinstance(node, ast.Lambda):
            self.expr(node.body)
            return _EMPTY
        for child in ast.iter_child_nodes(node):
            self._generic(child)
        return _EMPTY

    def _ref(self, node: ast.Name) -> None:
        if self.scope.func is None:
            self.top_refs.add(node.id)
        else:
            self.scope.func.refs.add(node.id)
        if self.nonascii:
            self._check_identifier(node, node.id)

    def _subscript(self, node: ast.Subscript) -> Labels:
        base_name = self.qual(node.value)
        value = self.expr(node.value)
        self.expr(node.slice)
        if base_name in T.ENV_ALL_NAMES or T.ENV_ALL in value:
            return _env_one(node.slice)
        if _is_reverse(node.slice) and self.fold(node.value) is not None:
            return value | {T.BUILT}
        return value

    def _check_identifier(self, node: ast.expr, name: str) -> None:
        line_no = getattr(node, "lineno", 0)
        end = getattr(node, "end_col_offset", None)
        if not 0 < line_no <= len(self.lines) or end is None:
            return
        raw = self.lines[line_no - 1].encode("utf-8", "surrogatepass")[:end]
        text = raw.decode("utf-8", "replace").rstrip()
        written = re.split(r"[^\w]", text)[-1] if text else ""
        if written.isascii():
            return
        if written != name:
            sev = threat(3) if name in _DANGEROUS_NAMES | T.DANGEROUS_ATTRS else adjust(2)
            self.hit(
                UNICODE_ID,
                sev,
                node,
                f"identifier {written!r} is a unicode look-alike that Python reads as {name!r}",
            )
        elif _mixed_script(written):
            self.hit(UNICODE_ID, adjust(2), node, f"identifier {written!r} mixes scripts", 0.7)

    # ----------------------------------------------------------------- calls
    def call(self, node: ast.Call) -> Labels:
        """Visit a call: evaluate its parts once, then judge it as a source or sink."""
        func = node.func
        recv = _EMPTY
        method: str | None = None
        if isinstance(func, ast.Attribute):
            method = func.attr
            recv = self.expr(func.value)
        elif isinstance(func, ast.Name):
            self._ref(func)
            self._record_call(func.id)
        else:
            recv = self.expr(func)
        if method is not None and isinstance(func, ast.Attribute):
            value = func.value
            if isinstance(value, ast.Call) or (
                isinstance(value, ast.Name)
                and (value.id in ("self", "cls") or any(c.name == value.id for c in self.classes))
            ):
                self._record_call(method)
        name = self.qual(func)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords}
        data = _EMPTY.union(*args, *kwargs.values())
        if name is not None:
            result = self._named_call(node, name, args, kwargs, data, recv)
            if result is not None:
                return result
        if method is not None:
            result = self._method_call(node, method, recv, args, data)
            if result is not None:
                return result
        if isinstance(func, ast.Name) and func.id in self.returns:
            return self.returns[func.id] | data
        if name in T.NON_PROPAGATING:
            return _EMPTY
        return (recv | data) - T.OBJECT_LABELS

    def _record_call(self, name: str) -> None:
        if self.scope.func is None:
            self.top_calls.add(name)
        else:
            self.scope.func.calls.add(name)

    def _named_call(
        self,
        node: ast.Call,
        name: str,
        args: list[Labels],
        kwargs: dict[str | None, Labels],
        data: Labels,
        recv: Labels,
    ) -> Labels | None:
        first = args[0] if args else _EMPTY
        if name in T.EXEC_SINKS:
            self._exec_sink(node, name, first)
            return first if name == "compile" else _EMPTY
        if name == "codecs.decode":
            codec = self.fold(node.args[1]) if len(node.args) > 1 else None
            if codec and codec[0].lower().replace("-", "_") in T.CODECS_DECODE_NAMES:
                return self._decoded(first)
            return first
        if name in T.DECODERS:
            return self._decoded(first)
        if name in T.IMPORT_SINKS:
            self._import_sink(node, first)
            return _EMPTY
        if name == "getattr":
            self._getattr(node, args)
            return recv | (args[0] if args else _EMPTY)
        if name == "chr":
            return frozenset({T.CHR})
        if (name == "map" and node.args and self.qual(node.args[0]) == "chr") or (
            name in ("bytes", "bytearray") and node.args and _int_list(node.args[0])
        ):
            self.hit(CHAR_CODES, adjust(1), node, "a string assembled from char codes", 0.6)
            return frozenset({T.BUILT})
        if name == "reversed" and node.args and self.fold(node.args[0]) is not None:
            return data | {T.BUILT}
        if name in T.NETWORK_CALLS:
            self._network(node, data, name)
            if name in ("urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"):
                self.scope.net_write = self.scope.net_write or node.lineno
            return frozenset({T.NETDATA})
        if name in T.SOCKET_CONSTRUCTORS:
            self.caps.add(Capability.NETWORK)
            self.sockets_seen = True
            return frozenset({T.SOCKET})
        if name in T.NETOBJ_CONSTRUCTORS:
            self.caps.add(Capability.NETWORK)
            return frozenset({T.NETOBJ}) | (data & {T.METADATA})
        if name in T.REQUEST_BUILDERS:
            return data
        if name in T.PROCESS_CALLS:
            self._process(node, name, data, kwargs)
            return frozenset({T.HOSTINFO})
        if name in T.ENV_ONE_CALLS:
            self.caps.add(Capability.ENV_READ)
            return _env_one(node.args[0]) if node.args else frozenset({T.ENV_ONE})
        if name in T.HOSTINFO_CALLS:
            return frozenset({T.HOSTINFO})
        if name in ("os.path.expanduser", "os.path.expandvars"):
            text = self.fold(node.args[0]) if node.args else None
            home = frozenset({T.HOSTINFO}) if text and text[0] in ("~", "~/") else _EMPTY
            return data | home
        if name in ("os.path.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"):
            return data | _path_labels(self.literal_text(node).replace(" ", "/"))
        if name in ("open", "io.open", "codecs.open", "os.open"):
            return self._open(node, data, first)
        if name in T.SURVEILLANCE_CALLS:
            self.hit(SURVEIL, adjust(2), node, f"{name}() reads the clipboard, screen or keys")
            return frozenset({T.CRED})
        if name == "os.dup2" and T.SOCKET in first:
            self._event(node)
            self.hit(REVSHELL, threat(4), node, "os.dup2() binds a socket to standard streams")
            return _EMPTY
        if name in ("os.chmod", "os.fchmod"):
            if len(node.args) > 1 and _exec_mode(node.args[1]):
                self.scope.chmod_x = True
            return _EMPTY
        if name in ("time.sleep", "asyncio.sleep") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int | float):
                if arg.value >= 60:
                    self.scope.slept = node.lineno
            return _EMPTY
        if name.startswith(("shutil.copy", "shutil.move", "os.rename", "os.replace")):
            self._file_write(node, name, data)
            return data
        if name.startswith(("winreg.", "_winreg.")) and name.rsplit(".", 1)[1].startswith(
            ("SetValue", "CreateKey", "OpenKey")
        ):
            if T.PERSIST_PATH in data:
                self._persist(node, f"{name} on a Windows auto-run key")
            return data
        if name in ("os.listdir", "glob.glob", "os.walk", "sqlite3.connect", "os.scandir"):
            self._credential(node, data)
            return data | ({T.CRED} if T.CRED_PATH in data or T.STEALER_PATH in data else _EMPTY)
        if name in ("pytransform.pyarmor_runtime", "__pyarmor__", "pyarmor_runtime"):
            self.hit(PYARMOR, adjust(2), node, "PyArmor-protected code (cannot be analysed)", 0.7)
            return _EMPTY
        if name.startswith("ctypes.") and name.rsplit(".", 1)[1] in T.SHELLCODE_APIS:
            self.shellcode.setdefault(name.rsplit(".", 1)[1], (node.lineno, self.scope.func))
        return None

    def _method_call(
        self, node: ast.Call, method: str, recv: Labels, args: list[Labels], data: Labels
    ) -> Labels | None:
        if method in T.SHELLCODE_APIS:
            self.shellcode.setdefault(method, (node.lineno, self.scope.func))
        if T.SOCKET in recv:
            if method in T.SOCKET_SEND_METHODS:
                if method.startswith("connect"):
                    self.scope.socket_connect = True
                self._network(node, data, f"socket.{method}")
                return _EMPTY
            if method in ("fileno", "makefile", "accept", "dup"):
                return frozenset({T.SOCKET})
            if method.startswith("recv"):
                return frozenset({T.NETDATA})
        if T.NETOBJ in recv and method in T.NETOBJ_METHODS:
            self._network(node, data | (recv & {T.METADATA}), method)
            return frozenset({T.NETDATA, T.NETOBJ} if method == "open" else {T.NETDATA})
        if T.WRITEH in recv and method in ("write", "writelines"):
            if T.NETDATA in data:
                self.scope.net_write = self.scope.net_write or node.lineno
            if T.PERSIST_PATH in recv:
                self._persist(node, "writes to a start-up file")
            return _EMPTY
        if method in ("write_text", "write_bytes"):
            if T.NETDATA in data:
                self.scope.net_write = self.scope.net_write or node.lineno
            if T.PERSIST_PATH in recv:
                self._persist(node, "writes to a start-up file")
            return _EMPTY
        if method in ("read_text", "read_bytes", "open") and recv:
            self._credential(node, recv)
            return _read_labels(recv - T.OBJECT_LABELS)
        if method in ("decode", "encode"):
            codec = self.fold(node.args[0]) if node.args else None
            if codec and codec[0].lower().replace("-", "_") in T.CODECS_DECODE_NAMES:
                return self._decoded(recv)
            return recv
        if method in _RECV_ONLY:
            return recv - T.OBJECT_LABELS
        if method in T.DECODER_METHODS and recv:
            return self._decoded(recv | data)
        if T.ENV_ALL in recv:
            if method in ("get", "__getitem__", "pop", "setdefault"):
                return _env_one(node.args[0]) if node.args else frozenset({T.ENV_ONE})
            if method in ("copy", "items", "keys", "values"):
                return frozenset({T.ENV_ALL})
        if method == "join" and (T.CHR in data or T.BUILT in data):
            return data | {T.BUILT}
        if method == "fromhex":
            return self._decoded(data)
        return None

    def _decoded(self, data: Labels) -> Labels:
        self.counts["decode"] += 1
        return data | {T.DECODED}

    # ----------------------------------------------------------------- sinks
    def _exec_sink(self, node: ast.Call, name: str, payload: Labels) -> None:
        self.caps.add(Capability.DYNAMIC_CODE)
        if not node.args:
            return
        arg = node.args[0]
        if isinstance(arg, ast.Constant):
            if isinstance(arg.value, str) and name in ("exec", "compile"):
                self._walk_literal(arg.value, node.lineno)
            return
        self.counts["exec"] += 1
        self._event(node)
        if T.DECODED in payload:
            # Decoding a blob from this file (or the network) is the hidden-payload
            # idiom; decoding a parameter is what serialisers (keras, dill) do.
            known = bool(payload & {T.BLOB, T.NETDATA, T.FILEDATA})
            sev = threat(4, 3 if known else 2)
            self.hit(EXEC_DECODED, sev, node, f"{name}() runs decoded/decompressed data")
        elif T.NETDATA in payload:
            self.hit(EXEC_REMOTE, threat(4), node, f"{name}() runs data fetched from the network")
        elif T.FILEDATA in payload:
            self.hit(EXEC_FILE, adjust(3), node, f"{name}() runs the contents of a non-Python file")
        elif T.BUILT in payload:
            self.hit(EXEC_BUILT, threat(3), node, f"{name}() runs a string built from char codes")

    def _walk_literal(self, code: str, line: int) -> None:
        """Judge the code inside an ``exec("...")`` literal as if it stood on *line*."""
        if self.literal_depth >= 3 or len(code) > 200_000:
            return
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        for sub in ast.walk(tree):
            if isinstance(sub, ast.expr | ast.stmt):
                sub.lineno = sub.end_lineno = line
                sub.col_offset = sub.end_col_offset = 0
        saved = self.lines
        self.literal_depth += 1
        try:
            self.block(tree.body)
        finally:
            self.literal_depth -= 1
            self.lines = saved

    def _import_sink(self, node: ast.Call, payload: Labels) -> None:
        self.caps.add(Capability.DYNAMIC_CODE)
        if not node.args:
            return
        folded = self.fold(node.args[0])
        hidden = folded is not None and folded[1] and folded[0] in T.DANGEROUS_MODULE_NAMES
        if hidden or T.BUILT in payload or {T.DECODED, T.BLOB} <= payload:
            shown = folded[0] if folded else "a decoded name"
            self.hit(OBF_IMPORT, threat(3), node, f"imports {shown!r} through a built string")

    def _getattr(self, node: ast.Call, args: list[Labels]) -> None:
        if len(node.args) < 2:
            return
        target = self.qual(node.args[0])
        folded = self.fold(node.args[1])
        built = (folded is not None and folded[1]) or bool(args[1] & {T.BUILT, T.DECODED})
        if target in T.BUILTIN_MODULES:
            self.caps.add(Capability.DYNAMIC_CODE)
            if built and folded and folded[0] in _DANGEROUS_NAMES:
                self.hit(
                    OBF_ATTR, threat(3), node, f"fetches builtin {folded[0]!r} by a built name"
                )
            elif built or folded is None:
                self.hit(OBF_ATTR, adjust(1), node, "fetches a computed name from builtins", 0.6)
            return
        dangerous_target = target in T.DANGEROUS_MODULE_NAMES
        if built and folded and folded[0] in T.DANGEROUS_ATTRS:
            self.hit(OBF_ATTR, threat(3), node, f"getattr(..., {folded[0]!r}) with a built name")
        elif dangerous_target and folded is None and args[1] & {T.BUILT, T.DECODED}:
            self.hit(OBF_ATTR, threat(3), node, f"getattr({target}, <decoded name>)")

    def _network(self, node: ast.Call, data: Labels, name: str) -> None:
        self.caps.add(Capability.NETWORK)
        self.counts["net"] += 1
        self._event(node)
        text = self.literal_text(node)
        if self.install:
            self.hit(INSTALL_NET, staged(3, 1, 1), node, f"{name}() is called", 0.8)
        if suspicious_url(text):
            self.hit(
                SUSPICIOUS_HOST,
                staged(4, 3, 2),
                node,
                f"{name}() talks to a webhook, tunnel, paste or raw-IP host",
                0.8,
            )
        if T.METADATA in data or T.METADATA_PATTERN.search(text):
            self.hit(METADATA, staged(3, 2, 1), node, "queries the cloud instance metadata service")
        if data & T.SECRET_LABELS:
            what = "the whole environment" if T.ENV_ALL in data else "credential data"
            self.hit(EXFIL, threat(4), node, f"{name}() sends {what}", 0.9)
        elif T.HOSTINFO in data:
            self.hit(HOST_EXFIL, staged(4, 3, 1), node, f"{name}() sends host/user details", 0.85)
        elif T.ENV_ONE in data:
            self.hit(HOST_EXFIL, staged(3, 0, 0), node, f"{name}() sends environment values", 0.7)
        if name in T.DNS_CALLS and node.args and not isinstance(node.args[0], ast.Constant):
            host_text = self.literal_text(node.args[0])
            if T.DOMAIN_SUFFIX.search(host_text.strip()) and (data or self.fold(node.args[0])):
                self.hit(
                    DNS_EXFIL,
                    staged(4, 3, 2),
                    node,
                    "DNS lookup of a name built from data and a fixed domain",
                    0.8,
                )

    def _process(
        self, node: ast.Call, name: str, data: Labels, kwargs: dict[str | None, Labels]
    ) -> None:
        self.caps.add(Capability.PROCESS)
        self.counts["proc"] += 1
        self.scope.run_file = True
        text = self.literal_text(node)
        if self.install:
            self.hit(INSTALL_PROC, staged(1, 0, 0), node, f"{name}() runs a command", 0.6)
        if any(T.SOCKET in kwargs.get(k, _EMPTY) for k in ("stdin", "stdout", "stderr")):
            self._event(node)
            self.hit(REVSHELL, threat(4), node, f"{name}() wires a socket to a process")
            return
        if name == "pty.spawn" and (self.scope.socket_connect or self.sockets_seen):
            if T.SHELL_NAMES.search(text):
                self._event(node)
                self.hit(REVSHELL, threat(4), node, "pty.spawn of a shell next to a socket")
                return
        if T.REVERSE_SHELL_TEXT.search(text):
            self._event(node)
            self.hit(REVSHELL, threat(4), node, "runs a reverse-shell command line")
            return
        if T.DOWNLOAD_COMMAND.search(text):
            self._event(node)
            self.hit(
                DOWNLOAD_CMD, staged(4, 3, 2), node, f"{name}() runs a download/encoded command"
            )
        if _CHMOD_TEXT.search(text):
            self.scope.chmod_x = True
        if T.PERSIST_COMMAND.search(text):
            self._persist(node, f"{name}() touches a start-up location")
        if data & (T.SECRET_LABELS | {T.HOSTINFO}) and _SHELL_TOOLS.search(text):
            self._event(node)
            if data & T.SECRET_LABELS:
                self.hit(EXFIL, threat(4), node, f"{name}() passes secrets to a network tool")
            else:
                self.hit(
                    HOST_EXFIL, staged(4, 3, 1), node, f"{name}() sends host details via a tool"
                )

    def _open(self, node: ast.Call, data: Labels, path: Labels) -> Labels:
        mode = ""
        mode_node = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg == "mode":
                mode_node = kw.value
        if mode_node is not None:
            folded = self.fold(mode_node)
            mode = folded[0] if folded else "r"
        if any(c in mode for c in "wax+"):
            if T.PERSIST_PATH in path:
                self._persist(node, "opens a start-up file for writing")
            return path | {T.WRITEH}
        self._credential(node, path)
        return _read_labels(path)

    def _file_write(self, node: ast.Call, name: str, data: Labels) -> None:
        if T.PERSIST_PATH in data:
            self._persist(node, f"{name}() into a start-up location")
        self._credential(node, data)
        if T.NETDATA in data:
            self.scope.net_write = self.scope.net_write or node.lineno

    def _persist(self, node: ast.Call, what: str) -> None:
        self.caps.add(Capability.PERSISTENCE)
        self.hit(PERSIST, adjust(3), node, f"persistence: {what}", 0.8)

    def _credential(self, node: ast.Call, path: Labels) -> None:
        if T.STEALER_PATH in path:
            self.caps.add(Capability.CREDENTIAL_READ)
            self.hit(STEALER, adjust(3), node, "reads a browser, chat-token or wallet store", 0.85)
        elif T.CRED_PATH in path:
            self.caps.add(Capability.CREDENTIAL_READ)
            self.hit(CRED_ACCESS, adjust(2), node, "reads a credential file", 0.8)


# --------------------------------------------------------------------- helpers
def _constant_labels(value: object) -> Labels:
    if isinstance(value, bytes):
        return _BLOB_ONLY if len(value) >= 8 else _EMPTY
    if not isinstance(value, str):
        return _EMPTY
    if len(value) > 4096:
        return _BLOB_ONLY
    labels = _path_labels(value)
    return labels | _BLOB_ONLY if len(value) >= 8 else labels


def _path_labels(text: str) -> Labels:
    if not T.PATH_HINT.search(text):
        return _EMPTY
    out: set[str] = set()
    if T.CRED_PATTERN.search(text):
        out.add(T.CRED_PATH)
    if T.STEALER_PATTERN.search(text):
        out.add(T.STEALER_PATH)
    if T.PERSIST_PATTERN.search(text):
        out.add(T.PERSIST_PATH)
    if T.METADATA_PATTERN.search(text):
        out.add(T.METADATA)
    if T.NONPY_SUFFIX.search(text.strip()):
        out.add(T.NONPY)
    return frozenset(out)


def _read_labels(path: Labels) -> Labels:
    out = set(path)
    if T.CRED_PATH in path or T.STEALER_PATH in path:
        out.add(T.CRED)
    if T.NONPY in path:
        out.add(T.FILEDATA)
    return frozenset(out)


def _env_one(key: ast.expr) -> Labels:
    if isinstance(key, ast.Constant) and key.value in T.HOSTINFO_ENV_NAMES:
        return frozenset({T.ENV_ONE, T.HOSTINFO})
    return frozenset({T.ENV_ONE})


def _is_reverse(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Slice)
        and node.lower is None
        and node.upper is None
        and isinstance(node.step, ast.UnaryOp)
        and isinstance(node.step.op, ast.USub)
        and isinstance(node.step.operand, ast.Constant)
        and node.step.operand.value == 1
    )


def _int_list(node: ast.expr) -> bool:
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) < 8:
        return False
    return all(isinstance(e, ast.Constant) and isinstance(e.value, int) for e in node.elts)


def _exec_mode(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return bool(node.value & 0o111)
    return any(
        isinstance(sub, ast.Attribute | ast.Name)
        and (getattr(sub, "attr", None) or getattr(sub, "id", "")).startswith(("S_IX", "S_IEXEC"))
        for sub in ast.walk(node)
    )


def _terminates(body: list[ast.stmt], walker: Walker) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return walker.qual(last.value.func) in _TERMINATORS
    return False


def _mixed_script(name: str) -> bool:
    scripts: set[str] = set()
    for ch in name:
        if ch.isascii():
            if ch.isalpha():
                scripts.add("LATIN")
            continue
        try:
            scripts.add(unicodedata.name(ch).split(" ", 1)[0])
        except ValueError:
            continue
    return "LATIN" in scripts and bool(scripts & {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
