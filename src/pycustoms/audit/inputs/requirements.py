"""`requirements*.txt` (pip, pip-tools, `uv pip compile`): includes, options, hashes, markers.

Read as pip reads it: `\\` continuations joined, comments dropped, `-r`/`-c`
includes followed (relative to the including file, cycles refused), option lines
collected as index settings. Editable, URL, VCS and path requirements are kept
and reported as such; they cannot be checked against an index.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from pycustoms.audit.inputs.interface import InputReader, read_text
from pycustoms.audit.model import (
    AuditInput,
    Dependency,
    DependencyKind,
    IndexSetting,
    InputFormat,
)
from pycustoms.errors import TargetError
from pycustoms.types import Finding, normalize_name

_COMMENT = re.compile(r"(^|\s+)#.*$")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_INDEX_OPTIONS = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
}
_INCLUDES = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint"}
_INCLUDES["--constraint"] = "constraint"
_IGNORED_OPTIONS = frozenset(
    {"--pre", "--no-index", "--prefer-binary", "--require-hashes", "--only-binary"}
    | {"--no-binary", "--trusted-host", "--use-feature", "--config-settings"}
)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9._-]+)")
_PIN = re.compile(r"^===?\s*([^,;\s]+)$")


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One requirements statement: its text without comments, and the physical lines it spans."""

    text: str
    start: int
    end: int


def logical_lines(text: str) -> Iterator[LogicalLine]:
    """Statements of a requirements file, continuations joined and comments removed."""
    pending: list[str] = []
    start = 0
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            pending.append(line[:-1])
            if number < len(lines):
                continue
            line = ""
        joined = " ".join([*pending, line]).strip()
        pending = []
        if joined:
            yield LogicalLine(joined, start, number)


def _split_options(text: str) -> tuple[str, list[str]]:
    """The requirement part of a line and its trailing option tokens (`--hash` ...)."""
    match = re.search(r"(^|\s)--?[A-Za-z]", text)
    if match is None or (match.start() == 0 and not text.startswith("-")):
        return text, []
    if text.startswith("-"):
        return "", shlex.split(text)
    return text[: match.start()].strip(), shlex.split(text[match.start() :])


def _option_values(tokens: list[str], *names: str) -> list[str]:
    values: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        for name in names:
            if token == name and index + 1 < len(tokens):
                values.append(tokens[index + 1])
                index += 1
                break
            if token.startswith(name + "="):
                values.append(token.split("=", 1)[1])
                break
        index += 1
    return values


def _non_registry(
    text: str, kind: DependencyKind, source: str, line: int, hashes: tuple[str, ...]
) -> Dependency:
    egg = _EGG.search(text)
    shown = egg.group(1) if egg else (text.rstrip("/").rsplit("/", 1)[-1] or text)
    return Dependency(
        normalize_name(shown), shown, source, line, kind=kind, url=text, hashes=hashes
    )


def parse_requirement(
    text: str, source: str, line: int, hashes: tuple[str, ...] = (), *, editable: bool = False
) -> Dependency:
    """One requirement statement (without options) as a `Dependency`; `ValueError` if invalid."""
    if editable:
        return _non_registry(text, DependencyKind.EDITABLE, source, line, hashes)
    if text.startswith(_VCS):
        return _non_registry(text, DependencyKind.VCS, source, line, hashes)
    if text.startswith(("http://", "https://", "file:")):
        return _non_registry(text, DependencyKind.URL, source, line, hashes)
    if text.startswith((".", "/")) or (
        text.endswith((".whl", ".tar.gz", ".zip")) and "@" not in text
    ):
        return _non_registry(text, DependencyKind.DIRECTORY, source, line, hashes)
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise ValueError(str(exc)) from None
    spec = str(req.specifier)
    pin = _PIN.match(spec)
    version = pin.group(1) if pin and "*" not in pin.group(1) else None
    kind = DependencyKind.REGISTRY
    if req.url:
        kind = DependencyKind.VCS if req.url.startswith(_VCS) else DependencyKind.URL
    return Dependency(
        name=normalize_name(req.name),
        display_name=req.name,
        source=source,
        line=line,
        version=version,
        specifier=None if version or not spec else spec,
        marker=str(req.marker) if req.marker else None,
        kind=kind,
        url=req.url,
        hashes=hashes,
        extras=tuple(sorted(req.extras)),
    )


