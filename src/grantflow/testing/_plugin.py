"""The pytest plugin: an ``oauth_provider`` fixture serving a :class:`DevProvider`.

Nothing loads it unless asked: ``-p grantflow.testing`` on pytest's command line,
``pytest_plugins = ["grantflow.testing"]`` in a root ``conftest.py``, or importing the
fixture there (``from grantflow.testing import oauth_provider``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import DevProvider

__all__ = ["oauth_provider"]


@pytest.fixture(scope="session")
def oauth_provider() -> Iterator[DevProvider]:
    """A started development OpenID provider on 127.0.0.1, shared by the test session.

    Its state (codes, tokens, sessions) is shared by every test of the session; use
    a fresh ``requests.Session`` per test for an independent browser.
    """
    with DevProvider() as provider:
        yield provider
