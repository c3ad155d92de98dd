"""The mutation families, weighted, and `make_case`: one reproducible case from two numbers."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.fuzzing import bombs, bytefuzz, names, tarfuzz, zipfuzz
from tests.fuzzing.containers import Item, Variant, members, rebuild
from tests.fuzzing.layers import (
    COMPRESSIONS,
    ZipEntry,
    compress,
    is_tar,
    is_zip,
    tar_layer,
)
from tests.fuzzing.seeds import Seed

Edit = Callable[[bytes, random.Random], tuple[bytes, str]]
SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip", ".whl", ".egg")
STACKED = 0.15  # the share of cases that get some plain damage on top of their mutation


@dataclass(frozen=True, slots=True)
class Case:
    """One mutated archive: where it came from, what was done, and its bytes."""

    index: int
    seed: str
    family: str
    note: str
    filename: str
    data: bytes

    @property
    def project(self) -> str:
        """The project this case is published as on a fake index."""
        return f"fz{self.index:05d}"

    @property
    def index_filename(self) -> str:
        """A file name of `project` with the same kind of archive as `filename`."""
        suffix = suffix_of(self.filename)
        if suffix == ".whl":
            return f"{self.project}-1.0-py3-none-any.whl"
        if suffix == ".egg":
            return f"{self.project}-1.0-py3.11.egg"
        return f"{self.project}-1.0{suffix or '.tar.gz'}"


@dataclass(frozen=True, slots=True)
class Family:
    """A kind of mutation, how often it is picked, and which seeds it fits."""

    name: str
    weight: int
    applies: Callable[[Seed], bool]
    make: Callable[[Seed, random.Random], Variant]


def suffix_of(filename: str) -> str:
    """The archive suffix of *filename* ('' if it has none the reader knows)."""
    lower = filename.lower()
    return next((suffix for suffix in SUFFIXES if lower.endswith(suffix)), "")


def _outer(edit: Edit) -> Callable[[Seed, random.Random], Variant]:
    """An edit of the file's own bytes."""

    def make(seed: Seed, rng: random.Random) -> Variant:
        data, note = edit(seed.data, rng)
        return data, note, None

    return make


def _in_tar(edit: Edit) -> Callable[[Seed, random.Random], Variant]:
    """An edit of the uncompressed tar, compressed again as the seed was."""

    def make(seed: Seed, rng: random.Random) -> Variant:
        kind, tar = tar_layer(seed)
        data, note = edit(tar, rng)
        return compress(kind, data), note, None

    return make


def _recompress(seed: Seed, rng: random.Random) -> Variant:
    """The same members under another compression (the name no longer says which)."""
    if is_tar(seed):
        kind = rng.choice(COMPRESSIONS)
        return compress(kind, tar_layer(seed)[1]), f"tar compressed as {kind or 'nothing'}", None
    method = rng.choice([0, 8, 12, 14])
    flags = 0x2 if method == 14 else 0  # LZMA members say they end with a marker
    items = [
        Item(item.name, item.data, zip_entry=ZipEntry(item.name, item.data, method, flags))
        for item in members(seed)
    ]
    return rebuild(seed, items), f"zip members compressed with method {method}", None


def _always(seed: Seed) -> bool:
    return True


def _gzip(seed: Seed) -> bool:
    return seed.data.startswith(b"\x1f\x8b")


FAMILIES: tuple[Family, ...] = (
    Family("truncate", 7, _always, _outer(bytefuzz.truncate)),
    Family("bit-flip", 7, _always, _outer(bytefuzz.bit_flips)),
    Family("overwrite", 5, _always, _outer(bytefuzz.overwrite)),
    Family("shift", 3, _always, _outer(bytefuzz.shift)),
    Family("splice", 2, _always, _outer(bytefuzz.splice)),
    Family("tar-damage", 5, is_tar, _in_tar(bytefuzz.damage)),
    Family("tar-header", 9, is_tar, _in_tar(tarfuzz.header_field)),
    Family("tar-meta", 4, is_tar, _in_tar(tarfuzz.insert_meta)),
    Family("tar-special", 3, is_tar, _in_tar(tarfuzz.append_members)),
    Family("gzip-header", 3, _gzip, _outer(tarfuzz.gzip_header)),
    Family("gzip-trailer", 3, _gzip, _outer(tarfuzz.gzip_trailer)),
    Family("recompress", 2, _always, _recompress),
    Family("zip-local", 7, is_zip, _outer(zipfuzz.local_field)),
    Family("zip-central", 7, is_zip, _outer(zipfuzz.central_field)),
    Family("zip-both", 3, is_zip, _outer(zipfuzz.both_headers)),
    Family("zip-eocd", 3, is_zip, _outer(zipfuzz.eocd_field)),
    Family("zip-name-bytes", 2, is_zip, _outer(zipfuzz.name_bytes)),
    Family("zip-directory", 3, is_zip, _outer(zipfuzz.directory_entries)),
    Family("zip-tail", 2, is_zip, _outer(zipfuzz.tail)),
    Family("nested-chain", 2, _always, bombs.nested_chain),
    Family("fan-out", 1, _always, bombs.fan_out),
    Family("high-ratio", 2, _always, bombs.high_ratio),
    Family("bzip2-member", 1, _always, bombs.bzip2_member),
    Family("many-members", 1, _always, bombs.many_members),
    Family("huge-declared", 2, _always, bombs.huge_declared),
    Family("polyglot", 3, _always, bombs.polyglot),
    Family("duplicates", 3, _always, names.duplicates),
    Family("absurd-names", 4, _always, names.absurd_names),
    Family("hostile-content", 3, _always, names.hostile_content),
)
_PLAIN_DAMAGE = frozenset({"truncate", "bit-flip", "overwrite", "shift", "splice"})


def make_case(seeds: Sequence[Seed], run_seed: int, index: int) -> Case:
    """Case *index* of the run *run_seed*: always the same bytes for the same seeds."""
    rng = random.Random(f"pycustoms-fuzz:{run_seed}:{index}")
    seed = seeds[rng.randrange(len(seeds))]
    fitting = [family for family in FAMILIES if family.applies(seed)]
    family = rng.choices(fitting, weights=[f.weight for f in fitting])[0]
    data, note, rename = family.make(seed, rng)
    if family.name not in _PLAIN_DAMAGE and rng.random() < STACKED:
        data, more = bytefuzz.damage(data, rng)
        note = f"{note}; then {more}"
    return Case(index, seed.filename, family.name, note, rename or seed.filename, data)
