# ruff: noqa: E501  (HTML template lines read better unwrapped)
"""The console's Jinja2 templates, kept in Python so that they ship with the package.

Server-rendered, no JavaScript: forms post and redirect; every action is a link or
a button reachable with Tab, and `accesskey`s jump between sections (the nav's
letters; `b` to the block form of a package page).
"""

from __future__ import annotations

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
a{color:#0645ad}a:focus,button:focus,input:focus,textarea:focus{outline:3px solid #f90}
header{background:#123;color:#fff;padding:.5em 1em}header a{color:#fff;margin-right:1em}
main{padding:1em 2em;max-width:80em}.skip{position:absolute;left:-9999px}.skip:focus{left:1em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f0f0f0;padding:.5em;overflow:auto}
.block{color:#a00;font-weight:600}.allow{color:#060}.warn{color:#a60}
.flash{background:#e8f4e8;border:1px solid #6a6;padding:.5em}
form.decide{display:flex;gap:.5em;align-items:flex-start;flex-wrap:wrap}
textarea{width:28em;height:3em}
"""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}pycustoms{% endblock %} · pycustoms console</title>
<style>{{ css }}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="console">
<a href="/console/" accesskey="d">Dashboard</a>
<a href="/console/quarantine" accesskey="q">Quarantine</a>
<a href="/console/environments" accesskey="e">Environments</a>
<a href="/console/incident" accesskey="i">Incident</a>
<a href="/console/audit" accesskey="a">Audit log</a>
<span>signed in as {{ who.name }} ({{ who.role }})</span>
</nav></header>
<main id="main" tabindex="-1">
{% if flash %}<p class="flash" role="status">{{ flash }}</p>{% endif %}
{% block main %}{% endblock %}
</main></body></html>
"""

_QUEUE = """
<table><thead><tr><th>File</th><th>Score</th><th>Why</th><th>Scanned</th>
{% if decide %}<th>Decision</th>{% endif %}</tr></thead><tbody>
{% for q in queue %}<tr>
<td><a href="/console/packages/{{ q.project }}">{{ q.filename }}</a><br><code>{{ q.sha256[:16] }}</code></td>
<td>{{ q.score }}</td><td>{{ q.reasons|join("; ") }}<br><small>{{ q.rules|join(", ") }}</small></td>
<td>{{ q.scanned_at }}</td>
{% if decide %}<td>{% if who.can_decide %}
<form class="decide" method="post" action="/console/quarantine/{{ q.sha256 }}">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label for="reason-{{ loop.index }}">Reason</label>
<textarea id="reason-{{ loop.index }}" name="reason" required></textarea>
<button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button>
</form>{% else %}needs the approver role{% endif %}</td>{% endif %}
</tr>{% else %}<tr><td colspan="5">The quarantine queue is empty.</td></tr>{% endfor %}
</tbody></table>
"""

DASHBOARD = (
    """{% extends "base" %}{% block title %}Dashboard{% endblock %}{% block main %}
<h1>Dashboard</h1>
<h2 id="incidents">Incidents</h2>
<table><thead><tr><th>Release</th><th>Source</th><th>Reason</th><th>Environments</th><th>Detected</th></tr></thead><tbody>
{% for i in incidents %}<tr><td><a href="/console/incident?spec={{ i.project }}=={{ i.version }}">{{ i.project }}=={{ i.version }}</a></td>
<td>{{ i.source }}</td><td>{{ i.reason }}</td><td>{{ i.environments }}</td><td>{{ i.detected_at }}</td></tr>
{% else %}<tr><td colspan="5">No incidents.</td></tr>{% endfor %}</tbody></table>
<h2 id="blocks">Recent blocks</h2>
<table><thead><tr><th>Release</th><th>Source</th><th>Reason</th><th>By</th><th>When</th></tr></thead><tbody>
{% for b in blocks %}<tr><td><a href="/console/packages/{{ b.project }}">{{ b.project }}=={{ b.version }}</a></td>
<td>{{ b.source }}</td><td>{{ b.reason }}</td><td>{{ b.actor }}</td><td>{{ b.at }}</td></tr>
{% else %}<tr><td colspan="5">No release blocks.</td></tr>{% endfor %}</tbody></table>
<h2 id="quarantine">Quarantine queue ({{ queue|length }})</h2>
"""
    + _QUEUE.replace("{% if decide %}", "{% if false %}")
    + """
<p><a href="/console/quarantine">Decide on quarantined files</a></p>
<h2 id="installs">Recent installs</h2>
<table><thead><tr><th>When</th><th>Environment</th><th>Release</th><th>Installer</th></tr></thead><tbody>
{% for e in installs %}<tr><td>{{ e.at }}</td><td><a href="/console/environments/{{ e.environment }}">{{ e.environment }}</a></td>
<td><a href="/console/packages/{{ e.project }}">{{ e.project }}=={{ e.version }}</a></td>
<td>{{ e.installer or "-" }} {{ e.installer_version or "" }}</td></tr>
{% else %}<tr><td colspan="4">No installs yet.</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""
)

QUARANTINE = (
    """{% extends "base" %}{% block title %}Quarantine{% endblock %}{% block main %}
<h1>Quarantine</h1>
<p>Files the scanner blocked. Approving serves the file from now on; denying keeps it out
and takes it off this list. Both need a reason, recorded in the audit log.</p>
"""
    + _QUEUE.replace("{% if decide %}", "{% if true %}")
    + """
{% endblock %}"""
)

PACKAGE = """{% extends "base" %}{% block title %}{{ p.project }}{% endblock %}{% block main %}
<h1>{{ p.project }}</h1>
<p><a href="/console/incident?spec={{ p.project }}">Incident view of every version</a>
· <a href="#blocks">Blocks and incidents</a></p>
<h2>Files</h2>
{% for f in p.files %}<section aria-labelledby="f{{ loop.index }}">
<h3 id="f{{ loop.index }}">{{ f.filename }} <span class="{{ f.decision }}">{{ f.decision }}</span> (score {{ f.score }})</h3>
<p><code>{{ f.sha256 }}</code> · scanned {{ f.scanned_at }}
{% if f.review %} · {{ f.review.decision }} by {{ f.review.actor }}: “{{ f.review.reason }}”{% endif %}
· <a href="/provenance/{{ p.project }}/{{ f.sha256 }}/{{ f.filename }}">provenance (PEP 740)</a></p>
{% if f.capabilities %}<p>Capabilities: {{ f.capabilities|join(", ") }}</p>{% endif %}
{% if f.findings %}<table><thead><tr><th>Rule</th><th>Severity</th><th>Where</th><th>Finding</th></tr></thead><tbody>
{% for x in f.findings %}<tr><td><code>{{ x.rule }}</code></td><td>{{ x.severity }}</td>
<td>{{ x.file or "" }}{% if x.line %}:{{ x.line }}{% endif %}</td>
<td>{{ x.message }}{% if x.snippet %}<pre>{{ x.snippet }}</pre>{% endif %}</td></tr>{% endfor %}
</tbody></table>{% elif f.stored %}<p>No findings.</p>{% else %}<p>Not in the blob store.</p>{% endif %}
</section>{% else %}<p>No scanned files of this project.</p>{% endfor %}
<h2>Capability diff</h2>
<table><thead><tr><th>Version</th><th>Capabilities</th><th>Gained</th><th>Lost</th></tr></thead><tbody>
{% for d in diff %}<tr><td>{{ d.version }}</td><td>{{ d.capabilities|join(", ") or "-" }}</td>
<td class="block">{{ d.gained|join(", ") }}</td><td>{{ d.lost|join(", ") }}</td></tr>
{% else %}<tr><td colspan="4">No versions scanned.</td></tr>{% endfor %}</tbody></table>
<h2>Installs</h2>
<table><thead><tr><th>Version</th><th>Installs</th><th>Environments</th><th>Last</th></tr></thead><tbody>
{% for i in p.installs %}<tr><td><a href="/console/incident?spec={{ p.project }}=={{ i.version }}">{{ i.version }}</a></td>
<td>{{ i.count }}</td><td>{{ i.environments }}</td><td>{{ i.last }}</td></tr>
{% else %}<tr><td colspan="4">Never installed through the index.</td></tr>{% endfor %}</tbody></table>
<h2 id="blocks">Blocks</h2>
<table><thead><tr><th>Version</th><th>Source</th><th>Reason</th><th>By</th><th>When</th></tr></thead><tbody>
{% for b in p.blocks %}<tr><td>{{ b.version or "-" }}</td><td>{{ b.source }}</td><td>{{ b.reason }}</td><td>{{ b.actor }}</td><td>{{ b.at }}</td></tr>
{% else %}<tr><td colspan="5">No release of this project is blocked after its scan.</td></tr>{% endfor %}</tbody></table>
<h2 id="incidents">Incidents</h2>
<table><thead><tr><th>Release</th><th>Source</th><th>Reason</th><th>Environments</th><th>Detected</th></tr></thead><tbody>
{% for i in p.incidents %}<tr><td><a href="/console/incident?spec={{ i.project }}=={{ i.version }}">{{ i.project }}=={{ i.version }}</a></td>
<td>{{ i.source }}</td><td>{{ i.reason }}</td><td>{{ i.environments }}</td><td>{{ i.detected_at }}</td></tr>
{% else %}<tr><td colspan="5">No incidents.</td></tr>{% endfor %}</tbody></table>
<h2 id="block">Block a release</h2>
{% if who.can_block %}
<p>Refuses the release's files from now on. If an environment installed it, an incident
is opened and the webhooks are told. The reason is recorded in the audit log.</p>
{% if form.error %}<p class="block" role="alert" id="block-error">{{ form.error }}</p>{% endif %}
<form class="decide" method="post" action="/console/packages/{{ p.project }}/block">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label for="block-version">Version</label>
<input id="block-version" name="version" list="block-versions" required maxlength="128" accesskey="b" value="{{ form.version or "" }}"{% if form.error %} aria-describedby="block-error" autofocus{% endif %}>
<datalist id="block-versions">{% for v in p.versions %}<option value="{{ v }}">{% endfor %}</datalist>
<label for="block-reason">Reason for blocking</label>
<textarea id="block-reason" name="reason" required maxlength="2000">{{ form.reason or "" }}</textarea>
<button>Block release</button>
</form>
{% else %}<p>Blocking a release needs the admin role.</p>{% endif %}
{% endblock %}"""

ENVIRONMENTS = """{% extends "base" %}{% block title %}Environments{% endblock %}{% block main %}
<h1>Environments</h1>
<table><thead><tr><th>Environment</th><th>Installs</th><th>Projects</th><th>Last install</th><th>Reported</th></tr></thead><tbody>
{% for e in envs %}<tr><td><a href="/console/environments/{{ e.environment }}">{{ e.environment }}</a></td>
<td>{{ e.installs }}</td><td>{{ e.projects }}</td><td>{{ e.last_install or "-" }}</td>
<td>{{ e.reported }} {{ e.reported_at or "" }}</td></tr>
{% else %}<tr><td colspan="5">No environments yet.</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

ENVIRONMENT = """{% extends "base" %}{% block title %}{{ env.environment }}{% endblock %}{% block main %}
<h1>Environment {{ env.environment }}</h1>
<h2>Installed through the index</h2>
<table><thead><tr><th>Release</th><th>Count</th><th>First</th><th>Last</th></tr></thead><tbody>
{% for i in env.installs %}<tr><td><a href="/console/packages/{{ i.project }}">{{ i.project }}=={{ i.version }}</a></td>
<td>{{ i.count }}</td><td>{{ i.first }}</td><td>{{ i.last }}</td></tr>
{% else %}<tr><td colspan="4">Nothing.</td></tr>{% endfor %}</tbody></table>
<h2>Reported (pycustoms report)</h2>
<table><thead><tr><th>Distribution</th><th>Files</th><th>Reported</th></tr></thead><tbody>
{% for r in env.reported %}<tr><td>{{ r.project }}=={{ r.version }}</td><td>{{ r.files }}</td><td>{{ r.reported_at }}</td></tr>
{% else %}<tr><td colspan="3">Nothing reported.</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

INCIDENT = """{% extends "base" %}{% block title %}Incident{% endblock %}{% block main %}
<h1>Incident</h1>
<form method="get" action="/console/incident">
<label for="spec">Release (NAME==VERSION or NAME)</label>
<input id="spec" name="spec" value="{{ spec }}" required>
<label for="since">since</label><input id="since" name="since" type="date" value="{{ since }}">
<label for="until">until</label><input id="until" name="until" type="date" value="{{ until }}">
<button>Look up</button></form>
{% if error %}<p class="block" role="alert">{{ error }}</p>{% endif %}
{% if r %}
<h2 id="summary">{{ r.environment_count }} environment(s) affected</h2>
<h2 id="checklist">Rotation checklist</h2>
<ul>{% for c in r.checklist %}<li><strong>{{ c.action }}</strong>: {{ c.why }}
{% if c.rules %}(<code>{{ c.rules|join(", ") }}</code>){% endif %}</li>
{% else %}<li>Nothing in the stored scan results calls for rotation.</li>{% endfor %}</ul>
<p>Capabilities: {{ r.capabilities|join(", ") or "-" }} · Network destinations: {{ r.destinations|join(", ") or "-" }}</p>
<h2 id="environments">Affected environments</h2>
<table><thead><tr><th>Environment</th><th>Release</th><th>First install</th><th>Last install</th><th>Count</th><th>Installers</th><th>sha256</th></tr></thead><tbody>
{% for h in r.environments %}<tr><td><a href="/console/environments/{{ h.environment }}">{{ h.environment }}</a></td>
<td>{{ h.project }}=={{ h.version }}</td><td>{{ h.first_install }}</td><td>{{ h.last_install }}</td><td>{{ h.count }}</td>
<td>{{ h.installers|join(", ") }}</td><td>{% for s in h.sha256 %}<code>{{ s[:16] }}</code> {% endfor %}</td></tr>
{% else %}<tr><td colspan="7">No environment installed it.</td></tr>{% endfor %}</tbody></table>
<h2>Releases</h2><ul>{% for x in r.releases %}<li>{{ x.project }}=={{ x.version }}: {{ x.decisions|join(", ") or "not scanned" }}
{% for b in x.blocked_because %}<br>blocked: {{ b }}{% endfor %}</li>{% endfor %}</ul>
<p><a href="/api/v1/incident?spec={{ spec }}">JSON</a></p>
{% endif %}{% endblock %}"""

AUDIT = """{% extends "base" %}{% block title %}Audit log{% endblock %}{% block main %}
<h1>Audit log</h1>
<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Why</th></tr></thead><tbody>
{% for a in entries %}<tr><td>{{ a.at }}</td><td>{{ a.actor }}</td><td>{{ a.action }}</td><td>{{ a.target }}</td><td>{{ a.reason }}</td></tr>
{% else %}<tr><td colspan="5">No entries.</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

TEMPLATES: dict[str, str] = {
    "base": BASE,
    "dashboard": DASHBOARD,
    "quarantine": QUARANTINE,
    "package": PACKAGE,
    "environments": ENVIRONMENTS,
    "environment": ENVIRONMENT,
    "incident": INCIDENT,
    "audit": AUDIT,
}
