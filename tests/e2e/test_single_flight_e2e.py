"""Single flight against the certified provider, whose refresh tokens rotate.

The provider rotates the refresh token on every use and treats a reused one as theft:
it revokes the whole grant. A second refresh would therefore show twice: as a second
token request, and as API calls failing with the revoked tokens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from integration._fleet import run_threads, storm

from ._login import signed_in
from ._provider import ProviderInfo
from ._wire import Renewals, endpoint_path, expired, record

pytestmark = pytest.mark.e2e

THREADS = 32
PROCESSES = 8
DEADLINE_S = 120.0
MakeSession = Callable[..., Any]


@pytest.mark.requests_transport
def test_threads_sharing_a_session_refresh_a_rotating_token_once(
    provider: ProviderInfo, make_session: MakeSession, browser: requests.Session
) -> None:
    renewals = Renewals()
    session, first = signed_in(provider, make_session, browser, update_token=renewals)
    userinfo = session.load_server_metadata()["userinfo_endpoint"]
    token_path = endpoint_path(session.metadata, "token_endpoint")
    session.token = expired(first)
    sent = record(session, provider.issuer)
    lock = threading.Lock()
    subjects: list[str] = []

    def call() -> int:
        response = session.get(userinfo)
        if response.status_code == 200:
            with lock:
                subjects.append(response.json()["sub"])
        return int(response.status_code)

    statuses = run_threads(THREADS, call)

    assert statuses == [200] * THREADS
    assert subjects == ["alice"] * THREADS
    assert sent.paths("POST") == [token_path]
    assert [c["refresh_token"] for c in renewals.calls] == [first["refresh_token"]]
    # The grant is intact: the rotated refresh token is live, so no reuse was detected.
    assert session.refresh_token()["refresh_token"]


def test_processes_sharing_a_file_store_refresh_a_rotating_token_once(
    provider: ProviderInfo,
    make_session: MakeSession,
    browser: requests.Session,
    tmp_path: Path,
) -> None:
    from grantflow._stores._file import FileTokenStore

    session, first = signed_in(provider, make_session, browser)
    metadata = session.load_server_metadata()
    path = tmp_path / "token.json"
    FileTokenStore(path).save(expired(first))
    client = provider.clients["client-basic"]
    config = {
        "store": {"kind": "file", "path": str(path)},
        "session": {
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "token_endpoint_auth_method": client.auth_method,
            "server_metadata_url": provider.discovery_url,
            "default_timeout": 30,
        },
        "api_url": metadata["userinfo_endpoint"],
        "token_prefix": metadata["token_endpoint"],
    }

    results = storm([config] * PROCESSES)

    assert [r["status"] for r in results] == [200] * PROCESSES, results
    assert sum(r["token_posts"] for r in results) == 1
    assert sum(r["renewals"] for r in results) == 1
    saved = FileTokenStore(path).load()
    assert saved is not None
    assert saved["refresh_token"] != first["refresh_token"]
    live = session.introspect_token(token=saved["refresh_token"], token_type_hint="refresh_token")
    assert live.json()["active"] is True
