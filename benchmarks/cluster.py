"""Benchmark the replica database on PostgreSQL: install-log ingestion and the incident query.

    .venv/bin/python -P benchmarks/cluster.py [--events 10000000] [--ingest 200000]
        [--scans 24] [--replicas 20]

Starts its own PostgreSQL (tests/postgres.py: `initdb` in a temporary directory,
PostgreSQL's durable defaults: fsync and synchronous commit on) and a database made
by `Database(url).open()`, so the schema and indexes are exactly the migrated ones.

1. Ingestion through the server's own `InstallLog` (the queue and batch writer
   thread `build_state` builds; COPY on PostgreSQL): events are queued as fast as
   the caller can and the clock stops when the writer has committed them all.
   For comparison, the same events through one SQLAlchemy executemany INSERT per
   batch of 500 (what the writer did before COPY).
2. The incident query (`incident_report`, the code path of `pycustoms incident`
   and `GET /api/v1/incident`) on an install log of --events events: 5,000
   environments, 2,000 projects x 5 versions, Zipf-like popularity, 90 days.
   The log is generated inside PostgreSQL (`generate_series`) with the secondary
   indexes dropped and then rebuilt from their own definitions, then `VACUUM
   ANALYZE` (what autovacuum does to an insert-only table); generation is not
   measured (the install-totals trigger of migration 0016 sums each generated
   chunk as it would any insert). Timed: the most popular release and a rare
   one, cold (first query of a new connection pool) and warm (p50/p95 of --runs
   runs); without a time window the query reads `install_totals`, with one
   (`--since`) it reads the events, which is timed too.

3. Scans per second on Celery workers (`pycustoms worker`, Redis from
   tests/redis.py) with one and then two workers of one scan process each: --scans
   distinct wheels (300 modules of 30 kB each, built here) are put on the queue
   through `RemoteScans`, the replica's own client, and the clock stops when the
   last result is in. The CPU seconds of the workers (all processes of each),
   Redis and this submitting process are read from /proc, since on one machine
   they share the cores.

4. Pages and downloads per second with one replica and with two (`pycustoms serve`
   processes on the same database, --replicas seconds per run, `wrk` from Debian):
   the same two wrk clients against replica A, then one against each replica, on a
   cached page and on a scanned file (each download writes an install event). The
   cores each part used during the run are reported beside the rate: on one machine
   the clients and PostgreSQL take cores from the web tier.

Prints a table and appends it to benchmarks/RESULTS.md. Phases that are left out
(--events 0, --ingest 0, --scans 0, --replicas 0) are not reported.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.postgres import LocalPostgres
from tests.redis import LocalRedis
from tests.server.serverproc import ServerProcess

from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.db.firewall import InstallEventRow
from pycustoms.incident.model import Spec
from pycustoms.incident.query import incident_report
from pycustoms.server.installlog import InstallEvent, InstallLog
from pycustoms.types import ProjectName
from pycustoms.workers.client import RemoteScans
from pycustoms.workers.jobs import ScanJob

sys.path.append(str(Path(__file__).parent))
from _common import append_results, percentile

TARGET_INGEST = 20_000.0
TARGET_P95_MS = 300.0
TARGET_REPLICAS = 1.6
WRK = shutil.which("wrk")
OLD = datetime.now(UTC) - timedelta(days=60)
CHUNK = 1_000_000
BATCH = 500  # the install log's batch size

# One row per event: project by a log-uniform draw (density ~ 1/rank: Zipf, s = 1),
# version weighted 1:2:3:5:8 towards the newest, installer one of four.
_GENERATE = """
INSERT INTO install_events (at, environment, client, installer, installer_version,
                            project, version, filename, sha256)
SELECT at, environment, '10.0.0.1', installer, installer_version, project, version,
       replace(project, '-', '_') || '-' || version || '-py3-none-any.whl',
       encode(sha256(convert_to(project || '==' || version, 'UTF8')), 'hex')
