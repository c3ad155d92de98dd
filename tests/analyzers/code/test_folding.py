"""Bounded constant folding: what obfuscated expressions compute, within hard limits."""

from __future__ import annotations

import ast
import base64
import bz2
import codecs
import time
import zlib

import pytest

from pycustoms.analyzers.code.folding import MAX_VALUE, UNKNOWN, Folder

URL = "http://203.0.113.9/c"


def _fold(source: str, names: dict[str, object] | None = None) -> object:
    tree = ast.parse(source)
    helpers: dict[str, ast.FunctionDef | ast.Lambda] = {}
    env = dict(names or {})
    for stmt in tree.body[:-1]:
        if isinstance(stmt, ast.FunctionDef):
            helpers[stmt.name] = stmt
        elif (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Lambda)
        ):
            helpers[stmt.targets[0].id] = stmt.value
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)

    def qual(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = qual(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    folder = Folder(lambda name: env.get(name, UNKNOWN), qual, helpers)
    return folder.value(last.value)


@pytest.mark.parametrize(
    "expression",
    [
        f"{''.join(f'chr({ord(c)})+' for c in URL)}''",
        "''.join(map(chr, [" + ", ".join(str(ord(c)) for c in URL) + "]))",
        "''.join(chr(c ^ 7) for c in [" + ", ".join(str(ord(c) ^ 7) for c in URL) + "])",
        f"base64.b64decode({base64.b64encode(URL.encode())!r}).decode()",
        f"bytes.fromhex({URL.encode().hex()!r}).decode('utf-8')",
        f"codecs.decode({codecs.encode(URL, 'rot13')!r}, 'rot13')",
        f"{URL[::-1]!r}[::-1]",
        f"zlib.decompress(base64.b64decode({base64.b64encode(zlib.compress(URL.encode()))!r}))"
        ".decode()",
        f"bz2.decompress({bz2.compress(URL.encode())!r}).decode()",
        f"(lambda s: s[::-1])({URL[::-1]!r})",
        "'{}://{}/c'.format('http', '203.0.113.9')",
        "'%s://%s/%s' % ('http', '203.0.113.9', 'c')",
        "f\"{'http'}://{'.'.join(str(n) for n in [203, 0, 113, 9])}/c\"",
        f"{URL.upper()!r}.lower()",
        f"{URL.replace('/', '|')!r}.replace('|', '/')",
        f"bytes([{', '.join(str(b) for b in URL.encode())}]).decode()",
        f"{URL!r}[:5] + {URL!r}[5:]",
    ],
)
def test_obfuscated_expressions_fold_to_what_they_compute(expression: str) -> None:
    value = _fold(expression)
    assert value in (URL, URL.encode()), expression


def test_small_helper_functions_and_lambdas_are_evaluated() -> None:
    encoded = base64.b64encode(URL.encode()).decode()
    source = (
        "def d(s):\n"
        "    raw = base64.b64decode(s)\n"
        "    return raw.decode()\n"
        "r = lambda s: s[::-1]\n"
        f"d(r({encoded[::-1]!r}))\n"
    )
    assert _fold(source) == URL


def test_names_bound_to_values_are_used() -> None:
    key = [ord(c) ^ 5 for c in URL]
    assert _fold("''.join(chr(c ^ 5) for c in KEY)", {"KEY": key}) == URL


@pytest.mark.parametrize(
    "expression",
    [
        "'a' * 10**12",
        "2 ** 10**9",
        "1 << 10**9",
        "'%09999999d' % 1",
        "'{:09999999}'.format(1)",
        "list(range(10**12))",
        "''.join(chr(65) for c in range(10**9))",
        "unknown_name + 'x'",
        "open('/etc/passwd').read()",
        "__import__('os').system('id')",
    ],
)
def test_what_cannot_or_must_not_be_computed_is_unknown(expression: str) -> None:
    started = time.monotonic()
    assert _fold(expression) is UNKNOWN
    assert time.monotonic() - started < 5


def test_a_decompression_bomb_is_capped() -> None:
    bomb = zlib.compress(b"\0" * (MAX_VALUE * 4))
    assert _fold(f"zlib.decompress({bomb!r})") is UNKNOWN


def test_a_helper_that_calls_itself_stops() -> None:
    source = "def f(s):\n    return f(s + 'x')\nf('a')\n"
    assert _fold(source) is UNKNOWN


def test_the_step_budget_ends_a_long_evaluation() -> None:
    """A 300,000-element literal is not walked to the end: the budget stops the folder
    (counted in steps, not timed, so a busy machine cannot fail it)."""
    big = "[" + ", ".join("1" for _ in range(300_000)) + "]"
    expression = ast.parse(f"len({big})", mode="eval").body
    folder = Folder(lambda name: UNKNOWN, lambda node: None)
    assert folder.value(expression) is UNKNOWN
    assert folder.exhausted
    assert folder.value(ast.parse("'a' + 'b'", mode="eval").body) is UNKNOWN  # gave up on the file
