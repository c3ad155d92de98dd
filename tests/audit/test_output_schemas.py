"""Real `scan` and `audit` output against the formats' published schemas.

SARIF stays hand-written (`report/sarif_base.py`); this is the check that it is valid
SARIF 2.1.0 by the OASIS schema, not just by our reading of the spec. The SBOM is
checked with the validator that ships with `cyclonedx-python-lib`. Each check also
gets a broken document, to show that the validator can say no.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from tests.audit.conftest import blocked_document
from tests.builders import build_sdist

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
BAD_SETUP = (
    "import base64\n"
    "from setuptools import setup\n"
    "blob = 'cHJpbnQoJ2hlbGxvJyk='\n"
    "exec(base64.b64decode(blob))\n"
    "setup(name='tidy', version='1.0')\n"
)


@pytest.fixture(scope="module")
def sarif_validator() -> Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    assert cls is Draft202012Validator, "the vendored schema declares JSON Schema 2020-12"
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _sarif_errors(validator: Validator, document: dict[str, Any]) -> list[ValidationError]:
    return list(validator.iter_errors(document))


def test_scan_sarif_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sarif_validator: Validator
) -> None:
    sdist = build_sdist(tmp_path, "tidy", "1.0", {"setup.py": BAD_SETUP})
    document = blocked_document(capsys, "scan", "--no-progress", "--format", "sarif", str(sdist))
    assert document["runs"][0]["results"], "a blocked sdist has results to validate"
    assert _sarif_errors(sarif_validator, document) == []
    broken = copy.deepcopy(document)
    broken["runs"][0]["results"][0]["level"] = "fatal"  # not one of SARIF's levels
    assert _sarif_errors(sarif_validator, broken)


def test_audit_sarif_is_valid(
    requirements: Path, capsys: pytest.CaptureFixture[str], sarif_validator: Validator
) -> None:
    document = blocked_document(
        capsys, "audit", "--format", "sarif", "--no-index", str(requirements)
    )
    assert document["runs"][0]["results"]
    assert _sarif_errors(sarif_validator, document) == []
    broken = copy.deepcopy(document)
    del broken["runs"][0]["tool"]["driver"]["name"]  # required
    assert _sarif_errors(sarif_validator, broken)


def _cyclonedx_error(document: dict[str, Any]) -> object | None:
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))


def test_audit_cyclonedx_is_valid(requirements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = blocked_document(
        capsys, "audit", "--format", "cyclonedx-json", "--no-index", str(requirements)
    )
    assert bom["specVersion"] == "1.6"
    assert bom["components"]
    assert bom["vulnerabilities"]
    assert _cyclonedx_error(bom) is None
    broken = copy.deepcopy(bom)
    broken["components"][0]["type"] = "not-a-component-type"
    assert _cyclonedx_error(broken) is not None
    extra = copy.deepcopy(bom)
    extra["components"][0]["unknownField"] = 1  # strict: no properties the schema lacks
    assert _cyclonedx_error(extra) is not None
