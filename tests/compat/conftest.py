"""Fixtures of the compatibility suite: the development provider and a protected API.

The tests in this folder are the documented ``requests`` examples of the best-known
Python OAuth client and of requests-oauthlib, with only their imports changed (a comment
on each import names the original), run against real servers on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grantflow.testing import DevProvider

from ._support import ProtectedAPI, protected_api


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GRANTFLOW_INSECURE_TRANSPORT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def op() -> Iterator[DevProvider]:
    """A development provider for the module's examples."""
    with DevProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def api(op: DevProvider) -> Iterator[ProtectedAPI]:
    """An API that accepts the provider's active tokens only."""
    with protected_api(op) as running:
        yield running
