"""An installed environment: distributions from their metadata and RECORD, plus startup files.

Nothing in the environment is imported or run: metadata is read with
`importlib.metadata` from the site-packages directories, which are found from
the path given (a virtual environment, a prefix, or an interpreter inside one).
`*.pth` files and `sitecustomize`/`usercustomize` run at every interpreter start,
so each is scanned with the code analyzer.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import json
import sys
import sysconfig
from pathlib import Path

from packaging.direct_url import DirectUrl, DirectUrlValidationError

from pycustoms.audit.inputs.interface import InputReader
from pycustoms.audit.licenses import from_metadata
from pycustoms.audit.model import AuditInput, Dependency, DependencyKind, InputFormat
from pycustoms.config import Policy
from pycustoms.errors import TargetError
from pycustoms.rules import Rule
from pycustoms.scan import scan_target
from pycustoms.types import Finding, Severity, normalize_name

RECORD_MISMATCH = "audit/record-mismatch"
PTH_EXECUTES = "audit/pth-executes-code"
UNOWNED_STARTUP = "audit/unowned-startup-file"
RULES = (
    Rule(
        RECORD_MISMATCH,
        Severity.HIGH,
        "An installed file differs from its RECORD",
        "A file changed after installation: patched in place, or replaced by something else.",
    ),
    Rule(
        PTH_EXECUTES,
        Severity.LOW,
        "A .pth file runs code at every interpreter start",
        "Lines starting with `import` run on startup; legitimate for a few tools, the "
        "favourite hiding place of malware (litellm, 2026).",
    ),
    Rule(
        UNOWNED_STARTUP,
        Severity.MEDIUM,
        "A startup file belongs to no installed distribution",
        "A .pth or sitecustomize file that no RECORD lists was put there by something else.",
    ),
)
# Files above this size are not hashed against RECORD (bounded time and memory).
MAX_RECORD_CHECK_BYTES = 16 * 1024**2
_STARTUP = ("sitecustomize.py", "usercustomize.py")


def site_directories(target: Path | None) -> list[Path]:
    """The site-packages directories of *target* (venv, prefix or interpreter); default: ours."""
    if target is None:
        paths = sysconfig.get_paths()
        found = [Path(paths["purelib"]), Path(paths["platlib"])]
    else:
        root = target
        if root.is_file():  # an interpreter: <prefix>/bin/python or <prefix>/Scripts/python.exe
            root = root.parent.parent
        if not root.is_dir():
            raise TargetError(f"{target} is neither an environment directory nor an interpreter")
        found = sorted(root.glob("lib/python3*/site-packages")) + sorted(
            root.glob("lib64/python3*/site-packages")
        )
        found += [p for p in (root / "Lib" / "site-packages",) if p.is_dir()]
        if not found and root.name in {"site-packages", "dist-packages"}:
            found = [root]
    unique = list(dict.fromkeys(p.resolve() for p in found if p.is_dir()))
    if not unique:
        raise TargetError(f"no site-packages directory found under {target or sys.prefix}")
    return unique


def _record_problems(dist: md.Distribution, site: Path) -> list[Finding]:
    found: list[Finding] = []
    for entry in dist.files or []:
        if entry.hash is None or entry.hash.mode != "sha256":
            continue
        path = site / entry
        try:
            if path.stat().st_size > MAX_RECORD_CHECK_BYTES:
                continue
            digest = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            continue  # uninstalled files are pip's business, not a tampering signal
        actual = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if actual != entry.hash.value:
            found.append(
                Finding(
                    RECORD_MISMATCH,
                    Severity.HIGH,
                    f"{entry} of {dist.metadata['Name']} differs from its RECORD hash",
                    file=str(path),
                )
            )
    return found


def startup_findings(site: Path, owned: set[Path], policy: Policy) -> list[Finding]:
    """Findings for every `.pth` and customize file in *site* (scanned with the code analyzer)."""
    found: list[Finding] = []
    candidates = sorted(site.glob("*.pth")) + [site / n for n in _STARTUP if (site / n).is_file()]
    for path in candidates:
        resolved = path.resolve()
        if resolved not in owned:
            found.append(
                Finding(UNOWNED_STARTUP, Severity.MEDIUM, f"{path.name} is in no RECORD", str(path))
            )
        if path.suffix == ".pth":
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError as exc:
                raise TargetError(f"{path} cannot be read ({exc.strerror})") from None
            for number, line in enumerate(lines, start=1):
                if line.startswith(("import ", "import\t")):
                    found.append(
                        Finding(
                            PTH_EXECUTES,
                            Severity.LOW,
                            f"{path.name} runs code at interpreter start",
                            file=str(path),
                            line=number,
                            snippet=line[:200],
                        )
                    )
        result = scan_target(path, policy)
        found.extend(
            Finding(
                item.rule,
                item.severity,
                item.message,
                str(path),
                item.line,
                item.snippet,
                item.confidence,
            )
            for item in result.verdict.findings
        )
    return found


def _kind(direct_url: str | None) -> DependencyKind:
    """Registry, URL or editable, from a distribution's PEP 610 `direct_url.json`.

    A record that cannot be read still says the distribution did not come from an
    index: it is a URL install, not a registry one.
    """
    if not direct_url:
        return DependencyKind.REGISTRY
    try:
        document = json.loads(direct_url)
        if not isinstance(document, dict):
            return DependencyKind.URL
        parsed = DirectUrl.from_dict(document)
    except (ValueError, DirectUrlValidationError):
        return DependencyKind.URL
    if parsed.dir_info is not None and parsed.dir_info.editable:
        return DependencyKind.EDITABLE
    return DependencyKind.URL


def read_environment(target: Path | None, policy: Policy | None = None) -> AuditInput:
    """Every distribution installed in *target* and the findings about its startup files."""
    sites = site_directories(target)
    deps: list[Dependency] = []
    findings: list[Finding] = []
    owned: set[Path] = set()
    source = str(target or sys.prefix)
    for site in sites:
        for dist in md.distributions(path=[str(site)]):
            name = dist.metadata["Name"]
            if not name:
                continue
            record = [site / f for f in dist.files or []]
            owned |= {p.resolve() for p in record if p.suffix == ".pth" or p.name in _STARTUP}
            findings += _record_problems(dist, site)
            kind = _kind(dist.read_text("direct_url.json"))
            deps.append(
                Dependency(
                    name=normalize_name(name),
                    display_name=name,
                    source=source,
                    version=dist.version,
                    kind=kind,
                    license=from_metadata(dist.metadata),  # type: ignore[arg-type]
                )
            )
        findings += startup_findings(site, owned, policy or Policy())
    deps.sort(key=lambda d: (d.name, d.version or ""))
    return AuditInput(source, InputFormat.ENVIRONMENT, tuple(deps), (), tuple(findings))


class EnvironmentReader(InputReader):
    """An installed environment (a directory, not a file)."""

    format = InputFormat.ENVIRONMENT

    @classmethod
    def matches(cls, filename: str) -> bool:
        """Environments are chosen with `--env`, never by a file name."""
        del filename
        return False

    def read(self, path: Path) -> AuditInput:
        """Read the environment at *path*."""
        return read_environment(path)


READER = EnvironmentReader()