FROM (
  SELECT timestamptz '2026-01-01 00:00+00' + (g * interval '90 days' / %(total)s) AS at,
         'env-' || lpad(floor(random() * 5000)::int::text, 4, '0') AS environment,
         (ARRAY['pip', 'pip', 'uv', 'poetry'])[i] AS installer,
         (ARRAY['24.0', '23.3', '0.4.30', '1.8.3'])[i] AS installer_version,
         'proj-' || lpad((least(1999, floor(exp(a * ln(2000)))::int - 1))::text, 4, '0')
           AS project,
         (CASE WHEN b < 1.0 / 19 THEN 1 WHEN b < 3.0 / 19 THEN 2 WHEN b < 6.0 / 19 THEN 3
               WHEN b < 11.0 / 19 THEN 4 ELSE 5 END)::text || '.0.0' AS version
  FROM (SELECT g, random() AS a, random() AS b, 1 + floor(random() * 4)::int AS i
        FROM generate_series(%(first)s, %(last)s) AS g) AS draws
) AS rows
"""


def _events(count: int, tag: str) -> list[InstallEvent]:
    base = datetime.now(UTC)
    return [
        InstallEvent(
            base + timedelta(microseconds=n), f"{tag}-{n % 500:03d}", "10.0.0.2", "pip", "24.0",
            f"{tag}-{n % 97:02d}", "1.0", f"{tag}_{n % 97:02d}-1.0-py3-none-any.whl", "ab" * 32,
        )
        for n in range(count)
    ]  # fmt: skip


def time_ingest(url: str, events: int) -> tuple[float, float, int]:
    """(events/s until committed, seconds queueing, events lost) through `InstallLog`."""
    db = Database(url).open()
    try:
        log = InstallLog(db)
        batch = _events(events, "ingest")
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
                "SELECT count(*) FROM install_events WHERE environment LIKE 'ingest-%%'"
            ).scalar_one()
        if stored != events - log.lost:
            raise SystemExit(f"ingest: {stored} rows stored for {events} events queued")
    finally:
        db.close()
    return events / elapsed, queued, log.lost


def time_executemany(url: str, events: int) -> float:
    """Events/s of one executemany INSERT per batch of 500 (the writer before COPY)."""
    db = Database(url).open()
    try:
        dicts = [asdict(e) for e in _events(events, "many")]  # outside the clock
        started = time.perf_counter()
        for offset in range(0, events, BATCH):
            with db.engine.begin() as connection:
                connection.execute(insert(InstallEventRow), dicts[offset : offset + BATCH])
        return events / (time.perf_counter() - started)
    finally:
        db.close()


def generate(url: str, events: int) -> float:
    """Fill the install log with *events* generated events; return the seconds it took."""
    db = Database(url).open()
    started = time.perf_counter()
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("DELETE FROM install_events")
            indexes = connection.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'install_events'"
                " AND indexname <> 'install_events_pkey'"
            ).all()
            for name, _ in indexes:
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
            connection.commit()
            for first in range(1, events + 1, CHUNK):
                last = min(events, first + CHUNK - 1)
                connection.exec_driver_sql(
                    _GENERATE, {"total": events, "first": first, "last": last}
                )
                connection.commit()
                print(f"  generated {last:,} events", file=sys.stderr, flush=True)
            connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            for name, definition in indexes:
                connection.exec_driver_sql(definition)
                connection.commit()
                print(f"  rebuilt {name}", file=sys.stderr, flush=True)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE install_events")
    finally:
        db.close()
    return time.perf_counter() - started


def releases(url: str) -> tuple[tuple[str, str, int], tuple[str, str, int]]:
    """The most installed release and a rare one, with their event counts."""
    db = Database(url).open()
    try:
        with db.engine.connect() as connection:
            ranked = connection.exec_driver_sql(
                "SELECT project, version, count(*) FROM install_events"
                " GROUP BY project, version ORDER BY count(*) DESC"
            ).all()
    finally:
        db.close()
    popular = ranked[0]
    rare = ranked[len(ranked) * 9 // 10]
    return (str(popular[0]), str(popular[1]), int(popular[2])), (
        str(rare[0]), str(rare[1]), int(rare[2]),
    )  # fmt: skip


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


def _module(n: int) -> str:
    return "\n".join(
        f"def f{n}_{i}(x):\n    y = x * {i} + {n}\n    return [y + k for k in range({i})]\n"
        for i in range(400)
    )


def _cpu_of_tree(root: int) -> float:
    """CPU seconds (user + system) of *root* and its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])  # field 4 of stat: the parent's pid
        times[pid] = int(fields[11]) + int(fields[12])
    total = 0
    for pid, ticks in times.items():
        up = pid
        while up not in (root, 0, 1) and up in parents:
            up = parents[up]
        total += ticks if up == root else 0
    return total / tick


def _event_count(url: str) -> int:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return int(
                connection.exec_driver_sql("SELECT count(*) FROM install_events").scalar_one()
            )
    finally:
        db.close()


def _settled_event_count(url: str) -> int:
    """The install log's row count once the replicas' writers have caught up."""
    count, deadline = _event_count(url), time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(1.0)  # the writers linger 0.1 s, then write in batches
        now = _event_count(url)
        if now == count:
            break
        count = now
    return count


