"""Benign look-alikes (THREATS.md §4) that must be allowed.

Each is ordinary code that shares a surface feature with an attack: a setup.py
that runs a compiler, a library that reads one documented variable, an HTTP
client, a `.pth` that only adds a path. Nothing here is ever run.
"""

from __future__ import annotations

import base64

from pycustoms.types import Decision
from tests.samples import Build, Sample, noise, src

SAMPLES: list[Sample] = []


def add(sample: Sample) -> None:
    """Register a benign sample (expected `allow` unless the record says otherwise)."""
    assert sample.id not in {s.id for s in SAMPLES}, sample.id
    SAMPLES.append(sample)


def ok(
    id: str,
    description: str,
    build: Build,
    files: dict[str, str | bytes],
    *,
    name: str = "sample-pkg",
    version: str = "1.0.0",
    wheel_tag: str = "py3-none-any",
) -> Sample:
    """A benign sample that must be allowed."""
    return Sample(
        id=id,
        description=description,
        build=build,
        files=files,
        expect=Decision.ALLOW,
        name=name,
        version=version,
        wheel_tag=wheel_tag,
    )


# A tiny HTTP helper library of our own; `malicious.py` copies it into a typosquat.
MINI_HTTP: dict[str, str] = {
    "__init__.py": src(
        '''
        """Small conveniences over urllib: sessions with default headers and JSON."""

        from .api import delete, get, post, put
        from .sessions import Session

        __all__ = ["Session", "delete", "get", "post", "put"]
        __version__ = "2.31.0"
        '''
    ),
    "api.py": src(
        '''
        """Module-level shortcuts that use a throwaway session."""

        from __future__ import annotations

        from typing import Any

        from .sessions import Response, Session


        def request(method: str, url: str, **kwargs: Any) -> Response:
            """Send one request with a new session."""
            with Session() as session:
                return session.request(method, url, **kwargs)


        def get(url: str, **kwargs: Any) -> Response:
            return request("GET", url, **kwargs)


        def post(url: str, data: bytes | None = None, **kwargs: Any) -> Response:
            return request("POST", url, data=data, **kwargs)


        def put(url: str, data: bytes | None = None, **kwargs: Any) -> Response:
            return request("PUT", url, data=data, **kwargs)


        def delete(url: str, **kwargs: Any) -> Response:
            return request("DELETE", url, **kwargs)
        '''
    ),
    "sessions.py": src(
        '''
        """A session keeps default headers and a timeout between requests."""

        from __future__ import annotations

        import json
        import urllib.request
        from dataclasses import dataclass
        from typing import Any


        @dataclass
        class Response:
            status: int
            headers: dict[str, str]
            content: bytes

            @property
            def text(self) -> str:
                return self.content.decode("utf-8", "replace")

            def json(self) -> Any:
                return json.loads(self.content)


        class Session:
            def __init__(self, timeout: float = 30.0) -> None:
                self.headers = {"User-Agent": "mini-http/2.31"}
                self.timeout = timeout

            def __enter__(self) -> Session:
                return self

            def __exit__(self, *exc: object) -> None:
                return None

            def request(self, method: str, url: str, data: bytes | None = None,
                        json_body: Any = None, headers: dict[str, str] | None = None) -> Response:
                if json_body is not None:
                    data = json.dumps(json_body).encode()
                merged = {**self.headers, **(headers or {})}
                req = urllib.request.Request(url, data=data, headers=merged, method=method)
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return Response(resp.status, dict(resp.headers), resp.read())
        '''
    ),
}


def mini_http(pkg: str) -> dict[str, str | bytes]:
    """The MINI_HTTP library under package directory *pkg*."""
    return {f"{pkg}/{name}": text for name, text in MINI_HTTP.items()}


def _setup(body: str, extra: dict[str, str | bytes] | None = None) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"setup.py": body, "samplepkg/__init__.py": ""}
    files.update(extra or {})
    return files


# --- setup.py that builds things ---------------------------------------------------------

add(
    ok(
        "setup-build-ext-compiler",
        "setup.py with a C extension and a build_ext that probes the compiler for -fopenmp",
        Build.SDIST,
        _setup(
            src(
                """
                import os
                import tempfile

                from setuptools import Extension, setup
                from setuptools.command.build_ext import build_ext


                class BuildExt(build_ext):
                    \"\"\"Add -fopenmp when the compiler accepts it.\"\"\"

                    def build_extensions(self):
                        with tempfile.TemporaryDirectory() as tmp:
                            probe = os.path.join(tmp, "probe.c")
                            with open(probe, "w") as fh:
                                fh.write("int main(void) { return 0; }\\n")
                            try:
                                self.compiler.compile([probe], output_dir=tmp,
                                                      extra_postargs=["-fopenmp"])
                                extra = ["-fopenmp"]
                            except Exception:
                                extra = []
                        for ext in self.extensions:
                            ext.extra_compile_args += extra
                        super().build_extensions()


                setup(
                    name="samplepkg",
                    version="1.0.0",
                    packages=["samplepkg"],
                    ext_modules=[Extension("samplepkg._fast", ["src/fast.c"])],
                    cmdclass={"build_ext": BuildExt},
                )
                """
            ),
            {
                "src/fast.c": (
                    "#include <Python.h>\nstatic PyModuleDef m = {PyModuleDef_HEAD_INIT};\n"
                )
            },
        ),
    )
)

add(
    ok(
        "setup-git-describe-version",
        "setup.py derives the version from git describe with a fallback",
        Build.SDIST,
        _setup(
            src(
                """
                import subprocess
                from setuptools import setup


                def git_version(default="0.0.0"):
                    try:
                        out = subprocess.check_output(
                            ["git", "describe", "--tags", "--always"],
                            stderr=subprocess.DEVNULL,
                        )
                    except (OSError, subprocess.CalledProcessError):
                        return default
                    return out.decode().strip().lstrip("v")


                setup(name="samplepkg", version=git_version(), packages=["samplepkg"])
                """
            )
        ),
    )
)

add(
    ok(
        "setup-cythonize",
        "setup.py cythonizes .pyx sources with numpy include dirs",
        Build.SDIST,
        _setup(
            src(
                """
                import numpy
                from Cython.Build import cythonize
                from setuptools import Extension, setup

                extensions = [
                    Extension("samplepkg.kernels", ["samplepkg/kernels.pyx"],
                              include_dirs=[numpy.get_include()]),
                ]

                setup(
                    name="samplepkg",
                    version="1.0.0",
                    packages=["samplepkg"],
                    ext_modules=cythonize(extensions, language_level=3),
                )
                """
            ),
            {"samplepkg/kernels.pyx": "def add(double a, double b):\n    return a + b\n"},
        ),
    )
)

