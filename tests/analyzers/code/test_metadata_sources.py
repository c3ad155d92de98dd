"""The metadata readers: what each file format states, and nothing from what it cannot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pycustoms.analyzers.code.metadata_sources import (
    MAX_DESCRIPTION,
    MAX_LIST,
    Declared,
    from_core_metadata,
    from_pyproject,
    from_requires_txt,
    from_setup_cfg,
    from_setup_py,
)

CORE = b"""\
Metadata-Version: 2.1
Name: demo-kit
Version: 1.2.0
Summary: Tools for demos
Author: Jane Doe
Author-email: "Doe, Jane" <jane@demo.dev>, ops@demo.dev
Maintainer-email: Max <max@demo.dev>
Requires-Dist: requests>=2
Requires-Dist: pytest; extra == "test"

# demo-kit

A longer description in the body.
"""


def test_core_metadata_headers_and_body() -> None:
    declared = from_core_metadata("PKG-INFO", CORE)
    assert declared.name == "demo-kit"
    assert declared.version == "1.2.0"
    assert declared.summary == "Tools for demos"
    assert declared.description.startswith("# demo-kit")
    assert declared.authors == ("Jane Doe", "Doe, Jane", "Max")
    assert declared.emails == ("jane@demo.dev", "ops@demo.dev", "max@demo.dev")
    assert declared.requirements == ("requests>=2",)  # an extra's are not installed


def test_core_metadata_with_crlf_and_a_description_header() -> None:
    text = (
        b"Metadata-Version: 1.1\r\nName: old\r\nVersion: 0.1\r\n"
        b"Description: first line\r\n        |second line\r\n\r\n"
    )
    declared = from_core_metadata("PKG-INFO", text)
    assert declared.name == "old"
    assert declared.description.startswith("first line")


def test_core_metadata_skips_headers_it_does_not_use() -> None:
    lines = [f"Classifier: Topic :: {i}" for i in range(500)]
    lines += [f'Requires-Dist: extra{i}; extra == "all"' for i in range(500)]
    text = "\n".join(["Name: wide", "Version: 1", *lines, "Requires-Dist: idna", ""])
    declared = from_core_metadata("METADATA", text.encode())
    assert (declared.name, declared.requirements) == ("wide", ("idna",))


def test_a_long_description_header_is_cut() -> None:
    folded = "\n        |".join(["line"] * 10_000)
    text = f"Name: old\nDescription: {folded}\nRequires-Dist: six\n".encode()
    declared = from_core_metadata("PKG-INFO", text)
    assert declared.requirements == ("six",)
    assert len(declared.description) == MAX_DESCRIPTION


def test_core_metadata_description_is_bounded() -> None:
    text = b"Name: big\nVersion: 1\n\n" + b"x" * (MAX_DESCRIPTION * 10)
    assert len(from_core_metadata("PKG-INFO", text).description) == MAX_DESCRIPTION


def test_requires_txt_keeps_unconditional_and_marker_sections() -> None:
    text = b"requests\n# comment\n\n[:sys_platform == 'win32']\npywin32\n\n[socks]\npysocks\n"
    assert from_requires_txt("x.egg-info/requires.txt", text).requirements == (
        "requests",
        "pywin32",
    )


def test_pyproject_project_table() -> None:
    text = b"""\
[project]
name = "demo"
version = "0.3"
description = "A demo"
authors = [{name = "Ann", email = "ann@demo.dev"}, {email = "bot@demo.dev"}]
dependencies = ["httpx", 3]
"""
    declared = from_pyproject("pyproject.toml", text)
    assert (declared.name, declared.version, declared.summary) == ("demo", "0.3", "A demo")
    assert declared.authors == ("Ann",)
    assert declared.emails == ("ann@demo.dev", "bot@demo.dev")
    assert declared.requirements == ("httpx",)


def test_setup_cfg_skips_indirect_values() -> None:
    text = b"""\
[metadata]
name = demo
version = attr: demo.__version__
description = A demo
long_description = file: README.md
author_email = a@demo.dev

[options]
install_requires =
    requests
    click>=8
"""
    declared = from_setup_cfg("setup.cfg", text)
    assert declared.name == "demo"
    assert declared.version == ""
    assert declared.description == ""
    assert declared.emails == ("a@demo.dev",)
    assert declared.requirements == ("requests", "click>=8")


SETUP_PY = """\
raise SystemExit("this file is never run by the reader")
from setuptools import setup

NAME = "demo"
REQUIRED = ["requests", "click"]
setup(
    name=NAME,
    version="1.0",
    description="A demo",
    author="Your Name",
    author_email="you@example.com",
    install_requires=REQUIRED,
    long_description=open("README.md").read(),
)
"""


def test_setup_py_literal_arguments_and_module_constants() -> None:
    declared = from_setup_py("setup.py", SETUP_PY.encode())
    assert declared.name == "demo"
    assert declared.version == "1.0"
    assert declared.summary == "A demo"
    assert declared.description == ""  # open(...).read() is not a literal
    assert declared.authors == ("Your Name",)
    assert declared.emails == ("you@example.com",)
    assert declared.requirements == ("requests", "click")


def test_setuptools_attribute_call_and_string_requirements() -> None:
    text = b"import setuptools\nsetuptools.setup(name='x', install_requires='a\\nb')\n"
    assert from_setup_py("setup.py", text).requirements == ("a", "b")


def test_unreadable_files_state_nothing() -> None:
    empty = Declared("f")
    assert from_setup_py("f", b"def (:\n") == empty
    assert from_setup_py("f", b"print('no setup call')\n") == empty
    assert from_pyproject("f", b"[project\n") == empty
    assert from_pyproject("f", b"project = 3\n") == empty
    assert from_pyproject("f", b"a = " + b"[" * 100_000) == empty
    assert from_setup_py("f", b"setup(install_requires=" + b"[" * 100_000 + b")") == empty
    assert from_setup_cfg("f", b"no section header\n") == empty
    assert from_core_metadata("f", b"\xff\xfe\x00garbage").name == ""


READERS: list[Callable[[str, bytes], Declared]] = [
    from_core_metadata,
    from_requires_txt,
    from_pyproject,
    from_setup_cfg,
    from_setup_py,
]
# Fragments of every format, so that generated files get past the first line.
FRAGMENTS = st.sampled_from(
    [
        b"Name: x\n",
        b"Requires-Dist: ",
        b"\n\n",
        b"[project]\n",
        b"name = ",
        b"[metadata]\n",
        b"[options]\ninstall_requires =\n",
        b"setup(",
        b"install_requires=[",
        b"'a'",
        b")",
        b"]",
        b"\x00",
        b"\xff",
        b"[" * 50,
    ]
)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.binary(max_size=40)), max_size=30))
def test_readers_never_raise(reader: Callable[[str, bytes], Declared], parts: list[bytes]) -> None:
    declared = reader("f", b"".join(parts))
    assert declared.source == "f"
    assert len(declared.requirements) <= MAX_LIST
