"""`UpstreamFacts` from what an index published about a project (pure, no I/O).

The simple-API page (HTML or PEP 691 JSON) is always there; the JSON API
document (*info*) only where the index has one. Each fact comes from whichever
source states it, and stays `None` when neither does: an HTML page without
upload times and no JSON API says nothing about the project's age, and the
analyzers then make no claim about it.
"""

from __future__ import annotations

from datetime import datetime

from packaging.version import InvalidVersion, Version

from pycustoms.analyzers.names.model import UpstreamFacts
from pycustoms.upstream.models import ProjectInfo, ProjectPage, ReleaseIndex


def facts_from_index(
    page: ProjectPage | ReleaseIndex, info: ProjectInfo | None = None
) -> UpstreamFacts:
    """The facts of a project that exists: first release time, release count, latest version.

    A release is a version with at least one file (on the page or in the JSON
    API); yanked releases count, since they are part of the project's history.
    """
    index = page if isinstance(page, ReleaseIndex) else ReleaseIndex.from_page(page)
    groups = index.releases()
    versions: set[Version] = {g.version for g in groups}
    times: list[datetime] = [g.first_upload for g in groups if g.first_upload is not None]
    complete = all(g.times_complete for g in groups)
    if info is not None:
        for text, files in info.releases.items():
            if not files:
                continue
            parsed = _version(text)
            if parsed is not None:
                versions.add(parsed)
            if not complete or parsed not in index:
                times += [f.upload_time for f in files if f.upload_time is not None]
    latest = info.latest_version if info is not None and info.latest_version else None
    return UpstreamFacts(
        exists=True,
        first_release=min(times) if times else None,
        release_count=len(versions),
        latest_version=latest or _latest(versions),
    )


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _latest(versions: set[Version]) -> str | None:
    """What the index would call latest: the highest final release, else the highest."""
    final = [v for v in versions if not v.is_prerelease]
    pool = final or list(versions)
    return str(max(pool)) if pool else None
