""".pth files: the lines run at start-up, the modules they import, and what they do."""

from __future__ import annotations

import pytest

from pycustoms.analyzers.code import ast_rules
from pycustoms.analyzers.code.pth import RULES, analyze_pth, pth_imported_modules
from pycustoms.types import Severity

DECLARED = {rule.id for rule in (*ast_rules.RULES, *RULES)}


@pytest.mark.parametrize(
    "text",
    [
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
        "'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
        "import __editable___mypkg_1_0_finder; __editable___mypkg_1_0_finder.install()\n",
        "/opt/lib/python3/site-packages/extra\n./src\n",
        'import sys; exec(\'import os\\nif os.getenv("COVERAGE_PROCESS_START"):\\n'
        "    import coverage\\n    coverage.process_startup()')\n",
    ],
)
def test_benign_pth_files(text: str) -> None:
    report = analyze_pth("x.pth", text)
    assert all(f.severity <= Severity.LOW for f in report.findings), report.findings


def test_own_module_import_in_pth_is_low() -> None:
    report = analyze_pth("mypkg.pth", "import mypkg.autoload\n")
    assert [f.severity for f in report.findings] == [Severity.LOW]


@pytest.mark.parametrize(
    "text",
    [
        "import base64; exec(base64.b64decode('cHJpbnQoMSk='))\n",
        "import subprocess; subprocess.Popen(['python', '-c', 'x'])\n",
        "import urllib.request as u; u.urlopen('https://x.invalid/beacon')\n",
        "import os; os.system('id')\n",
    ],
)
def test_malicious_pth_lines_are_critical(text: str) -> None:
    report = analyze_pth("evil.pth", text)
    assert max(f.severity for f in report.findings) is Severity.CRITICAL
    assert all(f.rule in DECLARED for f in report.findings)


def test_pth_imported_modules() -> None:
    assert pth_imported_modules("import a.b, c; __import__('d').go()\n/some/path\n") == {
        "a",
        "c",
        "d",
    }
