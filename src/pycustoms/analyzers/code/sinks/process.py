"""Processes: programs and shells started, install-time commands, reverse shells, inline Python."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_ids import (
    BACKGROUND_IMPORT,
    DNS_EXFIL,
    DOWNLOAD_CMD,
    EVADE,
    EXFIL,
    HOST_EXFIL,
    INSTALL_CMD,
    INSTALL_PROC,
    REVSHELL,
    RUN_WRITTEN,
)
from pycustoms.analyzers.code.ast_model import EMPTY, Labels, Scope, staged, threat
from pycustoms.analyzers.code.ast_model import payload as payload_sev
from pycustoms.analyzers.code.ast_state import WalkState
from pycustoms.analyzers.code.hosts import suspicious_host
from pycustoms.analyzers.code.parsing import parse
from pycustoms.analyzers.code.sinks.call import CallSite, Handler
from pycustoms.analyzers.code.sinks.files import persist
from pycustoms.types import Capability

# A network tool in command position: not an option such as `--host` or a word
# inside a path or file name.
_SHELL_TOOLS = re.compile(
    r"(?<![-\w./])(curl|wget|nslookup|dig|nc|ncat|ping|host|Invoke-WebRequest)\b(?![-.=])"
)
_CHMOD_TEXT = re.compile(r"chmod\s+(\+x|[0-7]?[0-7][1357][0-7]|[0-7]?[0-7][0-7][1357]|u\+x|a\+x)")
# Shell one-liners that send the environment or a credential file to a network tool.
_SHELL_SECRET_SEND = re.compile(
    r"(\b(?:printenv|env|set)\b\s*\|[^\n]*\b(?:curl|wget|nc|ncat|socat)\b"
    r"|\b(?:curl|wget)\b[^\n]*(?:\$\(\s*(?:printenv|env)\b|`\s*(?:printenv|env)\b)"
    r"|\bcat\s+[^\n|;]*(?:\.aws|\.ssh|\.netrc|\.git-credentials|\.pypirc|\.npmrc|\.kube)"
    r"[^\n]*\|[^\n]*\b(?:curl|wget|nc|ncat|socat)\b)",
    re.IGNORECASE,
)
# Host details substituted into a shell command line: $(whoami), `hostname` ...
_SHELL_HOST_SUBST = re.compile(
    r"(\$\(\s*|`\s*|\$\{?)(whoami|hostname|id|pwd|uname|USER|HOSTNAME|PWD|HOME)\b"
)
_DNS_TOOLS = re.compile(r"\b(nslookup|dig|host|ping|Resolve-DnsName)\b")
# pip's command line called as a function (`pip.main(["install", ...])`).
_PIP_API = frozenset({"pip.main", "pip._internal.main", "pip._internal.cli.main.main"})
_SHELL_CALLS = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
     "commands.getoutput", "asyncio.create_subprocess_shell"}
)  # fmt: skip
_PYTHON_C = re.compile(r"\bpython(?:[23](?:\.\d+)?)?(?:\.exe)?\s+-c\s+(['\"])(.+)\1\s*$", re.S)
# Calls that start a program and return at once (the caller need not wait for it).
_UNWAITED = frozenset(
    {"subprocess.Popen", "os.spawnl", "os.spawnlp", "os.spawnv", "os.spawnvp", "os.posix_spawn",
     "os.posix_spawnp", "asyncio.create_subprocess_exec"}
)  # fmt: skip


def process(w: WalkState, c: CallSite) -> None:
    """Judge a program or shell started: what its command line runs, carries and sends."""
    node, name, data, kwargs, first = c.node, c.name, c.data, c.kwargs, c.first
    w.caps.add(Capability.PROCESS)
    w.counts["proc"] += 1
    w.scope.run_file = True
    w.summarise("proc", first, node, name)
    text = w.literal_text(node)
    inline = _inline_python(node, text, w.fold)
    if inline is not None:  # `python -c CODE`: the child runs it now, judge it here
        w.walk_literal(inline, node.lineno)
        if name in _UNWAITED and (module := _only_imports(inline)):
            what = f"{name}() starts a Python that only imports {module!r}, without waiting"
            w.hit(BACKGROUND_IMPORT, staged(4, 4, 2), node, what, 0.8)
    if w.install:
        w.hit(INSTALL_PROC, staged(1, 0, 0), node, f"{name}() runs a command", 0.6)
        install_command(w, node, name, text, hidden=T.DECODED in first)
    script = _written_script(w, node, text)
    if script is not None:
        w.event(node)
        what = f"{name}() starts an interpreter on {script}.name, which this code wrote"
        w.hit(RUN_WRITTEN, staged(4, 4, 1), node, what, 0.8)
    if any(T.SOCKET in kwargs.get(k, EMPTY) for k in ("stdin", "stdout", "stderr")):
        w.event(node)
        w.hit(REVSHELL, threat(4), node, f"{name}() wires a socket to a process")
        return
    if node.args and command_from_network(w, node, name, first):
        w.event(node)
        what = f"{name}() runs a command received over the network"
        # A routine that runs, as it is, what a server sends (`os.system(resp.text)`,
        # decoded or not) is a remote-control payload whether import starts it or
        # the user calls it (a trojaned library method). A command line merely built
        # with a fetched value (a version, a URL) is how deployment tools work: a
        # threat only where it runs by itw.
        direct = isinstance(node.args[0], ast.Call | ast.Attribute | ast.Subscript)
        w.hit(REVSHELL, payload_sev(4) if direct else threat(4), node, what)
        return
    if (
        (w.scope.socket_connect or w.sockets_seen)
        and node.args
        and T.SHELL_NAMES.search(_first_word(w.literal_text(node.args[0])))
        and all(w.qual(kw.value) == "subprocess.PIPE" for kw in node.keywords
                if kw.arg in ("stdin", "stdout"))
        and {kw.arg for kw in node.keywords} >= {"stdin", "stdout"}
    ):  # fmt: skip
        w.event(node)
        what = f"{name}() pipes an interactive shell next to a socket"
        w.hit(REVSHELL, threat(4), node, what)
        return
    near_socket = w.scope.socket_connect or w.sockets_seen
    if name == "pty.spawn" and near_socket and T.SHELL_NAMES.search(text):
        w.event(node)
        w.hit(REVSHELL, threat(4), node, "pty.spawn of a shell next to a socket")
        return
    if T.REVERSE_SHELL_TEXT.search(text):
        w.event(node)
        w.hit(REVSHELL, threat(4), node, "runs a reverse-shell command line")
        return
    if T.DOWNLOAD_COMMAND.search(text):
        w.event(node)
        # Piped into a shell, hidden or encoded PowerShell, a system binary as downloader.
        stage_two = T.STAGE_TWO_COMMAND.search(text)
        hidden = bool(first & T.HIDDEN_LABELS)
        if stage_two and (hidden or suspicious_host(text)):
            # A command line that fetches and starts a program, written encoded in the code
            # or fetching from a paste, tunnel, webhook or raw-IP host: a dropper routine,
            # whoever calls it.
            where = "hidden by encoding" if hidden else "from a paste, tunnel or raw-IP host"
            what = f"{name}() runs a command that downloads and starts a program ({where})"
            w.hit(DOWNLOAD_CMD, payload_sev(4), node, what, 0.85)
        else:
            top = 4 if stage_two else 3
            what = f"{name}() runs a download/encoded command"
            w.hit(DOWNLOAD_CMD, staged(4, top, 2), node, what)
    if _CHMOD_TEXT.search(text):
        w.scope.chmod_x = True
    if T.PERSIST_COMMAND.search(text):
        persist(w, node, f"{name}() touches a start-up location")
    if T.DEFENSE_EVASION_COMMAND.search(text):
        w.event(node)
        w.hit(EVADE, threat(4, 3), node, f"{name}() switches the system's defences off")
    if _SHELL_SECRET_SEND.search(text):
        w.event(node)
        w.hit(EXFIL, threat(4), node, f"{name}() pipes secrets into a network tool")
    elif _SHELL_HOST_SUBST.search(text) and _SHELL_TOOLS.search(text):
        w.event(node)
        if _DNS_TOOLS.search(text):
            w.hit(DNS_EXFIL, staged(4, 3, 2), node, f"{name}() puts host details in a DNS lookup")
        else:
            w.hit(HOST_EXFIL, staged(4, 4, 1), node, f"{name}() sends host details via a tool")
    # What the command line carries. `env=` hands the child its environment,
    # which every launcher does; it is not data sent anywhere by itw.
    sent = (data - kwargs["env"]) | first if "env" in kwargs else data
    if sent & (T.SECRET_LABELS | {T.HOSTINFO}) and _SHELL_TOOLS.search(text):
        w.event(node)
        if sent & T.SECRET_LABELS:
            w.hit(EXFIL, threat(4), node, f"{name}() passes secrets to a network tool")
        else:
            w.hit(HOST_EXFIL, staged(4, 4, 1), node, f"{name}() sends host details via a tool")


def install_command(
    w: WalkState, node: ast.Call, name: str, text: str, *, hidden: bool = False
) -> None:
    """A command of a kind builds never run (`T.INSTALL_COMMANDS`), run at install time.

    *hidden*: the command line is the output of a decoder (base64, zlib, ...) in the
    file itself. Builds write their commands out; one kept unreadable until it runs
    at install is hiding what it does, and weighs a level more (critical at most).
    """
    command = " ".join(text.split())
    for pattern, what, level in T.INSTALL_COMMANDS:
        if pattern.search(command):
            top = min(4, level + 1) if hidden else level
            said = f"{what}, and the command line is decoded at run time" if hidden else what
            w.hit(INSTALL_CMD, staged(top, top - 1, 1), node, f"{name}() {said}", 0.85)
            return


def command_output(w: WalkState, node: ast.Call) -> Labels:
    """What a command's output is: host facts, or the environment or a secret it prints."""
    command = " ".join(w.literal_text(node.args[0]).split()) if node.args else ""
    if T.ENV_DUMP_COMMAND.match(command):
        w.caps.add(Capability.ENV_READ)
        return frozenset({T.HOSTINFO, T.ENV_ALL})
    if T.CRED_COMMAND.search(command):
        w.caps.add(Capability.CREDENTIAL_READ)
        return frozenset({T.HOSTINFO, T.CRED})
    return frozenset({T.HOSTINFO})


