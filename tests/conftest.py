"""Shared fixtures. Fixture modules of their own are listed in `pytest_plugins`."""

from __future__ import annotations

import pytest

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-online"):
        return
    skip = pytest.mark.skip(reason="needs the public index; pass --run-online")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)
