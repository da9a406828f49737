"""``grantflow demo``: every flow against the embedded development provider, explained.

The provider runs in this process on a loopback port; each section shows the request
grantflow sent (credentials redacted), the answer, and what grantflow checked. Colour is
used on a terminal only, never with ``NO_COLOR`` set.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from .. import AssertionSession, ClientSecretJWT, OAuth2Session, OAuth2Token, PrivateKeyJWT
from ..testing import DevProvider
from ._args import add_command
from ._console import Console, Style, colour_wanted, terminal_width
from ._demo_dpop import dpop_section, par_section
from ._exit import EXIT_OK
from ._loopback import LoopbackReceiver
from ._show import Show, redact_url

__all__ = ["add_demo_parser"]

_TIMEOUT = 10
_DISCOVERY_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "introspection_endpoint",
    "code_challenge_methods_supported",
    "authorization_response_iss_parameter_supported",
)


def add_demo_parser(subparsers: Any) -> None:
    """Register ``grantflow demo``."""
    parser = add_command(
        subparsers,
        "demo",
        "walk through every flow against a built-in provider",
        "Start a development OpenID provider in this process and run every flow against it,\n"
        "showing what is sent and what comes back.",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (default: auto, on a terminal without NO_COLOR)",
    )
    parser.set_defaults(run=run)


class Demo:
    """The provider, the output, and every response grantflow's sessions received."""

    def __init__(self, op: DevProvider, show: Show) -> None:
        self.op = op
        self.show = show
        self._seen: list[requests.Response] = []
        self._sessions: list[OAuth2Session] = []
        self._token: OAuth2Token | None = None
        self._public: OAuth2Session | None = None

    @property
    def token(self) -> OAuth2Token:
        """The code flow's token (refreshed by the refresh section)."""
        if self._token is None:
            raise ValueError("the code flow section has not run")
        return self._token

    @token.setter
    def token(self, value: OAuth2Token) -> None:
        self._token = value

    @property
    def public(self) -> OAuth2Session:
        """The native app's session from the code flow section."""
        if self._public is None:
            raise ValueError("the code flow section has not run")
        return self._public

    @public.setter
    def public(self, value: OAuth2Session) -> None:
        self._public = value

    def session(
        self, cls: Callable[..., OAuth2Session] = OAuth2Session, *args: Any, **kwargs: Any
    ) -> OAuth2Session:
        """A session that records what it receives (a requests response hook)."""
        kwargs.setdefault("default_timeout", _TIMEOUT)
        kwargs.setdefault("trust_env", False)  # no proxy between us and loopback
        session = cls(*args, **kwargs)
        session.hooks["response"].append(self._record)
        self._sessions.append(session)
        return session

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._seen.append(response)

    def take(self) -> list[requests.Response]:
        """The responses received since the last call, oldest first."""
        seen, self._seen = self._seen, []
        return seen

    def replay(self) -> None:
        """Show every exchange since the last replay: documents briefly, the rest in full."""
        seen = self.take()
        metadata = self.op.metadata
        for response in seen:
            url = (response.request.url or "").split("?", 1)[0]
            if url == self.op.discovery_url:
                self.show.brief(response, "discovery document")
            elif url == metadata.get("jwks_uri"):
                keys = len(response.json().get("keys", []))
                self.show.brief(response, f"the provider's JWK Set: {keys} public keys")
            else:
                self.show.exchange(response)

    def browse(self, url: str, receiver: LoopbackReceiver) -> tuple[list[requests.Response], str]:
        """Play the browser for ``url``; the redirects and the callback URL received."""
        return _browse(url, receiver)

    def close(self) -> None:
        for session in self._sessions:
            session.close()


def run(args: argparse.Namespace, console: Console) -> int:
    style = Style(colour_wanted(console.out, args.color, console.env))
    show = Show(console.out, style, width=terminal_width(console.out, console.env))
    began = time.monotonic()
    show.line(style("grantflow demo", "bold") + " — OAuth 2.0 and OpenID Connect, flow by flow")
    # The keys stay in memory: no file holds them, so an interrupted demo leaves none.
    # A 1 s device-flow interval keeps that section quick.
    with DevProvider(write_files=False, device_interval=1) as op:
        show.say(f"Development provider running in this process at {op.issuer}", indent="")
        show.say(
            "It signs alice in without a login form and publishes its clients' secrets: "
            "for development only. Every credential below is masked: you see its kind and "
            "length, never its value."
        )
        demo = Demo(op, show)
        try:
            for number, step in enumerate(_STEPS, start=1):
                step(demo, number)
        finally:
            demo.close()
    show.line()
    show.line(style(f"All {len(_STEPS)} sections ran in {time.monotonic() - began:.1f} s.", "bold"))
    return EXIT_OK


