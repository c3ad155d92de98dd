"""The code analyzer's orchestrator: package members in, one `CodeReport` out.

One pass over the members. Each member is classified (`ExecContext`), scanned
for byte patterns, and, if it is text, judged by the AST engine (or the pattern
fallback), the text statistics and the `.pth` rules. Package-wide rules run at
the end on facts gathered along the way.

Member order is not guaranteed, and two facts arrive late: an sdist's
`pyproject.toml` may name an in-tree build backend after its files went by, and a
`.pth` file may import a module that was already judged as an ordinary module.
Both are handled by keeping back a bounded amount of small Python source.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pycustoms.analyzers.code import (
    CodeReport,
    FileReport,
    ast_links,
    ast_rules,
    large_source,
    pth,
    yara_engine,
)
from pycustoms.analyzers.code.context import ExecContext, classify, installed_path
from pycustoms.analyzers.code.package_rules import (
    ExecTarget,
    FileFacts,
    PackageFacts,
    assignments_only,
    binary_kind,
    opaque_member_findings,
    package_findings,
    wheel_tags,
)
from pycustoms.analyzers.code.pth import pth_imported_modules
from pycustoms.analyzers.code.py2_fallback import exec_file_targets, fallback_python
from pycustoms.analyzers.code.text_stats import PY_SUFFIXES, text_stats
from pycustoms.archive import Limits, Member, nested_from_text
from pycustoms.types import Capability, Finding, PackageKind, Severity

MAX_PER_RULE_PER_FILE = 5
TEXT_LIMIT = 4 * 1024 * 1024  # larger text members get byte patterns only
SNIFF = 8192
_DEFER_BUDGET = 32 * 1024 * 1024  # sdist sources held back until pyproject.toml is seen
_STARTUP_BUDGET = 4 * 1024 * 1024  # root-level modules kept for .pth re-analysis
_SOURCE_BUDGET = 8 * 1024 * 1024  # unwalked Python kept for calls across files
_CALLER_CONTEXTS = (
    ExecContext.INSTALL,
    ExecContext.STARTUP,
    ExecContext.IMPORT,
    ExecContext.MODULE,
)
_CHAIN_ROUNDS = 3
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHEN = {
    ExecContext.INSTALL: "runs at install time",
    ExecContext.STARTUP: "runs at every interpreter start",
    ExecContext.IMPORT: "runs on import",
    ExecContext.MODULE: "runs on import",
}
_SMALL_TEXT = 16384
# base64 of zip, gzip, bzip2 and xz magic: the only embedded archives that get unpacked.
_ARCHIVE_B64_MAGIC = (b"UEsDB", b"H4sI", b"Qlpo", b"/Td6WFo")
_MAX_NESTED_MEMBERS = 200
_DEFERRABLE = (PackageKind.SDIST, PackageKind.DIRECTORY)
_LOCAL_IMPORT = re.compile(r"^(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)


def _code_like(path: str, data: bytes) -> bool:
    lower = path.lower()
    if lower.endswith((".py", ".pyw", ".pth")):
        return True
    return "." not in posixpath.basename(lower) and data.startswith(b"#!")


def decode_text(data: bytes) -> str:
    """Decode *data* as UTF-8 (a leading BOM dropped), falling back to latin-1 (never fails).

    The BOM must go: `ast.parse` refuses a str that starts with U+FEFF, and a
    file it cannot parse gets only the pattern fallback.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _too_large_to_parse(path: str, data: bytes) -> bool:
    """A Python module above `TEXT_LIMIT` (see `large_source`), within `HUGE_LIMIT`."""
    return (
        TEXT_LIMIT < len(data) <= large_source.HUGE_LIMIT
        and path.lower().endswith((".py", ".pyw"))
        and b"\0" not in data[:SNIFF]
    )


def is_python(path: str, text: str) -> bool:
    """True for `.py`/`.pyw` files and extension-less scripts with a python shebang."""
    lower = path.lower()
    if lower.endswith((".py", ".pyw")):
        return True
    base = posixpath.basename(lower)
    return "." not in base and text.startswith("#!") and "python" in text[:120].split("\n", 1)[0]


