"""The parts of a SARIF 2.1.0 document that `scan` and `audit` write alike.

Each caller decides what a result is about (its locations, message and the
text its fingerprint hashes); this module shapes the rules, results and run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from pycustoms import __version__
from pycustoms.report.document import finding_json
from pycustoms.rules import Rule
from pycustoms.types import Finding, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}


def fingerprint(*parts: str) -> str:
    """A short, stable hash of *parts* (what a result is about, not where it is)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def rule_table(
    rule_ids: Iterable[str],
    describe: Callable[[str], Rule],
    properties: Callable[[str, Rule], dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The `rules` of the driver (sorted by id) and each id's index among them."""
    ordered = sorted(set(rule_ids))
    rules: list[dict[str, Any]] = []
    for rule_id in ordered:
        rule = describe(rule_id)
        entry: dict[str, Any] = {
            "id": rule_id,
            "name": rule_id.replace("/", "."),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.description or rule.title},
            "defaultConfiguration": {"level": LEVEL[rule.severity]},
        }
        if properties is not None:
            entry["properties"] = properties(rule_id, rule)
        rules.append(entry)
    return rules, {rule_id: i for i, rule_id in enumerate(ordered)}


def result(
    finding: Finding,
    index: dict[str, int],
    *,
    message: str,
    locations: list[dict[str, Any]],
    fingerprint: str,
    properties: dict[str, Any],
) -> dict[str, Any]:
    """One SARIF result of *finding*; its properties hold the finding's severity and confidence
    (`finding_json`'s) and the caller's *properties*."""
    facts = finding_json(finding)
    return {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": LEVEL[finding.severity],
        "message": {"text": message},
        "locations": locations,
        "partialFingerprints": {"pycustoms/v1": fingerprint},
        "properties": {
            "severity": facts["severity"],
            "confidence": facts["confidence"],
            **properties,
        },
    }


def write(
    out: IO[str],
    rules: list[dict[str, Any]],
    results: list[dict[str, Any]],
    *,
    semantic_version: bool = False,
    base_uri: str | None = None,
) -> None:
    """Write the document: one run of pycustoms with *rules* and *results*."""
    driver: dict[str, Any] = {"name": "pycustoms", "version": __version__}
    if semantic_version:
        driver["semanticVersion"] = __version__
    driver["rules"] = rules
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if base_uri is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": base_uri}}
    run["results"] = results
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    json.dump(document, out, indent=2)
    out.write("\n")
