"""The default upstream is pip's: its files, its variables, else its built-in default."""

from __future__ import annotations

from pathlib import Path

from pycustoms.upstream.pipconf import discover, pip_default_index


def test_file_then_env(tmp_path: Path) -> None:
    first = tmp_path / "a.conf"
    first.write_text("[global]\nindex-url = https://one.example/simple\n")
    second = tmp_path / "b.conf"
    second.write_text("[install]\nindex-url = https://two.example/simple\nextra-index-url = x y\n")
    found = discover({}, [first, second, tmp_path / "missing.conf"])
    assert found.index_url == "https://two.example/simple"
    assert found.extra_index_urls == ("x", "y")
    assert found.origin == str(second)
    env = discover({"PIP_INDEX_URL": "file:///srv/simple"}, [first])
    assert env.index_url == "file:///srv/simple"
    assert env.origin == "PIP_INDEX_URL"


def test_pip_default_when_nothing_is_set() -> None:
    found = discover({}, [])
    assert found.index_url == pip_default_index()
    assert found.index_url.startswith("https://")
