"""The hosts the names checks trust: pip's configured indexes, else pip's default.

Read through the one pip-configuration reader (`upstream.pipconf`); a file named by
`PIP_CONFIG_FILE` counts like pip's own files (before, with pip 26, the files were
not read at all: pip's private `Configuration.items()` had changed shape, and only
the variables counted).
"""

from __future__ import annotations

from pathlib import Path

from pycustoms.analyzers.names.hosts import hosts_of
from pycustoms.upstream.pipconf import pip_default_hosts, pip_trusted_hosts


def test_hosts_of_keeps_http_hosts_only() -> None:
    urls = ["https://A.example/simple", "file:///srv/simple", "http://b.example:8080/", "x"]
    assert hosts_of(urls) == ["a.example", "b.example"]


def test_pip_default_when_nothing_is_configured() -> None:
    assert pip_trusted_hosts({}, []) == list(pip_default_hosts())


def test_a_configured_index_replaces_the_default(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = https://mirror.example.org/simple/\n"
        "[install]\nextra-index-url = https://x.example.net/simple\n"
    )
    env = {"PIP_EXTRA_INDEX_URL": "https://e.example/"}
    assert pip_trusted_hosts(env, [conf, tmp_path / "missing.conf"]) == [
        "e.example",
        "mirror.example.org",
        "x.example.net",
    ]


def test_only_extra_indexes_keep_the_default(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nextra-index-url = https://only-extra.example/simple\n")
    hosts = pip_trusted_hosts({}, [conf])
    assert hosts == ["only-extra.example", *pip_default_hosts()]


def test_the_variables_count() -> None:
    assert pip_trusted_hosts({"PIP_INDEX_URL": "https://env.example/simple"}, []) == ["env.example"]


def test_pip_config_file_is_read_among_pip_files(tmp_path: Path) -> None:
    """With pip's own list of files, the one `PIP_CONFIG_FILE` names counts (read last)."""
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://named.example/simple/\n")
    assert "named.example" in pip_trusted_hosts({"PIP_CONFIG_FILE": str(conf)})
