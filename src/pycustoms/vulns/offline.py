"""The `offline` source: the local database filled by `pycustoms db import-osv`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryImportRow, AdvisoryRecordRow
from pycustoms.vulns.interface import Answer, Query, VulnerabilitySource
from pycustoms.vulns.match import OsvRecord, affects

_CHUNK = 500


class OfflineSource(VulnerabilitySource):
    """Answers from the local database; refuses to answer when nothing was ever imported."""

    name = "offline"

    def __init__(self, db: Database) -> None:
        self.db = db

    def query(self, queries: Sequence[Query]) -> Answer:
        """One indexed lookup per 500 names; matching in memory."""
        answer = Answer()
        try:
            with self.db.session() as session:
                imports = session.scalar(select(func.count()).select_from(AdvisoryImportRow))
                if not imports:
                    return answer.fail_all(
                        queries,
                        "the offline database is empty; run `pycustoms db import-osv PATH`",
                    )
                names = sorted({q.name for q in queries})
                by_name: dict[str, list[OsvRecord]] = {n: [] for n in names}
                for start in range(0, len(names), _CHUNK):
                    chunk = names[start : start + _CHUNK]
                    rows = session.execute(
                        select(AdvisoryRecordRow.package, AdvisoryRecordRow.data).where(
                            AdvisoryRecordRow.package.in_(chunk)
                        )
                    )
                    for package, data in rows:
                        by_name[package].append(OsvRecord.from_json(data))
        except SQLAlchemyError as exc:
            return answer.fail_all(queries, f"the offline database failed: {type(exc).__name__}")
        for query in queries:
            answer.found[query] = [r for r in by_name[query.name] if affects(r, query.version)]
        return answer
