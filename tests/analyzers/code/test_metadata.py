"""The collector: which members it keeps, and how it merges what they declare."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pycustoms.analyzers.code.metadata import (
    MAX_KEPT,
    MAX_METADATA_BYTES,
    MetadataCollector,
    PackageMetadata,
    requirement_name,
)
from pycustoms.types import PackageKind

META = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: From core\n"


def _collect(kind: PackageKind, files: dict[str, bytes], depth: int = 0) -> PackageMetadata:
    collector = MetadataCollector()
    for path, data in files.items():
        collector.offer(kind, path, data, depth)
    return collector.declared()


def _names(meta: PackageMetadata) -> list[str]:
    return [d.name for d in meta.dependencies]


def test_requirement_name_normalises_and_drops_extras() -> None:
    assert requirement_name("Browser_Cookie3>=0.19") == "browser-cookie3"
    assert requirement_name('pywin32; sys_platform == "win32"') == "pywin32"
    assert requirement_name('pytest; extra == "test"') is None
    assert requirement_name("not a requirement !!") is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab-_.[];=<>@ /:'\"~!0\u00e9\\"), max_size=40))
def test_requirement_name_never_raises(text: str) -> None:
    name = requirement_name(text)
    assert name is None or name == name.lower()


def test_wheel_metadata_is_read_and_its_requirements_kept() -> None:
    meta = _collect(
        PackageKind.WHEEL,
        {
            "demo-1.0.dist-info/METADATA": META + b"Requires-Dist: Requests\nRequires-Dist: ?!\n",
            "demo/METADATA": b"Name: other\n",  # not the dist-info copy
        },
    )
    assert (meta.name, meta.version, meta.summary) == ("demo", "1.0", "From core")
    assert _names(meta) == ["requests"]
    assert meta.source == "demo-1.0.dist-info/METADATA"


def test_sdist_core_metadata_outranks_build_files() -> None:
    meta = _collect(
        PackageKind.SDIST,
        {
            "setup.py": b"from setuptools import setup\nsetup(name='other', install_requires=['a'])\n",
            "PKG-INFO": META + b"Requires-Dist: b\n",
        },
    )
    assert meta.name == "demo"
    assert _names(meta) == ["b"]


def test_sdist_without_declared_requirements_falls_back_to_egg_info_then_setup_py() -> None:
    with_egg_info = _collect(
        PackageKind.SDIST,
        {"PKG-INFO": META, "demo.egg-info/requires.txt": b"click\n[dev]\nblack\n"},
    )
    assert _names(with_egg_info) == ["click"]
    from_setup = _collect(
        PackageKind.SDIST,
        {
            "PKG-INFO": META,
            "setup.py": b"from setuptools import setup\nsetup(name='x', install_requires=['a'])\n",
        },
    )
    assert from_setup.name == "demo"
    assert _names(from_setup) == ["a"]
    assert from_setup.sources["requirements"] == "setup.py"


def test_build_files_alone_declare_the_package() -> None:
    meta = _collect(
        PackageKind.SDIST,
        {
            "pyproject.toml": b'[project]\nname = "pp"\ndependencies = ["httpx"]\n',
            "setup.py": b"from setuptools import setup\nsetup(name='sp', version='2.0')\n",
        },
    )
    assert (meta.name, meta.version) == ("pp", "2.0")
    assert _names(meta) == ["httpx"]


def test_egg_members() -> None:
    meta = _collect(PackageKind.EGG, {"EGG-INFO/PKG-INFO": META, "EGG-INFO/requires.txt": b"six\n"})
    assert meta.name == "demo"
    assert _names(meta) == ["six"]


def test_nested_large_and_unrelated_members_are_ignored() -> None:
    assert _collect(PackageKind.SDIST, {"PKG-INFO": META}, depth=1) == PackageMetadata()
    big = META + b"\n" + b"x" * MAX_METADATA_BYTES
    assert _collect(PackageKind.SDIST, {"PKG-INFO": big}) == PackageMetadata()
    assert _collect(PackageKind.SDIST, {"docs/PKG-INFO": META}) == PackageMetadata()
    assert _collect(PackageKind.FILE, {"PKG-INFO": META}) == PackageMetadata()


def test_the_number_of_kept_files_is_bounded() -> None:
    collector = MetadataCollector()
    for i in range(MAX_KEPT * 4):
        collector.offer(PackageKind.WHEEL, f"x{i:03}-1.dist-info/METADATA", META, 0)
    assert len(collector.kept) == MAX_KEPT
    assert collector.declared().name == "demo"
