"""Fixtures for the end-to-end tests: every test runs against each provider in turn.

The ``provider`` fixture is parametrized over the certified ``oidc-provider`` and
grantflow's own development provider, so each test id names the provider it ran
against (``test_x[oidc-provider]``, ``test_x[grantflow-dev-provider]``). Each provider
is started once per test session, on free loopback ports with its own state
directory, and stopped when its tests are done, whatever their outcome.

A test that needs a feature only one provider has is marked
``provider_specific(name, reason=<the feature>)``; against the other provider it is
skipped by design, the skip naming the missing feature. Without Node.js or its npm
packages the certified provider's tests skip on a developer machine but fail under
``CI=true``, so a CI run can never pass without having exercised the real provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import requests
from drivers import DRIVERS, make_client

from grantflow.testing import ProviderInfo

from . import _providers

if TYPE_CHECKING:
    from grantflow import OAuth2Session

_STARTED_KEY = pytest.StashKey[dict[str, ProviderInfo]]()
_MARKER = "provider_specific"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(name, reason=feature): the test needs a feature only that provider"
        " has (the shared client ids and users are not such a feature); against the"
        " other provider it is skipped, the skip naming the feature",
    )
    config.addinivalue_line(
        "markers",
        "requests_transport: the test records the wire through a requests adapter, so it"
        " runs with the requests driver only (the other transports are deselected)",
    )
    config.stash[_STARTED_KEY] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip each provider-specific test for the provider that lacks its feature; keep
    wire-recording tests to the requests driver."""
    deselected = [item for item in items if _other_transport(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
    for item in items:
        callspec = getattr(item, "callspec", None)
        running = callspec.params.get("provider") if callspec is not None else None
        if running is None:
            continue
        for marker in item.iter_markers(_MARKER):
            wanted, feature = _wanted_provider(item, marker)
            if wanted != running:
                item.add_marker(
                    pytest.mark.skip(reason=f"{running} has no {feature}; runs on {wanted} only")
                )


def _other_transport(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    driver = callspec.params.get("make_session") if callspec is not None else None
    return (
        driver not in (None, "requests")
        and item.get_closest_marker("requests_transport") is not None
    )


def _wanted_provider(item: pytest.Item, marker: pytest.Mark) -> tuple[str, str]:
    if len(marker.args) != 1 or marker.args[0] not in _providers.NAMES:
        raise pytest.UsageError(
            f"{item.nodeid}: {_MARKER} takes one provider name out of"
            f" {', '.join(_providers.NAMES)}, got {marker.args!r}"
        )
    feature = marker.kwargs.get("reason") or "behaviour this test relies on"
    return str(marker.args[0]), str(feature)


@pytest.fixture(scope="session", params=_providers.NAMES)
def provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderInfo]:
    """The running provider: issuer, discovery URL, clients, users and key files."""
    name: str = request.param
    try:
        _providers.check_installed(name)
    except _providers.ProviderUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} cannot start under CI=true: {exc}", pytrace=False)
        pytest.skip(f"{name} is not installed: {exc}")
    except _providers.ProviderStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        started = _providers.start(name, tmp_path_factory.mktemp(name))
    except _providers.ProviderStartError as exc:
        pytest.fail(f"{name} did not start: {exc}", pytrace=False)
    request.addfinalizer(started.stop)
    request.config.stash[_STARTED_KEY][name] = started.info
    yield started.info


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A fresh cookie jar playing the user's browser (no SSO session carried over)."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def discovery(provider: ProviderInfo) -> dict[str, Any]:
    """The provider's discovery document, fetched with plain ``requests``."""
    response = requests.get(provider.discovery_url, timeout=10)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture
def closing() -> Iterator[list[requests.Session]]:
    """A list for sessions a test builds itself; each is closed after the test."""
    opened: list[requests.Session] = []
    yield opened
    for session in opened:
        session.close()


@pytest.fixture(params=DRIVERS)
def make_session(
    provider: ProviderInfo, request: pytest.FixtureRequest
) -> Iterator[Callable[..., OAuth2Session]]:
    """Build OAuth clients for a registered client; closed after the test.

    ``make_session("client-basic", scope="openid")`` takes the client's secret, its
    registered token-endpoint auth method and first redirect URI, and the provider's
    discovery URL; keyword arguments add to or override those. The fixture runs each
    test once per transport: a requests ``OAuth2Session``, an httpx ``OAuth2Client``
    and an ``AsyncOAuth2Client`` (see ``tests/drivers.py``).
    """
    driver: str = request.param
    made: list[Any] = []

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
        session = make_client(driver, client.client_id, client.client_secret, **options)
        made.append(session)
        return session  # type: ignore[no-any-return]

    yield make
    for session in made:
        session.close()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for info in config.stash.get(_STARTED_KEY, {}).values():
        terminalreporter.write_line(
            f"e2e: {info.name} {info.version} at {info.issuer} answered discovery"
            f" {info.startup_seconds:.2f} s after start"
        )
