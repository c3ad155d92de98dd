"""Byte patterns over every file of a package, with YARA-X.

The rules live in ``yara/*.yar`` next to this module. Each YARA rule names, in
its ``meta``, the stable pycustoms rule id it reports (``id``) and its severity
in an ordinary module (``severity``); several YARA rules may share one id. This
engine scales that severity by where the file runs (`ExecContext`) and what kind
of file it is: the same Discord webhook is an alarm in a ``.pth`` file and a
footnote in a README.

Optional meta keys:

- ``group``: ``exfil`` (somewhere to send data) or ``secret`` (something worth
  stealing). A file with both gets one extra ``code/credential-exfil`` finding.
- ``filter``: a check done here after the match; ``public_ip`` keeps only URLs
  whose host is a globally routable address that is not a well-known example.

Rules are compiled once per process, on first use, and each thread gets its own
scanner (a YARA-X scanner may not be shared between concurrent scans).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yara_x

from pycustoms.analyzers.code import FileReport
from pycustoms.analyzers.code.context import ExecContext, in_test_dir
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity

_C = Capability
_S = Severity

RULES: tuple[Rule, ...] = (
    Rule(
        "code/webhook-exfil-endpoint",
        _S.HIGH,
        "Complete Discord/Slack/Telegram webhook or bot URL",
        "A webhook URL with its secret token: somewhere any code can post data to.",
        _C.NETWORK,
    ),
    Rule(
        "code/webhook-api-reference",
        _S.LOW,
        "Reference to a chat webhook or bot API",
        "Mentions the Discord webhook, Slack hook or Telegram bot API without a token.",
        _C.NETWORK,
    ),
    Rule(
        "code/request-catcher-endpoint",
        _S.HIGH,
        "Request-catcher or out-of-band collaborator domain",
        "Burp Collaborator, interactsh/OAST, pipedream, requestbin, webhook.site, "
        "canarytokens, dnslog and similar: built to receive someone else's data.",
        _C.NETWORK,
    ),
    Rule(
        "code/tunnel-endpoint",
        _S.MEDIUM,
        "Tunnel host address",
        "A concrete ngrok, trycloudflare, serveo, localtunnel or pagekite address.",
        _C.NETWORK,
    ),
    Rule(
        "code/paste-site-endpoint",
        _S.MEDIUM,
        "Paste or file-drop site",
        "Raw paste or anonymous file-drop URLs, used for stage-two payloads and drops.",
        _C.NETWORK,
    ),
    Rule(
        "code/raw-ip-url",
        _S.MEDIUM,
        "URL to a public raw IP address",
        "A URL whose host is a public IPv4 address rather than a name.",
        _C.NETWORK,
    ),
    Rule(
        "code/cloud-metadata-endpoint",
        _S.LOW,
        "Cloud instance metadata endpoint",
        "169.254.169.254 or metadata.google.internal: where instance credentials live.",
        _C.CREDENTIAL_READ,
    ),
    Rule(
        "code/powershell-download-cradle",
        _S.HIGH,
        "PowerShell download cradle",
        "WebClient.DownloadString, Invoke-WebRequest piped to Invoke-Expression, "
        "or a PowerShell TCP client.",
        _C.PROCESS,
    ),
    Rule(
        "code/powershell-hidden-encoded",
        _S.HIGH,
        "Hidden or encoded PowerShell command",
        "powershell with -EncodedCommand and a base64 argument, or a hidden window.",
        _C.PROCESS,
    ),
    Rule(
        "code/lolbin-download",
        _S.HIGH,
        "Windows system binary used as a downloader",
        "certutil -urlcache, bitsadmin /transfer, mshta or regsvr32 with a URL.",
        _C.PROCESS,
    ),
    Rule(
        "code/shell-download-exec",
        _S.MEDIUM,
        "Shell download-and-run",
        "curl or wget piped into a shell, or a download followed by chmod +x.",
        _C.PROCESS,
    ),
    Rule(
        "code/reverse-shell-command",
        _S.HIGH,
        "Reverse-shell idiom",
        "/dev/tcp redirection, nc -e, an interactive shell piped to a socket, pty.spawn.",
        _C.PROCESS,
    ),
    Rule(
        "code/credential-file-sweep",
        _S.MEDIUM,
        "Many credential files named together",
        "Four or more distinct credential stores (cloud, SSH, index, registry) in one file.",
        _C.CREDENTIAL_READ,
    ),
    Rule(
        "code/credential-path",
        _S.LOW,
        "Credential file path",
        "Names a credential file such as ~/.aws/credentials or ~/.ssh/id_rsa.",
        _C.CREDENTIAL_READ,
    ),
    Rule(
        "code/browser-credential-store",
        _S.MEDIUM,
        "Browser password or cookie store",
        "Chromium 'Login Data'/'Local State' with its encrypted key, or Firefox logins.",
        _C.CREDENTIAL_READ,
    ),
    Rule(
        "code/stealer-markers",
        _S.HIGH,
        "Information-stealer markers",
        "Two or more of: Discord token regexes and leveldb paths, wallet extension ids "
        "and directories, Telegram tdata, grab/steal helpers.",
        _C.CREDENTIAL_READ,
    ),
    Rule(
        "code/persistence-marker",
        _S.MEDIUM,
        "Persistence mechanism",
        "crontab writes, systemd user units, Run keys, the Startup folder, schtasks.",
        _C.PERSISTENCE,
    ),
    Rule(
        "code/pyarmor-obfuscated",
        _S.MEDIUM,
        "PyArmor-obfuscated code",
        "PyArmor runtime markers: the code cannot be reviewed.",
        _C.DYNAMIC_CODE,
    ),
    Rule(
        "code/obfuscator-prologue",
        _S.HIGH,
        "Python obfuscator output",
        "Lambda-import prologues, exec((_)(b'...')), marshal.loads fed to exec.",
        _C.DYNAMIC_CODE,
    ),
    Rule(
        "code/exec-encoded-blob",
        _S.HIGH,
        "Large encoded blob passed to exec/eval",
        "exec or eval of a decode call on a long base64/hex literal on one line.",
        _C.DYNAMIC_CODE,
    ),
    Rule(
        "code/credential-exfil",
        _S.CRITICAL,
        "Credential access and an exfiltration endpoint in one file",
        "The same file names a secret store and somewhere to send it.",
        _C.CREDENTIAL_READ,
    ),
    Rule(
        "code/byte-scan-incomplete",
        _S.LOW,
        "Byte-pattern scan did not finish",
        "The YARA-X scan of a file timed out or failed; its content is unchecked.",
    ),
)
_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
COMBINATION_RULE = "code/credential-exfil"

SNIPPET_CHARS = 200
SCAN_TIMEOUT_SECONDS = 30
_MAX_MATCHES_PER_PATTERN = 64

# Files that describe rather than run: a pattern there is documentation.
_DOC_EXTS = frozenset(
    {".md", ".rst", ".txt", ".html", ".htm", ".ipynb", ".tex", ".adoc", ".1", ".pyi"}
)
_DOC_NAMES = ("metadata", "pkg-info", "readme", "changelog", "changes", "history", "license")
# Compiled code: strings there come from bundled libraries, not package authors.
_BINARY_EXTS = frozenset(
    {".so", ".pyd", ".dll", ".dylib", ".exe", ".a", ".lib", ".o", ".bin", ".node", ".wasm"}
)
_BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\0asm")
# Scripts a package might run directly.
_SCRIPT_EXTS = frozenset({".sh", ".bash", ".ps1", ".psm1", ".bat", ".cmd", ".vbs", ".command"})

# Public addresses that appear in documentation and tests as examples or resolvers.
_EXAMPLE_IPS = frozenset(
    {
        "1.1.1.1",
        "1.0.0.1",
        "8.8.8.8",
        "8.8.4.4",
        "9.9.9.9",
        "1.2.3.4",
        "4.3.2.1",
        "2.2.2.2",
        "93.184.216.34",  # example.com, long the documented "public" test address
    }
)


class YaraRulesError(RuntimeError):
    """The bundled YARA rules did not compile (a packaging or authoring bug)."""


@dataclass(frozen=True, slots=True)
class _RuleMeta:
    id: str
    severity: Severity
    group: str
    filter: str


_lock = threading.Lock()
_compiled: Any = None  # yara_x.Rules once built
_local = threading.local()


def rule_sources() -> dict[str, str]:
    """The bundled ``.yar`` sources by file name, in a stable order."""
    folder = resources.files(__package__ or "pycustoms.analyzers.code").joinpath("yara")
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yar")
    }


def compile_rules(sources: dict[str, str] | None = None) -> tuple[Any, list[str]]:
    """Compile *sources* (default: the bundled rules); return the rules and any warnings.

    Raises `YaraRulesError` when a source does not compile.
    """
    compiler = yara_x.Compiler()
    compiler.enable_includes(False)
    for name, text in (sources if sources is not None else rule_sources()).items():
        try:
            compiler.add_source(text, origin=name)
        except yara_x.CompileError as exc:
            raise YaraRulesError(f"YARA rules in {name} do not compile: {exc}") from exc
    warnings = [str(w) for w in compiler.warnings()]
    return compiler.build(), warnings


def _rules() -> Any:
    global _compiled
    if _compiled is None:
        with _lock:
            if _compiled is None:
                _compiled, _ = compile_rules()
    return _compiled


def _scanner() -> Any:
    # A scanner holds per-scan state, so each thread (and each process) has its own.
    scanner = getattr(_local, "scanner", None)
    if scanner is None:
        scanner = yara_x.Scanner(_rules())
        scanner.set_timeout(SCAN_TIMEOUT_SECONDS)
        scanner.max_matches_per_pattern(_MAX_MATCHES_PER_PATTERN)
        _local.scanner = scanner
    return scanner


def _meta(rule: Any) -> _RuleMeta:
    meta = dict(rule.metadata)
    return _RuleMeta(
        id=str(meta["id"]),
        severity=Severity.parse(str(meta["severity"])),
        group=str(meta.get("group", "")),
        filter=str(meta.get("filter", "")),
    )


def _is_public_ip_url(text: str) -> bool:
    host = text.split("://", 1)[-1]
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:  # an octet above 255, a leading zero: not an address
        return False
    return address.is_global and host not in _EXAMPLE_IPS


# Documentation placeholders: runs of X or 0, counting sequences, one repeated
# character. Live secrets are random and never look like this.
_PLACEHOLDER = re.compile(rb"[Xx]{6,}|0{6,}|1234567|abcdef|([A-Za-z0-9])\1{9,}", re.ASCII)
_HOST_CHAR = re.compile(rb"[A-Za-z0-9-]")


def _is_live_token(data: bytes, offset: int, length: int) -> bool:
    """A webhook URL on its own host (not `nothooks.…`) whose secret is not a placeholder."""
    if offset and _HOST_CHAR.fullmatch(data[offset - 1 : offset]):
        return False
    return _PLACEHOLDER.search(data[offset : offset + length]) is None


def _first_offset(rule: Any, data: bytes, meta: _RuleMeta) -> int | None:
    """Offset of the earliest match that passes the rule's filter, if any."""
    best: int | None = None
    for pattern in rule.patterns:
        for match in pattern.matches:
            if meta.filter == "public_ip":
                text = data[match.offset : match.offset + match.length].decode("ascii", "replace")
                if not _is_public_ip_url(text):
                    continue
            elif meta.filter == "live_token" and not _is_live_token(
                data, match.offset, match.length
            ):
                continue
            if best is None or match.offset < best:
                best = match.offset
    return best


