"""The README's five commands, run as written: a real server process, a real venv with the
system Python's pip, and the CLI, against a local fake upstream (never the public index).

`make run` is replaced by the command its Makefile recipe runs (checked here), with the
upstream given the way `make run` finds it: pip's configuration (`PIP_INDEX_URL`).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.builders import build_wheel
from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import clean_env, free_port
from tests.vulns.helpers import filler_records, osv, osv_zip

ROOT = Path(__file__).resolve().parent.parent
OLD = datetime(2024, 1, 2, tzinfo=UTC)  # long past any cooldown


def first_screen() -> list[str]:
    """The command lines of the README's "Five commands" block, comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Five commands", 1)[1].split("\n\n", 2)[1]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in section.splitlines()]
    return [line for line in lines if line]


def test_the_first_screen_is_five_commands_starting_with_make_run() -> None:
    lines = first_screen()
    assert len(lines) == 5
    assert lines[0] == "make run &"
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1]
    assert "$(VENV)/bin/pycustoms serve --host 127.0.0.1 --port 8080" in recipe


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FakeUpstream]:
    """An upstream with a clean `requests` (no dependencies) and the squat `requets`, whose
    wheel sends the environment away at import (an inert sample), both published long ago."""
    fake = FakeUpstream(tmp_path / "upstream")
    (tmp_path / "built").mkdir()
    wheel = build_wheel(
        tmp_path / "built",
        "requests",
        "2.32.3",
        {"requests/__init__.py": "def get(url):\n    return url\n"},
    )
    fake.add_file("requests", "2.32.3", wheel.name, wheel.read_bytes(), uploaded=OLD)
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    fake.add_release("requets", "2.32.3", uploaded=OLD, files=dict(sample.files), sdist=False)
    fake.start()
    yield fake
    fake.stop()


def _serve(workdir: Path, upstream: FakeUpstream) -> tuple[subprocess.Popen[bytes], int]:
    """`pycustoms serve --host 127.0.0.1 --port P` as `make run` runs it (port P for 8080)."""
    port = free_port()
    env = clean_env(
        PIP_CONFIG_FILE="/dev/null",
        PIP_INDEX_URL=upstream.url,
        PYCUSTOMS_DATA_DIR=str(workdir / "server-data"),
        PYCUSTOMS_SERVE_DOWNLOAD_SPARE_MIB="0",
    )
    with (workdir / "server.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pycustoms",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, (workdir / "server.log").read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start: " + (workdir / "server.log").read_text())


def test_the_five_commands_do_what_the_readme_says(tmp_path: Path, upstream: FakeUpstream) -> None:
    lines = first_screen()
    proc, port = _serve(tmp_path, upstream)
    # The advisory source: an archive of OSV records on disk (enough records to count as
    # whole), one of them about a release nobody here installs.
    records = [osv("PYSEC-2099-1", "requests", fixed="2.0.0"), *filler_records(20)]
    archive = tmp_path / "osv.zip"
    archive.write_bytes(osv_zip(records))
    env = clean_env(
        PIP_CONFIG_FILE="/dev/null",
        PIP_INDEX_URL=f"http://127.0.0.1:{port}/simple/",  # the user's pip, now pointed here
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PYCUSTOMS_DATA_DIR=str(tmp_path / "cli-data"),
        PYCUSTOMS_VULNS_UPDATE_SOURCES=archive.as_uri(),
        PYCUSTOMS_VULNS_ARCHIVE_MIN_RECORDS="10",
    )
    pycustoms = f"{shlex.quote(sys.executable)} -m pycustoms"

    def run(line: str) -> subprocess.CompletedProcess[str]:
        command = line.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{port}")
        command = command.replace(".venv/bin/pycustoms", pycustoms)
        return subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip

    try:
        installed = run(lines[1])
        assert installed.returncode == 0, installed.stdout + installed.stderr
        assert (tmp_path / "try").is_dir()
        assert "Successfully installed requests-2.32.3" in installed.stdout

        refused = run(lines[2])
        assert refused.returncode != 0
        said = refused.stdout + refused.stderr
        assert "names/typosquat" in said
        assert "imitates 'requests'" in said

        pinned = run(lines[3])
        assert pinned.returncode == 0, pinned.stdout + pinned.stderr
        requirements = (tmp_path / "requirements.txt").read_text()
        assert re.search(
            r"^requests==2\.32\.3 \\\n\s+--hash=sha256:[0-9a-f]{64}$", requirements, re.M
        )

        audited = run(lines[4])
        assert audited.returncode == 0, audited.stdout + audited.stderr
        assert "requests" in audited.stdout
    finally:
        proc.kill()
        proc.wait(timeout=30)
