"""Cheap text heuristics, the pattern fallback for unparsable Python, and `.pth` lines.

Three entry points, all pure and linear in the size of the text:

- `text_stats` judges any code file by statistics: high-entropy blobs, very long
  lines, code pushed off-screen by whitespace, invisible and bidi control
  characters, identifiers spelled with look-alike letters.
- `fallback_python` approximates the AST rules with regular expressions for
  sources `ast` cannot parse (Python 2 `setup.py` files in old sdists are common,
  and so are malicious ones written in that dialect).
- `pth_lines` / `analyze_pth_text` pick out the lines of a `.pth` file that the
  interpreter executes at start-up and judge them.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from pycustoms.analyzers.code import FileReport
from pycustoms.analyzers.code import ast_ids as W
from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity

C = Capability
RULES: tuple[Rule, ...] = (
    Rule(
        "code/high-entropy-blob",
        Severity.LOW,
        "High-entropy encoded blob in code",
        "A long base64/hex literal with the statistics of compressed or encrypted data.",
    ),
    Rule(
        "code/long-line",
        Severity.LOW,
        "Extremely long line in Python source",
        "Obfuscators and droppers pack a payload onto one line.",
    ),
    Rule(
        "code/whitespace-padding",
        Severity.HIGH,
        "Code hidden off-screen by whitespace",
        "Hundreds of spaces push a statement past the edge of an editor or diff view.",
    ),
    Rule(
        "code/bidi-control",
        Severity.MEDIUM,
        "Bidirectional control character in code",
        "Trojan Source: bidi overrides make code display differently from how it runs.",
    ),
    Rule(
        "code/zero-width-char",
        Severity.MEDIUM,
        "Zero-width characters in code",
        "Invisible characters between ASCII letters, or runs of them (hidden data).",
    ),
)

PY_SUFFIXES = (".py", ".pyw", ".pyi")
_MAX_SNIPPET = 120


def _finding(  # noqa: PLR0917 - private builder; positional calls keep rules one-line
    rule: str,
    severity: Severity,
    context: ExecContext,
    message: str,
    path: str,
    line: int | None,
    snippet: str | None,
    confidence: float = 1.0,
    *,
    in_function: bool = False,
) -> Finding:
    snip = snippet.strip()[:_MAX_SNIPPET] if snippet else None
    return Finding(
        rule,
        context.adjust(severity, in_function=in_function),
        message,
        path,
        line,
        snip,
        confidence,
    )


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]


def shannon_entropy(text: str) -> float:
    """Shannon entropy of *text* in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


# ---------------------------------------------------------------- statistics

# The look-behind makes each run start once: linear time on identifier-heavy text.
_BLOB = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{256,}={0,2}")
_HEX = frozenset("0123456789abcdefABCDEF")
_B64_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
# bytes.translate tables: a C-speed pre-check before any (slow) character-class regex.
_RUN_TABLE = bytes(0x41 if i in _B64_BYTES else 0x0A for i in range(256))
_LINE_TABLE = bytes(0x0A if i == 0x0A else 0x41 for i in range(256))
_LONG_LINE = 4_000
_DYNAMIC_CALL = re.compile(r"\b(?:exec|eval|compile|__import__)\s*\(")
_LONG_LINE_RE = re.compile(rf"^[^\n]{{{_LONG_LINE},}}", re.MULTILINE)
# A statement pushed off-screen: code, or a `;` that starts a second statement.
_PADDING = re.compile(r"\S[ \t]{250,}(?=[A-Za-z_;])")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
_ZW = re.compile(f"[{_INVISIBLE}]+")
_WORD_NONASCII = re.compile(r"\w*[^\x00-\x7f\W]\w*")
# Cyrillic and Greek letters drawn like Latin ones (a small, high-value subset).
_CONFUSABLE = str.maketrans(
    "аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅοΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwABEKMHOPCTXIJSoABEZHIKMNOPTYX",
)
# Names an attacker would spell with look-alike letters to hide a call.
_SPOOF_TARGETS = frozenset(
    {"exec", "eval", "compile", "open", "system", "popen", "os", "subprocess", "socket"}
    | {"getattr", "setattr", "import", "base64", "marshal", "zlib", "print", "self", "True"}
)


@dataclass(frozen=True, slots=True)
class Blob:
    """A long base64/hex run in a text, with its entropy."""

    offset: int
    length: int
    entropy: float
    is_hex: bool

    @property
    def suspicious(self) -> bool:
        """True when the run looks like compressed/encrypted data rather than a table."""
        return self.entropy >= (3.7 if self.is_hex else 5.2)


