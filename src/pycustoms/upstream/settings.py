"""Where facts come from: index URL, offline mode, network limits, data directory.

Parsed from the merged raw configuration and `PYCUSTOMS_*` variables like every
settings area (see `pycustoms.settings_base`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import platformdirs

from pycustoms.settings_base import (
    Field,
    load_fields,
    parse_bool,
    parse_count,
    parse_nonnegative_seconds,
    parse_positive_seconds,
    parse_text,
)
from pycustoms.upstream.pipconf import discover


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    """Settings of the upstream client and the local database."""

    # None: the index pip on this host is configured with.
    index_url: str | None = None
    offline: bool = False
    timeout: float = 30.0
    retries: int = 3
    # Seconds a cached page is trusted without asking the index again; 0 always asks.
    # A minute: repeated runs (CI, a requirements file) do not ask the index again,
    # and a change upstream is seen at most a minute late (`--refresh` asks now).
    max_age: float = 60.0
    # None: the user's data directory (platformdirs).
    data_dir: str | None = None
    # None: SQLite (WAL) in the data directory. PostgreSQL URLs work later.
    database_url: str | None = None

    def resolved_index(self, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
        """The index URL and where it came from (a setting or pip's configuration)."""
        if self.index_url:
            return self.index_url, "pycustoms setting"
        found = discover(environ)
        return found.index_url, found.origin

    def data_path(self) -> Path:
        """The data directory (cache, database), not yet created."""
        if self.data_dir:
            return Path(self.data_dir).expanduser()
        return Path(platformdirs.user_data_dir("pycustoms", appauthor=False))

    def database(self) -> str:
        """The SQLAlchemy URL of the local database."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_path() / 'pycustoms.db'}"


UPSTREAM_FIELDS: tuple[Field, ...] = (
    Field(
        "index_url",
        "index-url",
        parse_text,
        "simple-API URL of the upstream index (default: pip's)",
        flag="--index-url",
    ),
    Field("offline", "offline", parse_bool, "use only the on-disk cache", flag="--offline"),
    Field("timeout", "upstream.timeout", parse_positive_seconds, "seconds to wait for the index"),
    Field("retries", "upstream.retries", parse_count, "retries after a failed request"),
    Field(
        "max_age",
        "upstream.max-age",
        parse_nonnegative_seconds,
        "seconds a cached page is used unasked",
    ),
    Field(
        "data_dir",
        "data-dir",
        parse_text,
        "data directory: the database, the cache and stored files",
        flag="--data-dir",
    ),
    Field(
        "database_url",
        "database-url",
        parse_text,
        "SQLAlchemy URL of the database (default: SQLite in the data directory)",
        flag="--database-url",
    ),
)
assert {f.name for f in fields(UpstreamSettings)} == {f.attr for f in UPSTREAM_FIELDS}


def load_upstream_settings(
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> UpstreamSettings:
    """Upstream settings from raw configuration, environment and flags."""
    return load_fields(UpstreamSettings(), UPSTREAM_FIELDS, raw, environ, overrides)
