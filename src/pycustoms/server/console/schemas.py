"""Response models of the admin API: what `/api/v1/openapi.json` promises, field by field.

The read models (`data`) and actions build plain dicts; each route names one of these
models as its `response_model`, so FastAPI checks every answer against it before it
leaves the server. The models are strict (no coercion: a count that arrives as a string
is an error, not a silent fix) and forbid extra fields (the schema says
`additionalProperties: false`), so a read model that drifts from its declaration fails
`tests/server/test_schema.py` instead of surprising a client.

Times are ISO-8601 strings in UTC with a `Z`, as the read models write them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Base of the response models: strict types, no undeclared fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


def _when(what: str) -> Any:
    return Field(description=f"{what} (ISO-8601, UTC)", json_schema_extra={"format": "date-time"})


Timestamp = Annotated[str, _when("a time")]
Sha256 = Annotated[str, Field(description="sha256 of the file, hex", max_length=64)]


# -- incident report (as `pycustoms incident --format json`) ------------------------------


class AffectedEnvironment(Out):
    """One environment that installed (or reported) one release."""

    environment: str = Field(description="environment name (X-Pycustoms-Env, user or token)")
    project: str = Field(description="normalised project name")
    version: str | None = Field(description="version, `null` when the file name had none")
    first_install: Timestamp = _when("first install")
    last_install: Timestamp = _when("last install")
    count: int = Field(description="number of installs in the time window", ge=0)
    sha256: list[Sha256] = Field(description="sha256 of every file served to it")
    installers: list[str] = Field(description="installers seen (`pip`, `uv`, ...)")
    source: str = Field(description="`index` (served by the firewall) or `reported`")


class ReleaseFile(Out):
    """A file of a release the index served."""

    filename: str = Field(description="file name")
    sha256: Sha256


class ReleaseFacts(Out):
    """What the index stored about a release of the report."""

    project: str = Field(description="normalised project name")
    version: str | None = Field(description="version")
    files: list[ReleaseFile] = Field(description="files served")
    decisions: list[str] = Field(description="stored scan decisions of those files")
    rules: list[str] = Field(description="rule ids that fired on them")
    blocked_because: list[str] = Field(
        description="why it is blocked: release blocks' reasons, then the scanner's"
    )


class ChecklistItem(Out):
    """One thing to rotate, rebuild or block."""

    action: str = Field(description="what to do")
    why: str = Field(description="the finding that calls for it")
    rules: list[str] = Field(description="rule ids behind it")


class IncidentReport(Out):
    """Who installed a release, when, which file, with what; and what to rotate."""

    specs: list[str] = Field(description="the releases asked about (`NAME==VERSION` or `NAME`)")
    generated_at: Timestamp = _when("when the report was made")
    environment_count: int = Field(description="number of affected environments", ge=0)
    environments: list[AffectedEnvironment] = Field(description="per environment and version")
    releases: list[ReleaseFacts] = Field(description="stored facts per release")
    capabilities: list[str] = Field(description="capabilities the scanner found")
    destinations: list[str] = Field(description="network destinations found in the evidence")
    checklist: list[ChecklistItem] = Field(description="the rotation checklist")
    notes: list[str] = Field(description="caveats (e.g. files no longer stored)")


# -- incidents --------------------------------------------------------------------------


class _BlockedRelease(Out):
    """What every view of an incident says about the release it blocked."""

    project: str = Field(description="normalised project name")
    version: str = Field(description="the blocked version")
    source: str = Field(description="what blocked it: `manual`, `rescan` or `advisory`")
    reason: str = Field(description="why it was blocked")
    detected_at: Timestamp = _when("detection time")


class _Numbered(Out):
    """An incident's number."""

    id: int = Field(description="incident number")


class IncidentSummary(_BlockedRelease):
    """The summary an incident sends to the webhooks (also stored with it)."""

    environments: list[str] = Field(description="environments that installed it")
    installs: int = Field(description="number of installs", ge=0)
    first_install: str = Field(description="first install (ISO-8601 with offset)")
    last_install: str = Field(description="last install (ISO-8601 with offset)")
    checklist: list[str] = Field(description="the rotation checklist's actions")


# `_Numbered` last: pydantic orders fields from the far end of the MRO, so `id` stays first.
class Incident(_BlockedRelease, _Numbered):
    """A release blocked after it was served (recorded once per release)."""

    environments: int = Field(description="number of environments that installed it", ge=0)
    summary: IncidentSummary | None = Field(description="the summary sent to the webhooks")


# -- quarantine ---------------------------------------------------------------------------


class Review(Out):
    """A human decision on a quarantined file."""

    decision: str = Field(description="`approve` or `deny`")
    reason: str = Field(description="why")
    actor: str = Field(description="the token's name")
    at: Timestamp = _when("decision time")


class Verdict(Out):
    """The scanner's verdict on a file, with its review if someone decided."""

    sha256: Sha256
    filename: str = Field(description="file name")
    project: str = Field(description="project (from the file name)")
    version: str = Field(description="version (from the file name)")
    decision: str = Field(description="the scanner's decision: `allow`, `warn` or `block`")
    score: int = Field(description="risk score")
    reasons: list[str] = Field(description="one line per finding that counted")
    rules: list[str] = Field(description="rule ids that fired")
    scanned_at: Timestamp = _when("scan time")
    review: Review | None = Field(description="the human decision, `null` while pending")


