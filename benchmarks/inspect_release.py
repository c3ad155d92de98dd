"""Benchmark `inspect` against the fake upstream (see docs/upstream.md).

    .venv/bin/python benchmarks/inspect_release.py [--append]

Targets: inspect of a cached project <= 50 ms; a project with 2,000 releases and
20,000 files parsed and judged <= 200 ms; memory per cached project page bounded.
"Cached" is measured both inside the freshness window (`upstream.max-age`, the
CLI default; no request) and with revalidation on every call (max-age 0, ETag 304).
The end-to-end row runs `python -m pycustoms inspect` in a new process.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The fake upstream lives in the tests package at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from tests.fake_upstream import FakeUpstream

from pycustoms.analyzers.release import ReleasePolicy, analyze_release, assemble
from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.inspection import inspect_release
from pycustoms.policy import decide
from pycustoms.upstream.cache import HttpCache
from pycustoms.upstream.client import ClientOptions, UpstreamClient
from pycustoms.upstream.parse import parse_simple_json, parse_simple_json_index
from pycustoms.upstream.settings import UpstreamSettings

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _timed(fn: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _cli(index_url: str, workdir: Path) -> float:
    """Median wall time of the CLI in a new process, cache warm (first run not counted)."""
    command = [sys.executable, "-m", "pycustoms", "inspect", "small==1.19", "--index-url",
               index_url, "--data-dir", str(workdir / "cli"), "--format", "json"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    def run() -> None:
        subprocess.run(command, env=env, check=False, capture_output=True)

    run()
    return _timed(run, 5)


def _open_db(workdir: Path) -> float:
    """Median wall time of a new process that imports pycustoms.db and opens a current database."""
    url = f"sqlite:///{workdir / 'open.sqlite'}"
    code = f"from pycustoms.db import Database; Database({url!r}).open().close()"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    def run() -> None:
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)

    run()  # creates and migrates it
    return _timed(run, 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--append", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeUpstream(Path(tmp)) as up:
        up.add_project("small", owners=["a"], urls={"Source": "https://git.example/s"})
        for i in range(20):
            up.add_release("small", f"1.{i}", uploaded=NOW - timedelta(days=400 - i))
        up.add_project("huge", owners=["a"], urls={"Source": "https://git.example/h"})
        for r in range(2_000):
            when = NOW - timedelta(days=3_000 - r)
            for f in range(10):
                version = f"{r // 100}.{r % 100}.0"
                filename = f"huge-{version}-cp3{f}-cp3{f}-manylinux_2_17_x86_64.whl"
                up.add_file("huge", version, filename, b"x%d-%d" % (r, f), uploaded=when)
        db = Database(f"sqlite:///{tmp}/db.sqlite").open()
        cache = HttpCache(Path(tmp) / "cache")
        fresh = UpstreamClient(
            up.url, cache=cache, options=ClientOptions(max_age=UpstreamSettings().max_age)
        )
        strict = UpstreamClient(up.url, cache=cache, options=ClientOptions(max_age=0.0))
        policy, release = Policy(), ReleasePolicy()

        def inspect(client: UpstreamClient, name: str, version: str) -> None:
            inspect_release(client, name, version, policy=policy, release_policy=release,
                            now=NOW, db=db)  # fmt: skip

        timings: dict[str, float] = {}
        for label, client in (("fresh", fresh), ("304", strict)):
            inspect(client, "small", "1.19")
            inspect(client, "huge", "19.99.0")
            timings[f"small {label}"] = _timed(lambda c=client: inspect(c, "small", "1.19"), 30)
            timings[f"huge {label}"] = _timed(lambda c=client: inspect(c, "huge", "19.99.0"), 5)
        body = up.simple_json(up.projects["huge"])

        def parse_and_judge() -> None:
            index = parse_simple_json_index(body, up.url + "huge/")
            facts = assemble(index, "19.99.0")
            assert facts is not None
            assert len(index) == 20_000
            decide(analyze_release(facts, release, NOW), policy)

        def parse_whole_page() -> None:
            assert len(parse_simple_json(body, up.url + "huge/").files) == 20_000

        judged = _timed(parse_and_judge, 5)
        whole = _timed(parse_whole_page, 5)
        tracemalloc.start()
        index = parse_simple_json_index(body, up.url + "huge/")
        memory = tracemalloc.get_traced_memory()[0] / 1024**2
        tracemalloc.stop()
        del index
        end_to_end = _cli(up.url, Path(tmp))
        open_db = _open_db(Path(tmp))
        fresh.close()
        strict.close()
        db.close()
    mib = f"({len(body) / 1024**2:.1f} MiB body)"
    rows = [
        ("inspect, cached project (20 releases, fresh: no request)",
         f"{timings['small fresh']:.1f} ms", "<= 50 ms"),
        ("inspect, cached project (20 releases, ETag 304)",
         f"{timings['small 304']:.1f} ms", "<= 50 ms"),
        ("inspect, cached project (2,000 releases, 20,000 files, fresh)",
         f"{timings['huge fresh']:.1f} ms", "<= 50 ms"),
        ("inspect, cached project (2,000 releases, 20,000 files, ETag 304)",
         f"{timings['huge 304']:.1f} ms", "-"),
        ("parse + judge 2,000 releases / 20,000 files (JSON)", f"{judged:.1f} ms", "<= 200 ms"),
        ("parse that page into a whole ProjectPage (20,000 IndexFile)", f"{whole:.1f} ms", "-"),
        ("memory of that parsed page (ReleaseIndex)", f"{memory:.1f} MiB {mib}",
         "bounded: pages > 64 MiB refused"),
        ("`python -m pycustoms inspect small==1.19`, new process, cached",
         f"{end_to_end:.0f} ms", "-"),
        ("new process: import pycustoms.db, open a current database (no alembic)",
         f"{open_db:.0f} ms", "-"),
    ]  # fmt: skip
    table = ["| measure | result | target |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    print("\n".join(table))
    if args.append:
        cpu = platform.processor() or platform.system()
        machine = f"{platform.machine()}, {cpu}, py{platform.python_version()}"
        section = (
            f"\n## inspect ({datetime.now(UTC):%Y-%m-%d}, {machine})\n\n" + "\n".join(table) + "\n"
        )
        with (Path(__file__).parent / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(section)


if __name__ == "__main__":
    main()
