"""Tests of the matching source package."""
