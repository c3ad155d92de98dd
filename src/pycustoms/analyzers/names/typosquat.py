"""Typosquats: a name a slip of the finger or the eye away from a popular project.

`find_typosquat` returns the strongest `NameMatch` (or `None`) using the prebuilt
`NameIndex`: one edit (`classify_edit`), separators, look-alikes, repeated
letters, affixes and plurals, reordered words here; two changes at once in
`twoedits`. The weights are explained, with examples, in docs/names.md.
"""

from __future__ import annotations

from pycustoms.analyzers.names.edits import classify_edit, edit_position, squeeze, word_at
from pycustoms.analyzers.names.forms import (
    collapse,
    skeleton,
    strip_affixes,
    strip_plural,
    words,
)
from pycustoms.analyzers.names.index import NameIndex, Nearby, rare_pair
from pycustoms.analyzers.names.model import (
    ARBITRARY_EDITS,
    LONG_WORD,
    TECHNIQUE_POINTS,
    NameMatch,
    Technique,
    length_points,
    rank_points,
    word_points,
)
from pycustoms.analyzers.names.twoedits import two_edit_candidates

# Words of this many letters (up to nine; longer ones have `word_points`) take a
# point for a slip deep inside them.
INNER_MIN = 6
# Reordering this many words or more weighs a point more.
MANY_WORDS = 3
# Only an added letter: swaps and doubled letters already weigh 4, and one
# more point would block honest words (`shapley` of `shapely`).
INNER_SLIPS = frozenset({Technique.EXTRA_LETTER})

__all__ = ["classify_edit", "find_typosquat", "make_match", "typosquat_candidates"]


def make_match(
    name: str,
    target: str,
    rank: int,
    technique: Technique,
    detail: str,
    *,
    core: str | None = None,
    adjust: int = 0,
) -> NameMatch:
    """Weigh one match: rank + technique + length of the compared *core* + *adjust*."""
    points = rank_points(rank) + TECHNIQUE_POINTS[technique] + length_points(core or target)
    return NameMatch(name, target, rank, technique, detail, points + adjust)


def _edit_adjustment(name: str, target: str, technique: Technique, pairs: frozenset[str]) -> int:
    """Fine-tune a one-edit match by where the edit is and what it wrote.

    People rarely mistype the first letter, while many real projects differ from a
    popular one only there (`nbclient`/`wbclient`); adding a separator between
    two words (`bit-array`) is how many honest names are spelled; a slip
    inside a long word is rarer by chance than one inside a short one; and a
    slip that writes a letter pair words seldom use (`pygqme`) is not another
    word (`bagel` of `babel`).
    """
    first_letter = (
        Technique.SUBSTITUTION,
        Technique.EXTRA_LETTER,
        Technique.KEYBOARD_NEIGHBOUR,
    )
    if technique in first_letter and name[0] != target[0]:
        return -1
    if technique is Technique.SEPARATOR:
        return _separator_adjustment(name, target)
    if name[0] != target[0]:
        return 0  # `properties` from `jproperties`: a word, however long
    i = edit_position(name, target)
    if not (name[i : i + 1] + target[i : i + 1]).isalpha():
        return 0  # a digit next to a digit names a family member (`-cu11`/`-cu12`)
    word = word_at(target, i)
    # In a word this long even an arbitrary letter is a slip (`customtkinber`).
    arbitrary = technique in ARBITRARY_EDITS and len(word) >= LONG_WORD
    unworded = rare_pair(name, target, pairs, i)
    inner = technique in INNER_SLIPS and _inner_slip(word, i - (target.rfind("-", 0, i) + 1))
    return word_points(word) + (1 if arbitrary or inner else 0) + (1 if unworded else 0)


def _inner_slip(word: str, at: int) -> bool:
    """True for a slip deep inside a mid-length word (`pygaome`, `seleinium`).

    Another word of the same length mostly shares a stem and changes the ending
    (`djanga`, `pycrypte`) or the start (`finops`), or changes or drops a letter
    inside (`stride` of `stripe`, `botte`): only a letter added after the first
    two and before the last counts (`INNER_SLIPS`).
    """
    return INNER_MIN <= len(word) < 10 and 2 <= at <= len(word) - 2


def _separator_adjustment(name: str, target: str) -> int:
    """Adding a separator is how honest names are spelled (`bit-array`); writing a
    popular name's words run together (`fakeuseragent`, `pythondateutil`) is what a
    user types from memory and what squatters register (119 of 886k names do it)."""
    if len(name) > len(target):
        return -1
    return 1 if "-" not in name and "-" in target else 0


