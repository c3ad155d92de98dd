"""Text statistics for any code file: blobs, long lines, padding, invisible and look-alike letters.

`text_stats` judges a code file (Python or `.pth`) by statistics alone, linear
in the size of the text: high-entropy blobs (one long literal, or one split
across lines in a file that execs), very long lines, code pushed off-screen by
whitespace, invisible and bidi control characters, identifiers spelled with
look-alike letters. The helpers that build a finding at an offset are shared
with the pattern fallback (`py2_fallback`).
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
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.rules import Rule
from pycustoms.types import Capability, Finding, Severity

C = Capability
CONFUSABLE_NAMES = "code/confusable-names"
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
        CONFUSABLE_NAMES,
        Severity.HIGH,
        "Identifiers made of look-alike letters",
        "Five or more distinct names spelled only with letters that look alike (`lIlIIl`, "
        "`O0OO0`, `aAaAAa`): what obfuscators write, never people. Critical at install.",
        C.DYNAMIC_CODE,
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


def finding(  # noqa: PLR0917 - positional calls keep the text rules one-line
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


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of *offset* in *text*."""
    return text.count("\n", 0, offset) + 1


def line_at(text: str, offset: int) -> str:
    """The whole line of *text* that holds *offset*."""
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
        yield finding(
            "code/high-entropy-blob",
            Severity.MEDIUM if big else Severity.LOW,
            context,
            f"{blob.length}-character {kind} blob with entropy {blob.entropy:.2f} bits/char",
            path,
            line_of(text, blob.offset),
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
        yield finding(
            "code/long-line",
            Severity.MEDIUM if dense else Severity.LOW,
            context,
            f"line of {len(line)} characters",
            path,
            line_of(text, long.start()),
            line[:80],
            0.8 if dense else 0.5,
        )
    if " " * 250 not in text:
        return
    for match in _PADDING.finditer(text):
        line = line_at(text, match.start())
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        if "#" in line[: col + 1] or '"""' in line or "'''" in line:
            continue
        yield finding(
            "code/whitespace-padding",
            Severity.HIGH,
            context,
            f"{len(match.group()) - 1} blank characters hide code at the end of a line",
            path,
            line_of(text, match.start()),
            line[col + len(match.group()) :],
            0.7,
        )
        break


def _unicode_findings(path: str, text: str, context: ExecContext) -> Iterator[Finding]:
    if text.isascii():
        return
    bidi = _BIDI.search(text)
    if bidi:
        yield finding(
            "code/bidi-control",
            Severity.MEDIUM,
            context,
            f"bidirectional control U+{ord(bidi.group()):04X} can make code read differently",
            path,
            line_of(text, bidi.start()),
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
            yield finding(
                "code/zero-width-char",
                Severity.MEDIUM,
                context,
                f"{len(match.group())} invisible character(s) between {before!r} and {after!r}",
                path,
                line_of(text, match.start()),
                None,
                0.8,
            )
            break


def homoglyph_findings(path: str, text: str, context: ExecContext) -> Iterator[Finding]:
    """Identifiers that spell a dangerous name with look-alike letters."""
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
        line = line_at(text, match.start())
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        prefix = line[:col]
        if "#" in prefix or prefix.count('"') % 2 or prefix.count("'") % 2:
            continue  # inside a comment or (probably) a string: not a name
        scripts = {unicodedata.name(ch, "?").split()[0] for ch in word if not ch.isascii()}
        yield finding(
            W.UNICODE_ID,
            Severity.MEDIUM,
            context,
            f"name {word!r} uses {'/'.join(sorted(scripts)).lower()} letters that look like "
            f"{skeleton!r}",
            path,
            line_of(text, match.start()),
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
        yield finding(
            "code/high-entropy-blob",
            Severity.MEDIUM if big else Severity.LOW,
            context,
            f"{len(value)}-{'byte' if isinstance(value, bytes) else 'character'} {kind} blob "
            "split across string literals",
            path,
            line_of(text, match.start(1)),
            text[match.start(1) : match.start(1) + 60],
        )
        break


def word_matches(
    pattern: re.Pattern[str], text: str, *, after_dot: bool = True
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, keeping only matches that start a word.

    A match right after a word character (or after a `.` unless *after_dot*) is
    skipped, and the search goes on from its next character, as a leading `\\b`
    (or `(?<![\\w.])`) in the pattern would do. A pattern that starts with a
    literal or a character class is searched much faster without that assertion:
    the regex engine skips ahead to where it can match instead of trying every
    position (ten times faster through a large package's modules).
    """
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        start = match.start()
        before = text[start - 1] if start else ""
        if before and (before.isalnum() or before == "_" or (before == "." and not after_dot)):
            pos = start + 1
            continue
        yield match
        pos = max(match.end(), start + 1)


# Names of one pair of look-alike letters (`lIlIIl`, `O0OO0`, `aAaAAa`), by pair; a name
# must hold both letters (checked on each match: lookaheads cost a quarter of a scan).
_LOOKALIKE_NAMES = {
    pair: re.compile(rf"[{pair}]{{{least},}}(?!\w)")  # and not after `\w` or `.`: word_matches
    for pair, least in (("lI", 10), ("O0", 10), ("aA", 16))
}
_MIN_CONFUSABLE = 5  # distinct names


def _confusable_findings(path: str, text: str, context: ExecContext) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for pair, pattern in _LOOKALIKE_NAMES.items():
        if pair not in text and pair[::-1] not in text:
            continue  # a name with both letters has them side by side somewhere
        for match in word_matches(pattern, text, after_dot=False):
            name = match.group(0)
            if pair[0] in name and pair[1] in name:
                seen.setdefault(name, match.start())
                if len(seen) >= _MIN_CONFUSABLE:
                    break
        if len(seen) >= _MIN_CONFUSABLE:
            break
    if len(seen) < _MIN_CONFUSABLE:
        return
    offset = min(seen.values())
    yield finding(
        CONFUSABLE_NAMES,
        Severity.HIGH,
        context,
        f"{len(seen)}+ distinct names spelled with look-alike letters (obfuscator output)",
        path,
        line_of(text, offset),
        line_at(text, offset),
        0.85,
    )


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
        findings.extend(_confusable_findings(path, text, context))
        if not any(f.rule == "code/high-entropy-blob" for f in findings):
            findings.extend(_literal_blob_findings(path, text, context))
    elif lower.endswith(".pth"):
        # A .pth line runs at start-up: padding can push an `import` off-screen.
        findings.extend(f for f in _line_findings(path, text, context, data) if f.rule != _LONG)
    return FileReport(path, tuple(findings))
