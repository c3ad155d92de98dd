"""The rule catalogue: every stable rule id with its default severity and description.

Each analyzer module that emits findings declares ``RULES: tuple[Rule, ...]``;
this module gathers them for SARIF, `pycustoms rules` and the tests that check
that every emitted rule id is declared.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from pycustoms.types import Capability, Severity

# Modules that declare RULES. A new analyzer adds itself here.
_RULE_MODULES = (
    "pycustoms.archive",
    "pycustoms.scan",
    "pycustoms.analyzers.code.ast_rules",
    "pycustoms.analyzers.code.pth",
    "pycustoms.analyzers.code.text_stats",
    "pycustoms.analyzers.code.yara_engine",
    "pycustoms.analyzers.code.package_rules",
    "pycustoms.analyzers.code.metadata_rules",
    "pycustoms.analyzers.code.large_source",
    "pycustoms.analyzers.code.diff",
    "pycustoms.analyzers.names.rules",
    "pycustoms.analyzers.release.rules",
    "pycustoms.analyzers.secrets.analyze",
    "pycustoms.analyzers.provenance.continuity",
    "pycustoms.vulns.analyze",
    "pycustoms.audit.checks",
    "pycustoms.audit.inputs.environment",
    "pycustoms.server.filtering",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A stable rule id and what it means."""

    id: str
    severity: Severity
    title: str
    description: str = ""
    capability: Capability | None = None


@cache
def catalogue() -> dict[str, Rule]:
    """Every declared rule, by id. Raises if two modules declare the same id."""
    rules: dict[str, Rule] = {}
    for name in _RULE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not built yet in this checkout
                continue
            raise
        declared: Iterable[Rule] = getattr(module, "RULES", ())
        for rule in declared:
            if rule.id in rules:
                raise RuntimeError(f"rule id {rule.id} is declared twice (again in {name})")
            rules[rule.id] = rule
    return rules


def describe(rule_id: str) -> Rule:
    """The catalogue entry for *rule_id*, or a generic one if it is not declared."""
    found = catalogue().get(rule_id)
    if found is not None:
        return found
    return Rule(rule_id, Severity.MEDIUM, rule_id)
