"""A distribution's licence as an SPDX expression: `License-Expression`, classifiers, `License`."""

from __future__ import annotations

from collections.abc import Iterable
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

from pycustoms.upstream.models import ProjectInfo

_CLASSIFIERS = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "BSD License": "BSD-3-Clause",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "The Unlicense (Unlicense)": "Unlicense",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "zlib/libpng License": "Zlib",
}
_PREFIX = "License :: OSI Approved :: "


def from_classifiers(classifiers: Iterable[str]) -> str | None:
    """An SPDX expression from licence classifiers (`A OR B` when several), else `None`."""
    found: list[str] = []
    for classifier in classifiers:
        if classifier.startswith(_PREFIX):
            spdx = _CLASSIFIERS.get(classifier[len(_PREFIX) :].strip())
            if spdx and spdx not in found:
                found.append(spdx)
    return " OR ".join(found) if found else None


def from_fields(expression: str | None, classifiers: Iterable[str], text: str | None) -> str | None:
    """The most precise licence of the three places metadata states one, else `None`.

    A free-text `License` is used only when it is short and on one line: many
    projects paste the whole licence text there, which is no identifier.
    """
    if expression and expression.strip():
        return expression.strip()
    spdx = from_classifiers(classifiers)
    if spdx:
        return spdx
    text = (text or "").strip()
    if text and "\n" not in text and len(text) <= 64 and text.upper() != "UNKNOWN":
        return text
    return None


def from_metadata(metadata: Message) -> str | None:
    """The licence of a distribution from its core metadata, most precise field first."""
    expression = metadata.get("License-Expression")
    return from_fields(
        str(expression) if expression else None,
        metadata.get_all("Classifier") or [],
        str(metadata.get("License") or ""),
    )


def from_info(info: ProjectInfo) -> str | None:
    """The licence a JSON API document's `info` states (`license_expression` first)."""
    return from_fields(info.license_expression, info.classifiers, info.license)


def from_metadata_bytes(data: bytes) -> str | None:
    """The licence in a PEP 658 core-metadata file."""
    return from_metadata(BytesParser(policy=compat32).parsebytes(data, headersonly=True))


def canonical(expression: str) -> str:
    """*expression* in SPDX's canonical form (`mit or apache-2.0` -> `MIT OR Apache-2.0`).

    `packaging.licenses` knows the SPDX ids and operators; a text it cannot read
    (a free-text `License` field) is kept as it is.
    """
    try:
        return str(canonicalize_license_expression(expression))
    except InvalidLicenseExpression:
        return expression.strip()


def license_ids(expression: str) -> set[str]:
    """The licence ids named by an SPDX *expression* (operators and brackets dropped)."""
    return {w for w in _words(expression) if w.upper() not in {"AND", "OR", "WITH"}}


def is_choice(expression: str) -> bool:
    """True if *expression* offers a choice of licences (an `OR`, in any case)."""
    return any(w.upper() == "OR" for w in _words(expression))


def _words(expression: str) -> list[str]:
    return canonical(expression).replace("(", " ").replace(")", " ").split()
