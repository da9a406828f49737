"""Compatibility tests: other clients' documented examples, run with grantflow."""
