"""Helpers for the OpenID Connect end-to-end tests: sign-in, form_post, logout, keys.

Everything here plays the user agent or the operator (registering a client, rotating
the provider's key); the client side of each flow is grantflow's public API alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from joserfc import jws
from joserfc.jwk import RSAKey

from grantflow import OAuth2Session, OAuth2Token
from grantflow.testing import ProviderInfo

from ._browser import REDIRECTS, TIMEOUT_S, BrowserError, forms_of
from ._login import log_in


def sign_in(
    session: OAuth2Session, browser: requests.Session, redirect_uri: str, **params: Any
) -> OAuth2Token:
    """Run a whole code flow: authorization URL, the user's pages, code for tokens."""
    return session.fetch_token(
        authorization_response=log_in(session, browser, redirect_uri, **params)
    )


def jose_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, read without checking the signature."""
    return dict(jws.extract_compact(token.encode("ascii")).protected)


def jose_claims(token: str) -> dict[str, Any]:
    """The payload of a compact JWS as JSON, read without checking the signature."""
    payload: dict[str, Any] = json.loads(jws.extract_compact(token.encode("ascii")).payload)
    return payload


def post_logout_redirect_uri(provider: ProviderInfo, client_id: str) -> str:
    """The client's registered post-logout redirect URI (RP-Initiated Logout 1.0 §3)."""
    registered = provider.clients[client_id].metadata.get("post_logout_redirect_uris") or ()
    if not registered:
        raise AssertionError(f"{client_id} registers no post_logout_redirect_uris")
    return str(registered[0])


def form_post_fields(browser: requests.Session, url: str, redirect_uri: str) -> dict[str, str]:
    """Follow ``url`` to the auto-submitting form aimed at ``redirect_uri``; return its fields.

    With ``response_mode=form_post`` (OAuth 2.0 Form Post Response Mode §2) the provider
    answers the last step with an HTML page whose form POSTs the response parameters to
    the redirect URI; the fields are what the browser would have sent there.
    """
    response = browser.get(url, allow_redirects=False, timeout=TIMEOUT_S)
    for _ in range(20):
        if response.status_code not in REDIRECTS:
            break
        target = urljoin(response.url, response.headers["Location"])
        if _same_endpoint(target, redirect_uri):
            raise BrowserError(f"the provider redirected instead of posting a form: {target}")
        response = browser.get(target, allow_redirects=False, timeout=TIMEOUT_S)
    if response.status_code != 200:
        raise BrowserError(f"expected the form_post page, got HTTP {response.status_code}")
    for form in forms_of(response.text):
        if form.method == "post" and _same_endpoint(form.action, redirect_uri):
            return dict(form.fields)
    raise BrowserError("the page has no form posting to the redirect URI")


def walk_logout(browser: requests.Session, logout_url: str, post_logout_uri: str) -> str:
    """Visit ``logout_url`` as the user, confirming if asked; return the final redirect.

    The certified provider asks for confirmation with a form (the "yes" is the
    submitting button's ``logout=yes``); another provider may redirect at once. The
    post-logout redirect URI itself is never requested.
    """
    response = browser.get(logout_url, allow_redirects=False, timeout=TIMEOUT_S)
    for _ in range(20):
        if response.status_code in REDIRECTS:
            target = urljoin(response.url, response.headers["Location"])
            if _same_endpoint(target, post_logout_uri):
                return target
            response = browser.get(target, allow_redirects=False, timeout=TIMEOUT_S)
            continue
        forms = [f for f in forms_of(response.text) if f.method == "post"]
        if response.status_code != 200 or len(forms) != 1:
            raise BrowserError(f"logout stopped at HTTP {response.status_code}")
        action = urljoin(response.url, forms[0].action or response.url)
        response = browser.post(
            action,
            data={**forms[0].fields, "logout": "yes"},
            allow_redirects=False,
            timeout=TIMEOUT_S,
        )
    raise BrowserError("too many steps before the post-logout redirect")


def with_host(url: str, host: str) -> str:
    """``url`` reached through another host name for the same address and port."""
    parts = urlsplit(url)
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def register_client(issuer: str, **metadata: Any) -> tuple[str, str]:
    """Register a client at ``{issuer}/reg`` (RFC 7591 §3); return its id and secret."""
    response = requests.post(f"{issuer}/reg", json=metadata, timeout=TIMEOUT_S)
    if response.status_code != 201:
        raise AssertionError(f"registration refused: HTTP {response.status_code} {response.text}")
    body = response.json()
    return str(body["client_id"]), str(body["client_secret"])


def put_new_signing_key_first(state_dir: Path, kid: str) -> None:
    """Make a fresh RSA key the provider's RS256 signer, keeping the old keys after it.

    The provider reads its keys at start-up and signs with the first key of each type,
    so after a restart ID tokens carry ``kid`` while older tokens still verify.
    """
    path = state_dir / "op-jwks.private.json"
    keys = json.loads(path.read_text(encoding="utf-8"))
    fresh = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"}, private=True)
    keys["keys"].insert(0, fresh.as_dict(private=True))
    path.write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")


class PortReplay:
    """Stand-in for ``_provider.free_port``: record the ports of one start, replay them.

    A provider restarted on the same ports keeps its issuer, so a client that loaded
    the metadata before the restart still talks to it.
    """

    def __init__(self, real: Callable[[], int]) -> None:
        self._real = real
        self.ports: list[int] = []
        self._replay: Iterator[int] | None = None

    def __call__(self) -> int:
        if self._replay is not None:
            return next(self._replay)
        port = self._real()
        self.ports.append(port)
        return port

    def replay(self) -> None:
        """From now on, hand out the recorded ports again, in the same order."""
        self._replay = iter(list(self.ports))


def _same_endpoint(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)
