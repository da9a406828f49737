"""The documentation's tests: its pages, reference, docstrings and built site."""
