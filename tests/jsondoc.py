"""Reading the `--format json` documents of the CLI (docs/json.md) in tests."""

from __future__ import annotations

import json
from typing import Any


def load(text: str, command: str) -> dict[str, Any]:
    """The document in *text*, checked to be *command*'s (its `schema`)."""
    doc: dict[str, Any] = json.loads(text)
    assert doc["schema"] == f"pycustoms/{command}/1", doc.get("schema")
    return doc


def results(text: str, command: str) -> list[dict[str, Any]]:
    """The `results` of *command*'s document in *text* (scan, check-name, check-index)."""
    found: list[dict[str, Any]] = load(text, command)["results"]
    return found


def decision(entry: dict[str, Any]) -> str:
    """The decision of the verdict of *entry*."""
    value: str = entry["verdict"]["decision"]
    return value


def rules(entry: dict[str, Any]) -> set[str]:
    """The rule ids of the findings of *entry*'s verdict."""
    return {f["rule"] for f in entry["verdict"]["findings"]}


def messages(entry: dict[str, Any]) -> list[str]:
    """What *entry*'s verdict says: its findings' messages, then the policy's reasons."""
    verdict = entry["verdict"]
    return [f["message"] for f in verdict["findings"]] + list(verdict["reasons"])
