"""Alembic migrations of the local database (shipped as package modules)."""
