"""Filling the offline advisory database: `pycustoms db update`, and `audit`'s fill as it goes.

`update_database` tries the configured sources in order and stops at the first
that works: a whole-ecosystem archive (full coverage), or the index's JSON API
for named releases (partial coverage: it answers per release, so it needs the
releases; `audit` asks it about the releases it audits and the database has no
answer for). Nothing is stored from a source that fails, and a source that
answers for only some releases stores those answers and reports the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pycustoms.db import Database
from pycustoms.vulns.archive import SourceUnavailable, update_from_archive
from pycustoms.vulns.interface import Coverage, Query, VulnerabilitySource
from pycustoms.vulns.match import OsvRecord
from pycustoms.vulns.offline import OfflineSource
from pycustoms.vulns.pypi import RETRIES, PypiSource
from pycustoms.vulns.settings import JSON_API, VulnsSettings, load_vulns_settings
from pycustoms.vulns.store import checked_releases, store_checks

if TYPE_CHECKING:
    from pycustoms.upstream.settings import UpstreamSettings


class ReleaseFiller:
    """Asks a per-release source about releases and keeps its answers in the database."""

    def __init__(self, db: Database, source: VulnerabilitySource, label: str) -> None:
        self.db = db
        self.source = source
        self.label = label

    def fill(
        self, queries: Sequence[Query]
    ) -> tuple[dict[Query, list[OsvRecord]], dict[Query, str]]:
        """Store the answers for *queries*; return them and the reasons of those not answered."""
        answer = self.source.query(queries)
        answered = {
            q: answer.found[q] for q in queries if q in answer.found and q not in answer.failed
        }
        store_checks(self.db, answered, source=self.label)
        failed = {q: answer.failed.get(q, "no answer") for q in queries if q not in answered}
        return answered, failed

    def close(self) -> None:
        """Release the source's connections."""
        self.source.close()


def json_api_filler(
    db: Database, index_url: str, *, timeout: float, retries: int = RETRIES
) -> ReleaseFiller:
    """A filler that asks the JSON API next to the simple index at *index_url*."""
    source = PypiSource(index_url, timeout=timeout, retries=retries)
    return ReleaseFiller(db, source, f"the index's JSON API at {source.api or index_url}")


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What `update_database` did: the source used, what it stored, what it could not."""

    source: str
    coverage: Coverage
    advisories: int
    projects: int
    releases: int = 0
    failed: Mapping[Query, str] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()


def update_database(
    db: Database,
    settings: VulnsSettings,
    sources: Sequence[str],
    *,
    workdir: Path,
    timeout: float,
    releases: Sequence[Query] = (),
    filler: Callable[[], ReleaseFiller] | None = None,
    notify: Callable[[str], None] = lambda _: None,
) -> UpdateResult:
    """Update *db* from the first of *sources* that works; `SourceUnavailable` if none does.

    `json-api` asks about *releases*, or when none are given about every release
    the database already holds an answer for (a refresh). *filler* builds its
    client (`None`: the index may not be asked, as with `offline`).
    """
    skipped: list[str] = []
    for source in sources:
        location = settings.archive_location(source)
        if location is not None:
            notify(f"{source}: fetching the advisory archive {location}")
            try:
                summary = update_from_archive(
                    db,
                    location,
                    workdir=workdir,
                    timeout=timeout,
                    min_records=settings.archive_min_records,
                )
            except SourceUnavailable as exc:
                skipped.append(f"{source}: {exc}")
                notify(f"{source}: not used: {exc}")
                continue
            return UpdateResult(
                source, Coverage.FULL, summary.advisories, summary.projects, skipped=tuple(skipped)
            )
        if filler is None:
            skipped.append(f"{JSON_API}: the index may not be asked (offline)")
            continue
        with db.session() as session:
            wanted = list(releases) or checked_releases(session)
        if not wanted:
            skipped.append(
                f"{JSON_API}: no releases to ask about; name lock files or requirements files "
                "(`pycustoms db update --source json-api requirements.txt`)"
            )
            continue
        notify(f"{JSON_API}: asking the index about {len(wanted)} release(s)")
        made = filler()
        try:
            answered, failed = made.fill(wanted)
        finally:
            made.close()
        if not answered:
            first = next(iter(failed.values()), "no answer")
            skipped.append(f"{JSON_API}: no release was answered ({first})")
            continue
        return UpdateResult(
            JSON_API,
            Coverage.PARTIAL,
            len({r.id for records in answered.values() for r in records}),
            len({q.name for q in answered}),
            releases=len(answered),
            failed=failed,
            skipped=tuple(skipped),
        )
    raise SourceUnavailable(
        "no advisory source could be used, and the database was not changed: "
        + "; ".join(skipped or ["no source configured"])
    )


def open_offline_source(
    db: Database,
    upstream: UpstreamSettings,
    raw: Mapping[str, Any],
    *,
    fill: bool = True,
    environ: Mapping[str, str] | None = None,
) -> OfflineSource:
    """The `offline` source of `audit`, filling what the database lacks when allowed.

    The index's JSON API is asked about releases the database has no answer for
    (or an answer older than `vulns.max-age`) unless *fill* is false (`--no-index`),
    `vulns.auto-update` is off, or the upstream settings say `offline`.
    """
    settings = load_vulns_settings(raw, environ)
    filler = None
    if fill and settings.auto_update and not upstream.offline:
        filler = json_api_filler(
            db,
            upstream.resolved_index()[0],
            timeout=upstream.timeout,
            retries=upstream.retries,
        )
    return OfflineSource(db, filler=filler, max_age=settings.max_age)
