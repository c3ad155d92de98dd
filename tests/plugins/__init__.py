"""Pytest plugins shared by the test suite (listed in `tests/conftest.py`)."""
