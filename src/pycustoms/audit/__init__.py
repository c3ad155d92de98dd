"""`pycustoms audit`: lock files and environments checked against every risk pycustoms knows.

inputs (one module per format) -> dependencies -> checks (pins, hashes, names,
release risk, vulnerabilities, licences, index options) -> policy -> formats.
"""
