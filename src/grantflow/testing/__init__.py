"""A small OpenID provider for development and tests: never use it in production.

:class:`DevProvider` serves OpenID Connect and OAuth 2.0 on 127.0.0.1 only, from
memory, with keys made at start. It signs a configured user in without asking and
consents to everything, so code flows run headless; it publishes its clients' secrets.
It mirrors the certified test provider the grantflow suite runs against: the same
users, client ids, secrets, authentication methods, resource indicators and endpoint
paths, so the same scenarios pass against both.

    from grantflow.testing import DevProvider

    with DevProvider() as op:
        op.issuer              # http://127.0.0.1:<port>
        op.clients["client-basic"]["client_secret"]

This module is also a pytest plugin, loaded only when a project asks for it: with
``-p grantflow.testing`` on the command line, or ``pytest_plugins = ["grantflow.testing"]``
in its root ``conftest.py``. It adds the ``oauth_provider`` fixture (session scope),
which yields a started provider; ``from grantflow.testing import oauth_provider`` in a
``conftest.py`` does the same. ``grantflow dev-provider --port N`` runs one from the
command line (:func:`main`).
"""

from __future__ import annotations

from typing import Any

from ._info import ClientInfo, ProviderInfo
from ._main import main
from ._server import DevProvider

__all__ = ["ClientInfo", "DevProvider", "ProviderInfo", "main", "oauth_provider"]


def __getattr__(name: str) -> Any:
    # The fixture needs pytest, which the provider itself does not: import it on demand.
    # pytest, loading this module as a plugin, finds the fixture by dir() and getattr().
    if name == "oauth_provider":
        from ._plugin import oauth_provider

        return oauth_provider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