def find_blobs(text: str, *, min_length: int = 256, raw: bytes | None = None) -> Iterator[Blob]:
    """Yield base64/hex alphabet runs of at least *min_length* characters in *text*.

    *raw*, the bytes *text* was decoded from, makes the common no-blob case cheap.
    """
    data = text.encode("utf-8", "surrogatepass") if raw is None else raw
    if b"A" * min_length not in data.translate(_RUN_TABLE):
        return
    for match in _BLOB.finditer(text):
        run = match.group()
        if len(run) < min_length:
            continue
        sample = run[:4096]
        is_hex = set(sample) <= _HEX
        yield Blob(match.start(), len(run), shannon_entropy(sample), is_hex)


def _blob_findings(path: str, text: str, context: ExecContext, raw: bytes) -> Iterator[Finding]:
    for blob in find_blobs(text, raw=raw):
        if not blob.suspicious:
            continue
        big = blob.length >= 4096
        kind = "hex" if blob.is_hex else "base64"
        yield _finding(
            "code/high-entropy-blob",
            Severity.MEDIUM if big else Severity.LOW,
            context,
            f"{blob.length}-character {kind} blob with entropy {blob.entropy:.2f} bits/char",
            path,
            _line_of(text, blob.offset),
            text[blob.offset : blob.offset + 60],
        )


def _line_findings(path: str, text: str, context: ExecContext, raw: bytes) -> Iterator[Finding]:
    if (
        len(text) > _LONG_LINE
        and b"A" * _LONG_LINE in raw.translate(_LINE_TABLE)
        and (long := _LONG_LINE_RE.search(text))
    ):
        line = long.group()
        # Generated tables and serialized descriptors are long too; a long line that
        # also executes or imports dynamically is the shape of a packed payload.
        dense = _DYNAMIC_CALL.search(line) is not None
        yield _finding(
            "code/long-line",
            Severity.MEDIUM if dense else Severity.LOW,
            context,
            f"line of {len(line)} characters",
            path,
            _line_of(text, long.start()),
            line[:80],
            0.8 if dense else 0.5,
        )
    if " " * 250 not in text:
        return
    for match in _PADDING.finditer(text):
        line = _line_at(text, match.start())
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        if "#" in line[: col + 1] or '"""' in line or "'''" in line:
            continue
        yield _finding(
            "code/whitespace-padding",
            Severity.HIGH,
            context,
            f"{len(match.group()) - 1} blank characters hide code at the end of a line",
            path,
            _line_of(text, match.start()),
            line[col + len(match.group()) :],
            0.7,
        )
        break


def _unicode_findings(path: str, text: str, context: ExecContext) -> Iterator[Finding]:
    if text.isascii():
        return
    bidi = _BIDI.search(text)
    if bidi:
        yield _finding(
            "code/bidi-control",
            Severity.MEDIUM,
            context,
            f"bidirectional control U+{ord(bidi.group()):04X} can make code read differently",
            path,
            _line_of(text, bidi.start()),
            None,
            0.8,
        )
    for match in _ZW.finditer(text):
        if match.start() == 0 and match.group() == "\ufeff":
            continue
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        # Inside a token (a name, a URL, a word), not a lone invisible-character literal.
        inside = (
            before.isascii()
            and after.isascii()
            and (before + after).strip() == before + after
            and before.isprintable()
            and after.isprintable()
            and (before.isalnum() or after.isalnum())
        )
        if len(match.group()) >= 4 or inside:
            yield _finding(
                "code/zero-width-char",
                Severity.MEDIUM,
                context,
                f"{len(match.group())} invisible character(s) between {before!r} and {after!r}",
                path,
                _line_of(text, match.start()),
                None,
                0.8,
            )
            break


def _homoglyph_findings(path: str, text: str, context: ExecContext) -> Iterator[Finding]:
    # Only for sources `ast` cannot parse: the AST engine judges real identifiers.
    if text.isascii():
        return
    for match in _WORD_NONASCII.finditer(text):
        word = match.group()
        skeleton = word.translate(_CONFUSABLE)
        if skeleton == word or not skeleton.isascii():
            continue
        mixed = any(ch.isascii() and ch.isalpha() for ch in word)
        if not mixed and skeleton not in _SPOOF_TARGETS:
            continue
        line = _line_at(text, match.start())
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        prefix = line[:col]
        if "#" in prefix or prefix.count('"') % 2 or prefix.count("'") % 2:
            continue  # inside a comment or (probably) a string: not a name
        scripts = {unicodedata.name(ch, "?").split()[0] for ch in word if not ch.isascii()}
        yield _finding(
            W.UNICODE_ID,
            Severity.MEDIUM,
            context,
            f"name {word!r} uses {'/'.join(sorted(scripts)).lower()} letters that look like "
            f"{skeleton!r}",
            path,
            _line_of(text, match.start()),
            line,
            0.8,
        )
        break


