"""Inert sample packages for the scanner corpus tests.

Every sample is a small record: the files of a package, how to build it (sdist,
wheel or both, with `tests.builders`), which THREATS.md technique it shows and
what `pycustoms scan` must decide. The samples are our own writing, never copied
from real malware, and inert: every host is reserved (RFC 5737 documentation
addresses, `.invalid`, `.example`) except where the technique *is* a specific
service (webhook, paste, tunnel, request-catcher hosts), and nothing here is ever
installed, imported or run.
"""

from __future__ import annotations

import enum
import hashlib
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pycustoms.types import Decision
from tests.builders import build_sdist, build_wheel


class Build(enum.StrEnum):
    """Which distribution files a sample is assembled into."""

    SDIST = "sdist"
    WHEEL = "wheel"
    BOTH = "both"


class Technique(enum.StrEnum):
    """One line of THREATS.md §3 (and the code-level parts of §1-2) per member."""

    # §3 Runs without being imported
    RUN_SETUP_TOPLEVEL = "run/setup-py-top-level"
    RUN_CMDCLASS = "run/cmdclass-override"
    RUN_BUILD_BACKEND = "run/in-tree-build-backend"
    RUN_PTH = "run/pth-import-line"
    RUN_SITECUSTOMIZE = "run/sitecustomize"
    RUN_INIT_TOPLEVEL = "run/init-top-level"
    RUN_CALLED_ACROSS_FILES = "run/function-started-from-another-file"
    # §3 Steals
    STEAL_ENV = "steal/environment"
    STEAL_CLOUD = "steal/cloud-credentials"
    STEAL_SSH = "steal/ssh-keys"
    STEAL_TOKEN_FILES = "steal/token-files"  # .pypirc .npmrc .git-credentials .netrc kube
    STEAL_BROWSER = "steal/browser-stores"
    STEAL_CHAT_TOKENS = "steal/discord-telegram"
    STEAL_WALLET = "steal/crypto-wallets"
    STEAL_CLIPBOARD = "steal/clipboard"
    STEAL_SCREENSHOT = "steal/screenshots"
    STEAL_KEYSTROKES = "steal/keystrokes"
    # §3 Sends it out
    EXFIL_RAW_IP = "exfil/http-post-raw-ip"
    EXFIL_WEBHOOK = "exfil/webhook"
    EXFIL_PASTE = "exfil/paste-or-file-drop"
    EXFIL_TUNNEL = "exfil/tunnel-host"
    EXFIL_DNS = "exfil/dns-labels"
    EXFIL_REQUEST_CATCHER = "exfil/request-catcher"
    # §3 Fetches stage two
    STAGE2_DOWNLOAD_EXEC = "stage2/download-exec"
    STAGE2_BINARY_CHMOD = "stage2/write-binary-chmod-run"
    STAGE2_CURL_SH = "stage2/curl-pipe-sh"
    STAGE2_POWERSHELL_CRADLE = "stage2/powershell-cradle"
    STAGE2_ENCODED_COMMAND = "stage2/encoded-command"
    # §3 Stays
    PERSIST_CRONTAB = "persist/crontab"
    PERSIST_SYSTEMD = "persist/systemd-user-unit"
    PERSIST_SHELL_RC = "persist/shell-rc"
    PERSIST_RUN_KEY = "persist/windows-run-key"
    PERSIST_STARTUP_FOLDER = "persist/startup-folder"
    PERSIST_SCHEDULED_TASK = "persist/scheduled-task"
    # §3 Remote control
    RC_REVERSE_SHELL = "remote/reverse-shell-pty"
    RC_BIND_SHELL = "remote/bind-shell"
    RC_SUBPROCESS_SOCKET = "remote/subprocess-on-socket"
    RC_RAT = "remote/command-poll-rat"
    # §3 Hides
    HIDE_BASE64 = "hide/base64"
    HIDE_HEX = "hide/hex"
    HIDE_ZLIB = "hide/zlib"
    HIDE_MARSHAL = "hide/marshal"
    HIDE_ROT13 = "hide/rot13"
    HIDE_DYNAMIC_IMPORT = "hide/dunder-import-built-string"
    HIDE_GETATTR_BUILTINS = "hide/getattr-builtins"
    HIDE_CHR_CHAIN = "hide/chr-chain"
    HIDE_LONG_LINE = "hide/huge-single-line"
    HIDE_ENTROPY_BLOB = "hide/high-entropy-blob"
    HIDE_PYARMOR = "hide/pyarmor-like"
    HIDE_HOMOGLYPH = "hide/unicode-look-alike-identifiers"
    HIDE_ZERO_WIDTH = "hide/zero-width-characters"
    HIDE_NON_PY = "hide/code-in-non-py-file"
    HIDE_SKIPPED_DIR = "hide/payload-in-tests-or-dist"
    HIDE_BINARY = "hide/binary-in-pure-python"
    # §3 Waits
    WAIT_CI = "wait/ci-only"
    WAIT_CLOUD_CREDS = "wait/cloud-credentials-present"
    WAIT_OS_HOST = "wait/os-or-hostname"
    WAIT_DATE = "wait/after-date"
    WAIT_SLEEP = "wait/sleep"
    # §1 / §2 at code level
    DEP_CONFUSION_HTTP = "confusion/probe-http"
    DEP_CONFUSION_DNS = "confusion/probe-dns"
    PY2_SETUP = "fallback/python2-setup-py"
    NESTED_ZIP_IN_SDIST = "nested/zip-in-sdist"
    NESTED_B64_ZIP = "nested/base64-zip-in-py"
    TYPOSQUAT_COPY = "takeover/typosquat-copy-plus-payload"


@dataclass(frozen=True, slots=True)
class Sample:
    """One inert sample package and what the scanner must say about it.

    `rules` is a subset: the key rule ids that must be among the emitted ones.
    `xfail` names a known engine gap (last resort; listed in the report).
    """

    id: str
    description: str
    build: Build
    files: Mapping[str, str | bytes]
    techniques: tuple[Technique, ...] = ()
    expect: Decision = Decision.BLOCK
    rules: frozenset[str] = frozenset()
    name: str = "sample-pkg"
    version: str = "1.0.0"
    wheel_tag: str = "py3-none-any"
    xfail: str | None = None

    def kinds(self) -> tuple[str, ...]:
        """The distribution kinds this sample is built as (`sdist`, `wheel`)."""
        if self.build is Build.BOTH:
            return ("sdist", "wheel")
        return (self.build.value,)

    def assemble(self, directory: Path, kind: str) -> Path:
        """Write this sample as *kind* into *directory* and return the file's path."""
        if kind == "sdist":
            return build_sdist(directory, self.name, self.version, self.files)
        if kind == "wheel":
            return build_wheel(directory, self.name, self.version, self.files, tag=self.wheel_tag)
        raise ValueError(f"unknown build kind {kind!r}")


def src(text: str) -> str:
    """Dedent a triple-quoted source text and drop its leading newline."""
    return textwrap.dedent(text).lstrip("\n")


def noise(seed: str, size: int) -> bytes:
    """Deterministic bytes that look random (for blobs, fake binaries, ciphertexts)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])
