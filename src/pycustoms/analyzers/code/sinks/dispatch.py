"""Dispatch: a called name to its family's handler; a method call to what its name means.

The families' tables are joined once, in a fixed order: where two families
name the same call the first keeps it (`pickle.loads` is an unpickler before
it is a decoder). A name no table holds is tried against the prefixed
families (`shutil.copy*`, `winreg.*`, `ctypes.*`), after a digest
(`hashlib.*`) has been ruled out first.
"""

from __future__ import annotations

import ast

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import CHAR_CODES, SURVEIL
from pycustoms.analyzers.code.ast_labels import TAINT, env_one, read_labels
from pycustoms.analyzers.code.ast_model import EMPTY, Labels, adjust
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.sinks import decoding, execution, files, host, network, process
from pycustoms.analyzers.code.sinks.call import CallSite, Handler
from pycustoms.analyzers.code.sinks.decoding import decoded
from pycustoms.analyzers.code.sinks.execution import (
    IMPORT_PATHS,
    LOADER_METHODS,
    WINDOWS_RUNNERS,
    WRITERS,
    written_code,
)
from pycustoms.analyzers.code.sinks.files import credential, persist
from pycustoms.analyzers.code.sinks.host import CRED_METHODS, KEYLOG_APIS
from pycustoms.types import Capability

_RECV_ONLY = frozenset(
    {"strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "lower", "upper", "ljust",
     "rjust", "center", "zfill", "removeprefix", "removesuffix", "startswith", "endswith"}
)  # fmt: skip
# Methods that put their argument into the receiver (containers, archives, buffers).
_MUTATORS = frozenset(
    {"append", "extend", "add", "update", "insert", "appendleft", "put", "write", "writestr",
     "writelines", "setdefault"}
)  # fmt: skip
# Methods and functions that write the receiver (or first argument) into their target.
_SAVERS = frozenset({"save", "dump", "to_file", "write_to", "savefig"})


def _joined(*tables: dict[str, Handler]) -> dict[str, Handler]:
    out: dict[str, Handler] = {}
    for table in tables:
        for name, handler in table.items():
            out.setdefault(name, handler)
    return out


HANDLERS = _joined(
    execution.HANDLERS,
    decoding.HANDLERS,
    network.HANDLERS,
    process.HANDLERS,
    files.HANDLERS,
    host.HANDLERS,
)
PREFIXED = files.PREFIXED + host.PREFIXED


def named_call(w: WalkState, site: CallSite) -> Labels | None:
    """Judge a call to a resolved name: the labels of its value, or None to propagate."""
    name = site.name
    if name.startswith(decoding.DIGEST_PREFIXES):
        return decoding.digest(w, site)
    handler = HANDLERS.get(name)
    if handler is None and name.endswith(".__pyarmor__"):  # `pyarmor_runtime_NNNNNN.__pyarmor__`
        handler = HANDLERS["__pyarmor__"]
    if handler is not None:
        result = handler(w, site)
        if result is not None:
            return result
    for prefixes, prefixed in PREFIXED:
        if name.startswith(prefixes):
            return prefixed(w, site)
    return None


def _unbound(receiver: ast.expr) -> bool:
    """True for `str` or `bytes` as a method's receiver (`str.encode(text)`)."""
    return isinstance(receiver, ast.Name) and receiver.id in ("str", "bytes")


