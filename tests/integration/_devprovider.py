"""Raw-HTTP helpers for driving the development provider with plain ``requests``.

No grantflow client code is involved: the provider is checked on its own terms.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import Key, KeySet, KeySetSerialization, OctKey

from grantflow.testing import DevProvider

REDIRECT_URI = "http://127.0.0.1:8080/cb"
TIMEOUT = 10
SECRETS = {
    "client-basic": "client-basic-secret",
    "client-post": "client-post-secret",
    "client-secret-jwt": "client-secret-jwt-secret-0123456789abcdef",
    "client-hs256": "client-hs256-secret-0123456789abcdefghij",
    "client-es256": "client-es256-secret",
    "client-m2m": "client-m2m-secret",
    "rs": "rs-secret",
}


@dataclass(frozen=True)
class Pkce:
    """A PKCE verifier and its S256 challenge (RFC 7636 §4.1-4.2)."""

    verifier: str
    challenge: str


def new_pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def auth_url(op: DevProvider, **params: str) -> str:
    """The authorization URL for ``client-basic`` with PKCE, overridable per parameter."""
    query = {
        "client_id": "client-basic",
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        **params,
    }
    return f"{op.issuer}/auth?{urlencode({k: v for k, v in query.items() if v})}"


def follow(browser: requests.Session, url: str, redirect_uri: str = REDIRECT_URI) -> str:
    """Follow 303s by hand until the Location points at the redirect URI; return it."""
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code in (302, 303), (response.status_code, response.text[:300])
        url = urljoin(url, response.headers["Location"])
        if url.split("?")[0].split("#")[0] == redirect_uri.split("?")[0]:
            return url
    raise AssertionError("too many redirects")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def authorize(
    op: DevProvider,
    browser: requests.Session | None = None,
    pkce: Pkce | None = None,
    **params: str,
) -> dict[str, str]:
    """Run the headless authorization walk; return the callback's query parameters."""
    pkce = pkce or new_pkce()
    params.setdefault("code_challenge", pkce.challenge)
    params.setdefault("code_challenge_method", "S256")
    with_browser = browser or requests.Session()
    try:
        return query_of(
            follow(with_browser, auth_url(op, **params), params.get("redirect_uri") or REDIRECT_URI)
        )
    finally:
        if browser is None:
            with_browser.close()


def client_auth(
    op: DevProvider, client_id: str, url: str, data: dict[str, str]
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Form data and Basic credentials for a client, by its registered method."""
    method = op.clients[client_id].get("token_endpoint_auth_method", "client_secret_basic")
    form = dict(data)
    if method == "client_secret_basic":
        return form, (client_id, SECRETS[client_id])
    if method == "client_secret_post":
        form.update(client_id=client_id, client_secret=SECRETS[client_id])
    elif method == "client_secret_jwt":
        form.update(
            assertion_fields(OctKey.import_key(SECRETS[client_id]), "HS256", client_id, url)
        )
    elif method == "private_key_jwt":
        jwks = cast("KeySetSerialization", op.private_key_jwt_keys)
        key = KeySet.import_key_set(jwks).keys[0]
        form.update(assertion_fields(key, "RS256", client_id, url))
    else:
        form["client_id"] = client_id
    return form, None


def assertion_fields(
    key: Key, alg: str, client_id: str, audience: str, **claims: Any
) -> dict[str, str]:
    """``client_assertion`` fields (RFC 7523 §2.2) with a fresh ``jti``."""
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 60}
    body["jti"] = secrets.token_urlsafe(16)
    body.update(claims)
    header = {"alg": alg, **({"kid": key.kid} if key.kid else {})}
    return {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt.encode(header, body, key, algorithms=[alg]),
    }


def post(
    op: DevProvider, path: str, client_id: str | None, data: Mapping[str, str]
) -> requests.Response:
    """POST a form to an endpoint, authenticating as ``client_id`` (None: no auth)."""
    url = op.issuer + path
    form, basic = (
        (dict(data), None) if client_id is None else client_auth(op, client_id, url, dict(data))
    )
    return requests.post(url, data=form, auth=basic, timeout=TIMEOUT)


def token(op: DevProvider, client_id: str | None, **data: str) -> requests.Response:
    return post(op, "/token", client_id, data)


def exchange(
    op: DevProvider, client_id: str, code: str, pkce: Pkce, redirect_uri: str = REDIRECT_URI
) -> requests.Response:
    return token(
        op,
        client_id,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        code_verifier=pkce.verifier,
    )


def code_flow_tokens(
    op: DevProvider, client_id: str = "client-basic", **params: Any
) -> dict[str, Any]:
    """Authorize then exchange the code; return the token response JSON."""
    pkce = new_pkce()
    callback = authorize(op, pkce=pkce, client_id=client_id, **params)
    response = exchange(op, client_id, callback["code"], pkce)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def verify(op: DevProvider, token_value: str, algs: list[str]) -> dict[str, Any]:
    """Verify a JWT with the provider's published JWKS; return its claims."""
    jwks = requests.get(f"{op.issuer}/jwks", timeout=TIMEOUT).json()
    claims: dict[str, Any] = jwt.decode(
        token_value, KeySet.import_key_set(jwks), algorithms=algs
    ).claims
    return claims


def bearer(token_value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_value}"}


class Clock:
    """A settable clock for the provider, so tests move time instead of sleeping."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def op() -> Iterator[DevProvider]:
    with DevProvider() as provider:
        yield provider


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked(clock: Clock) -> Iterator[DevProvider]:
    with DevProvider(clock=clock) as provider:
        yield provider
