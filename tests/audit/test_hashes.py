"""Locked hashes that pin nothing: unknown to the index, md5, malformed; they fail the audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pycustoms.audit.checks import hash_findings, pin_findings
from pycustoms.audit.model import Dependency, InputFormat, LockedFile
from pycustoms.types import ProjectName, Severity
from pycustoms.upstream.models import IndexFile
from tests.audit.conftest import run_json
from tests.fake_upstream import FakeUpstream

OLD = datetime.now(UTC) - timedelta(days=400)
OTHER = "ab" * 32


def _rules(report: dict[str, Any]) -> dict[str, str]:
    [dep] = report["dependencies"]
    return {f["rule"]: f["message"] for f in dep["verdict"]["findings"]}


def test_index_hash_passes_unknown_hash_fails(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    files = fake_upstream.add_release("demo", "1.3", uploaded=OLD)
    req = env / "requirements.txt"
    index = ("--index-url", fake_upstream.url)
    req.write_text(f"demo==1.3 --hash=sha256:{files[0].sha256} --hash=sha256:{files[1].sha256}\n")
    code, report = run_json(capsys, str(req), *index)
    assert "audit/hash-not-on-index" not in _rules(report)
    assert code == 0
    req.write_text(f"demo==1.3 --hash=sha256:{OTHER}\n")
    code, report = run_json(capsys, str(req), *index)
    message = _rules(report)["audit/hash-not-on-index"]
    assert "pip --require-hashes would refuse" in message
    assert report["dependencies"][0]["verdict"]["decision"] == "block"
    assert code == 1
    # One known hash does not excuse another the index does not list.
    req.write_text(f"demo==1.3 --hash=sha256:{files[0].sha256} --hash=sha256:{OTHER}\n")
    code, report = run_json(capsys, str(req), *index)
    assert "audit/hash-not-on-index" in _rules(report)
    assert code == 1


def test_locked_file_whose_hash_differs_from_the_index(
    env: Path, fake_upstream: FakeUpstream, capsys: pytest.CaptureFixture[str]
) -> None:
    files = fake_upstream.add_release("demo", "1.3", uploaded=OLD, sdist=False)
    sdist = fake_upstream.add_release("demo", "1.3", uploaded=OLD, wheel=False)
    lock = env / "pylock.toml"
    # The wheel's entry carries the sdist's hash: every hash is known to the index,
    # but not for the file the lock names.
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "tests"\n[[packages]]\nname = "demo"\n'
        f'version = "1.3"\nwheels = [{{ name = "{files[0].filename}", '
        f'hashes = {{ sha256 = "{sdist[0].sha256}" }} }}]\n'
    )
    code, report = run_json(capsys, str(lock), "--index-url", fake_upstream.url)
    message = _rules(report)["audit/hash-not-on-index"]
    assert files[0].filename in message
    assert code == 1


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (f"calm==1.0 --hash=md5:{'0' * 32}", "md5 pins nothing"),
        (f"calm==1.0 --hash=sha1:{'0' * 40}", "pip refuses"),
        ("calm==1.0 --hash=sha256:00", "not a sha256 digest"),
    ],
)
def test_unusable_hash_fails_without_the_index(
    env: Path, capsys: pytest.CaptureFixture[str], line: str, words: str
) -> None:
    req = env / "requirements.txt"
    req.write_text(line + "\n")
    code, report = run_json(capsys, str(req), "--no-index")
    assert words in _rules(report)["audit/unusable-hash"]
    assert code == 1


def test_md5_next_to_sha256_still_fails(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = env / "requirements.txt"
    req.write_text(f"calm==1.0 --hash=sha256:{OTHER} --hash=md5:{'0' * 32}\n")
    code, report = run_json(capsys, str(req), "--no-index")
    assert "audit/unusable-hash" in _rules(report)
    assert code == 1


def _dep(*hashes: str, files: tuple[LockedFile, ...] = ()) -> Dependency:
    return Dependency(
        ProjectName("demo"), "demo", "lock", 1, version="1.0", hashes=hashes, files=files
    )


def _file(name: str, **hashes: str) -> IndexFile:
    return IndexFile(name, f"https://files.example/{name}", hashes=hashes)


def test_index_without_hashes_leaves_the_pin_unverified() -> None:
    index = [_file("demo-1.0.tar.gz"), _file("demo-1.0-py3-none-any.whl", sha256=OTHER)]
    findings, unverified = hash_findings(_dep(f"sha256:{'cd' * 32}"), index)
    assert findings == []
    assert "demo-1.0.tar.gz" in unverified[0]
    findings, unverified = hash_findings(_dep(f"sha256:{OTHER}"), index)
    assert (findings, unverified) == ([], [])


def test_stronger_hashes_are_compared_when_the_index_publishes_them() -> None:
    index = [_file("demo-1.0-py3-none-any.whl", sha256=OTHER, sha512="ef" * 64)]
    assert hash_findings(_dep(f"sha512:{'ef' * 64}"), index) == ([], [])
    findings, _ = hash_findings(_dep(f"sha512:{'12' * 64}"), index)
    assert [f.rule for f in findings] == ["audit/hash-not-on-index"]
    assert findings[0].severity is Severity.CRITICAL


def test_strong_hashes_of_the_right_length_are_usable() -> None:
    dep = _dep(f"sha256:{OTHER}", f"sha384:{'ab' * 48}", f"sha512:{'ab' * 64}")
    assert pin_findings(dep, InputFormat.REQUIREMENTS) == []
