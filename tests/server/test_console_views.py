"""The console's read models, charts, times and error negotiation on a real SQLite database.

The end-to-end tests (`test_e2e_console.py`, `test_browser_console.py`) only see today;
here events lie on several days, so that the per-day buckets, the exposure ranking and
the search's wildcard handling are checked exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pycustoms.db.console import IncidentRow, QuarantineDecisionRow, ReleaseBlockRow
from pycustoms.db.firewall import InstallEventRow, ScanVerdictRow
from pycustoms.db.session import Database
from pycustoms.server.console import catalog, overview
from pycustoms.server.console.charts import day_chart, meter
from pycustoms.server.console.problems import wants_html
from pycustoms.server.console.view import ago, when

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    yield database
    database.close()


def _install(env: str, project: str, version: str, sha: str, at: datetime) -> InstallEventRow:
    return InstallEventRow(
        at=at, environment=env, client="127.0.0.1", installer="pip", installer_version="24",
        project=project, version=version, filename=f"{project}-{version}-py3-none-any.whl",
        sha256=sha,
    )  # fmt: skip


def _verdict(filename: str, decision: str, at: datetime, reason: str = "") -> ScanVerdictRow:
    return ScanVerdictRow(
        sha256=filename.ljust(64, "0")[:64], filename=filename, decision=decision,
        score=100 if decision == "block" else 0, reasons=[reason] if reason else [],
        rules=[], scanned_at=at,
    )  # fmt: skip


def _block(project: str, version: str, reason: str, at: datetime) -> ReleaseBlockRow:
    return ReleaseBlockRow(
        project=project, version=version, sha256=None, source="manual", reason=reason,
        actor="root", at=at,
    )  # fmt: skip


@pytest.fixture
def history(db: Database) -> Database:
    """Three installs two days ago, one today; a block yesterday; two quarantines."""
    day = timedelta(days=1)
    bad = "evil_thing-1.0-py3-none-any.whl"
    rows = [
        _install("ci", "left-pad", "1.0", "a" * 64, NOW - 2 * day),
        _install("ci", "left-pad", "1.0", "a" * 64, NOW - 2 * day + timedelta(hours=1)),
        _install("laptop", "left-pad", "1.0", "a" * 64, NOW - 2 * day),
        _install("laptop", "evil-thing", "1.0", bad.ljust(64, "0")[:64], NOW),
        _install("old", "left-pad", "0.9", "b" * 64, NOW - 30 * day),  # outside the window
        _verdict(bad, "block", NOW, "critical finding(s): code/exfiltration"),
        _verdict("other-2.0-py3-none-any.whl", "block", NOW - day, "critical finding(s): code/exfiltration"),
        _verdict("left_pad-1.0-py3-none-any.whl", "allow", NOW - 2 * day),
        _verdict("warned-1.0.tar.gz", "warn", NOW - day),
        _block("left-pad", "1.0", "maintainer account taken over", NOW - day),
        IncidentRow(project="left-pad", version="1.0", source="manual", reason="taken over",
                    detected_at=NOW - day, environments=2, summary={}),
        QuarantineDecisionRow(sha256=bad.ljust(64, "0")[:64], decision="approve",
                              reason="vetted", actor="alice", at=NOW),
    ]  # fmt: skip
    with db.session() as session, session.begin():
        session.add_all(rows)
    return db


def test_trends_count_each_utc_day_of_the_window(history: Database) -> None:
    installs, blocks, quarantined = overview.trends(history, NOW, days=7)
    assert installs.days[0][0].isoformat() == "2026-03-08"
    assert installs.days[-1][0].isoformat() == "2026-03-14"
    assert dict(installs.days)[(NOW - timedelta(days=2)).date()] == 3
    assert (installs.total, installs.today) == (4, 1)  # the 30-day-old install is outside
    assert (blocks.total, blocks.today) == (1, 0)
    assert (quarantined.total, quarantined.today) == (2, 1)


def test_top_reasons_rank_scanner_and_release_blocks(history: Database) -> None:
    reasons = overview.top_reasons(history)
    assert reasons[0] == {
        "source": "scanner", "reason": "critical finding(s): code/exfiltration", "count": 2,
    }  # fmt: skip
    assert reasons[1]["reason"] == "maintainer account taken over"


def test_exposure_ranks_environments_by_flagged_releases(history: Database) -> None:
    ranked = overview.exposure(history)
    assert [x["environment"] for x in ranked] == ["laptop", "ci"]  # "old" installed 0.9
    laptop = {r["release"]: r["why"] for r in ranked[0]["releases"]}
    assert laptop == {
        "evil-thing==1.0": ["scanner block, approved"],
        "left-pad==1.0": ["blocked (manual)", "incident"],
    }
    assert ranked[1]["installs"] == 2


def test_package_search_matches_normalised_names_and_escapes_wildcards(
    history: Database,
) -> None:
    rows, total = catalog.packages(history, "LEFT_PAD")
    assert (total, rows[0]["project"]) == (1, "left-pad")
    assert rows[0]["installs"] == 4
    assert rows[0]["blocked_releases"] == 1
    assert catalog.packages(history, "%")[1] == 0  # a wildcard is a character here
    assert catalog.packages(history, "l%d")[1] == 0
    assert catalog.packages(history, "left.pad")[1] == 1  # `.`, `_`, `-` are one separator
    names = [r["project"] for r in catalog.packages(history, "", catalog.Sort.NAME)[0]]
    assert names == sorted(names)
    assert {"evil-thing", "left-pad", "other", "warned"} <= set(names)
    flagged = [r["project"] for r in catalog.packages(history, "", catalog.Sort.FLAGGED)[0]]
    assert flagged[0] == "left-pad"  # a blocked release and an incident
    assert catalog.packages(history, "", limit=2)[1] > 2


def test_a_chart_is_accessible_and_escapes_its_text() -> None:
    days = tuple((NOW.date() - timedelta(days=2 - i), n) for i, n in enumerate((0, 5, 2)))
    chart = str(day_chart(overview.Series("Installs <b>", "installs", days)))
    assert chart.count("<rect ") == 3
    assert '<svg role="img" aria-labelledby="chart-installs-b-t chart-installs-b-d"' in chart
    assert '<title id="chart-installs-b-t">Installs &lt;b&gt; per day' in chart
    assert "7 installs in 3 days; 2 today; most 5 on 2026-03-13." in chart
    assert "<b>" not in chart
    assert "<tr><td>2026-03-13</td><td>5</td></tr>" in chart  # the numbers as text
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"><title>', chart)]
    assert heights[0] == 0
    assert heights[1] > heights[2] > 0
    assert 'width="0.0"' in str(meter(0, 0))


def test_times_read_as_people_read_them() -> None:
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert ago(NOW - timedelta(hours=3, minutes=59), NOW) == "3 h ago"
    assert ago(NOW - timedelta(days=1), NOW) == "1 day ago"
    assert ago(NOW - timedelta(days=9), NOW) == "9 days ago"
    assert ago(NOW + timedelta(hours=2), NOW) == "in 2 h"
    shown = str(when("2026-03-14T09:30:12.123456Z"))
    assert '<time datetime="2026-03-14T09:30:12.123456Z"' in shown
    assert ">2026-03-14 09:30 UTC</time>" in shown
    assert str(when(None)) == "-"
    assert str(when("<not a time>")) == "&lt;not a time&gt;"


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("*/*", False),
        (None, False),
        ("application/json", False),
        ("application/problem+json, text/html;q=0.1", False),
        ("text/html;q=0", False),
        ("application/json;q=0.5, text/html", True),
    ],
)
def test_browsers_are_told_apart_from_api_clients(accept: str | None, html: bool) -> None:
    assert wants_html(accept) is html