_LONG = "code/long-line"
# Runs of lines that each hold only a string/bytes literal (implicit concatenation
# or `+`): a blob split across lines. Lines ending in a comma are list items, not
# one value, and are left alone (lists of hashes, word lists).
_LIT = (
    r"""[ \t]*[bBrRuU]{0,2}(?:"(?:[^"\\\n]|\\.){8,}"|'(?:[^'\\\n]|\\.){8,}')[ \t]*[+\\]?[ \t]*\n"""
)
_LIT_RUN = re.compile(rf"\n((?:{_LIT}){{4,}})")  # a literal "\n" first: a fast scan
_B85_CHARS = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
)
_ASCII85_CHARS = frozenset(chr(c) for c in range(33, 118)) | {"z"}
# Sample entropy of uniformly random bytes falls short of 8 bits for short data.
_RANDOM_BYTES_ENTROPY = ((96, 6.0), (128, 6.3), (192, 6.7), (256, 6.95), (512, 7.4), (1024, 7.6))


def _joined_literal(run: str) -> str | bytes | None:
    parts: list[str | bytes] = []
    for line in run.splitlines():
        item = line.strip().rstrip("+\\").strip()
        try:
            value = ast.literal_eval(item)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if not isinstance(value, (str, bytes)) or (parts and type(value) is not type(parts[0])):
            return None
        parts.append(value)
    if not parts:
        return None
    if isinstance(parts[0], bytes):
        return b"".join(p for p in parts if isinstance(p, bytes))
    return "".join(p for p in parts if isinstance(p, str))


def _random_looking(value: str | bytes) -> str | None:
    """The kind of encoded/encrypted data *value* looks like, or None."""
    if isinstance(value, bytes):
        sample = value[:4096]
        threshold = None
        for size, bits in _RANDOM_BYTES_ENTROPY:
            if len(sample) >= size:
                threshold = bits
        if threshold is None or _byte_entropy(sample) < threshold:
            return None
        return "binary"
    text = value[:4096]
    if len(text) < 256:
        return None
    chars = set(text)
    entropy = shannon_entropy(text)
    if chars <= _HEX:
        return "hex" if entropy >= 3.7 else None
    if chars <= set(_B64_BYTES.decode()) | {"="}:
        return "base64" if entropy >= 5.2 else None
    if chars <= _B85_CHARS or chars <= _ASCII85_CHARS:
        return "base85" if entropy >= 5.6 else None
    return None


def _byte_entropy(data: bytes) -> float:
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in Counter(data).values()) if n else 0.0


def _literal_blob_findings(path: str, text: str, context: ExecContext) -> Iterator[Finding]:
    # Only files that also run code are searched: the scan is not free.
    if "exec(" not in text and "eval(" not in text:
        return
    for match in _LIT_RUN.finditer(text):
        value = _joined_literal(match.group(1))
        kind = _random_looking(value) if value is not None else None
        if value is None or kind is None:
            continue
        big = len(value) >= 4096
        yield _finding(
            "code/high-entropy-blob",
            Severity.MEDIUM if big else Severity.LOW,
            context,
            f"{len(value)}-{'byte' if isinstance(value, bytes) else 'character'} {kind} blob "
            "split across string literals",
            path,
            _line_of(text, match.start(1)),
            text[match.start(1) : match.start(1) + 60],
        )
        break


def text_stats(
    path: str, text: str, context: ExecContext, *, raw: bytes | None = None
) -> FileReport:
    """Statistics-based findings for one code file (Python or `.pth`).

    Line-length rules apply only to Python: minified JavaScript and data files
    are long by nature and are not judged here. *raw* is the undecoded file, if
    the caller has it (saves an encode).
    """
    data = text.encode("utf-8", "surrogatepass") if raw is None else raw
    findings = [*_blob_findings(path, text, context, data), *_unicode_findings(path, text, context)]
    lower = path.lower()
    if lower.endswith(PY_SUFFIXES):
        findings.extend(_line_findings(path, text, context, data))
        if not any(f.rule == "code/high-entropy-blob" for f in findings):
            findings.extend(_literal_blob_findings(path, text, context))
    elif lower.endswith(".pth"):
        # A .pth line runs at start-up: padding can push an `import` off-screen.
        findings.extend(f for f in _line_findings(path, text, context, data) if f.rule != _LONG)
    return FileReport(path, tuple(findings))


