"""Sources of facts from an upstream index: the client, its cache and pip's configuration.

Nothing is imported here: the pure analyzers read `upstream.models` (and the names
analyzer pip's configuration) without loading the HTTP client; import
`pycustoms.upstream.client` where the index is asked.
"""
