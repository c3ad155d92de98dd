"""Combosquats: a popular name joined with a plausible word (`requests-toolkit`).

Many real projects look like this (`requests-toolbelt`, every `django-*`
plugin), so names alone give a weak signal: a combosquat is reported only for
very popular targets, loses weight when the target is a plugin ecosystem
(judged from how many popular names already extend it), and gains weight when
the added word is one squatters favour. Upstream facts (a days-old project with
a single release) are what raise it to a block; see `pycustoms.analyzers.names`.
"""

from __future__ import annotations

import re

from pycustoms.analyzers.names.forms import PREFIXES, collapse, strip_affixes, words
from pycustoms.analyzers.names.index import NameIndex
from pycustoms.analyzers.names.model import NameMatch, Technique, rank_points
from pycustoms.analyzers.names.typosquat import find_typosquat

# Words squatters bolt onto a popular name to look like a helper, a fix, a faster
# version, or a bait for one community. A legitimate extension usually names
# what it adds instead (`requests-cache`, `pandas-profiling`).
_LURE_TEXT = """
    utils util utilities tools tool toolkit toolbox kit sdk api apis lib libs library helper
    helpers help client async aio lite light plus pro dev core fix fixed patch patched update
    updated upgrade new latest official unofficial original secure fast faster free premium
    vip mod modified hack crack cracked unlocked extra extended advanced full install
    installer setup pkg pkgs package module modules wrapper beta alpha nightly next ext
    extension addon plugin stable master main proxy prox bypass auth token tokens x ng ex
    bot selfbot req essential essentials grabber stealer
"""
LURE_WORDS: frozenset[str] = frozenset(_LURE_TEXT.split())
# Praise that squatters and hobby projects alike put before a popular name
# (`easy-requests`, `simplerequests`): a lure only when it is all that was added;
# beside a word that says what the project does, it is a description.
_PRAISE_TEXT = """
    easy simple better best super ultra mini tiny smart quick turbo auto enhanced improved
    safe real true
"""
PRAISE_WORDS: frozenset[str] = frozenset(_PRAISE_TEXT.split())
_VERSION_TAG = re.compile(r"^v?\d+$")
# Glued without a separator, a lure word needs this many characters to be read
# as one (`chardetng` is not `chardet` + `ng`), and a number must look like a
# version or a year (`pandasv2`, `requests2024`; `pyjwt512` is something else).
_MIN_GLUED_LURE = 3
_GLUED_NUMBER = re.compile(r"^(v\d+|(19|20)\d\d)$")
# Affix words are the typosquat analyzer's business (`requests-py`).
_AFFIX_WORDS = frozenset({"py", "py3", "python", "python3", "lib"})

# Only targets this popular are worth a names-only combosquat report.
MAX_COMBO_RANK = 2_000
# A target extended by this many popular names is an ecosystem (`django-*`).
ECOSYSTEM_SIZE = 3
_MIN_TARGET = 4
_SHORT_TARGET = 5
_LONG_TARGET = 8
# Glued to another word without a separator, a name needs this many letters
# to be recognisable (`clickwheel` is not `click` + `wheel`), five for the most
# popular names.
_MIN_GLUED_TARGET = 6
_MIN_GLUED_TOP_TARGET = 5
_TOP_RANK = 200
MAX_EXTRA_WORDS = 2


def is_lure(word: str, *, alone: bool = False) -> bool:
    """True for a lure word, a version tag or a year (`v2`, `2024`).

    With `alone` (the only word added), praise counts too (`easy-requests`).
    """
    if word in LURE_WORDS or _VERSION_TAG.match(word):
        return True
    return alone and word in PRAISE_WORDS


def _popular_word(word: str, index: NameIndex) -> bool:
    target = index.collapsed.get(word)
    return target is not None and index.rank[target] <= MAX_COMBO_RANK


