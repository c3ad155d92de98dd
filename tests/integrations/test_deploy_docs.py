"""docs/deploy.md: the systemd unit parses, and the proxy examples fit the server's limits."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pycustoms.server.settings import ServeSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def _block(language: str) -> str:
    found: list[str] = re.findall(rf"```{language}\n(.*?)```", DEPLOY, re.DOTALL)
    assert len(found) == 1, f"docs/deploy.md has {len(found)} {language} blocks"
    return found[0]


def test_systemd_unit_is_accepted_by_systemd(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package `systemd`)")
    unit = _block("ini")
    start = re.search(r"^ExecStart=(\S+)", unit, re.MULTILINE)
    assert start is not None
    # Only the program's path is adapted: systemd checks that it exists.
    installed = Path(sys.executable).with_name("pycustoms")
    (tmp_path / "pycustoms.service").write_text(unit.replace(start.group(1), str(installed)))
    proc = subprocess.run(
        [analyze, "verify", str(tmp_path / "pycustoms.service")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # Unknown keys and bad values are only warnings to systemd: none is allowed here.
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    assert "MemoryDenyWriteExecute=yes" not in unit  # YARA-X compiles rules at run time


def test_proxy_examples_fit_the_servers_limits() -> None:
    defaults = ServeSettings()
    nginx, caddy = _block("nginx"), _block("caddy")
    body = re.search(r"client_max_body_size\s+(\d+)m;", nginx)
    assert body is not None
    assert int(body.group(1)) >= defaults.max_upload_mib
    read = re.search(r"proxy_read_timeout\s+(\d+)s;", nginx)
    assert read is not None
    assert int(read.group(1)) > defaults.scan_timeout
    for header in ("Host              $host", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header   {header};" in nginx
    assert "proxy_request_buffering off;" in nginx
    size = re.search(r"max_size\s+(\d+)GB", caddy)
    assert size is not None
    assert int(size.group(1)) * 1024 >= defaults.max_upload_mib
    assert f"reverse_proxy 127.0.0.1:{defaults.port}" in caddy


def test_readme_links_the_new_pages() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/deploy.md)" in readme
    assert "(docs/integrations.md)" in readme
    assert "pycustoms completion bash" in readme
