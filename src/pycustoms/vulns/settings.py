"""Settings of the offline advisory database (`[vulns]`, `PYCUSTOMS_VULNS_*`).

[vulns]
max-age = "P7D"                 # warn when the answers used are older than this
auto-update = true              # `audit` asks the index's JSON API about releases not covered
update-sources = ["osv", "pypa", "json-api"]   # what `pycustoms db update` tries, in order
osv-archive-url = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
pypa-archive-url = "https://github.com/pypa/advisory-database/archive/refs/heads/main.zip"
archive-min-records = 1000      # a whole-ecosystem archive holds at least this many records

An entry of `update-sources` is `osv`, `pypa`, `json-api`, or the location of an
archive of OSV records (an http(s) or file URL, or a local zip or directory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from pycustoms.errors import ConfigError
from pycustoms.settings_base import (
    Field,
    bounded,
    load_fields,
    lookup,
    parse_bool,
    parse_duration,
    parse_int,
    parse_list,
    parse_text,
)

# The ecosystem archives of OSV and of the PyPA advisory database (never the index's host).
DEFAULT_OSV_ARCHIVE = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
DEFAULT_PYPA_ARCHIVE = "https://github.com/pypa/advisory-database/archive/refs/heads/main.zip"
JSON_API = "json-api"
NAMED_SOURCES = ("osv", "pypa", JSON_API)


def _as_sources(value: Any) -> tuple[str, ...]:
    """Source names and archive locations; a bare word must be a name (a typo is an error)."""
    found = parse_list(value)
    expected = f"expected {', '.join(NAMED_SOURCES)}, or an archive URL or path"
    if not found or any(not s for s in found):
        raise ValueError(expected)
    for source in found:
        if source not in NAMED_SOURCES and not any(c in source for c in "/.:\\"):
            raise ValueError(f"{source!r}: {expected} (write ./{source} for a local directory)")
    return found


_as_positive_duration = bounded(
    parse_duration, timedelta(0), above=True, expected="expected a duration above zero, such as P7D"
)
_as_count = bounded(parse_int, 1, expected="expected a whole number of at least 1")


@dataclass(frozen=True, slots=True)
class VulnsSettings:
    """How the offline advisory database is filled, and when its answers are too old."""

    max_age: timedelta = timedelta(days=7)
    auto_update: bool = True
    update_sources: tuple[str, ...] = NAMED_SOURCES
    osv_archive_url: str = DEFAULT_OSV_ARCHIVE
    pypa_archive_url: str = DEFAULT_PYPA_ARCHIVE
    archive_min_records: int = 1000

    def archive_location(self, source: str) -> str | None:
        """Where the archive of *source* is (`None` for `json-api`)."""
        if source == "osv":
            return self.osv_archive_url
        if source == "pypa":
            return self.pypa_archive_url
        if source == JSON_API:
            return None
        return source


VULNS_FIELDS: tuple[Field, ...] = (
    Field(
        "max_age",
        "vulns.max-age",
        _as_positive_duration,
        "warn when the advisory answers used are older than this (ISO 8601 or days)",
    ),
    Field(
        "auto_update",
        "vulns.auto-update",
        parse_bool,
        "let `audit` ask the index's JSON API about releases the database does not cover",
    ),
    Field(
        "update_sources",
        "vulns.update-sources",
        _as_sources,
        "sources `db update` tries in order: osv, pypa, json-api, or an archive URL or path",
        flag="--source",
    ),
    Field("osv_archive_url", "vulns.osv-archive-url", parse_text, "OSV's PyPI archive (zip)"),
    Field("pypa_archive_url", "vulns.pypa-archive-url", parse_text, "PyPA advisory database (zip)"),
    Field(
        "archive_min_records",
        "vulns.archive-min-records",
        _as_count,
        "fewest PyPI records a whole-ecosystem archive may hold",
        flag="--min-records",
    ),
)
assert {f.name for f in fields(VulnsSettings)} == {f.attr for f in VULNS_FIELDS}


def load_vulns_settings(
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> VulnsSettings:
    """The `[vulns]` settings from raw configuration, `PYCUSTOMS_VULNS_*` and flags."""
    table = lookup(raw, "vulns")
    if table is not None and not isinstance(table, Mapping):
        raise ConfigError("configuration: `vulns` must be a table")
    return load_fields(VulnsSettings(), VULNS_FIELDS, raw, environ, overrides)