add(
    ok(
        "setup-reads-readme-and-requirements",
        "setup.py reads README and requirements.txt and uses os.path, nothing else",
        Build.SDIST,
        _setup(
            src(
                """
                import io
                import os
                import re

                from setuptools import find_packages, setup

                here = os.path.abspath(os.path.dirname(__file__))
                with io.open(os.path.join(here, "README.md"), encoding="utf-8") as f:
                    long_description = f.read()
                with open(os.path.join(here, "samplepkg", "__init__.py")) as f:
                    version = re.search(r'__version__ = "(.+)"', f.read()).group(1)
                with open(os.path.join(here, "requirements.txt")) as f:
                    requires = [line.strip() for line in f if line.strip()]

                setup(
                    name="samplepkg",
                    version=version,
                    long_description=long_description,
                    long_description_content_type="text/markdown",
                    packages=find_packages(exclude=["tests"]),
                    install_requires=requires,
                    python_requires=">=3.8",
                )
                """
            ),
            {
                "README.md": "# samplepkg\n\nDoes sample things.\n",
                "requirements.txt": "attrs>=22\n",
            },
        ),
    )
)

add(
    ok(
        "hatch-build-hook-protoc",
        "a hatch build hook that runs protoc to generate modules",
        Build.SDIST,
        {
            "pyproject.toml": src(
                """
                [build-system]
                requires = ["hatchling", "grpcio-tools"]
                build-backend = "hatchling.build"

                [project]
                name = "samplepkg"
                version = "1.0.0"

                [tool.hatch.build.hooks.custom]
                """
            ),
            "hatch_build.py": src(
                """
                import subprocess
                import sys
                from pathlib import Path

                from hatchling.builders.hooks.plugin.interface import BuildHookInterface


                class CustomBuildHook(BuildHookInterface):
                    \"\"\"Generate the protobuf modules before the wheel is assembled.\"\"\"

                    def initialize(self, version, build_data):
                        root = Path(self.root)
                        protos = sorted(str(p) for p in (root / "proto").glob("*.proto"))
                        subprocess.run(
                            [sys.executable, "-m", "grpc_tools.protoc", "-Iproto",
                             "--python_out=samplepkg", *protos],
                            cwd=root,
                            check=True,
                        )
                """
            ),
            "proto/ping.proto": 'syntax = "proto3";\nmessage Ping { string id = 1; }\n',
            "samplepkg/__init__.py": "",
        },
    )
)

add(
    ok(
        "pep517-in-tree-backend-wrapper",
        "an in-tree backend that only forwards to setuptools and adds a requirement",
        Build.SDIST,
        {
            "pyproject.toml": src(
                """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "_custom_build.backend"
                backend-path = ["."]
                """
            ),
            "_custom_build/__init__.py": "",
            "_custom_build/backend.py": src(
                """
                \"\"\"Forward to setuptools; ask for Cython only when building from .pyx.\"\"\"

                from setuptools import build_meta as _orig
                from setuptools.build_meta import *  # noqa: F401,F403


                def get_requires_for_build_wheel(config_settings=None):
                    return _orig.get_requires_for_build_wheel(config_settings) + ["cython"]
                """
            ),
            "setup.py": "from setuptools import setup\nsetup()\n",
            "samplepkg/__init__.py": "",
        },
    )
)

# --- libraries with network, env, credentials by design -------------------------------------

add(
    ok(
        "requests-like-http-client",
        "an HTTP client library: the network is its whole purpose",
        Build.BOTH,
        mini_http("minihttp"),
        name="minihttp",
        version="2.31.0",
    )
)

add(
    ok(
        "reads-one-documented-env-var",
        "a library that reads SAMPLEPKG_CACHE_DIR as documented, with a default",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": src(
                '''
                """Sample cache.

                The cache lives in ``$SAMPLEPKG_CACHE_DIR`` (default ``~/.cache/samplepkg``).
                """

                import os
                from pathlib import Path

                CACHE_DIR = Path(
                    os.environ.get("SAMPLEPKG_CACHE_DIR", "~/.cache/samplepkg")
                ).expanduser()


                def cache_path(key: str) -> Path:
                    return CACHE_DIR / key
                '''
            )
        },
    )
)

add(
    ok(
        "boto-like-sdk-shared-credentials",
        "an SDK reading ~/.aws/credentials as its documented config, inside functions",
        Build.WHEEL,
        {
            "cloudkit/__init__.py": "from .session import Session\n",
            "cloudkit/credentials.py": src(
                '''
                """Credential resolution: environment, then the shared credentials file.

                Mirrors the documented order of the AWS CLI: ``AWS_ACCESS_KEY_ID`` and
                ``AWS_SECRET_ACCESS_KEY``, then the profile in ``~/.aws/credentials``.
                """

                from __future__ import annotations

                import configparser
                import os
                from dataclasses import dataclass
                from pathlib import Path


                @dataclass(frozen=True)
                class Credentials:
                    access_key: str
                    secret_key: str
                    token: str | None = None


                def shared_credentials_file() -> Path:
                    default = Path.home() / ".aws" / "credentials"
                    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", default))


                def resolve(profile: str | None = None) -> Credentials | None:
                    key = os.environ.get("AWS_ACCESS_KEY_ID")
                    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
                    if key and secret:
                        return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN"))
                    parser = configparser.ConfigParser()
                    parser.read(shared_credentials_file())
                    section = profile or os.environ.get("AWS_PROFILE", "default")
                    if not parser.has_section(section):
                        return None
                    return Credentials(
                        parser[section]["aws_access_key_id"],
                        parser[section]["aws_secret_access_key"],
                        parser[section].get("aws_session_token"),
                    )
                '''
            ),
            "cloudkit/session.py": src(
                """
                from .credentials import resolve


                class Session:
                    def __init__(self, profile=None, region="us-east-1"):
                        self.profile = profile
                        self.region = region

                    def get_credentials(self):
                        return resolve(self.profile)
                """
            ),
        },
        name="cloudkit",
    )
)

add(
    ok(
        "http-client-netrc-auth",
        "an HTTP client that reads ~/.netrc for auth when asked, as curl and requests do",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/auth.py": src(
                '''
                """Optional .netrc authentication (``trust_env=True``)."""

                import netrc
                import os
                from urllib.parse import urlsplit


                def netrc_auth(url: str):
                    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
                    try:
                        entry = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
                    except (FileNotFoundError, netrc.NetrcParseError):
                        return None
                    if entry is None:
                        return None
                    login, _, password = entry
                    return (login, password or "")
                '''
            ),
        },
    )
)

