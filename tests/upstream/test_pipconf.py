"""The default upstream is pip's: its files, its variables, else its built-in default."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pycustoms.errors import ConfigError
from pycustoms.upstream.pipconf import (
    configured_index_urls,
    discover,
    pip_default_hosts,
    pip_default_index,
)


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


def test_every_configured_index_is_listed_with_nothing_overridden(tmp_path: Path) -> None:
    first = tmp_path / "a.conf"
    first.write_text("[global]\nindex-url = https://one.example/simple\n")
    second = tmp_path / "b.conf"
    second.write_text("[download]\nextra-index-url = https://x.example/s https://y.example/s\n")
    env = {"PIP_EXTRA_INDEX_URL": "file:///srv/simple"}
    urls, has_index = configured_index_urls(env, [first, second, tmp_path / "missing.conf"])
    assert urls == (
        "file:///srv/simple",
        "https://one.example/simple",
        "https://x.example/s",
        "https://y.example/s",
    )
    assert has_index
    assert configured_index_urls({}, [second]) == (
        ("https://x.example/s", "https://y.example/s"),
        False,
    )


def test_an_unreadable_pip_configuration_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "pip.conf"
    broken.write_text("index-url = https://no-section.example/\n")
    with pytest.raises(ConfigError, match="cannot be read"):
        configured_index_urls({}, [broken])


def test_pip_default_hosts_come_from_the_installed_pip() -> None:
    hosts = pip_default_hosts()
    assert hosts
    assert urlsplit(pip_default_index()).hostname in hosts
