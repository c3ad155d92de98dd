"""Append many rows to one table at once: PostgreSQL's COPY, else one executemany.

The install log writes every served file as a row; on PostgreSQL an INSERT per row
(which is what an executemany becomes through psycopg) spends most of its time on
round trips and statement handling, while `COPY ... FROM STDIN` streams the batch in
one command (benchmarks/cluster.py measures both). SQLite runs in-process, where an
executemany of one prepared INSERT is already the fast path.

Text longer than its column is cut to fit first: SQLite never enforces a
`VARCHAR(n)`, PostgreSQL refuses the whole batch, and a User-Agent or a label that
arrives longer than expected must not cost the log 500 events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, String, Table, insert


def _limits(table: Table) -> dict[str, int]:
    return {
        c.name: c.type.length
        for c in table.columns
        if isinstance(c.type, String) and c.type.length is not None
    }


def _clip(row: Mapping[str, Any], limits: Mapping[str, int]) -> Mapping[str, Any]:
    long = [
        name
        for name, length in limits.items()
        if isinstance(value := row.get(name), str) and len(value) > length
    ]
    if not long:
        return row  # almost always: no copy
    out = dict(row)
    for name in long:
        out[name] = out[name][: limits[name]]
    return out


def append_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert *rows* (dicts of the same columns) into *table* in *connection*'s transaction."""
    if not rows:
        return
    limits = _limits(table)
    clipped = [_clip(r, limits) for r in rows]
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), clipped)
        return
    columns = list(clipped[0])
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    name = connection.dialect.identifier_preparer.format_table(table)
    # The psycopg connection under SQLAlchemy's: COPY is a driver feature, not SQL.
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
        for row in clipped:
            copy.write_row(tuple(row[c] for c in columns))