def _wrk(url: str, seconds: float, connections: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [WRK, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _wrk_result(proc: subprocess.Popen[str]) -> tuple[float, int]:
    """(requests/s, non-2xx answers and socket errors) of a finished `wrk`."""
    out, _ = proc.communicate()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if proc.returncode != 0 or rate is None:
        raise RuntimeError(f"wrk failed:\n{out}")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = sum(map(int, socket.groups())) if socket else 0
    errors += int(status.group(1)) if status else 0
    return float(rate.group(1)), errors


def time_replicas(url: str, postgres_pid: int, seconds: float, workdir: Path) -> list[str]:
    """Cached pages and scanned downloads per second on one replica, then on two.

    The same two `wrk` clients (one thread, 16 connections each) in both runs: both
    against replica A, then one against each replica. The replicas share the
    PostgreSQL database (downloads write install events to it); the CPU each part
    used during the run is reported beside the rate, since on a 2-core machine the
    clients and the database take cores from the web tier.
    """
    upstream = FakeUpstream(workdir / "up")
    upstream.add_release("pagepkg", "1.0", uploaded=OLD, sdist=False)
    upstream.start()
    env = {"PYCUSTOMS_DATABASE_URL": url, "PYCUSTOMS_SERVE_PRESCAN": "0"}
    replicas: list[ServerProcess] = []
    rows = []
    try:
        replicas = [ServerProcess(upstream.url, workdir / n, env=env) for n in ("a", "b")]
        page = httpx.get(
            replicas[0].index + "pagepkg/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            timeout=60,
        ).json()
        file_path = str(
            httpx.URL(replicas[0].index + "pagepkg/").join(page["files"][0]["url"]).path
        )
        for replica in replicas:  # cached page, scanned file: the runs only serve
            assert httpx.get(replica.index + "pagepkg/", timeout=60).status_code == 200
            assert httpx.get(replica.url + file_path, timeout=120).status_code == 200
        for kind, path in (("cached page", "/simple/pagepkg/"), ("download", file_path)):
            rates = []
            for targets in ((replicas[0], replicas[0]), (replicas[0], replicas[1])):
                events_before = _settled_event_count(url)
                before = [_cpu_of_tree(r.proc.pid) for r in replicas]
                db_before = _cpu_of_tree(postgres_pid)
                clients_before = os.times()
                procs = [_wrk(t.url + path, seconds, 16) for t in targets]
                results = [_wrk_result(p) for p in procs]
                clients = os.times()
                used = [_cpu_of_tree(r.proc.pid) - b for r, b in zip(replicas, before, strict=True)]
                db_used = _cpu_of_tree(postgres_pid) - db_before
                wrk_used = (clients.children_user + clients.children_system) - (
                    clients_before.children_user + clients_before.children_system
                )
                events = _settled_event_count(url) - events_before
                rate = sum(r for r, _ in results)
                errors = sum(e for _, e in results)
                rates.append(rate)
                count = len({id(t) for t in targets})
                cpu = ", ".join(f"{u / seconds:.2f}" for u in used[:count])
                rows.append(
                    f"| {kind}, {count} replica(s), 2 wrk x 16 connections, {seconds:g} s | "
                    f"{rate:,.0f} requests/s, {errors} errors; cores used: replica(s) {cpu}, "
                    f"PostgreSQL {db_used / seconds:.2f}, wrk {wrk_used / seconds:.2f}; "
                    f"{events:,} install events written | - |"
                )
            rows.append(
                f"| {kind}, 2 replicas / 1 replica | {rates[1] / rates[0]:.2f}x | "
                f">= {TARGET_REPLICAS:.1f}x where the web tier is the bottleneck |"
            )
    finally:
        for replica in replicas:
            replica.stop()
        upstream.stop()
    return rows


def time_scans(count: int, workdir: Path) -> list[str]:
    """Scans per second through the queue with one and two workers; table rows."""

    wheels = []
    for n in range(count):
        files = {f"scanpkg{n}/m{i}.py": _module(i + n * 1000) for i in range(300)}
        wheels.append(build_wheel(workdir, f"scanpkg{n}", "1.0", files))
    jobs = [
        ScanJob(hashlib.sha256(w.read_bytes()).hexdigest(), w.name, str(w), Policy())
        for w in wheels
    ]
    rows = []
    for workers in (1, 2):
        redis = LocalRedis()
        procs = []
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("PYCUSTOMS_")}
            for i in range(workers):
                log = (workdir / f"worker-{workers}-{i}.log").open("wb")
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "pycustoms", "worker", "--broker-url", redis.url,
                         "--concurrency", "1"],
                        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                    )
                )  # fmt: skip
            time.sleep(8)  # the workers import and connect; not measured
            remote = RemoteScans(redis.url)
            before = {p.pid: _cpu_of_tree(p.pid) for p in procs}
            redis_before = _cpu_of_tree(redis.proc.pid) if redis.proc else 0.0
            mine = time.process_time()
            start = time.perf_counter()
            ids = [remote.submit(job) for job in jobs]
            pending = set(ids)
            while pending:
                pending = {i for i in pending if remote.poll(i) is None}
                time.sleep(0.02)
            took = time.perf_counter() - start
            mine = time.process_time() - mine
            used = [_cpu_of_tree(p.pid) - before[p.pid] for p in procs]
            redis_used = (_cpu_of_tree(redis.proc.pid) if redis.proc else 0.0) - redis_before
            remote.close()
        finally:
            for p in procs:
                p.terminate()
                p.wait(30)
            redis.stop()
        cpu = ", ".join(f"{u:.1f} s" for u in used)
        rows.append(
            f"| scans through the queue, {workers} worker(s) x 1 process, {count} wheels "
            f"(300 modules, ~9 MB unpacked each) | {count / took:.2f} scans/s ({took:.1f} s); "
            f"CPU: workers {cpu}, Redis {redis_used:.1f} s, submitter {mine:.1f} s | - |"
        )
    return rows


