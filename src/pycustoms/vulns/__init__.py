"""The `vulns` analyzer: known vulnerabilities and malicious-package reports (OSV) per release.

Sources (`offline`, `osv`, `pypi`) answer for each name and version or say that
they could not; `match` decides which OSV records affect a version.
"""
