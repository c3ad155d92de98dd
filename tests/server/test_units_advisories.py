"""Advisory blocks, first-seen times, the block-vulnerabilities setting, wheel METADATA."""

from __future__ import annotations

import contextlib
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from packaging.version import Version

from pycustoms.config import Policy
from pycustoms.db import Database
from pycustoms.errors import ConfigError
from pycustoms.server.advisories import AdvisoryBook, release_blocks
from pycustoms.server.firstseen import FirstSeen
from pycustoms.server.settings import load_server_config
from pycustoms.server.sources import UpstreamSource
from pycustoms.server.wheelmeta import early_metadata, wheel_metadata
from pycustoms.types import ProjectName, Severity
from pycustoms.upstream.client import ClientOptions
from pycustoms.vulns.match import OsvRecord
from pycustoms.vulns.osv_import import import_osv
from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream

V = [Version(v) for v in ("1.0", "1.1", "2.0", "2.1")]
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def _record(ident: str, ranges: list[dict[str, str]], vector: str | None = None) -> OsvRecord:
    severity = ({"type": "CVSS_V3", "score": vector},) if vector else ()
    return OsvRecord(
        id=ident,
        package="demo",
        aliases=(),
        summary=f"about {ident}",
        ranges=({"type": "ECOSYSTEM", "events": ranges},),
        versions=(),
        severity=severity,
    )


def test_malware_always_blocks_vulnerabilities_only_at_the_threshold() -> None:
    malware = _record("MAL-2026-7", [{"introduced": "1.1"}, {"fixed": "2.0"}])
    vuln = _record("GHSA-x", [{"introduced": "0"}, {"fixed": "2.1"}], CRITICAL)
    unrated = _record("PYSEC-y", [{"introduced": "2.1"}])  # no score: medium, "unknown"
    off = release_blocks([malware, vuln, unrated], V, None)
    assert set(off) == {Version("1.1")}
    assert off[Version("1.1")].rule == "vulns/malicious"
    assert "MAL-2026-7" in off[Version("1.1")].reason
    high = release_blocks([malware, vuln, unrated], V, Severity.HIGH)
    assert {v: b.rule for v, b in high.items()} == {
        Version("1.0"): "vulns/known-vulnerability",
        Version("1.1"): "vulns/malicious",  # malware wins over the vulnerability
        Version("2.0"): "vulns/known-vulnerability",
    }
    assert "GHSA-x (critical)" in high[Version("1.0")].reason
    medium = release_blocks([unrated], V, Severity.MEDIUM)
    assert set(medium) == {Version("2.1")}


def test_advisory_book_reads_records_and_versions_imports(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}").open()
    book = AdvisoryBook(db, check_every=0.05)
    try:
        assert book.version == 0
        folder = tmp_path / "osv"
        folder.mkdir()
        (folder / "MAL-1.json").write_text(
            '{"id": "MAL-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "Demo"},'
            ' "versions": ["1.0"]}]}'
        )
        import_osv(db, folder)
        deadline = time.monotonic() + 5
        while book.version == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert book.version == 1
        blocks = book.blocks(ProjectName("demo"), V, None)
        assert list(blocks) == [Version("1.0")]
        assert book.blocks(ProjectName("other"), V, Severity.LOW) == {}
    finally:
        book.close()
        db.close()


def test_first_seen_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    db = Database(url).open()
    then = datetime(2026, 1, 1, tzinfo=UTC)
    seen = FirstSeen(db)
    first = seen.times(ProjectName("demo"), ["a.whl", "b.whl"], then)
    assert first == {"a.whl": then, "b.whl": then}
    seen.close()  # written by a thread of its own: what the server does when it stops
    db.close()
    db = Database(url).open()
    later = then + timedelta(days=3)
    again = FirstSeen(db).times(ProjectName("demo"), ["a.whl", "c.whl"], later)
    assert again == {"a.whl": then, "c.whl": later}
    assert FirstSeen(db).times(ProjectName("other"), ["a.whl"], later) == {"a.whl": later}
    db.close()


def test_block_vulnerabilities_setting(tmp_path: Path) -> None:
    path = tmp_path / "pycustoms.toml"
    path.write_text('[serve]\nblock-vulnerabilities = "high"\n')
    assert load_server_config(config_file=path, environ={}).serve.block_vulnerabilities == (
        Severity.HIGH
    )
    env = {"PYCUSTOMS_SERVE_BLOCK_VULNERABILITIES": "off"}
    assert load_server_config(config_file=path, environ=env).serve.block_vulnerabilities is None
    with pytest.raises(ConfigError, match="BLOCK_VULNERABILITIES"):
        load_server_config(
            config_file=path, environ={"PYCUSTOMS_SERVE_BLOCK_VULNERABILITIES": "bad"}
        )


