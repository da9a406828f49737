"""Fixtures the compatibility and documentation tests share: a development provider and
an API that accepts its active tokens (``_support.ProtectedAPI``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grantflow.testing import DevProvider

from ._support import ProtectedAPI, protected_api

__all__ = ["api", "clean_environment", "op"]


@pytest.fixture(autouse=True, name="_clean_environment")
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable that changes what requests or grantflow do leaks in from the machine."""
    for name in ("GRANTFLOW_INSECURE_TRANSPORT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def op() -> Iterator[DevProvider]:
    """A development provider for the module."""
    with DevProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def api(op: DevProvider) -> Iterator[ProtectedAPI]:
    """An API that accepts the provider's active tokens only."""
    with protected_api(op) as running:
        yield running