def _one_edit(name: str, index: NameIndex, nearby: Nearby) -> list[NameMatch]:
    found: list[NameMatch] = []
    for near in nearby.names:
        edit = classify_edit(name, near)
        if edit is not None:
            technique, detail = edit
            adjust = _edit_adjustment(name, near, technique, index.common_pairs)
            found.append(make_match(name, near, index.rank[near], technique, detail, adjust=adjust))
    return found


def _same_letters(name: str, folded: str, index: NameIndex) -> list[NameMatch]:
    """Other separators, look-alike characters, repeated letters, reordered words."""
    rank = index.rank
    found: list[NameMatch] = []
    flat = collapse(name)
    target = index.collapsed.get(flat)
    if target is not None and target != name:
        found.append(
            make_match(
                name,
                target,
                rank[target],
                Technique.SEPARATOR,
                "same letters, other separators",
                adjust=_separator_adjustment(name, target),
            )
        )
    target = index.skeletons.get(skeleton(flat))
    if target is not None and target != name and collapse(target) != flat:
        found.append(
            make_match(
                name,
                target,
                rank[target],
                Technique.VISUAL_LOOKALIKE,
                "look-alike characters (rn/m, l/1/i, 0/o)",
            )
        )
    target = index.squeezed.get(folded)
    # Only letters added: `pprintpp` -> `printp` or `addict` -> `aadict` is another word.
    if target is not None and len(target) < len(name):
        found.append(
            make_match(
                name,
                target,
                rank[target],
                Technique.REPEATED_LETTERS,
                "letters doubled or undoubled",
            )
        )
    parts = words(name)
    target = index.reordered.get("-".join(sorted(parts))) if len(parts) > 1 else None
    if target is None:
        target = index.glued.get(flat)
    if target is not None and target != name:
        # Three or more words in another order are seldom an honest coincidence
        # (`python-aliyun-sdk-ecs`); two words swapped often are (`log-json`).
        many = len(parts) >= MANY_WORDS
        found.append(
            make_match(
                name,
                target,
                rank[target],
                Technique.REORDERED_WORDS,
                "words reordered",
                adjust=1 if many else 0,
            )
        )
    return found


def _affixes(name: str, index: NameIndex) -> list[NameMatch]:
    """`python-requests`, `requests-py`, `pyfiglets`; and `dateutil` for `python-dateutil`."""
    rank = index.rank
    found: list[NameMatch] = []
    for stem, affix in strip_affixes(name):
        target = index.collapsed.get(collapse(stem))
        if target is None:
            target = index.stems.get(stem)
        if target is not None and target != name:
            found.append(
                make_match(
                    name,
                    target,
                    rank[target],
                    Technique.AFFIX,
                    f"affix '{affix}' added",
                    core=stem,
                    # Both names carry an affix around a shared stem (`py-retry`/`retry-py`):
                    # weaker than adding one to the real name.
                    adjust=0 if collapse(stem) in index.collapsed else -1,
                )
            )
    for stem, ending in strip_plural(name):
        target = index.collapsed.get(collapse(stem))
        if target is not None and target != name:
            found.append(
                make_match(
                    name, target, rank[target], Technique.PLURAL, f"plural '-{ending}'", core=stem
                )
            )
    target = index.stems.get(name) or index.stems.get(collapse(name))
    if target is not None and target != name:
        # `dateutil` -> `python-dateutil`: the affix of the real name was dropped.
        found.append(
            make_match(name, target, rank[target], Technique.AFFIX, "affix removed", core=name)
        )
    return found


def typosquat_candidates(name: str, index: NameIndex) -> list[NameMatch]:
    """Every popular project *name* imitates by a typo-like technique, unsorted.

    *name* must be PEP 503-normalised. A popular name is never a squat of another
    popular name (`boto`/`boto3`, `attrs`/`cattrs`), so popular names get `[]`.
    """
    if name in index.rank:
        return []
    nearby = index.nearby(name)
    folded = squeeze(name)
    return [
        *_one_edit(name, index, nearby),
        *_same_letters(name, folded, index),
        *_affixes(name, index),
        *two_edit_candidates(name, index, nearby, folded),
    ]


def find_typosquat(name: str, index: NameIndex) -> NameMatch | None:
    """The strongest typo-like match of normalised *name*, or `None`.

    Strongest means most points, then the more popular target.
    """
    candidates = typosquat_candidates(name, index)
    if not candidates:
        return None
    return max(candidates, key=lambda m: (m.points, -m.target_rank))
