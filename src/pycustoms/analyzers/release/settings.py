"""Release-risk thresholds (`ReleasePolicy`), read from the same TOML and `PYCUSTOMS_*`.

Until these keys join `pycustoms.config.Policy`, they are parsed here from the
merged raw table that `load_config(...).raw` returns, with the same precedence
(file < environment < flags). Durations are ISO-8601 (`P7D`, `PT12H`, `P1W`,
`P1Y` = 365 days, `P1M` = 30 days) or a bare number of days; `0` turns a check off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any, TypeVar

from pycustoms.config import ENV_PREFIX, Field
from pycustoms.errors import ConfigError

_T = TypeVar("_T")
_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)


def parse_duration(value: Any) -> timedelta:
    """Parse an ISO-8601 duration or a number of days; raise `ValueError` otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration like P7D, not a boolean")
    if isinstance(value, int | float):
        return timedelta(days=value)
    text = str(value).strip()
    try:
        return timedelta(days=float(text))
    except ValueError:
        pass
    match = _DURATION.fullmatch(text)
    if match is None or text.upper() in {"P", "PT"} or text.upper().endswith("T"):
        raise ValueError(f"{text!r} is not a duration; write e.g. P7D, PT12H or 7")
    part = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    return timedelta(
        days=part["years"] * 365 + part["months"] * 30 + part["weeks"] * 7 + part["days"],
        hours=part["hours"],
        minutes=part["minutes"],
        seconds=part["seconds"],
    )


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


def parse_int(value: Any) -> int:
    """A whole number from TOML or an environment string."""
    if isinstance(value, bool):
        raise ValueError("expected a whole number, not a boolean")
    if isinstance(value, int):
        return value
    return int(str(value).strip().replace("_", ""))


def parse_bool(value: Any) -> bool:
    """A boolean from TOML or an environment string (1/0, true/false, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def lookup(table: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted key of a nested table, or `None`."""
    node: Any = table
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def load_fields(
    base: _T,
    specs: tuple[Field, ...],
    raw: Mapping[str, Any],
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> _T:
    """Apply *raw* TOML, then `PYCUSTOMS_*` variables, then *overrides* to dataclass *base*."""
    result = base
    layers: list[tuple[str, Callable[[Field], Any]]] = [
        ("configuration", lambda f: lookup(raw, f.key)),
        ("environment", lambda f: environ.get(f.env)),
        ("flags", lambda f: (overrides or {}).get(f.attr)),
    ]
    for origin, get in layers:
        changes: dict[str, Any] = {}
        for spec in specs:
            value = get(spec)
            if value is None:
                continue
            try:
                changes[spec.attr] = spec.parse(value)
            except ValueError as exc:
                where = spec.env if origin == "environment" else spec.key
                raise ConfigError(f"{origin}: invalid value for {where!r}: {exc}") from None
        result = replace(result, **changes)  # type: ignore[type-var]
    return result


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
    Field("cooldown", "cooldown", parse_duration, "releases younger than this are too new"),
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
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> ReleasePolicy:
    """The release thresholds from raw configuration, environment and flags."""
    return load_fields(ReleasePolicy(), RELEASE_FIELDS, raw, environ, overrides)
