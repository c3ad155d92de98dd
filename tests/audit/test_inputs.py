from __future__ import annotations

from pathlib import Path

import pytest

from pycustoms.audit.inputs import detect, read_input
from pycustoms.audit.model import Dependency, DependencyKind, InputFormat
from pycustoms.errors import TargetError

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
