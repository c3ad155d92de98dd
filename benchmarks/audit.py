"""Benchmark `pycustoms audit` with the offline database: 150-package pylock.toml, requirements.

    # OSV_DIR: a directory or zip of OSV records (default: the PyPA advisory
    # database in ../shared/data beside the repository)
    .venv/bin/python benchmarks/audit.py [OSV_DIR]

Measures the import of the whole advisory set (and the peak memory it took),
then warm audits (--no-index) of generated inputs whose names come from the
imported set, then one audit of a 150-package lock with the index checks on
(hashes, names, release risk, licences) against the tests' fake index on
127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from pycustoms.analyzers.release import ReleasePolicy
from pycustoms.audit.formats import render
from pycustoms.audit.indexcheck import IndexChecker
from pycustoms.audit.inputs import read_input
from pycustoms.audit.pipeline import AuditOptions, run_audit
from pycustoms.audit.settings import AuditSettings
from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryRecordRow
from pycustoms.upstream.client import UpstreamClient
from pycustoms.upstream.parse import now_utc
from pycustoms.vulns.offline import OfflineSource
from pycustoms.vulns.osv_import import import_osv

sys.path.append(str(Path(__file__).parent))
sys.path.append(str(Path(__file__).parent.parent))  # for the tests' fake index
from _common import append_results, peak_rss_mb
from tests.fake_upstream import FakeUpstream


def index_row(work: Path, db: Database) -> str:
    """Audit a 150-package pylock.toml with index checks against the fake index."""
    old = datetime.now(UTC) - timedelta(days=400)
    with FakeUpstream(work / "fake") as upstream:
        packages = []
        for number in range(150):
            name = f"benchpkg-{number:03d}"
            upstream.add_project(name, license_expression="MIT")
            data = f"wheel of {name}".encode()
            upstream.add_file(
                name,
                "1.0.0",
                f"{name.replace('-', '_')}-1.0.0-py3-none-any.whl",
                data,
                uploaded=old,
            )
            digest = hashlib.sha256(data).hexdigest()
            packages.append(
                f'[[packages]]\nname = "{name}"\nversion = "1.0.0"\n'
                f'wheels = [{{ name = "{name}-1.0.0-py3-none-any.whl", '
                f'hashes = {{ sha256 = "{digest}" }} }}]\n'
            )
        (work / "index" / "pylock.toml").parent.mkdir()
        (work / "index" / "pylock.toml").write_text(
            'lock-version = "1.0"\ncreated-by = "bench"\n' + "\n".join(packages)
        )
        timings = []
        for _ in range(3):
            begin = time.perf_counter()
            with UpstreamClient(upstream.url) as client:
                checker = IndexChecker(client, Policy(), ReleasePolicy(), now_utc())
                report = run_audit(
                    [read_input(work / "index" / "pylock.toml")],
                    policy=Policy(),
                    settings=AuditSettings(),
                    sources=[OfflineSource(db)],
                    index=checker,
                    options=AuditOptions(),
                )
            render("json", report, io.StringIO())
            timings.append(time.perf_counter() - begin)
        requests = len(upstream.requests) // 3
    licensed = sum(1 for r in report.results if r.license == "MIT")
    return (
        f"| audit pylock.toml, 150 packages, offline DB + index checks against the fake index "
        f"on 127.0.0.1 (best of 3; {requests} requests per run; {licensed} licences found) "
        f"| {min(timings) * 1000:.0f} ms | informative |"
    )


def main(osv_dir: Path) -> None:
    work = Path(tempfile.mkdtemp())
    db = Database(f"sqlite:///{work / 'db.sqlite'}").open()
    start = time.perf_counter()
    summary = import_osv(db, osv_dir)
    import_s = time.perf_counter() - start
    import_rss, _ = peak_rss_mb()
    with db.session() as session:
        names = sorted(set(session.scalars(select(AdvisoryRecordRow.package))))[:150]
    digest = "ab" * 32
    (work / "requirements.txt").write_text(
        "".join(f"{n}==1.0.0 --hash=sha256:{digest}\n" for n in names)
    )
    pylock = ['lock-version = "1.0"\ncreated-by = "bench"\n']
    pylock.extend(
        f'[[packages]]\nname = "{n}"\nversion = "1.0.0"\n'
        f'wheels = [{{ name = "{n}-1.0.0-py3-none-any.whl", '
        f'hashes = {{ sha256 = "{digest}" }} }}]\n'
        for n in names
    )
    (work / "pylock.toml").write_text("\n".join(pylock))
    rows = []
    for name in ("pylock.toml", "requirements.txt"):
        timings = []
        for _ in range(5):
            begin = time.perf_counter()
            item = read_input(work / name)
            report = run_audit(
                [item],
                policy=Policy(),
                settings=AuditSettings(),
                sources=[OfflineSource(db)],
                index=None,
                options=AuditOptions(),
            )
            render("json", report, io.StringIO())
            timings.append(time.perf_counter() - begin)
        vulnerable = sum(1 for r in report.results if r.advisories)
        rows.append(
            f"| audit {name}, 150 packages, offline DB (warm, best of 5; {vulnerable} vulnerable) "
            f"| {min(timings[1:]) * 1000:.0f} ms | <= 1 s |"
        )
    rows.append(index_row(work, db))
    own, _ = peak_rss_mb()
    body = "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| import {summary.files} OSV files ({summary.records} records) | {import_s:.2f} s "
            "| <= 10 s |",
            f"| peak RSS after the import | {import_rss:.0f} MB | bounded |",
            *rows,
            f"| peak RSS of the whole run | {own:.0f} MB | bounded |",
        ]
    )
    print(body)
    append_results("audit", body)
    db.close()


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "pypa-advisory-db"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
