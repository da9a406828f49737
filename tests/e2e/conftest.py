"""Fixtures for the end-to-end tests: one certified OpenID provider per test session.

The provider is started once, on free loopback ports with its own state directory, and
stopped by its PID when the session ends, whatever the outcome. Without Node.js or the
provider's npm packages the tests are skipped on a developer machine but fail under
``CI=true``, so a CI run can never pass without having exercised the real provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import requests

from grantflow.testing import ProviderInfo

from . import _provider

if TYPE_CHECKING:
    from grantflow import OAuth2Session

_STARTUP_KEY = pytest.StashKey[ProviderInfo]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "provider_specific(name): the test relies on behaviour configured only in that"
        " provider (the shared client ids and users are not such behaviour)",
    )


@pytest.fixture(scope="session")
def provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderInfo]:
    """The running provider: issuer, discovery URL, clients, users and key files."""
    try:
        _provider.installed_version()
    except _provider.ProviderUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the OpenID provider cannot start under CI=true: {exc}", pytrace=False)
        pytest.skip(f"OpenID provider not installed: {exc}")
    except _provider.ProviderStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        running = _provider.start(tmp_path_factory.mktemp("oidc-provider"))
    except _provider.ProviderStartError as exc:
        pytest.fail(f"the OpenID provider did not start: {exc}", pytrace=False)
    request.addfinalizer(lambda: _provider.stop(running.process))
    request.config.stash[_STARTUP_KEY] = running.info
    yield running.info


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A fresh cookie jar playing the user's browser (no SSO session carried over)."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def make_session(provider: ProviderInfo) -> Iterator[Callable[..., OAuth2Session]]:
    """Build ``OAuth2Session`` objects for a registered client; closed after the test.

    ``make_session("client-basic", scope="openid")`` takes the client's secret, its
    registered token-endpoint auth method and first redirect URI, and the provider's
    discovery URL; keyword arguments add to or override those.
    """
    from grantflow import OAuth2Session

    made: list[OAuth2Session] = []

    def make(client_id: str, **kwargs: Any) -> OAuth2Session:
        client = provider.clients[client_id]
        options: dict[str, Any] = {
            "token_endpoint_auth_method": client.auth_method,
            "server_metadata_url": provider.discovery_url,
            "default_timeout": 10,
        }
        if client.redirect_uris:
            options["redirect_uri"] = client.redirect_uri
        options.update(kwargs)
        session = OAuth2Session(client.client_id, client.client_secret, **options)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    info = config.stash.get(_STARTUP_KEY, None)
    if info is not None:
        terminalreporter.write_line(
            f"e2e: {info.name} {info.version} at {info.issuer} answered discovery"
            f" {info.startup_seconds:.2f} s after spawn"
        )
