"""Members with repeated or absurd names, and member contents that strain the analyzer."""

from __future__ import annotations

import base64
import random
import unicodedata

from tests.fuzzing.bombs import packed_run
from tests.fuzzing.containers import Item, Variant, members, rebuild, top, with_name
from tests.fuzzing.layers import ZipEntry, random_bytes, write_zip
from tests.fuzzing.seeds import Seed

ABSURD_NAMES = (
    b"", b"/", b".", b"..", b"../outside.py", b"/etc/passwd", b"a/../../b.py", b"C:/x.py",
    b"C:\\x.py", b"\\\\host\\share\\x.py", b"a\x00b.py", b"a\nb.py", b"a\rb.py", b"\x1b]0;x\x07.py",
    b"\xff\xfe\xfd.py", b"\xc3\x28.py", b"\xed\xa0\x80.py", b"\xe2\x80\xaeyp.evil", b"CON",
    b"aux.py", b"name.py ", b"name.py.", b"a" * 255 + b".py", b"a" * 4096, b"d/" * 2000 + b"x.py",
    b"x" * 65_000, b"dir/", b"dir//file.py", b"./././x.py", b"a/./b/../c.py", b"\xef\xbc\x8f.py",
    b"demo/\xcc\x81.py", b"*?<>|.py", b"%2e%2e/x.py", b"~/.bashrc", b"\t", b"\xc0\xae\xc0\xae/x",
)  # fmt: skip


def _variants_of(name: bytes) -> list[bytes]:
    """Names an installer might take for *name* (or not): case, separators, Unicode forms."""
    text = name.decode("utf-8", "replace")
    return [
        name,
        name.upper(),
        name.replace(b"/", b"\\"),
        name.replace(b"/", b"//"),
        b"./" + name,
        unicodedata.normalize("NFD", text + "\u00e9").encode(),
        unicodedata.normalize("NFC", text + "\u00e9").encode(),
        name + b"/",
    ]


def duplicates(seed: Seed, rng: random.Random) -> Variant:
    """A member repeated under the same name, or a name that differs only in form."""
    items = list(members(seed))
    original = rng.choice(items)
    twin = rng.choice(_variants_of(original.name))
    copy = Item(twin, rng.choice([original.data, b"X = 2\n", b""]))
    at = rng.randrange(len(items) + 1)
    items.insert(at, copy)
    if rng.random() < 0.3:  # a second pair built from Unicode forms alone
        accent = top(seed) + b"demo/caf"
        items += [Item(accent + b"e\xcc\x81.py", b"A = 1\n"), Item(accent + b"\xc3\xa9.py", b"")]
    return rebuild(seed, items), f"duplicate of {original.name[:60]!r} as {twin[:60]!r}", None


def absurd_names(seed: Seed, rng: random.Random) -> Variant:
    """Members (or every member) under names no tool should write."""
    items = list(members(seed))
    name = rng.choice(ABSURD_NAMES)
    prefix = top(seed) if rng.random() < 0.5 else b""
    if rng.random() < 0.2:  # rename an existing member rather than adding one
        index = rng.randrange(len(items))
        items[index] = with_name(items[index], prefix + name)
    else:
        items.insert(rng.randrange(len(items) + 1), Item(prefix + name, b"VALUE = 1\n"))
    return rebuild(seed, items), f"member named {name[:60]!r}", None


def _payload(rng: random.Random) -> tuple[bytes, str]:
    """Python source (or bytes posing as it) chosen to strain a parser or a decoder."""
    choice = rng.randrange(13)
    if choice == 0:
        return b"x = " + b"1+" * rng.choice([1000, 100_000, 400_000]) + b"1\n", "long expression"
    if choice == 1:
        depth = rng.choice([100, 1000, 50_000])
        return b"x = " + b"[" * depth + b"]" * depth + b"\n", "deep brackets"
    if choice == 2:
        return b"s = '" + b"A" * rng.choice([1 << 20, 5 << 20]) + b"'\n", "one long line"
    if choice == 3:
        return b"import os\x00\x00\nos.system\x00('x')\n", "NUL bytes in source"
    if choice == 4:
        return b"# -*- coding: rot13 -*-\nvzcbeg bf\n", "rot13 coding cookie"
    if choice == 5:
        return b"# coding: utf-16\n" + "x = 1\n".encode("utf-16"), "utf-16 cookie"
    if choice == 6:
        return b"# coding: no-such-codec\nx = 1\n", "unknown codec cookie"
    if choice == 7:
        return b"\xef\xbb\xbf# coding: latin-1\nx = '\xff'\n", "BOM against a latin-1 cookie"
    if choice == 8:
        zipped = write_zip([ZipEntry(b"inner.py", b"import os\n" * 100)])
        encoded = base64.b64encode(rng.choice([zipped, zipped[: len(zipped) // 2]]))
        return b"BLOB = '" + encoded + b"'\n", "base64 zip in source"
    if choice == 9:
        bomb = packed_run(rng.choice([1 << 20, 80 << 20]), 31)[0]
        return b"BLOB = '" + base64.b64encode(bomb) + b"'\n", "base64 gzip bomb in source"
    if choice == 10:
        return b"def f():\n" + b"    if x:\n" * 2000 + b"        pass\n", "deep indentation"
    if choice == 11:
        return random_bytes(rng, 4096), "random bytes as .py"
    return ("x = '" + "\u202e" * 1000 + "'\n").encode(), "bidi controls"


def hostile_content(seed: Seed, rng: random.Random) -> Variant:
    """A valid archive whose members hold source a parser or decoder may choke on."""
    payload, note = _payload(rng)
    items = list(members(seed))
    target = top(seed) + rng.choice([b"demo/strain.py", b"setup.py", b"demo/__init__.py"])
    items = [item for item in items if item.name != target]
    items.append(Item(target, payload))
    return rebuild(seed, items), f"{note} in {target.decode(errors='replace')}", None
