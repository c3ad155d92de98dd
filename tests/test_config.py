"""Configuration precedence and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pycustoms.config import FIELDS, Policy, load_config
from pycustoms.errors import ConfigError
from pycustoms.types import Decision, Severity


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    loaded = load_config(directory=tmp_path, environ={})
    assert loaded.policy == Policy()
    assert loaded.sources == ()


def test_precedence_pyproject_then_file_then_env_then_flags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pycustoms]\nwarn-score = 10\nblock-score = 50\nfail-on = 'warn'\n"
    )
    (tmp_path / "pycustoms.toml").write_text("warn-score = 11\n[internal]\nnames = ['acme-x']\n")
    env = {"PYCUSTOMS_WARN_SCORE": "12", "PYCUSTOMS_INTERNAL_PREFIXES": "acme-, corp-"}
    loaded = load_config(directory=tmp_path, environ=env, overrides={"block_score": 70})
    policy = loaded.policy
    assert policy.warn_score == 12
    assert policy.block_score == 70
    assert policy.fail_on is Decision.WARN
    assert policy.internal_names == ("acme-x",)
    assert policy.internal_prefixes == ("acme-", "corp-")
    assert loaded.sources[-1] == "environment"


def test_severity_overrides_and_ignores(tmp_path: Path) -> None:
    (tmp_path / "pycustoms.toml").write_text(
        "ignore = ['names/']\n[severity]\n'code/process-spawn' = 'info'\n"
    )
    policy = load_config(directory=tmp_path, environ={}).policy
    assert policy.severity_for("code/process-spawn", Severity.HIGH) is Severity.INFO
    assert policy.severity_for("code/other", Severity.HIGH) is Severity.HIGH
    assert policy.ignores("names/typosquat")
    assert not policy.ignores("code/typosquat")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("warn-score = 'many'", "warn-score"),
        ("block-severity = 'dire'", "block-severity"),
        ("fail-on = 'sometimes'", "fail-on"),
        ("warn-score = 90\nblock-score = 50", "above block-score"),
        ("warn-score = [", "not valid TOML"),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "pycustoms.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(directory=tmp_path, environ={})


def test_explicit_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(directory=tmp_path, environ={}, config_file=tmp_path / "nope.toml")


def test_every_field_has_a_distinct_environment_variable() -> None:
    names = [f.env for f in FIELDS]
    assert len(names) == len(set(names))
    assert all(n.startswith("PYCUSTOMS_") for n in names)
