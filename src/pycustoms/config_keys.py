"""Refuse configuration keys that no setting reads.

A misspelt key (`block-scor = 90`, `[serve] requre-tokens = true`) would
otherwise be ignored, leaving the setting at its default: a typo must not
silently weaken a policy. Every settings area declares its keys as `Field`s;
this module gathers them into one tree and walks each configuration table
against it, naming every unknown key at once with the closest known one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any, TypeAlias

from pycustoms.errors import ConfigError
from pycustoms.settings_base import Field

# A table's known keys: a nested table, or `None` for a value (whose contents,
# such as the rule ids of `[severity]`, the setting's own parser checks).
KeyTree: TypeAlias = dict[str, "KeyTree | None"]

# Arrays of tables and the keys each of their tables may hold. `package` is
# optional in an ignore, so a misspelt one would widen the ignore to every package.
ITEM_KEYS: dict[str, frozenset[str]] = {
    "audit.ignore": frozenset({"id", "package", "reason", "expires"}),
}


def key_tree(keys: Iterable[str]) -> KeyTree:
    """The tree of dotted *keys* (`serve.port` -> {"serve": {"port": None}})."""
    root: KeyTree = {}
    for dotted in keys:
        node = root
        *tables, last = dotted.split(".")
        for part in tables:
            child = node.setdefault(part, {})
            if child is None:  # also a value: its contents are the parser's to check
                break
            node = child
        else:
            node.setdefault(last, None)
    return root


@cache
def known_keys() -> KeyTree:
    """Every key of every settings area, imported only when a file is to be checked."""
    return key_tree([f.key for _, _, area in areas() for f in area])


def areas() -> tuple[tuple[str, type, tuple[Field, ...]], ...]:
    """Every settings area: its name, its dataclass and its declared settings."""
    # Imported here: the areas import this package's config module, and only a run
    # that has a configuration file (or the docs generator) needs them all.
    from pycustoms.analyzers.provenance.settings import (  # noqa: PLC0415
        PROVENANCE_FIELDS,
        ProvenancePolicy,
    )
    from pycustoms.analyzers.release.settings import RELEASE_FIELDS, ReleasePolicy  # noqa: PLC0415
    from pycustoms.audit.settings import AUDIT_FIELDS, AuditSettings  # noqa: PLC0415
    from pycustoms.config import FIELDS, Policy  # noqa: PLC0415
    from pycustoms.incident.webhooks import WEBHOOK_FIELDS, WebhookSettings  # noqa: PLC0415
    from pycustoms.server.settings import SERVE_FIELDS, ServeSettings  # noqa: PLC0415
    from pycustoms.upstream.settings import UPSTREAM_FIELDS, UpstreamSettings  # noqa: PLC0415
    from pycustoms.vulns.settings import VULNS_FIELDS, VulnsSettings  # noqa: PLC0415
    from pycustoms.workers.settings import WORKER_FIELDS, WorkerSettings  # noqa: PLC0415

    return (
        ("Policy", Policy, FIELDS),
        ("Release", ReleasePolicy, RELEASE_FIELDS),
        ("Provenance", ProvenancePolicy, PROVENANCE_FIELDS),
        ("Upstream", UpstreamSettings, UPSTREAM_FIELDS),
        ("Audit", AuditSettings, AUDIT_FIELDS),
        ("Vulnerability database", VulnsSettings, VULNS_FIELDS),
        ("Server", ServeSettings, SERVE_FIELDS),
        ("Incident webhooks", WebhookSettings, WEBHOOK_FIELDS),
        ("Scan workers", WorkerSettings, WORKER_FIELDS),
    )


def _leaves(tree: KeyTree, prefix: str = "") -> Iterator[str]:
    for key, child in tree.items():
        if child is None:
            yield prefix + key
        else:
            yield from _leaves(child, f"{prefix}{key}.")


def _suggestion(key: str, siblings: KeyTree, prefix: str, tree: KeyTree) -> str:
    """` (did you mean 'x'?)` for a close sibling, or for the same key in another table."""
    close = difflib.get_close_matches(key, list(siblings), n=1, cutoff=0.75)
    if close:
        return f" (did you mean {prefix + close[0]!r}?)"
    elsewhere = [k for k in _leaves(tree) if k.rsplit(".", 1)[-1] == key]
    if not elsewhere:
        names = {k.rsplit(".", 1)[-1]: k for k in _leaves(tree)}
        elsewhere = [names[n] for n in difflib.get_close_matches(key, list(names), n=1)]
    if elsewhere:
        return f" (did you mean {' or '.join(repr(k) for k in sorted(elsewhere))}?)"
    return ""


def _problems(table: Mapping[str, Any], node: KeyTree, prefix: str, tree: KeyTree) -> Iterator[str]:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if key not in node:
            yield f"unknown key {dotted!r}{_suggestion(key, node, prefix, tree)}"
            continue
        child = node[key]
        if child is not None:
            if isinstance(value, Mapping):
                yield from _problems(value, child, dotted + ".", tree)
            else:
                yield f"{dotted!r} must be a table (of {', '.join(sorted(child))})"
            continue
        allowed = ITEM_KEYS.get(dotted)
        if allowed is not None and isinstance(value, list):
            for number, item in enumerate(value, start=1):
                extra = sorted(set(item) - allowed) if isinstance(item, Mapping) else []
                for name in extra:
                    close = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.75)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    yield f"unknown key {name!r} in {dotted} #{number}{hint}"


def check_keys(table: Mapping[str, Any], origin: str, *, within: str | None = None) -> None:
    """Raise `ConfigError` naming every key of *table* that no setting reads.

    *origin* names the file; *within* the table of the file that holds the
    settings (`tool.pycustoms` in pyproject.toml), if not the whole file.
    """
    tree = known_keys()
    problems = list(_problems(table, tree, "", tree))
    if not problems:
        return
    where = f"{origin} [{within}]" if within else origin
    raise ConfigError(
        f"{where}: {'; '.join(problems)}. pycustoms refuses keys it does not read, so that "
        "a misspelt one cannot leave a setting at its default: correct or remove them"
    )
