"""Scan workers: scan jobs on a Celery queue on Redis, for replicas that do not scan themselves.

`jobs` holds the messages (JSON only, nothing a broker could smuggle code
through), `task` what a worker does with one, `broker` the Celery application
both sides build, and `client` what a `serve` replica uses: enqueue, wait, and
the per-file lock that makes one scan of a file across all replicas.
"""
