# ruff: noqa: E501  (HTML template lines read better unwrapped)
"""The console's Jinja2 templates, kept in Python so that they ship with the package.

Server-rendered, no JavaScript: forms post and redirect; every action is a link or
a button reachable with Tab, and `accesskey`s jump between sections (the nav's
letters; `b` to the block form of a package page).
"""

from __future__ import annotations

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
a{color:#0645ad}a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #f90}
header{background:#123;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center}
header a{color:#fff;margin-right:1em}header .who{margin-left:auto}
header form input{width:14em}
main{padding:1em 2em;max-width:80em}.skip{position:absolute;left:-9999px}.skip:focus{left:1em}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f0f0f0;padding:.5em;overflow:auto;margin:.3em 0}
pre .ln{color:#777;user-select:none;padding-right:1em}
.block{color:#a00;font-weight:600}.allow{color:#060}.warn{color:#a60}
.sev-critical,.sev-high{color:#a00;font-weight:600}.sev-medium{color:#a60}.sev-low,.sev-info{color:#555}
.flash{background:#e8f4e8;border:1px solid #6a6;padding:.5em}
.alert{background:#fdecea;border:1px solid #c66;padding:.5em}
.ago{color:#666;font-size:90%}time{white-space:nowrap}
form.decide{display:flex;gap:.5em;align-items:flex-start;flex-wrap:wrap}
form.search{display:flex;gap:.5em;align-items:center;flex-wrap:wrap;margin:.5em 0 1em}
textarea{width:28em;height:3em}
.charts{display:flex;flex-wrap:wrap;gap:1.5em;margin:.5em 0 1.5em}
figure.chart{margin:0;background:#fff;border:1px solid #ddd;padding:.6em .8em}
figure.chart svg{display:block;margin-bottom:.3em}figure.chart table{margin:.3em 0 0;width:auto}
.bar{fill:#3a6ea5}.bar.today{fill:#123}.axis{stroke:#999;stroke-width:1}
#chart-releases-blocked .bar{fill:#b34}#chart-releases-blocked .bar.today{fill:#700}
#chart-files-quarantined .bar{fill:#c80}#chart-files-quarantined .bar.today{fill:#850}
svg.meter{vertical-align:middle}
figure.chart .span{display:flex;justify-content:space-between;width:280px;color:#666;font-size:80%}
.columns{display:flex;flex-wrap:wrap;gap:0 2em}.columns>section{flex:1 1 30em;min-width:0}
section.dist{border-top:2px solid #ccc;margin-top:1.5em}
details.file{margin:.5em 0 .8em}details.file>summary{cursor:pointer;font-weight:600}
ul.findings{list-style:none;padding-left:1em;margin:.3em 0}ul.findings li{margin:.4em 0}
.tag{display:inline-block;border:1px solid #bbb;border-radius:3px;padding:0 .3em;font-size:90%}
"""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}pycustoms{% endblock %} · pycustoms console</title>
<style>{{ css }}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="console">
<a href="/console/" accesskey="d">Dashboard</a>
<a href="/console/packages" accesskey="p">Packages</a>
<a href="/console/quarantine" accesskey="q">Quarantine</a>
<a href="/console/environments" accesskey="e">Environments</a>
<a href="/console/incident" accesskey="i">Incident</a>
<a href="/console/audit" accesskey="a">Audit log</a>
</nav>
<form class="search" role="search" method="get" action="/console/packages">
<label class="vh" for="nav-q">Search packages</label>
<input id="nav-q" name="q" type="search" placeholder="Search packages" maxlength="200">
<button>Search</button></form>
{% if who %}<span class="who">signed in as {{ who.name }} ({{ who.role }})</span>{% endif %}
</header>
<main id="main" tabindex="-1">
{% if flash %}<p class="flash" role="status">{{ flash }}</p>{% endif %}
{% block main %}{% endblock %}
</main></body></html>
"""

_QUEUE = """
<table><thead><tr><th>File</th><th class="n">Score</th><th>Why</th><th>Scanned</th>
{% if decide %}<th>Decision</th>{% endif %}</tr></thead><tbody>
{% for q in queue %}<tr>
<td><a href="/console/packages/{{ q.project|urlencode }}">{{ q.filename }}</a><br><code>{{ q.sha256[:16] }}</code></td>
<td class="n">{{ q.score }}</td><td>{{ q.reasons|join("; ") }}<br><small>{{ q.rules|join(", ") }}</small></td>
<td>{{ q.scanned_at|when }}</td>
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

_INCIDENT_ROWS = """
{% for i in rows %}<tr><td><a href="/console/incident?spec={{ (i.project ~ '==' ~ i.version)|urlencode }}">{{ i.project }}=={{ i.version }}</a></td>
<td>{{ i.source }}</td><td>{{ i.reason }}</td><td class="n">{{ i.environments }}</td><td>{{ i.detected_at|when }}</td></tr>
{% else %}<tr><td colspan="5">No incidents.</td></tr>{% endfor %}"""

DASHBOARD = (
    """{% extends "base" %}{% block title %}Dashboard{% endblock %}{% block main %}
<h1>Dashboard</h1>
<h2 id="trends">The last {{ trends[0].days|length }} days</h2>
<div class="charts">{% for s in trends %}{{ day_chart(s) }}{% endfor %}</div>
<div class="columns">
<section aria-labelledby="reasons"><h2 id="reasons">Top block reasons</h2>
<table><thead><tr><th>Reason</th><th>Source</th><th class="n">Count</th><th><span class="vh">Share</span></th></tr></thead><tbody>
{% set top = reasons[0].count if reasons else 0 %}
{% for r in reasons %}<tr><td>{{ r.reason }}</td><td>{{ r.source }}</td><td class="n">{{ r.count }}</td><td>{{ meter(r.count, top) }}</td></tr>
{% else %}<tr><td colspan="4">Nothing was blocked yet.</td></tr>{% endfor %}</tbody></table>
</section>
<section aria-labelledby="exposure"><h2 id="exposure">Environments by exposure</h2>
<p><small>Environments that installed a blocked release, a release with an incident, or a file the scanner warned about or blocked.</small></p>
<table><thead><tr><th>Environment</th><th class="n">Flagged releases</th><th>Which</th><th>Last install</th></tr></thead><tbody>
{% set most = exposed[0].count if exposed else 0 %}
{% for x in exposed %}<tr><td><a href="/console/environments/{{ x.environment|urlencode }}">{{ x.environment }}</a></td>
<td class="n">{{ x.count }} {{ meter(x.count, most, 60) }}</td>
<td>{% for r in x.releases %}{{ r.release }} <small>({{ r.why|join(", ") }})</small>{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{{ x.last|when }}</td></tr>
{% else %}<tr><td colspan="4">No environment installed anything flagged.</td></tr>{% endfor %}</tbody></table>
</section></div>
<h2 id="incidents">Incidents</h2>
<table><thead><tr><th>Release</th><th>Source</th><th>Reason</th><th class="n">Environments</th><th>Detected</th></tr></thead><tbody>
{% with rows = incidents %}"""
    + _INCIDENT_ROWS
    + """{% endwith %}</tbody></table>
<h2 id="blocks">Recent blocks</h2>
<table><thead><tr><th>Release</th><th>Source</th><th>Reason</th><th>By</th><th>When</th></tr></thead><tbody>
{% for b in blocks %}<tr><td><a href="/console/packages/{{ b.project|urlencode }}">{{ b.project }}=={{ b.version }}</a></td>
<td>{{ b.source }}</td><td>{{ b.reason }}</td><td>{{ b.actor }}</td><td>{{ b.at|when }}</td></tr>
{% else %}<tr><td colspan="5">No release blocks.</td></tr>{% endfor %}</tbody></table>
<h2 id="quarantine">Quarantine queue ({{ queue|length }})</h2>
"""
    + _QUEUE.replace("{% if decide %}", "{% if false %}")
    + """
<p><a href="/console/quarantine">Decide on quarantined files</a></p>
<h2 id="installs">Recent installs</h2>
<table><thead><tr><th>When</th><th>Environment</th><th>Release</th><th>Installer</th></tr></thead><tbody>
{% for e in installs %}<tr><td>{{ e.at|when }}</td><td><a href="/console/environments/{{ e.environment|urlencode }}">{{ e.environment }}</a></td>
<td><a href="/console/packages/{{ e.project|urlencode }}">{{ e.project }}=={{ e.version }}</a></td>
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

PACKAGES = """{% extends "base" %}{% block title %}Packages{% endblock %}{% block main %}
<h1>Packages</h1>
<form class="search" method="get" action="/console/packages">
<label for="q">Name contains</label>
<input id="q" name="q" type="search" value="{{ q }}" maxlength="200">
<label for="sort">Order</label>
<select id="sort" name="sort">{% for value, label in sorts %}<option value="{{ value }}"{% if value == sort %} selected{% endif %}>{{ label }}</option>{% endfor %}</select>
<button>Search</button></form>
<p role="status">{% if q %}{{ total }} package(s) match “{{ q }}”{% else %}{{ total }} package(s) known{% endif %}{% if total > rows|length %}; the first {{ rows|length }} are shown{% endif %}.</p>
<table><thead><tr><th>Package</th><th class="n">Files scanned</th><th class="n">Blocked</th><th class="n">Warned</th><th class="n">Blocked releases</th><th class="n">Incidents</th><th class="n">Installs</th><th class="n">Environments</th><th>Last activity</th></tr></thead><tbody>
{% for r in rows %}<tr><td><a href="/console/packages/{{ r.project|urlencode }}">{{ r.project }}</a></td>
<td class="n">{{ r.files }}</td><td class="n{% if r.blocked_files %} block{% endif %}">{{ r.blocked_files }}</td>
<td class="n{% if r.warned_files %} warn{% endif %}">{{ r.warned_files }}</td>
<td class="n{% if r.blocked_releases %} block{% endif %}">{{ r.blocked_releases }}</td><td class="n">{{ r.incidents }}</td>
<td class="n">{{ r.installs }}</td><td class="n">{{ r.environments }}</td><td>{{ r.last|when }}</td></tr>
{% else %}<tr><td colspan="9">{% if q %}No package name contains “{{ q }}”.{% else %}No package has been scanned, installed or blocked yet.{% endif %}</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

_FINDINGS = """
{% for g in f.by_file %}<details class="file"{% if loop.index <= 3 %} open{% endif %}>
<summary><code>{{ g.path or "(the distribution as a whole)" }}</code> · {{ g.findings|length }} finding(s), worst <span class="sev-{{ g.worst }}">{{ g.worst }}</span></summary>
<ul class="findings">{% for x in g.findings %}<li><span class="tag sev-{{ x.severity }}">{{ x.severity }}</span> <code>{{ x.rule }}</code>
{% if x.line %}line {{ x.line }}: {% endif %}{{ x.message }}
{% if x.snippet %}<pre><code>{% if x.line %}<span class="ln">{{ x.line }}</span>{% endif %}{{ x.snippet }}</code></pre>{% endif %}</li>{% endfor %}</ul>
</details>{% endfor %}"""

PACKAGE = (
    """{% extends "base" %}{% block title %}{{ p.project }}{% endblock %}{% block main %}
<h1>{{ p.project }}</h1>
<p><a href="/console/incident?spec={{ p.project|urlencode }}">Incident view of every version</a>
· <a href="#served">On the index now</a> · <a href="#blocks">Blocks and incidents</a></p>
<h2 id="served">On the index now</h2>
{% if served.gate %}<p class="alert">The whole project is refused before the upstream is asked: <strong>{{ served.gate.rule }}</strong>: {{ served.gate.reason }}</p>
{% elif served.error %}<p class="alert">{{ served.error }}</p>
{% else %}
{% if served.blocked %}<p class="alert">Every download of this project is refused: <strong>{{ served.blocked.rule }}</strong>: {{ served.blocked.reason }}</p>{% endif %}
<p>{{ served.listed }} file(s) listed; {{ served.hidden|length }} hidden from installers.</p>
{% if served.hidden %}<table id="hidden"><thead><tr><th>Hidden file</th><th>Rule</th><th>Why</th></tr></thead><tbody>
{% for h in served.hidden %}<tr><td>{{ h.filename }}</td><td><code>{{ h.rule }}</code></td><td>{{ h.reason }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if served.hint %}<p><small>{{ served.hint }}</small></p>{% endif %}
{% endif %}
<h2>Scanned files</h2>
{% for f in p.files %}<section class="dist" aria-labelledby="f{{ loop.index }}">
<h3 id="f{{ loop.index }}">{{ f.filename }} <span class="{{ f.decision }}">{{ f.decision }}</span> (score {{ f.score }})</h3>
<p><code>{{ f.sha256 }}</code> · scanned {{ f.scanned_at|when }}
{% if f.review %} · {{ f.review.decision }} by {{ f.review.actor }} {{ f.review.at|when }}: “{{ f.review.reason }}”{% endif %}
· <a href="/provenance/{{ p.project|urlencode }}/{{ f.sha256 }}/{{ f.filename|urlencode }}">provenance (PEP 740)</a></p>
{% if f.capabilities %}<p>Capabilities: {{ f.capabilities|join(", ") }}</p>{% endif %}
{% if f.findings %}<p>{{ f.findings|length }} finding(s) in {{ f.by_file|length }} file(s):</p>"""
    + _FINDINGS
    + """
{% elif f.stored %}<p>No findings.</p>{% else %}<p>Not in the blob store: its findings cannot be shown.</p>{% endif %}
</section>{% else %}<p>No scanned files of this project.</p>{% endfor %}
<h2>Capability diff</h2>
<table><thead><tr><th>Version</th><th>Capabilities</th><th>Gained</th><th>Lost</th></tr></thead><tbody>
{% for d in diff %}<tr><td>{{ d.version }}</td><td>{{ d.capabilities|join(", ") or "-" }}</td>
<td class="block">{{ d.gained|join(", ") }}</td><td>{{ d.lost|join(", ") }}</td></tr>
{% else %}<tr><td colspan="4">No versions scanned.</td></tr>{% endfor %}</tbody></table>
<h2>Installs</h2>
<table><thead><tr><th>Version</th><th class="n">Installs</th><th class="n">Environments</th><th>Last</th></tr></thead><tbody>
{% for i in p.installs %}<tr><td><a href="/console/incident?spec={{ (p.project ~ '==' ~ i.version)|urlencode }}">{{ i.version }}</a></td>
<td class="n">{{ i.count }}</td><td class="n">{{ i.environments }}</td><td>{{ i.last|when }}</td></tr>
{% else %}<tr><td colspan="4">Never installed through the index.</td></tr>{% endfor %}</tbody></table>
<h2 id="blocks">Blocks</h2>
<table><thead><tr><th>Version</th><th>Source</th><th>Reason</th><th>By</th><th>When</th></tr></thead><tbody>
{% for b in p.blocks %}<tr><td>{{ b.version or "-" }}</td><td>{{ b.source }}</td><td>{{ b.reason }}</td><td>{{ b.actor }}</td><td>{{ b.at|when }}</td></tr>
{% else %}<tr><td colspan="5">No release of this project is blocked after its scan.</td></tr>{% endfor %}</tbody></table>
<h2 id="incidents">Incidents</h2>
<table><thead><tr><th>Release</th><th>Source</th><th>Reason</th><th class="n">Environments</th><th>Detected</th></tr></thead><tbody>
{% with rows = p.incidents %}"""
    + _INCIDENT_ROWS
    + """{% endwith %}</tbody></table>
<h2 id="block">Block a release</h2>
{% if who.can_block %}
<p>Refuses the release's files from now on. If an environment installed it, an incident
is opened and the webhooks are told. The reason is recorded in the audit log.</p>
{% if form.error %}<p class="block" role="alert" id="block-error">{{ form.error }}</p>{% endif %}
<form class="decide" method="post" action="/console/packages/{{ p.project|urlencode }}/block">
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
)

ENVIRONMENTS = """{% extends "base" %}{% block title %}Environments{% endblock %}{% block main %}
<h1>Environments</h1>
<table><thead><tr><th>Environment</th><th class="n">Installs</th><th class="n">Projects</th><th>Last install</th><th>Reported</th></tr></thead><tbody>
{% for e in envs %}<tr><td><a href="/console/environments/{{ e.environment|urlencode }}">{{ e.environment }}</a></td>
<td class="n">{{ e.installs }}</td><td class="n">{{ e.projects }}</td><td>{{ e.last_install|when }}</td>
<td>{% if e.reported %}{{ e.reported }} distribution(s), {{ e.reported_at|when }}{% else %}-{% endif %}</td></tr>
{% else %}<tr><td colspan="5">No environments yet.</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

ENVIRONMENT = """{% extends "base" %}{% block title %}{{ env.environment }}{% endblock %}{% block main %}
<h1>Environment {{ env.environment }}</h1>
<h2>Installed through the index</h2>
<table><thead><tr><th>Release</th><th class="n">Count</th><th>First</th><th>Last</th></tr></thead><tbody>
{% for i in env.installs %}<tr><td><a href="/console/packages/{{ i.project|urlencode }}">{{ i.project }}=={{ i.version }}</a></td>
<td class="n">{{ i.count }}</td><td>{{ i.first|when }}</td><td>{{ i.last|when }}</td></tr>
{% else %}<tr><td colspan="4">Nothing.</td></tr>{% endfor %}</tbody></table>
<h2>Reported (pycustoms report)</h2>
<table><thead><tr><th>Distribution</th><th class="n">Files</th><th>Reported</th></tr></thead><tbody>
{% for r in env.reported %}<tr><td>{{ r.project }}=={{ r.version }}</td><td class="n">{{ r.files }}</td><td>{{ r.reported_at|when }}</td></tr>
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
<table><thead><tr><th>Environment</th><th>Release</th><th>First install</th><th>Last install</th><th class="n">Count</th><th>Installers</th><th>sha256</th></tr></thead><tbody>
{% for h in r.environments %}<tr><td><a href="/console/environments/{{ h.environment|urlencode }}">{{ h.environment }}</a></td>
<td>{{ h.project }}=={{ h.version }}</td><td>{{ h.first_install|when }}</td><td>{{ h.last_install|when }}</td><td class="n">{{ h.count }}</td>
<td>{{ h.installers|join(", ") }}</td><td>{% for s in h.sha256 %}<code>{{ s[:16] }}</code> {% endfor %}</td></tr>
{% else %}<tr><td colspan="7">No environment installed it.</td></tr>{% endfor %}</tbody></table>
<h2>Releases</h2><ul>{% for x in r.releases %}<li>{{ x.project }}=={{ x.version }}: {{ x.decisions|join(", ") or "not scanned" }}
{% for b in x.blocked_because %}<br>blocked: {{ b }}{% endfor %}</li>{% endfor %}</ul>
<p><a href="/api/v1/incident?spec={{ spec|urlencode }}">JSON</a></p>
{% endif %}{% endblock %}"""

AUDIT = """{% extends "base" %}{% block title %}Audit log{% endblock %}{% block main %}
<h1>Audit log</h1>
<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Why</th></tr></thead><tbody>
{% for a in entries %}<tr><td>{{ a.at|when }}</td><td>{{ a.actor }}</td><td>{{ a.action }}</td><td>{{ a.target }}</td><td>{{ a.reason }}</td></tr>
{% else %}<tr><td colspan="5">No entries.</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

ERROR = """{% extends "base" %}{% block title %}{{ status_code }} {{ title }}{% endblock %}{% block main %}
<h1>{{ status_code }} · {{ title }}</h1>
<p class="alert" role="alert">{{ detail }}</p>
{% if status_code == 401 %}<p>Sign in with a console token: your browser asks for a user name and a
password; any user name will do, and the password is the token
(<code>pycustoms token create NAME --role reader</code>, run by whoever runs the server).
Reload this page to be asked again.</p>
{% elif status_code == 403 %}<p>Your token's role does not allow this. Ask an admin for a token with the
role named above (<code>pycustoms token create NAME --role approver</code>), or go back.</p>
{% elif status_code == 404 %}<p>Nothing is here. <a href="/console/packages">Search the packages</a>
or go to the <a href="/console/">dashboard</a>.</p>
{% elif status_code < 500 %}<p>The request was not valid; correct it and try again.</p>
{% else %}<p>The server failed to answer. The server's log has the details; try again in a moment.</p>{% endif %}
<p><a href="/console/">Dashboard</a></p>
{% endblock %}"""

TEMPLATES: dict[str, str] = {
    "base": BASE,
    "dashboard": DASHBOARD,
    "quarantine": QUARANTINE,
    "packages": PACKAGES,
    "package": PACKAGE,
    "environments": ENVIRONMENTS,
    "environment": ENVIRONMENT,
    "incident": INCIDENT,
    "audit": AUDIT,
    "error": ERROR,
}
