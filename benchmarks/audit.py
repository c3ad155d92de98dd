"""Benchmark `pycustoms audit` with the offline database: 150-package pylock.toml and requirements.

    .venv/bin/python -P benchmarks/audit.py OSV_DIR   # e.g. a checkout of the PyPA advisory database

Measures the import of the whole advisory set, then warm audits (--no-index) of
generated inputs whose names come from the imported set, and peak memory.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from pycustoms.audit.formats import render
from pycustoms.audit.inputs import read_input
from pycustoms.audit.pipeline import AuditOptions, run_audit
from pycustoms.audit.settings import AuditSettings
from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.db.advisories import AdvisoryRecordRow
from pycustoms.vulns.offline import OfflineSource
from pycustoms.vulns.osv_import import import_osv

# -P keeps benchmarks/inspect.py from shadowing the standard library; _common is appended.
sys.path.append(str(Path(__file__).parent))
from _common import append_results, peak_rss_mb


def main(osv_dir: Path) -> None:
    work = Path(tempfile.mkdtemp())
    db = Database(f"sqlite:///{work / 'db.sqlite'}").open()
    start = time.perf_counter()
    summary = import_osv(db, osv_dir)
    import_s = time.perf_counter() - start
    with db.session() as session:
        names = sorted(set(session.scalars(select(AdvisoryRecordRow.package))))[:150]
    digest = "ab" * 32
    (work / "requirements.txt").write_text(
        "".join(f"{n}==1.0.0 --hash=sha256:{digest}\n" for n in names)
    )
    pylock = ['lock-version = "1.0"\ncreated-by = "bench"\n']
    for n in names:
        pylock.append(
            f'[[packages]]\nname = "{n}"\nversion = "1.0.0"\n'
            f'wheels = [{{ name = "{n}-1.0.0-py3-none-any.whl", hashes = {{ sha256 = "{digest}" }} }}]\n'
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
    own, _ = peak_rss_mb()
    body = "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| import {summary.files} OSV files ({summary.records} records) | {import_s:.2f} s "
            "| <= 10 s |",
            *rows,
            f"| peak RSS of the whole run | {own:.0f} MB | bounded |",
        ]
    )
    print(body)
    append_results("audit", body)
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
