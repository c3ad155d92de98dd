"""Shared fixtures. Fixture modules of their own are listed in `pytest_plugins`."""

from __future__ import annotations

import pytest

from tests.server import serverproc

pytest_plugins = [
    "tests.plugins.fake_upstream",
    "tests.plugins.postgres",
    "tests.plugins.redis",
    "tests.plugins.seaweed",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-online", action="store_true", help="run tests marked online (public index)"
    )


# What a test module imports to drive an installer: `make test-newest` runs those modules
# again with the newest pip and uv, found by this mark rather than by a list to keep up.
_INSTALLER_HELPERS = (serverproc.pip_install, serverproc.PIP_PYTHON, serverproc.UV)


def _drives_installers(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    names = vars(module).values() if module is not None else ()
    return any(value is helper for value in names for helper in _INSTALLER_HELPERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="needs the public index; pass --run-online")
    for item in items:
        if _drives_installers(item):
            item.add_marker(pytest.mark.installer)
        if "online" in item.keywords and not config.getoption("--run-online"):
            item.add_marker(skip)
