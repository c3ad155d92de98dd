from __future__ import annotations

import re
from pathlib import Path

import pytest

from pycustoms.audit.inputs import detect, read_input
from pycustoms.audit.model import Dependency, DependencyKind, InputFormat
from pycustoms.cli import build_parser, main
from pycustoms.errors import TargetError, UsageError

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("uv.lock", InputFormat.UVLOCK),
        ("pylock.toml", InputFormat.PYLOCK),
        ("requirements.txt", InputFormat.REQUIREMENTS),
        ("Pipfile.lock", InputFormat.PIPFILE),
        ("poetry.lock", InputFormat.POETRY),
        ("pdm.lock", InputFormat.PDM),
        ("pyproject.toml", InputFormat.PYPROJECT),
    ],
)
def test_every_sample_reads(name: str, fmt: InputFormat) -> None:
    assert detect(DATA / name) is fmt
    result = read_input(DATA / name)
    registry = [d for d in result.dependencies if d.kind is DependencyKind.REGISTRY]
    assert {"attrs", "six", "idna"} <= {d.name for d in registry}
    six = next(d for d in registry if d.name == "six")
    assert six.version == "1.16.0"
    assert six.line is not None
    if fmt is not InputFormat.PYPROJECT:
        assert all(d.all_hashes() for d in registry)


def test_requirements_includes_options_and_kinds(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("six==1.16.0 \\\n    --hash=sha256:AB\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n-c constraints.txt\n--extra-index-url https://extra.example/simple\n"
        "# comment\nattrs>=23 ; python_version >= '3.8'  # why\n"
        "-e ./local\ngit+https://example.org/x.git#egg=xpkg\ndemo @ https://example.org/d.whl\n"
    )
    (tmp_path / "constraints.txt").write_text("idna==3.10\n")
    result = read_input(tmp_path / "requirements.txt")
    by_name: dict[str, Dependency] = {d.name: d for d in result.dependencies}
    assert by_name["six"].hashes == ("sha256:ab",)
    assert by_name["attrs"].specifier == ">=23"
    assert by_name["attrs"].marker
    assert by_name["local"].kind is DependencyKind.EDITABLE
    assert by_name["xpkg"].kind is DependencyKind.VCS
    assert by_name["demo"].kind is DependencyKind.URL
    assert by_name["idna"].groups == ("constraint",)
    assert result.indexes[0].option == "extra-index-url"


def test_requirements_errors_reported_together(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ok==1\nnot a req!!\n--bogus\n-r requirements.txt\n")
    with pytest.raises(TargetError) as info:
        read_input(tmp_path / "requirements.txt")
    message = str(info.value)
    assert ":2:" in message
    assert "--bogus" in message
    assert "cycle" in message


def test_environment(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    dist = site / "demo-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nLicense-Expression: MIT\n"
    )
    (site / "demo.py").write_text("x = 1\n")
    (dist / "RECORD").write_text("demo.py,sha256=AAAA,6\ndemo-1.0.dist-info/METADATA,,\n")
    (site / "evil.pth").write_text("import os; exec(os.environ.get('X', ''))\n")
    result = read_input(tmp_path, InputFormat.ENVIRONMENT)
    [dep] = result.dependencies
    assert (dep.name, dep.version, dep.license) == ("demo", "1.0", "MIT")
    rules = {f.rule for f in result.findings}
    assert {
        "audit/record-mismatch",
        "audit/pth-executes-code",
        "audit/unowned-startup-file",
    } <= rules


@pytest.mark.parametrize("name", ["requirements/runtime.txt", "req-hand.txt", "deps/dev.in"])
def test_any_txt_or_in_that_parses_as_requirements(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# hand-written\nsix==1.16.0 --hash=sha256:{'ab' * 32}\nattrs>=23\n")
    result = read_input(path)
    assert result.format is InputFormat.REQUIREMENTS
    assert [d.name for d in result.dependencies] == ["six", "attrs"]


def test_text_that_is_not_requirements_names_the_problem_and_real_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Remember to buy milk!\n")
    with pytest.raises(UsageError) as info:
        read_input(notes)
    message = str(info.value)
    assert "notes.txt:1" in message  # why it is not a requirements file
    assert "--input-format (requirements, " in message
    assert "--input-format environment" not in message
    assert "--env" in message
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    with pytest.raises(UsageError, match="no requirement"):
        read_input(empty)
    unknown = tmp_path / "deps.cfg"
    unknown.write_text("six==1.16.0\n")
    with pytest.raises(TargetError, match="does not exist"):
        read_input(tmp_path / "gone.lock")
    assert main(["audit", str(unknown), "--no-index"]) == 2
    err = capsys.readouterr().err
    assert "--input-format" in err
    # The hint names only choices the option has.
    parser = build_parser("audit")
    sub = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(sub.choices, dict)
    [option] = [a for a in sub.choices["audit"]._actions if a.dest == "input_format"]
    assert option.choices is not None
    named = re.search(r"--input-format \(([^)]*)\)", err)
    assert named is not None
    assert set(named.group(1).split(", ")) == set(option.choices)