def test_wheel_metadata_is_read_safely(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/__init__.py": "X = 1\n"})
    assert wheel_metadata(wheel, Policy()) == b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
    (tmp_path / "two").mkdir()
    doubled = build_wheel(
        tmp_path / "two", "demo", "1.0", {"other-1.0.dist-info/METADATA": "Name: other\n"}
    )
    assert wheel_metadata(doubled, Policy()) is None  # two candidates: refuse to guess
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert wheel_metadata(broken, Policy()) is None


def test_wheel_metadata_of_an_unreadable_member_is_none(tmp_path: Path) -> None:
    # METADATA stored with a compression method zipfile does not know: no metadata, no error.
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/__init__.py": "X = 1\n"})
    raw = bytearray(wheel.read_bytes())
    member = b"demo-1.0.dist-info/METADATA"
    local = raw.find(member) - 30
    central = raw.find(member, local + 31) - 46
    assert raw[local : local + 4] == b"PK\x03\x04"
    assert raw[central : central + 4] == b"PK\x01\x02"
    raw[local + 8 : local + 10] = (97).to_bytes(2, "little")
    raw[central + 10 : central + 12] = (97).to_bytes(2, "little")
    wheel.write_bytes(bytes(raw))
    assert wheel_metadata(wheel, Policy()) is None
    assert early_metadata(wheel, wheel.name, Policy()) is None


def test_wheel_metadata_ignores_what_else_the_wheel_holds(tmp_path: Path) -> None:
    # A nested archive (python-dateutil ships a zoneinfo tarball) is the scan's business.
    wheel = build_wheel(tmp_path, "zones", "1.0", {"zones/data.tar.gz": b"\x1f\x8b" + b"\0" * 300})
    assert wheel_metadata(wheel, Policy()) == b"Metadata-Version: 2.1\nName: zones\nVersion: 1.0\n"


def _early(tmp_path: Path, sub: str, extra: str = "", name: str = "demo") -> bytes | None:
    (tmp_path / sub).mkdir()
    wheel = build_wheel(tmp_path / sub, name, "1.0", {"demo/a.py": "A = 1\n"}, metadata_extra=extra)
    return early_metadata(wheel, "demo-1.0-py3-none-any.whl", Policy())


def test_early_metadata_is_only_plain_metadata_of_the_file(tmp_path: Path) -> None:
    plain = _early(tmp_path, "plain", "Requires-Dist: requests>=2; extra == 'web'\n")
    assert plain is not None
    assert plain.startswith(b"Metadata-Version: 2.1\nName: demo\n")
    # A dependency at a URL: an installer would fetch it from there, past the firewall.
    assert _early(tmp_path, "url", "Requires-Dist: x @ https://198.51.100.7/x.whl\n") is None
    # Metadata of another project than the file's name says.
    assert _early(tmp_path, "other", name="someone-else") is None
    # Unparseable dependencies.
    assert _early(tmp_path, "bad", "Requires-Dist: !!not a requirement\n") is None


def test_early_metadata_with_non_ascii_headers_is_refused_quietly(tmp_path: Path) -> None:
    for body in (
        b"Metadata-Version: 2.1\nName: demo\xff\nVersion: 1.0\n",
        b"Metadata-Version: 2.1\nName: d\xc3\xa9mo\nVersion: 1.0\n",
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: x\xff\n",
    ):
        wheel = tmp_path / "demo-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("demo/__init__.py", "X = 1\n")
            archive.writestr("demo-1.0.dist-info/METADATA", body)
        assert wheel_metadata(wheel, Policy()) == body  # after the scan: served as it is
        assert early_metadata(wheel, wheel.name, Policy()) is None  # before: not plain


PROJECTS = ("one", "two", "three", "four")


@contextlib.contextmanager
def _untimed_pages(tmp_path: Path, *, json_api: bool) -> Iterator[FakeUpstream]:
    """An upstream whose pages give no upload times, each page then asked for its times."""
    fake = FakeUpstream(tmp_path / "up")
    fake.upload_times = False
    fake.json_api = json_api
    for name in PROJECTS:
        fake.add_release(name, "1.0", uploaded=datetime(2025, 1, 1, tzinfo=UTC), sdist=False)
    fake.start()
    source = UpstreamSource(fake.url, tmp_path / "cache", ClientOptions(retries=0))
    try:
        for name in PROJECTS:
            page = source.page(ProjectName(name))
            assert source.api_times(ProjectName(name), page) == {}
        yield fake
    finally:
        source.close()
        fake.stop()


def test_an_upstream_without_a_json_api_is_asked_three_times_only(tmp_path: Path) -> None:
    with _untimed_pages(tmp_path, json_api=False) as fake:  # a plain mirror
        asked = [path for _, path, _ in fake.requests_to("/pypi/")]
        assert asked == ["/pypi/one/json", "/pypi/two/json", "/pypi/three/json"]


def test_an_upstream_with_a_json_api_is_asked_for_each_untimed_page(tmp_path: Path) -> None:
    with _untimed_pages(tmp_path, json_api=True) as fake:  # no times anywhere, but it answers
        assert len(fake.requests_to("/pypi/")) == 4
