"""Files: paths opened, copied, listed and written; credential stores; persistence."""

from __future__ import annotations

import ast
import re

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import CRED_ACCESS, PERSIST, STEALER
from pycustoms.analyzers.code.ast_labels import path_labels, read_labels
from pycustoms.analyzers.code.ast_model import EMPTY, Labels, adjust, payload, staged
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.sinks.call import CallSite, Handler
from pycustoms.types import Capability

_STORE_PATHS = frozenset({T.CRED_PATH, T.STEALER_PATH})
_DUMPERS = frozenset({"json.dump", "pickle.dump", "marshal.dump", "yaml.dump", "yaml.safe_dump"})
_WRITE_ACCESS = re.compile(r"KEY_(SET_VALUE|WRITE|ALL_ACCESS)")


def open_call(w: WalkState, node: ast.Call, data: Labels, path: Labels) -> Labels:
    """`open()`: a write handle (persistence if a start-up file) or what is read."""
    mode = ""
    mode_node = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "mode":
            mode_node = kw.value
    if mode_node is not None:
        folded = w.fold(mode_node)
        mode = folded[0] if folded else "r"
    if any(c in mode for c in "wax+"):
        if T.PERSIST_PATH in path:
            persist(w, node, "opens a start-up file for writing")
        return path | {T.WRITEH}
    credential(w, node, path)
    return read_labels(path)


def file_write(w: WalkState, node: ast.Call, name: str, data: Labels) -> None:
    """A copy or move into a start-up location, of a credential store, or of a download."""
    if T.PERSIST_PATH in data:
        persist(w, node, f"{name}() into a start-up location")
    credential(w, node, data)
    if T.NETDATA in data:
        w.scope.net_write = w.scope.net_write or node.lineno


def copied(w: WalkState, node: ast.Call, source: Labels) -> None:
    """A copy of a credential or browser store is that store to whoever reads it.

    Browsers lock their databases, so a stealer copies `Login Data` or
    `Cookies` to a temporary file and reads the copy: the destination (a
    variable, or the path text itself) keeps the source's path labels.
    """
    carried = source & _STORE_PATHS
    if not carried:
        return
    dst = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "dst":
            dst = kw.value
    if dst is None:
        return
    if isinstance(dst, ast.Name):
        w.scope.vars[dst.id] = w.lookup(dst.id) | carried
    folded = w.fold(dst)
    if folded is not None:
        w.copies[folded[0]] = w.copies.get(folded[0], EMPTY) | carried


def persist(w: WalkState, node: ast.Call, what: str) -> None:
    """A write to a start-up location (file, directory, registry key): persistence."""
    w.caps.add(Capability.PERSISTENCE)
    # No library installs itself into start-up locations when imported.
    w.hit(PERSIST, staged(4, 4, 2), node, f"persistence: {what}", 0.8)


def credential(w: WalkState, node: ast.Call, path: Labels) -> None:
    """A read of a path with *path* labels: a credential file or a browser/wallet store."""
    if T.STEALER_PATH in path:
        w.caps.add(Capability.CREDENTIAL_READ)
        w.hit(STEALER, adjust(3), node, "reads a browser, chat-token or wallet store", 0.85)
    elif T.CRED_PATH in path:
        w.caps.add(Capability.CREDENTIAL_READ)
        w.hit(CRED_ACCESS, adjust(2), node, "reads a credential file", 0.8)


def _path(w: WalkState, c: CallSite) -> Labels | None:
    return c.data | path_labels(w.literal_text(c.node, "/"))


def _open(w: WalkState, c: CallSite) -> Labels | None:
    return open_call(w, c.node, c.data, c.first)


def _dump(w: WalkState, c: CallSite) -> Labels | None:
    if len(c.node.args) >= 2:
        w.taint_names(c.node.args[1:], c.first)  # json.dump(secrets, fh)
    return None


def _chmod(w: WalkState, c: CallSite) -> Labels | None:
    if len(c.node.args) > 1 and _exec_mode(c.node.args[1]):
        w.scope.chmod_x = True
    return EMPTY


def _listing(w: WalkState, c: CallSite) -> Labels | None:
    credential(w, c.node, c.data)
    data = c.data
    return data | ({T.CRED} if T.CRED_PATH in data or T.STEALER_PATH in data else EMPTY)


def _copy(w: WalkState, c: CallSite) -> Labels | None:
    file_write(w, c.node, c.name, c.data)
    copied(w, c.node, c.first)
    return c.data


def _registry(w: WalkState, c: CallSite) -> Labels | None:
    name, data = c.name, c.data
    method = name.rsplit(".", 1)[1]
    if not method.startswith(("SetValue", "CreateKey", "OpenKey")):
        return None
    opening = method.startswith("OpenKey")
    if T.PERSIST_PATH in data and (not opening or _WRITE_ACCESS.search(ast.dump(c.node))):
        if T.HIJACK_PATH in data:
            w.caps.add(Capability.PERSISTENCE)
            what = f"{name} on a key that auto-elevating or logon programs run (a hijack)"
            w.hit(PERSIST, payload(4), c.node, what, 0.85)
        else:
            persist(w, c.node, f"{name} on a Windows auto-run key")
    return data


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(
        ("os.path.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"), _path
    ),
    **dict.fromkeys(("open", "io.open", "codecs.open", "os.open"), _open),
    **dict.fromkeys(_DUMPERS, _dump),
    **dict.fromkeys(("os.chmod", "os.fchmod"), _chmod),
    **dict.fromkeys(
        ("os.listdir", "glob.glob", "os.walk", "sqlite3.connect", "os.scandir"), _listing
    ),
}
# Called names judged by their prefix (after the exact names of every family).
PREFIXED: tuple[tuple[tuple[str, ...], Handler], ...] = (
    (("shutil.copy", "shutil.move", "os.rename", "os.replace"), _copy),
    (("winreg.", "_winreg."), _registry),
)


def _exec_mode(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return bool(node.value & 0o111)
    for sub in ast.walk(node):
        name = sub.attr if isinstance(sub, ast.Attribute) else getattr(sub, "id", "")
        if isinstance(name, str) and name.startswith(("S_IX", "S_IEXEC")):
            return True
    return False
