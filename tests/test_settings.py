"""One loader for every settings area: merge order, file tables merged key by key, the parsers."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from pycustoms.analyzers.provenance.settings import load_provenance_policy
from pycustoms.analyzers.release.settings import load_release_policy
from pycustoms.audit.settings import load_audit_settings
from pycustoms.config import load_config
from pycustoms.config_keys import areas
from pycustoms.errors import ConfigError
from pycustoms.incident.webhooks import WebhookSettings
from pycustoms.server.settings import load_server_config
from pycustoms.settings_base import (
    bounded,
    parse_bool,
    parse_duration,
    parse_int,
    parse_list,
    parse_names,
    parse_nonnegative_seconds,
    parse_port,
    parse_positive_seconds,
    parse_seconds,
)
from pycustoms.types import Severity
from pycustoms.upstream.settings import load_upstream_settings
from pycustoms.vulns.settings import load_vulns_settings


def _files(tmp_path: Path, pyproject: str, own: str) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "pycustoms.toml").write_text(own)


# -- pycustoms.toml over pyproject.toml, key by key, in every area ---------------------------


def test_an_area_table_in_pycustoms_toml_changes_only_the_keys_it_names(tmp_path: Path) -> None:
    """Before: `[serve]` in pycustoms.toml replaced the whole `[tool.pycustoms.serve]` table,
    so that the port set in pyproject.toml fell back to its default (the Policy merged
    key by key; the areas did not)."""
    _files(
        tmp_path,
        "[tool.pycustoms.serve]\nport = 9100\nwheels-only = true\n"
        "[tool.pycustoms.release]\ndormancy = 'P100D'\nmajor-jump = 3\n"
        "[tool.pycustoms.upstream]\nretries = 7\ntimeout = 5\n"
        "[tool.pycustoms.audit]\nosv-url = 'https://osv.example'\n"
        "[tool.pycustoms.vulns]\narchive-min-records = 5\n",
        "[serve]\nhost = '0.0.0.0'\n"
        "[release]\nmajor-jump = 4\n"
        "[upstream]\ntimeout = 9\n"
        "[audit]\nseverity-threshold = 'high'\n"
        "[vulns]\nauto-update = false\n",
    )
    raw = load_config(directory=tmp_path, environ={}).raw
    assert raw["serve"] == {"port": 9100, "wheels-only": True, "host": "0.0.0.0"}
    release = load_release_policy(raw, {})
    assert (release.dormancy, release.major_jump) == (timedelta(days=100), 4)
    upstream = load_upstream_settings(raw, {})
    assert (upstream.retries, upstream.timeout) == (7, 9.0)
    audit = load_audit_settings(raw, {})
    assert (audit.osv_url, audit.severity_threshold) == ("https://osv.example", Severity.HIGH)
    vulns = load_vulns_settings(raw, {})
    assert (vulns.archive_min_records, vulns.auto_update) == (5, False)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_server_merges_pyproject_and_its_own_file_key_by_key(in_tmp: Path) -> None:
    _files(in_tmp, "[tool.pycustoms.serve]\nport = 9100\n", "[serve]\nhost = '0.0.0.0'\n")
    config = load_server_config(environ={})
    assert (config.serve.host, config.serve.port) == ("0.0.0.0", 9100)


def test_a_setting_whose_value_is_a_table_is_replaced_whole(tmp_path: Path) -> None:
    """`[severity]` is one setting (a table of rule = severity), not a table of settings."""
    _files(
        tmp_path,
        "[tool.pycustoms.severity]\n'code/a' = 'low'\n",
        "[severity]\n'code/b' = 'high'\n",
    )
    policy = load_config(directory=tmp_path, environ={}).policy
    assert policy.severity_overrides == (("code/b", Severity.HIGH),)


# -- defaults < pyproject.toml < pycustoms.toml < environment < flags -----------------------


@pytest.mark.parametrize(
    ("pyproject", "own", "env", "flag", "expected"),
    [
        (None, None, None, None, 8080),
        ("9001", None, None, None, 9001),
        ("9001", "9002", None, None, 9002),
        ("9001", "9002", "9003", None, 9003),
        ("9001", "9002", "9003", 9004, 9004),
        (None, None, "9003", 9004, 9004),
        ("9001", None, "9003", None, 9003),
    ],
)
def test_merge_order(
    in_tmp: Path,
    pyproject: str | None,
    own: str | None,
    env: str | None,
    flag: int | None,
    expected: int,
) -> None:
    if pyproject is not None:
        (in_tmp / "pyproject.toml").write_text(f"[tool.pycustoms.serve]\nport = {pyproject}\n")
    if own is not None:
        (in_tmp / "pycustoms.toml").write_text(f"[serve]\nport = {own}\n")
    environ = {"PYCUSTOMS_SERVE_PORT": env} if env is not None else {}
    config = load_server_config(environ=environ, overrides={"port": flag})
    assert config.serve.port == expected


def test_merge_order_for_a_policy_key_and_an_area_key(in_tmp: Path) -> None:
    _files(
        in_tmp,
        "[tool.pycustoms]\nwarn-score = 10\ncooldown = 'P1D'\n",
        "warn-score = 11\ncooldown = 'P2D'\n",
    )
    loaded = load_config(environ={})
    assert loaded.policy.warn_score == 11
    assert load_release_policy(loaded.raw, {}).cooldown == timedelta(days=2)
    env = {"PYCUSTOMS_WARN_SCORE": "12", "PYCUSTOMS_COOLDOWN": "P3D"}
    loaded = load_config(environ=env, overrides={"warn_score": 13})
    assert loaded.policy.warn_score == 13
    assert load_release_policy(loaded.raw, env).cooldown == timedelta(days=3)
    assert load_release_policy(loaded.raw, env, {"cooldown": "P4D"}).cooldown == timedelta(days=4)


# -- a bad value names the key and where it was written --------------------------------------


def test_a_bad_file_value_names_the_file_that_set_it(in_tmp: Path) -> None:
    _files(in_tmp, "[tool.pycustoms.serve]\nport = 'eighty'\n", "[serve]\nhost = 'x'\n")
    with pytest.raises(ConfigError) as exc:
        load_server_config(environ={})
    assert "'serve.port'" in str(exc.value)
    assert str(in_tmp / "pyproject.toml") in str(exc.value)


def test_a_bad_variable_is_named() -> None:
    with pytest.raises(ConfigError, match=r"PYCUSTOMS_UPSTREAM_RETRIES \(environment\)"):
        load_upstream_settings({}, {"PYCUSTOMS_UPSTREAM_RETRIES": "three"})


def test_a_former_serve_variable_is_read_with_a_warning_naming_the_new_one() -> None:
    with pytest.warns(
        FutureWarning, match="PYCUSTOMS_PORT is deprecated: use PYCUSTOMS_SERVE_PORT"
    ):
        config = load_server_config(environ={"PYCUSTOMS_PORT": "9001"})
    assert config.serve.port == 9001


def test_the_new_serve_variable_is_read_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = load_server_config(environ={"PYCUSTOMS_SERVE_WHEELS_ONLY": "yes"})
    assert config.serve.wheels_only is True


def test_the_new_serve_variable_wins_over_the_former_one() -> None:
    environ = {"PYCUSTOMS_SERVE_HOST": "127.0.0.2", "PYCUSTOMS_HOST": "127.0.0.3"}
    with pytest.warns(FutureWarning, match="PYCUSTOMS_HOST is ignored"):
        config = load_server_config(environ=environ)
    assert config.serve.host == "127.0.0.2"


def test_a_bad_former_variable_is_named_as_written() -> None:
    with (
        pytest.warns(FutureWarning),
        pytest.raises(ConfigError, match=r"PYCUSTOMS_PORT \(environment\)"),
    ):
        load_server_config(environ={"PYCUSTOMS_PORT": "eighty"})


def test_a_bad_flag_is_named() -> None:
    with pytest.raises(ConfigError, match=r"'--cooldown' \(command line\)"):
        load_release_policy({}, {}, {"cooldown": "soon"})


def test_webhooks_are_read_by_the_one_loader_and_a_bad_value_is_an_error() -> None:
    """Before: the webhooks module read its variables by hand and dropped a bad value."""
    env = {"PYCUSTOMS_SERVE_WEBHOOKS": "https://a.example/h, https://b.example/h"}
    settings = WebhookSettings.load({"serve": {"slack-webhooks": ["https://s.example/x"]}}, env)
    assert settings.generic == ("https://a.example/h", "https://b.example/h")
    assert settings.slack == ("https://s.example/x",)
    with pytest.raises(ConfigError, match=r"serve\.webhooks"):
        WebhookSettings.load({"serve": {"webhooks": 3}}, {})


def test_the_cli_exits_2_naming_a_bad_variable(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pycustoms.cli import main  # noqa: PLC0415 - the CLI only here

    monkeypatch.setenv("PYCUSTOMS_WARN_SCORE", "lots")
    assert main(["scan", str(in_tmp)]) == 2
    assert "PYCUSTOMS_WARN_SCORE" in capsys.readouterr().err


# -- the parsers, the same for a file value and a variable -----------------------------------


def test_seconds_are_seconds_in_a_variable_as_in_a_file() -> None:
    """Before: `PYCUSTOMS_SERVE_PAGE_TTL=300` was 300 days (a bare number went through the
    duration parser, whose unit is days) while `page-ttl = 300` was 300 seconds."""
    from_env = load_server_config(environ={"PYCUSTOMS_SERVE_PAGE_TTL": "300"})
    assert from_env.serve.page_ttl == 300.0
    from_env = load_server_config(environ={"PYCUSTOMS_SERVE_SCAN_TIMEOUT": "120"})
    assert from_env.serve.scan_timeout == 120.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(300, 300.0), ("300", 300.0), (" 2.5 ", 2.5), ("PT5M", 300.0), ("P1D", 86_400.0)],
)
def test_parse_seconds(value: object, seconds: float) -> None:
    assert parse_seconds(value) == seconds


@pytest.mark.parametrize("value", [True, "soon", "", "5 minutes"])
def test_parse_seconds_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="seconds"):
        parse_seconds(value)


def test_bounded_seconds() -> None:
    assert parse_nonnegative_seconds("0") == 0.0
    with pytest.raises(ValueError, match="zero or a positive"):
        parse_nonnegative_seconds("-1")
    with pytest.raises(ValueError, match="positive"):
        parse_positive_seconds(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False)],
)
def test_parse_bool(value: str, expected: bool) -> None:
    assert parse_bool(value) is expected


def test_parse_bool_refuses_a_typo() -> None:
    with pytest.raises(ValueError, match="true or false"):
        parse_bool("ture")


def test_parse_int_and_port() -> None:
    assert parse_int("1_000") == 1000
    with pytest.raises(ValueError, match="boolean"):
        parse_int(True)
    assert parse_port("0") == 0
    with pytest.raises(ValueError, match="65535"):
        parse_port(70_000)


def test_parse_list_and_names() -> None:
    assert parse_list(" a, b ,,c") == ("a", "b", "c")
    assert parse_list(["a", " b"]) == ("a", "b")
    assert parse_names("Foo_Bar, baz.qux") == ("foo-bar", "baz-qux")
    with pytest.raises(ValueError, match="project names"):
        parse_names(3)


def test_parse_duration() -> None:
    assert parse_duration("7") == timedelta(days=7)
    assert parse_duration("PT12H") == timedelta(hours=12)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("P")


def test_provenance_names_are_normalised_from_either_source() -> None:
    policy = load_provenance_policy({"provenance-required": ["Foo_Bar"]}, {})
    assert policy.required == frozenset({"foo-bar"})
    policy = load_provenance_policy({}, {"PYCUSTOMS_PROVENANCE_REQUIRED": "Foo_Bar"})
    assert policy.required == frozenset({"foo-bar"})


# -- one declaration per setting --------------------------------------------------------------


def test_every_variable_and_key_is_declared_once() -> None:
    fields = [f for _, _, area in areas() for f in area]
    keys = [f.key for f in fields]
    variables = [f.env for f in fields]
    assert len(keys) == len(set(keys))
    assert len(variables) == len(set(variables))


def test_a_negative_count_names_its_key_and_variable() -> None:
    """Before: one message listed five keys without saying which one was wrong."""
    with pytest.raises(ConfigError, match=r"PYCUSTOMS_SERVE_PRESCAN \(environment\).*zero or more"):
        load_server_config(environ={"PYCUSTOMS_SERVE_PRESCAN": "-1"})
    with pytest.raises(ConfigError, match=r"PYCUSTOMS_SERVE_PAGE_TTL \(environment\)"):
        load_server_config(environ={"PYCUSTOMS_SERVE_PAGE_TTL": "-5"})


def test_bounded_parsers() -> None:
    count = bounded(parse_int, 1, expected="expected at least 1")
    assert count("3") == 3
    with pytest.raises(ValueError, match="at least 1"):
        count("0")
    positive = bounded(parse_duration, timedelta(0), above=True, expected="above zero")
    assert positive("P1D") == timedelta(days=1)
    with pytest.raises(ValueError, match="above zero"):
        positive("0")
