"""Execution: code run, imported or fetched by name, unpickled, or written out to run later."""

from __future__ import annotations

import ast
import re

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import (
    EXEC_BUILT,
    EXEC_DECODED,
    EXEC_FILE,
    EXEC_REMOTE,
    OBF_ATTR,
    OBF_IMPORT,
    OBF_SCRIPT,
    PYARMOR,
)
from pycustoms.analyzers.code.ast_model import EMPTY, Labels, adjust, staged, threat
from pycustoms.analyzers.code.ast_model import payload as payload_sev
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.sinks.call import CallSite, Handler
from pycustoms.analyzers.code.sinks.decoding import const_bytes
from pycustoms.types import Capability

# What the walker says of `__pyarmor__(__name__, __file__, b'...')` (see `package_rules`).
PACKED_MESSAGE = "the module's body is PyArmor-packed: encrypted, it cannot be analysed"
# Methods that write their first argument to a file: code written is judged (`written_code`).
WRITERS = frozenset({"write", "writelines", "write_text", "write_bytes"})
# Loading a module from a file, and starting programs through the Windows API.
LOADER_METHODS = frozenset({"exec_module", "load_module"})
WINDOWS_RUNNERS = frozenset(
    {"WinExec", "ShellExecuteA", "ShellExecuteW", "ShellExecuteExA", "ShellExecuteExW",
     "CreateProcessA", "CreateProcessW"}
)  # fmt: skip
IMPORT_PATHS = frozenset({"sys.path.insert", "sys.path.append"})
_MIN_WRITTEN_CODE = 40
_MAX_WRITES = 400  # lines of one written script kept to be judged together
# Names that JavaScript obfuscators generate (`_0x4f2a1c`), and how many make a script.
_OBFUSCATED_JS = re.compile(r"\b_0x[0-9a-f]{4,6}\b")
_MIN_OBFUSCATED_NAMES = 20
# A pickle's GLOBAL (`cos\nsystem\n`, protocols 0-3) or STACK_GLOBAL (protocol 4+:
# two short strings, then 0x93) opcode naming a function that runs things.
_PICKLE_MODULES = rb"(?:os|posix|nt|subprocess|builtins|__builtin__|pty|socket)"
_PICKLE_FUNCS = (
    rb"(?:system|popen|Popen|call|run|check_output|exec|eval|__import__|getattr|spawn|"
    rb"create_connection)"
)
_PICKLE_CALLS = re.compile(
    rb"c" + _PICKLE_MODULES + rb"\n" + _PICKLE_FUNCS + rb"\n"
    rb"|\x8c." + _PICKLE_MODULES + rb"\x94?\x8c." + _PICKLE_FUNCS + rb"\x94?\x93",
    re.S,
)


def exec_sink(w: WalkState, node: ast.Call, name: str, payload: Labels) -> None:
    w.caps.add(Capability.DYNAMIC_CODE)
    if not node.args:
        return
    w.summarise("exec", payload, node, name)
    arg = node.args[0]
    if isinstance(arg, ast.Constant):
        if isinstance(arg.value, str) and name in ("exec", "compile"):
            w.walk_literal(arg.value, node.lineno)
        return
    built = w.fold(arg)
    if built is not None and built[1]:
        w.walk_literal(built[0], node.lineno)  # chr()/join/reversal chains
    w.counts["exec"] += 1
    w.event(node)
    if built is not None and built[1] and T.DECODED in payload:
        # Code this file carries encoded and runs: hidden on purpose, whoever calls it.
        what = f"{name}() runs code this file carries encoded"
        w.hit(EXEC_DECODED, payload_sev(4), node, what)
        return
    judge_exec(w, node, name, payload)


def judge_exec(w: WalkState, node: ast.Call, name: str, payload: Labels) -> None:
    """Hits for an exec-like sink that runs data with *payload* labels."""
    if T.DECODED in payload:
        # Decoding a blob from this file (or the network) is the hidden-payload
        # idiom; decoding a parameter is what serialisers (keras, dill) do.
        known = bool(payload & {T.BLOB, T.NETDATA, T.FILEDATA})
        sev = threat(4, 3 if known else 2)
        w.hit(EXEC_DECODED, sev, node, f"{name}() runs decoded/decompressed data")
    elif T.NETDATA in payload:
        w.hit(EXEC_REMOTE, threat(4), node, f"{name}() runs data fetched from the network")
    elif T.FILEDATA in payload:
        w.hit(EXEC_FILE, staged(4, 4, 2), node, f"{name}() runs the contents of a non-Python file")
    elif T.BUILT in payload:
        w.hit(EXEC_BUILT, threat(4), node, f"{name}() runs a string built from char codes")


def unpickle(w: WalkState, node: ast.Call, name: str) -> None:
    """Unpickling runs code the pickle names: judge a pickle written in this file as exec.

    Only a pickle that is a literal here (possibly under decoders) is judged;
    unpickling a parameter is what caches and serialisers do all day.
    """
    if not node.args:
        return
    blob = const_bytes(w, node.args[0], 0)
    if blob is not None and _PICKLE_CALLS.search(blob):
        w.event(node)
        w.hit(EXEC_DECODED, threat(4), node, f"{name}() of an embedded pickle that calls code")