add(
    ok(
        "ssh-client-library",
        "an SSH client loading the user's known_hosts and key for a connection the user asked",
        Build.WHEEL,
        {
            "sshkit/__init__.py": "from .client import connect\n",
            "sshkit/client.py": src(
                """
                import os
                import socket


                def default_key_paths():
                    home = os.path.expanduser("~/.ssh")
                    return [os.path.join(home, n) for n in ("id_ed25519", "id_ecdsa", "id_rsa")]


                def connect(host, port=22, username=None, key_filename=None, timeout=10.0):
                    keys = [key_filename] if key_filename else default_key_paths()
                    sock = socket.create_connection((host, port), timeout=timeout)
                    return Transport(sock, username or os.getlogin(), keys)


                class Transport:
                    def __init__(self, sock, username, keys):
                        self.sock = sock
                        self.username = username
                        self.keys = [k for k in keys if os.path.exists(k)]

                    def close(self):
                        self.sock.close()
                """
            ),
        },
        name="sshkit",
    )
)

add(
    ok(
        "slack-webhook-client-sdk",
        "a Slack SDK webhook client whose purpose is posting to the URL the caller gives",
        Build.WHEEL,
        {
            "slackish/__init__.py": "from .webhook import WebhookClient\n",
            "slackish/webhook.py": src(
                '''
                """Incoming webhooks.

                    client = WebhookClient("https://hooks.slack.com/services/T000/B000/XXXX")
                    client.send(text="deploy finished")
                """

                import json
                import urllib.request


                class WebhookClient:
                    def __init__(self, url: str, timeout: float = 30.0) -> None:
                        self.url = url
                        self.timeout = timeout

                    def send(self, text: str = "", blocks=None) -> int:
                        body = json.dumps({"text": text, "blocks": blocks or []}).encode()
                        req = urllib.request.Request(
                            self.url, data=body, headers={"Content-Type": "application/json"}
                        )
                        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                            return resp.status
                '''
            ),
        },
        name="slackish",
    )
)

add(
    ok(
        "file-downloader-cache",
        "a pooch-like data fetcher that downloads files to a cache and checks their hash",
        Build.WHEEL,
        {
            "fetchdata/__init__.py": src(
                """
                import hashlib
                import os
                import shutil
                import urllib.request
                from pathlib import Path


                def retrieve(url: str, known_hash: str, path: str | None = None) -> Path:
                    cache = Path(path or os.path.expanduser("~/.cache/fetchdata"))
                    cache.mkdir(parents=True, exist_ok=True)
                    target = cache / url.rsplit("/", 1)[-1]
                    if not target.exists():
                        with urllib.request.urlopen(url) as resp, open(target, "wb") as out:
                            shutil.copyfileobj(resp, out)
                    digest = hashlib.sha256(target.read_bytes()).hexdigest()
                    if digest != known_hash:
                        target.unlink()
                        raise ValueError(f"hash mismatch for {url}")
                    return target
                """
            )
        },
        name="fetchdata",
    )
)

add(
    ok(
        "dns-resolver-library",
        "a DNS helper resolving names the caller passes",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/resolve.py": src(
                """
                import socket


                def addresses(name: str, port: int = 443) -> list[str]:
                    infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
                    return sorted({info[4][0] for info in infos})


                def reverse(ip: str) -> str:
                    return socket.gethostbyaddr(ip)[0]
                """
            ),
        },
    )
)

add(
    ok(
        "asyncio-local-server",
        "a dev server binding to 127.0.0.1 (a bind look-alike) inside a function",
        Build.WHEEL,
        {
            "devserve/__init__.py": "",
            "devserve/server.py": src(
                """
                import asyncio


                async def handle(reader, writer):
                    data = await reader.readline()
                    writer.write(b"HTTP/1.0 200 OK\\r\\n\\r\\n" + data)
                    await writer.drain()
                    writer.close()


                async def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
                    server = await asyncio.start_server(handle, host, port)
                    async with server:
                        await server.serve_forever()


                def main() -> None:
                    asyncio.run(serve())
                """
            ),
        },
        name="devserve",
    )
)

add(
    ok(
        "system-info-library",
        "a psutil-like helper reporting hostname, platform and user on request",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/sysinfo.py": src(
                """
                import getpass
                import os
                import platform
                import socket


                def summary() -> dict[str, str]:
                    return {
                        "host": socket.gethostname(),
                        "user": getpass.getuser(),
                        "os": platform.platform(),
                        "cwd": os.getcwd(),
                        "python": platform.python_version(),
                    }
                """
            ),
        },
    )
)

add(
    ok(
        "ci-detection-for-colour",
        "decides whether to use colours by checking CI variables (a CI-gating look-alike)",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/term.py": src(
                """
                import os
                import sys

                _CI_VARS = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE")


                def running_in_ci() -> bool:
                    return any(os.environ.get(v) for v in _CI_VARS)


                def use_colour(stream=sys.stdout) -> bool:
                    if os.environ.get("NO_COLOR"):
                        return False
                    return stream.isatty() or running_in_ci()
                """
            ),
        },
    )
)

add(
    ok(
        "retry-with-sleep",
        "a retry decorator that sleeps with backoff (a sleep look-alike)",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "from .retry import retry\n",
            "samplepkg/retry.py": src(
                """
                import functools
                import random
                import time


                def retry(times: int = 3, base: float = 0.5):
                    def wrap(fn):
                        @functools.wraps(fn)
                        def inner(*args, **kwargs):
                            for attempt in range(times):
                                try:
                                    return fn(*args, **kwargs)
                                except OSError:
                                    if attempt == times - 1:
                                        raise
                                    time.sleep(base * 2**attempt + random.random() / 10)
                            return None
                        return inner
                    return wrap
                """
            ),
        },
    )
)

add(
    ok(
        "deprecation-date-warning",
        "warns after a sunset date (a date-gating look-alike)",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": src(
                """
                import datetime
                import warnings

                if datetime.date.today() >= datetime.date(2026, 1, 1):
                    warnings.warn(
                        "samplepkg 1.x is past its end of life; upgrade to 2.x",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                """
            )
        },
    )
)

add(
    ok(
        "platform-specific-imports",
        "imports a Windows helper only on Windows at top level (an OS-gating look-alike)",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": src(
                """
                import sys

                if sys.platform == "win32":
                    from ._win import enable_vt_mode

                    enable_vt_mode()
                """
            ),
            "samplepkg/_win.py": src(
                """
                import ctypes


                def enable_vt_mode() -> None:
                    kernel32 = ctypes.windll.kernel32
                    handle = kernel32.GetStdHandle(-11)
                    mode = ctypes.c_uint32()
                    if kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
                        kernel32.SetConsoleMode(handle, mode.value | 0x0004)
                """
            ),
        },
    )
)

add(
    ok(
        "winreg-read-install-path",
        "reads (never writes) a registry key to locate an installed program",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/locate.py": src(
                r"""
                import sys


                def python_install_paths() -> list[str]:
                    if sys.platform != "win32":
                        return []
                    import winreg

                    found = []
                    root = r"SOFTWARE\Python\PythonCore"
                    with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, root) as key:
                        for i in range(winreg.QueryInfoKey(key)[0]):
                            version = winreg.EnumKey(key, i)
                            with winreg.OpenKey(key, version + r"\InstallPath") as sub:
                                found.append(winreg.QueryValue(sub, ""))
                    return found
                """
            ),
        },
    )
)

