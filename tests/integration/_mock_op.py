"""A scriptable OpenID provider on 127.0.0.1 that misbehaves on request.

Each test scripts what the provider answers: the discovery document (any issuer, at the
OpenID or the RFC 8414 location), the JWK Set (swappable, for key rotation), the ID
tokens the token endpoint and the front channel hand out (any claims, any header, alg
``none``, a forged signature, no ``kid``), and the UserInfo answer (JSON or a signed JWT,
any ``sub``). Every request that reaches the server is recorded, so a test can prove that
nothing more was asked after a failure. Tokens are minted with joserfc.

The authorization endpoint is never called over HTTP: :meth:`MockOP.authorize` plays the
user agent's round trip and returns the callback the relying party would receive.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from joserfc.jwk import ECKey, Key, KeyParameters, OctKey, RSAKey
from joserfc.jws import JWSRegistry

from grantflow import InvalidIDTokenError, OAuth2Session, OAuth2Token

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "OMIT",
    "REDIRECT_URI",
    "SUBJECT",
    "Callback",
    "MockOP",
    "Recorded",
    "Reply",
    "code_flow",
    "ec_key",
    "json_reply",
    "jwt_reply",
    "op_fixture",
    "rejected",
    "rp_session",
    "rsa_key",
    "token_hash",
]

CLIENT_ID = "rp-client"
# 40 characters: long enough for HS512 without joserfc's short-key warning.
CLIENT_SECRET = "rp-client-secret-0123456789abcdefghijklm"
REDIRECT_URI = "https://rp.example/cb"
SUBJECT = "alice-0001"
OIDC_WELL_KNOWN = "/.well-known/openid-configuration"
RFC8414_WELL_KNOWN = "/.well-known/oauth-authorization-server"


_ALG_OF = {"RSA": "RS256", "EC": "ES256", "oct": "HS256"}


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


#: A claim or header value that removes the member instead of setting it.
OMIT: Any = _Omit()


@functools.cache
def rsa_key(kid: str | None) -> RSAKey:
    """A 2048-bit RSA key per ``kid``, generated once per test run (generation is slow)."""
    parameters: KeyParameters | None = {"kid": kid} if kid is not None else None
    key: RSAKey = RSAKey.generate_key(2048, parameters=parameters, private=True)
    return key


@functools.cache
def ec_key(kid: str | None, crv: str = "P-256") -> ECKey:
    """An EC key per ``(kid, crv)``, generated once per test run."""
    parameters: KeyParameters | None = {"kid": kid} if kid is not None else None
    key: ECKey = ECKey.generate_key(crv, parameters=parameters, private=True)
    return key


_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def token_hash(value: str, alg: str) -> str:
    """``at_hash`` / ``c_hash`` (OIDC Core §3.3.2.11): left half of the alg's hash, b64url."""
    digest = _HASHES[alg[-3:]](value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _apply(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = dict(base)
    for name, value in (overrides or {}).items():
        if value is OMIT:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


# -- the wire ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the server answers: status, headers, body."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


def json_reply(obj: object, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": "application/json"}, json.dumps(obj).encode())


def jwt_reply(token: str, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": "application/jwt"}, token.encode("ascii"))


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived: method, path, query, headers (lower-cased), form body."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    form: Mapping[str, str]


@dataclass(frozen=True)
class Callback:
    """The authorization response as the relying party receives it, in every mode."""

    params: Mapping[str, str]
    mode: str

    @property
    def url(self) -> str:
        """The redirect URI with the parameters in the query or the fragment."""
        separator = "?" if self.mode == "query" else "#"
        return f"{REDIRECT_URI}{separator}{urlencode(dict(self.params))}"

    @property
    def form(self) -> dict[str, str]:
        """The ``form_post`` body as a dict (what a web framework hands the app)."""
        return dict(self.params)

    @property
    def form_string(self) -> str:
        """The ``form_post`` body as the raw ``application/x-www-form-urlencoded`` string."""
        return urlencode(dict(self.params))


@dataclass
class _Grant:
    nonce: str | None
    redirect_uri: str | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            form=dict(parse_qsl(body, keep_blank_values=True)),
        )
        try:
            reply = self.server.op._answer(recorded)
        except Exception as exc:  # a broken script shows up as a 500 naming the error
            reply = Reply(500, {"Content-Type": "text/plain"}, repr(exc).encode())
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = _handle
    do_POST = _handle


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many concurrent clients: no refused connection
    daemon_threads = True
    block_on_close = False
    op: MockOP

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) leaves a broken pipe: not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


# -- the provider --------------------------------------------------------------------------


class MockOP:
    """An OpenID provider whose every answer the test controls (see the module docstring).

    Attributes a test changes between steps: ``metadata`` (the discovery document),
    ``discovery_paths`` (where it is served), ``jwks_keys`` (the published keys),
    ``signing_key`` (the default key minting uses), ``token_claims`` (merged into
    the ID tokens the token endpoint issues), ``token_mint`` (how they are signed: the
    keyword arguments of :meth:`mint`), ``token_reply`` (replaces the token
    endpoint), ``userinfo_reply``, ``replies`` (a fixed answer for a path, before any
    other) and ``stalled`` (paths that never answer until close).
    """

    def __init__(self, *, issuer_path: str = "") -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.op = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = self.base_url + issuer_path
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.stalled: set[str] = set()
        self.replies: dict[str, Reply] = {}
        self.metadata: dict[str, Any] = {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "userinfo_endpoint": self.url("/userinfo"),
            "jwks_uri": self.url("/jwks"),
            "end_session_endpoint": self.url("/logout?tenant=t1"),
            "response_types_supported": ["code", "id_token", "id_token token", "code id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        self.discovery_paths: set[str] = {self.oidc_discovery_path}
        self.signing_key: Key = rsa_key("rsa-1")
        self.jwks_keys: list[Key] = [self.signing_key]
        self.jwks_document: dict[str, Any] | None = None
        #: When the user last authenticated: every ID token carries it, as after one login.
        self.auth_time = int(time.time()) - 5
        self.token_claims: dict[str, Any] = {}
        self.token_mint: dict[str, Any] = {}
        self.token_reply: Callable[[Recorded], Reply] | None = None
        self.userinfo_reply: Reply = json_reply({"sub": SUBJECT, "name": "Alice"})
        self._grants: dict[str, _Grant] = {}
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    # -- addresses and the record ----------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def oidc_discovery_path(self) -> str:
        return urlsplit(self.issuer).path.rstrip("/") + OIDC_WELL_KNOWN

    @property
    def rfc8414_discovery_path(self) -> str:
        return RFC8414_WELL_KNOWN + urlsplit(self.issuer).path.rstrip("/")

    @property
    def discovery_url(self) -> str:
        return self.url(self.oidc_discovery_path)

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        with self._lock:
            return [r.path for r in self.requests]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def requests_to(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> MockOP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- minting -----------------------------------------------------------------------------

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """A valid ID token claim set for this client, ``overrides`` applied (OMIT drops)."""
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "sub": SUBJECT,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "auth_time": self.auth_time,
        }
        return _apply(base, overrides)

    def mint(
        self,
        claims: Mapping[str, Any],
        *,
        key: Key | None = None,
        alg: str | None = None,
        header: Mapping[str, Any] | None = None,
        forge: bool = False,
    ) -> str:
        """A compact JWS of ``claims``.

        ``key`` defaults to :attr:`signing_key`; ``alg`` to RS256 / ES256 / HS256 by key
        type; ``HS*`` without a key uses the client secret. The header carries the key's
        ``kid`` unless ``header`` says otherwise. ``forge=True`` signs with a different
        key of the same kind while keeping the header, so only the signature is wrong.
        ``alg="none"`` gives an unsigned token.
        """
        payload = json.dumps(dict(claims)).encode()
        if alg == "none":
            protected = _apply({"alg": "none"}, header)
            return f"{_b64(json.dumps(protected).encode())}.{_b64(payload)}."
        if key is None:
            key = (
                OctKey.import_key(self.client_secret)
                if alg and alg[:2] == "HS"
                else self.signing_key
            )
        alg = alg or _ALG_OF[key.key_type]
        base: dict[str, Any] = {"alg": alg}
        if key.kid is not None:
            base["kid"] = key.kid
        protected = _apply(base, header)
        # Signed by hand around joserfc's algorithm so that any header goes out as
        # scripted (joserfc's serializer refuses a non-string kid, for instance).
        signing_input = f"{_b64(json.dumps(protected).encode())}.{_b64(payload)}"
        signer = _stranger_of(key) if forge else key
        signature = JWSRegistry.algorithms[alg].sign(signing_input.encode("ascii"), signer)
        return f"{signing_input}.{_b64(signature)}"

    def _mint_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` for :meth:`mint` with ``alg`` resolved (hashes depend on it)."""
        how = dict(options)
        key = how.get("key") or self.signing_key
        how["alg"] = how.get("alg") or (how.get("header") or {}).get("alg")
        how["alg"] = how["alg"] or _ALG_OF[key.key_type]
        return how

    def jwks(self) -> dict[str, Any]:
        """The JWK Set served at ``/jwks``: :attr:`jwks_document`, else the public keys."""
        if self.jwks_document is not None:
            return self.jwks_document
        return {"keys": [k.as_dict(private=False) for k in self.jwks_keys]}

    # -- the front channel -------------------------------------------------------------------

    def authorize(
        self,
        authorization_url: str,
        *,
        claims: Mapping[str, Any] | None = None,
        mint: Mapping[str, Any] | None = None,
        id_token: str | None = None,
        params: Mapping[str, Any] | None = None,
        mode: str | None = None,
    ) -> Callback:
        """Answer an authorization request the way the provider would, then apply scripts.

        Issues what ``response_type`` asks for: a code (remembered with the request's
        nonce for the token endpoint), an access token, and an ID token carrying the
        nonce, ``c_hash`` and ``at_hash``. ``claims``/``mint`` adjust that ID token (OMIT
        drops a member), ``id_token`` replaces it, ``params`` adjusts the response.
        """
        request = dict(parse_qsl(urlsplit(authorization_url).query))
        types = set(request["response_type"].split())
        response: dict[str, Any] = {"state": request["state"]}
        how = self._mint_options(mint or {})
        alg = how["alg"]
        hashes: dict[str, str] = {}
        if "code" in types:
            code = "code-" + secrets.token_urlsafe(12)
            self._grants[code] = _Grant(request.get("nonce"), request.get("redirect_uri"))
            response["code"] = code
            hashes["c_hash"] = token_hash(code, alg) if alg != "none" else OMIT
        if "token" in types:
            response["access_token"] = "front-at-" + secrets.token_urlsafe(12)
            response["token_type"] = "Bearer"
            response["expires_in"] = "3600"
            hashes["at_hash"] = token_hash(response["access_token"], alg) if alg != "none" else OMIT
        if "id_token" in types:
            base = self.claims(nonce=request.get("nonce", OMIT), **hashes)
            response["id_token"] = id_token or self.mint(_apply(base, claims), **how)
        response = _apply(response, params)
        default_mode = "query" if types == {"code"} else "fragment"
        return Callback(
            {k: str(v) for k, v in response.items()},
            mode or request.get("response_mode", default_mode),
        )

    # -- endpoints ---------------------------------------------------------------------------

    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
        if recorded.path in self.replies:
            return self.replies[recorded.path]
        if recorded.path in self.stalled:
            self._release.wait(30)
            return Reply(503)
        if recorded.path in self.discovery_paths:
            return json_reply(self.metadata)
        if recorded.path == "/jwks":
            return json_reply(self.jwks())
        if recorded.path == "/token":
            return self.token_reply(recorded) if self.token_reply else self._token(recorded)
        if recorded.path == "/userinfo":
            return self.userinfo_reply
        return Reply(404, {"Content-Type": "text/plain"}, b"Not Found")

    def _token(self, recorded: Recorded) -> Reply:
        """The default token endpoint: redeem a code issued by :meth:`authorize`."""
        grant = self._grants.pop(recorded.form.get("code", ""), None)
        if recorded.form.get("grant_type") != "authorization_code" or grant is None:
            return json_reply({"error": "invalid_grant"}, status=400)
        return json_reply(self.token_response(nonce=grant.nonce))

    def token_response(self, *, nonce: str | None = None, **claims: Any) -> dict[str, Any]:
        """A token response whose ID token has ``nonce``, ``at_hash`` and the scripted claims."""
        access_token = "at-" + secrets.token_urlsafe(12)
        how = self._mint_options(self.token_mint)
        alg = how["alg"]
        base = self.claims(nonce=nonce if nonce is not None else OMIT)
        if alg != "none":
            base["at_hash"] = token_hash(access_token, alg)
        merged = _apply(_apply(base, self.token_claims), claims)
        id_token = self.mint(merged, **how)
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": "rt-" + secrets.token_urlsafe(12),
            "id_token": id_token,
        }


def _stranger_of(key: Key) -> Key:
    """A key of the same kind as ``key`` that nobody published (for forged signatures)."""
    if isinstance(key, RSAKey):
        return rsa_key("stranger")
    if isinstance(key, ECKey):
        return ec_key("stranger", key.curve_name)
    stranger: Key = OctKey.import_key("another-secret-that-is-not-the-clients-0123456789")
    return stranger


def rp_session(op: MockOP, **kwargs: Any) -> OAuth2Session:
    """The relying party as a user builds it: discovery URL, client, openid scope."""
    settings: dict[str, Any] = {
        "client_id": op.client_id,
        "client_secret": op.client_secret,
        "scope": "openid profile",
        "redirect_uri": REDIRECT_URI,
        "server_metadata_url": op.discovery_url,
        "default_timeout": 10,
    }
    settings.update(kwargs)
    return OAuth2Session(**settings)


def code_flow(session: OAuth2Session, op: MockOP, **authorize: Any) -> OAuth2Token:
    """Authorization URL, the provider's answer, then ``fetch_token`` on the callback URL."""
    url, _state = session.create_authorization_url()
    return session.fetch_token(authorization_response=op.authorize(url, **authorize).url)


@contextmanager
def rejected(claim: str) -> Iterator[pytest.ExceptionInfo[InvalidIDTokenError]]:
    """Expect an :class:`InvalidIDTokenError` naming ``claim`` (attribute and message)."""
    with pytest.raises(InvalidIDTokenError) as info:
        yield info
    assert info.value.claim == claim
    assert claim in str(info.value)


@pytest.fixture(name="op")
def op_fixture() -> Iterator[MockOP]:
    """A fresh scriptable provider per test."""
    with MockOP() as provider:
        yield provider
