"""Find index URLs in the files installers read: requirements, pip.conf, uv.toml, pyproject.

Parsing is pure (text in, `IndexOption`s out) so that the audit, the scanner and
the server can run `check_index_url` on whatever they already hold; reading a
named file is the caller's (`cli/check_index.py`).
"""

from __future__ import annotations

import configparser
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycustoms.errors import TargetError

_REQUIREMENT_OPTIONS = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
}
_PIP_KEYS = ("index-url", "extra-index-url", "find-links")


@dataclass(frozen=True, slots=True)
class IndexOption:
    """One index URL and where it was configured."""

    url: str
    option: str
    source: str
    line: int | None = None


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Requirements-file lines with `\\` continuations joined, comments removed."""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = raw
        if line.lstrip().startswith("#"):
            line = ""
        elif " #" in line or "\t#" in line:
            line = line[: min(i for i in (line.find(" #"), line.find("\t#")) if i >= 0)]
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def index_options_from_requirements(text: str, source: str) -> list[IndexOption]:
    """Index options (`-i`, `--index-url`, `--extra-index-url`, `-f`) of a requirements file."""
    found: list[IndexOption] = []
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped.startswith("-"):
            continue
        try:
            tokens = shlex.split(stripped)
        except ValueError:
            tokens = stripped.split()
        position = 0
        while position < len(tokens):
            token = tokens[position]
            flag, sep, value = token.partition("=")
            if flag in _REQUIREMENT_OPTIONS:
                if not sep and position + 1 < len(tokens):
                    position += 1
                    value = tokens[position]
                if value:
                    found.append(IndexOption(value, _REQUIREMENT_OPTIONS[flag], source, number))
            elif token.startswith("-i") and len(token) > 2:  # `-ihttps://...`
                found.append(IndexOption(token[2:], "index-url", source, number))
            position += 1
    return found


def index_options_from_pip_conf(text: str, source: str) -> list[IndexOption]:
    """Index options in a pip configuration file (`pip.conf`, `pip.ini`), every section."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise TargetError(f"{source}: not a valid pip configuration file ({exc})") from None
    found: list[IndexOption] = []
    for section in parser.sections():
        for key in _PIP_KEYS:
            value = parser.get(section, key, fallback=None)
            found.extend(
                IndexOption(url, key, source, _line_of(text, url)) for url in (value or "").split()
            )
    return found


def _uv_table(table: Mapping[str, Any], text: str, source: str) -> list[IndexOption]:
    found: list[IndexOption] = []

    def add(value: Any, option: str) -> None:
        values = value if isinstance(value, list) else [value]
        found.extend(
            IndexOption(item, option, source, _line_of(text, item))
            for item in values
            if isinstance(item, str)
        )

    for key in ("index-url", "extra-index-url", "find-links"):
        if key in table:
            add(table[key], key)
    pip = table.get("pip")
    if isinstance(pip, Mapping):
        for key in ("index-url", "extra-index-url", "find-links"):
            if key in pip:
                add(pip[key], key)
    indexes = table.get("index")
    if isinstance(indexes, list):
        for entry in indexes:
            if isinstance(entry, Mapping) and "url" in entry:
                add(entry["url"], "index")
    return found


def _load_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{source}: not valid TOML ({exc})") from None


def index_options_from_uv_toml(text: str, source: str) -> list[IndexOption]:
    """Index options in `uv.toml` (`index-url`, `extra-index-url`, `find-links`, `[[index]]`)."""
    return _uv_table(_load_toml(text, source), text, source)


def index_options_from_pyproject(text: str, source: str) -> list[IndexOption]:
    """Index options in `[tool.uv]` of a `pyproject.toml`."""
    tool = _load_toml(text, source).get("tool", {})
    uv = tool.get("uv") if isinstance(tool, Mapping) else None
    return _uv_table(uv, text, source) if isinstance(uv, Mapping) else []


def index_options_from_text(text: str, source: str) -> list[IndexOption]:
    """Parse *text* by the kind of file *source* names."""
    name = Path(source).name.lower()
    if name == "pyproject.toml":
        return index_options_from_pyproject(text, source)
    if name.endswith(".toml"):
        return index_options_from_uv_toml(text, source)
    if name.endswith((".conf", ".ini", ".cfg")):
        return index_options_from_pip_conf(text, source)
    return index_options_from_requirements(text, source)
