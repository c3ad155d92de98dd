"""Provenance settings (`ProvenancePolicy`), read from the raw configuration and `PYCUSTOMS_*`.

provenance = "continuity"        # "continuity" (default), "required" or "off"
provenance-required = ["numpy"]  # projects that must always carry valid provenance
provenance-approved = ["ultralytics==8.3.45"]  # continuity breaks someone accepted
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from pycustoms.settings_base import Field, load_fields, parse_list, parse_names
from pycustoms.types import normalize_name


class Mode(enum.StrEnum):
    """How provenance is enforced."""

    # Block breaks in a project's publisher history (the default).
    CONTINUITY = "continuity"
    # Every project must carry valid provenance.
    REQUIRED = "required"
    OFF = "off"


def _mode(value: Any) -> Mode:
    try:
        return Mode(str(value).strip().lower())
    except ValueError:
        raise ValueError("expected one of continuity, required, off") from None


def _names(value: Any) -> frozenset[str]:
    return frozenset(parse_names(value))


def _releases(value: Any) -> frozenset[tuple[str, str]]:
    items = parse_list(value, error="expected a list of 'name==version'")
    out: set[tuple[str, str]] = set()
    for item in items:
        name, sep, version = item.strip().partition("==")
        if not sep or not name.strip() or not version.strip():
            raise ValueError(f"{item!r} is not 'name==version'")
        out.add((normalize_name(name.strip()), version.strip()))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class ProvenancePolicy:
    """What the provenance analyzer enforces."""

    mode: Mode = Mode.CONTINUITY
    required: frozenset[str] = frozenset()
    approved: frozenset[tuple[str, str]] = frozenset()

    def requires(self, project: str) -> bool:
        """True if *project* must always carry valid provenance."""
        return self.mode is Mode.REQUIRED or normalize_name(project) in self.required

    def approves(self, project: str, version: str) -> bool:
        """True if someone accepted this release's provenance as it is."""
        return (normalize_name(project), version) in self.approved


PROVENANCE_FIELDS: tuple[Field, ...] = (
    Field("mode", "provenance", _mode, "continuity, required or off"),
    Field("required", "provenance-required", _names, "projects that must carry provenance"),
    Field("approved", "provenance-approved", _releases, "name==version with accepted breaks"),
)
assert {f.name for f in fields(ProvenancePolicy)} == {f.attr for f in PROVENANCE_FIELDS}


def load_provenance_policy(
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ProvenancePolicy:
    """The provenance settings from raw configuration, `PYCUSTOMS_PROVENANCE*` and flags."""
    return load_fields(ProvenancePolicy(), PROVENANCE_FIELDS, raw, environ, overrides)
