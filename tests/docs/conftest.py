"""Fixtures of the documentation tests: the development provider and a protected API.

The guides' ``python run`` blocks use names that stand for the reader's own values
(``client_id``, ``issuer``, ``api_url``, ...); ``page_namespace`` binds them to the
development provider's, as ``tests/compat`` does for the migration guide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from compat._fixtures import api, clean_environment, op
from compat._support import CALLBACK, ProtectedAPI, follow, write_service_account

from grantflow.testing import DevProvider

# The shared fixtures (pytest finds them here): the provider, the API, a clean environment.
__all__ = ["api", "clean_environment", "op"]


def _user_agent(url: str) -> None:
    """Play the whole browser: follow every redirect, the loopback callback included."""
    with requests.Session() as agent:
        agent.get(url, timeout=10).raise_for_status()


@pytest.fixture
def page_namespace(
    op: DevProvider, api: ProtectedAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The names the guides say stand for your own values, bound to the provider's."""
    account = write_service_account(op, tmp_path)
    monkeypatch.chdir(tmp_path)
    return {
        "__name__": "__docs__",
        "client_id": "client-basic",
        "client_secret": op.clients["client-basic"]["client_secret"],
        "service_id": "client-m2m",
        "service_secret": op.clients["client-m2m"]["client_secret"],
        "jwt_client_id": "client-secret-jwt",
        "jwt_client_secret": op.clients["client-secret-jwt"]["client_secret"],
        "key_client_id": "client-private-jwt",
        "private_key_pem": op.files["private_key_jwt_pem"].read_text(),
        "public_client_id": "client-public",
        "authorization_endpoint": op.metadata["authorization_endpoint"],
        "token_endpoint": op.metadata["token_endpoint"],
        "issuer": op.issuer,
        "server_metadata_url": op.discovery_url,
        "redirect_uri": CALLBACK,
        "api_url": api.url,
        "service_account_file": str(account),
        "browser": follow,
        "open_browser": _user_agent,
        "workdir": tmp_path,
    }
