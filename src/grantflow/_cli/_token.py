"""``grantflow token``: obtain a token with any grant and print it as JSON.

The authorization code flow runs as a native app does (RFC 8252): a loopback listener on
a free port, the system browser, PKCE S256, and the library's checks of ``state``,
``iss`` (RFC 9207) and the ID token before a token is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import threading
import webbrowser
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import AssertionSession, OAuth2Session, OAuth2Token
from ..errors import InvalidResponseError
from ._args import add_command, non_negative_seconds
from ._console import Console, is_terminal
from ._discovery import load_metadata
from ._exit import EXIT_OK
from ._loopback import DEFAULT_REDIRECT_URI, LoopbackReceiver
from ._options import (
    CLIENT_SECRET,
    add_client_options,
    add_server_options,
    build_session,
    client_credential,
    declared_alg,
    load_private_key,
    require_server,
    server_metadata,
    transport,
)
from ._refresh import REFRESH_TOKEN, refresh
from ._request import add_grant_options, emit_token, grant_params
from ._secrets import SecretOption, add_secret_options

__all__ = ["add_grant_options", "add_token_parser", "emit_token", "grant_params"]

GRANTS = (
    "authorization_code",
    "client_credentials",
    "password",
    "refresh_token",
    "jwt-bearer",
    "device",
)
PASSWORD = SecretOption("password", "the resource owner's password", "GRANTFLOW_PASSWORD")

_DESCRIPTION = """\
Obtain a token and print it as JSON on stdout (notes go to stderr).

  grantflow token --issuer https://idp.example --client-id app --scope "openid profile"
  grantflow token --issuer URL --client-id m2m --client-secret-file s.txt \\
      --grant client_credentials
"""


def add_token_parser(subparsers: Any) -> None:
    """Register ``grantflow token``."""
    parser = add_command(subparsers, "token", "obtain a token with any grant", _DESCRIPTION)
    add_server_options(parser)
    add_client_options(parser)
    parser.add_argument(
        "--grant",
        choices=GRANTS,
        default="authorization_code",
        help="the grant to use (default: authorization_code)",
    )
    add_grant_options(parser)
    code = parser.add_argument_group("authorization code flow")
    code.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help="loopback redirect URI as registered; its port is chosen at run time "
        f"(RFC 8252 §7.3) unless given (default: {DEFAULT_REDIRECT_URI})",
    )
    code.add_argument(
        "--no-browser", action="store_true", help="print the URL instead of opening a browser"
    )
    code.add_argument(
        "--timeout",
        type=non_negative_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the browser to come back, or for the device to be "
        "approved (default: 300)",
    )
    password = parser.add_argument_group("password grant")
    password.add_argument("--username", help="the resource owner's user name")
    add_secret_options(password, PASSWORD)
    refresh = parser.add_argument_group("refresh_token grant")
    add_secret_options(refresh, REFRESH_TOKEN)
    bearer = parser.add_argument_group("jwt-bearer grant (RFC 7523 §2.1)")
    bearer.add_argument("--assertion-issuer", help="the assertion's iss (default: the client id)")
    bearer.add_argument("--subject", help="the assertion's sub (default: none)")
    bearer.add_argument(
        "--assertion-audience", help="the assertion's aud (default: the token endpoint)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Run the chosen grant and print the token."""
    if args.grant == "authorization_code":
        token = _code_flow(args, console)
    elif args.grant == "jwt-bearer":
        token = _jwt_bearer(args, console)
    elif args.grant == "device":
        from ._device import device_flow

        token = device_flow(args, console, grant_params(args))
    elif args.grant == "refresh_token":
        token = refresh(args, console)
    else:
        token = _token_request(args, console)
    emit_token(token, args, console)
    return EXIT_OK


def _token_params(args: argparse.Namespace) -> dict[str, Any]:
    params = grant_params(args)
    if args.audience:
        params["audience"] = args.audience
    return params


def _token_request(args: argparse.Namespace, console: Console) -> OAuth2Token:
    """client_credentials or password: one request to the token endpoint."""
    params = _token_params(args)
    with build_session(args, console, ("token_endpoint",), scope=args.scope) as session:
        if args.grant == "password":
            username, password = _resource_owner(args, console)
            return session.fetch_token(username=username, password=password, **params)
        return session.fetch_token(grant_type="client_credentials", **params)


def _resource_owner(args: argparse.Namespace, console: Console) -> tuple[str, str]:
    if not args.username:
        raise ValueError("the password grant needs --username")
    password = PASSWORD.resolve(args, console)
    if password is None and is_terminal(console.stdin):
        password = getpass.getpass(f"Password for {args.username}: ")
    if not password:
        raise ValueError(
            "the password grant needs a password: --password-file FILE, "
            f"--password-env VAR or {PASSWORD.default_env}"
        )
    return args.username, password


