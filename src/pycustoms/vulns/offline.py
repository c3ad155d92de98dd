"""The `offline` source: the local advisory database (`pycustoms db update`, `db import-osv`).

A database filled from a whole-ecosystem archive covers every project: a
release with no matching record has no known vulnerability. Otherwise the
database covers only the releases it holds a per-release answer for; records
imported with `db import-osv` are reported where they match, but never make a
release count as checked. For a release the database does not cover, a
*filler* (the index's JSON API) is asked first when there is one; what is still
not covered is reported as not checked, with the command that fills it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from pycustoms.db import Database
from pycustoms.vulns.interface import (
    Answer,
    Coverage,
    Query,
    SourceStatus,
    VulnerabilitySource,
    describe_age,
)
from pycustoms.vulns.match import OsvRecord, affects
from pycustoms.vulns.store import DatabaseState, ReleaseCheck, checks_of, read_state, records_of

FILL_COMMAND = "`pycustoms db update`"
FILE_COMMAND = "`pycustoms db update --source json-api FILE`"


class Filler(Protocol):
    """Something that answers releases and stores the answers (see `vulns.update`)."""

    label: str

    def fill(
        self, queries: Sequence[Query]
    ) -> tuple[dict[Query, list[OsvRecord]], dict[Query, str]]:
        """Store answers for *queries*; return them and the reasons of those not answered."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def _not_covered(query: Query, state: DatabaseState, fill_reason: str | None) -> str:
    release = f"{query.name} {query.version}"
    if fill_reason is not None:
        return (
            f"{fill_reason}; the offline advisory database has no answer for {release}: run "
            f"{FILL_COMMAND} for a whole-ecosystem archive"
        )
    if state.coverage is Coverage.EMPTY:
        return (
            f"the offline advisory database is empty; run {FILL_COMMAND} (a whole-ecosystem "
            f"archive), or {FILE_COMMAND} for the releases of a lock file"
        )
    return (
        f"the offline advisory database has partial coverage and no answer for {release}; "
        f"run {FILL_COMMAND}, or {FILE_COMMAND} for the releases of a lock file"
    )


class OfflineSource(VulnerabilitySource):
    """Answers from the local database; never calls a release it does not cover clean."""

    name = "offline"

    def __init__(
        self,
        db: Database,
        *,
        filler: Filler | None = None,
        max_age: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.filler = filler
        self.max_age = max_age
        self._clock = clock
        self._status: SourceStatus | None = None

    def close(self) -> None:
        """Release the filler's connections."""
        if self.filler is not None:
            self.filler.close()

    def status(self) -> SourceStatus | None:
        """Coverage and age of the answers of the last `query`."""
        return self._status

    def _read(self, queries: Sequence[Query]) -> tuple[DatabaseState, dict[Query, ReleaseCheck]]:
        with self.db.session() as session:
            return read_state(session), checks_of(session, queries)

    def query(self, queries: Sequence[Query]) -> Answer:
        """Fill what the database lacks (when a filler is set), then answer from the database."""
        answer = Answer()
        now = self._clock()
        fill_failed: dict[Query, str] = {}
        filled = 0
        try:
            state, checks = self._read(queries)
            if self.filler is not None and state.coverage is not Coverage.FULL:
                wanted = [
                    q
                    for q in queries
                    if q not in checks or now - checks[q].checked_at > self.max_age
                ]
                if wanted:
                    answered, fill_failed = self.filler.fill(wanted)
                    filled = len(answered)
                    if answered:
                        state, checks = self._read(queries)
            with self.db.session() as session:
                by_name = records_of(session, (q.name for q in queries))
        except SQLAlchemyError as exc:
            self._status = None
            return answer.fail_all(queries, f"the offline database failed: {type(exc).__name__}")
        used: list[datetime] = []
        for query in queries:
            check = checks.get(query)
            known = [r for r in by_name[query.name] if affects(r, query.version)]
            if check is not None:
                known += check.records
                used.append(check.checked_at)
            if state.coverage is Coverage.FULL or check is not None:
                answer.found[query] = known
                continue
            if known:
                answer.found[query] = known  # reported, but the answer is incomplete
            answer.failed[query] = _not_covered(query, state, fill_failed.get(query))
        status = self._describe(
            state, queries=queries, answer=answer, now=self._clock(), used=used, filled=filled
        )
        refresh_failed = [q for q in fill_failed if q in checks]
        if refresh_failed:
            first = refresh_failed[0]
            status = replace(
                status,
                warnings=(
                    *status.warnings,
                    f"{len(refresh_failed)} answer(s) older than vulns.max-age could not be "
                    f"refreshed and were used as they were ({first.name} {first.version}: "
                    f"{fill_failed[first]})",
                ),
            )
        self._status = status
        return answer

    def _origin(self, state: DatabaseState) -> str:
        if state.coverage is Coverage.FULL:
            return state.origin or "an archive"
        if state.releases_checked:
            label = self.filler.label if self.filler is not None else "the index's JSON API"
            return f"per-release answers from {label}"
        if state.imported_records:
            return "imported records only"
        return "nothing stored"

    def _describe(
        self,
        state: DatabaseState,
        *,
        queries: Sequence[Query],
        answer: Answer,
        now: datetime,
        used: list[datetime],
        filled: int,
    ) -> SourceStatus:
        # A full database is as old as its archive; a partial one as its oldest answer used.
        as_of = state.as_of if state.coverage is Coverage.FULL else min(used, default=None)
        unique = set(queries)
        status = SourceStatus(
            source=self.name,
            coverage=state.coverage,
            origin=self._origin(state),
            as_of=as_of,
            now=now,
            max_age=self.max_age,
            advisories=state.advisories,
            projects=state.projects,
            releases_checked=state.releases_checked,
            imported_records=state.imported_records,
            answered=sum(1 for q in unique if q not in answer.failed),
            not_covered=sum(1 for q in unique if q in answer.failed),
            filled=filled,
        )
        age = status.age
        if not status.stale or age is None:
            return status
        what = (
            "the advisory database"
            if state.coverage is Coverage.FULL
            else "the oldest per-release answer used"
        )
        warning = (
            f"{what} is {describe_age(age)} old, older than vulns.max-age "
            f"({describe_age(self.max_age)}); run {FILL_COMMAND}"
        )
        return replace(status, warnings=(warning,))
