"""Combosquats: a popular name joined with a plausible word (`requests-toolkit`).

Many real projects look like this (`requests-toolbelt`, every `django-*`
plugin), so names alone give a weak signal: a combosquat is reported only for
very popular targets, loses weight when the target is a plugin ecosystem
(judged from how many popular names already extend it), and gains weight when
the added word is one squatters favour. Upstream facts (a days-old project with
a single release) are what raise it to a block; see `pycustoms.analyzers.names`.
"""

from __future__ import annotations

from pycustoms.analyzers.names.index import NameIndex, collapse, words
from pycustoms.analyzers.names.model import NameMatch, Technique, rank_points

# Words squatters bolt onto a popular name to look like a helper, a fix or a
# faster version. A legitimate extension usually names what it adds instead.
_LURE_TEXT = """
    utils util utilities tools tool toolkit toolbox sdk api apis lib libs library helper helpers
    client async aio lite light plus pro dev core fix fixed patch patched update updated upgrade
    new latest official secure fast faster free mod modified hack extra extended full install
    installer setup pkg package module modules wrapper beta alpha nightly next ext extension addon
    plugin stable master main proxy bypass auth token tokens v2 v3 x ng ex bot selfbot
"""
LURE_WORDS: frozenset[str] = frozenset(_LURE_TEXT.split())
_LONGEST_LURE = max(map(len, LURE_WORDS))
# Affix words are the typosquat analyzer's business (`requests-py`).
_AFFIX_WORDS = frozenset({"py", "py3", "python", "python3", "lib", "2", "3"})

# Only targets this popular are worth a names-only combosquat report.
MAX_COMBO_RANK = 2_000
# A target extended by this many popular names is an ecosystem (`django-*`).
ECOSYSTEM_SIZE = 3
_MIN_TARGET = 4
MAX_EXTRA_WORDS = 2


def _word_points(extra: list[str], index: NameIndex) -> int | None:
    """Points for the added words, or `None` when they name a plugin ecosystem.

    `django-websockets` is how Django plugins are named, not a squat of
    `websockets`; a word nobody lures with (`packaging-rust`) costs two points.
    """
    if any(w not in LURE_WORDS and index.families.get(w, 0) >= ECOSYSTEM_SIZE for w in extra):
        return None
    if all(w in LURE_WORDS or w.isdigit() for w in extra):
        return 2
    if any(w in LURE_WORDS for w in extra):
        return 1
    if all(index.rank.get(w, MAX_COMBO_RANK + 1) <= MAX_COMBO_RANK for w in extra):
        return 1  # two popular names glued together (`numpy-requests`)
    return -2


def _ecosystem_points(target: str, index: NameIndex) -> int:
    family = index.families.get(target, 0)
    if family >= ECOSYSTEM_SIZE * 4:
        return -2
    if family >= ECOSYSTEM_SIZE:
        return -1
    return 0


def find_combosquat(name: str, index: NameIndex) -> NameMatch | None:
    """The strongest combosquat reading of normalised *name*, or `None`.

    Popular names are never combosquats of each other (`flask-sqlalchemy`).
    """
    if name in index.rank:
        return None
    parts = words(name)
    best: NameMatch | None = None
    count = len(parts)
    # The popular name leads or ends the new one, and at most two words are added:
    # `odoo13-addon-sale-packaging-wishlist` is not about `packaging`.
    runs = [(0, stop) for stop in range(max(1, count - MAX_EXTRA_WORDS), count)]
    runs += [(start, count) for start in range(1, min(count, MAX_EXTRA_WORDS + 1))]
    for start, stop in runs:
        run = "-".join(parts[start:stop])
        target = run if run in index.rank else index.collapsed.get(collapse(run))
        if target is None or len(collapse(target)) < _MIN_TARGET:
            continue
        rank = index.rank[target]
        if rank > MAX_COMBO_RANK:
            continue
        extra = parts[:start] + parts[stop:]
        if all(w in _AFFIX_WORDS for w in extra):
            continue
        word_points = _word_points(extra, index)
        if word_points is None:
            continue
        points = (
            rank_points(rank)
            + word_points
            + _ecosystem_points(target, index)
            - (1 if len(collapse(target)) < 5 else 0)
        )
        if best is None or (points, -rank) > (best.points, -best.target_rank):
            joined = "-".join(extra)
            best = NameMatch(
                name, target, rank, Technique.COMBOSQUAT, f"'{target}' + '{joined}'", points
            )
    if best is None and len(parts) == 1:
        best = _glued(name, index)
    return best


def _glued(name: str, index: NameIndex) -> NameMatch | None:
    """`requestsutils`: a popular name and a lure word written without a separator."""
    for cut in range(max(_MIN_TARGET, len(name) - _LONGEST_LURE), len(name) - 1):
        for head, tail in ((name[:cut], name[cut:]), (name[len(name) - cut :], name[:-cut])):
            target = index.collapsed.get(head)
            if target is None or tail not in LURE_WORDS or tail in _AFFIX_WORDS:
                continue
            rank = index.rank[target]
            if rank > MAX_COMBO_RANK or len(head) < 6:
                continue
            points = rank_points(rank) + 2 + _ecosystem_points(target, index)
            return NameMatch(
                name, target, rank, Technique.COMBOSQUAT, f"'{target}' + '{tail}'", points
            )
    return None
