"""Package-wide rules: binaries where only sources belong, exec of shipped files, combinations."""

from __future__ import annotations

import struct

from pycustoms.analyzers.code import FileReport
from pycustoms.analyzers.code.context import ExecContext, PackageKind
from pycustoms.analyzers.code.package_rules import (
    RULES,
    ExecTarget,
    FileFacts,
    PackageFacts,
    assignments_only,
    binary_kind,
    opaque_member_findings,
    package_findings,
    wheel_tags,
    xor_binary_kind,
)
from pycustoms.types import Capability, Severity

ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 57
PE = b"MZ" + b"\0" * 58 + struct.pack("<I", 64) + b"PE\0\0" + b"\0" * 20
MACHO = b"\xcf\xfa\xed\xfe" + b"\0" * 28
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x34"


def _rules(facts: PackageFacts) -> dict[str, Severity]:
    findings, _ = package_findings(facts)
    return {f.rule: f.severity for f in findings}


def test_rules_declared_once() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


def test_binary_kind_by_magic() -> None:
    assert binary_kind(ELF) == "ELF"
    assert binary_kind(PE) == "PE"
    assert binary_kind(MACHO) == "Mach-O"
    assert binary_kind(JAVA_CLASS) is None
    assert binary_kind(b"MZ is a text file that starts oddly" + b" " * 80) is None
    assert binary_kind(b"print('hi')\n") is None


def _xor(data: bytes, key: int) -> bytes:
    return bytes(b ^ key for b in data)


def test_an_executable_under_a_one_byte_xor_key_is_recognised() -> None:
    assert xor_binary_kind(_xor(PE, 0xE8)) == "PE"
    assert xor_binary_kind(_xor(ELF, 0x21)) == "ELF"
    assert xor_binary_kind(_xor(MACHO + b"\0" * 40, 0x5C)) == "Mach-O"
    assert xor_binary_kind(PE) is None  # key 0: a plain executable, `binary_kind`'s job
    # "MZ" under a key, but no PE header where the DOS header points: noise, not a program.
    assert xor_binary_kind(_xor(b"MZ" + bytes(range(100)), 0x33)) is None
    assert xor_binary_kind(b"\x89PNG\r\n\x1a\n" + b"\0" * 80) is None
    assert xor_binary_kind(_xor(PE, 0xE8)[:40]) is None  # too short to judge


def test_opaque_members() -> None:
    encoded = opaque_member_findings("pkg/test.py", _xor(PE, 0xE8), ExecContext.IMPORT)
    assert [(f.rule, f.severity) for f in encoded] == [
        ("code/encoded-executable", Severity.CRITICAL)
    ]
    opaque = opaque_member_findings("pkg/utilities.py", b"\xa5\xb2x\0\0payload", ExecContext.IMPORT)
    assert [(f.rule, f.severity) for f in opaque] == [("code/binary-source", Severity.HIGH)]
    # A macOS resource fork that tar picked up (`._setup.py`) is not a disguised file.
    fork = opaque_member_findings("pkg/._setup.py", b"\x00\x05\x16\x07" + b"\0" * 80,
                                  ExecContext.IMPORT)  # fmt: skip
    assert fork == []
    assert opaque_member_findings("pkg/data.bin", b"\0" * 80, ExecContext.IMPORT) == []
    fixture = opaque_member_findings("tests/nul.py", b"x = 1\0", ExecContext.TEST)
    assert [(f.rule, f.severity) for f in fixture] == [("code/binary-source", Severity.MEDIUM)]


def test_wheel_tags_and_purity() -> None:
    text = "Wheel-Version: 1.0\nTag: py2-none-any\nTag: py3-none-any\n"
    assert wheel_tags(text) == ("py2-none-any", "py3-none-any")
    assert PackageFacts(PackageKind.WHEEL, wheel_tags(text)).pure
    assert not PackageFacts(PackageKind.WHEEL, ("cp311-cp311-manylinux_2_17_x86_64",)).pure
    assert PackageFacts(PackageKind.SDIST).pure


def test_extension_in_platform_wheel_is_fine() -> None:
    facts = PackageFacts(
        PackageKind.WHEEL,
        ("cp311-cp311-manylinux_2_17_x86_64",),
        [FileFacts("pkg/_speedups.cpython-311-x86_64-linux-gnu.so", ExecContext.DATA, 64, "ELF")],
    )
    findings, caps = package_findings(facts)
    assert not findings
    assert caps == {Capability.NATIVE_BINARY}


