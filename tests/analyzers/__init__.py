"""Tests of the analyzers."""
