"""The one Jinja environment of the server's HTML pages.

The templates are files of the package (`pycustoms/templates/`, shipped as package
data), read through jinja2's `PackageLoader`. Autoescaping is on for `.html` and for
any name without a known extension, so a template cannot be rendered unescaped by
a slip of its name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

PACKAGE = "pycustoms"
FOLDER = "templates"


@cache
def _loader() -> PackageLoader:
    return PackageLoader(PACKAGE, FOLDER)


def environment(
    filters: dict[str, Callable[..., Any]] | None = None,
    globals_: dict[str, Any] | None = None,
) -> Environment:
    """A new environment over the package's templates, with *filters* and *globals_*."""
    env = Environment(
        loader=_loader(),
        autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    )
    env.filters.update(filters or {})
    env.globals.update(globals_ or {})
    return env


def text(name: str) -> str:
    """The raw text of the template file *name* (a stylesheet inlined by hash)."""
    env = Environment(loader=_loader(), autoescape=True)
    source, _filename, _uptodate = _loader().get_source(env, name)
    return source