def backend_locations(pyproject: str) -> tuple[frozenset[str], frozenset[str]]:
    """Files and directories of an in-tree build backend named by *pyproject*'s text.

    Returns (files, directories): the backend module's candidate paths, and every
    `backend-path` entry other than the root (all of whose code runs at build time).
    """
    try:
        table = tomllib.loads(pyproject).get("build-system", {})
    except tomllib.TOMLDecodeError:
        return frozenset(), frozenset()
    paths = table.get("backend-path")
    backend = table.get("build-backend")
    if not isinstance(paths, list) or not isinstance(backend, str):
        return frozenset(), frozenset()
    module = backend.split(":", 1)[0].strip().replace(".", "/")
    files: set[str] = set()
    dirs: set[str] = set()
    for entry in paths:
        if not isinstance(entry, str):
            continue
        root = posixpath.normpath(entry.replace("\\", "/")).strip("/")
        prefix = "" if root in ("", ".") else root + "/"
        if prefix:
            dirs.add(root)
        files.update({f"{prefix}{module}.py", f"{prefix}{module}/__init__.py"})
    return frozenset(files), frozenset(dirs)


def _caller(path: str, context: ExecContext) -> bool:
    """True if *path*'s code runs without being asked to (not tests, not `__main__.py`).

    A `__main__.py` runs only when someone runs the package as a program, as do
    the functions it calls; those are judged as the library code they are.
    """
    return context in _CALLER_CONTEXTS and posixpath.basename(path) != "__main__.py"


def _merge(path: str, reports: Iterable[FileReport | None]) -> FileReport:
    findings: list[Finding] = []
    caps: set[Capability] = set()
    for report in reports:
        if report is not None:
            findings.extend(report.findings)
            caps |= report.capabilities
    return FileReport(path, tuple(findings), frozenset(caps))