def import_sink(w: WalkState, node: ast.Call, payload: Labels) -> None:
    w.caps.add(Capability.DYNAMIC_CODE)
    if not node.args:
        return
    folded = w.fold(node.args[0])
    hidden = folded is not None and folded[1] and folded[0] in T.DANGEROUS_MODULE_NAMES
    if hidden or T.BUILT in payload or {T.DECODED, T.BLOB} <= payload:
        shown = folded[0] if folded else "a decoded name"
        w.hit(OBF_IMPORT, threat(3), node, f"imports {shown!r} through a built string")


def getattr_call(w: WalkState, node: ast.Call, args: list[Labels]) -> None:
    if len(node.args) < 2:
        return
    target = w.qual(node.args[0])
    folded = w.fold(node.args[1])
    built = (folded is not None and folded[1]) or bool(args[1] & {T.BUILT, T.DECODED})
    if target in T.BUILTIN_MODULES:
        w.caps.add(Capability.DYNAMIC_CODE)
        if built and folded and folded[0] in T.DANGEROUS_NAMES:
            w.hit(OBF_ATTR, threat(3), node, f"fetches builtin {folded[0]!r} by a built name")
        elif built or folded is None:
            w.hit(OBF_ATTR, adjust(1), node, "fetches a computed name from builtins", 0.6)
        return
    dangerous_target = target in T.DANGEROUS_MODULE_NAMES
    if built and folded and folded[0] in T.DANGEROUS_ATTRS:
        w.hit(OBF_ATTR, threat(3), node, f"getattr(..., {folded[0]!r}) with a built name")
    elif dangerous_target and folded is None and args[1] & {T.BUILT, T.DECODED}:
        w.hit(OBF_ATTR, threat(3), node, f"getattr({target}, <decoded name>)")


def written_code(w: WalkState, node: ast.Call) -> None:
    """Python source written to a file is judged where it is written: droppers write a
    script (or a `.pth` line) and run it next, often with a process the walker cannot
    tie to the file."""
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, bytes):
        folded: tuple[str, bool] | None = (arg.value.decode("utf-8", "replace"), False)
    else:
        folded = w.fold(arg)
    if folded is None and isinstance(arg, ast.Name):
        value = w.bound_value(arg.id)  # a bytes literal bound to the name
        if isinstance(value, bytes):
            folded = (value.decode("utf-8", "replace"), False)
    handle = node.func.value if isinstance(node.func, ast.Attribute) else None
    if folded is not None and isinstance(handle, ast.Name):
        _, parts = w.scope.writes.setdefault(handle.id, (node.lineno, []))
        if len(parts) < _MAX_WRITES:
            parts.append(folded[0])
    if folded is None or len(folded[0]) < _MIN_WRITTEN_CODE:
        return
    code = folded[0]
    if len(_OBFUSCATED_JS.findall(code, 0, 50_000)) >= _MIN_OBFUSCATED_NAMES:
        what = "writes JavaScript whose names are obfuscator output to a file"
        w.hit(OBF_SCRIPT, staged(4, 3, 2), node, what, 0.85)
        return
    if ("\n" in code or ";" in code) and ("import " in code or "(" in code):
        w.walk_literal(code, node.lineno)


def walk_written_scripts(w: WalkState) -> None:
    """Judge what each handle of the closing scope was given line by line, joined: a
    script written one `write()` per line is a script all the same."""
    for line, parts in w.scope.writes.values():
        if len(parts) < 2:
            continue
        code = "".join(parts)
        if len(code) >= _MIN_WRITTEN_CODE and ("import " in code or "(" in code):
            w.walk_literal(code, line)
    w.scope.writes.clear()


def _exec(w: WalkState, c: CallSite) -> Labels | None:
    exec_sink(w, c.node, c.name, c.first)
    return c.first if c.name == "compile" else EMPTY


def _unpickler(w: WalkState, c: CallSite) -> Labels | None:
    unpickle(w, c.node, c.name)
    return EMPTY


def _run_python_file(w: WalkState, c: CallSite) -> Labels | None:
    # Runs a Python file in this process: a downloaded one is a dropper.
    w.caps.add(Capability.DYNAMIC_CODE)
    w.scope.run_file = True
    return EMPTY


def _import(w: WalkState, c: CallSite) -> Labels | None:
    import_sink(w, c.node, c.first)
    return EMPTY


def _getattr(w: WalkState, c: CallSite) -> Labels | None:
    getattr_call(w, c.node, c.args)
    return c.recv | (c.args[0] if c.args else EMPTY)


def _pyarmor(w: WalkState, c: CallSite) -> Labels | None:
    args = c.node.args
    if (
        c.name.endswith("__pyarmor__")
        and len(args) >= 3
        and isinstance(args[2], ast.Constant)
        and isinstance(args[2].value, bytes)
    ):
        # `__pyarmor__(__name__, __file__, b'...')`: the module's body, encrypted.
        what = f"{PACKED_MESSAGE} ({len(args[2].value)} bytes)"
        w.hit(PYARMOR, adjust(2), c.node, what, 0.8)
        return EMPTY
    w.hit(PYARMOR, adjust(2), c.node, "PyArmor-protected code (cannot be analysed)", 0.7)
    return EMPTY


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(T.EXEC_SINKS, _exec),
    **dict.fromkeys(T.UNPICKLERS, _unpickler),
    **dict.fromkeys(("runpy.run_path", "runpy.run_module"), _run_python_file),
    **dict.fromkeys(T.IMPORT_SINKS, _import),
    "getattr": _getattr,
    **dict.fromkeys(("pytransform.pyarmor_runtime", "__pyarmor__", "pyarmor_runtime"), _pyarmor),
}