_CODE_FLOW_ENDPOINTS = ("authorization_endpoint", "token_endpoint")


def _code_flow(args: argparse.Namespace, console: Console) -> OAuth2Token:
    """Authorization code + PKCE through the system browser and a loopback listener.

    The code is redeemed while the browser waits for its page, so the page shows the
    outcome the terminal shows.
    """
    require_server(args, *_CODE_FLOW_ENDPOINTS)
    with LoopbackReceiver(args.redirect_uri) as receiver:
        session = build_session(
            args,
            console,
            _CODE_FLOW_ENDPOINTS,
            scope=args.scope,
            redirect_uri=receiver.redirect_uri,
        )
        with session:
            _authorize(session, receiver, args, console)
            return receiver.receive(
                args.timeout, _redeemer(session, args, console), console.countdown
            )


def _redeemer(
    session: OAuth2Session, args: argparse.Namespace, console: Console
) -> Callable[[str], OAuth2Token]:
    """What to do with the redirect: check it, and redeem its code (RFC 6749 §4.1.3)."""
    resource: dict[str, Any] = {"resource": list(args.resource)} if args.resource else {}

    def redeem(callback: str) -> OAuth2Token:
        query = parse_qs(urlsplit(callback).query)
        if "code" not in query and "error" not in query:
            # RFC 6749 §4.1.2: the server's redirect carries a code or an error, always.
            raise InvalidResponseError(
                description="the redirect carried neither a code nor an error: "
                "it did not come from the authorization server"
            )
        console.note("grantflow: redirect received; checking it and redeeming the code")
        return session.fetch_token(authorization_response=callback, **resource)

    return redeem


def _authorize(
    session: OAuth2Session,
    receiver: LoopbackReceiver,
    args: argparse.Namespace,
    console: Console,
) -> None:
    """Send the user to the authorization endpoint, saying what has to be registered."""
    url, _state = session.create_authorization_url(**grant_params(args, code_flow=True))
    console.note(f"grantflow: listening for the redirect on {receiver.redirect_uri}")
    console.note(
        f"grantflow: {args.client_id} must have {args.redirect_uri} among its registered "
        "redirect URIs; if the browser shows an error instead of coming back here, check "
        "that first (--redirect-uri changes it)"
    )
    console.note("Open this URL in a browser to sign in:")
    console.note()
    console.note(f"    {url}")
    console.note()
    if not args.no_browser:
        _open_browser(url)
    console.note(f"Waiting up to {args.timeout:g} s for the redirect (Ctrl-C to cancel).")


def _open_browser(url: str) -> None:
    """Open ``url`` in the system browser without holding up the listener.

    Some launchers (a ``BROWSER`` command, ``xdg-open`` on a slow desktop) only return
    when the browser does, so the call runs on its own thread; the URL is printed too.
    """

    def launch() -> None:
        with contextlib.suppress(webbrowser.Error, OSError):
            webbrowser.open(url)

    threading.Thread(target=launch, name="grantflow-browser", daemon=True).start()


def _jwt_bearer(args: argparse.Namespace, console: Console) -> OAuth2Token:
    """RFC 7523 §2.1: the client pays for the token with an assertion it signs."""
    secret = CLIENT_SECRET.resolve(args, console)
    key: Any = load_private_key(args.private_key) if args.private_key else secret
    if key is None:
        raise ValueError("the jwt-bearer grant signs with --private-key FILE or a client secret")
    alg = args.alg or declared_alg(key) or ("RS256" if args.private_key else "HS256")
    issuer = args.assertion_issuer or args.client_id
    if not issuer:
        raise ValueError("the jwt-bearer grant needs --assertion-issuer or --client-id")
    require_server(args, "token_endpoint")
    metadata = server_metadata(args)
    token_endpoint = metadata.pop("token_endpoint", None) or _discovered_token_endpoint(args)
    options: dict[str, Any] = transport(args)
    if args.auth_method:
        # RFC 7523 §3.1: client authentication is optional with this grant; only on request.
        credential, method = client_credential(args, console)
        options.update(client_secret=credential, token_endpoint_auth_method=method)
    with AssertionSession(
        token_endpoint,
        issuer=issuer,
        subject=args.subject,
        audience=args.assertion_audience,
        key=key,
        alg=alg,
        scope=args.scope,
        client_id=args.client_id if args.auth_method else None,
        **options,
    ) as session:
        token: OAuth2Token = session.fetch_token(**_token_params(args))
        return token


def _discovered_token_endpoint(args: argparse.Namespace) -> str:
    how = transport(args)
    with OAuth2Session(**how, **server_metadata(args)) as session:
        endpoint = load_metadata(session, args.issuer, how).get("token_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise ValueError("the server metadata names no token_endpoint: give --token-endpoint")
    return endpoint