def method_call(  # noqa: PLR0917 -- the parts of one call, evaluated once by the walker
    w: WalkState, node: ast.Call, method: str, recv: Labels, args: list[Labels], data: Labels
) -> Labels | None:
    """Judge a call of *method* on a receiver with labels *recv*; None to propagate."""
    if method in T.SHELLCODE_APIS:
        w.shellcode.setdefault(method, (node.lineno, w.scope.func))
    if method in LOADER_METHODS or method in WINDOWS_RUNNERS:
        # A module loaded from a file, or a program started through the Windows
        # API: with a download in the same code, a dropper.
        w.caps.add(Capability.DYNAMIC_CODE if method in LOADER_METHODS else Capability.PROCESS)
        w.scope.run_file = True
    if method in ("insert", "append") and w.qual(node.func) in IMPORT_PATHS:
        w.scope.path_added = True
    if method in KEYLOG_APIS:
        w.hit(SURVEIL, adjust(2), node, f"{method}() reads the keyboard state")
        if w.keylog is None:
            w.keylog = (node.lineno, w.scope.func)
        return frozenset({T.CRED})
    if method in CRED_METHODS and not node.args and not node.keywords:
        # botocore's session getters take no arguments; a same-named method that
        # is told which provider or region to look up is an application's own
        # key store, whose result is sent to that provider as it should be.
        w.caps.add(Capability.CREDENTIAL_READ)
        return frozenset({T.CRED})
    if method in _MUTATORS and data & TAINT and isinstance(node.func, ast.Attribute):
        w.taint_names([node.func.value], data)
    if method in _SAVERS and recv & TAINT:
        w.taint_names(node.args, recv)
    if method == "wrap_socket" and T.SOCKET in data:
        return frozenset({T.SOCKET})  # TLS over a socket is that socket to the walker
    if T.SOCKET in recv:
        if method in T.SOCKET_SEND_METHODS:
            if method.startswith("connect"):
                w.scope.socket_connect = True
            network.network(w, node, data, f"socket.{method}")
            return EMPTY
        if method in ("fileno", "makefile", "accept", "dup"):
            return frozenset({T.SOCKET})
        if method.startswith("recv"):
            return frozenset({T.NETDATA})
    if T.NETOBJ in recv and method in T.NETOBJ_METHODS:
        if args:
            network.hidden_address(w, node, method, args[0])
        network.network(w, node, data | (recv & {T.METADATA}), method)
        return frozenset({T.NETDATA, T.NETOBJ} if method == "open" else {T.NETDATA})
    if method in WRITERS and node.args:
        written_code(w, node)
    if T.WRITEH in recv and method in ("write", "writelines"):
        if T.NETDATA in data:
            w.scope.net_write = w.scope.net_write or node.lineno
        if T.PERSIST_PATH in recv:
            persist(w, node, "writes to a start-up file")
        return EMPTY
    if method in ("write_text", "write_bytes"):
        if T.NETDATA in data:
            w.scope.net_write = w.scope.net_write or node.lineno
        if T.PERSIST_PATH in recv:
            persist(w, node, "writes to a start-up file")
        return EMPTY
    if method in ("read_text", "read_bytes", "open") and recv:
        credential(w, node, recv)
        return read_labels(recv - T.OBJECT_LABELS)
    if method in ("decode", "encode"):
        codec = w.fold(node.args[0]) if node.args else None
        if codec and codec[0].lower().replace("-", "_") in T.CODECS_DECODE_NAMES:
            return decoded(w, recv)
        if args and isinstance(node.func, ast.Attribute) and _unbound(node.func.value):
            return args[0]  # `str.encode(text)` is `text.encode()`
        return recv
    if method in _RECV_ONLY:
        return recv - T.OBJECT_LABELS
    if method in T.DECODER_METHODS and recv:
        return decoded(w, recv | data)
    if T.ENV_ALL in recv:
        if method in ("get", "__getitem__", "pop", "setdefault"):
            return env_one(node.args[0]) if node.args else frozenset({T.ENV_ONE})
        if method in ("copy", "items", "keys", "values"):
            return frozenset({T.ENV_ALL})
    if method == "join" and (T.CHR in data or T.BUILT in data):
        if T.CHR in data:
            w.hit(CHAR_CODES, adjust(1), node, "a string joined from chr() codes", 0.6)
        return data | {T.BUILT}
    if method == "fromhex":
        return decoded(w, data)
    return None
