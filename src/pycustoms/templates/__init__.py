"""The server's HTML templates and stylesheet, shipped as package data.

Loaded by `pycustoms.server.templating` through jinja2's `PackageLoader`; no code here.
"""