# --- processes, plugins, dynamic code in functions ---------------------------------------------

add(
    ok(
        "cli-tool-spawns-git",
        "a CLI that runs git and the user's editor with subprocess",
        Build.WHEEL,
        {
            "gitwrap/__init__.py": "",
            "gitwrap/__main__.py": "from .cli import main\n\nraise SystemExit(main())\n",
            "gitwrap/cli.py": src(
                """
                import argparse
                import os
                import shlex
                import subprocess
                import sys


                def run_git(*args: str) -> str:
                    return subprocess.run(["git", *args], check=True, capture_output=True,
                                          text=True).stdout


                def edit(path: str) -> int:
                    editor = os.environ.get("EDITOR", "vi")
                    return subprocess.call([*shlex.split(editor), path])


                def main(argv=None) -> int:
                    parser = argparse.ArgumentParser(prog="gitwrap")
                    parser.add_argument("command", choices=["log", "edit"])
                    parser.add_argument("path", nargs="?")
                    args = parser.parse_args(argv)
                    if args.command == "log":
                        sys.stdout.write(run_git("log", "--oneline", "-n", "10"))
                        return 0
                    return edit(args.path or "README.md")
                """
            ),
        },
        name="gitwrap",
    )
)

add(
    ok(
        "build-helper-subprocess",
        "a package's tools/ build helper that runs make and npm",
        Build.SDIST,
        {
            "pyproject.toml": src(
                """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "samplepkg"
                version = "1.0.0"
                """
            ),
            "tools/build_assets.py": src(
                """
                \"\"\"Rebuild the web assets; run by maintainers before a release.\"\"\"

                import subprocess
                from pathlib import Path

                ROOT = Path(__file__).resolve().parent.parent


                def main() -> None:
                    subprocess.run(["npm", "ci"], cwd=ROOT / "web", check=True)
                    subprocess.run(["npm", "run", "build"], cwd=ROOT / "web", check=True)
                    subprocess.run(["make", "-C", str(ROOT / "docs"), "html"], check=True)


                if __name__ == "__main__":
                    main()
                """
            ),
            "samplepkg/__init__.py": "",
        },
    )
)

add(
    ok(
        "importlib-plugin-loader",
        "loads plugins named in entry points or config with importlib.import_module",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/plugins.py": src(
                """
                from __future__ import annotations

                import importlib
                from importlib.metadata import entry_points
                from typing import Any


                def load(dotted: str) -> Any:
                    module_name, _, attr = dotted.partition(":")
                    module = importlib.import_module(module_name)
                    return getattr(module, attr) if attr else module


                def discover(group: str = "samplepkg.plugins") -> dict[str, Any]:
                    return {ep.name: ep.load() for ep in entry_points(group=group)}
                """
            ),
        },
    )
)

add(
    ok(
        "calculator-eval-in-function",
        "a calculator that evals a validated arithmetic expression with no builtins",
        Build.WHEEL,
        {
            "calc/__init__.py": src(
                """
                import ast
                import math

                _ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name,
                            ast.Load, ast.Call, ast.operator, ast.unaryop)
                _NAMES = {k: getattr(math, k) for k in ("sin", "cos", "sqrt", "pi", "e")}


                def evaluate(expression: str) -> float:
                    tree = ast.parse(expression, mode="eval")
                    for node in ast.walk(tree):
                        if not isinstance(node, _ALLOWED):
                            raise ValueError(f"not allowed: {type(node).__name__}")
                    code = compile(tree, "<expr>", "eval")
                    return eval(code, {"__builtins__": {}}, dict(_NAMES))
                """
            )
        },
        name="calc",
    )
)

add(
    ok(
        "template-engine-compile-exec",
        "a template engine that compiles templates to Python and execs them into a namespace",
        Build.WHEEL,
        {
            "tinytpl/__init__.py": "from .engine import Template\n",
            "tinytpl/engine.py": src(
                """
                import re

                _TOKEN = re.compile(r"{{\\s*(\\w+)\\s*}}")


                class Template:
                    def __init__(self, text: str, name: str = "<template>") -> None:
                        lines = ["def render(ctx):", "    out = []"]
                        pos = 0
                        for m in _TOKEN.finditer(text):
                            lines.append(f"    out.append({text[pos:m.start()]!r})")
                            lines.append(f"    out.append(str(ctx[{m.group(1)!r}]))")
                            pos = m.end()
                        lines.append(f"    out.append({text[pos:]!r})")
                        lines.append("    return ''.join(out)")
                        namespace: dict = {}
                        exec(compile("\\n".join(lines), name, "exec"), namespace)
                        self._render = namespace["render"]

                    def render(self, **ctx) -> str:
                        return self._render(ctx)
                """
            ),
        },
        name="tinytpl",
    )
)

add(
    ok(
        "syslog-logging-handler",
        "configures logging to the local syslog socket",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg/log.py": src(
                """
                import logging
                import logging.handlers
                import sys


                def configure(level: int = logging.INFO) -> logging.Logger:
                    logger = logging.getLogger("samplepkg")
                    address = "/var/run/syslog" if sys.platform == "darwin" else "/dev/log"
                    handler = logging.handlers.SysLogHandler(address=address)
                    handler.setFormatter(logging.Formatter("samplepkg: %(message)s"))
                    logger.addHandler(handler)
                    logger.setLevel(level)
                    return logger
                """
            ),
        },
    )
)

add(
    ok(
        "optional-import-fallbacks",
        "try/except imports of optional speedups and __import__ for a lazy attribute",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": src(
                """
                try:
                    import ujson as json
                except ImportError:  # pragma: no cover
                    import json

                _LAZY = {"yaml": "yaml", "toml": "tomllib"}


                def __getattr__(name):
                    if name in _LAZY:
                        return __import__(_LAZY[name])
                    raise AttributeError(name)


                def dumps(obj) -> str:
                    return json.dumps(obj)
                """
            )
        },
    )
)

add(
    ok(
        "clipboard-library",
        "a pyperclip-like library whose documented purpose is copy/paste via xclip/pbcopy",
        Build.WHEEL,
        {
            "clipkit/__init__.py": src(
                '''
                """Cross-platform copy() and paste() for plain text."""

                import subprocess
                import sys


                def _commands():
                    if sys.platform == "darwin":
                        return ["pbcopy"], ["pbpaste"]
                    return (["xclip", "-selection", "clipboard"],
                            ["xclip", "-selection", "clipboard", "-o"])


                def copy(text: str) -> None:
                    subprocess.run(_commands()[0], input=text.encode(), check=True)


                def paste() -> str:
                    return subprocess.run(_commands()[1], capture_output=True,
                                          check=True).stdout.decode()
                '''
            )
        },
        name="clipkit",
    )
)

