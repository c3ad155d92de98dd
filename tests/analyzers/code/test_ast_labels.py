"""Path labels: the fast path for texts with no separator must not lose a match."""

from __future__ import annotations

import re

import pytest

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_labels import path_labels

_PATTERNS = (
    T.CRED_PATTERN,
    T.STEALER_PATTERN,
    T.PERSIST_PATTERN,
    T.HIJACK_PATTERN,
    T.METADATA_PATTERN,
)
# Runs of letters, digits, `_` and spaces in the patterns' sources: every literal word
# an alternative can be spelled with.
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ ]{2,}")


def _words() -> list[str]:
    found = {w.strip() for p in _PATTERNS for w in _WORD.findall(p.pattern)}
    return sorted(w for w in found if w)


@pytest.mark.parametrize("word", _words())
def test_every_word_path_hint_matches_alone_passes_the_fast_path(word: str) -> None:
    # A word that PATH_HINT matches with no separator around it must be one of
    # BARE_PATH_WORDS, or the fast path would return no label for it.
    if T.PATH_HINT.search(word) or T.PATH_HINT.search(word.title()):
        for text in (word, word.title()):
            if T.PATH_HINT.search(text):
                assert path_labels(text), text


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Login Data", T.STEALER_PATH),
        ("MetaMask", T.STEALER_PATH),
        ("crontab", T.PERSIST_PATH),
        ("schtasks", T.PERSIST_PATH),
        ("authorized_keys", T.PERSIST_PATH),
        ("Image File Execution Options", T.HIJACK_PATH),
        ("~/.ssh/id_rsa", T.CRED_PATH),
        (r"Software\Classes\ms-settings\shell\open\command", T.HIJACK_PATH),
        ("/etc/passwd", T.ACCOUNT_PATH),
        ("fd00:ec2::254", T.METADATA),
    ],
)
def test_known_paths_keep_their_labels(text: str, label: str) -> None:
    assert label in path_labels(text)


def test_ordinary_words_get_no_label() -> None:
    assert not path_labels("hello world")
    assert not path_labels("Keyword")
