"""Repeated findings of one rule, said once: "12 dependencies: <name>==<version> has no hashes".

A freeze of sixty unhashed pins would otherwise print sixty rows that differ
only in the name. Findings group when their severity, rule, fixed versions and
message are the same once the dependency's own name and version are taken out
of the message. Only human output groups; JSON, SARIF and the others keep every
finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pycustoms.audit.model import AuditReport, Dependency
from pycustoms.types import Severity

# Fewer repeats than this stay rows of their own.
GROUP_AT = 3
# Dependencies named in a group's summary without -v.
LISTED = 8


@dataclass(frozen=True, slots=True)
class Row:
    """One finding as the human table shows it: where, rule, message, fixed versions."""

    severity: Severity
    where: str
    rule: str
    message: str
    fixed: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    """Findings of one rule that say the same about several dependencies."""

    severity: Severity
    rule: str
    message: str
    fixed: str
    dependencies: tuple[str, ...]

    def names(self, *, verbose: bool) -> str:
        """The dependencies, all of them with *verbose*, else the first few and a count."""
        return listed(self.dependencies, verbose=verbose)


def listed(names: Sequence[str], *, verbose: bool) -> str:
    """*names* joined; without *verbose*, the first `LISTED` and how many more."""
    if verbose or len(names) <= LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:LISTED])}, ... and {len(names) - LISTED} more (-v lists them all)"


def shape(message: str, dep: Dependency) -> str:
    """*message* with the dependency's own name and version replaced by placeholders."""
    tokens: list[tuple[str, str]] = []
    if dep.version:
        tokens += [(f"{dep.display_name}=={dep.version}", "<name>==<version>")]
        tokens += [(f"{dep.name} {dep.version}", "<name> <version>")]
    tokens += [(dep.display_name, "<name>"), (dep.name, "<name>")]
    if dep.version:
        tokens.append((dep.version, "<version>"))
    for token, placeholder in tokens:
        if token:
            bounded = rf"(?<![\w.-]){re.escape(token)}(?![\w-]|\.\w)"
            message = re.sub(bounded, placeholder, message)
    return message


def rows_and_groups(report: AuditReport) -> tuple[list[Row], list[Group]]:
    """Every finding of *report*: single rows, and groups of repeated ones."""
    buckets: dict[tuple[Severity, str, str, str], list[tuple[Row, str]]] = {}
    for result in report.results:
        dep = result.dependency
        label = f"{dep.name} {dep.version or dep.specifier or ''}".rstrip()
        for f in result.verdict.findings:
            fixed = next((", ".join(a.fixed) for a in result.advisories if a.snippet_match(f)), "")
            row = Row(f.severity, label, f.rule, f.message, fixed)
            key = (f.severity, f.rule, shape(f.message, dep), fixed)
            buckets.setdefault(key, []).append((row, label))
    rows: list[Row] = []
    groups: list[Group] = []
    for (severity, rule, message, fixed), members in buckets.items():
        if len(members) >= GROUP_AT:
            labels = tuple(dict.fromkeys(label for _, label in members))
            groups.append(Group(severity, rule, message, fixed, labels))
        else:
            rows += [row for row, _ in members]
    for path, verdict in report.input_verdicts:
        for f in verdict.findings:
            where = f"{path}:{f.line}" if f.line else path
            rows.append(Row(f.severity, where, f.rule, f.message))
    return rows, groups
