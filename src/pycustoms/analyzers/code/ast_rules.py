"""The Python `ast` engine: what a module's code does, judged where it runs.

`analyze_python` parses one source file (never imports, compiles or runs it),
walks it once with `ast_walk.AstWalker` and turns the walker's raw hits into
`Finding`s whose severity depends on the file's `ExecContext` and on whether
the code runs when the file does: module top level, a function called from
there, or a `cmdclass` hook in `setup.py` count as running; a function that
nothing calls at import is weakened. Capabilities (network, process spawn,
environment read ...) are reported for every file whatever the severity, for
the capability diff between releases.

`walk` and `hit_findings` are shared with `pth.analyze_pth`, which applies the
same rules to the executable (``import``) lines of a ``.pth`` file in start-up
context.
"""

from __future__ import annotations

import ast
from collections import deque

from pycustoms.analyzers.code import FileReport, ast_links, prefilter
from pycustoms.analyzers.code import ast_ids as W
from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_links import Waiting
from pycustoms.analyzers.code.ast_model import ClassInfo, Func, Hit, Sev, staged
from pycustoms.analyzers.code.ast_walk import AstWalker
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.parsing import parse
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity

__all__ = ["RULES", "analyze_python", "hit_findings", "walk"]

_C, _H, _M, _L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW

