"""Readers for the files in which a package says who it is: one `Declared` per file.

Core metadata (an sdist's `PKG-INFO`, a wheel's `METADATA`, an egg's
`EGG-INFO/PKG-INFO`) is the authority; `setup.py`, `setup.cfg` and
`pyproject.toml` are read when it is missing or leaves something unsaid. Nothing
here runs package code: `setup.py` is parsed with `ast`, and only literal
keyword arguments of its `setup()` call (or module-level constants they name)
are taken.

Every reader is total: text it cannot make sense of gives an empty `Declared`,
never an exception. Every value is bounded (`MAX_SUMMARY`, `MAX_DESCRIPTION`,
`MAX_LIST`), so a hostile file cannot make the record large.
"""

from __future__ import annotations

import ast
import configparser
import email.parser
import email.policy
import email.utils
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

MAX_SUMMARY = 512
MAX_DESCRIPTION = 2048  # the start of a long description is where a placeholder says so
MAX_LIST = 200  # requirements, authors or addresses kept from one file
_MAX_FIELD = 4096  # any one author, address or requirement string

_HEADERS = email.parser.HeaderParser(policy=email.policy.compat32)
_WANTED_HEADERS = (
    "name:",
    "version:",
    "summary:",
    "description:",
    "author",
    "maintainer",
    "requires-dist:",
)


@dataclass(frozen=True, slots=True)
class Declared:
    """What one metadata file states; a field the file does not state is empty."""

    source: str  # the member path
    name: str = ""
    version: str = ""
    summary: str = ""
    description: str = ""
    authors: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()  # PEP 508 strings as written


Reader = Callable[[str, bytes], Declared]
"""A reader: member path and bytes in, what the file declares out."""


def _clip(value: object, limit: int = _MAX_FIELD) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _strings(values: Iterable[object]) -> tuple[str, ...]:
    kept = (_clip(v) for v in values)
    return tuple(v for v in kept if v)[:MAX_LIST]


def _people(names: Iterable[str], fields: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Author names (*names* as written, plus display names) and addresses from *fields*.

    *fields* hold `Name <addr>, Other <addr>` lists; *names* are plain fields
    (`Author:`), kept whole because an address parser would cut `Your Name` short.
    """
    people = [n for n in names if n.strip()]
    addresses: list[str] = []
    for field in fields:
        for name, address in email.utils.getaddresses([field[:_MAX_FIELD]]):
            if name.strip():
                people.append(name)
            if "@" in address:
                addresses.append(address)
    return _strings(people), _strings(addresses)


def _split_headers(data: bytes) -> tuple[str, str]:
    """The header block of an RFC 822 style file, and the start of its body."""
    data = data.replace(b"\r\n", b"\n")
    end = data.find(b"\n\n")
    head, body = (data, b"") if end < 0 else (data[:end], data[end + 2 :])
    return head.decode("utf-8", "replace"), body[: MAX_DESCRIPTION * 4].decode("utf-8", "replace")


def _wanted_headers(head: str) -> str:
    """The header lines (with their continuations) that a `Declared` is made of.

    The email parser costs microseconds per line, and a wheel's metadata can
    hold hundreds of classifiers and requirements of extras. A continued
    header (metadata 1.x puts the whole description there) is cut once it is
    longer than anything kept from it.
    """
    kept: list[str] = []
    keep = False
    length = 0
    for line in head.split("\n"):
        if line[:1] in (" ", "\t"):
            length += len(line)
            if keep and length <= MAX_DESCRIPTION * 2:
                kept.append(line)
            continue
        key = line[:18].lower()
        keep = key.startswith(_WANTED_HEADERS) and not (
            key.startswith("requires-dist") and "extra" in line.partition(";")[2]
        )
        length = len(line)
        if keep:
            kept.append(line)
    return "\n".join(kept)


def from_core_metadata(path: str, data: bytes) -> Declared:
    """`PKG-INFO` / `METADATA` (the core metadata format: headers, then the description).

    Requirements of extras are left out: only `pkg[extra]` installs them.
    """
    head, body = _split_headers(data)
    message = _HEADERS.parsestr(_wanted_headers(head))

    def one(key: str) -> str:
        return _clip(str(message.get(key) or ""))

    def every(key: str) -> list[str]:
        return [str(v) for v in message.get_all(key) or ()]

    authors, emails = _people(
        every("Author") + every("Maintainer"), every("Author-email") + every("Maintainer-email")
    )
    description = one("Description") or body.strip()
    return Declared(
        path,
        name=one("Name"),
        version=one("Version"),
        summary=one("Summary")[:MAX_SUMMARY],
        description=description[:MAX_DESCRIPTION],
        authors=authors,
        emails=emails,
        requirements=_strings(every("Requires-Dist")),
    )


def from_requires_txt(path: str, data: bytes) -> Declared:
    """An egg-info `requires.txt`: the unconditional lines and `[:marker]` sections.

    `[extra]` sections are optional features that an install does not pull in.
    """
    kept: list[str] = []
    wanted = True
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("["):
            wanted = line.startswith("[:")
        elif wanted and line and not line.startswith("#"):
            kept.append(line)
    return Declared(path, requirements=_strings(kept))


def from_pyproject(path: str, data: bytes) -> Declared:
    """The static fields of `pyproject.toml`'s `[project]` table (PEP 621)."""
    try:
        project = tomllib.loads(data.decode("utf-8", "replace")).get("project")
    except (tomllib.TOMLDecodeError, RecursionError):  # tomllib recurses into nested arrays
        return Declared(path)
    if not isinstance(project, dict):
        return Declared(path)
    names: list[str] = []
    mails: list[str] = []
    for key in ("authors", "maintainers"):
        entries = project.get(key)
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict):
                names.append(_clip(entry.get("name")))
                mails.append(_clip(entry.get("email")))
    authors, emails = _people(names, mails)
    dependencies = project.get("dependencies")
    return Declared(
        path,
        name=_clip(project.get("name")),
        version=_clip(project.get("version")),
        summary=_clip(project.get("description"), MAX_SUMMARY),
        authors=authors,
        emails=emails,
        requirements=_strings(dependencies if isinstance(dependencies, list) else ()),
    )


