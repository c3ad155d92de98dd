"""The pure filtering step: cooldown, lists, wheels-only, unknown times, scan blocks, names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pycustoms.errors import ConfigError
from pycustoms.server.filtering import (
    COOLDOWN,
    DENIED,
    EXCLUDE_NEWER,
    INTERNAL,
    NOT_ALLOWED,
    UPLOAD_TIME_UNKNOWN,
    WHEELS_ONLY,
    Block,
    filter_page,
    name_block,
    project_gate,
)
from pycustoms.server.settings import ServerConfig, load_server_config
from pycustoms.types import ProjectName
from pycustoms.upstream.models import IndexFile, ProjectPage, ProjectStatus

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SHA = {v: f"{i:064x}" for i, v in enumerate(["1.0", "1.1", "2.0", "2.0s", "3.0"], start=1)}


def _file(version: str, age: timedelta | None, *, sdist: bool = False) -> IndexFile:
    filename = f"demo-{version}.tar.gz" if sdist else f"demo-{version}-py3-none-any.whl"
    return IndexFile(
        filename=filename,
        url=f"https://files.example/{filename}",
        hashes={"sha256": SHA[version + ("s" if sdist else "")]},
        upload_time=NOW - age if age is not None else None,
    )


def _page() -> ProjectPage:
    return ProjectPage(
        name=ProjectName("demo"),
        files=(
            _file("1.0", timedelta(days=100)),
            _file("1.1", timedelta(days=30)),
            _file("2.0", timedelta(hours=5)),
            _file("2.0", timedelta(days=40), sdist=True),
        ),
    )


def _config(tmp_path: Path, toml: str = "", **env: str) -> ServerConfig:
    path = tmp_path / "pycustoms.toml"
    path.write_text(toml)
    return load_server_config(
        config_file=path, environ={f"PYCUSTOMS_{k}": v for k, v in env.items()}
    )


def _hidden(page: Any) -> dict[str, str]:
    return {name: block.rule for name, block in page.hidden.items()}


def test_cooldown_hides_young_files_and_says_when_they_appear(tmp_path: Path) -> None:
    result = filter_page(_page(), _config(tmp_path), NOW, verdicts={})
    assert [f.file.filename for f in result.files] == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.1-py3-none-any.whl",
        "demo-2.0.tar.gz",
    ]
    assert _hidden(result) == {"demo-2.0-py3-none-any.whl": COOLDOWN}
    assert "cooldown is 7 d" in result.hidden["demo-2.0-py3-none-any.whl"].reason
    assert result.changes_at is not None
    assert result.changes_at - NOW == timedelta(days=7) - timedelta(hours=5) + timedelta(seconds=1)
    assert result.versions() == ("1.0", "1.1", "2.0")


def test_exemption_and_zero_cooldown(tmp_path: Path) -> None:
    exempt = _config(tmp_path, '[serve]\ncooldown-exempt = ["Demo"]\n')
    assert filter_page(_page(), exempt, NOW, verdicts={}).hidden == {}
    off = _config(tmp_path, "cooldown = 0\n")
    assert filter_page(_page(), off, NOW, verdicts={}).hidden == {}


def test_unknown_upload_time_is_too_new_unless_trusted(tmp_path: Path) -> None:
    page = ProjectPage(ProjectName("demo"), (_file("1.0", None),))
    strict = filter_page(page, _config(tmp_path), NOW, verdicts={})
    assert _hidden(strict) == {"demo-1.0-py3-none-any.whl": UPLOAD_TIME_UNKNOWN}
    trusted = _config(tmp_path, SERVE_TRUSTED_FOR_AGE="1")
    times = {"demo-1.0-py3-none-any.whl": NOW - timedelta(days=9)}
    kept = filter_page(page, trusted, NOW, verdicts={}, upload_times=times)
    assert kept.hidden == {}
    assert kept.files[0].upload_time == NOW - timedelta(days=9)


def test_exclude_newer_wheels_only_and_scan_blocks(tmp_path: Path) -> None:
    config = _config(
        tmp_path, '[serve]\nexclude-newer = "2026-03-01"\nwheels-only = true\n', COOLDOWN="0"
    )
    block = Block("policy/scan-blocked", "bad")
    result = filter_page(_page(), config, NOW, verdicts={SHA["1.0"]: block})
    assert _hidden(result) == {
        "demo-1.0-py3-none-any.whl": "policy/scan-blocked",
        "demo-1.1-py3-none-any.whl": EXCLUDE_NEWER,
        "demo-2.0-py3-none-any.whl": EXCLUDE_NEWER,
        "demo-2.0.tar.gz": WHEELS_ONLY,
    }


def test_allow_and_deny_lists(tmp_path: Path) -> None:
    config = _config(
        tmp_path, '[serve]\nallow = ["demo>=1.1"]\ndeny = ["demo==2.0", "evil"]\n', COOLDOWN="0"
    )
    result = filter_page(_page(), config, NOW, verdicts={})
    assert [f.file.filename for f in result.files] == ["demo-1.1-py3-none-any.whl"]
    assert _hidden(result)["demo-1.0-py3-none-any.whl"] == NOT_ALLOWED
    assert _hidden(result)["demo-2.0.tar.gz"] == DENIED
    gate = project_gate(ProjectName("evil"), config, private=False)
    assert gate is not None
    assert gate.rule == DENIED
    assert gate.status == 403
    other = project_gate(ProjectName("other"), config, private=False)
    assert other is not None
    assert other.rule == NOT_ALLOWED
    assert other.status == 404
    assert project_gate(ProjectName("demo"), config, private=False) is None


def test_internal_names_never_reach_the_upstream(tmp_path: Path) -> None:
    config = _config(tmp_path, '[internal]\nnames = ["acme-billing"]\nprefixes = ["acme_"]\n')
    for name in ("acme-billing", "acme-tools"):
        gate = project_gate(ProjectName(name), config, private=False)
        assert gate is not None
        assert gate.rule == INTERNAL
    assert project_gate(ProjectName("acme-billing"), config, private=True) is None


def test_names_check_blocks_squats_and_quarantines_the_page(tmp_path: Path) -> None:
    config = _config(tmp_path)
    block = name_block(ProjectName("reqeusts"), config)
    assert block is not None
    assert block.rule == "names/typosquat"
    assert name_block(ProjectName("requests"), config) is None
    page = ProjectPage(ProjectName("reqeusts"), (_file("1.0", timedelta(days=50)),))
    result = filter_page(page, config, NOW, verdicts={}, blocked=block)
    assert result.status is ProjectStatus.QUARANTINED
    assert result.blocked == block
    assert _config(tmp_path, SERVE_NAMES_CHECK="0").serve.names_check is False


@pytest.mark.parametrize("value", ["not a date", "2026-13-01"])
def test_bad_exclude_newer_is_a_config_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="exclude-newer"):
        _config(tmp_path, f'[serve]\nexclude-newer = "{value}"\n')