RULES: tuple[Rule, ...] = (
    Rule(W.EXEC_DECODED, _C, "exec/eval of decoded data",
         "exec, eval, compile, FunctionType or marshal-loaded code runs data produced by a "
         "base64/hex/zlib/marshal/rot13 decoder: the classic hidden payload. Not weakened in "
         "tests (payloads hide there).", Capability.DYNAMIC_CODE),
    Rule(W.EXEC_REMOTE, _C, "exec/eval of downloaded code",
         "Code fetched from the network is executed (download-and-exec).", Capability.DYNAMIC_CODE),
    Rule(W.EXEC_FILE, _H, "exec/eval of a non-Python file",
         "The contents of a data file (text, JSON, image ...) are executed: code hidden where "
         "scanners do not look.", Capability.DYNAMIC_CODE),
    Rule(W.RUN_WRITTEN, _H, "starts an interpreter on a script it just wrote",
         "Text carried in the file is written to another file (a temporary one, most often) "
         "and an interpreter or the shell is started on it: a dropper's second stage, out of "
         "the analysed file's sight. Critical where it runs on import or at install.",
         Capability.PROCESS),
    Rule(W.EXEC_BUILT, _H, "exec/eval of an obfuscated string",
         "A string assembled from chr() codes, reversal or char joins is executed.",
         Capability.DYNAMIC_CODE),
    Rule(W.OBF_IMPORT, _H, "import of a built module name",
         "__import__/importlib.import_module with a name assembled from pieces or decoded.",
         Capability.DYNAMIC_CODE),
    Rule(W.OBF_ATTR, _H, "getattr with an obfuscated or builtin target",
         "getattr(builtins, ...) or getattr(module, 'sy' + 'stem') hides which function is "
         "called.", Capability.DYNAMIC_CODE),
    Rule(W.CHAR_CODES, _L, "string built from char codes",
         "chr() chains, map(chr, ...) or bytes([...]) assemble text that would otherwise be "
         "visible."),
    Rule(W.UNICODE_ID, _M, "unicode look-alike identifier",
         "An identifier that Python normalises (NFKC) to a different ASCII name, or that mixes "
         "Latin with Cyrillic/Greek letters."),
    Rule(W.LONG_EXPR, _M, "very long or deeply nested statement",
         "A single statement of tens of thousands of characters or too deeply nested to analyse: "
         "typical of obfuscator output."),
    Rule(W.PYARMOR, _M, "PyArmor-protected code",
         "The module is protected by PyArmor; its real code cannot be reviewed."),
    Rule(W.INSTALL_NET, _H, "network access at install time",
         "setup.py (top level or a cmdclass hook) or start-up code opens network connections.",
         Capability.INSTALL_TIME),
    Rule(W.INSTALL_PROC, _L, "process spawn at install time",
         "setup.py runs a command. Common (compilers, git describe); low on its own.",
         Capability.INSTALL_TIME),
    Rule(W.INSTALL_CMD, _H, "a command builds never run, at install time",
         "setup.py or a build hook runs reconnaissance (whoami, hostname, /etc/passwd), a DNS "
         "tool, pip, a desktop program, a marker file, a detached program or a Windows "
         "script host: what proofs of concept, beacons and droppers run. Critical for "
         "account creation and script hosts.", Capability.INSTALL_TIME),
    Rule(W.SUSPICIOUS_HOST, _H, "traffic to a webhook, tunnel, paste or raw-IP host",
         "A network call whose literal URL names a chat webhook, request catcher, tunnel, paste "
         "site or a public raw IP address.", Capability.NETWORK),
    Rule(W.INSTALL_REFUSED, _L, "install-time code refuses and names another project",
         "setup.py or a build hook raises with a message that sends the user elsewhere "
         "(\"you probably meant ...\", \"the package named for ... is ...\"): a name held "
         "by a package that installs nothing. With no working code it is a placeholder "
         "(`meta/placeholder-squat`).",
         Capability.INSTALL_TIME),
    Rule(W.OOB_PROBE, _H, "report to an out-of-band testing address",
         "A network call to a collaborator address of an out-of-band testing service (a "
         "per-test sub-domain of oastify, interactsh, oast.*, dnslog ...): what a probe does "
         "to learn that, and where, the package ran. Critical wherever it is called from.",
         Capability.NETWORK),
    Rule(W.DOWNLOAD_CMD, _H, "download or encoded shell command",
         "A process runs curl/wget piped to a shell or saved, a PowerShell download cradle or "
         "-EncodedCommand, certutil/bitsadmin downloads, mshta.", Capability.PROCESS),
    Rule(W.DOWNLOAD_EXEC, _H, "download, then make executable or run",
         "Bytes from the network are written to a file that the same code makes executable or "
         "runs.", Capability.NETWORK),
    Rule(W.EXFIL, _C, "environment or credentials sent over the network",
         "The whole environment or the contents of a credential store flow into a network send.",
         Capability.NETWORK),
    Rule(W.HOST_EXFIL, _H, "host or user details sent over the network",
         "Hostname, user name, working directory or command output flows into a network send: "
         "the dependency-confusion probe. Critical at install time.", Capability.NETWORK),
    Rule(W.DNS_EXFIL, _H, "data smuggled in a DNS lookup",
         "A DNS lookup of a name built from data and a fixed domain.", Capability.NETWORK),
    Rule(W.CRED_ACCESS, _M, "credential file access",
         "Reads ~/.ssh keys, ~/.aws/credentials, .pypirc, .npmrc, .netrc, .git-credentials, kube "
         "config or similar. Normal for a few tools; severe at install time.",
         Capability.CREDENTIAL_READ),
    Rule(W.STEALER, _H, "browser, chat-token or wallet store access",
         "Reads browser login/cookie databases, Discord/Telegram token stores or crypto wallets.",
         Capability.CREDENTIAL_READ),
    Rule(W.METADATA, _M, "cloud metadata endpoint",
         "Queries the instance metadata service (169.254.169.254) for cloud credentials.",
         Capability.CREDENTIAL_READ),
    Rule(W.ENV_DUMP, _L, "whole environment serialised",
         "os.environ is serialised as a whole.", Capability.ENV_READ),
    Rule(W.SURVEIL, _M, "clipboard, screenshot or keylogger",
         "Reads the clipboard, grabs the screen or listens to keystrokes."),
    Rule(W.PERSIST, _H, "persistence",
         "Writes shell rc files, crontab, systemd user units, autostart entries, Windows Run "
         "keys, the Startup folder, scheduled tasks or authorized_keys.", Capability.PERSISTENCE),
    Rule(W.EVADE, _H, "switches off the system's defences",
         "Runs a command that adds antivirus exclusions or turns real-time protection off, "
         "disables UAC or the firewall, deletes shadow copies or clears event logs: what "
         "malware does before its payload, never what a library does."),
    Rule(W.REVSHELL, _C, "reverse shell",
         "A socket is wired to a shell (dup2, subprocess stdio, pty.spawn, /dev/tcp).",
         Capability.PROCESS),
    Rule(W.SHELLCODE, _H, "shellcode loader",
         "Allocates executable memory and starts a thread through ctypes.",
         Capability.NATIVE_BINARY),
    Rule(W.GATED, _H, "environment-gated payload",
         "Network/exec/download code runs only when a CI, cloud, hostname, user or date check "
         "passes: a way to hide from sandboxes or target build machines."),
    Rule(W.BACKGROUND_IMPORT, _C, "background interpreter that only imports a module",
         "Import or install starts a second Python (`python -c 'import X'`) without waiting "
         "for it: the effect lives in another module's import, run where nobody watches. "
         "Medium in a function nothing calls.", Capability.PROCESS),
    Rule(W.OBF_SCRIPT, _H, "writes obfuscated JavaScript",
         "Code writes a script whose names are obfuscator output (`_0x4f2a` ...) to a file: a "
         "browser extension or web page payload dropped on the machine. Critical at install.",
         Capability.PERSISTENCE),
    Rule(W.SLEEP, _M, "sleep before payload",
         "A long sleep precedes network or exec code, to outlast sandbox analysis."),
)  # fmt: skip

