"""The walker's traversal: one pass over a parsed module, in source order.

`AstWalker` visits statements and expressions once on top of the walk's state
(`ast_state.WalkState`): it binds labels to names, enters functions and
classes, notes environment gates, callbacks and import hooks, and hands each
call to the sink families (`sinks.dispatch`). It also closes scopes with the
combinations that span a function (a download written and run) or the file (a
keylogger, a shellcode loader, helpers called before their definition). Hits
are recorded with the function they occur in; `ast_rules` decides afterwards
which functions run and scales severities to the file's context. Nothing here
imports, compiles or runs the analysed code.
"""

from __future__ import annotations

import ast
import re
import unicodedata

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_combine import (
    close_scope,
    file_combinations,
    promote,
    split_droppers,
    through_helper,
)
from pycustoms.analyzers.code.ast_ids import (
    CHAR_CODES,
    DNS_EXFIL,
    DOWNLOAD_CMD,
    DOWNLOAD_EXEC,
    EXEC_DECODED,
    EXEC_REMOTE,
    EXFIL,
    GATED,
    HIDDEN_CODE,
    HOST_EXFIL,
    INSTALL_REFUSED,
    LONG_EXPR,
    PERSIST,
    PYARMOR,
    REVSHELL,
    SHELLCODE,
    UNICODE_ID,
)
from pycustoms.analyzers.code.ast_labels import (
    BLOB_ONLY,
    constant_labels,
    env_one,
    name_labels,
    path_labels,
)
from pycustoms.analyzers.code.ast_model import (
    EMPTY,
    MAX_PARAMS,
    PARAM_PREFIX,
    ClassInfo,
    Func,
    Labels,
    Scope,
    adjust,
    param_labels,
    staged,
    threat,
)
from pycustoms.analyzers.code.ast_state import WalkState, is_reverse
from pycustoms.analyzers.code.sinks.call import CallSite
from pycustoms.analyzers.code.sinks.dispatch import method_call, named_call
from pycustoms.types import Capability

_TERMINATORS = frozenset({"sys.exit", "exit", "quit", "os._exit"})
# Calls that run a function passed to them (threads, timers, exit hooks, input listeners).
_CALLBACK_RUNNERS = frozenset(
    {"threading.Thread", "threading.Timer", "multiprocessing.Process", "atexit.register",
     "_thread.start_new_thread", "thread.start_new_thread", "signal.signal",
     "pynput.keyboard.Listener", "pynput.mouse.Listener", "keyboard.on_press",
     "keyboard.on_release", "keyboard.hook", "keyboard.add_hotkey", "mouse.hook"}
)  # fmt: skip
# Lists of objects the import system calls on every later import.
_IMPORT_HOOKS = frozenset(
    {"sys.meta_path.insert", "sys.meta_path.append", "sys.path_hooks.insert",
     "sys.path_hooks.append"}
)  # fmt: skip
_CALLBACK_KWARGS = frozenset(
    {"target", "on_press", "on_release", "on_click", "on_move", "on_scroll", "callback"}
)
_NETDATA: Labels = frozenset({T.NETDATA})
_MAX_PENDING = 2000
# A statement this far right, after this many blanks, is hidden from anyone reading.
_HIDDEN_COLUMN = 200
_PADDED = re.compile(r"([ \t]{120,});?[ \t]*$")

# Hits that make a payload of what an OS or hostname check guards.
_GATED_THREATS = frozenset(
    {EXEC_DECODED, EXEC_REMOTE, DOWNLOAD_CMD, DOWNLOAD_EXEC, EXFIL, HOST_EXFIL, DNS_EXFIL}
    | {PERSIST, REVSHELL, SHELLCODE}
)


def _appends_chr(node: ast.Assign, labels: Labels) -> bool:
    """True for `text = text + chr(...)`: a string grown one character code at a time."""
    value = node.value
    return (
        T.CHR in labels
        and isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Add)
        and isinstance(value.left, ast.Name)
        and any(isinstance(t, ast.Name) and t.id == value.left.id for t in node.targets)
    )


