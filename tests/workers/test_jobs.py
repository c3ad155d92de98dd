"""Scan jobs and results cross the broker as JSON and come back as the same values."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pycustoms.config import Policy
from pycustoms.scan import scan_target
from pycustoms.types import Decision, Severity
from pycustoms.workers.jobs import (
    JobFormatError,
    ScanJob,
    policy_from_json,
    policy_json,
    result_from_json,
    result_json,
)
from pycustoms.workers.task import SourceError, run_job
from tests.builders import build_wheel
from tests.samples.malicious import SAMPLES

SHA = "a" * 64


def test_a_policy_survives_json() -> None:
    policy = Policy(
        warn_score=10,
        block_severity=Severity.HIGH,
        fail_on=Decision.WARN,
        ignore=("names/",),
        severity_overrides=(("code/process-spawn", Severity.LOW),),
        internal_names=("corp-lib",),
        max_depth=2,
    )
    assert policy_from_json(policy_json(policy)) == policy
    assert policy_from_json(policy_json(Policy())) == Policy()


def test_a_job_survives_json_and_bad_ones_are_refused() -> None:
    job = ScanJob(SHA, "pkg-1.0-py3-none-any.whl", "/tmp/x", Policy(), secrets=True)
    assert ScanJob.from_json(job.to_json()) == job
    for broken in (
        {**job.to_json(), "sha256": "not-a-hash"},
        {**job.to_json(), "filename": "../../etc/passwd"},
        {**job.to_json(), "policy": {"warn_score": 1}},
        {**job.to_json(), "source": 7},
        "a string",
    ):
        with pytest.raises(JobFormatError):
            ScanJob.from_json(broken)


def test_a_result_survives_json(tmp_path: Path) -> None:
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    wheel = build_wheel(tmp_path, "evil", "1.0", dict(sample.files))
    result = scan_target(wheel, Policy())
    assert result.verdict.findings  # a result worth carrying
    again = result_from_json(result_json(result), result.target)
    assert again == result
    with pytest.raises(JobFormatError):
        result_from_json({**result_json(result), "decision": "maybe"}, "x")


def test_the_worker_scans_only_the_bytes_the_job_names(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "plain", "1.0", {"plain/__init__.py": "X = 1\n"})
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    result = run_job(ScanJob(sha, wheel.name, str(wheel), Policy()))
    assert result.verdict.decision is Decision.ALLOW
    assert result.files_scanned >= 1
    with pytest.raises(SourceError, match="sha256 differs"):
        run_job(ScanJob(SHA, wheel.name, str(wheel), Policy()))
    with pytest.raises(SourceError, match="cannot read"):
        run_job(ScanJob(sha, wheel.name, str(tmp_path / "gone.whl"), Policy()))
