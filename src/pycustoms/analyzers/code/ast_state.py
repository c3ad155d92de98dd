"""The state of one `ast` walk and what reads it: recording, names, folding, binding.

The walker (`ast_walk.AstWalker`) visits every node once, in source order, on
top of this state; the sink families (`sinks`) are functions of it. Each scope
(module or function) maps variable names to the *labels* of what they hold.
Calls are judged where they happen: a sink (`exec`, a network send, a process
spawn) looks at the labels of its arguments. Hits are recorded with the
function they occur in; `ast_rules` decides afterwards which functions run
(called at top level, `cmdclass` hooks in `setup.py`) and scales severities
to the file's context. Nothing here imports, compiles or runs the analysed
code.
"""

from __future__ import annotations

import ast

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import GATED, SLEEP
from pycustoms.analyzers.code.ast_labels import TAINT
from pycustoms.analyzers.code.ast_model import (
    EMPTY,
    ClassInfo,
    Func,
    Hit,
    Labels,
    Scope,
    Sev,
    params_in,
    staged,
)
from pycustoms.analyzers.code.folding import UNKNOWN, Folder
from pycustoms.analyzers.code.parsing import parse
from pycustoms.types import Capability

_ALIASABLE = T.EXEC_SINKS | T.IMPORT_SINKS | T.PROCESS_CALLS | T.NETWORK_CALLS | T.DECODERS
_ALIAS_CALLS = frozenset({"getattr", "eval"}) | T.IMPORT_SINKS
# Namespaces whose items are the builtins and module globals: `globals()["exec"]`.
_NAMESPACE_CALLS = frozenset({"globals", "locals", "vars"})
# Expressions worth the folder: it evaluates what the quick `fold` cases cannot.
_DEEP_FOLD = (ast.Call, ast.BinOp, ast.Subscript, ast.JoinedStr, ast.IfExp)
_FOLDABLE = (ast.Name, *_DEEP_FOLD)
# Right-hand sides whose non-text value is kept for later folds (`key = [0x4f, ...]`).
_DEEP_VALUE = (
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Call,
    ast.BinOp,
    ast.Subscript,
    ast.Dict,
    ast.Attribute,
)
# Longest code string `eval("...")` is read for a name (`eval("exec")`, `eval("__import__('os')")`).
_EVAL_NAME_MAX = 512