def command_from_network(w: WalkState, node: ast.Call, name: str, labels: Labels) -> bool:
    """True if the whole command (or the program) of a spawn is network data.

    A variable only counts for a shell command line (``shell=True``, ``os.system``):
    argument lists assembled from many sources (a host name resolved here, a
    port read there) are how launchers work.
    """
    arg = node.args[0]
    shell = name in _SHELL_CALLS or any(
        kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in node.keywords
    )
    if isinstance(arg, ast.Name) and not shell:
        return False
    if isinstance(arg, ast.List | ast.Tuple):
        head = arg.elts[0] if arg.elts else None
        return isinstance(head, ast.Name) and T.NETDATA in w.lookup(head.id)
    if isinstance(arg, ast.JoinedStr | ast.BinOp | ast.Constant):
        return False
    return T.NETDATA in labels


def _spawn(w: WalkState, c: CallSite) -> Labels | None:
    process(w, c)
    return command_output(w, c.node)


def _pip(w: WalkState, c: CallSite) -> Labels | None:
    if w.install:  # pip driven in-process: a command all the same
        install_command(w, c.node, c.name, "pip " + w.literal_text(c.node))
        return EMPTY
    return None


def _dup2(w: WalkState, c: CallSite) -> Labels | None:
    if T.SOCKET in c.first:
        w.event(c.node)
        w.hit(REVSHELL, threat(4), c.node, "os.dup2() binds a socket to standard streams")
        return EMPTY
    return None


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(T.PROCESS_CALLS, _spawn),
    **dict.fromkeys(_PIP_API, _pip),
    "os.dup2": _dup2,
}