_SNIPPET_MAX = 200
_MAX_SOURCE = 10 * 1024 * 1024
_RUNS_EARLY = (ExecContext.INSTALL, ExecContext.STARTUP)


def analyze_python(path: str, source: str, context: ExecContext) -> FileReport | None:
    """Judge one Python source file in *context*; None if `ast` cannot parse it.

    Files without any trigger word are not parsed: nothing in them could match
    a rule; they get an empty report (with `ENV_READ` if they mention the
    environment), even if they would not parse.
    """
    if context not in _RUNS_EARLY:
        walk, seen = prefilter.decide(source, imported=context is ExecContext.IMPORT)
        if not walk:
            return FileReport(path, capabilities=seen)
    walker = _walked(path, source, context)
    if walker is None:
        return None
    run = _executed(walker, context)
    waiting: list[Waiting] = []
    findings = hit_findings(walker, path, context, run, waiting)
    links = ast_links.build(walker, path, run, waiting) if "!" not in path else None
    caps = set(walker.caps)
    if context is ExecContext.INSTALL and (
        _command_classes(walker, context) or any(f.rule in _INSTALL_RULES for f in findings)
    ):
        caps.add(Capability.INSTALL_TIME)
    return FileReport(path, tuple(findings), frozenset(caps), links)


def links_only(path: str, source: str, context: ExecContext) -> ast_links.Links | None:
    """The calls *source* makes into other files when it runs (no findings).

    For entry files (`__init__.py`, `setup.py`) that the prefilter did not walk,
    once another file is known to hold functions with waiting findings.
    """
    walker = _walked(path, source, context)
    if walker is None:
        return None
    return ast_links.build(walker, path, _executed(walker, context), [], graph=True)


def _walked(path: str, source: str, context: ExecContext) -> AstWalker | None:
    """*source* parsed and walked once, or None if `ast` cannot parse it (or it is huge)."""
    if len(source) > _MAX_SOURCE:
        return None
    tree = parse(source, path)
    if tree is None:
        return None
    walker = AstWalker(source, install=context is ExecContext.INSTALL)
    walk(walker, tree.body)
    return walker


_INSTALL_RULES = frozenset({W.INSTALL_NET, W.INSTALL_PROC})


def walk(walker: AstWalker, body: list[ast.stmt]) -> None:
    """Walk *body* with *walker*, then close it (`AstWalker.finish`); deep nesting is a hit."""
    try:
        walker.block(body)
    except RecursionError:
        # The walker recurses per nesting level; only obfuscator output nests this deep.
        walker.scope = walker.module
        walker.hits.append(
            Hit(W.LONG_EXPR, staged(3, 2, 1), 0, None, "too deeply nested to analyse", 0.6)
        )
    walker.finish()


def _command_classes(walker: AstWalker, context: ExecContext) -> list[ClassInfo]:
    if context is not ExecContext.INSTALL:
        return []
    out = []
    for cls in walker.classes:
        bases = {b.rsplit(".", 1)[-1] for b in cls.bases}
        if bases & T.SETUP_COMMAND_BASES or cls.name in walker.top_refs:
            out.append(cls)
    return out