# ------------------------------------------------------------ pattern fallback

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
_EXEC_FILE = re.compile(
    r"\bexecfile\s*\(?\s*['\"](?P<a>[^'\"\n]+)['\"]"
    r"|\bexec\s*\(?\s*(?:compile\s*\()?\s*open\s*\(\s*(?:[\w.]+\s*\(\s*)*['\"](?P<b>[^'\"\n]+)['\"]"
    r"[^\n]{0,80}\.read\(\)"
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
    r"\bopen\s*\([^\n]{0,160}?['\"](?P<c>[\w.\-]{1,80}\.(?:json|txt|dat|bin|png|jpe?g|gif|bmp"
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
_EXEC_CALL = re.compile(r"(?<![\w.])(?:exec|eval)\s*\(")
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
        for match in _EXEC_FILE.finditer(text):
            yield _line_of(text, match.start()), match.group("a") or match.group("b")
    if ("exec(" in text or "eval(" in text) and "open" in text:
        for match in _OPEN_THEN_EXEC.finditer(text):
            if _executes_what_was_opened(text, match):
                yield _line_of(text, match.start()), match.group("c")
    if "exec(" in text or "eval(" in text:
        yield from _read_then_exec(text)
    # Substring gate first: the regex alone costs more than parsing a large module.
    if spawned and any(w in text for w in _SPAWN_WORDS) and (spawn := _SPAWN.search(text)):
        line = _line_of(text, spawn.start())
        names = {m.group(1) for m in _FILE_LITERAL.finditer(text)}
        for name in sorted(names):
            yield line, RUN_PREFIX + name


_BOUND = re.compile(r"\bas\s+(\w+)|^\s*(\w+)\s*=[^=]")


def _executes_what_was_opened(text: str, match: re.Match[str]) -> bool:
    """False when the opened file went into a name that the `exec` line never uses
    (`long_description = open("README.md").read()`, then `exec(fp.read(), version)` of
    another file a few lines later)."""
    bound = _BOUND.search(_line_at(text, match.start("c")))
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
    exec_line = _line_at(text, match.end() - 1)
    return any(re.search(rf"\b{re.escape(n)}\b", exec_line) for n in names)


def _read_then_exec(text: str) -> Iterator[tuple[int, str]]:
    """A data file read (by any means) and executed in the same statement, or read
    into a name that an `exec`/`eval` a few lines later uses."""
    lines: list[str] | None = None
    for count, call in enumerate(_EXEC_CALL.finditer(text)):
        if count >= 50:
            return
        line_no = _line_of(text, call.start())
        here = _line_at(text, call.start())
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
        line = _line_at(code, offset)
        findings.append(
            _finding(
                rule,
                severity,
                context,
                message + " (pattern fallback)",
                path,
                _line_of(code, offset),
                line,
                conf,
                in_function=line[:1].isspace(),
            )
        )

    if m := (_EXEC_DECODED.search(code) or _EXEC_STMT_DECODED.search(code)):
        add(W.EXEC_DECODED, Severity.CRITICAL, "executes decoded data", m.start())
    if m := _SHELL.search(code):
        add(
            W.DOWNLOAD_CMD,
            Severity.HIGH,
            "runs a downloading shell command",
            m.start(),
        )
    if context in (ExecContext.INSTALL, ExecContext.STARTUP):
        for m in _NETWORK.finditer(code):
            if not _line_at(code, m.start())[:1].isspace():
                add(
                    W.INSTALL_NET,
                    Severity.MEDIUM,
                    "opens a network connection while installing",
                    m.start(),
                    0.8,
                )
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
        add(
            W.ENV_DUMP,
            Severity.LOW,
            "serialises the whole environment",
            m.start(),
            0.7,
        )
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
    findings.extend(_homoglyph_findings(path, text, context))
    for line_no, target in exec_file_targets(code):
        # RUN_PREFIX names are programs a spawning file mentions, for the package
        # rules to match against shipped executables: not files that are exec'd.
        if not target.startswith(RUN_PREFIX) and not target.lower().endswith(PY_SUFFIXES):
            findings.append(
                _finding(
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


# ------------------------------------------------------------------ .pth files


def pth_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, line) for the lines of a `.pth` file that start with `import`."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(("import ", "import\t")):
            yield number, line


def pth_imported_modules(text: str) -> frozenset[str]:
    """Top-level module names that a `.pth` file's start-up lines import."""
    names: set[str] = set()
    for _, line in pth_lines(text):
        for stmt in line.split(";"):
            m = re.match(r"\s*import\s+([\w.,\s]+)", stmt)
            if m:
                names.update(n.strip().split(".")[0] for n in m.group(1).split(",") if n.strip())
            names.update(re.findall(r"__import__\(\s*['\"]([\w]+)", stmt))
    return frozenset(names)