add(
    ok(
        "screenshot-library",
        "a screenshot library whose purpose is grabbing the screen when the caller asks",
        Build.WHEEL,
        {
            "shotkit/__init__.py": src(
                '''
                """grab() returns a PIL image of the screen or a region of it."""

                from PIL import ImageGrab


                def grab(bbox=None, include_layered_windows=False):
                    return ImageGrab.grab(bbox, include_layered_windows)


                def save(path, bbox=None):
                    grab(bbox).save(path)
                    return path
                '''
            )
        },
        name="shotkit",
    )
)

add(
    ok(
        "shell-completion-installer",
        "CLI installs completion into ~/.bashrc only when the user runs --install-completion",
        Build.WHEEL,
        {
            "samplecli/__init__.py": "",
            "samplecli/completion.py": src(
                """
                import os
                from pathlib import Path

                SNIPPET = 'eval "$(_SAMPLECLI_COMPLETE=bash_source samplecli)"\\n'


                def install_completion(shell: str | None = None) -> Path:
                    shell = shell or os.path.basename(os.environ.get("SHELL", "bash"))
                    rc = Path.home() / (".zshrc" if shell == "zsh" else ".bashrc")
                    text = rc.read_text() if rc.exists() else ""
                    if SNIPPET not in text:
                        with rc.open("a") as fh:
                            fh.write("\\n# samplecli completion\\n" + SNIPPET)
                    return rc
                """
            ),
            "samplecli/main.py": src(
                """
                import argparse

                from .completion import install_completion


                def main(argv=None) -> int:
                    parser = argparse.ArgumentParser(prog="samplecli")
                    parser.add_argument("--install-completion", action="store_true")
                    args = parser.parse_args(argv)
                    if args.install_completion:
                        print(f"completion installed in {install_completion()}")
                    return 0
                """
            ),
        },
        name="samplecli",
    )
)

add(
    ok(
        "cron-expression-library",
        "parses crontab expressions; mentions crontab but never touches it",
        Build.WHEEL,
        {
            "cronparse/__init__.py": src(
                '''
                """Parse five-field crontab expressions like ``*/10 * * * *``."""

                FIELDS = ("minute", "hour", "day", "month", "weekday")
                RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


                def expand(field: str, low: int, high: int) -> list[int]:
                    if field == "*":
                        return list(range(low, high + 1))
                    if field.startswith("*/"):
                        return list(range(low, high + 1, int(field[2:])))
                    return sorted(int(part) for part in field.split(","))


                def parse(expr: str) -> dict[str, list[int]]:
                    parts = expr.split()
                    if len(parts) != 5:
                        raise ValueError("a crontab line has five fields")
                    return {n: expand(p, *r) for n, p, r in zip(FIELDS, parts, RANGES)}
                '''
            )
        },
        name="cronparse",
    )
)

add(
    ok(
        "systemd-notify-library",
        "sends READY=1 to $NOTIFY_SOCKET as the sd_notify protocol documents",
        Build.WHEEL,
        {
            "sdnotify2/__init__.py": src(
                """
                import os
                import socket


                def notify(state: str = "READY=1") -> bool:
                    address = os.environ.get("NOTIFY_SOCKET")
                    if not address:
                        return False
                    if address.startswith("@"):
                        address = "\\0" + address[1:]
                    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                        sock.connect(address)
                        sock.sendall(state.encode())
                    return True
                """
            )
        },
        name="sdnotify2",
    )
)

add(
    ok(
        "pytest-plugin-entry-point",
        "a pytest plugin with fixtures and hooks",
        Build.WHEEL,
        {
            "pytest_samplefix/__init__.py": "",
            "pytest_samplefix/plugin.py": src(
                """
                import os

                import pytest


                def pytest_addoption(parser):
                    parser.addoption("--sample-seed", type=int, default=0)


                @pytest.fixture
                def sample_seed(request):
                    return request.config.getoption("--sample-seed")


                @pytest.fixture
                def clean_env(monkeypatch):
                    for key in list(os.environ):
                        if key.startswith("SAMPLE_"):
                            monkeypatch.delenv(key)
                """
            ),
            "pytest_samplefix-1.0.0.dist-info/entry_points.txt": (
                "[pytest11]\nsamplefix = pytest_samplefix.plugin\n"
            ),
        },
        name="pytest-samplefix",
    )
)

# --- .pth files ----------------------------------------------------------------------------------

add(
    ok(
        "pth-path-only",
        "a .pth that only adds directories to sys.path",
        Build.WHEEL,
        {
            "samplepkg/__init__.py": "",
            "samplepkg-extras.pth": (
                "samplepkg/vendor\n# comment lines are fine\nsamplepkg/compat\n"
            ),
        },
    )
)

add(
    ok(
        "pth-distutils-precedence-style",
        "setuptools' distutils-precedence style .pth: import a shim chosen by one env variable",
        Build.WHEEL,
        {
            "distutils-precedence.pth": (
                "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
                "enabled = os.environ.get(var, 'local') == 'local'; "
                "enabled and __import__('_distutils_hack').add_shim(); \n"
            ),
            "_distutils_hack/__init__.py": src(
                """
                import os
                import sys


                def enabled():
                    return os.environ.get("SETUPTOOLS_USE_DISTUTILS", "local") == "local"


                def add_shim():
                    if enabled() and DISTUTILS_FINDER not in sys.meta_path:
                        sys.meta_path.insert(0, DISTUTILS_FINDER)


                class _Finder:
                    def find_spec(self, fullname, path, target=None):
                        return None


                DISTUTILS_FINDER = _Finder()
                """
            ),
        },
        name="setuptools",
        version="75.0.0",
    )
)

add(
    ok(
        "pth-editable-finder",
        "an editable install's finder .pth and the generated finder module",
        Build.WHEEL,
        {
            "__editable__.samplepkg-1.0.0.pth": (
                "import __editable___samplepkg_1_0_0_finder; "
                "__editable___samplepkg_1_0_0_finder.install()\n"
            ),
            "__editable___samplepkg_1_0_0_finder.py": src(
                """
                import sys
                from importlib.machinery import ModuleSpec, PathFinder

                MAPPING = {"samplepkg": "/home/dev/src/samplepkg/src/samplepkg"}


                class _EditableFinder:
                    @classmethod
                    def find_spec(cls, fullname, path=None, target=None):
                        if fullname in MAPPING:
                            return PathFinder.find_spec(fullname, [MAPPING[fullname] + "/.."])
                        return None


                def install():
                    if not any(f is _EditableFinder for f in sys.meta_path):
                        sys.meta_path.append(_EditableFinder)
                """
            ),
        },
    )
)