def _only_imports(code: str) -> str | None:
    """The module *code* imports, if importing (and quieting warnings) is all it does."""
    tree = parse(code)
    if tree is None or not tree.body:
        return None
    module = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names = [a.name for a in stmt.names if a.name != "warnings"]
            module = module or (names[0] if names else None)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            module = module or (stmt.module if stmt.module != "warnings" else None)
        elif not (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == "warnings"
        ):
            return None
    return module


def _inline_python(
    node: ast.Call, text: str, fold: Callable[[ast.expr], tuple[str, bool] | None]
) -> str | None:
    """The code of ``[python, '-c', CODE]`` or ``'python -c "CODE"'``, if the call runs one."""
    if node.args and isinstance(node.args[0], ast.List | ast.Tuple):
        items = node.args[0].elts
        for flag, code in itertools.pairwise(items):
            if isinstance(flag, ast.Constant) and flag.value == "-c":
                folded = fold(code)  # a literal, or a name bound to one
                return folded[0] if folded is not None else None
        return None
    match = _PYTHON_C.search(text)
    return match.group(2) if match else None


_INTERPRETER = re.compile(
    r"\b(?:pythonw?[0-9.]*|py|sh|bash|cmd|powershell|wscript|cscript)\b|\bstart\b"
)


def _written_script(w: WalkState, node: ast.Call, text: str) -> str | None:
    """The handle whose file this command runs, if the code wrote text into it."""
    if not _INTERPRETER.search(text):
        return None
    written: set[str] = set()
    scope: Scope | None = w.scope
    while scope is not None:
        written.update(scope.writes)
        scope = scope.parent
    written.update(w.module.writes)
    if not written:
        return None
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and sub.attr == "name"
            and isinstance(sub.value, ast.Name)
            and sub.value.id in written
        ):
            return sub.value.id
    return None


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""
