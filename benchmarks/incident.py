"""Benchmark the incident query and install-event ingestion on SQLite.

    .venv/bin/python -P benchmarks/incident.py [--events 1000000] [--keep]

Generates an install log of 1,000,000 events across 5,000 environments and
2,000 projects x 5 versions (Zipf-like popularity, 90 days, time-ordered as a
real log is) straight into a fresh database made by `Database(url).open()`, so
it has exactly the migrated schema and indexes. Generation is not measured.

Then it times `incident_report` (the code path of `pycustoms incident` and
`GET /api/v1/incident`) for the most popular release and for a rare one: cold
(the first query of a newly opened `Database`, so SQLite's page cache is empty;
the OS cache is warm) and warm (p50/p95 of repeated runs). Last, ingestion
through the server's own `InstallLog` (the queue and batched writer thread the
server builds in `build_state`): events are queued as fast as the caller can
and the clock stops when the writer has committed them all.

The database lives under /tmp and is deleted at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pycustoms.db import Database
from pycustoms.incident.model import Spec
from pycustoms.incident.query import incident_report
from pycustoms.server.installlog import InstallEvent, InstallLog
from pycustoms.types import ProjectName

sys.path.append(str(Path(__file__).parent))
from _common import append_results, peak_rss_mb, percentile

ENVIRONMENTS = 5_000
PROJECTS = 2_000
VERSIONS = 5
INSTALLERS = (("pip", "24.0"), ("pip", "23.3"), ("uv", "0.4.30"), ("poetry", "1.8.3"))
START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 90
CHUNK = 100_000
TARGET_QUERY_MS = 200.0
TARGET_INGEST = 5_000.0
_INSERT = (
    "INSERT INTO install_events (at, environment, client, installer, installer_version,"
    " project, version, filename, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _project(number: int) -> str:
    return f"proj-{number:04d}"


def _sha(project: str, version: str) -> str:
    return hashlib.sha256(f"{project}=={version}".encode()).hexdigest()


def _stamp(when: datetime) -> str:
    # The format SQLAlchemy's SQLite DateTime writes (checked by `_check_format`).
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(db: Database, events: int, seed: int = 7) -> Counter[tuple[str, str]]:
    """Insert *events* install events; return the number of events per (project, version)."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(PROJECTS)]  # Zipf, s = 1
    version_weights = [1, 2, 3, 5, 8]  # newer versions are installed more
    releases = [
        (
            _project(p),
            f"{v + 1}.0.0",
            f"{_project(p).replace('-', '_')}-{v + 1}.0.0-py3-none-any.whl",
            _sha(_project(p), f"{v + 1}.0.0"),
        )
        for p in range(PROJECTS)
        for v in range(VERSIONS)
    ]
    envs = [f"env-{n:04d}" for n in range(ENVIRONMENTS)]
    step = timedelta(days=DAYS) / events
    counts: Counter[tuple[str, str]] = Counter()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Generation is not measured: no fsync per transaction (ingestion keeps the default).
        cursor.execute("PRAGMA synchronous=OFF")
        done = 0
        while done < events:
            size = min(CHUNK, events - done)
            projects = rng.choices(range(PROJECTS), weights, k=size)
            versions = rng.choices(range(VERSIONS), version_weights, k=size)
            rows = []
            for offset, (p, v) in enumerate(zip(projects, versions, strict=True)):
                project, version, filename, sha = releases[p * VERSIONS + v]
                installer, installer_version = INSTALLERS[rng.randrange(len(INSTALLERS))]
                when = START + step * (done + offset)
                rows.append(
                    (_stamp(when), envs[rng.randrange(ENVIRONMENTS)], "10.0.0.1", installer,
                     installer_version, project, version, filename, sha)
                )  # fmt: skip
                counts[(project, version)] += 1
            cursor.execute("BEGIN")
            cursor.executemany(_INSERT, rows)
            cursor.execute("COMMIT")
            done += size
        cursor.execute("ANALYZE")
    finally:
        raw.close()
    return counts


def _check_format(db: Database) -> None:
    """Fail if the generated timestamps differ in shape from those the server writes."""
    log = InstallLog(db)
    log.record(InstallEvent(START, "format-check", None, None, None, "x", "1", "x-1.whl", "0"))
    log.close()
    with db.engine.connect() as connection:
        written = connection.exec_driver_sql(
            "SELECT at FROM install_events WHERE environment = 'format-check'"
        ).scalar_one()
        connection.exec_driver_sql("DELETE FROM install_events WHERE environment = 'format-check'")
        connection.commit()
    if written != _stamp(START):
        raise SystemExit(f"timestamp format differs: {written!r} vs {_stamp(START)!r}")