def _discovery(d: Demo, number: int) -> None:
    d.show.heading(number, "Discovery", "OpenID Connect Discovery 1.0, RFC 8414")
    d.show.say("Given only the issuer, the client fetches the provider's metadata.")
    session = d.session(issuer=d.op.issuer)
    metadata = session.load_server_metadata()
    for response in d.take():
        d.show.exchange(response, only=_DISCOVERY_FIELDS)
    d.show.ok(f"the document's issuer is the one asked for ({metadata['issuer']})")


def _code_flow(d: Demo, number: int) -> None:
    d.show.heading(
        number, "Authorization code + PKCE", "RFC 6749 §4.1, RFC 7636, RFC 8252, RFC 9207"
    )
    d.show.say(
        "client-public is a native app without a secret. It listens on a loopback port, "
        "sends the browser to the provider with a PKCE challenge, and redeems the code "
        "with the matching verifier, so a stolen code is useless."
    )
    with LoopbackReceiver("http://127.0.0.1/cb") as receiver:
        public = d.session(
            OAuth2Session,
            "client-public",
            issuer=d.op.issuer,
            redirect_uri=receiver.redirect_uri,
            scope="openid profile email offline_access",
        )
        url, _state = public.create_authorization_url()
        d.take()  # the discovery request, shown in the first section
        d.show.say("The app sends the browser to the authorization endpoint:")
        d.show.line(f"  {d.show.style('→', 'yellow', 'bold')} GET {url.split('?', 1)[0]}")
        d.show.fields(dict(parse_qsl(urlsplit(url).query)))
        hops, callback = _browse(url, receiver)
    d.show.say("The browser follows the provider's redirects (alice is signed in headless):")
    for hop in hops:
        parts = urlsplit(hop.url)
        shown = redact_url(hop.url) if hop is hops[-1] else f"{parts.path}?…"
        status = d.show.style(f"{hop.status_code} {hop.reason}", "dim")
        d.show.line(f"      GET {shown}  {status}")
    d.show.ok("state matches, iss is the issuer (RFC 9207); now the code is redeemed:")
    d.token = public.fetch_token(authorization_response=callback)
    d.replay()
    d.show.ok(
        "ID token validated by grantflow: signature, iss, aud, exp, iat, nonce, at_hash "
        f"(sub {d.token['userinfo']['sub']!r})"
    )
    d.public = public


def _browse(url: str, receiver: LoopbackReceiver) -> tuple[list[requests.Response], str]:
    """Play the browser on a thread while the loopback listener waits for it."""
    result: dict[str, Any] = {}

    def browser() -> None:
        try:
            with requests.Session() as agent:
                agent.trust_env = False
                result["response"] = agent.get(url, timeout=_TIMEOUT)
        except requests.RequestException as exc:
            result["error"] = exc

    thread = threading.Thread(target=browser, name="grantflow-demo-browser", daemon=True)
    thread.start()
    callback = receiver.wait(_TIMEOUT)
    thread.join(_TIMEOUT)
    if "error" in result:
        raise result["error"]
    response: requests.Response = result["response"]
    return [*response.history, response], callback


def _userinfo(d: Demo, number: int) -> None:
    d.show.heading(number, "UserInfo", "OpenID Connect Core §5.3")
    d.show.say("The access token buys the user's claims; their sub must equal the ID token's.")
    d.public.userinfo()
    d.replay()
    d.show.ok("sub matches the ID token's")


def _refresh(d: Demo, number: int) -> None:
    d.show.heading(number, "Refresh", "RFC 6749 §6, RFC 9700 §4.14")
    d.show.say("The refresh token gets a new access token without the user.")
    old = d.token.get("refresh_token")
    d.token = d.public.refresh_token()
    d.replay()
    if d.token.get("refresh_token") not in (None, old):
        d.show.ok("a new refresh token replaced the old one (rotation)")
    d.show.ok("the new ID token has the first one's iss, sub and aud (OIDC Core §12.2)")


def _client_credentials(d: Demo, number: int) -> None:
    d.show.heading(number, "Client credentials", "RFC 6749 §4.4, RFC 8707")
    d.show.say(
        "A service acts as itself with client_secret_basic. With a resource indicator "
        "the provider issues a JWT access token for that API."
    )
    session = d.session(OAuth2Session, "client-m2m", _secret(d, "client-m2m"), issuer=d.op.issuer)
    session.fetch_token(scope="api:read", resource="urn:test:api:jwt")
    d.replay()


def _password(d: Demo, number: int) -> None:
    d.show.heading(number, "Resource owner password", "RFC 6749 §4.3")
    d.show.say(
        "Legacy only (RFC 9700 §2.4 forbids it): the app handles the user's password. "
        "client-basic authenticates with client_secret_basic."
    )
    session = d.session(
        OAuth2Session, "client-basic", _secret(d, "client-basic"), issuer=d.op.issuer
    )
    user = "alice"
    token = session.fetch_token(username=user, password=d.op.users[user], scope="openid profile")
    d.replay()
    d.show.ok(f"ID token validated (sub {token['userinfo']['sub']!r})")


