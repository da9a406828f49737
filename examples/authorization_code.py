"""The authorization code flow with PKCE, headless, against the development provider.

The development provider signs its default user in without asking, so following the
authorization URL's redirects with plain requests plays the browser.

    python examples/authorization_code.py
"""

from __future__ import annotations

from urllib.parse import urljoin

import requests

from grantflow import OAuth2Session
from grantflow.testing import DevProvider


def play_browser(url: str, redirect_uri: str) -> str:
    """Follow redirects from ``url`` until one points at ``redirect_uri``; return it."""
    browser = requests.Session()
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        url = urljoin(url, answer.headers["Location"])
        if url.startswith(redirect_uri):
            return url
    raise RuntimeError("the provider did not redirect back")


with DevProvider() as op:
    client = op.clients["client-basic"]
    redirect_uri = client["redirect_uris"][0]
    with OAuth2Session(
        client["client_id"],
        client["client_secret"],
        scope="openid profile email",
        redirect_uri=redirect_uri,
        server_metadata_url=op.discovery_url,
    ) as session:
        url, state = session.create_authorization_url()
        callback = play_browser(url, redirect_uri)
        token = session.fetch_token(authorization_response=callback)
        print("signed in as:", token["userinfo"]["sub"])
        print("userinfo:", session.userinfo())
        refreshed = session.refresh_token()
        print(
            "refreshed, new access token differs:",
            refreshed["access_token"] != token["access_token"],
        )