def _word_points(extra: list[str], index: NameIndex) -> int | None:
    """Points for the added words, or `None` when they name a plugin ecosystem.

    `django-websockets` is how Django plugins are named, not a squat of
    `websockets`; a word nobody lures with (`packaging-rust`) costs two points.
    """
    if any(not is_lure(w) and index.families.get(w, 0) >= ECOSYSTEM_SIZE for w in extra):
        return None
    if all(is_lure(w, alone=len(extra) == 1) for w in extra):
        return 2
    if any(is_lure(w) for w in extra):
        return 1
    if all(_popular_word(w, index) for w in extra):
        return 1  # two popular names glued together (`numpy-requests`)
    return -2


def _length_points(flat: str) -> int:
    """A short target turns up inside honest names by chance; a long one is meant."""
    if len(flat) < _SHORT_TARGET:
        return -1
    return 1 if len(flat) >= _LONG_TARGET else 0


def _ecosystem_points(target: str, index: NameIndex) -> int:
    family = index.families.get(target, 0)
    if family >= ECOSYSTEM_SIZE * 4:
        return -2
    if family >= ECOSYSTEM_SIZE:
        return -1
    return 0


def _weigh(name: str, target: str, extra: list[str], index: NameIndex) -> NameMatch | None:
    """Weigh *target* + *extra* words as a combosquat, or `None` if it is not one."""
    rank = index.rank[target]
    if rank > MAX_COMBO_RANK or len(collapse(target)) < _MIN_TARGET:
        return None
    if all(w in _AFFIX_WORDS for w in extra):
        return None
    word_points = _word_points(extra, index)
    if word_points is None:
        return None
    points = (
        rank_points(rank)
        + word_points
        + _ecosystem_points(target, index)
        + _length_points(collapse(target))
    )
    detail = f"'{target}' + '{'-'.join(extra)}'"
    return NameMatch(name, target, rank, Technique.COMBOSQUAT, detail, points)


def _separated(name: str, parts: list[str], index: NameIndex) -> list[NameMatch | None]:
    """`colorama-utils`, `new-requests-2024`: the popular name as whole words of *name*.

    It leads or ends the name, with at most two words added; or sits between
    added words that are all lures (`new-requests-2024`). A popular name buried
    among ordinary words is not the subject: `odoo13-addon-sale-packaging-wishlist`
    is not about `packaging`.
    """
    count = len(parts)
    found: list[NameMatch | None] = []
    for start in range(count):
        for stop in range(start + 1, count + 1):
            extra = parts[:start] + parts[stop:]
            if not extra or len(extra) > MAX_EXTRA_WORDS:
                continue
            if start > 0 and stop < count and not all(map(is_lure, extra)):
                continue
            run = "-".join(parts[start:stop])
            target = run if run in index.rank else index.collapsed.get(collapse(run))
            if target is not None:
                found.append(_weigh(name, target, extra, index))

    return found


def _glued(name: str, index: NameIndex) -> list[NameMatch | None]:
    """`requestsutils`, `easyrequests`, `sagemakertransformers`: written without a separator.

    The other part must be a lure word or another popular name: an arbitrary
    glued word (`pandasql`) is how many honest names are made.
    """
    found: list[NameMatch | None] = []
    for cut in range(_MIN_GLUED_TOP_TARGET, len(name) - 1):
        for head, tail in ((name[:cut], name[cut:]), (name[-cut:], name[:-cut])):
            target = index.collapsed.get(head)
            if target is None or tail in _AFFIX_WORDS:
                continue
            rank = index.rank[target]
            if len(head) < (_MIN_GLUED_TOP_TARGET if rank <= _TOP_RANK else _MIN_GLUED_TARGET):
                continue
            if tail[-1].isdigit():
                lure = bool(_GLUED_NUMBER.match(tail))
            else:
                lure = len(tail) >= _MIN_GLUED_LURE and is_lure(tail, alone=True)
            if lure or (len(tail) >= _MIN_GLUED_TOP_TARGET and _popular_word(tail, index)):
                found.append(_weigh(name, target, [tail], index))
    return found


