"""The labels a value gets from what it is: a literal, a path, a read, an environment key, a name.

Sources of labels that need no call to judge (the calls that produce labels are
in `sinks`). See `ast_tables` for the label names.
"""

from __future__ import annotations

import ast
import re

from pycustoms.analyzers.code import ast_tables as T
from pycustoms.analyzers.code.ast_model import EMPTY, Labels

BLOB_ONLY: Labels = frozenset({T.BLOB})
# What a secret or a host detail stays when it is put into a container, archive or buffer.
TAINT = T.SECRET_LABELS | {T.HOSTINFO}
# A credential directory listed or globbed whole (`~/.ssh/*`, `~/.aws/*`).
_SSH_GLOB = re.compile(r"\.ssh[/\\]+\*|\.ssh[/\\]+id_|\.(aws|kube|docker|azure|gnupg)[/\\]+\*")
_NAMED_SECRET: Labels = frozenset({T.NAMED_SECRET})
_NAMED_KEY: Labels = frozenset({T.NAMED_SECRET, T.NAMED_KEY})


def constant_labels(value: object) -> Labels:
    """The labels of a literal: a blob if long enough, and what a path in it names."""
    if isinstance(value, bytes):
        return BLOB_ONLY if len(value) >= 8 else EMPTY
    if not isinstance(value, str):
        return EMPTY
    if len(value) > 4096:
        return BLOB_ONLY
    labels = path_labels(value)
    return labels | BLOB_ONLY if len(value) >= 8 else labels


def path_labels(text: str) -> Labels:
    """The labels of a path text: credential, stealer, start-up, metadata, non-Python file."""
    if not any(sep in text for sep in T.PATH_SEPARATORS):
        lower = text.lower()
        if not any(word in lower for word in T.BARE_PATH_WORDS):
            return EMPTY
    if not T.PATH_HINT.search(text) and not _SSH_GLOB.search(text):
        return EMPTY
    out: set[str] = set()
    if T.CRED_PATTERN.search(text) or _SSH_GLOB.search(text):
        out.add(T.CRED_PATH)
    if T.STEALER_PATTERN.search(text):
        out.add(T.STEALER_PATH)
    if T.PERSIST_PATTERN.search(text):
        out.add(T.PERSIST_PATH)
    if T.HIJACK_PATTERN.search(text):
        out.update((T.PERSIST_PATH, T.HIJACK_PATH))
    if T.METADATA_PATTERN.search(text):
        out.add(T.METADATA)
    if T.ACCOUNT_PATTERN.search(text.strip()):
        out.add(T.ACCOUNT_PATH)
    if T.NONPY_SUFFIX.search(text.strip()):
        out.add(T.NONPY)
    return frozenset(out)


def read_labels(path: Labels) -> Labels:
    """The labels of what is read from a file whose path has the labels *path*."""
    out = set(path)
    if T.CRED_PATH in path or T.STEALER_PATH in path:
        out.add(T.CRED)
    if T.NONPY in path:
        out.add(T.FILEDATA)
    if T.ACCOUNT_PATH in path:
        out.add(T.HOSTINFO)
    return frozenset(out)


def env_one(key: ast.expr) -> Labels:
    """The labels of one environment variable read with *key* (a host detail for `USER`...)."""
    if isinstance(key, ast.Constant) and key.value in T.HOSTINFO_ENV_NAMES:
        return frozenset({T.ENV_ONE, T.HOSTINFO})
    return frozenset({T.ENV_ONE})


def name_labels(name: str) -> Labels:
    """The labels a parameter or attribute gets from its own name (`private_key`)."""
    if T.KEY_NAME.search(name):
        return _NAMED_KEY
    return _NAMED_SECRET if T.SECRET_NAME.search(name) else EMPTY