def main() -> int:
    """Start PostgreSQL, measure, print and append to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--ingest", type=int, default=200_000, help="events for the ingest run")
    parser.add_argument("--runs", type=int, default=30, help="warm runs per query")
    parser.add_argument("--scans", type=int, default=24, help="wheels for the worker run")
    parser.add_argument(
        "--replicas", type=float, default=20, help="seconds per replica run (0: skip)"
    )
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    server = LocalPostgres(durable=True)
    lines = [
        f"PostgreSQL {server.bindir.parent.name} (own server, durable defaults, "
        "shared_buffers 128MB); load average at start "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine)",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    try:
        url = server.create_database("bench")
        if args.ingest:
            rate, queued, lost = time_ingest(url, args.ingest)
            lines.append(
                f"| ingestion, InstallLog (one COPY per batch of up to 5,000), "
                f"{args.ingest:,} events | "
                f"{rate:,.0f} events/s (queued in {queued:.2f} s, {lost} lost) | "
                f">= {TARGET_INGEST:,.0f}/s |"
            )
            many = time_executemany(url, min(args.ingest, 100_000))
            lines.append(
                f"| ingestion, executemany INSERT per 500 (before), "
                f"{min(args.ingest, 100_000):,} events | {many:,.0f} events/s | - |"
            )
        if args.events:
            took = generate(url, args.events)
            lines.append(
                f"| generated install log (not a measure of ingestion) | {args.events:,} events "
                f"in {took:.0f} s, indexes rebuilt | - |"
            )
            popular, rare = releases(url)
            # No window: the totals (migration 0016). A window (--since): the events.
            window = datetime(2026, 1, 1, tzinfo=UTC)
            cases = [
                ("most popular release", popular, None),
                ("rare release", rare, None),
                ("most popular release, --since (reads the events)", popular, window),
            ]
            for label, (project, version, count), since in cases:
                spec = Spec(ProjectName(project), version, since, None)
                cold, warm, envs, installs = time_query(url, spec, args.runs)
                assert installs == count, (installs, count)
                lines.append(
                    f"| incident, {label} ({project}=={version}: {count:,} events, "
                    f"{envs:,} environments) | cold {cold:.0f} ms, warm p50 "
                    f"{percentile(warm, 50):.0f} ms, p95 {percentile(warm, 95):.0f} ms | "
                    f"p95 <= {TARGET_P95_MS:.0f} ms |"
                )
        if args.replicas:
            assert server.proc is not None
            if WRK is None:
                lines.append(
                    "| replicas | not measured: no `wrk` (Debian: apt-get install wrk) | - |"
                )
            else:
                with tempfile.TemporaryDirectory(prefix="pycustoms-bench-replicas-") as tmp:
                    lines += time_replicas(url, server.proc.pid, args.replicas, Path(tmp))
        if args.scans:
            with tempfile.TemporaryDirectory(prefix="pycustoms-bench-scans-") as tmp:
                lines += time_scans(args.scans, Path(tmp))
    finally:
        server.stop()
    command = (
        f"benchmarks/cluster.py --events {args.events} --ingest {args.ingest} --scans {args.scans}"
        f" --replicas {args.replicas:g}"
    )
    body = "\n".join([f"Command: `.venv/bin/python -P {command}`", "", *lines])
    print(body)
    if not args.no_append:
        append_results("Cluster: PostgreSQL install log and incident query", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