@dataclass(slots=True)
class _Run:
    kind: PackageKind
    limits: Limits
    facts: PackageFacts
    files: int = 0
    total_bytes: int = 0
    nested: int = 0
    backend_files: frozenset[str] | None = None
    backend_dirs: frozenset[str] = frozenset()
    deferred: list[Member] = field(default_factory=list)
    deferred_bytes: int = 0
    # Installed path (a wheel's `*.data/purelib/` prefix removed) -> (member path, text).
    startup_sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    startup_bytes: int = 0
    pth_modules: set[str] = field(default_factory=set)
    problems: list[Finding] = field(default_factory=list)
    links: dict[str, ast_links.Links] = field(default_factory=dict)
    link_contexts: dict[str, ExecContext] = field(default_factory=dict)
    # Python files the prefilter did not walk, kept (within a budget) in case another
    # file's waiting code turns out to be started through them.
    sources: dict[str, tuple[str, ExecContext]] = field(default_factory=dict)
    source_bytes: int = 0
    # The package's own import name (from the file name), see `context.in_test_dir`.
    own: str | None = None

    def context(self, path: str) -> ExecContext:
        backend: frozenset[str] = frozenset()
        if self.backend_files and (
            path in self.backend_files or any(path.startswith(d + "/") for d in self.backend_dirs)
        ):
            backend = frozenset({path})
        return classify(
            path.rsplit("!", 1)[-1], self.kind, build_backend_paths=backend, own=self.own
        )

    def add(self, member: Member) -> None:
        path = member.path
        if member.depth == 0 and path == "pyproject.toml" and self.kind in _DEFERRABLE:
            self.backend_files, self.backend_dirs = backend_locations(decode_text(member.data))
            self._flush()
        elif (
            self.backend_files is None
            and self.kind in _DEFERRABLE
            and member.depth == 0
            and path.lower().endswith(PY_SUFFIXES)
            and self.deferred_bytes + len(member.data) <= _DEFER_BUDGET
        ):
            self.deferred.append(member)
            self.deferred_bytes += len(member.data)
            return
        self._analyze(member)

    def _flush(self) -> None:
        held, self.deferred, self.deferred_bytes = self.deferred, [], 0
        for member in held:
            self._analyze(member)

    def _analyze(self, member: Member, outer: ExecContext | None = None) -> None:
        path, data = member.path, member.data
        self.files += 1
        self.total_bytes += len(data)
        context = self.context(path)
        if outer is not None:  # unpacked from a file that runs in *outer*
            context = min(context, outer)
        self.facts.metadata.offer(self.kind, path, data, member.depth)
        native = binary_kind(data[:4096])
        reports: list[FileReport | None] = []
        reports.append(yara_engine.scan_bytes(path, data, context))
        if path.endswith(".dist-info/WHEEL") and member.depth == 0:
            self.facts.wheel_tags = wheel_tags(decode_text(data))
        is_text = native is None and len(data) <= TEXT_LIMIT and b"\0" not in data[:SNIFF]
        if native is None and (found := opaque_member_findings(path, data[:4096], context)):
            reports.append(FileReport(path, tuple(found), frozenset()))
        code = _code_like(path, data)
        small = len(data) <= _SMALL_TEXT
        # Decode only what a text rule will read: code, and small files for the version check.
        text = decode_text(data) if is_text and (code or small) else ""
        simple = is_text and small and not code and assignments_only(text)
        self.facts.files.append(FileFacts(path, context, len(data), native, simple))
        if is_text and code:
            reports.extend(self._text(member, text, context))
        elif native is None and code and _too_large_to_parse(path, data):
            reports.extend(self._large_python(member, context))
        merged = _merge(path, reports)
        if merged.findings or merged.capabilities:
            self.facts.reports[path] = merged

    def _large_python(self, member: Member, context: ExecContext) -> list[FileReport | None]:
        """A module above `TEXT_LIMIT`: its statements that hold trigger words, walked."""
        reduced = large_source.reduce_source(member.data, decode_text(member.data))
        if reduced is None:
            return []
        text = reduced.text
        reports = self._text(replace(member, data=text.encode("utf-8", "surrogatepass")), text,
                             context)  # fmt: skip
        if reduced.skipped:
            note = large_source.partly_analysed(member.path, reduced, len(member.data))
            reports.append(FileReport(member.path, (note,), frozenset()))
        return reports

    def _text(self, member: Member, text: str, context: ExecContext) -> list[FileReport | None]:
        path, raw = member.path, member.data
        if path.lower().endswith(".pth"):
            self.pth_modules |= pth_imported_modules(text)
            return [pth.analyze_pth(path, text), text_stats(path, text, context, raw=raw)]
        if not is_python(path, text):
            return []
        if context is ExecContext.DATA:
            context = ExecContext.MODULE  # a script run by name
        self._remember_startup_candidate(member, text)
        # Programs named by spawning code only matter where that code runs early
        # (package_rules._run_binary); collecting them everywhere cost 7 % of a scan.
        early = context in (ExecContext.INSTALL, ExecContext.STARTUP, ExecContext.IMPORT)
        for line, target in exec_file_targets(text, spawned=early):
            self.facts.exec_targets.append(ExecTarget(path, line, target, context))
        if context in (ExecContext.INSTALL, ExecContext.STARTUP):
            self.facts.imports[path] = frozenset(a or b for a, b in _LOCAL_IMPORT.findall(text))
        reports = self._python(path, text, context, raw)
        self._nested(member, text, context)
        return reports

    def _python(
        self, path: str, text: str, context: ExecContext, raw: bytes | None = None
    ) -> list[FileReport | None]:
        report = ast_rules.analyze_python(path, text, context)
        if report is None:
            report = fallback_python(path, text, context)
        elif _caller(path, context):
            self._keep_links(path, text, context, report.links)
        return [report, text_stats(path, text, context, raw=raw)]

    def _keep_links(
        self, path: str, text: str, context: ExecContext, links: ast_links.Links | None
    ) -> None:
        """Keep a walked file's links, or an unwalked file's text (for `_cross_file`)."""
        if links is not None:
            self.links[path] = links
            self.link_contexts[path] = context
        elif "!" not in path and self.source_bytes + len(text) <= _SOURCE_BUDGET:
            self.sources[path] = (text, context)
            self.source_bytes += len(text)

    def _remember_startup_candidate(self, member: Member, text: str) -> None:
        parts = installed_path(member.path, self.kind).split("/")
        top_level = len(parts) == 1 or (len(parts) == 2 and parts[1] == "__init__.py")
        if (
            member.depth == 0
            and top_level
            and self.kind is PackageKind.WHEEL
            and self.startup_bytes + len(text) <= _STARTUP_BUDGET
        ):
            self.startup_sources["/".join(parts)] = (member.path, text)
            self.startup_bytes += len(text)

    def _nested(self, member: Member, text: str, context: ExecContext) -> None:
        if (
            member.depth >= self.limits.max_depth
            or self.nested >= _MAX_NESTED_MEMBERS
            or not any(magic in member.data for magic in _ARCHIVE_B64_MAGIC)
        ):
            return
        found = nested_from_text(member.path, text, member.depth, self.limits)
        self.problems.extend(found.problems)
        for child in found.members[: _MAX_NESTED_MEMBERS - self.nested]:
            self.nested += 1
            self._analyze(child, context)

    def _startup_modules(self) -> None:
        # Modules a .pth imports run at every interpreter start: judge them so.
        for module in sorted(self.pth_modules):
            for installed in (f"{module}.py", f"{module}/__init__.py"):
                found = self.startup_sources.get(installed)
                if found is None:
                    continue
                path, text = found
                reports = self._python(path, text, ExecContext.STARTUP)
                self.facts.reports[path] = _merge(path, reports)

    def _cross_file(self) -> None:
        """Judge hits in functions that another file of the package calls when it runs."""
        # Only hits that a caller could make worse than reported, to at least MEDIUM,
        # in the most dangerous context any caller in this package has.
        present = [*self.link_contexts.values(), *(c for _, c in self.sources.values())]
        if not present:
            return
        worst = min(present)
        pairs: set[tuple[str, str]] = set()
        for path, link in self.links.items():
            for wait in link.waiting:
                could = ast_rules.resolve(wait.sev, worst, executed=True)
                if could >= Severity.MEDIUM and could > wait.reported:
                    pairs.add((ast_links.module_word(path), wait.func))
        if not pairs:
            return
        # Walk the kept files that could start waiting code (they name its module and
        # function), then those that could start them, a few rounds deep.
        words = {path: set(_IDENTIFIER.findall(text)) for path, (text, _) in self.sources.items()}
        for _ in range(_CHAIN_ROUNDS):
            found: list[tuple[str, ast_links.Links]] = []
            for path, (text, context) in self.sources.items():
                if path in self.links or not ast_links.mentions(words[path], pairs):
                    continue
                walked = ast_rules.links_only(path, text, context)
                if walked is not None:
                    self.links[path] = walked
                    self.link_contexts[path] = context
                    found.append((path, walked))
            if not found:
                break
            pairs |= ast_links.onward(found)
        for (path, func), how in ast_links.reach(self.links, self.link_contexts).items():
            report = self.facts.reports.get(path)
            if report is None:
                continue
            replaced: dict[tuple[str, int], Finding] = {}
            for wait in self.links[path].waiting:
                if wait.func != func:
                    continue
                severity = ast_rules.resolve(wait.sev, how.context, executed=True)
                if severity <= wait.reported:
                    continue
                if func in self.links[path].classes:
                    when = f"in class {func}, named by {how.caller}: {_WHEN[how.context]}"
                else:
                    when = f"in {func}(), called from {how.caller}: {_WHEN[how.context]}"
                replaced[(wait.rule, wait.line)] = Finding(
                    wait.rule,
                    severity,
                    f"{wait.message} ({when})",
                    path,
                    wait.line or None,
                    wait.snippet,
                    wait.confidence,
                )
            if replaced:
                kept = [f for f in report.findings if (f.rule, f.line or 0) not in replaced]
                findings = (*kept, *replaced.values())
                self.facts.reports[path] = replace(report, findings=findings)

    def finish(self) -> CodeReport:
        self._flush()
        self._startup_modules()
        self._cross_file()
        extra, caps = package_findings(self.facts)
        findings: list[Finding] = []
        all_caps: set[Capability] = set(caps)
        for report in self.facts.reports.values():
            findings.extend(report.findings)
            all_caps |= report.capabilities
        findings.extend(extra)
        findings.extend(self.problems)
        return CodeReport(
            tuple(_bounded(findings)), frozenset(all_caps), self.files, self.total_bytes
        )


def _bounded(findings: Iterable[Finding]) -> list[Finding]:
    """Drop exact repeats and keep the first few findings of each rule in each file."""
    seen: set[Finding] = set()
    per_key: Counter[tuple[str, str | None]] = Counter()
    out: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.rule, finding.file)
        if finding in seen or per_key[key] >= MAX_PER_RULE_PER_FILE:
            continue
        seen.add(finding)
        per_key[key] += 1
        out.append(finding)
    return out


def analyze_package(
    kind: PackageKind,
    members: Iterable[Member],
    *,
    limits: Limits | None = None,
    project: str | None = None,
) -> CodeReport:
    """Analyze every member of one package and return its findings and capabilities.

    *project* is the project name the file name gives (its top-level package is not
    mistaken for a test directory). Pure: nothing is written, imported or executed.
    *members* is consumed once.
    """
    run = _Run(kind, limits or Limits(), PackageFacts(kind))
    if project:
        run.own = project.lower().replace("-", "_").replace(".", "_")
    for member in members:
        run.add(member)
    return run.finish()
