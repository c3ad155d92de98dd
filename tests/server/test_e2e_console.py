"""The console's admin API against a real server: roles, quarantine, incidents, webhooks, audit."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pycustoms.cli import main
from tests.server.consolefixture import Setup, console_setup
from tests.server.serverproc import ServerProcess, eventually

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    yield from console_setup(tmp_path_factory.mktemp("console"))


def _wait(check: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_roles_are_enforced(setup: Setup) -> None:
    assert setup.get("/api/v1/quarantine", "install").status_code == 403
    assert setup.get("/api/v1/quarantine", "reader").status_code == 200
    body = {"reason": "looks fine"}
    zero = "0" * 64
    assert setup.post(f"/api/v1/quarantine/{zero}/approve", "reader", body).status_code == 403
    assert setup.post(f"/api/v1/quarantine/{zero}/approve", "approver", body).status_code == 404
    blocked = {"project": "goodpkg", "version": "9", "reason": "x"}
    assert setup.post("/api/v1/blocks", "approver", blocked).status_code == 403
    schema = setup.get("/api/v1/openapi.json").json()
    assert "/api/v1/incident" in schema["paths"]


def test_errors_are_problems_like_the_index(setup: Setup) -> None:
    refused = httpx.get(setup.server.url + "/api/v1/audit", timeout=30)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["rule"] == "policy/unauthenticated"
    assert "www-authenticate" in refused.headers  # browsers still prompt
    low = setup.post("/api/v1/blocks", "reader", {"project": "x", "version": "1", "reason": "r"})
    assert (low.status_code, low.json()["rule"]) == (403, "console/forbidden")
    bad = setup.get("/api/v1/incident", params={"spec": "goodpkg=="})
    problem = bad.json()
    assert (bad.status_code, problem["status"]) == (422, 422)
    assert problem["errors"][0]["loc"] == ["query", "spec"]
    code = main(["incident", "goodpkg==", "--server", setup.server.url,
                 "--token", setup.tokens["reader"]])  # fmt: skip
    assert code == 2


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_block_form_without_javascript(setup: Setup) -> None:
    url = setup.server.url + "/console/packages/goodpkg/block"
    origin = {"Origin": setup.server.url}  # what a browser sends with a form post
    admin = {"Authorization": f"Bearer {setup.tokens['admin']}", **origin}
    page = setup.get("/console/packages/goodpkg", "admin")
    assert 'id="block-version"' in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "needs the admin role" in setup.get("/console/packages/goodpkg", "approver").text
    form = {"csrf": _csrf(page), "version": "0.9", "reason": "reported typosquat"}
    reader = {"Authorization": f"Bearer {setup.tokens['reader']}", **origin}
    assert httpx.post(url, headers=reader, data=form, timeout=30).status_code == 403
    stale = httpx.post(url, headers=admin, data={**form, "csrf": "0" * 64}, timeout=30)
    assert stale.status_code == 403
    # Another site's page posting the same (valid) form, or a post without an origin.
    elsewhere = {**admin, "Origin": "http://evil.example"}
    assert httpx.post(url, headers=elsewhere, data=form, timeout=30).status_code == 403
    bare = {"Authorization": admin["Authorization"]}
    assert httpx.post(url, headers=bare, data=form, timeout=30).status_code == 403
    blank = httpx.post(url, headers=admin, data={**form, "reason": "  "}, timeout=30)
    assert blank.status_code == 422
    assert 'role="alert"' in blank.text
    assert 'value="0.9"' in blank.text  # what was typed is kept
    done = httpx.post(url, headers=admin, data=form, timeout=30)
    assert done.status_code == 303
    assert done.headers["location"].startswith("/console/packages/goodpkg?done=")
    blocks = setup.get("/api/v1/packages/goodpkg").json()["blocks"]
    assert {"version": "0.9", "source": "manual", "actor": "root"}.items() <= blocks[-1].items()
    entry = next(a for a in setup.get("/api/v1/audit").json() if a["action"] == "block-manual")
    assert (entry["target"], entry["reason"]) == ("goodpkg==0.9", "reported typosquat")


def test_quarantine_approve_then_served(setup: Setup) -> None:
    assert setup.download("evilpkg", "dev-laptop").status_code == 403
    queue = setup.get("/api/v1/quarantine").json()
    item = next(q for q in queue if q["project"] == "evilpkg")
    done = setup.post(
        f"/api/v1/quarantine/{item['sha256']}/approve", "approver", {"reason": "vetted sample"}
    )
    assert done.status_code == 200, done.text
    assert setup.download("evilpkg", "dev-laptop").status_code == 200
    audit = setup.get("/api/v1/audit").json()
    entry = next(a for a in audit if a["action"] == "quarantine-approve")
    assert (entry["actor"], entry["reason"]) == ("alice", "vetted sample")


def test_manual_block_opens_incident_and_notifies(setup: Setup, tmp_path: Path) -> None:
    for env in ("build-1", "build-2", "build-1"):
        assert setup.download("goodpkg", env).status_code == 200
    time.sleep(0.6)  # the install log writes in batches
    block = {"project": "goodpkg", "version": "2.0", "reason": "maintainer account taken over"}
    answer = setup.post("/api/v1/blocks", "admin", block)
    assert answer.status_code == 200, answer.text
    assert answer.json()["incident"]["environments"] == ["build-1", "build-2"]
    after = setup.download("goodpkg", "build-3")  # 2.0 is hidden: the newest listed is 1.0
    assert after.status_code == 200
    assert "goodpkg-1.0-" in str(after.url)
    _wait(lambda: len(setup.receiver.bodies) >= 2)
    paths = dict(setup.receiver.bodies)
    assert paths["/generic"]["event"] == "pycustoms.incident"
    assert paths["/generic"]["version"] == "2.0"
    assert "goodpkg==2.0" in paths["/slack"]["text"]
    report = setup.get("/api/v1/incident", params={"spec": "goodpkg==2.0"}).json()
    counts = {h["environment"]: h["count"] for h in report["environments"]}
    assert counts == {"build-1": 2, "build-2": 1}
    assert report["environments"][0]["installers"] == ["pip"]
    out = tmp_path / "incident.md"
    code = main(["incident", "goodpkg==2.0", "--server", setup.server.url,
                 "--token", setup.tokens["reader"], "-o", str(out)])  # fmt: skip
    assert code == 1
    assert "| build-1 | goodpkg==2.0 |" in out.read_text()
    incidents = setup.get("/api/v1/incidents").json()
    assert incidents[0]["project"] == "goodpkg"


def test_report_environment_and_incident_finds_it(setup: Setup) -> None:
    # The install token "ci" reports for its own environment, labelled as ci:LABEL.
    code = main(["report", "--server", setup.server.url, "--env", "ci:laptop-7",
                 "--token", setup.tokens["install"]])  # fmt: skip
    assert code == 0
    envs = {e["environment"] for e in setup.get("/api/v1/environments").json()}
    assert "ci:laptop-7" in envs
    report = setup.get("/api/v1/incident", params={"spec": "httpx"}).json()
    assert any(h["environment"] == "ci:laptop-7" and h["source"] == "reported"
               for h in report["environments"])  # fmt: skip


def test_a_token_reports_only_its_own_environment(setup: Setup) -> None:
    # Before: any install token could replace any environment's inventory.
    for other in ("laptop-7", "build-1", "cix"):
        code = main(["report", "--server", setup.server.url, "--env", other,
                     "--token", setup.tokens["install"]])  # fmt: skip
        assert code == 3, other
    # An admin may report for any environment.
    code = main(["report", "--server", setup.server.url, "--env", "lab-machine-3",
                 "--token", setup.tokens["admin"]])  # fmt: skip
    assert code == 0


def test_a_block_on_a_release_nobody_fetched_applies_at_once_on_every_replica(
    setup: Setup,
) -> None:
    """Before: the block answered `"files": []` and the release stayed listed and served."""
    replica = ServerProcess(
        setup.upstream.url,
        setup.data,
        config=setup.data / "pycustoms.toml",
        env={"PYCUSTOMS_SERVE_PRESCAN": "0"},
    )
    try:
        json_page = {"Accept": "application/vnd.pypi.simple.v1+json"}
        before = httpx.get(
            setup.server.index + "unfetchedpkg/", headers=json_page, timeout=30
        ).json()
        assert before["versions"] == ["1.0", "2.0"]
        on_replica = httpx.get(replica.index + "unfetchedpkg/", headers=json_page, timeout=30)
        assert on_replica.json()["versions"] == ["1.0", "2.0"]
        newest = next(f for f in before["files"] if "-2.0-" in f["filename"])
        url_a = str(httpx.URL(setup.server.index + "unfetchedpkg/").join(newest["url"]))
        url_b = url_a.replace(setup.server.url, replica.url)
        answer = setup.post(
            "/api/v1/blocks",
            "admin",
            {"project": "unfetchedpkg", "version": "2.0", "reason": "compromised account"},
        )
        assert answer.status_code == 200, answer.text
        # On the server that took the block: at once.
        after = httpx.get(
            setup.server.index + "unfetchedpkg/", headers=json_page, timeout=30
        ).json()
        assert after["versions"] == ["1.0"]
        refused = httpx.get(url_a, timeout=30)
        assert refused.status_code == 403
        assert "compromised account" in refused.text
        # On the other replica: within about a second.
        assert eventually(
            lambda: (
                httpx.get(replica.index + "unfetchedpkg/", headers=json_page, timeout=30).json()[
                    "versions"
                ]
                == ["1.0"]
            ),
            3,
        )
        assert httpx.get(url_b, timeout=30).status_code == 403
    finally:
        replica.stop()


# -- the console as a security lead reads it (issue 13 §5) -------------------------------------
# These run after the tests above on the same server (a module fixture): they use their own
# projects (freshpkg, xsspkg) so that the incidents and blocks asserted above stay theirs.

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _scanned(setup: Setup, project: str, env: str) -> None:
    """Make sure the server scanned *project*'s newest wheel: fetch it, unless the page
    already hides every wheel (a scan blocked it: then it was scanned before)."""
    with contextlib.suppress(IndexError):
        assert setup.download(project, env).status_code in (200, 403)


def _page_text(setup: Setup, path: str, role: str = "reader", **params: str) -> str:
    answer = setup.get(path, role, params=params, headers={"Accept": BROWSER})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def test_package_list_is_searchable(setup: Setup) -> None:
    """Before: `/console/packages` answered a JSON 404."""
    assert setup.download("goodpkg", "search-env").status_code == 200
    _scanned(setup, "evilpkg", "search-env")
    assert setup.download("freshpkg", "search-env").status_code == 200
    time.sleep(0.6)  # the install log writes in batches
    everything = _page_text(setup, "/console/packages")
    assert 'href="/console/packages/goodpkg"' in everything
    assert 'href="/console/packages/evilpkg"' in everything
    found = _page_text(setup, "/console/packages", q="GOOD")  # names match normalised
    assert 'href="/console/packages/goodpkg"' in found
    assert "evilpkg" not in found
    assert "1 package(s) match" in found
    flagged = _page_text(setup, "/console/packages", sort="flagged")
    assert flagged.index("/packages/evilpkg") < flagged.index("/packages/freshpkg")  # 1 vs 0
    by_name = _page_text(setup, "/console/packages", sort="name")
    assert by_name.index("/packages/evilpkg") < by_name.index("/packages/freshpkg")
    assert by_name.index("/packages/freshpkg") < by_name.index("/packages/goodpkg")
    none = _page_text(setup, "/console/packages", q="no-such-thing")
    assert "No package name contains “no-such-thing”" in none


def test_dashboard_trends_reasons_and_exposure(setup: Setup) -> None:
    _scanned(setup, "evilpkg", "dash-env")  # quarantined today
    assert setup.download("freshpkg", "exposed-env").status_code == 200  # 1.0
    time.sleep(0.6)
    block = {"project": "freshpkg", "version": "1.0", "reason": "typosquat reported by CERT"}
    assert setup.post("/api/v1/blocks", "admin", block).status_code == 200
    text = _page_text(setup, "/console/")
    # Three charts, each an accessible image with its numbers also written as text.
    assert text.count('<svg role="img"') == 3
    for name in ("installs", "releases-blocked", "files-quarantined"):
        figure = re.search(rf'<figure class="chart" id="chart-{name}">(.*?)</figure>', text, re.S)
        assert figure is not None, name
        assert f'aria-labelledby="chart-{name}-t chart-{name}-d"' in figure.group(1)
        total = re.search(r'<span class="total">(\d+)</span> in 14 days', figure.group(1))
        assert total is not None, name
        assert int(total.group(1)) >= 1, name
        assert "<table>" in figure.group(1)  # per day, as numbers
    reasons = text[text.index('id="reasons"') : text.index('id="exposure"')]
    assert "critical finding(s)" in reasons
    assert "typosquat reported by CERT" in reasons
    exposure = text[text.index('id="exposure"') : text.index('id="incidents"')]
    assert 'href="/console/environments/exposed-env"' in exposure
    assert "freshpkg==1.0" in exposure
    assert "blocked (manual)" in exposure
    # Times are written for people (and exactly in <time datetime>), never as raw ISO text.
    assert '<time datetime="' in text
    assert re.search(r">\d{4}-\d\d-\d\dT\d\d:\d\d", text) is None


def test_package_page_shows_hidden_files_and_findings_per_file(setup: Setup) -> None:
    text = _page_text(setup, "/console/packages/freshpkg")
    hidden = text[text.index('id="hidden"') : text.index("</table>", text.index('id="hidden"'))]
    assert "freshpkg-2.0-py3-none-any.whl" in hidden
    assert "policy/cooldown" in hidden
    _scanned(setup, "evilpkg", "findings-env")
    evil = _page_text(setup, "/console/packages/evilpkg")
    assert '<details class="file" open>' in evil
    assert "<summary><code>reqeusts/__init__.py</code>" in evil
    assert '<span class="ln">13</span>' in evil  # the snippet with its line number


def test_hostile_strings_are_escaped_everywhere(setup: Setup) -> None:
    hostile = '<script>alert("x")</script>'
    named = "<svg onload=alert(1)>"  # a path segment: no slash
    _scanned(setup, "xsspkg", "hostile-env")  # the scan blocks it
    assert setup.download("goodpkg", hostile).status_code == 200
    block = {"project": "xsspkg", "version": "1.0", "reason": hostile}
    assert setup.post("/api/v1/blocks", "admin", block).status_code == 200
    time.sleep(0.6)
    pages = {
        "package": _page_text(setup, "/console/packages/xsspkg"),
        "dashboard": _page_text(setup, "/console/"),
        "search": _page_text(setup, "/console/packages", q=hostile),
        "environments": _page_text(setup, "/console/environments"),
        "named": setup.get("/console/packages/" + named, headers={"Accept": BROWSER}).text,
        "missing": setup.get("/console/no/" + hostile, headers={"Accept": BROWSER}).text,
    }
    for where, text in pages.items():
        assert "<script" not in text.lower(), where
        assert "<svg onload" not in text.lower(), where
    assert "<h1>&lt;svg onload=alert(1)&gt;</h1>" in pages["named"]
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in pages["package"]  # snippet
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages["dashboard"]  # reason
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages["search"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages["environments"]


def test_browsers_get_error_pages_and_api_clients_problems(setup: Setup) -> None:
    page = {"Accept": BROWSER}
    missing = setup.get("/console/no-such-page", headers=page)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "<h1>404 · Not found</h1>" in missing.text
    assert 'href="/console/packages"' in missing.text
    assert "'unsafe-inline'" not in missing.headers["content-security-policy"]
    signed_out = httpx.get(setup.server.url + "/console/", headers=page, timeout=30)
    assert signed_out.status_code == 401
    assert "www-authenticate" in signed_out.headers  # the browser still asks for the token
    assert "Sign in with a console token" in signed_out.text
    low = httpx.post(
        setup.server.url + "/api/v1/blocks",
        json={"project": "x", "version": "1", "reason": "r"},
        headers={**page, "Authorization": f"Bearer {setup.tokens['reader']}"},
        timeout=30,
    )
    assert (low.status_code, low.headers["content-type"][:9]) == (403, "text/html")
    assert "this needs the admin role" in low.text
    invalid = setup.get("/api/v1/incident", params={"spec": "goodpkg=="}, headers=page)
    assert (invalid.status_code, invalid.headers["content-type"][:9]) == (422, "text/html")
    # API clients keep the problem document, whatever else they accept.
    for accept in ("application/json", "*/*", "application/json, text/html;q=0.5"):
        problem = setup.get("/console/no-such-page", headers={"Accept": accept})
        assert problem.headers["content-type"] == "application/problem+json", accept
        assert problem.json()["status"] == 404


def test_the_stylesheet_is_allowed_by_its_hash_not_unsafe_inline(setup: Setup) -> None:
    import base64  # noqa: PLC0415
    import hashlib  # noqa: PLC0415

    answer = setup.get("/console/packages", headers={"Accept": BROWSER})
    policy = answer.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src" not in policy  # default-src 'none': no script at all
    style = re.search(r"<style>(.*?)</style>", answer.text, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