def time_query(url: str, spec: Spec, runs: int) -> tuple[float, list[float], int, int]:
    """(cold ms, warm ms per run, environments, installs) of `incident_report(spec)`."""
    db = Database(url).open()
    try:
        started = time.perf_counter()
        report = incident_report(db, [spec])
        cold = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            incident_report(db, [spec])
            warm.append((time.perf_counter() - started) * 1000)
    finally:
        db.close()
    installs = sum(h.count for h in report.environments)
    return cold, warm, len(report.environment_names), installs


def time_ingest(url: str, events: int) -> tuple[float, float, int]:
    """(events/s until committed, seconds spent queueing, events lost) through `InstallLog`."""
    db = Database(url).open()
    try:
        log = InstallLog(db)  # as `build_state` does
        base = datetime.now(UTC)
        batch = [
            InstallEvent(
                base + timedelta(microseconds=n), f"ingest-{n % 500:03d}", "10.0.0.2", "pip",
                "24.0", f"ingest-{n % 97:02d}", "1.0", f"ingest_{n % 97:02d}-1.0-py3-none-any.whl",
                _sha("ingest", str(n % 97)),
            )
            for n in range(events)
        ]  # fmt: skip
        started = time.perf_counter()
        for event in batch:
            log.record(event)
        queued = time.perf_counter() - started
        while log.written + log.lost < events:
            time.sleep(0.001)
        elapsed = time.perf_counter() - started
        log.close()
        with db.engine.connect() as connection:
            stored = connection.exec_driver_sql(
                "SELECT count(*) FROM install_events WHERE environment LIKE 'ingest-%'"
            ).scalar_one()
        if stored != events - log.lost:
            raise SystemExit(f"ingest: {stored} rows stored for {events} events queued")
    finally:
        db.close()
    return events / elapsed, queued, log.lost


def main() -> int:
    """Generate, measure, print and append to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--ingest", type=int, default=100_000, help="events for the ingest run")
    parser.add_argument("--runs", type=int, default=30, help="warm runs per query")
    parser.add_argument("--keep", action="store_true", help="keep the database under /tmp")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pycustoms-bench-incident-", dir="/tmp"))
    url = f"sqlite:///{work / 'bench.db'}"
    try:
        db = Database(url).open()
        _check_format(db)
        started = time.perf_counter()
        counts = generate(db, args.events)
        generated = time.perf_counter() - started
        db.close()
        print(f"generated {args.events:,} events in {generated:.1f} s", file=sys.stderr)
        (popular, popular_n), *_ = counts.most_common(1)
        rare_n = min(n for n in counts.values() if n >= 5)
        rare = min(key for key, n in counts.items() if n == rare_n)
        rows = []
        for label, (project, version), n in (
            ("popular", popular, popular_n),
            ("rare", rare, rare_n),
        ):
            spec = Spec(ProjectName(project), version)
            cold, warm, envs, installs = time_query(url, spec, args.runs)
            if installs != n:
                raise SystemExit(f"{spec}: the report counts {installs} installs, expected {n}")
            p50, p95 = percentile(warm, 50), percentile(warm, 95)
            verdict = "ok" if max(cold, p95) <= TARGET_QUERY_MS else "MISSED"
            rows.append(
                f"| incident query, {label} release `{spec}` ({installs:,} installs, "
                f"{envs:,} environments) | cold {cold:.1f} ms; warm p50 {p50:.1f} ms, "
                f"p95 {p95:.1f} ms ({args.runs} runs) | <= {TARGET_QUERY_MS:.0f} ms: {verdict} |"
            )
            print(rows[-1], file=sys.stderr)
        rate, queued, lost = time_ingest(url, args.ingest)
        verdict = "ok" if rate >= TARGET_INGEST and not lost else "MISSED"
        rows.append(
            f"| ingestion through the server's `InstallLog` ({args.ingest:,} events into the "
            f"{args.events:,}-event log; queued in {queued:.2f} s) | {rate:,.0f} events/s "
            f"committed, {lost} lost | >= {TARGET_INGEST:,.0f} events/s: {verdict} |"
        )
        size = (work / "bench.db").stat().st_size / 2**20
        own, _child = peak_rss_mb()
        rows.append(f"| database size / generation time (not a target) | {size:,.0f} MiB / "
                    f"{generated:.0f} s | - |")  # fmt: skip
        rows.append(f"| peak RSS of the whole run | {own:.0f} MB | bounded |")
        body = "\n".join(
            [
                f"{args.events:,} install events, {ENVIRONMENTS:,} environments, "
                f"{PROJECTS:,} projects x {VERSIONS} versions (Zipf popularity), SQLite (WAL). "
                "Command: `.venv/bin/python -P benchmarks/incident.py`.",
                "",
                "| measure | result | target |",
                "|---|---|---|",
                *rows,
            ]
        )
        print(body)
        if not args.no_append:
            append_results(
                "Incident query and install-event ingestion (benchmarks/incident.py)", body
            )
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
