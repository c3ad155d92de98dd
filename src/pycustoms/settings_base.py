"""The mechanics every settings area shares: declared keys, layered sources, value parsers.

Each area (the policy in `pycustoms.config`, release thresholds, upstream, audit,
provenance, server) declares its keys once as `Field`s and builds a frozen
dataclass from the merged raw TOML, the `PYCUSTOMS_*` environment and flags, in
that order of precedence. The parsers raise `ValueError` with what was expected;
the loaders turn that into a `ConfigError` that names the key and its source.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from pycustoms.errors import ConfigError
from pycustoms.types import Severity, normalize_name

ENV_PREFIX = "PYCUSTOMS_"

_T = TypeVar("_T")
_N = TypeVar("_N", int, float, timedelta)
_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Field:
    """One setting, declared once: its attribute, file key, variable, flag, parser and help.

    The type and default are those of the attribute on the area's dataclass; the
    settings reference in the docs (`scripts/settings_doc.py`) is generated from these.
    """

    attr: str
    key: str  # dotted TOML path below the pycustoms table
    parse: Callable[[Any], Any]
    help: str
    # A former name of the variable, after `PYCUSTOMS_` (the server's variables predate
    # the `serve.` table: `PYCUSTOMS_PORT`, now `PYCUSTOMS_SERVE_PORT`). Still read, with
    # a deprecation warning naming the new one; the new one wins when both are set.
    old_variable: str = ""
    # The command-line flag that sets it, where one does (`--port`).
    flag: str = ""

    @property
    def env(self) -> str:
        """The `PYCUSTOMS_*` variable for this key."""
        return ENV_PREFIX + self.key.replace(".", "_").replace("-", "_").upper()

    @property
    def old_env(self) -> str:
        """The deprecated `PYCUSTOMS_*` variable still read for this key, or `""`."""
        return ENV_PREFIX + self.old_variable if self.old_variable else ""


class RawConfig(dict[str, Any]):
    """The merged configuration tables, with the file each value came from.

    `origins` maps a setting's dotted key to the file that set it last, so that a
    bad value is reported against the file it is written in.
    """

    def __init__(
        self, table: Mapping[str, Any] | None = None, origins: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(table or {})
        self.origins: dict[str, str] = dict(origins or {})

    def origin(self, key: str) -> str:
        """The file that set *key*, or `configuration` when unknown."""
        return self.origins.get(key, "configuration")


def merge_into(
    merged: dict[str, Any],
    table: Mapping[str, Any],
    tree: Mapping[str, Any],
    *,
    origin: str,
    origins: dict[str, str],
    prefix: str = "",
) -> None:
    """Merge *table* over *merged* key by key, down to the settings *tree* declares.

    A table that the tree declares as a table (`serve`, `release`, `limits`) is merged
    key by key; a setting's value (a list, or the rule table of `severity`) replaces
    the earlier one whole. *origins* records the file of every value set.
    """
    for key, value in table.items():
        dotted = prefix + key
        child = tree.get(key) if isinstance(tree, Mapping) else None
        if isinstance(child, Mapping) and isinstance(value, Mapping):
            node = merged.get(key)
            if not isinstance(node, dict):
                node = merged[key] = {}
            merge_into(node, value, child, origin=origin, origins=origins, prefix=dotted + ".")
            continue
        merged[key] = value
        origins[dotted] = origin


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
    where: Callable[[Field], str],
) -> dict[str, Any]:
    """Parse the values *get* finds for *specs* (`None`: not set), keyed by attribute.

    A value that does not parse is a `ConfigError` that starts with *where* (the
    source and the name of the setting in it: `pycustoms.toml: 'serve.port'`).
    """
    changes: dict[str, Any] = {}
    for spec in specs:
        value = get(spec)
        if value is None:
            continue
        try:
            changes[spec.attr] = spec.parse(value)
        except ValueError as exc:
            raise ConfigError(f"invalid value for {where(spec)}: {exc}") from None
    return changes


def in_file(raw: Mapping[str, Any]) -> Callable[[Field], str]:
    """Name a setting of *raw* by its file and key."""
    origin = raw.origin if isinstance(raw, RawConfig) else (lambda _key: "configuration")
    return lambda f: f"{f.key!r} in {origin(f.key)}"


class FromEnvironment:
    """The environment layer of `load_fields`: each setting's variable, or its deprecated
    former name (with a warning naming the new one) when only that is set."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.used: dict[str, str] = {}  # attribute -> the variable its value came from

    def get(self, f: Field) -> str | None:
        """The text of *f*'s variable, or of its former name, or `None`."""
        value = self.environ.get(f.env)
        old = self.environ.get(f.old_env) if f.old_env else None
        if old is not None:
            ignored = f"; {f.old_env} is ignored, {f.env} is set too" if value is not None else ""
            warnings.warn(
                f"{f.old_env} is deprecated: use {f.env}{ignored}", FutureWarning, stacklevel=4
            )
        if value is None and old is not None:
            self.used[f.attr] = f.old_env
            return old
        self.used[f.attr] = f.env
        return value

    def where(self, f: Field) -> str:
        """Name a setting by the variable its value came from."""
        return f"{self.used.get(f.attr, f.env)} (environment)"


