"""`pycustoms provenance`, `pycustoms trust` and `inspect` with continuity, end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pycustoms.analyzers.provenance.model import FileProvenance, Publisher, Status
from pycustoms.cli import main
from pycustoms.db import Database
from pycustoms.db.provenance import record_provenance
from tests.fake_upstream import FakeUpstream
from tests.provenance.helpers import ASSETS, GITHUB_FILE, GITHUB_REPO, data, outdated, provenance

T0 = datetime(2024, 12, 5, tzinfo=UTC)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["provenance", *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_verifies_a_local_file_against_its_provenance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _run(capsys, str(ASSETS / GITHUB_FILE), "--provenance",
                        str(ASSETS / f"{GITHUB_FILE}.provenance"), "--data-dir", str(tmp_path))  # fmt: skip
    assert code == 0
    assert report["verified"] is True
    assert report["publisher"] == {"kind": "GitHub", "repository": GITHUB_REPO,
                                   "workflow": "release.yml", "environment": None}  # fmt: skip


def test_tampered_file_and_wrong_identity_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = tmp_path / GITHUB_FILE
    changed.write_bytes(data(GITHUB_FILE) + b"\0")
    prov = str(ASSETS / f"{GITHUB_FILE}.provenance")
    code, report = _run(capsys, str(changed), "--provenance", prov, "--data-dir", str(tmp_path))
    assert (code, report["verified"]) == (1, False)
    assert "does not match" in str(report["reason"])
    code, report = _run(capsys, str(ASSETS / GITHUB_FILE), "--provenance", prov,
                        "--expect-repository", "evil/fork", "--data-dir", str(tmp_path))  # fmt: skip
    assert (code, report["verified"]) == (1, False)


def test_outdated_root_exits_3_and_trust_update_installs_a_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = outdated(tmp_path)
    data_dir = tmp_path / "data"
    assert main(["trust", "update", "--from", str(old.path), "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    prov = str(ASSETS / f"{GITHUB_FILE}.provenance")
    code, report = _run(capsys, str(ASSETS / GITHUB_FILE), "--provenance", prov,
                        "--data-dir", str(data_dir))  # fmt: skip
    assert code == 3
    assert "trust update" in str(report["reason"])
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["trust", "update", "--from", str(bad), "--data-dir", str(data_dir)]) == 3
    assert main(["trust", "show", "--data-dir", str(tmp_path / "fresh")]) == 0
    assert "trusted_root.json" in capsys.readouterr().out


def test_fetches_provenance_from_the_integrity_api(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("pypi-attestations", owners=["ww"])
    fake_upstream.add_file("pypi-attestations", "0.0.19", GITHUB_FILE, data(GITHUB_FILE),
                           uploaded=T0, provenance=provenance(GITHUB_FILE))  # fmt: skip
    code, report = _run(capsys, str(ASSETS / GITHUB_FILE), "--index-url", fake_upstream.url,
                        "--data-dir", str(tmp_path))  # fmt: skip
    assert (code, report["verified"]) == (0, True)
    other = tmp_path / "pypi_attestations-0.0.18.tar.gz"
    other.write_bytes(b"x")
    code, report = _run(capsys, str(other), "--index-url", fake_upstream.url,
                        "--data-dir", str(tmp_path))  # fmt: skip
    assert (code, report["status"]) == (1, "absent")


def _project(up: FakeUpstream) -> None:
    up.add_project("pypi-attestations", owners=["ww"], urls={"Source": "https://git.example/p"})
    up.add_file("pypi-attestations", "0.0.19", GITHUB_FILE, data(GITHUB_FILE), uploaded=T0,
                provenance=provenance(GITHUB_FILE))  # fmt: skip


def _inspect(up: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str],
             requirement: str) -> tuple[int, set[str]]:  # fmt: skip
    code = main(["inspect", requirement, "--index-url", up.url, "--data-dir",
                 str(tmp_path / "data"), "--format", "json", "--cooldown", "0",
                 "--at", "2025-01-01T00:00:00Z"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    return code, {f["rule"] for f in report["verdict"]["findings"]}


def test_attested_history_then_unattested_release_blocks(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(fake_upstream)
    fake_upstream.add_release("pypi-attestations", "0.0.20", uploaded=T0)
    code, rules = _inspect(fake_upstream, tmp_path, capsys, "pypi-attestations==0.0.20")
    assert code == 1
    assert "provenance/missing" in rules
    code, rules = _inspect(fake_upstream, tmp_path, capsys, "pypi-attestations==0.0.19")
    assert code == 0, rules
    assert not {r for r in rules if r.startswith("provenance/")}


def test_release_from_another_repository_blocks(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(fake_upstream)
    db = Database(f"sqlite:///{tmp_path / 'data' / 'pycustoms.db'}").open()
    earlier = Publisher("GitHub", "somebody/pypi-attestations", "release.yml")
    record_provenance(db, "pypi-attestations", "0.0.18", [
        FileProvenance("pypi_attestations-0.0.18.tar.gz", "0" * 64, Status.VERIFIED, earlier)
    ], T0)  # fmt: skip
    db.close()
    code, rules = _inspect(fake_upstream, tmp_path, capsys, "pypi-attestations==0.0.19")
    assert code == 1
    assert "provenance/publisher-changed" in rules


def test_project_that_never_attested_has_no_finding(
    fake_upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_upstream.add_project("plain", owners=["a"], urls={"Source": "https://git.example/x"})
    fake_upstream.add_release("plain", "1.0", uploaded=T0)
    fake_upstream.add_release("plain", "1.1", uploaded=T0)
    code, rules = _inspect(fake_upstream, tmp_path, capsys, "plain==1.1")
    assert code == 0
    assert not {r for r in rules if "provenance" in r or "attestation" in r}
