"""Text statistics: inert samples and benign look-alikes."""

from __future__ import annotations

import base64
import random

from pycustoms.analyzers.code.context import ExecContext
from pycustoms.analyzers.code.text_stats import RULES, find_blobs, shannon_entropy, text_stats
from pycustoms.types import Severity

MODULE = ExecContext.MODULE
INSTALL = ExecContext.INSTALL


def _rules(report_findings: object) -> set[str]:
    return {f.rule for f in report_findings}  # type: ignore[attr-defined]


def _random_b64(n: int, seed: int = 7) -> str:
    return base64.b64encode(random.Random(seed).randbytes(n)).decode()


def test_every_rule_id_is_namespaced_and_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("code/") for i in ids)


def test_entropy_of_uniform_and_constant_text() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert abs(shannon_entropy("abcd") - 2.0) < 1e-9


def test_random_base64_blob_is_flagged_in_python() -> None:
    source = f'PAYLOAD = "{_random_b64(4000)}"\n'
    report = text_stats("pkg/mod.py", source, MODULE)
    (finding,) = [f for f in report.findings if f.rule == "code/high-entropy-blob"]
    assert finding.line == 1
    assert finding.severity is Severity.MEDIUM  # over 4096 characters: a big blob


def test_blob_in_setup_py_gains_severity() -> None:
    source = f'x = "{_random_b64(600)}"\n'
    assert text_stats("setup.py", source, INSTALL).findings[0].severity is Severity.MEDIUM
    assert text_stats("pkg/m.py", source, MODULE).findings[0].severity is Severity.LOW


def test_low_entropy_runs_and_tables_are_not_blobs() -> None:
    table = "A" * 400 + "\n" + "0123456789" * 50 + "\n" + "ab/cd/" * 100
    assert not text_stats("pkg/t.py", table, MODULE).findings
    assert all(not b.suspicious for b in find_blobs(table))


def test_long_lines_only_in_python() -> None:
    minified = "var a=function(){return 1};" * 1000
    assert not text_stats("pkg/static/app.min.js", minified, ExecContext.DATA).findings
    packed = "exec(" + "x=1;" * 2000 + ")"
    rules = _rules(text_stats("pkg/m.py", packed, MODULE).findings)
    assert "code/long-line" in rules


def test_code_hidden_by_whitespace_padding() -> None:
    source = "import os" + " " * 400 + "os.system('id')\n"
    findings = text_stats("setup.py", source, INSTALL).findings
    assert "code/whitespace-padding" in _rules(findings)
    assert not text_stats("m.py", "x = 1  # " + " " * 400 + "note\n", MODULE).findings


def test_bidi_control_in_code() -> None:
    source = 'access = "user\u202e \u2066# check if admin\u2069 \u2066"\n'
    assert "code/bidi-control" in _rules(text_stats("m.py", source, MODULE).findings)


def test_zero_width_between_ascii_letters_but_not_persian_or_bom() -> None:
    hidden = "pri\u200bnt = 1\n"
    assert "code/zero-width-char" in _rules(text_stats("m.py", hidden, MODULE).findings)
    persian = 'WORDS = ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"]\n'
    assert not text_stats("faker/fa.py", persian, MODULE).findings
    bom = "\ufeffimport os\nSTRIP = '\ufeff'\n"
    assert not text_stats("m.py", bom, MODULE).findings


# --- blobs split across literals, padding before `;`, zero-width inside tokens ---------


def _split_lines(literal_reprs: list[str]) -> str:
    body = "".join(f"    {r}\n" for r in literal_reprs)
    return "X = (\n" + body + ")\nexec(zlib.decompress(X))\n"


def test_bytes_blob_split_across_lines_is_found() -> None:
    data = random.Random(3).randbytes(600)
    source = _split_lines([repr(data[i : i + 16]) for i in range(0, len(data), 16)])
    assert "code/high-entropy-blob" in _rules(text_stats("m.py", source, MODULE).findings)


def test_base85_blob_split_across_lines_is_found() -> None:
    text = base64.b85encode(random.Random(4).randbytes(900)).decode()
    source = _split_lines([f'"{text[i : i + 70]}"' for i in range(0, len(text), 70)])
    assert "code/high-entropy-blob" in _rules(text_stats("m.py", source, MODULE).findings)


def test_list_of_hashes_and_prose_lines_are_not_blobs() -> None:
    hashes = "X = [\n" + "".join(
        f'    "{random.Random(i).randbytes(32).hex()}",\n' for i in range(40)
    )
    prose = _split_lines(['"This is an ordinary sentence that wraps "'] * 20)
    for source in (hashes + "]\n", prose):
        assert "code/high-entropy-blob" not in _rules(text_stats("m.py", source, MODULE).findings)


def test_padding_before_a_semicolon_and_in_pth_files() -> None:
    source = 'V = "1"' + " " * 300 + ";exec(x)\n"
    assert "code/whitespace-padding" in _rules(text_stats("m.py", source, MODULE).findings)
    pth = "lib\nimport os;" + " " * 300 + "import hook\n"
    assert "code/whitespace-padding" in _rules(text_stats("a.pth", pth, MODULE).findings)


def test_zero_width_inside_a_url_but_not_a_lone_literal() -> None:
    inside = "u = 'http://198.51.100.7/\u200d\u200bz'\n"
    assert "code/zero-width-char" in _rules(text_stats("m.py", inside, MODULE).findings)
    lone = "s = s.replace('\u200b', '')\n"
    assert "code/zero-width-char" not in _rules(text_stats("m.py", lone, MODULE).findings)
