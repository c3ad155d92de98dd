"""`pycustoms worker` and `serve --store-url`: bad arguments are usage errors (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pycustoms.cli import main
from tests.server.serverproc import clean_env


@pytest.mark.parametrize(
    "argv",
    [
        ["worker"],
        ["worker", "--broker-url", "amqp://127.0.0.1/"],
        ["worker", "--broker-url", "redis://127.0.0.1:1/0", "--concurrency", "-1"],
    ],
)
def test_the_worker_needs_a_redis_url(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "redis" in capsys.readouterr().err.lower() or "--concurrency" in " ".join(argv)


def test_serve_refuses_a_store_url_that_is_not_s3(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "pycustoms", "serve", "--port", "0", "--upstream",
         "file:///", "--data-dir", str(tmp_path / "data"), "--store-url", "https://b/x"],
        capture_output=True, text=True, timeout=60, check=False, env=clean_env(),
    )  # fmt: skip
    assert child.returncode == 2, child.stderr
    assert "s3://BUCKET/PREFIX" in child.stderr