def in_flags(f: Field) -> str:
    """Name a setting by its flag."""
    return f"{f.flag or f.attr!r} (command line)"


def load_fields(
    base: _T,
    specs: tuple[Field, ...],
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> _T:
    """Apply *raw* TOML, then `PYCUSTOMS_*` variables, then *overrides* to dataclass *base*.

    The one loader of every settings area: later sources win, value by value.
    *environ* defaults to `os.environ`; *overrides* maps attributes to flag values
    (`None`: the flag was not given).
    """
    env = FromEnvironment(os.environ if environ is None else environ)
    flags = overrides or {}
    result = base
    for changes in (
        parse_layer(specs, lambda f: lookup(raw, f.key), in_file(raw)),
        parse_layer(specs, env.get, env.where),
        parse_layer(specs, lambda f: flags.get(f.attr), in_flags),
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


def env_bool(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """The boolean variable `PYCUSTOMS_<name>` (unset: false), parsed as every boolean is.

    For the switches of the command line and the process that no file sets; a
    value that is not a boolean is a `ConfigError` naming the variable.
    """
    env = os.environ if environ is None else environ
    value = env.get(ENV_PREFIX + name, "")
    try:
        return parse_bool(value)
    except ValueError:
        raise ConfigError(
            f"{ENV_PREFIX}{name}={value!r} is not a boolean: use 1/true/yes/on or 0/false/no/off"
        ) from None


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
    if isinstance(value, set | frozenset):  # from code, not a file: order them
        return tuple(sorted(str(v).strip() for v in value))
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


def parse_names(value: Any) -> tuple[str, ...]:
    """PEP 503-normalised project names from a TOML array or a comma-separated string."""
    return tuple(
        normalize_name(name) for name in parse_list(value, error="expected a list of project names")
    )


def parse_seconds(value: Any) -> float:
    """Seconds: a number (from TOML or a variable alike) or an ISO-8601 duration (`PT5M`).

    A bare number is seconds here, unlike `parse_duration`'s days, whichever
    source it comes from.
    """
    if isinstance(value, bool):
        raise ValueError("expected a number of seconds or a duration like PT5M, not a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    if not text.upper().startswith("P"):
        raise ValueError(f"{text!r} is not a number of seconds or a duration like PT5M")
    return parse_duration(text).total_seconds()


def bounded(
    parse: Callable[[Any], _N], low: _N, *, above: bool = False, expected: str
) -> Callable[[Any], _N]:
    """*parse*, refusing a result below *low* (or equal to it, with *above*)."""

    def parse_bounded(value: Any) -> _N:
        result = parse(value)
        if result < low or (above and result == low):
            raise ValueError(expected)
        return result

    parse_bounded.__doc__ = f"{(parse.__doc__ or '').splitlines()[0]} ({expected})"
    return parse_bounded


# Seconds above zero (a timeout), and zero or more (an age limit where 0 means always ask).
parse_positive_seconds = bounded(
    parse_seconds, 0.0, above=True, expected="expected a positive number of seconds"
)
parse_nonnegative_seconds = bounded(
    parse_seconds, 0.0, expected="expected zero or a positive number of seconds"
)
parse_count = bounded(parse_int, 0, expected="expected a whole number, zero or more")


def parse_port(value: Any) -> int:
    """A TCP port (0 lets the system choose)."""
    port = parse_int(value)
    if not 0 <= port <= 65535:
        raise ValueError("expected a TCP port between 0 and 65535")
    return port


def parse_choice(*choices: str) -> Callable[[Any], str]:
    """A parser that accepts one of *choices* (any case)."""

    def parse(value: Any) -> str:
        text = parse_text(value).lower()
        if text not in choices:
            raise ValueError(f"expected {' or '.join(choices)}")
        return text

    return parse
