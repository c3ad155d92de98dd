"""One pass over a source file that tells which trigger-word tiers it contains.

The `ast` engine only walks files that could match one of its rules (see
`ast_tables.needs_walk`). Testing ~130 trigger words with `in` costs one pass
over the text per word, which on a large module is more than parsing it. The
same words compiled into YARA-X rules are found in a single Aho-Corasick pass.
"""

from __future__ import annotations

import threading
from typing import Any

import yara_x

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.types import Capability

# Tier name -> the words that put a file in it. Order matters only for reading.
TIERS: dict[str, tuple[str, ...]] = {
    "strong": (*T.STRONG_TRIGGERS, *T.EXTRA_TRIGGERS),
    "network": T.NETWORK_WORDS,
    "netcap": T.NETWORK_WORDS[:-1],  # without import_module: a capability of its own
    "process": T.PROCESS_WORDS,
    "combine": T.COMBINE_WORDS,
    "concat": T.CONCAT_WORDS,
    "getattr": T.GETATTR_WORDS,
    "env": T.ENV_WORDS,
}


def _literal(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def _source() -> str:
    rules = []
    for tier, words in TIERS.items():
        strings = "\n".join(f"    $w{i} = {_literal(w)}" for i, w in enumerate(words))
        rules.append(f"rule {tier} {{\n  strings:\n{strings}\n  condition:\n    any of them\n}}")
    # Calls of compile()/eval() that are not methods or definitions of methods
    # (re.compile, model.eval, a symbolic library's `def eval(cls, ...)`).
    rules.extend(
        f"rule dyn_{name} {{\n  strings:\n"
        f'    $c = "{name}("\n    $m = ".{name}("\n    $u = "_{name}("\n'
        f'    $d = "def {name}("\n'
        "  condition:\n    #c > #m + #u + #d\n}"
        for name in ("compile", "eval")
    )
    # `__import__` with anything but a plain module-name literal (built, decoded
    # or variable names); a literal import is an ordinary lazy import.
    rules.append(
        "rule dyn_import {\n  strings:\n"
        '    $a = "__import__("\n'
        "    $l = /__import__\\(\\s*[\"'][A-Za-z0-9_.]{1,64}[\"']\\s*[,)]/\n"
        "  condition:\n    #a > #l\n}"
    )
    # Unpickling a pickle written into the file (decoded or as a bytes literal); caches
    # and model loaders unpickle parameters, which no rule judges.
    rules.append(
        "rule dyn_pickle {\n  strings:\n"
        "    $l = /(pickle|dill)\\.loads\\(/\n"
        "    $d = /b64decode|b85decode|b32decode|fromhex|decompress|\\\\x80\\\\x0[2-5]|cos\\\\n/\n"
        "  condition:\n    $l and $d\n}"
    )
    # A URL to a raw IP address that is not loopback or private: where stolen data goes.
    rules.append(
        "rule raw_ip_url {\n  strings:\n"
        "    $ip = /(https?|wss?|tcp):\\/\\/[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}/\n"
        '    $lo = "://127."\n    $ten = "://10."\n    $home = "://192.168."\n'
        '    $any = "://0.0.0.0"\n    $link = "://169.254."\n    $mid = "://172."\n'
        "  condition:\n    #ip > #lo + #ten + #home + #any + #link + #mid\n}"
    )
    # chr() chains build hidden strings; a few chr() calls are ordinary text code.
    rules.append(
        "rule chr_chain {\n  strings:\n"
        '    $c = "chr("\n'
        "    $plus = /chr\\(\\s*[0-9]{1,7}\\s*\\)\\s*\\+/\n"
        '    $map = "map(chr"\n'
        "    $join = /join\\(\\s*\\[?\\s*chr\\(/\n"
        "  condition:\n    #c >= 8 or $plus or $map or $join\n}"
    )
    return "\n".join(rules)


_LOCK = threading.Lock()
_RULES: Any = None
_LOCAL = threading.local()


def _scanner() -> Any:
    global _RULES  # noqa: PLW0603 - compiled once per process, on first use
    scanner = getattr(_LOCAL, "scanner", None)
    if scanner is None:
        with _LOCK:
            if _RULES is None:
                _RULES = yara_x.compile(_source())
        scanner = yara_x.Scanner(_RULES)
        _LOCAL.scanner = scanner
    return scanner


def tiers(data: bytes) -> frozenset[str]:
    """The names of the tiers (and `dyn_compile`/`dyn_eval`) whose words occur in *data*."""
    results = _scanner().scan(data)
    return frozenset(rule.identifier for rule in results.matching_rules)


# Tiers whose words mark a statement worth walking on its own (`large_source`), by
# priority: what no library needs first, capabilities last. `getattr` counts only
# next to string concatenation, as in `decide`.
_WINDOW_TIERS = {
    "strong": 0, "dyn_compile": 0, "dyn_eval": 0, "dyn_import": 0, "chr_chain": 0,
    "dyn_pickle": 0, "raw_ip_url": 0, "combine": 1, "getattr": 1, "network": 2, "process": 2,
}  # fmt: skip


def trigger_offsets(data: bytes) -> list[tuple[int, int]]:
    """(byte offset, priority) of each trigger word in *data* that makes a file worth walking."""
    scanner = getattr(_LOCAL, "offsets", None)
    if scanner is None:
        _scanner()  # compiles the rules once
        scanner = yara_x.Scanner(_RULES)
        scanner.max_matches_per_pattern(100_000)
        _LOCAL.offsets = scanner
    results = scanner.scan(data)
    found = {rule.identifier: rule for rule in results.matching_rules}
    if "concat" not in found:
        found.pop("getattr", None)
    return sorted(
        (match.offset, _WINDOW_TIERS[name])
        for name, rule in found.items()
        if name in _WINDOW_TIERS
        for pattern in rule.patterns
        for match in pattern.matches
    )


def decide(source: str, *, imported: bool = False) -> tuple[bool, frozenset[Capability]]:
    """Whether the `ast` engine must walk *source*, and its capabilities if not.

    *imported* marks a package `__init__.py`, whose top level runs on import:
    there any network or process word is enough. See `ast_tables` for the tiers.
    """
    found = tiers(source.encode("utf-8", "surrogatepass"))
    if found & _ALWAYS or {"concat", "getattr"} <= found:
        return True, frozenset()
    non_ascii = not source.isascii()
    if non_ascii and T.UNICODE_STRONG.search(source):
        return True, frozenset()
    network = "network" in found
    process = "process" in found
    if network or process:
        if imported or (network and process) or "combine" in found:
            return True, frozenset()
        # Look-alike letters next to a capability: identifiers may be disguised.
        if non_ascii and T.UNICODE_TRIGGER.search(source):
            return True, frozenset()
    caps = {cap for tier, cap in _CAPS.items() if tier in found}
    return False, frozenset(caps)


_ALWAYS = frozenset(
    {"strong", "dyn_compile", "dyn_eval", "dyn_import", "chr_chain", "dyn_pickle", "raw_ip_url"}
)
_CAPS = {
    "netcap": Capability.NETWORK,
    "process": Capability.PROCESS,
    "env": Capability.ENV_READ,
}