add(
    ok(
        "pth-coverage-subprocess-hook",
        "a coverage helper whose documented purpose is a .pth that starts coverage in subprocesses",
        Build.WHEEL,
        {
            "covhook.pth": "import covhook; covhook.process_startup()\n",
            "covhook/__init__.py": src(
                '''
                """Measure coverage in subprocesses.

                This package installs ``covhook.pth``: when ``COVERAGE_PROCESS_START``
                names a config file, every new interpreter starts coverage.
                """

                import os


                def process_startup():
                    config = os.environ.get("COVERAGE_PROCESS_START")
                    if not config:
                        return None
                    import coverage

                    return coverage.process_startup()
                '''
            ),
        },
        name="covhook",
    )
)

# --- binaries and bundles that belong ------------------------------------------------------

_ELF_SO = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x03\x00\x3e\x00" + noise("so", 4096)

add(
    ok(
        "platform-wheel-compiled-extension",
        "a cp311 manylinux wheel with a compiled extension module and a Python wrapper",
        Build.WHEEL,
        {
            "fastmath/__init__.py": "from ._core import add, mul\n\n__all__ = ['add', 'mul']\n",
            "fastmath/_core.cpython-311-x86_64-linux-gnu.so": _ELF_SO,
            "fastmath/_core.pyi": "def add(a: float, b: float) -> float: ...\n"
            "def mul(a: float, b: float) -> float: ...\n",
            "fastmath/py.typed": "",
        },
        name="fastmath",
        wheel_tag="cp311-cp311-manylinux_2_17_x86_64",
    )
)

add(
    ok(
        "platform-wheel-bundled-shared-libs",
        "a manylinux wheel with auditwheel-style vendored .libs",
        Build.WHEEL,
        {
            "imgcodec/__init__.py": "from ._codec import decode\n",
            "imgcodec/_codec.cpython-311-x86_64-linux-gnu.so": _ELF_SO,
            "imgcodec.libs/libjpeg-8a3b1c2d.so.62.3.0": b"\x7fELF\x02\x01\x01\x00"
            + noise("libjpeg", 3000),
        },
        name="imgcodec",
        wheel_tag="cp311-cp311-manylinux_2_17_x86_64",
    )
)

add(
    ok(
        "tzdata-like-binary-data",
        "a pure-Python wheel shipping TZif binary data files (data, not executables)",
        Build.WHEEL,
        {
            "tzsample/__init__.py": '"""IANA time zone data."""\n\nIANA_VERSION = "2024a"\n',
            "tzsample/zoneinfo/__init__.py": "",
            "tzsample/zoneinfo/Europe/Berlin": b"TZif2" + bytes(15) + noise("berlin", 700),
            "tzsample/zoneinfo/UTC": b"TZif2" + bytes(15) + noise("utc", 100),
        },
        name="tzsample",
    )
)

_MINIFIED_JS = (
    "/*! widgets v3.2.1 | MIT */!function(e,t){'object'==typeof exports?module.exports=t():"
    "e.widgets=t()}(this,function(){'use strict';"
    + "".join(
        f"var w{i}=function(n){{return n&&n.nodeType===1?n.getAttribute('data-w{i}'):null}};"
        for i in range(400)
    )
    + "return{version:'3.2.1'}});\n"
)

add(
    ok(
        "vendored-minified-js",
        "a web extension with vendored minified JavaScript (one very long line)",
        Build.WHEEL,
        {
            "webwidgets/__init__.py": src(
                """
                from importlib.resources import files


                def static_path():
                    return files(__name__) / "static"
                """
            ),
            "webwidgets/static/widgets.min.js": _MINIFIED_JS,
            "webwidgets/static/widgets.min.css": ".w{display:flex}" * 300 + "\n",
        },
        name="webwidgets",
    )
)

add(
    ok(
        "jupyter-server-extension",
        "a Jupyter server extension with a config file and a handler that fetches a URL",
        Build.WHEEL,
        {
            "jupyter_sample/__init__.py": src(
                """
                from .handlers import setup_handlers


                def _jupyter_server_extension_points():
                    return [{"module": "jupyter_sample"}]


                def _load_jupyter_server_extension(server_app):
                    setup_handlers(server_app.web_app)
                    server_app.log.info("jupyter_sample loaded")
                """
            ),
            "jupyter_sample/handlers.py": src(
                """
                import json

                from jupyter_server.base.handlers import APIHandler
                from jupyter_server.utils import url_path_join
                from tornado import web
                from tornado.httpclient import AsyncHTTPClient


                class ProxyHandler(APIHandler):
                    @web.authenticated
                    async def get(self):
                        url = self.get_argument("url")
                        resp = await AsyncHTTPClient().fetch(url)
                        self.finish(json.dumps({"status": resp.code}))


                def setup_handlers(web_app):
                    base = web_app.settings["base_url"]
                    route = url_path_join(base, "jupyter-sample", "fetch")
                    web_app.add_handlers(".*$", [(route, ProxyHandler)])
                """
            ),
            "jupyter_sample-1.0.0.data/data/etc/jupyter/jupyter_server_config.d/"
            "jupyter_sample.json": '{"ServerApp": {"jpserver_extensions": '
            '{"jupyter_sample": true}}}\n',
        },
        name="jupyter-sample",
    )
)

# --- base64 used for data ---------------------------------------------------------------------

_ICON = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise("icon", 300) + b"IEND\xaeB`\x82"
).decode()

add(
    ok(
        "base64-embedded-icon",
        "an embedded base64 PNG icon decoded to bytes on request, never executed",
        Build.WHEEL,
        {
            "samplegui/__init__.py": "",
            "samplegui/icons.py": "import base64\n\nAPP_ICON = (\n"
            + "".join(f'    "{_ICON[i : i + 76]}"\n' for i in range(0, len(_ICON), 76))
            + ")\n\n\ndef icon_bytes() -> bytes:\n    return base64.b64decode(APP_ICON)\n",
        },
        name="samplegui",
    )
)

add(
    ok(
        "base64-test-fixtures",
        "tests decode base64 fixtures (a gzip member and a certificate) for parser tests",
        Build.SDIST,
        {
            "setup.py": "from setuptools import setup\nsetup(name='samplepkg', version='1.0.0')\n",
            "samplepkg/__init__.py": "",
            "tests/test_parse.py": src(
                """
                import base64
                import gzip

                GZ = base64.b64decode("H4sIAAAAAAAAA8tIzcnJBwCGphA2BQAAAA==")
                CERT_DER = base64.b64decode(
                    "MIIBszCCAVmgAwIBAgIUFAKEFAKEFAKEFAKEFAKEFAKEFAKEwCgYIKoZIzj0EAwIw"
                )


                def test_gzip_fixture():
                    assert gzip.decompress(GZ) == b"hello"


                def test_cert_fixture_length():
                    assert len(CERT_DER) > 10
                """
            ),
        },
    )
)