def _executed(walker: AstWalker, context: ExecContext) -> set[Func]:
    """Functions that run when the file runs: reachable from top-level calls."""
    by_name: dict[str, list[Func]] = {}
    for func in walker.funcs:
        by_name.setdefault(func.name, []).append(func)
    names = set(walker.top_calls)
    if context is ExecContext.INSTALL:
        names |= walker.top_refs
    run: set[Func] = {f for f in walker.funcs if f.root}
    for cls in walker.classes:
        if cls.name in walker.hooked:  # a finder or path hook: the import system calls it
            run.update(cls.methods)
        elif cls.name in walker.top_calls:
            run.update(m for m in cls.methods if m.name in ("__init__", "__new__", "__call__"))
    for cls in _command_classes(walker, context):
        run.update(cls.methods)
    queue: deque[Func] = deque(run)
    for name in names:
        queue.extend(by_name.get(name, ()))
    while queue:
        func = queue.popleft()
        run.add(func)
        follow = func.calls | (func.refs if context is ExecContext.INSTALL else set())
        for name in follow:
            for callee in by_name.get(name, ()):
                if callee not in run:
                    run.add(callee)
                    queue.append(callee)
    return run


def resolve(sev: Sev, context: ExecContext, executed: bool) -> Severity:
    """The severity of a hit with spec *sev* in *context*, running or not."""
    if sev.mode == "adjust":
        return context.adjust(Severity(sev.top), in_function=not executed)
    if sev.mode == "payload":
        weaker = context is ExecContext.TEST and not executed
        level = sev.top - (1 if weaker else 0)
        return Severity(max(0, min(4, level)))
    if sev.mode == "threat":
        level = sev.top if executed or context in _RUNS_EARLY else sev.func
        if context is ExecContext.TEST:
            # Docs, tests and examples run only when someone builds or runs them (a Sphinx
            # `conf.py` that fetches a shared config): a warning, not a block on its own.
            # A test file that install or import code starts is judged in that context.
            level = min(level, sev.top - 1)
    elif context in _RUNS_EARLY:
        level = sev.install if executed else sev.top
    elif context in (ExecContext.IMPORT, ExecContext.MODULE):
        level = sev.top if executed else sev.func
    else:
        level = sev.func
    return Severity(max(0, min(4, level)))


def hit_findings(
    walker: AstWalker,
    path: str,
    context: ExecContext,
    run: set[Func] | None = None,
    waiting: list[Waiting] | None = None,
) -> list[Finding]:
    """The hits as findings; hits in plain functions that do not run go to *waiting* too."""
    if run is None:
        run = _executed(walker, context)
    seen: set[tuple[str, int]] = set()
    out: list[Finding] = []
    for hit in walker.hits:
        key = (hit.rule, hit.line)
        if key in seen:
            continue
        seen.add(key)
        executed = hit.func is None or hit.func in run
        severity = resolve(hit.sev, context, executed)
        if waiting is not None and hit.func is not None and not executed:
            snippet = _snippet(walker.lines, hit.line)
            waiting.append(
                Waiting(
                    hit.func.cls or hit.func.name,  # a method waits for its class
                    hit.rule,
                    hit.sev,
                    hit.line,
                    hit.message,
                    hit.confidence,
                    snippet,
                    severity,
                )
            )
        if severity is Severity.INFO:
            continue
        out.append(
            Finding(
                hit.rule,
                severity,
                f"{hit.message} ({_where(hit, context, executed)})",
                path,
                hit.line or None,
                _snippet(walker.lines, hit.line),
                hit.confidence,
            )
        )
    return out


def _where(hit: Hit, context: ExecContext, executed: bool) -> str:
    when = {
        ExecContext.INSTALL: "runs at install time",
        ExecContext.STARTUP: "runs at every interpreter start",
        ExecContext.IMPORT: "runs on import",
        ExecContext.MODULE: "runs on import",
        ExecContext.TEST: "test/example code",
        ExecContext.DATA: "data file",
    }[context]
    if hit.func is None:
        return f"module top level, {when}"
    name = f"{hit.func.cls}.{hit.func.name}" if hit.func.cls else hit.func.name
    if name == "<main>":
        return f"__main__ block, {when}" if executed else "__main__ block, not run on import"
    if executed:
        return f"in {name}(), called when the file runs: {when}"
    return f"in {name}(), not called at import"


def _snippet(lines: list[str], line: int) -> str | None:
    if not 0 < line <= len(lines):
        return None
    return lines[line - 1].strip()[:_SNIPPET_MAX]
