"""Fixtures of the compatibility suite: the development provider and a protected API.

The tests in this folder are the documented ``requests`` examples of the best-known
Python OAuth client and of requests-oauthlib, with only their imports changed (a comment
on each import names the original), run against real servers on 127.0.0.1.
"""

from __future__ import annotations

# The shared fixtures: the development provider, the protected API, a clean environment.
from ._fixtures import api, clean_environment, op

__all__ = ["api", "clean_environment", "op"]
