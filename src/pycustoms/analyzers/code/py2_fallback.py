"""The pattern fallback for Python that `ast` cannot parse (Python 2 above all).

Old sdists often carry a Python 2 `setup.py`, and so do malicious ones written
in that dialect: `fallback_python` approximates the `ast` rules with regular
expressions over the text. `exec_file_targets` (the files a source reads and
executes, or runs as programs) serves the package rules for every Python file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pycustoms.analyzers.code import FileReport
from pycustoms.analyzers.code import ast_ids as W
from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.text_stats import (
    PY_SUFFIXES,
    finding,
    homoglyph_findings,
    line_at,
    line_of,
    word_matches,
)
from pycustoms.types import Capability, Finding, Severity

C = Capability

_DECODERS = (
    r"b64decode|b32decode|b16decode|a85decode|decodebytes|decodestring|unhexlify|fromhex"
    r"|zlib\.decompress|bz2\.decompress|lzma\.decompress|marshal\.loads"
    r"|decode\(\s*['\"](?:base64|hex|zlib|rot.?13)['\"]|codecs\.decode"
)
_EXEC_DECODED = re.compile(
    rf"\b(?:exec|eval|compile|execfile)\b\s*\(?[^\n]{{0,200}}?(?:{_DECODERS})"
    rf"|(?:{_DECODERS})[^\n]{{0,200}}?\)\s*\)?\s*(?:;|\n)\s*exec\b"
)
_EXEC_STMT_DECODED = re.compile(rf"^\s*exec\s+[^\n(=]*(?:{_DECODERS})", re.MULTILINE)
_SHELL = re.compile(
    r"\b(?:os\.system|os\.popen|popen[234]?|subprocess\.\w+|commands\.getoutput|spawnl?p?)"
    r"\s*\([^\n]{0,300}?\b(?:curl|wget|powershell|Invoke-WebRequest|iwr|certutil|bitsadmin"
    r"|mshta|-EncodedCommand|DownloadString)\b",
    re.IGNORECASE,
)
_NETWORK = re.compile(
    r"\b(?:urllib2?\.(?:request\.)?urlopen|urlopen|urlretrieve|httplib\.HTTPS?Connection"
    r"|http\.client\.HTTPS?Connection|requests\.(?:get|post|put)|socket\.socket"
    r"|socket\.create_connection|urllib\.request\.Request|urllib2\.Request)\s*\("
)
_ENV_DUMP = re.compile(
    r"\b(?:json\.dumps|str|repr|dict|pickle\.dumps|urlencode)\s*\(\s*os\.environ\s*[),]"
    r"|os\.environ\.items\(\)\s*[)\]]|\bfor\s+\w+\s*(?:,\s*\w+\s*)?in\s+os\.environ(?:\.items\(\))?:"
)
_CREDENTIALS = re.compile(
    r"\.aws[/\\\\]+credentials|\.ssh[/\\\\]+id_(?:rsa|dsa|ecdsa|ed25519)|\.pypirc\b"
    r"|\.npmrc\b|\.git-credentials|\.netrc\b|\.kube[/\\\\]+config|\.docker[/\\\\]+config\.json"
    r"|application_default_credentials\.json|169\.254\.169\.254|Local Storage[/\\\\]+leveldb"
    r"|Login Data\b|wallet\.dat\b|\.bash_history",
    re.IGNORECASE,
)
_DUP2 = re.compile(r"\bdup2\s*\(")
_SHELL_BIN = re.compile(r"pty\.spawn|['\"]/bin/(?:ba)?sh['\"]|cmd\.exe")
# The patterns below that are searched through whole modules start with a literal
# (`exec`, `open`, `e`): the regex engine then skips to that text, while a leading
# `\b` or look-behind makes it try every position (ten times slower on a large
# package). `word_matches` checks the word boundary instead.
_EXEC_FILE = re.compile(
    r"exec(?:file\s*\(?\s*['\"](?P<a>[^'\"\n]+)['\"]"
    r"|\s*\(?\s*(?:compile\s*\()?\s*open\s*\(\s*(?:[\w.]+\s*\(\s*)*['\"](?P<b>[^'\"\n]+)['\"]"
    r"[^\n]{0,80}\.read\(\))"
)
_DYNAMIC = re.compile(r"\b(?:exec|eval|compile|execfile|__import__)\b")
_PROCESS = re.compile(
    r"\b(?:os\.system|os\.popen|subprocess\.|os\.exec\w*\(|os\.spawn|popen[234]?\()"
)
_ENV = re.compile(r"\bos\.(?:environ|getenv)\b")
_EXEC_REMOTE = re.compile(
    r"\b(?:exec|eval)\b[\s(]+[^\n]{0,200}?\b(?:urlopen|urllib2?\.\w+|requests\.(?:get|post))\s*\("
)
_HOSTINFO = re.compile(
    r"\b(?:socket\.gethostname|socket\.getfqdn|getpass\.getuser|os\.getlogin|os\.getcwd"
    r"|platform\.node|platform\.uname|os\.uname)\s*\("
    r"|os\.environ(?:\.get\(|\[)\s*['\"](?:USER|USERNAME|LOGNAME|HOSTNAME|COMPUTERNAME)['\"]"
)
_SHELL_SECRET_SEND = re.compile(
    r"\b(?:printenv|env)\b\s*\|[^\n]*\b(?:curl|wget|nc)\b"
    r"|\b(?:curl|wget|nslookup|dig|ping)\b[^\n]*(?:\$\(|`)\s*(?:whoami|hostname|id|pwd|uname|env)\b"
)


# A shipped data file opened, then executed a few lines later.
_OPEN_THEN_EXEC = re.compile(
    r"open\s*\([^\n]{0,160}?['\"](?P<c>[\w.\-]{1,80}\.(?:json|txt|dat|bin|png|jpe?g|gif|bmp"
    r"|ico|csv|xml|ya?ml|cfg|ini|md|rst|log|b64|enc|html?|js|css|svg|wav|mp3|key|db|tmp))['\"]"
    r"[^\n]*\n(?:[^\n]*\n){0,5}?[^\n]*\b(?:exec|eval)\s*\(",
    re.IGNORECASE,
)
_DATA_FILE = re.compile(
    r"['\"](?P<c>[\w.\-]{1,80}\.(?:json|txt|dat|bin|png|jpe?g|gif|bmp|ico|csv|xml|ya?ml|cfg|ini"
    r"|md|rst|log|b64|enc|html?|js|css|svg|wav|mp3|key|db|tmp))['\"]",
    re.IGNORECASE,
)
# Ways a package reads its own files besides open(): pathlib, importlib.resources, pkgutil.
_READS = re.compile(
    r"\bopen\s*\(|\.read(?:_text|_bytes|lines)?\s*\(|\bget_data\s*\("
    r"|\bresource_(?:string|stream)\s*\(|\bread_(?:text|binary)\s*\("
)
_EXEC_CALL = re.compile(r"e(?:xec|val)\s*\(")
_ASSIGNED = re.compile(r"^[ \t]*(\w+)[ \t]*=[^=]")
_READ_WINDOW = 8
_SPAWN = re.compile(r"\b(?:Popen|subprocess\.\w+|os\.system|startfile|os\.exec\w*|spawn\w*)\s*\(")
_SPAWN_WORDS = ("Popen", "subprocess.", "os.system", "startfile", "os.exec", "spawn")
_FILE_LITERAL = re.compile(r"['\"]([\w][\w.\-]{1,63})['\"]")
RUN_PREFIX = "!"  # marks a target that is run as a program rather than exec'd


def exec_file_targets(text: str, *, spawned: bool = True) -> Iterator[tuple[int, str]]:
    """Yield (line, file name) for statements in *text* that execute a named file.

    `exec(open("name").read())`-style statements, a data file opened a few lines
    before an `exec`, and (names prefixed with `RUN_PREFIX`, only when *spawned*)
    every short file-name literal of a source that spawns processes: the package
    rules keep only those naming a shipped native executable or Python file.
    """
    if "execfile" in text or ("exec" in text and "open" in text):
        for match in word_matches(_EXEC_FILE, text):
            yield line_of(text, match.start()), match.group("a") or match.group("b")
    if ("exec(" in text or "eval(" in text) and "open" in text:
        for match in word_matches(_OPEN_THEN_EXEC, text):
            if _executes_what_was_opened(text, match):
                yield line_of(text, match.start()), match.group("c")
    if "exec(" in text or "eval(" in text:
        yield from _read_then_exec(text)
    # Substring gate first: the regex alone costs more than parsing a large module.
    if spawned and any(w in text for w in _SPAWN_WORDS) and (spawn := _SPAWN.search(text)):
        line = line_of(text, spawn.start())
        names = {m.group(1) for m in _FILE_LITERAL.finditer(text)}
        for name in sorted(names):
            yield line, RUN_PREFIX + name


_BOUND = re.compile(r"\bas\s+(\w+)|^\s*(\w+)\s*=[^=]")


def _executes_what_was_opened(text: str, match: re.Match[str]) -> bool:
    """False when the opened file went into a name that the `exec` line never uses
    (`long_description = open("README.md").read()`, then `exec(fp.read(), version)` of
    another file a few lines later)."""
    bound = _BOUND.search(line_at(text, match.start("c")))
    if bound is None:
        return True
    names = {bound.group(1) or bound.group(2)}
    # Names assigned in between from one of those (`_cfg = json.load(_fh)`) carry it too.
    between = text[text.find("\n", match.start("c")) + 1 : match.end()].splitlines()[:-1]
    for line in between:
        assigned = _BOUND.search(line)
        if assigned is None:
            continue
        name = assigned.group(1) or assigned.group(2)
        if "open(" in line:
            names.discard(name)  # rebound to another file (`with open(...) as f:` again)
        elif any(re.search(rf"\b{re.escape(n)}\b", line) for n in names):
            names.add(name)
    if not names:
        return False
    exec_line = line_at(text, match.end() - 1)
    return any(re.search(rf"\b{re.escape(n)}\b", exec_line) for n in names)


def _read_then_exec(text: str) -> Iterator[tuple[int, str]]:
    """A data file read (by any means) and executed in the same statement, or read
    into a name that an `exec`/`eval` a few lines later uses."""
    lines: list[str] | None = None
    for count, call in enumerate(word_matches(_EXEC_CALL, text, after_dot=False)):
        if count >= 50:
            return
        line_no = line_of(text, call.start())
        here = line_at(text, call.start())
        if (m := _DATA_FILE.search(here)) and _READS.search(here):
            yield line_no, m.group("c")
            continue
        if lines is None:
            lines = text.splitlines()
        for previous in lines[max(0, line_no - 1 - _READ_WINDOW) : line_no - 1]:
            name = _ASSIGNED.match(previous)
            m = _DATA_FILE.search(previous) if name else None
            if (
                name
                and m
                and _READS.search(previous)
                and re.search(rf"\b{re.escape(name.group(1))}\b", here)
            ):
                yield line_no, m.group("c")
                break


def _strip_comments(text: str) -> str:
    # Blank whole-line comments; keep line numbers. Strings are not understood here.
    return re.sub(r"(?m)^[ \t]*#[^\n]*", "", text)


def fallback_python(path: str, text: str, context: ExecContext) -> FileReport:
    """Pattern rules for a Python file that `ast` cannot parse (e.g. Python 2).

    Rough by design: each rule fires at most once per file, and a rule that
    needs top-level code accepts only unindented lines.
    """
    code = _strip_comments(text)
    findings: list[Finding] = []
    caps: set[Capability] = set()

    def add(rule: str, severity: Severity, message: str, offset: int, conf: float = 0.9) -> None:
        line = line_at(code, offset)
        findings.append(
            finding(
                rule,
                severity,
                context,
                message + " (pattern fallback)",
                path,
                line_of(code, offset),
                line,
                conf,
                in_function=line[:1].isspace(),
            )
        )

    if m := (_EXEC_DECODED.search(code) or _EXEC_STMT_DECODED.search(code)):
        add(W.EXEC_DECODED, Severity.CRITICAL, "executes decoded data", m.start())
    if m := _SHELL.search(code):
        add(W.DOWNLOAD_CMD, Severity.HIGH, "runs a downloading shell command", m.start())
    if context in (ExecContext.INSTALL, ExecContext.STARTUP):
        for m in _NETWORK.finditer(code):
            if not line_at(code, m.start())[:1].isspace():
                what = "opens a network connection while installing"
                add(W.INSTALL_NET, Severity.MEDIUM, what, m.start(), 0.8)
                break
    network = _NETWORK.search(code)
    if m := _EXEC_REMOTE.search(code):
        add(W.EXEC_REMOTE, Severity.CRITICAL, "executes code fetched from the network", m.start())
    if network and (m := _ENV_DUMP.search(code) or _CREDENTIALS.search(code)):
        add(W.EXFIL, Severity.HIGH, "sends the environment or credentials out", m.start(), 0.8)
    elif network and (m := _HOSTINFO.search(code)):
        add(W.HOST_EXFIL, Severity.HIGH, "sends host or user details out", m.start(), 0.8)
    if m := _SHELL_SECRET_SEND.search(code):
        add(W.HOST_EXFIL, Severity.HIGH, "shell command sends host details or secrets", m.start())
    if network and (m := T.SUSPICIOUS_HOST.search(code)):
        add(W.SUSPICIOUS_HOST, Severity.MEDIUM, "talks to a webhook/catcher/raw-IP host", m.start())
    if m := _ENV_DUMP.search(code):
        add(W.ENV_DUMP, Severity.LOW, "serialises the whole environment", m.start(), 0.7)
    if m := _CREDENTIALS.search(code):
        found = m.group()
        rule, severity = W.CRED_ACCESS, Severity.MEDIUM
        if found.startswith("169."):
            rule = W.METADATA
        elif not found.startswith("."):
            rule, severity = W.STEALER, Severity.HIGH
        add(rule, severity, f"refers to credential store {found!r}", m.start(), 0.8)
        caps.add(C.CREDENTIAL_READ)
    if (m := _DUP2.search(code)) and _SHELL_BIN.search(code) and "socket" in code:
        add(
            W.REVSHELL,
            Severity.CRITICAL,
            "binds a shell to a socket (reverse shell)",
            m.start(),
        )
    findings.extend(homoglyph_findings(path, text, context))
    for line_no, target in exec_file_targets(code):
        # RUN_PREFIX names are programs a spawning file mentions, for the package
        # rules to match against shipped executables: not files that are exec'd.
        if not target.startswith(RUN_PREFIX) and not target.lower().endswith(PY_SUFFIXES):
            findings.append(
                finding(
                    W.EXEC_FILE,
                    Severity.HIGH,
                    context,
                    f"executes the contents of {target!r} (pattern fallback)",
                    path,
                    line_no,
                    None,
                    0.8,
                )
            )
            break
    if _NETWORK.search(code):
        caps.add(C.NETWORK)
    if _PROCESS.search(code):
        caps.add(C.PROCESS)
    if _DYNAMIC.search(code):
        caps.add(C.DYNAMIC_CODE)
    if _ENV.search(code):
        caps.add(C.ENV_READ)
    return FileReport(path, tuple(findings), frozenset(caps))
