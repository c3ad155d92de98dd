"""`clientenv`: the files an installer will pick, from the environment in its User-Agent."""

from __future__ import annotations

import json

from packaging.version import Version

from pycustoms.server.clientenv import ClientEnv, client_env, pick
from pycustoms.server.filtering import ServedFile
from pycustoms.upstream.models import IndexFile

PIP_AGENT = "pip/24.0 " + json.dumps(
    {
        "cpu": "x86_64",
        "distro": {"libc": {"lib": "glibc", "version": "2.31"}, "name": "Debian"},
        "implementation": {"name": "CPython", "version": "3.11.7"},
        "installer": {"name": "pip", "version": "24.0"},
        "python": "3.11.7",
        "system": {"name": "Linux", "release": "6.1"},
    }
)
UV_MAC_AGENT = "uv/0.4.0 " + json.dumps(
    {
        "installer": {"name": "uv", "version": "0.4.0"},
        "python": "3.12.1",
        "implementation": {"name": "CPython", "version": "3.12.1"},
        "system": {"name": "Darwin", "release": "23.0"},
        "cpu": "arm64",
    }
)


def _served(filename: str, version: str, *, yanked: bool = False) -> ServedFile:
    item = IndexFile(filename, f"http://up/{filename}", {"sha256": "0" * 64}, yanked=yanked)
    return ServedFile(item, Version(version), None)


FILES = [
    _served("demo-1.0-py3-none-any.whl", "1.0"),
    _served("demo-2.0.tar.gz", "2.0"),
    _served("demo-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "2.0"),
    _served("demo-2.0-cp311-cp311-manylinux_2_34_x86_64.whl", "2.0"),
    _served("demo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", "2.0"),
    _served("demo-2.0-cp311-cp311-musllinux_1_1_x86_64.whl", "2.0"),
    _served("demo-2.0-cp311-cp311-win_amd64.whl", "2.0"),
    _served("demo-2.0-cp312-cp312-macosx_11_0_arm64.whl", "2.0"),
    _served("demo-2.0-py3-none-any.whl", "2.0"),
    _served("demo-3.0-py3-none-any.whl", "3.0", yanked=True),
]


def _names(files: list[ServedFile]) -> list[str]:
    return [f.file.filename for f in files]


def test_pip_user_agent_is_read() -> None:
    env = client_env(PIP_AGENT)
    assert env == ClientEnv((3, 11), "cp", "linux", "x86_64", "glibc", (2, 31))


def test_agents_without_an_environment_give_none() -> None:
    for agent in (None, "", "curl/8.0", "pip/1.0 {not json", 'pip/1.0 {"python": 3}'):
        assert client_env(agent) is None


def test_pick_takes_the_wheels_pip_on_linux_can_install_best_first() -> None:
    chosen = pick(FILES, client_env(PIP_AGENT), 4)
    # manylinux_2_34 needs a newer glibc than 2.31; musl, Windows, macOS and cp312 do not fit.
    assert _names(chosen) == [
        "demo-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "demo-2.0-py3-none-any.whl",
    ]


def test_pick_for_uv_on_a_mac() -> None:
    chosen = pick(FILES, client_env(UV_MAC_AGENT), 1)
    assert _names(chosen) == ["demo-2.0-cp312-cp312-macosx_11_0_arm64.whl"]


def test_pick_falls_back_to_the_sdist_when_no_wheel_fits() -> None:
    env = ClientEnv((3, 11), "cp", "freebsd", "amd64")
    files = [f for f in FILES if "py3-none" not in f.file.filename]
    assert _names(pick(files, env, 4)) == ["demo-2.0.tar.gz"]


def test_pick_without_an_environment_takes_the_newest_release_in_order() -> None:
    assert _names(pick(FILES, None, 2)) == [
        "demo-2.0.tar.gz",
        "demo-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ]
    assert pick(FILES, None, 0) == []
