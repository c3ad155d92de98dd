"""Tests of the blob stores (pycustoms.storage)."""