def test_executable_in_pure_wheel_and_sdist() -> None:
    pure = PackageFacts(
        PackageKind.WHEEL,
        ("py3-none-any",),
        [FileFacts("pkg/bin/helper", ExecContext.DATA, 64, "ELF")],
    )
    assert _rules(pure) == {"code/binary-in-pure-package": Severity.HIGH}
    sdist = PackageFacts(
        PackageKind.SDIST, files=[FileFacts("lib/x.so", ExecContext.DATA, 9, "ELF")]
    )
    assert _rules(sdist) == {"code/binary-in-pure-package": Severity.MEDIUM}


def test_script_launchers_in_pure_wheel_are_fine() -> None:
    facts = PackageFacts(
        PackageKind.WHEEL,
        ("py3-none-any",),
        [FileFacts("setuptools/cli-64.exe", ExecContext.DATA, 64, "PE")],
    )
    assert not _rules(facts)


def test_disguised_binary() -> None:
    facts = PackageFacts(
        PackageKind.WHEEL,
        ("cp311-cp311-win_amd64",),
        [FileFacts("pkg/assets/logo.png", ExecContext.DATA, 64, "PE")],
    )
    assert _rules(facts) == {"code/disguised-binary": Severity.HIGH}
    hidden = PackageFacts(
        PackageKind.SDIST, files=[FileFacts("pkg/data/update", ExecContext.DATA, 64, "ELF")]
    )
    assert _rules(hidden) == {
        "code/disguised-binary": Severity.HIGH,
        "code/binary-in-pure-package": Severity.HIGH,
    }


def test_exec_of_shipped_text_file() -> None:
    files = [
        FileFacts("setup.py", ExecContext.INSTALL, 100),
        FileFacts("pkg/blob.txt", ExecContext.DATA, 5000),
    ]
    facts = PackageFacts(
        PackageKind.SDIST,
        files=files,
        exec_targets=[ExecTarget("setup.py", 3, "pkg/blob.txt", ExecContext.INSTALL)],
    )
    assert _rules(facts) == {"code/exec-non-python-file": Severity.CRITICAL}


def test_exec_of_version_file_or_missing_file_is_fine() -> None:
    files = [
        FileFacts("setup.py", ExecContext.INSTALL, 100),
        FileFacts("pkg/VERSION", ExecContext.DATA, 20, assignments_only=True),
    ]
    targets = [
        ExecTarget("setup.py", 3, "pkg/VERSION", ExecContext.INSTALL),
        ExecTarget("setup.py", 4, "not/shipped.txt", ExecContext.INSTALL),
        ExecTarget("setup.py", 5, "pkg/version.py", ExecContext.INSTALL),
    ]
    assert not _rules(PackageFacts(PackageKind.SDIST, files=files, exec_targets=targets))
    assert assignments_only("# version\n__version__ = '1.2.3'\nVERSION = (1, 2, 3)\n")
    assert not assignments_only("import os\nos.system('id')\n")


def test_cross_file_exfiltration_and_install_summary() -> None:
    files = [
        FileFacts("setup.py", ExecContext.INSTALL, 100),
        FileFacts("helper/collect.py", ExecContext.MODULE, 100),
    ]
    reports = {
        "setup.py": FileReport("setup.py", (), frozenset({Capability.NETWORK})),
        "helper/collect.py": FileReport(
            "helper/collect.py", (), frozenset({Capability.CREDENTIAL_READ})
        ),
    }
    facts = PackageFacts(
        PackageKind.SDIST,
        files=files,
        reports=reports,
        imports={"setup.py": frozenset({"helper.collect", "setuptools"})},
    )
    findings, caps = package_findings(facts)
    rules = {f.rule: f.severity for f in findings}
    assert rules == {
        "code/cross-file-exfiltration": Severity.HIGH,
        "code/install-time-code": Severity.LOW,
    }
    assert Capability.INSTALL_TIME in caps


def test_plain_setup_py_has_no_install_summary() -> None:
    facts = PackageFacts(
        PackageKind.SDIST,
        files=[FileFacts("setup.py", ExecContext.INSTALL, 100)],
        reports={"setup.py": FileReport("setup.py", (), frozenset({Capability.ENV_READ}))},
    )
    assert package_findings(facts) == ([], frozenset())
