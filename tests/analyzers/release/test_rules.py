"""Each release rule on hand-made facts; unknowns become findings, never passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pycustoms.analyzers.release import RULES, ReleasePolicy, analyze_release, assemble
from pycustoms.analyzers.release.settings import load_release_policy, parse_duration
from pycustoms.errors import ConfigError
from pycustoms.types import ProjectName
from pycustoms.upstream.models import IndexFile, ProjectInfo, ProjectPage, ProjectStatus, Role

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _file(version: str, age: timedelta | None, *, wheel: bool = True, **kw: object) -> IndexFile:
    name = f"demo-{version}-py3-none-any.whl" if wheel else f"demo-{version}.tar.gz"
    return IndexFile(name, f"https://x/{name}", {"sha256": "0" * 64},
                     upload_time=NOW - age if age is not None else None, **kw)  # type: ignore[arg-type]  # fmt: skip


def _rules(files: list[IndexFile], version: str, **kw: object) -> set[str]:
    page = ProjectPage(ProjectName("demo"), tuple(files), status=kw.pop("status", None))  # type: ignore[arg-type]
    info = ProjectInfo(ProjectName("demo"), None, {"Source": "https://git.example/demo"}, {},
                       roles=(Role("alice", "Owner"),))  # fmt: skip
    facts = assemble(page, version, info=kw.pop("info", info), **kw)  # type: ignore[arg-type]
    assert facts is not None
    return {f.rule for f in analyze_release(facts, ReleasePolicy(), NOW)}


def test_an_old_quiet_release_is_clean() -> None:
    files = [
        _file("1.0", 400 * DAY, provenance_known=True),
        _file("1.1", 300 * DAY, provenance_known=True),
    ]
    assert _rules(files, "1.1") == set()


def test_too_new_new_project_and_unknowns() -> None:
    assert _rules([_file("1.0", timedelta(hours=2))], "1.0") >= {
        "release/too-new",
        "release/new-project",
        "release/provenance-unknown",
    }
    assert "release/upload-time-unknown" in _rules([_file("1.0", None)], "1.0")
    assert "release/metadata-unknown" in _rules([_file("1.0", 400 * DAY)], "1.0", info=None)


def test_dormancy_and_version_jumps() -> None:
    files = [_file("0.1.1", 3000 * DAY), _file("0.1.2", 2900 * DAY), _file("0.2.2", 10 * DAY)]
    assert "release/dormant" in _rules(files, "0.2.2")
    assert "release/dormant" not in _rules(files, "0.1.2")
    assert "release/version-jump" in _rules(
        [_file("1.0", 400 * DAY), _file("99.0", 100 * DAY)], "99.0"
    )
    assert "release/version-jump" in _rules(
        [_file("1.0", 400 * DAY), _file("20.0", 100 * DAY)], "20.0"
    )


@pytest.mark.parametrize(
    ("history", "version"),
    [
        (["2024.2", "2025.1"], "2025.2"),  # pytz, tzdata
        (["2026.7.22", "2026.8.30"], "2026.10.18"),  # certifi
        (["2025.11.3", "2026.1.15"], "2026.4.4"),  # regex
        (["20240101", "20250101"], "20260101"),  # date-stamped majors
    ],
)
def test_calendar_versions_are_not_jumps(history: list[str], version: str) -> None:
    """Before: `inspect pytz` said `placeholder version`."""
    files = [_file(v, (400 - 50 * i) * DAY) for i, v in enumerate([*history, version])]
    assert "release/version-jump" not in _rules(files, version)


@pytest.mark.parametrize("version", ["9999.0", "666.0", "99999.1"])
def test_placeholder_majors_outside_the_calendar_still_jump(version: str) -> None:
    files = [_file("1.0", 400 * DAY), _file(version, 100 * DAY)]
    assert "release/version-jump" in _rules(files, version)


def test_late_files_yanks_status_sdist_install_code() -> None:
    late = [_file("1.0", 400 * DAY), _file("1.0", 30 * DAY, wheel=False)]
    assert "release/files-added-late" in _rules(late, "1.0")
    assert "release/yanked" in _rules([_file("1.0", 400 * DAY, yanked="bad")], "1.0")
    quarantined = _rules([_file("1.0", 400 * DAY)], "1.0", status=ProjectStatus.QUARANTINED)
    assert "release/quarantined" in quarantined
    sdist = [_file("1.0", 400 * DAY, wheel=False)]
    assert "release/sdist-only-install-code" in _rules(sdist, "1.0", install_time_code=True)
    assert "release/sdist-only-install-code" not in _rules(sdist, "1.0", install_time_code=False)


def test_owners_and_attestations() -> None:
    files = [_file("1.0", 400 * DAY, provenance="p", provenance_known=True),
             _file("1.1", 300 * DAY, provenance_known=True)]  # fmt: skip
    found = _rules(files, "1.1", previous_owners=frozenset({"bob"}))
    assert {"release/attestations-missing", "release/owners-changed"} <= found
    assert "release/owners-changed" not in _rules(
        files, "1.1", previous_owners=frozenset({"alice"})
    )
    no_roles = ProjectInfo(ProjectName("demo"), None, {}, {})
    assert {"release/owners-unknown", "release/no-source-repository"} <= _rules(
        files, "1.1", info=no_roles
    )


def test_every_emitted_rule_is_declared() -> None:
    declared = {r.id for r in RULES}
    assert len(declared) == len(RULES)
    assert all(r.startswith("release/") for r in declared)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("P7D", 7 * DAY), ("7", 7 * DAY), ("PT12H", timedelta(hours=12)), ("P1W", 7 * DAY),
     ("P1Y", 365 * DAY), ("P1DT30M", DAY + timedelta(minutes=30)), (0, timedelta(0))],
)  # fmt: skip
def test_durations(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_release_policy_from_config_and_env() -> None:
    raw = {"cooldown": "P3D", "release": {"dormancy": "P2Y"}}
    policy = load_release_policy(raw, {"PYCUSTOMS_COOLDOWN": "PT1H"})
    assert policy.cooldown == timedelta(hours=1)
    assert policy.dormancy == 730 * DAY
    with pytest.raises(ConfigError, match="PYCUSTOMS_COOLDOWN"):
        load_release_policy({}, {"PYCUSTOMS_COOLDOWN": "soon"})
