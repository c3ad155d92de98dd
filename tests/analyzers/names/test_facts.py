"""`facts_from_index`: upstream facts from a project page and, when there is one, the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime

from pycustoms.analyzers.names.facts import facts_from_index
from pycustoms.types import ProjectName
from pycustoms.upstream.models import IndexFile, ProjectInfo, ProjectPage, ReleaseIndex

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 3, 1, tzinfo=UTC)
NAME = ProjectName("demo")


def _file(version: str, when: datetime | None, *, yanked: bool = False) -> IndexFile:
    return IndexFile(f"demo-{version}.tar.gz", f"https://files.example/demo-{version}.tar.gz",
                     upload_time=when, yanked=yanked)  # fmt: skip


def test_page_with_times() -> None:
    page = ProjectPage(NAME, (_file("1.0", T1), _file("0.9", T0, yanked=True), _file("2.0rc1", T1)))
    facts = facts_from_index(page)
    assert facts.exists is True
    assert facts.first_release == T0
    assert facts.release_count == 3  # yanked releases are history too
    assert facts.latest_version == "1.0"  # a pre-release is not "latest"
    assert facts_from_index(ReleaseIndex.from_page(page)) == facts


def test_page_without_times_and_no_api_claims_no_age() -> None:
    facts = facts_from_index(ProjectPage(NAME, (_file("1.0", None),)))
    assert facts.first_release is None
    assert facts.release_count == 1


def test_json_api_fills_times_and_names_the_latest() -> None:
    page = ProjectPage(NAME, (_file("1.0", None), _file("1.1", None)))
    info = ProjectInfo(
        NAME,
        "1.1",
        {},
        {
            "1.0": (_file("1.0", T0),),
            "1.1": (_file("1.1", T1),),
            "0.1": (),
            "0.5": (_file("0.5", T0),),
        },
    )
    facts = facts_from_index(page, info)
    assert facts.first_release == T0
    assert facts.release_count == 3  # a version without files is not a release
    assert facts.latest_version == "1.1"


def test_empty_project() -> None:
    facts = facts_from_index(ProjectPage(NAME, ()))
    assert (facts.exists, facts.first_release, facts.release_count, facts.latest_version) == (
        True, None, 0, None,
    )  # fmt: skip