def _file_kind(path: str, data: bytes) -> str:
    """One of ``doc``, ``binary``, ``script``, ``data`` for a non-Python file."""
    base = posixpath.basename(path.replace("\\", "/").split("!")[-1]).lower()
    ext = posixpath.splitext(base)[1]
    if ext in _BINARY_EXTS or ".so." in base or data.startswith(_BINARY_MAGIC):
        return "binary"
    if ext in _DOC_EXTS or base.startswith(_DOC_NAMES):
        return "doc"
    if ext in _SCRIPT_EXTS or data.startswith(b"#!"):
        return "script"
    return "data"


def _scale(
    base: Severity, context: ExecContext, kind: str, test_dir: bool
) -> tuple[Severity, float]:
    """Severity and confidence of a byte-pattern hit in a file of this context and kind."""
    if context is not ExecContext.DATA:
        severity = context.adjust(base)
        return severity, (0.6 if context is ExecContext.TEST else 1.0)
    drop, confidence = {"script": (0, 0.8), "data": (1, 0.7), "doc": (2, 0.5), "binary": (2, 0.5)}[
        kind
    ]
    if test_dir:
        drop += 1
    return Severity(max(int(Severity.INFO), int(base) - drop)), confidence


def _line_and_snippet(data: bytes, offset: int) -> tuple[int, str]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    if end == -1:
        end = len(data)
    # On a very long line (minified code, binaries) keep the match inside the snippet.
    if end - start > SNIPPET_CHARS:
        start = max(start, offset - SNIPPET_CHARS // 4)
        end = min(end, start + SNIPPET_CHARS)
    text = data[start:end].decode("utf-8", errors="replace")
    # Binaries put NULs and control bytes on the "line": keep reports printable.
    snippet = "".join(c if c.isprintable() or c == "\t" else "." for c in text).strip(" .\t")
    return line, snippet


def scan_bytes(path: str, data: bytes, context: ExecContext) -> FileReport:
    """Run the byte-pattern rules over one file's *data* and report what they found.

    *path* is the member path used in findings; *context* is where the file's
    code runs (`ExecContext.DATA` for anything that is not Python). Works on any
    content, text or binary. Findings carry the line of the first match (lines
    counted by ``\\n``) and a snippet of that line.
    """
    try:
        results = _scanner().scan(data)
    except (yara_x.TimeoutError, yara_x.ScanError) as exc:
        finding = Finding(
            "code/byte-scan-incomplete",
            Severity.LOW,
            f"byte-pattern scan did not finish: {exc}",
            file=path,
        )
        return FileReport(path, (finding,))

    kind = "code" if context is not ExecContext.DATA else _file_kind(path, data)
    test_dir = in_test_dir(path)
    hits: dict[str, tuple[int, Severity]] = {}  # rule id -> (offset, base severity)
    groups: dict[str, int] = {}  # group -> earliest offset
    for rule in results.matching_rules:
        meta = _meta(rule)
        offset = _first_offset(rule, data, meta)
        if offset is None:
            continue
        previous = hits.get(meta.id)
        if previous is None or (meta.severity, -offset) > (previous[1], -previous[0]):
            hits[meta.id] = (offset, meta.severity)
        if meta.group:
            groups[meta.group] = min(offset, groups.get(meta.group, offset))
    # Tests and docs list secrets and bad URLs side by side to check validators.
    combinable = kind in ("code", "script") and context is not ExecContext.TEST
    if combinable and "exfil" in groups and "secret" in groups:
        hits[COMBINATION_RULE] = (groups["exfil"], _BY_ID[COMBINATION_RULE].severity)

    findings: list[Finding] = []
    capabilities: set[Capability] = set()
    for rule_id, (offset, base) in sorted(hits.items(), key=lambda item: item[1][0]):
        severity, confidence = _scale(base, context, kind, test_dir)
        line, snippet = _line_and_snippet(data, offset)
        declared = _BY_ID.get(rule_id)
        title = declared.title if declared is not None else rule_id
        findings.append(
            Finding(rule_id, severity, title, path, line, snippet[:SNIPPET_CHARS], confidence)
        )
        # Capabilities describe code; a pattern in docs, tests or a bundled binary is not one.
        executable = kind in ("code", "script") and context is not ExecContext.TEST
        if declared is not None and declared.capability is not None and executable:
            capabilities.add(declared.capability)
    return FileReport(path, tuple(findings), frozenset(capabilities))
