"""Configuration precedence and validation."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pycustoms.config import FIELDS, Policy, load_config
from pycustoms.config_keys import check_keys
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


# -- unknown keys are errors ---------------------------------------------------------------


def _refused(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(directory=tmp_path, environ={})
    return str(exc.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("block-scor = 90\n", "unknown key 'block-scor' (did you mean 'block-score'?)"),
        ("[serve]\nrequre-tokens = true\n", "'serve.requre-tokens' (did you mean 'serve.require-tokens'?)"),
        ("[vulns]\nmax-ag = 'P1D'\n", "'vulns.max-ag' (did you mean 'vulns.max-age'?)"),
        ("[internal]\nname = ['acme-x']\n", "'internal.name' (did you mean 'internal.names'?)"),
        ("[upstream]\ntimout = 5\n", "'upstream.timout' (did you mean 'upstream.timeout'?)"),
        ("[release]\ndormant = 'P1Y'\n", "unknown key 'release.dormant'"),
        ("[audit.licenses]\nallowed = ['MIT']\n", "'audit.licenses.allowed' (did you mean"),
        ("max-age = 'P1D'\n", "(did you mean 'upstream.max-age' or 'vulns.max-age'?)"),
        ("limits = 3\n", "'limits' must be a table (of max-depth, "),
        ("[[audit.ignore]]\nid = 'X-1'\nreason = 'r'\nexpires = '2999-01-01'\npackge = 'demo'\n",
         "unknown key 'packge' in audit.ignore #1 (did you mean 'package'?)"),
    ],
)  # fmt: skip
def test_an_unknown_key_is_an_error_naming_key_and_file(
    tmp_path: Path, text: str, said: str
) -> None:
    """Before: a typo was ignored and left the setting at its default."""
    message = _refused(tmp_path, "pycustoms.toml", text)
    assert said in message
    assert str(tmp_path / "pycustoms.toml") in message


def test_every_unknown_key_is_named_at_once_in_pyproject(tmp_path: Path) -> None:
    text = "[tool.black]\nline-length = 1\n[tool.pycustoms]\nfail-onn = 'warn'\n[tool.pycustoms.serve]\nprot = 1\n"
    message = _refused(tmp_path, "pyproject.toml", text)
    assert f"{tmp_path / 'pyproject.toml'} [tool.pycustoms]" in message
    assert "'fail-onn' (did you mean 'fail-on'?)" in message
    assert "'serve.prot' (did you mean 'serve.port'?)" in message
    assert "black" not in message  # other tools' tables are theirs


def test_the_cli_exits_2_on_an_unknown_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pycustoms.cli import main  # noqa: PLC0415 - the CLI only here

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pycustoms.toml").write_text("[serve]\nrequire-token = true\n")
    assert main(["check-name", "requests"]) == 2
    err = capsys.readouterr().err
    assert "serve.require-token" in err
    assert "pycustoms.toml" in err


def test_every_key_the_docs_show_is_known() -> None:
    """The TOML examples of README.md and docs/ (other tools' tables aside) load cleanly."""
    root = Path(__file__).resolve().parent.parent
    blocks = []
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        parts = page.read_text(encoding="utf-8").split("```toml\n")[1:]
        blocks += [(page.name, part.split("```", 1)[0]) for part in parts]
    checked = 0
    for name, block in blocks:
        if "[tool." in block or "[[tool." in block or "[[index]]" in block:
            continue
        text = "\n".join(line.strip() for line in block.splitlines())
        check_keys(tomllib.loads(text), name)  # raises on a key no setting reads
        checked += 1
    assert checked >= 5