class WalkState:
    """The state of one walk and name resolution, shared by the walker and the sink families."""

    def __init__(self, source: str, *, install: bool) -> None:
        self.install = install
        self.lines = source.splitlines()
        self.nonascii = not source.isascii()
        self.aliases: dict[str, str] = {}
        self.hits: list[Hit] = []
        self.caps: set[Capability] = set()
        self.funcs: list[Func] = []
        self.classes: list[ClassInfo] = []
        self.module = Scope(None)
        self.scope = self.module
        self.cls: ClassInfo | None = None
        self.top_calls: set[str] = set()
        self.top_refs: set[str] = set()
        self.top_ext: set[str] = set()
        # Relative imports: local name -> (level, module, imported name).
        self.rel_imports: dict[str, tuple[int, str, str]] = {}
        self.events = 0  # network sends, dynamic exec, download commands seen so far
        self.counts: dict[str, int] = {"net": 0, "proc": 0, "exec": 0, "decode": 0}
        self.returns: dict[str, Labels] = {}
        self.lambdas: dict[int, Labels] = {}  # id of a lambda node -> what its body gives
        self.shellcode: dict[str, tuple[int, Func | None]] = {}
        # Path text -> what the file it names was copied from (credential or browser stores).
        self.copies: dict[str, Labels] = {}
        # Classes whose instances the import system calls (`sys.meta_path`, `sys.path_hooks`).
        self.hooked: set[str] = set()
        self.sockets_seen = False
        self.literal_depth = 0
        self.literal_budget = 2_000_000  # characters of decoded/built code walked per file
        self.walked_literals: set[int] = set()
        self.keylog: tuple[int, Func | None] | None = None
        # Function name -> sinks its parameters reach: (kind, parameter index, sink call,
        # sink name). A call of the function with labelled arguments is judged as that
        # sink at the call site (`send(url, host_info)` where `send` posts its argument).
        self.summaries: dict[str, list[tuple[str, int, ast.Call, str]]] = {}
        self.param_names: dict[str, list[str]] = {}  # function -> its parameters, in order
        # Function (None: the module) -> (line of a download written to a file, runs a file).
        self.effects: dict[Func | None, tuple[int, bool]] = {}
        # Functions (None: the module) that talk to a webhook, paste, tunnel or raw IP.
        self.suspicious_funcs: set[Func | None] = set()
        # Calls with labelled arguments of functions not yet seen (defined further down).
        self.pending: list[
            tuple[ast.Call, str, list[Labels], dict[str | None, Labels], Func | None]
        ] = []
        # Small helper functions of the file, by name: the folder evaluates their calls.
        self.helpers: dict[str, ast.FunctionDef | ast.Lambda] = {}
        self.folder = Folder(self.bound_value, self.qual, self.helpers)

    # ----------------------------------------------------------------- recording
    def hit(self, rule: str, sev: Sev, node: ast.AST, message: str, conf: float = 0.9) -> None:
        """Record a hit at *node* in the current function."""
        line = getattr(node, "lineno", 0)
        self.hits.append(Hit(rule, sev, line, self.scope.func, message, conf))

    def event(self, node: ast.AST) -> None:
        """A network send, dynamic exec or download command: judge the sleep or gate before it."""
        self.events += 1
        scope = self.scope
        for rule, sev, after, line, conf in (
            (SLEEP, staged(3, 2, 1), "after a long sleep", scope.slept, 0.7),
            (GATED, staged(3, 3, 2), "only past an environment check", scope.gated, 0.8),
        ):
            if line:
                self.hit(rule, sev, node, f"payload runs {after} (line {line})", conf)
        scope.slept = scope.gated = 0

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
            namespace = (
                isinstance(node.value, ast.Call)
                and not node.value.args
                and base is None
                and self.qual(node.value.func) in _NAMESPACE_CALLS
            )
            name = key[0] if (base in T.BUILTIN_MODULES or namespace) and key else None
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
            if folded is None:
                return None
            # __import__("a.b") returns package `a` unless a fromlist is given.
            fromlist = len(node.args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
            if callee in ("__import__", "importlib.__import__") and not fromlist:
                return folded[0].split(".", 1)[0]
            return folded[0]
        if callee == "getattr" and len(node.args) >= 2:
            base = self.qual(node.args[0])
            attr = self.fold(node.args[1])
            if base is not None and attr is not None:
                return f"{base}.{attr[0]}"
        if callee == "eval" and node.args:
            return self._evaluated_name(node.args[0])
        return None

    def _evaluated_name(self, arg: ast.expr) -> str | None:
        """What `eval(CODE)` names when CODE is a constant name or import (obfuscators'
        `E = eval("eval")`, `B = eval(compile("__import__('base64')", "", "eval"))`)."""
        if isinstance(arg, ast.Call) and arg.args and self.qual(arg.func) == "compile":
            arg = arg.args[0]
        folded = self.fold(arg)
        if folded is None or len(folded[0]) > _EVAL_NAME_MAX:
            return None
        tree = parse(folded[0].strip(), "<eval>", "eval")
        if tree is None:
            return None
        body = tree.body
        if isinstance(body, ast.Name | ast.Attribute | ast.Call | ast.Subscript):
            return self.qual(body)
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
        if isinstance(node, ast.Subscript) and is_reverse(node.slice):
            inner = self.fold(node.value)
            return (inner[0][::-1], True) if inner else None
        if isinstance(node, ast.Call):
            found = self._fold_call(node)
            if found is not None:
                return found
        return self._fold_deep(node)

    def _fold_deep(self, node: ast.expr) -> tuple[str, bool] | None:
        """The `folding.Folder` value of an expression the quick cases above cannot fold."""
        if not isinstance(node, _DEEP_FOLD):
            return None
        text = self.folder.text(node)
        return (text, True) if text is not None else None

    def bound_value(self, name: str) -> object:
        """What the folder sees for a name: a constant bound in this scope or the module."""
        for scope in (self.scope, self.module):
            if name in scope.consts:
                return scope.consts[name][0]
            if name in scope.values:
                return scope.values[name]
        return UNKNOWN

    def _fold_call(self, node: ast.Call) -> tuple[str, bool] | None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "chr" and len(node.args) == 1:
            arg = node.args[0]
            if (
                isinstance(arg, ast.Constant)
                and type(arg.value) is int
                and 0 <= arg.value < 0x110000
            ):
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

    def literal_text(self, node: ast.AST, sep: str = " ") -> str:
        """All string constants under *node*, *sep*-joined in source order.

        Names bound to constants count, and so does any part the folder can
        compute (`b64decode("Y3VybC...").decode()`, `"".join(map(chr, [...]))`):
        the text a command line, URL or path really holds.
        """
        out: list[tuple[int, int, str]] = []

        def visit(sub: ast.AST) -> None:
            if isinstance(sub, ast.Constant):
                if isinstance(sub.value, str):
                    out.append((getattr(sub, "lineno", 0), getattr(sub, "col_offset", 0),
                                sub.value))  # fmt: skip
                return
            if isinstance(sub, _FOLDABLE):
                folded = self.fold(sub)
                if folded is not None:
                    out.append((sub.lineno, sub.col_offset, folded[0]))
                    return
            if isinstance(sub, ast.Attribute) and self.qual(sub) == "sys.executable":
                out.append((sub.lineno, sub.col_offset, "python"))  # the interpreter itself
                return
            if isinstance(sub, ast.Name):
                request = self.scope.texts.get(sub.id) or self.module.texts.get(sub.id)
                if request:  # the known parts of a request or command built earlier
                    out.append((sub.lineno, sub.col_offset, request))
                    return
            for child in ast.iter_child_nodes(sub):
                visit(child)

        visit(node)
        out.sort(key=lambda part: part[:2])  # source order: path pieces in sequence
        return sep.join(part[2] for part in out)

    # ----------------------------------------------------------------- aliases
    def builtins_ref(self, node: ast.expr) -> bool:
        """True if *node* evaluates to the builtins module or its namespace dict."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id) in T.BUILTIN_MODULES
        if isinstance(node, ast.IfExp):
            return self.builtins_ref(node.body) or self.builtins_ref(node.orelse)
        if isinstance(node, ast.Attribute):
            return node.attr == "__dict__" and self.builtins_ref(node.value)
        if isinstance(node, ast.Call) and len(node.args) == 1:
            name = self.qual(node.func)
            return name in ("vars", "dict") and self.builtins_ref(node.args[0])
        if isinstance(node, ast.Subscript):
            key = self.fold(node.slice)
            inner = node.value
            return (
                key is not None
                and key[0] in T.BUILTIN_MODULES
                and isinstance(inner, ast.Call)
                and self.qual(inner.func) in ("globals", "locals", "vars")
            )
        return False

    def alias_assign(self, target: ast.expr, value: ast.expr) -> None:
        """Remember ``b = vars(__builtins__)`` or ``run = getattr(builtins, 'exec')``.

        The name then resolves like what it holds, so ``b['exec'](...)`` and
        ``run(...)`` are judged as the sinks they are.
        """
        if isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                    self.alias_assign(sub_target, sub_value)  # `run, enc = exec, str.encode`
            return
        if not isinstance(target, ast.Name):
            return
        if self.builtins_ref(value):
            self.aliases[target.id] = "builtins"
            return
        if isinstance(value, ast.Name) and self.qual(value) in _ALIASABLE:
            self.aliases[target.id] = self.qual(value) or ""  # ``run = exec``
            return
        if not isinstance(value, ast.Attribute | ast.Subscript | ast.Call):
            if self.aliases.get(target.id) in _ALIASABLE:
                del self.aliases[target.id]
            return
        if isinstance(value, ast.Call) and self.qual(value.func) not in _ALIAS_CALLS:
            return
        name = self.qual(value)
        callee = self.qual(value.func) if isinstance(value, ast.Call) else None
        if (callee in T.IMPORT_SINKS or callee == "eval") and name:
            # ``b = import_module("base" + "64")``, ``e = eval("exec")``: a module or a builtin.
            self.aliases[target.id] = name
            return
        if name in _ALIASABLE:
            self.aliases[target.id] = name
        elif self.aliases.get(target.id) in _ALIASABLE:
            del self.aliases[target.id]

    def _has_known_text(self, value: ast.expr) -> bool:
        """A request, an f-string or a sum of strings: its constant parts say where it goes."""
        if isinstance(value, ast.JoinedStr):
            return True
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Mod):
            return True
        if isinstance(value, ast.Call):
            if isinstance(value.func, ast.Attribute) and value.func.attr in ("format", "join"):
                return True
            return bool(value.args) and self.qual(value.func) in T.REQUEST_BUILDERS
        return False

    def summarise(self, kind: str, data: Labels, node: ast.Call, name: str) -> None:
        """Note that parameters of the current function reach a *kind* sink (see `summaries`)."""
        func = self.scope.func
        if func is None or self.literal_depth:
            return
        for index in params_in(data):
            self.summaries.setdefault(func.name, []).append((kind, index, node, name))

    # ----------------------------------------------------------------- variables
    def lookup(self, name: str) -> Labels:
        """Labels of variable *name* in the current scope, enclosing functions, the module."""
        scope: Scope | None = self.scope
        while scope is not None:
            found = scope.vars.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return self.module.vars.get(name, EMPTY)

    def bind(self, target: ast.expr, labels: Labels, value: ast.expr | None = None) -> None:
        """Bind *labels* to an assignment target (names, tuples, attributes)."""
        if isinstance(target, ast.Name):
            self.scope.vars[target.id] = labels
            if (
                isinstance(value, ast.Call)
                and value.args
                and isinstance(value.args[0], ast.Name)
                and value.args[0].id != target.id
            ):
                self.scope.wraps[target.id] = value.args[0].id
            else:
                self.scope.wraps.pop(target.id, None)
            folded = self.fold(value) if value is not None else None
            self.scope.values.pop(target.id, None)
            self.scope.texts.pop(target.id, None)
            if folded is None and value is not None and self._has_known_text(value):
                text = self.literal_text(value)
                if text:
                    self.scope.texts[target.id] = text
            if folded is not None:
                self.scope.consts[target.id] = folded
            else:
                self.scope.consts.pop(target.id, None)
                if isinstance(value, _DEEP_VALUE):
                    other = self.folder.value(value)
                    if other is not UNKNOWN:
                        self.scope.values[target.id] = other
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

    # ----------------------------------------------------------------- literals and taint
    def walk_literal(self, code: str, line: int) -> None:
        """Judge the code inside an ``exec("...")`` literal as if it stood on *line*."""
        if self.literal_depth >= 3 or len(code) > min(200_000, self.literal_budget):
            return
        key = hash(code)
        if key in self.walked_literals:
            return
        self.walked_literals.add(key)
        self.literal_budget -= len(code)
        tree = parse(code)
        if tree is None:
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

    def taint_names(self, nodes: list[ast.expr], labels: Labels) -> None:
        """Data was put into the objects named by *nodes*: they (and what they wrap) hold it."""
        labels = labels & TAINT
        for target in nodes:
            name = target.id if isinstance(target, ast.Name) else None
            seen = 0
            while name is not None and seen < 4:
                self.scope.vars[name] = self.lookup(name) | labels
                name = self.scope.wraps.get(name)
                seen += 1

    # ----------------------------------------------------------------- statements
    def expr(self, node: ast.expr) -> Labels:
        """Visit an expression and return its labels (implemented by `AstWalker`)."""
        raise NotImplementedError

    def block(self, body: list[ast.stmt]) -> None:
        """Visit a statement list (implemented by `AstWalker`)."""
        raise NotImplementedError


def is_reverse(node: ast.expr) -> bool:
    """True for the slice ``[::-1]``."""
    return (
        isinstance(node, ast.Slice)
        and node.lower is None
        and node.upper is None
        and isinstance(node.step, ast.UnaryOp)
        and isinstance(node.step.op, ast.USub)
        and isinstance(node.step.operand, ast.Constant)
        and node.step.operand.value == 1
    )