class DecisionDone(Out):
    """The outcome of an approve or deny."""

    sha256: Sha256
    filename: str = Field(description="file name")
    project: str = Field(description="project (from the file name)")
    decision: str = Field(description="`approve` or `deny`")


# -- blocks -------------------------------------------------------------------------------


class BlockDone(Out):
    """A release blocked by hand."""

    project: str = Field(description="normalised project name")
    version: str = Field(description="the blocked version")
    files: list[Sha256] = Field(description="sha256 of its files the index served (now refused)")
    incident: IncidentSummary | None = Field(
        description="the incident opened (`null`: nobody installed it, or already recorded)"
    )


class ReleaseBlock(Out):
    """A release blocked after its scan."""

    version: str | None = Field(description="the blocked version")
    source: str = Field(description="`manual`, `rescan` or `advisory`")
    reason: str = Field(description="why")
    actor: str = Field(description="who (a token's name, or the command)")
    at: Timestamp = _when("block time")


# -- environments -------------------------------------------------------------------------


class EnvironmentSummary(Out):
    """An environment seen by the index, or one that only reported."""

    environment: str = Field(description="environment name")
    installs: int = Field(description="installs through the index", ge=0)
    projects: int = Field(description="distinct projects installed", ge=0)
    last_install: Timestamp | None = _when("last install (`null`: never)")
    reported: int = Field(description="distributions in its latest report", ge=0)
    reported_at: Timestamp | None = _when("latest report (`null`: never)")


class EnvironmentInstall(Out):
    """Installs of one release by one environment."""

    project: str = Field(description="normalised project name")
    version: str | None = Field(description="version")
    count: int = Field(description="number of installs", ge=0)
    first: Timestamp = _when("first install")
    last: Timestamp = _when("last install")


class ReportedDistribution(Out):
    """A distribution an environment reported (`pycustoms report`)."""

    project: str = Field(description="normalised project name")
    version: str = Field(description="version")
    files: int = Field(description="number of files in its RECORD", ge=0)
    reported_at: Timestamp = _when("report time")


class EnvironmentDetail(Out):
    """What one environment installed (newest first) and what it reported."""

    environment: str = Field(description="environment name")
    installs: list[EnvironmentInstall] = Field(description="installs per release")
    reported: list[ReportedDistribution] = Field(description="its latest report")


class ReportStored(Out):
    """The answer to an environment report."""

    environment: str = Field(description="environment name")
    distributions: int = Field(description="distributions stored", ge=0)


class TokensRevoked(Out):
    """The answer to a token revocation."""

    name: str = Field(description="token name")
    revoked: int = Field(description="tokens revoked", ge=1)


# -- packages -----------------------------------------------------------------------------


class VersionInstalls(Out):
    """Installs of one version through the index."""

    version: str | None = Field(description="version")
    count: int = Field(description="number of installs", ge=0)
    environments: int = Field(description="distinct environments", ge=0)
    last: Timestamp = _when("last install")


class Package(Out):
    """What the index knows about one project."""

    project: str = Field(description="normalised project name")
    files: list[Verdict] = Field(description="scanned files, by version and name")
    installs: list[VersionInstalls] = Field(description="installs per version")
    blocks: list[ReleaseBlock] = Field(description="releases blocked after their scan")
    incidents: list[Incident] = Field(description="incidents of this project")


# -- audit --------------------------------------------------------------------------------


class AuditEntry(Out):
    """One state change."""

    id: int = Field(description="entry number (increasing)")
    at: Timestamp = _when("time")
    actor: str = Field(description="the token's name (or the command)")
    action: str = Field(
        description="`quarantine-approve`, `quarantine-deny`, `block-manual`, `block-rescan`, "
        "`block-advisory` or `environment-report`"
    )
    target: str = Field(description="file name, `NAME==VERSION` or environment")
    reason: str = Field(description="why")
    detail: dict[str, Any] | None = Field(description="extra facts (e.g. the sha256)")


# -- errors -------------------------------------------------------------------------------


class Issue(Out):
    """One problem of a request's input (FastAPI's validation error item)."""

    loc: list[str | int] = Field(description="where: `query`, `path` or `body`, then the field")
    msg: str = Field(description="what is wrong")
    type: str = Field(description="error type (e.g. `missing`, `value_error`)")


class Problem(Out):
    """An RFC 9457 problem, as the index answers its own errors."""

    type: str = Field(description="`urn:pycustoms:rule:RULE`")
    title: str = Field(description="short, the same for every problem of this rule")
    status: int = Field(description="the HTTP status")
    detail: str = Field(description="what happened and what to do")
    rule: str = Field(description="rule id, e.g. `policy/unauthenticated`")
    errors: list[Issue] | None = Field(
        default=None, description="422 only: every problem of the input"
    )


# -- prefetch (`pycustoms prefetch`) ---------------------------------------------------------


class PrefetchedFile(Out):
    """What became of one file that a prefetch asked for."""

    project: str = Field(description="normalised project name")
    version: str | None = Field(description="version (`null`: the newest was asked for)")
    filename: str | None = Field(description="file name (`null`: the project yielded no file)")
    status: str = Field(
        description="`allowed` (scanned and stored), `blocked`, `hidden` (the page does not "
        "list it: cooldown, a blocked release), `missing` or `error`"
    )
    detail: str = Field(description="why, for anything but `allowed`")
