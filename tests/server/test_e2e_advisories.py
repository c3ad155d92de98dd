"""Advisories under a running server: an OSV import hides malware and, if asked, vulnerabilities.

Also the PEP 658 fallback: the fake upstream advertises metadata files it does
not serve, so every pip install here reads METADATA from the scanned wheel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fake_upstream import FakeUpstream
from tests.server.serverproc import ServerProcess, clean_env, eventually, pip_install

pytestmark = pytest.mark.slow
OLD = datetime.now(UTC) - timedelta(days=60)
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"  # 9.1: critical
LOW = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.8: low


def _osv(
    ident: str, name: str, versions: list[str], vector: str | None = None
) -> dict[str, object]:
    record: dict[str, object] = {
        "id": ident,
        "modified": "2026-01-01T00:00:00Z",
        "summary": f"{ident} in {name}",
        "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": versions}],
    }
    if vector:
        record["severity"] = [{"type": "CVSS_V3", "score": vector}]
    return record


def _import(data: Path, records: list[dict[str, object]], folder: Path) -> None:
    folder.mkdir()
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    subprocess.run(
        [sys.executable, "-m", "pycustoms", "db", "import-osv", str(folder), "--data-dir",
         str(data)],
        capture_output=True, text=True, env=clean_env(), cwd=data, check=True,
    )  # fmt: skip


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FakeUpstream]:
    fake = FakeUpstream(tmp_path / "up")
    fake.add_release("malpkg", "1.0", uploaded=OLD, sdist=False)
    fake.add_release("malpkg", "1.1", uploaded=OLD, sdist=False)
    for version in ("1.0", "2.0", "3.0"):
        fake.add_release("vulnpkg", version, uploaded=OLD, sdist=False)
    fake.start()
    yield fake
    fake.stop()


def _versions(server: ServerProcess, name: str) -> list[str]:
    versions: list[str] = httpx.get(server.index + f"{name}/", headers=JSON).json()["versions"]
    return versions


def test_malware_report_hides_the_release_and_pip_gets_the_previous(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    config = tmp_path / "pycustoms.toml"
    config.write_text('[serve]\nblock-vulnerabilities = "high"\n')
    data = tmp_path / "data"
    server = ServerProcess(upstream.url, data, config=config, env={"PYCUSTOMS_SERVE_PRESCAN": "0"})
    try:
        page = httpx.get(server.index + "malpkg/", headers=JSON).json()
        assert page["versions"] == ["1.0", "1.1"]  # cached now: the import must invalidate it
        bad = next(f for f in page["files"] if "-1.1-" in f["filename"])
        bad_url = str(httpx.URL(server.index + "malpkg/").join(bad["url"]))
        assert _versions(server, "vulnpkg") == ["1.0", "2.0", "3.0"]
        _import(
            data,
            [
                _osv("MAL-2026-1", "malpkg", ["1.1"]),
                _osv("GHSA-aaaa-bbbb-cccc", "vulnpkg", ["2.0"], HIGH),
                _osv("PYSEC-2026-2", "vulnpkg", ["3.0"], LOW),
            ],
            tmp_path / "osv",
        )
        assert eventually(lambda: _versions(server, "malpkg") == ["1.0"])
        refused = httpx.get(bad_url)
        assert refused.status_code == 403
        assert refused.json()["rule"] == "vulns/malicious"
        assert "MAL-2026-1" in refused.reason_phrase
        assert _versions(server, "vulnpkg") == ["1.0", "3.0"]  # low stays, critical goes
        target = tmp_path / "target"
        done = pip_install(server.index, target, "malpkg")
        assert done.returncode == 0, done.stdout + done.stderr
        assert {p.name for p in target.glob("*.dist-info")} == {"malpkg-1.0.dist-info"}
        # The upstream's metadata files are never asked for: pip got the METADATA of the
        # scanned wheel itself.
        assert not any(r[1].endswith(".metadata") for r in upstream.requests_to("/files/"))
        metadata = httpx.get(
            str(httpx.URL(server.index + "malpkg/").join(page["files"][0]["url"])) + ".metadata"
        )
        assert metadata.status_code == 200
        assert metadata.text.startswith("Metadata-Version: 2.1\nName: malpkg\nVersion: 1.0")
    finally:
        server.stop()
