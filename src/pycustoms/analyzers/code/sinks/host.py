"""The host: environment, host details, clipboard, screen and keys, timing, native memory."""

from __future__ import annotations

import ast

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import SURVEIL
from pycustoms.analyzers.code.ast_labels import env_one
from pycustoms.analyzers.code.ast_model import EMPTY, Labels, adjust, threat
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.sinks.call import CallSite, Handler
from pycustoms.types import Capability

# Keyboard capture through the Windows API (ctypes.windll.user32...).
KEYLOG_APIS = frozenset(
    {"GetAsyncKeyState", "SetWindowsHookExA", "SetWindowsHookExW", "SetWindowsHookEx",
     "GetKeyboardState"}
)  # fmt: skip
_KEYLOG_CALLS = frozenset(
    {"pynput.keyboard.Listener", "keyboard.on_press", "keyboard.hook", "keyboard.record"}
)
_CLIPBOARD_READS = frozenset(
    {"pyperclip.paste", "clipboard.paste", "win32clipboard.GetClipboardData"}
)
_CLIPBOARD_WRITES = frozenset(
    {"pyperclip.copy", "clipboard.copy", "win32clipboard.SetClipboardText",
     "win32clipboard.SetClipboardData"}
)  # fmt: skip
# Methods that hand out live cloud credentials (boto3/botocore sessions).
CRED_METHODS = frozenset({"get_credentials", "get_frozen_credentials"})


def _env_one(w: WalkState, c: CallSite) -> Labels | None:
    w.caps.add(Capability.ENV_READ)
    return env_one(c.node.args[0]) if c.node.args else frozenset({T.ENV_ONE})


def _host_info(w: WalkState, c: CallSite) -> Labels | None:
    return frozenset({T.HOSTINFO})


def _expand(w: WalkState, c: CallSite) -> Labels | None:
    text = w.fold(c.node.args[0]) if c.node.args else None
    home = frozenset({T.HOSTINFO}) if text and text[0] in ("~", "~/") else EMPTY
    return c.data | home


def _surveillance(w: WalkState, c: CallSite) -> Labels | None:
    node, name = c.node, c.name
    w.hit(SURVEIL, adjust(2), node, f"{name}() reads the clipboard, screen or keys")
    if name in _KEYLOG_CALLS and w.keylog is None:
        w.keylog = (node.lineno, w.scope.func)
    if name in _CLIPBOARD_READS:
        w.scope.clip_read = True
    return frozenset({T.CRED})


def _clipboard_write(w: WalkState, c: CallSite) -> Labels | None:
    node = c.node
    value = w.fold(node.args[0]) if node.args else None
    if w.scope.clip_read and value is not None and len(value[0].strip()) >= 20:
        what = "replaces what was read from the clipboard with a fixed value (clipboard hijacker)"
        w.hit(SURVEIL, threat(4), node, f"{c.name}() {what}", 0.85)
    return EMPTY


def _sleep(w: WalkState, c: CallSite) -> Labels | None:
    if not c.node.args:
        return None
    arg = c.node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, int | float):
        w.scope.slept = c.node.lineno if arg.value >= 60 else w.scope.slept
    return EMPTY


def _native(w: WalkState, c: CallSite) -> Labels | None:
    api = c.name.rsplit(".", 1)[1]
    if api in T.SHELLCODE_APIS:
        w.shellcode.setdefault(api, (c.node.lineno, w.scope.func))
    return None


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(T.ENV_ONE_CALLS, _env_one),
    **dict.fromkeys(T.HOSTINFO_CALLS, _host_info),
    **dict.fromkeys(("os.path.expanduser", "os.path.expandvars"), _expand),
    **dict.fromkeys(T.SURVEILLANCE_CALLS, _surveillance),
    **dict.fromkeys(_CLIPBOARD_WRITES, _clipboard_write),
    **dict.fromkeys(("time.sleep", "asyncio.sleep"), _sleep),
}
# Called names judged by their prefix (after the exact names of every family).
PREFIXED: tuple[tuple[tuple[str, ...], Handler], ...] = ((("ctypes.",), _native),)
