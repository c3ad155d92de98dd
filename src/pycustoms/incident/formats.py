"""Render an `IncidentReport` as JSON (a stable document) or Markdown (for a ticket)."""

from __future__ import annotations

import json
from typing import Any

from pycustoms.incident.model import IncidentReport


def _iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def to_dict(report: IncidentReport) -> dict[str, Any]:
    """The JSON document of *report* (also the API's response body)."""
    return {
        "specs": [str(s) for s in report.specs],
        "generated_at": _iso(report.generated_at),
        "environment_count": len(report.environment_names),
        "environments": [
            {
                "environment": h.environment,
                "project": h.project,
                "version": h.version,
                "first_install": _iso(h.first),
                "last_install": _iso(h.last),
                "count": h.count,
                "sha256": list(h.sha256),
                "installers": list(h.installers),
                "source": h.source,
            }
            for h in report.environments
        ],
        "releases": [
            {
                "project": r.project,
                "version": r.version,
                "files": [{"filename": f, "sha256": s} for f, s in r.files],
                "decisions": list(r.decisions),
                "rules": list(r.rules),
                "blocked_because": list(r.blocked_because),
            }
            for r in report.releases
        ],
        "capabilities": list(report.capabilities),
        "destinations": list(report.destinations),
        "checklist": [
            {"action": c.action, "why": c.why, "rules": list(c.rules)} for c in report.checklist
        ],
        "notes": list(report.notes),
    }


def to_json(report: IncidentReport) -> str:
    """*report* as indented JSON with a trailing newline."""
    return json.dumps(to_dict(report), indent=2) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: IncidentReport) -> str:
    """*report* as Markdown: summary, checklist, environments, releases."""
    return markdown_of(to_dict(report))


def _read_from(where: dict[str, str]) -> str:
    """Which database or server the report came from (added by the CLI)."""
    if "server" in where:
        return f"Asked the server at {where['server']}."
    return f"Read from the database at {where['database']}."


def _release(h: dict[str, Any]) -> str:
    return f"{h['project']}=={h['version']}" if h["version"] else str(h["project"])


def affected_lines(doc: dict[str, Any]) -> str:
    """One line per affected environment and release: `environment<TAB>name==version`."""
    return "".join(f"{h['environment']}\t{_release(h)}\n" for h in doc["environments"])


def markdown_of(doc: dict[str, Any]) -> str:
    """Markdown from the JSON document (`to_dict`, or the API's answer)."""
    specs = ", ".join(f"`{s}`" for s in doc["specs"])
    lines = [
        f"# Incident: {specs}",
        "",
        f"{doc['environment_count']} environment(s) affected; generated {doc['generated_at']}.",
        "",
    ]
    lines += [_read_from(doc["read_from"]), ""] if doc.get("read_from") else []
    lines += [
        "## Rotation checklist",
        "",
    ]
    lines += [
        f"- [ ] {c['action']} ({c['why']}; {', '.join(c['rules']) or '-'})"
        for c in doc["checklist"]
    ]
    if not doc["checklist"]:
        lines.append("Nothing in the stored scan results calls for rotation.")
    lines += [
        "",
        f"Capabilities: {', '.join(doc['capabilities']) or '-'}",
        f"Network destinations: {', '.join(doc['destinations']) or '-'}",
        "",
        "## Affected environments",
        "",
        "| Environment | Release | First install | Last install | Count | Installers | sha256 |",
        "|---|---|---|---|---|---|---|",
    ]
    for h in doc["environments"]:
        release = _release(h)
        shas = ", ".join(s[:12] for s in h["sha256"])
        lines.append(
            f"| {_cell(h['environment'])} | {_cell(release)} | {h['first_install']} "
            f"| {h['last_install']} | {h['count']} | {_cell(', '.join(h['installers']) or '-')} "
            f"| {shas} |"
        )
    lines += ["", "## Releases", ""]
    for r in doc["releases"]:
        decided = ", ".join(r["decisions"]) or "not scanned"
        lines.append(f"- `{r['project']}=={r['version']}`: {decided}")
        lines += [f"  - blocked: {_cell(b)}" for b in r["blocked_because"]]
        if r["rules"]:
            lines.append(f"  - rules: {', '.join(r['rules'])}")
    lines += [f"- note: {n}" for n in doc["notes"]]
    return "\n".join(lines) + "\n"
