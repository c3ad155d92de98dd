"""The mechanics every settings area shares: declared keys, layered sources, value parsers.

Each area (the policy in `pycustoms.config`, release thresholds, upstream, audit,
provenance, server) declares its keys once as `Field`s and builds a frozen
dataclass from the merged raw TOML, the `PYCUSTOMS_*` environment and flags, in
that order of precedence. The parsers raise `ValueError` with what was expected;
the loaders turn that into a `ConfigError` that names the key and its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from pycustoms.errors import ConfigError
from pycustoms.types import Severity

ENV_PREFIX = "PYCUSTOMS_"

_T = TypeVar("_T")
_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Field:
    """One configuration key: where it lives in TOML, its variable, its parser."""

    attr: str
    key: str  # dotted TOML path below the pycustoms table
    parse: Callable[[Any], Any]
    help: str

    @property
    def env(self) -> str:
        """The `PYCUSTOMS_*` variable for this key."""
        return ENV_PREFIX + self.key.replace(".", "_").replace("-", "_").upper()


def lookup(table: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted key of a nested table, or `None`."""
    node: Any = table
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def parse_layer(
    specs: Iterable[Field],
    get: Callable[[Field], Any],
    origin: str,
    *,
    env_names: bool = False,
) -> dict[str, Any]:
    """Parse the values *get* finds for *specs* (`None`: not set), keyed by attribute.

    A value that does not parse is a `ConfigError` naming *origin* and the key (or,
    with *env_names*, the variable).
    """
    changes: dict[str, Any] = {}
    for spec in specs:
        value = get(spec)
        if value is None:
            continue
        try:
            changes[spec.attr] = spec.parse(value)
        except ValueError as exc:
            where = spec.env if env_names else spec.key
            raise ConfigError(f"{origin}: invalid value for {where!r}: {exc}") from None
    return changes


def load_fields(
    base: _T,
    specs: tuple[Field, ...],
    raw: Mapping[str, Any],
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> _T:
    """Apply *raw* TOML, then `PYCUSTOMS_*` variables, then *overrides* to dataclass *base*."""
    flags = overrides or {}
    result = base
    for changes in (
        parse_layer(specs, lambda f: lookup(raw, f.key), "configuration"),
        parse_layer(specs, lambda f: environ.get(f.env), "environment", env_names=True),
        parse_layer(specs, lambda f: flags.get(f.attr), "flags"),
    ):
        result = replace(result, **changes)  # type: ignore[type-var]
    return result


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


def parse_text(value: Any) -> str:
    """A string, stripped."""
    return str(value).strip()


def parse_list(
    value: Any, *, error: str = "expected a list of strings or a comma-separated string"
) -> tuple[str, ...]:
    """Strings from a TOML array or a comma-separated (environment) string."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value)
    raise ValueError(error)


def parse_severity(value: Any) -> Severity:
    """A severity label (`info` ... `critical`)."""
    return Severity.parse(str(value))


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
