"""Analyzers: pure functions from facts to findings."""