def _cfg_value(value: str | None) -> str:
    # `file:` and `attr:` point elsewhere; only literal values are declarations.
    text = (value or "").strip()
    return "" if text.startswith(("file:", "attr:")) else text


def from_setup_cfg(path: str, data: bytes) -> Declared:
    """`setup.cfg`'s `[metadata]` and `[options] install_requires`."""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(data.decode("utf-8", "replace"))
    except configparser.Error:
        return Declared(path)

    def get(section: str, key: str) -> str:
        return _cfg_value(parser.get(section, key, fallback=None))

    authors, emails = _people(
        [get("metadata", "author"), get("metadata", "maintainer")],
        [get("metadata", "author_email"), get("metadata", "maintainer_email")],
    )
    requires = get("options", "install_requires").replace(";\n", "\n")
    return Declared(
        path,
        name=get("metadata", "name"),
        version=get("metadata", "version"),
        summary=get("metadata", "description")[:MAX_SUMMARY],
        description=get("metadata", "long_description")[:MAX_DESCRIPTION],
        authors=authors,
        emails=emails,
        requirements=_strings(line for line in requires.splitlines() if line.strip()),
    )


_SETUP_KEYWORDS = frozenset(
    {
        "name",
        "version",
        "description",
        "long_description",
        "author",
        "author_email",
        "maintainer",
        "maintainer_email",
        "install_requires",
    }
)


def _literal(node: ast.expr, constants: Mapping[str, object]) -> object:
    """The value of a literal *node*, or of a module-level constant it names; else None."""
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _module_constants(tree: ast.Module) -> dict[str, object]:
    """`NAME = literal` statements at the top of the module (`REQUIRED = [...]` templates)."""
    constants: dict[str, object] = {}
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            value = _literal(statement.value, {})
            if value is not None:
                constants[statement.targets[0].id] = value
    return constants


def _setup_call(tree: ast.Module) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "setup":
                return node
    return None


def from_setup_py(path: str, data: bytes) -> Declared:
    """The literal keyword arguments of the `setup()` call in *data* (never executed)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in hostile code are not our problem
            tree = ast.parse(data.decode("utf-8-sig", "replace"), path)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return Declared(path)
    call = _setup_call(tree)
    if call is None:
        return Declared(path)
    constants = _module_constants(tree)
    values: dict[str, object] = {
        k.arg: _literal(k.value, constants) for k in call.keywords if k.arg in _SETUP_KEYWORDS
    }
    authors, emails = _people(
        [_clip(values.get("author")), _clip(values.get("maintainer"))],
        [_clip(values.get("author_email")), _clip(values.get("maintainer_email"))],
    )
    requires = values.get("install_requires")
    if isinstance(requires, str):
        requires = requires.splitlines()
    return Declared(
        path,
        name=_clip(values.get("name")),
        version=_clip(values.get("version")),
        summary=_clip(values.get("description"), MAX_SUMMARY),
        description=_clip(values.get("long_description"), MAX_DESCRIPTION),
        authors=authors,
        emails=emails,
        requirements=_strings(requires if isinstance(requires, list | tuple) else ()),
    )