# A misspelt popular name is judged as a typosquat first; only a word this long
# is looked at, so that a short word is not read as a slip of a popular name.
_MIN_MISSPELT = 6
# The misspelt part must weigh more than a warning on its own (`matplatlib`):
# a lighter slip is most often an ordinary word (`decker` of `docker`).
MISSPELT_MIN_POINTS = 7
# A plural or an affix is how honest extensions name themselves (`clicks-util`).
_NOT_MISSPELT = frozenset({Technique.AFFIX, Technique.PLURAL})
# Combosquat points are on a scale one lower than typosquat points (the
# analyzer adds `COMBO_OFFSET`); a misspelt core keeps its typosquat severity.
COMBO_SCALE_OFFSET = 1


def _misspelt(name: str, parts: list[str], index: NameIndex) -> list[NameMatch | None]:
    """`matplatlib-plus`: a typosquat of a popular name with lure words added.

    The words added must all be lures (or versions and years): the lure does
    not hide the slip. The part must score `MISSPELT_MIN_POINTS` on its own and
    keep its target's first and last letters; the whole keeps the part's
    severity, capped at warn like every combosquat (a brand-new project raises
    it). Popular words are left to `_separated`.
    """
    found: list[NameMatch | None] = []
    count = len(parts)
    for start, stop in ((0, count - 1), (1, count), (1, count - 1)):
        extra = parts[:start] + parts[stop:]
        core = "-".join(parts[start:stop])
        if not extra or not core or len(extra) > MAX_EXTRA_WORDS:
            continue
        flat = collapse(core)
        if len(flat) < _MIN_MISSPELT or flat in index.collapsed or core in _AFFIX_WORDS:
            continue
        if not all(is_lure(w, alone=len(extra) == 1) for w in extra):
            continue
        if all(w in _AFFIX_WORDS for w in extra):
            continue
        # A version or a year after a misspelt name (`pnadas-2024`) is bait, not
        # a description: a warning-weight slip and any ending suffice.
        dated = all(_VERSION_TAG.match(w) for w in extra)
        typo = find_typosquat(core, index)
        least = MISSPELT_MIN_POINTS - (1 if dated else 0)
        if typo is None or typo.technique in _NOT_MISSPELT or typo.points < least:
            continue
        flat_target = collapse(typo.target)
        if flat_target[0] != core[0] or (flat_target[-1] != core[-1] and not dated):
            # Another start or ending is another word: `finance` (`yfinance`),
            # `network` (`networkx`), `validator` (`validators`), `schemas`.
            continue
        detail = f"'{core}' ({typo.technique.value} of '{typo.target}') + '{'-'.join(extra)}'"
        points = typo.points - COMBO_SCALE_OFFSET
        found.append(
            NameMatch(name, typo.target, typo.target_rank, Technique.COMBOSQUAT, detail, points)
        )
    return found


def _candidates(name: str, index: NameIndex) -> list[NameMatch | None]:
    parts = words(name)
    if len(parts) > 1:
        return [*_separated(name, parts, index), *_misspelt(name, parts, index)]
    return _glued(name, index)


def find_combosquat(name: str, index: NameIndex) -> NameMatch | None:
    """The strongest combosquat reading of normalised *name*, or `None`.

    Popular names are never combosquats of each other (`flask-sqlalchemy`). When
    nothing is found, a leading `py`/`python` is looked through (`pyhttpxhelp`
    reads as `httpx` + `help`; `pyinstaller-tool` stays `pyinstaller` + `tool`).
    """
    if name in index.rank:
        return None
    found = _candidates(name, index)
    if not any(found) and words(name)[0] not in index.collapsed:
        for stem, affix in strip_affixes(name):
            if affix in PREFIXES and collapse(stem) not in index.collapsed:
                found += _candidates(stem, index)
    matches = [m for m in found if m is not None]
    if not matches:
        return None
    best = max(matches, key=lambda m: (m.points, -m.target_rank))
    return NameMatch(name, best.target, best.target_rank, best.technique, best.detail, best.points)
