"""The pure analyzers load no HTTP client, database or pipeline, not even indirectly
through a package's `__init__` (which import-linter's graph does not count)."""

from __future__ import annotations

import json
import subprocess
import sys

PURE = [
    "pycustoms.analyzers.code",
    "pycustoms.analyzers.names",
    "pycustoms.analyzers.release",
    "pycustoms.analyzers.provenance",
    "pycustoms.analyzers.secrets",
    "pycustoms.upstream.models",
]
FORBIDDEN = [
    "httpx",
    "sqlalchemy",
    "pycustoms.db",
    "pycustoms.upstream.client",
    "pycustoms.inspection",
    "pycustoms.provenance_pipeline",
    "pycustoms.server",
]


def test_importing_the_pure_analyzers_loads_no_io_module() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {PURE!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(proc.stdout) == []
