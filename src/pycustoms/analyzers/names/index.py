"""The prebuilt lookup structure over popular project names.

A check must cost microseconds, so nothing here scans all popular names per
query. Built once per process (about a second for 15,000 names) from the
shipped `pycustoms/data/popular-names.tsv`:

- `rank`: normalised name -> download rank (1 is the most downloaded); a name
  that wraps a more popular one in an affix takes that one's rank (`pytorch`
  -> `torch`'s).
- `deletes`: every popular name and each string obtained by deleting one of its
  characters -> the popular names it came from. Two strings are within one
  edit (insertion, deletion, substitution, adjacent swap) only if their
  one-deletion neighbourhoods meet, so a query looks up its own `len + 1`
  deletion variants and verifies the few candidates (symmetric-delete search).
- `stem_deletes`: the same for affix stems (`beautifulsoup` of `beautifulsoup4`).
- `far_deletes`: popular long names (`two_edit_eligible`) and their affix stems
  (`beautifulsoup`) with up to two letters deleted -> names or stems; the same
  query keys find candidates two edits away.
- `collapsed`: name with separators removed -> popular name (`pythondateutil`).
- `skeletons`: name with visual look-alikes folded (`rn`->`m`, `1`/`i`->`l`,
  `0`->`o`) -> popular name.
- `squeezed`: name with repeated letters folded (`selleniumm` -> `selenium`).
- `stems`: popular name with a `py`/`python`/`-lib`/digit affix removed -> name.
- `reordered`: sorted separator-delimited words -> popular name.
- `glued`: the words of a two- or three-word popular name in another order,
  written without separators (`pythonkafka`) -> popular name.
- `families`: popular name -> how many other popular names extend it by whole
  words (`django` -> hundreds of `django-*`): a plugin ecosystem, where
  `name-word` is the normal way to name a project.
- `common_pairs`: the letter pairs that words of popular names use often. A
  slip that writes a pair outside it (`pygqme`, `wdb3`) makes a string nobody
  would choose as a word; honest neighbours are words (`bagel` of `babel`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

from pycustoms.analyzers.names.edits import squeeze
from pycustoms.analyzers.names.forms import (
    PREFIXES,
    SUFFIXES,
    collapse,
    deletions,
    glued_orders,
    letter_deletions_upto_two,
    letter_pairs,
    pairs_around,
    skeleton,
    strip_affixes,
    strip_plural,
    words,
)

__all__ = [
    "PREFIXES",
    "SUFFIXES",
    "TWO_EDIT_MAX_LENGTH",
    "TWO_EDIT_MIN_LENGTH",
    "NameIndex",
    "Nearby",
    "collapse",
    "default_index",
    "parse_ranking",
    "skeleton",
    "strip_affixes",
    "strip_plural",
    "two_edit_eligible",
    "words",
]

DATA_PACKAGE = "pycustoms.data"
DATA_FILE = "popular-names.tsv"

# Two-edit neighbours are looked up only for names this popular and this long
# (separators ignored): two edits from a short or obscure name reach thousands
# of honest names (`docutils` -> `dcmutils`, `dj-utils`, `db-utils`).
TWO_EDIT_MAX_RANK = 3_000
TWO_EDIT_MIN_LENGTH = 8
TWO_EDIT_MAX_LENGTH = 16
# A letter pair that fewer than this many popular-name words use is rare: about
# one pair in five of those seen (`gq`, `zm`, `wd`), each under 0.02 % of all pairs.
COMMON_PAIR_COUNT = 25


class Nearby(NamedTuple):
    """Candidates for one query, to be verified by the caller."""

    names: set[str]  # popular names possibly one edit away
    stems: set[str]  # affix stems possibly one edit away
    far: set[str]  # eligible popular names possibly two edits away


def two_edit_eligible(name: str, rank: int) -> bool:
    """True if two-edit neighbours of popular *name* at *rank* are worth looking up."""
    size = len(collapse(name))
    return rank <= TWO_EDIT_MAX_RANK and TWO_EDIT_MIN_LENGTH <= size <= TWO_EDIT_MAX_LENGTH


def _keep_best(table: dict[str, str], key: str, name: str, rank: dict[str, int]) -> None:
    current = table.get(key)
    if current is None or rank[name] < rank[current]:
        table[key] = name


def _inherit_wrapped_ranks(rank: dict[str, int]) -> None:
    """Share ranks between popular names that differ only by an affix.

    People type `pytorch` for `torch`, so the wrapped form takes the bare
    name's rank when that is better. A long bare name takes the wrapped one's
    (`beautifulsoup` for `beautifulsoup4`); a short one is a word of its own
    (`utils`, `dotenv`, `boto`) and keeps its rank.
    """
    flat = {collapse(name): name for name in sorted(rank, key=rank.__getitem__, reverse=True)}
    for name in list(rank):
        for stem, _ in strip_affixes(name):
            bare = flat.get(collapse(stem))
            if bare is None:
                continue
            rank[name] = min(rank[name], rank[bare])
            if len(collapse(bare)) >= TWO_EDIT_MIN_LENGTH:
                rank[bare] = min(rank[name], rank[bare])


def _families(rank: dict[str, int]) -> dict[str, int]:
    """How many popular names extend each popular name by whole words."""
    families: dict[str, int] = {}
    for name in rank:
        parts = words(name)
        runs = {
            "-".join(parts[start:stop])
            for start in range(len(parts))
            for stop in range(start + 1, len(parts) + 1)
            if stop - start < len(parts)
        }
        for run in runs & rank.keys():
            families[run] = families.get(run, 0) + 1
    return families


def _common_pairs(rank: dict[str, int]) -> frozenset[str]:
    """Letter pairs used at least `COMMON_PAIR_COUNT` times in the words of popular names."""
    counts: dict[str, int] = {}
    for name in rank:
        for pair in letter_pairs(name):
            counts[pair] = counts.get(pair, 0) + 1
    return frozenset(pair for pair, count in counts.items() if count >= COMMON_PAIR_COUNT)


def rare_pair(name: str, target: str, pairs: frozenset[str], i: int) -> bool:
    """True if the edit at *i* wrote a letter pair that *target* lacks and few words use."""
    return any(p not in pairs and p not in target for p in pairs_around(name, i))


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """`key -> values` from `(key, value)` pairs, values in order of first appearance."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        found = grouped.get(key)
        if found is None:
            grouped[key] = [value]
        else:
            found.append(value)
    return {key: tuple(values) for key, values in grouped.items()}


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of lists are made.

    None of them can form a cycle, yet each allocation burst triggers a full
    scan of a growing heap: with the collector on, the build takes several
    times longer.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Lookup tables over the popular names; build with `NameIndex.build` or `default_index`."""

    rank: dict[str, int]
    deletes: dict[str, tuple[str, ...]]
    stem_deletes: dict[str, tuple[str, ...]]
    far_deletes: dict[str, tuple[str, ...]]
    collapsed: dict[str, str]
    skeletons: dict[str, str]
    squeezed: dict[str, str]
    stems: dict[str, str]
    reordered: dict[str, str]
    glued: dict[str, str]
    families: dict[str, int]
    common_pairs: frozenset[str]

    @classmethod
    def build(cls, ranked: Iterable[tuple[int, str]]) -> NameIndex:
        """Build the tables from `(rank, normalised name)` pairs."""
        rank: dict[str, int] = {}
        for position, name in ranked:
            if name and (name not in rank or position < rank[name]):
                rank[name] = position
        _inherit_wrapped_ranks(rank)
        collapsed: dict[str, str] = {}
        skeletons: dict[str, str] = {}
        squeezed: dict[str, str] = {}
        stems: dict[str, str] = {}
        reordered: dict[str, str] = {}
        glued: dict[str, str] = {}
        for name in rank:
            flat = collapse(name)
            _keep_best(collapsed, flat, name, rank)
            _keep_best(skeletons, skeleton(flat), name, rank)
            _keep_best(squeezed, squeeze(name), name, rank)
            for stem, _ in strip_affixes(name):
                _keep_best(stems, stem, name, rank)
            parts = words(name)
            for order in glued_orders(parts):
                _keep_best(glued, order, name, rank)
            if len(parts) > 1:
                _keep_best(reordered, "-".join(sorted(parts)), name, rank)
        with _no_cyclic_gc():
            deletes = _grouped((key, name) for name in rank for key in (name, *deletions(name)))
            stem_deletes = _grouped(
                (key, stem) for stem in stems for key in (stem, *deletions(stem))
            )
            far_deletes = _grouped(
                (key, name)
                for name in (*rank, *(s for s in stems if s not in rank))
                if two_edit_eligible(name, rank.get(name) or rank[stems[name]])
                for key in letter_deletions_upto_two(name)
            )
        return cls(
            rank,
            deletes,
            stem_deletes,
            far_deletes,
            collapsed,
            skeletons,
            squeezed,
            stems,
            reordered,
            glued,
            _families(rank),
            _common_pairs(rank),
        )

    def nearby(self, name: str) -> Nearby:
        """Candidates around normalised *name*: one probe per deletion key.

        The `far` candidates come from *name* with at most one character
        deleted against eligible names with up to two letters deleted (never
        the first, never a separator). So the pairs found are those where the
        name gained at most one letter over the popular one, with the same
        words: two dropped letters, a dropped and a changed or added letter, a
        letter moved (`simepljson`). Two added or two changed letters are left
        out: finding them needs every two-deletion of every query, more than
        all other checks cost together.
        """
        get_name, get_stem, get_far = (
            self.deletes.get,
            self.stem_deletes.get,
            self.far_deletes.get,
        )
        names: set[str] = set()
        stems: set[str] = set()
        far: set[str] = set()
        for key in (name, *deletions(name)):
            for get, found in ((get_name, names), (get_stem, stems), (get_far, far)):
                hit = get(key)
                if hit:
                    found.update(hit)
        names.discard(name)
        stems.discard(name)
        return Nearby(names, stems, far)

    def neighbours(self, name: str) -> set[str]:
        """Popular names whose one-deletion neighbourhood meets *name*'s (a superset of edit 1)."""
        get = self.deletes.get
        found: set[str] = set()
        for key in (name, *deletions(name)):
            hit = get(key)
            if hit:
                found.update(hit)
        found.discard(name)
        return found

    def __len__(self) -> int:
        return len(self.rank)


def parse_ranking(text: str) -> Iterator[tuple[int, str]]:
    """Parse the shipped TSV (`rank<TAB>name`, `#` comments)."""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        position, _, name = line.partition("\t")
        yield int(position), name.strip()


@cache
def default_index() -> NameIndex:
    """The index over the dataset shipped with pycustoms, built once per process."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return NameIndex.build(parse_ranking(text))