def _device_flow(d: Demo, number: int) -> None:
    d.show.heading(number, "Device flow", "RFC 8628")
    d.show.say(
        "A device without a browser (a CLI, a TV) gets a user code; the user approves it "
        "on another screen while the device polls the token endpoint."
    )
    session = d.session(OAuth2Session, "client-public", issuer=d.op.issuer, scope="openid")
    device = session.device_authorization()
    d.replay()
    d.show.say(f"The user opens {device['verification_uri']} and enters {device['user_code']}.")
    d.op.approve_device(device["user_code"])
    token = session.poll_device_token(device)
    d.replay()
    d.show.ok(f"approved by {token['userinfo']['sub']!r}; the token is now the session's")


def _token_exchange(d: Demo, number: int) -> None:
    d.show.heading(number, "Token exchange", "RFC 8693")
    d.show.say(
        "A back end trades the user's access token for one of its own, acting on the "
        "user's behalf; its own token is left as it was."
    )
    service = d.session(
        OAuth2Session, "client-basic", _secret(d, "client-basic"), issuer=d.op.issuer
    )
    exchanged = service.exchange_token(d.token["access_token"])
    d.replay()
    d.show.ok(f"issued_token_type {exchanged['issued_token_type']}")


def _jwt_client_auth(d: Demo, number: int) -> None:
    d.show.heading(number, "JWT client authentication", "RFC 7523 §2.2, OpenID Connect Core §9")
    d.show.say(
        "Instead of sending its secret, the client signs a short-lived assertion: "
        "client_secret_jwt MACs it with the secret (HS256), private_key_jwt signs it "
        "with a private key whose public half the provider knows."
    )
    token_endpoint = d.op.metadata["token_endpoint"]
    secret_jwt = d.session(
        OAuth2Session,
        "client-secret-jwt",
        _secret(d, "client-secret-jwt"),
        token_endpoint_auth_method=ClientSecretJWT(token_endpoint),
        issuer=d.op.issuer,
    )
    d.show.line("  client_secret_jwt, client-secret-jwt:")
    secret_jwt.fetch_token(scope="api:read")
    d.replay()
    private_jwt = d.session(
        OAuth2Session,
        "client-private-jwt",
        d.op.private_key_jwt_keys,
        token_endpoint_auth_method=PrivateKeyJWT(token_endpoint),
        issuer=d.op.issuer,
    )
    d.show.line("  private_key_jwt, client-private-jwt:")
    private_jwt.fetch_token(scope="api:read")
    d.replay()
    d.show.ok("each assertion has a fresh jti and a one-hour exp")


def _jwt_bearer(d: Demo, number: int) -> None:
    d.show.heading(number, "JWT bearer grant", "RFC 7523 §2.1")
    d.show.say(
        "A service account pays for a token with an assertion it signs itself, here "
        "acting for the user alice (sub)."
    )
    session = d.session(
        AssertionSession,
        d.op.metadata["token_endpoint"],
        issuer="client-private-jwt",
        subject="alice",
        key=d.op.private_key_jwt_keys,
        alg="RS256",
        scope="api:read",
    )
    session.fetch_token()
    d.replay()


def _introspection(d: Demo, number: int) -> None:
    d.show.heading(number, "Introspection", "RFC 7662")
    d.show.say("A resource server (client rs) asks whether the access token is active.")
    _introspect(d)


def _introspect(d: Demo) -> dict[str, Any]:
    rs = d.session(OAuth2Session, "rs", _secret(d, "rs"), issuer=d.op.issuer)
    answer: dict[str, Any] = rs.introspect_token(
        token=d.token["access_token"], token_type_hint="access_token"
    ).json()
    d.replay()
    return answer


def _revocation(d: Demo, number: int) -> None:
    d.show.heading(number, "Revocation", "RFC 7009")
    d.show.say("The app logs out: it revokes its access token, and the resource server sees it.")
    d.public.revoke_token()
    d.replay()
    answer = _introspect(d)
    d.show.ok(f"after revocation the token is active: {answer.get('active')}")


def _secret(d: Demo, client_id: str) -> str:
    return str(d.op.clients[client_id]["client_secret"])


_STEPS: tuple[Callable[[Demo, int], None], ...] = (
    _discovery,
    _code_flow,
    _userinfo,
    _refresh,
    _client_credentials,
    _password,
    _device_flow,
    _token_exchange,
    dpop_section,
    par_section,
    _jwt_client_auth,
    _jwt_bearer,
    _introspection,
    _revocation,
)