class RequirementsReader(InputReader):
    """pip's requirements format, with `-r`/`-c` includes."""

    format = InputFormat.REQUIREMENTS

    @classmethod
    def matches(cls, filename: str) -> bool:
        """`requirements*.txt`, `requirements*.in` and `*requirements.txt`.

        Any other `*.txt` or `*.in` is read as requirements when it parses as
        such (`interface.read_input`): the name alone does not decide.
        """
        lower = filename.lower()
        return (lower.startswith("requirements") or lower.endswith("requirements.txt")) and (
            lower.endswith((".txt", ".in"))
        )

    def read(self, path: Path) -> AuditInput:
        """Read *path* and every file it includes; report all bad lines at once."""
        found = _Collected()
        self._read(path, found, seen=(), constraint=False)
        if found.errors:
            raise TargetError("; ".join(found.errors) + "; fix these lines and run the audit again")
        return AuditInput(
            str(path),
            self.format,
            tuple(found.deps),
            tuple(found.indexes),
            tuple(found.findings),
        )

    def _read(
        self, path: Path, found: _Collected, *, seen: tuple[Path, ...], constraint: bool
    ) -> None:
        resolved = path.resolve()
        if resolved in seen:
            found.errors.append(f"{path}: included again by itself (a -r/-c cycle)")
            return
        source = str(path)
        for statement in logical_lines(read_text(path)):
            text, tokens = _split_options(statement.text)
            where = f"{source}:{statement.start}"
            if not text:
                self._option_line(tokens, path, statement, found, seen)
                continue
            hashes = tuple(h.lower() for h in _option_values(tokens, "--hash"))
            try:
                dep = parse_requirement(text, source, statement.start, hashes)
            except ValueError as exc:
                found.errors.append(f"{where}: {text!r} is not a requirement ({exc})")
                continue
            if constraint:
                dep = _as_constraint(dep)
            found.deps.append(dep)

    def _option_line(
        self,
        tokens: list[str],
        path: Path,
        statement: LogicalLine,
        found: _Collected,
        seen: tuple[Path, ...],
    ) -> None:
        source = str(path)
        head = tokens[0].split("=", 1)[0] if tokens else ""
        value = _option_values(tokens, head)[0] if _option_values(tokens, head) else None
        if head in _INCLUDES:
            if value is None:
                found.errors.append(f"{source}:{statement.start}: {head} needs a file name")
                return
            included = path.parent / value
            if value.startswith(("http://", "https://")):
                found.errors.append(
                    f"{source}:{statement.start}: remote include {value} is not read"
                )
                return
            self._read(
                included,
                found,
                seen=(*seen, path.resolve()),
                constraint=_INCLUDES[head] == "constraint",
            )
        elif head in _INDEX_OPTIONS and value is not None:
            found.indexes.append(IndexSetting(value, _INDEX_OPTIONS[head], source, statement.start))
        elif head in {"-e", "--editable"} and value is not None:
            found.deps.append(parse_requirement(value, source, statement.start, editable=True))
        elif head not in _IGNORED_OPTIONS:
            found.errors.append(f"{source}:{statement.start}: unknown option {head!r}")


@dataclass
class _Collected:
    """What reading a file and its includes gathers (one instance per `read`)."""

    deps: list[Dependency] = field(default_factory=list)
    indexes: list[IndexSetting] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _as_constraint(dep: Dependency) -> Dependency:
    return replace(dep, groups=("constraint",), direct=False)


READER = RequirementsReader()
