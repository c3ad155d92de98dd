"""Configuration: `[tool.pycustoms]` in pyproject.toml, `pycustoms.toml`, `PYCUSTOMS_*`, flags.

Later sources win: built-in defaults < pyproject.toml < pycustoms.toml <
environment < command-line flags. Every key is declared once in `FIELDS` with its
parser, so the file key, the environment variable and the help text never drift.
A file key that no settings area declares is an error (`config_keys`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pycustoms.config_keys import check_keys, known_keys
from pycustoms.errors import ConfigError
from pycustoms.settings_base import (
    ENV_PREFIX,
    Field,
    RawConfig,
    load_fields,
    merge_into,
    parse_int,
    parse_list,
    parse_severity,
)
from pycustoms.types import Decision, Severity

# Re-exported: the other settings areas and the CLI import these from here.
__all__ = ["ENV_PREFIX", "FIELDS", "Field", "LoadedConfig", "Policy", "RawConfig", "load_config"]


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything the policy step needs to turn findings into a verdict.

    Scores: each distinct rule contributes the weight of its most severe
    finding (times its confidence); the sum, capped at 100, is the score.
    """

    warn_score: int = 25
    block_score: int = 60
    # Any single finding at or above this severity blocks regardless of score.
    block_severity: Severity = Severity.CRITICAL
    # The CLI exits 1 when a verdict is at or above this decision.
    fail_on: Decision = Decision.BLOCK
    # Rule ids (or category prefixes ending in '/') that are dropped before scoring.
    ignore: tuple[str, ...] = ()
    # Per-rule severity overrides: {"code/process-spawn": Severity.LOW}.
    severity_overrides: tuple[tuple[str, Severity], ...] = ()
    # Internal project names and prefixes (dependency confusion; names analyzer).
    internal_names: tuple[str, ...] = ()
    internal_prefixes: tuple[str, ...] = ()
    # Extra hosts the user trusts as package indexes (look-alike host check).
    trusted_hosts: tuple[str, ...] = ()
    # Archive limits for the safe reader.
    max_members: int = 20_000
    max_total_bytes: int = 2 * 1024**3
    max_file_bytes: int = 512 * 1024**2
    max_ratio: int = 200
    max_depth: int = 3

    def severity_for(self, rule: str, default: Severity) -> Severity:
        """The configured severity of *rule*, else *default*."""
        for rule_id, severity in self.severity_overrides:
            if rule_id == rule:
                return severity
        return default

    def ignores(self, rule: str) -> bool:
        """True if findings of *rule* are configured away."""
        return any(rule == i or (i.endswith("/") and rule.startswith(i)) for i in self.ignore)


def _as_decision(value: Any) -> Decision:
    try:
        return Decision(str(value).strip().lower())
    except ValueError:
        raise ValueError("expected one of allow, warn, block") from None


def _as_overrides(value: Any) -> tuple[tuple[str, Severity], ...]:
    if isinstance(value, str):  # env form: "rule=sev,rule=sev"
        pairs = [p.split("=", 1) for p in value.split(",") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise ValueError("expected 'rule=severity' pairs separated by commas")
        return tuple((k.strip(), Severity.parse(v)) for k, v in pairs)
    if isinstance(value, Mapping):
        return tuple((str(k), Severity.parse(str(v))) for k, v in value.items())
    raise ValueError("expected a table of rule = severity")


FIELDS: tuple[Field, ...] = (
    Field(
        "warn_score",
        "warn-score",
        parse_int,
        "score at which a verdict becomes warn",
        flag="--warn-score",
    ),
    Field(
        "block_score",
        "block-score",
        parse_int,
        "score at which a verdict becomes block",
        flag="--block-score",
    ),
    Field("block_severity", "block-severity", parse_severity, "a finding this severe blocks"),
    Field(
        "fail_on", "fail-on", _as_decision, "exit 1 when a verdict reaches this", flag="--fail-on"
    ),
    Field("ignore", "ignore", parse_list, "rule ids or 'category/' prefixes to drop"),
    Field("severity_overrides", "severity", _as_overrides, "per-rule severity overrides"),
    Field("internal_names", "internal.names", parse_list, "internal project names"),
    Field("internal_prefixes", "internal.prefixes", parse_list, "internal name prefixes"),
    Field("trusted_hosts", "trusted-hosts", parse_list, "extra trusted index hosts"),
    Field("max_members", "limits.max-members", parse_int, "most archive members read"),
    Field("max_total_bytes", "limits.max-total-bytes", parse_int, "most bytes unpacked"),
    Field("max_file_bytes", "limits.max-file-bytes", parse_int, "largest member unpacked"),
    Field("max_ratio", "limits.max-ratio", parse_int, "highest compression ratio"),
    Field("max_depth", "limits.max-depth", parse_int, "deepest nested archive opened"),
)
_BY_ATTR = {f.attr: f for f in FIELDS}
assert {f.name for f in fields(Policy)} == set(_BY_ATTR), "every Policy field needs a Field"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or remove it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """The policy and the files it came from (shown with -v)."""

    policy: Policy
    sources: tuple[str, ...] = field(default_factory=tuple)
    # Every area's tables, merged key by key over the files, with each value's file.
    raw: RawConfig = field(default_factory=RawConfig)


def load_config(
    *,
    config_file: Path | None = None,
    directory: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> LoadedConfig:
    """Build the policy from files in *directory* (default: cwd), the environment and flags.

    *config_file*, if given, replaces the search for `pycustoms.toml` and must exist.
    *overrides* maps Policy attribute names to values from command-line flags. The
    files merge key by key (`LoadedConfig.raw`): a table in `pycustoms.toml` changes
    only the keys it names, whatever the area.
    """
    base = directory or Path.cwd()
    env = os.environ if environ is None else environ
    sources: list[str] = []
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}

    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("pycustoms")
        if isinstance(table, dict):
            check_keys(table, str(pyproject), within="tool.pycustoms")
            merge_into(merged, table, known_keys(), origin=str(pyproject), origins=origins)
            sources.append(str(pyproject))

    explicit = config_file or (Path(v) if (v := env.get(ENV_PREFIX + "CONFIG")) else None)
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"configuration file {explicit} does not exist")
    candidate = explicit or base / "pycustoms.toml"
    if candidate.is_file():
        table = _read_toml(candidate)
        check_keys(table, str(candidate))
        merge_into(merged, table, known_keys(), origin=str(candidate), origins=origins)
        sources.append(str(candidate))

    if any(f.env in env for f in FIELDS):
        sources.append("environment")
    raw = RawConfig(merged, origins)
    flags = {attr: value for attr, value in (overrides or {}).items() if value is not None}
    unknown = set(flags) - set(_BY_ATTR)
    if unknown:  # a bug in the caller, not in the user's input
        raise KeyError(f"no Policy setting {sorted(unknown)}")
    policy = load_fields(Policy(), FIELDS, raw, env, flags)
    if policy.warn_score > policy.block_score:
        raise ConfigError(
            f"warn-score ({policy.warn_score}) is above block-score ({policy.block_score})"
        )
    return LoadedConfig(policy, tuple(sources), raw)
