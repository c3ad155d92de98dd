"""Tests of the scan workers (pycustoms.workers)."""
