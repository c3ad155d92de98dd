"""Release-risk thresholds (`ReleasePolicy`), read from the same TOML and `PYCUSTOMS_*`.

Parsed from the merged raw table that `load_config(...).raw` returns, with the
same precedence as every area (file < environment < flags). Durations are
ISO-8601 (`P7D`, `PT12H`, `P1W`, `P1Y` = 365 days, `P1M` = 30 days) or a bare
number of days; `0` turns a check off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from pycustoms.settings_base import (
    ENV_PREFIX,
    Field,
    load_fields,
    lookup,
    parse_bool,
    parse_duration,
    parse_int,
)

# The parsing mechanics live in `pycustoms.settings_base`; these names stay importable
# from here for the settings areas that were written against this module.
__all__ = [
    "RELEASE_FIELDS",
    "ReleasePolicy",
    "format_duration",
    "load_fields",
    "load_release_policy",
    "lookup",
    "parse_bool",
    "parse_duration",
    "parse_int",
]


def format_duration(value: timedelta) -> str:
    """A short human form: `3 d 4 h`, `25 min`, `40 s`."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days >= 365:
        return f"{sign}{days / 365:.1f} years"
    if days:
        return f"{sign}{days} d {hours} h" if hours else f"{sign}{days} d"
    if hours:
        return f"{sign}{hours} h {minutes} min"
    if minutes:
        return f"{sign}{minutes} min"
    return f"{sign}{rest} s"


@dataclass(frozen=True, slots=True)
class ReleasePolicy:
    """Thresholds of the release-risk analyzer. A zero duration turns its check off."""

    cooldown: timedelta = timedelta(days=7)
    new_project_age: timedelta = timedelta(days=30)
    # Two years: a one-year gap is common for small, healthy projects.
    dormancy: timedelta = timedelta(days=730)
    late_files: timedelta = timedelta(days=2)
    # A new major version this many above the previous highest is a "huge jump".
    major_jump: int = 10


RELEASE_FIELDS: tuple[Field, ...] = (
    Field(
        "cooldown",
        "cooldown",
        parse_duration,
        "releases younger than this are too new (ISO 8601 or days; 0: off)",
        flag="--cooldown",
    ),
    Field(
        "new_project_age",
        "release.new-project-age",
        parse_duration,
        "a project whose first release is younger than this is new",
    ),
    Field("dormancy", "release.dormancy", parse_duration, "silence before a release that is odd"),
    Field("late_files", "release.late-files", parse_duration, "file added this long after first"),
    Field("major_jump", "release.major-jump", parse_int, "major-version jump that is odd"),
)
assert {f.name for f in fields(ReleasePolicy)} == {f.attr for f in RELEASE_FIELDS}
assert all(f.env.startswith(ENV_PREFIX) for f in RELEASE_FIELDS)


def load_release_policy(
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ReleasePolicy:
    """The release thresholds from raw configuration, environment and flags."""
    return load_fields(ReleasePolicy(), RELEASE_FIELDS, raw, environ, overrides)