# --- tests and docs with scary-looking content ----------------------------------------------------

add(
    ok(
        "tests-with-fake-secrets",
        "a test suite with fake AWS keys, tokens and a private-key placeholder",
        Build.SDIST,
        {
            "setup.py": "from setuptools import setup\nsetup(name='samplepkg', version='1.0.0')\n",
            "samplepkg/__init__.py": "",
            "samplepkg/redact.py": src(
                """
                import re

                _PATTERNS = [re.compile(r"AKIA[0-9A-Z]{16}"), re.compile(r"ghp_[0-9A-Za-z]{36}")]


                def redact(text: str) -> str:
                    for pattern in _PATTERNS:
                        text = pattern.sub("[redacted]", text)
                    return text
                """
            ),
            "tests/test_redact.py": src(
                """
                from samplepkg.redact import redact

                FAKE_AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
                FAKE_AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
                FAKE_GITHUB = "ghp_" + "0" * 36
                FAKE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\\nAAAAfake\\n-----END OPENSSH"


                def test_redacts_aws_key(monkeypatch):
                    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_AWS_KEY)
                    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_AWS_SECRET)
                    assert redact(f"key={FAKE_AWS_KEY}") == "key=[redacted]"


                def test_redacts_github_token():
                    assert FAKE_GITHUB not in redact(FAKE_GITHUB)
                """
            ),
        },
    )
)

add(
    ok(
        "tests-with-fake-webhook-urls",
        "tests of a notifier using fake Discord/Slack/Telegram webhook URLs and a mock server",
        Build.SDIST,
        {
            "setup.py": "from setuptools import setup\nsetup(name='notifykit', version='1.0.0')\n",
            "notifykit/__init__.py": src(
                """
                import json
                import urllib.request


                def notify(url: str, text: str) -> None:
                    body = json.dumps({"content": text, "text": text}).encode()
                    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
                    urllib.request.urlopen(req, timeout=10).close()
                """
            ),
            "tests/test_notify.py": src(
                """
                from unittest import mock

                import notifykit

                DISCORD = "https://discord.com/api/webhooks/123/fake-token-for-tests"
                SLACK = "https://hooks.slack.com/services/T000/B000/FAKEFAKEFAKE"
                TELEGRAM = "https://api.telegram.org/bot123:FAKE/sendMessage"


                def test_notify_posts_json():
                    with mock.patch("urllib.request.urlopen") as urlopen:
                        for url in (DISCORD, SLACK, TELEGRAM):
                            notifykit.notify(url, "build passed")
                    assert urlopen.call_count == 3
                """
            ),
        },
        name="notifykit",
    )
)

add(
    ok(
        "docs-sitecustomize-example",
        "a dev tool documenting a sitecustomize.py example in docs/ (not installed)",
        Build.SDIST,
        {
            "setup.py": "from setuptools import setup\nsetup(name='profkit', version='1.0.0')\n",
            "profkit/__init__.py": (
                "def enable():\n    import cProfile\n    return cProfile.Profile()\n"
            ),
            "docs/examples/sitecustomize.py": src(
                '''
                """Copy this file onto PYTHONPATH to profile every interpreter.

                See docs/usage.md, section "Profiling subprocesses".
                """

                import atexit
                import os

                if os.environ.get("PROFKIT_ENABLE"):
                    import profkit

                    _profiler = profkit.enable()
                    _profiler.enable()
                    atexit.register(_profiler.dump_stats, f"profkit-{os.getpid()}.prof")
                '''
            ),
            "docs/usage.md": "# Usage\n\n## Profiling subprocesses\n\nSee examples/.\n",
        },
        name="profkit",
    )
)

add(
    ok(
        "typed-library-many-modules",
        "an ordinary typed library: dataclasses, enums, py.typed",
        Build.BOTH,
        {
            "shapes/__init__.py": "from .core import Circle, Shape, Square\n",
            "shapes/core.py": src(
                """
                from __future__ import annotations

                import enum
                import math
                from dataclasses import dataclass


                class Kind(enum.Enum):
                    CIRCLE = "circle"
                    SQUARE = "square"


                @dataclass(frozen=True)
                class Shape:
                    kind: Kind

                    def area(self) -> float:
                        raise NotImplementedError


                @dataclass(frozen=True)
                class Circle(Shape):
                    radius: float = 1.0

                    def area(self) -> float:
                        return math.pi * self.radius**2


                @dataclass(frozen=True)
                class Square(Shape):
                    side: float = 1.0

                    def area(self) -> float:
                        return self.side**2
                """
            ),
            "shapes/py.typed": "",
        },
        name="shapes",
    )
)
# --- look-alikes of dependency-confusion probes and OS-gated droppers -----------------

add(
    ok(
        "telemetry-opt-in-version-ping",
        "opt-in usage ping: a function sends the version and OS to the project's HTTPS host",
        Build.WHEEL,
        {
            "skyplot/__init__.py": src(
                '''
                """Plotting helpers."""

                __version__ = "3.2.1"

                from skyplot._telemetry import maybe_ping

                maybe_ping(__version__)
                '''
            ),
            "skyplot/_telemetry.py": src(
                '''
                """Anonymous usage ping, off unless SKYPLOT_TELEMETRY=1 (see docs/telemetry.md)."""

                import json
                import os
                import platform
                import sys
                import urllib.request

                ENDPOINT = "https://telemetry.skyplot.example/v1/ping"


                def enabled() -> bool:
                    return os.environ.get("SKYPLOT_TELEMETRY", "") == "1"


                def maybe_ping(version: str) -> None:
                    if not enabled():
                        return
                    body = json.dumps(
                        {
                            "version": version,
                            "python": sys.version.split()[0],
                            "os": platform.system(),
                        }
                    ).encode()
                    req = urllib.request.Request(
                        ENDPOINT, data=body, headers={"Content-Type": "application/json"}
                    )
                    try:
                        urllib.request.urlopen(req, timeout=2).close()
                    except OSError:
                        pass
                '''
            ),
        },
        name="skyplot",
    )
)