class AstWalker(WalkState):
    """Walks one module once and records `Hit`s, capabilities and the call graph."""

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
        if node.col_offset >= _HIDDEN_COLUMN and not self.literal_depth:
            self._hidden(node)
        if self.scope.func is None and node.lineno == node.end_lineno:
            width = (node.end_col_offset or 0) - node.col_offset
            if width > 20_000:
                self.hit(LONG_EXPR, staged(2, 1, 0), node, f"a {width}-character statement", 0.6)
        if isinstance(node, ast.Assign):
            labels = self.expr(node.value)
            if _appends_chr(node, labels):
                labels = labels | {T.BUILT}  # `text = text + chr(...)`: the same as `+=`
            for target in node.targets:
                self.bind(target, labels, node.value)
                self.alias_assign(target, node.value)
                if isinstance(node.value, ast.Lambda) and isinstance(target, ast.Name):
                    # `name = lambda ...: body`: calling the name gives what the body gives.
                    body = self.lambdas.get(id(node.value), EMPTY)
                    self.returns[target.id] = self.returns.get(target.id, EMPTY) | body
                    self.helpers[target.id] = node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            labels = self.expr(node.value) if node.value is not None else EMPTY
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                if isinstance(node.op, ast.Add) and T.CHR in labels:
                    # `text += chr(...)`, one character a turn: the loop's form of a join.
                    labels = labels | {T.BUILT}
                    what = "a string assembled one chr() code at a time"
                    self.hit(CHAR_CODES, adjust(1), node, what, 0.6)
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
                    self.bind(item.optional_vars, labels, item.context_expr)
            self.block(node.body)
        elif isinstance(node, ast.Raise):
            if self.install and node.exc is not None:
                message = self.literal_text(node.exc)
                if T.INSTALL_REDIRECT.search(message):
                    what = f"install-time code refuses and points elsewhere: {message[:120]!r}"
                    self.hit(INSTALL_REFUSED, staged(1, 1, 1), node, what, 0.9)
            for child in ast.iter_child_nodes(node):
                self._generic(child)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                labels = self.expr(node.value)
                if self.scope.func is not None:
                    name = self.scope.func.name
                    self.returns[name] = self.returns.get(name, EMPTY) | labels
        else:
            for child in ast.iter_child_nodes(node):
                self._generic(child)

    def _hidden(self, node: ast.stmt) -> None:
        """A statement pushed off-screen: it starts after a long run of blanks on its line."""
        if not 0 < node.lineno <= len(self.lines):
            return
        raw = self.lines[node.lineno - 1].encode("utf-8", "surrogatepass")
        before = raw[: node.col_offset].decode("utf-8", "replace")
        match = _PADDED.search(before)
        if match is None:
            return
        blanks = len(match.group(1))
        self.hit(
            HIDDEN_CODE,
            threat(4, 4),  # no editor shows it; nothing benign is written this way
            node,
            f"a statement hidden {node.col_offset} columns to the right, behind {blanks} blanks",
            0.9,
        )

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
        self._decorators(node)
        if self.scope.func is None and any(
            self.qual(deco) == "atexit.register" for deco in node.decorator_list
        ):
            self.top_calls.add(node.name)
        if self.scope.func is None and self.cls is None and node.name == "__getattr__":
            # A module's __getattr__ runs on the first missing attribute anyone asks for.
            self.top_calls.add(node.name)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.expr(default)
        # A chat-bot handler runs whenever a message arrives, with the message as argument.
        handler = any(_bot_handler(deco) for deco in node.decorator_list)
        func = Func(node.name, self.cls.name if self.cls else None, root=handler)
        self.funcs.append(func)
        if self.cls is None and isinstance(node, ast.FunctionDef) and _small_helper(node):
            self.helpers[node.name] = node  # `def d(s): return b64decode(s).decode()`
        if self.cls is not None:
            self.cls.methods.append(func)
        self._enter(func, node.body, node.args, _NETDATA if handler else EMPTY)

    def _enter(
        self,
        func: Func,
        body: list[ast.stmt],
        params: ast.arguments | None = None,
        given: Labels = EMPTY,
    ) -> None:
        """Walk a function's *body*; its parameters carry *given* (as well as their own)."""
        outer, outer_cls = self.scope, self.cls
        parent = outer if outer.func is not None else None
        self.scope, self.cls = Scope(func, parent, first_hit=len(self.hits)), None
        if params is not None:
            names = [a.arg for a in [*params.posonlyargs, *params.args]]
            if names and names[0] in ("self", "cls"):
                names = names[1:]  # `obj.method(x)`: x is the first argument at the call
            for index, param in enumerate(names[:MAX_PARAMS]):
                named = name_labels(param)
                self.scope.vars[param] = param_labels(index) | named | given
            self.param_names[func.name] = names[:MAX_PARAMS]
        self.block(body)
        close_scope(self)
        self.scope, self.cls = outer, outer_cls

    def finish(self) -> None:
        """Close the module scope and emit file-wide combinations."""
        close_scope(self)
        split_droppers(self)
        for node, helper, args, kwargs, func in self.pending:
            if helper in self.summaries:
                self.scope = Scope(func)
                first = len(self.hits)
                through_helper(self, node, helper, args, kwargs)
                if func in self.suspicious_funcs:
                    promote(self, first, func)
        self.scope = self.module
        file_combinations(self)

    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """Visit decorators; a bare name is called with the definition, where it stands."""
        for deco in node.decorator_list:
            self.expr(deco)
            if isinstance(deco, ast.Name):
                self._record_call(deco.id)

    def _class(self, node: ast.ClassDef) -> None:
        bases = [self.qual(b) or "" for b in node.bases]
        for base in node.bases:
            self.expr(base)
        self._decorators(node)
        for keyword in node.keywords:
            self.expr(keyword.value)
            if keyword.arg == "metaclass" and isinstance(keyword.value, ast.Name):
                self._record_call(keyword.value.id)  # the class statement calls its metaclass
        info = ClassInfo(node.name, bases, [], self.scope.func is None and self.cls is None)
        self.classes.append(info)
        outer = self.cls
        self.cls = info
        self.block(node.body)
        self.cls = outer

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if self.scope.path_added:
            self.scope.run_file = True
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
        else:
            for alias in node.names:
                if alias.name != "*":
                    entry = (node.level, node.module or "", alias.name)
                    self.rel_imports[alias.asname or alias.name] = entry
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
        # An OS check (or a hostname held in a variable) is everyday branching: it
        # gates only a payload that is itself a threat, in code that runs unasked.
        weak_gate = (
            not gate
            and (self.scope.func is None or self.install)
            and (self._is_os_check(test) or self._mentions_host_name(test))
        )
        before = self.events
        hits_before = len(self.hits)
        wrote_before = self.scope.net_write
        self.block(node.body)
        self.block(node.orelse)
        # A download written to a file and run: reported when the scope closes.
        dropped = (
            not wrote_before
            and bool(self.scope.net_write)
            and (self.scope.chmod_x or self.scope.run_file)
        )
        if gate and self.events > before:
            self.hit(
                GATED,
                staged(3, 3, 2),
                node,
                "network, process or exec code runs only when a CI/cloud/host/date check passes",
                0.8,
            )
        elif weak_gate and (
            dropped or any(h.rule in _GATED_THREATS for h in self.hits[hits_before:])
        ):
            self.hit(
                GATED,
                staged(3, 3, 2),
                node,
                "download, exfiltration, persistence or decoded exec runs only on a given OS "
                "or host",
                0.7,
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

    def _is_os_check(self, test: ast.expr) -> bool:
        for sub in ast.walk(test):
            if isinstance(sub, ast.Attribute | ast.Name) and self.qual(sub) in T.OS_CHECK_NAMES:
                return True
        return False

    def _mentions_host_name(self, test: ast.expr) -> bool:
        for sub in ast.walk(test):
            if isinstance(sub, ast.Name) and T.HOSTINFO in self.lookup(sub.id):
                return True
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
            if self.copies and isinstance(node.value, str) and node.value in self.copies:
                return constant_labels(node.value) | self.copies[node.value]
            return constant_labels(node.value)
        if isinstance(node, ast.Name):
            self._ref(node)
            if node.id == "__doc__":  # text of this file: data hidden in a docstring
                return BLOB_ONLY
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
                return self.scope.vars.get(f"self.{node.attr}", EMPTY) | name_labels(node.attr)
            return self.expr(node.value)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left), self.expr(node.right)
            out = left | right
            if T.CHR in left and T.CHR in right:
                out |= {T.BUILT}
                self.hit(CHAR_CODES, adjust(1), node, "a string assembled from chr() codes", 0.6)
            if isinstance(node.op, ast.Div):
                out |= path_labels(self.literal_text(node, "/"))
            if isinstance(node.op, ast.BitXor):
                out |= {T.DECODED}  # XOR with a key: the cheapest cipher there is
            return out
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.JoinedStr | ast.List | ast.Tuple | ast.Set | ast.BoolOp):
            out = EMPTY
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
            out = EMPTY
            for key in node.keys:
                if key is not None:
                    out |= self.expr(key)
            for value in node.values:
                out |= self.expr(value)
            return out
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            out = EMPTY
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
            return self.expr(node.value) if node.value is not None else EMPTY
        if isinstance(node, ast.NamedExpr):
            labels = self.expr(node.value)
            self.bind(node.target, labels, node.value)
            return labels
        if isinstance(node, ast.Lambda):
            self.lambdas[id(node)] = self.expr(node.body)
            return EMPTY
        for child in ast.iter_child_nodes(node):
            self._generic(child)
        return EMPTY

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
            return env_one(node.slice)
        if is_reverse(node.slice) and self.fold(node.value) is not None:
            return value | {T.BUILT}
        return value

    def _check_identifier(self, node: ast.expr, name: str) -> None:
        if not self.nonascii and not self.literal_depth:
            return  # an all-ASCII file has no look-alike identifiers to find
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
            sev = threat(3) if name in T.DANGEROUS_NAMES | T.DANGEROUS_ATTRS else adjust(2)
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
        recv = EMPTY
        method: str | None = None
        if isinstance(func, ast.Attribute):
            method = func.attr
            recv = self.expr(func.value)
        elif isinstance(func, ast.Name):
            self._ref(func)
            self._record_call(func.id)
        else:
            recv = self.expr(func)
        written = _written(func)
        if written is not None:
            (self.top_ext if self.scope.func is None else self.scope.func.ext).add(written)
        if method is not None and isinstance(func, ast.Attribute):
            value = func.value
            if isinstance(value, ast.Call) or (
                isinstance(value, ast.Name)
                and (value.id in ("self", "cls") or any(c.name == value.id for c in self.classes))
            ):
                self._record_call(method)
        name = self.qual(func)
        if name in _CALLBACK_RUNNERS or any(k.arg in _CALLBACK_KWARGS for k in node.keywords):
            self._callbacks(node)
        if name in _IMPORT_HOOKS:
            for arg in node.args:
                target = arg.func if isinstance(arg, ast.Call) else arg
                if isinstance(target, ast.Name):
                    self.hooked.add(target.id)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords}
        data = EMPTY.union(*args, *kwargs.values())
        if name is not None:
            result = named_call(self, CallSite(node, name, args, kwargs, data, recv))
            if result is not None:
                return result
        if method is not None:
            result = method_call(self, node, method, recv, args, data)
            if result is not None:
                return result
        if isinstance(func, ast.Name) and data:
            if func.id in self.summaries:
                through_helper(self, node, func.id, args, kwargs)
            elif len(self.pending) < _MAX_PENDING:  # defined further down: judged at the end
                self.pending.append((node, func.id, args, kwargs, self.scope.func))
        if isinstance(func, ast.Name) and func.id in self.returns:
            # What the helper returns, less its own parameters' labels (`param:0` there is
            # not this function's first parameter); what this call passes it is in *data*.
            returned = self.returns[func.id]
            return frozenset(x for x in returned if not x.startswith(PARAM_PREFIX)) | data
        if name in T.NON_PROPAGATING:
            return EMPTY
        return (recv | data) - T.OBJECT_LABELS

    def _callbacks(self, node: ast.Call) -> None:
        """Functions handed to a thread, timer, exit hook or listener run: record them."""
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(arg, ast.Name):
                self._record_call(arg.id)
                # It may be imported from another file of the package.
                (self.top_ext if self.scope.func is None else self.scope.func.ext).add(arg.id)
            elif (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id in ("self", "cls")
            ):
                self._record_call(arg.attr)

    def _record_call(self, name: str) -> None:
        if self.scope.func is None:
            self.top_calls.add(name)
        else:
            self.scope.func.calls.add(name)


# Decorators of chat-bot frameworks that register a function to receive each message
# (pyTelegramBotAPI, aiogram 2, pyrogram). Not `command`: click and typer use that name
# for command-line arguments, which are the user's own.
_BOT_HANDLERS = frozenset(
    {"message_handler", "edited_message_handler", "channel_post_handler",
     "callback_query_handler", "inline_handler", "on_message", "on_edited_message",
     "on_callback_query", "on_inline_query"}
)  # fmt: skip


def _bot_handler(deco: ast.expr) -> bool:
    """True for `@bot.message_handler(...)`-style registration of a message callback."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    return isinstance(target, ast.Attribute) and target.attr in _BOT_HANDLERS


def _small_helper(node: ast.FunctionDef) -> bool:
    """True for a plain function of a few assignments ending in a return (a decode helper)."""
    if node.decorator_list or len(node.body) > 8:
        return False
    return isinstance(node.body[-1], ast.Return) and all(
        isinstance(stmt, ast.Assign | ast.Return)
        or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in node.body
    )


def _written(node: ast.expr) -> str | None:
    """A callee as written, if it is a name or a dotted chain of names (``core.fn``)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or len(parts) > 4:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _terminates(body: list[ast.stmt], walker: WalkState) -> bool:
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
