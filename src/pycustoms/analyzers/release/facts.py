"""The facts the release analyzer judges, assembled (purely) from index documents.

`assemble` merges the simple-API page with the JSON API document (when there is
one) and the last snapshot from the database. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from packaging.version import InvalidVersion, Version

from pycustoms.types import ProjectName
from pycustoms.upstream.models import (
    FileKind,
    IndexFile,
    ProjectInfo,
    ProjectPage,
    ProjectStatus,
    ReleaseGroup,
    ReleaseIndex,
)


@dataclass(frozen=True, slots=True)
class ReleaseSummary:
    """One release of the project as the history rules see it."""

    version: Version
    first_upload: datetime | None
    last_upload: datetime | None
    # True/False when the index says whether files carry provenance; None when it does not.
    attested: bool | None
    yanked: bool


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """Everything known about one release, with `None` for every known unknown."""

    project: ProjectName
    version: Version
    files: tuple[IndexFile, ...]
    history: tuple[ReleaseSummary, ...]
    owners: frozenset[str] | None = None
    previous_owners: frozenset[str] | None = None
    project_urls: Mapping[str, str] | None = None
    status: ProjectStatus | None = None
    status_reason: str | None = None
    # From the scanner (--deep): an sdist's setup.py runs code at install time.
    install_time_code: bool | None = None

    @property
    def sdist_only(self) -> bool:
        """True when the release has files and none of them is a wheel."""
        return bool(self.files) and all(f.kind is not FileKind.WHEEL for f in self.files)


class _ApiFiles:
    """The JSON API's files by filename, looked up only when a page file lacks a fact."""

    def __init__(self, info: ProjectInfo | None) -> None:
        self._info = info
        self._by_name: dict[str, IndexFile] | None = None

    def fill(self, item: IndexFile) -> IndexFile:
        """*item* with the upload time and size the JSON API knows and the page did not say."""
        if self._info is None or (item.upload_time is not None and item.size is not None):
            return item
        if self._by_name is None:
            releases = self._info.releases.values()
            self._by_name = {f.filename: f for files in releases for f in files}
        return _fill(item, self._by_name.get(item.filename))


def _fill(item: IndexFile, extra: IndexFile | None) -> IndexFile:
    """*item* with the upload time and size the JSON API knows and the page did not say."""
    if extra is None or (item.upload_time is not None and item.size is not None):
        return item
    return replace(
        item,
        upload_time=item.upload_time or extra.upload_time,
        size=item.size if item.size is not None else extra.size,
    )


def summarize(files: list[IndexFile], version: Version) -> ReleaseSummary:
    """Upload span, provenance presence and yank state of one release's files."""
    times = [f.upload_time for f in files if f.upload_time is not None]
    known = [f for f in files if f.provenance_known]
    attested: bool | None = None
    if known:
        attested = all(f.provenance is not None for f in known)
    return ReleaseSummary(
        version=version,
        first_upload=min(times) if times else None,
        last_upload=max(times) if times else None,
        attested=attested,
        yanked=bool(files) and all(f.is_yanked for f in files),
    )


def _summary(group: ReleaseGroup) -> ReleaseSummary:
    return ReleaseSummary(
        group.version, group.first_upload, group.last_upload, group.attested, group.yanked
    )


def assemble(
    page: ProjectPage | ReleaseIndex,
    version: Version | str,
    *,
    info: ProjectInfo | None = None,
    previous_owners: frozenset[str] | None = None,
    install_time_code: bool | None = None,
) -> ReleaseFacts | None:
    """The facts about *version* of the project on *page*; `None` if it has no such release.

    A `ReleaseIndex` is judged without building the files of other releases, except
    where the page lacks an upload time that the JSON API (*info*) may give.
    """
    try:
        wanted = version if isinstance(version, Version) else Version(version)
    except InvalidVersion:
        return None
    index = page if isinstance(page, ReleaseIndex) else ReleaseIndex.from_page(page)
    if index.release(wanted) is None:
        return None
    api = _ApiFiles(info)
    history: list[ReleaseSummary] = []
    files: list[IndexFile] = []
    for group in index.releases():
        if group.version == wanted:
            files = [api.fill(f) for f in index.files(group.version)]
            history.append(summarize(files, group.version))
        elif group.times_complete or info is None:
            history.append(_summary(group))
        else:
            filled = [api.fill(f) for f in index.files(group.version)]
            history.append(summarize(filled, group.version))
    owners: frozenset[str] | None = None
    if info is not None and info.roles is not None:
        owners = frozenset(r.user for r in info.roles)
    return ReleaseFacts(
        project=index.name,
        version=wanted,
        files=tuple(files),
        history=tuple(history),
        owners=owners,
        previous_owners=previous_owners,
        project_urls=dict(info.project_urls) if info is not None else None,
        status=index.status,
        status_reason=index.status_reason,
        install_time_code=install_time_code,
    )