add(
    ok(
        "setup-env-build-flags-os-branch",
        "setup.py reads build flags from os.environ and branches on sys.platform/os.name",
        Build.SDIST,
        {
            "setup.py": src(
                """
                import os
                import platform
                import subprocess
                import sys

                from setuptools import Extension, setup

                debug = os.environ.get("FASTHASH_DEBUG") == "1"
                no_ext = bool(os.environ.get("FASTHASH_NO_EXT"))
                compile_args = ["/O2"] if os.name == "nt" else ["-O3", "-fvisibility=hidden"]
                if debug:
                    compile_args = ["-O0", "-g"]
                libraries = ["advapi32"] if sys.platform == "win32" else []
                if sys.platform == "darwin" and platform.machine() == "arm64":
                    compile_args.append("-mcpu=apple-m1")
                if platform.system() == "Linux" and os.environ.get("FASTHASH_REGEN"):
                    subprocess.check_call([sys.executable, "tools/gen_tables.py"])

                ext = Extension(
                    "fasthash._core",
                    ["src/core.c"],
                    extra_compile_args=compile_args,
                    libraries=libraries,
                )
                setup(
                    name="fasthash",
                    version="0.9.0",
                    packages=["fasthash"],
                    ext_modules=[] if no_ext else [ext],
                )
                """
            ),
            "fasthash/__init__.py": '__version__ = "0.9.0"\n',
            "tools/gen_tables.py": "TABLE = [i * 31 % 256 for i in range(256)]\n",
            "src/core.c": "int fasthash_version(void) { return 9; }\n",
        },
        name="fasthash",
        version="0.9.0",
    )
)

add(
    ok(
        "cli-install-completion-curl",
        "a CLI's documented install-completion command curls a completion script",
        Build.WHEEL,
        {
            "tidyctl/__init__.py": '__version__ = "1.4.0"\n',
            "tidyctl/completion.py": src(
                '''
                """`tidyctl install-completion`: fetch the shell completion script."""

                import os
                import shutil
                import subprocess
                import sys

                URL = "https://tidyctl.example/completions/{shell}.sh"


                def install_completion(shell: str = "bash") -> int:
                    """Download the completion script for *shell* into the user's config."""
                    target = os.path.expanduser(f"~/.config/tidyctl/completion.{shell}")
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    if shutil.which("curl") is None:
                        print("curl is required", file=sys.stderr)
                        return 1
                    if sys.platform == "win32":
                        print("completion is not supported on Windows", file=sys.stderr)
                        return 1
                    subprocess.run(
                        ["curl", "-fsSL", URL.format(shell=shell), "-o", target], check=True
                    )
                    print(f"add 'source {target}' to your shell profile")
                    return 0
                '''
            ),
            "tidyctl/__main__.py": src(
                """
                import sys

                from tidyctl.completion import install_completion

                if len(sys.argv) > 1 and sys.argv[1] == "install-completion":
                    sys.exit(install_completion(*sys.argv[2:3]))
                """
            ),
        },
        name="tidyctl",
        version="1.4.0",
    )
)

add(
    ok(
        "init-platform-config-hostname-logging",
        "__init__ picks a config dir by OS and tags log records with the hostname",
        Build.WHEEL,
        {
            "jobrunner/__init__.py": src(
                """
                import logging
                import os
                import socket
                import sys

                if sys.platform == "win32":
                    CONFIG_DIR = os.path.join(os.environ.get("APPDATA", "~"), "jobrunner")
                elif sys.platform == "darwin":
                    CONFIG_DIR = os.path.expanduser("~/Library/Application Support/jobrunner")
                else:
                    CONFIG_DIR = os.path.expanduser("~/.config/jobrunner")

                HOST = socket.gethostname()
                if HOST.endswith(".local"):
                    HOST = HOST[: -len(".local")]

                logging.basicConfig(format=f"%(asctime)s {HOST} %(levelname)s %(message)s")
                log = logging.getLogger("jobrunner")
                """
            ),
        },
        name="jobrunner",
    )
)

add(
    ok(
        "update-checker-picks-asset-by-os",
        "a function checks the latest release and names the download for this OS",
        Build.WHEEL,
        {
            "fetchbin/__init__.py": '__version__ = "0.3.0"\n',
            "fetchbin/update.py": src(
                '''
                """Tell the user when a newer release exists (never installs anything)."""

                import json
                import platform
                import urllib.request

                API = "https://api.fetchbin.example/releases/latest"


                def latest() -> tuple[str, str]:
                    with urllib.request.urlopen(API, timeout=5) as resp:
                        release = json.load(resp)
                    system = platform.system().lower()
                    if system == "windows":
                        asset = f"fetchbin-{release['tag_name']}-windows.zip"
                    else:
                        asset = f"fetchbin-{release['tag_name']}-{system}.tar.gz"
                    return release["tag_name"], asset


                def check(current: str) -> None:
                    tag, asset = latest()
                    if tag.lstrip("v") != current:
                        print(f"fetchbin {tag} is available: download {asset} from the releases")
                '''
            ),
        },
        name="fetchbin",
        version="0.3.0",
    )
)

add(
    ok(
        "local-ip-via-udp-connect",
        "the UDP `connect()` idiom to learn the local address, with the hostname",
        Build.WHEEL,
        {
            "netinfo/__init__.py": src(
                """
                import socket

                __version__ = "2.0.0"


                def local_ip() -> str:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    try:
                        s.connect(("gateway.netinfo.example", 80))
                        return s.getsockname()[0]
                    finally:
                        s.close()


                def describe() -> str:
                    return f"{socket.gethostname()} ({local_ip()})"
                """
            ),
        },
        name="netinfo",
        version="2.0.0",
    )
)

add(
    ok(
        "init-calls-helpers-in-other-modules",
        "__init__ calls helpers of its own modules on import: a git-describe version "
        "lookup, an update check against its own documented host, and a cache directory",
        Build.BOTH,
        {
            "tidyver/__init__.py": src(
                """
                from ._version import get_version
                from ._cache import ensure_cache_dir
                from . import _update

                __version__ = get_version()
                CACHE = ensure_cache_dir()
                _update.schedule_check()
                """
            ),
            "tidyver/_version.py": src(
                """
                import subprocess


                def get_version() -> str:
                    try:
                        out = subprocess.run(
                            ["git", "describe", "--tags"], capture_output=True, text=True
                        )
                    except OSError:
                        return "0+unknown"
                    return out.stdout.strip() or "0+unknown"
                """
            ),
            "tidyver/_cache.py": src(
                """
                import os


                def ensure_cache_dir() -> str:
                    root = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
                    path = os.path.join(root, "tidyver")
                    os.makedirs(path, exist_ok=True)
                    return path
                """
            ),
            "tidyver/_update.py": src(
                """
                import json
                import os
                import threading
                import urllib.request

                URL = "https://updates.tidyver.example/latest.json"


                def _check() -> None:
                    if os.environ.get("TIDYVER_NO_UPDATE_CHECK"):
                        return
                    try:
                        with urllib.request.urlopen(URL, timeout=2) as response:
                            latest = json.load(response).get("version")
                    except (OSError, ValueError):
                        return
                    if latest:
                        print(f"tidyver {latest} is available")


                def schedule_check() -> None:
                    threading.Thread(target=_check, daemon=True).start()
                """
            ),
        },
        name="tidyver",
    )
)

BENIGN: tuple[Sample, ...] = tuple(SAMPLES)
