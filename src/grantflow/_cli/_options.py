"""Options shared by the commands that talk to a server, and the session they describe.

Everything is built through grantflow's public API: the command is a client of the
library like any other, so what it checks (state, PKCE, ``iss``, the ID token) is
exactly what the library checks.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import ClientSecretJWT, OAuth2Session, PrivateKeyJWT
from .._core._client_auth import METHOD_NAMES, SECRET_METHODS, TLS_METHODS
from ._args import FromEnv, positive_seconds, url
from ._console import Console
from ._discovery import load_metadata
from ._files import check_file, read_text
from ._secrets import SecretOption, add_secret_options

__all__ = [
    "AUTH_METHODS",
    "CLIENT_SECRET",
    "add_client_options",
    "add_server_options",
    "add_transport_options",
    "build_session",
    "client_credential",
    "declared_alg",
    "load_private_key",
    "require_server",
    "server_metadata",
]

AUTH_METHODS = METHOD_NAMES

CLIENT_SECRET = SecretOption("client-secret", "the client secret", "GRANTFLOW_CLIENT_SECRET")

_ENDPOINTS = (
    ("authorization-endpoint", "authorization_endpoint"),
    ("token-endpoint", "token_endpoint"),
    ("revocation-endpoint", "revocation_endpoint"),
    ("introspection-endpoint", "introspection_endpoint"),
    ("userinfo-endpoint", "userinfo_endpoint"),
    ("device-authorization-endpoint", "device_authorization_endpoint"),
    ("registration-endpoint", "registration_endpoint"),
    ("jwks-uri", "jwks_uri"),
)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--issuer`` (discovery) and explicit endpoints, which win over discovered ones."""
    group = parser.add_argument_group("server")
    add_issuer_option(group)
    for flag, name in _ENDPOINTS:
        group.add_argument(f"--{flag}", dest=name, type=url, metavar="URL", help=f"the {name}")
    add_transport_options(group)


def add_issuer_option(group: argparse._ActionsContainer, help_more: str = "") -> None:
    """``--issuer URL``, by default ``$GRANTFLOW_ISSUER``."""
    group.add_argument(
        "--issuer",
        metavar="URL",
        type=url,
        default=FromEnv("GRANTFLOW_ISSUER", url),
        help="the issuer: its endpoints are discovered (OpenID Connect Discovery, RFC 8414); "
        "a URL containing /.well-known/ is taken as the metadata document itself"
        f"{help_more} (default: %(default)s)",
    )


def add_transport_options(group: argparse._ActionsContainer) -> None:
    """``--ca-bundle`` and ``--http-timeout``: how every HTTP request is made."""
    group.add_argument(
        "--ca-bundle", metavar="FILE", help="trust the CA certificates in FILE for HTTPS"
    )
    group.add_argument(
        "--http-timeout",
        type=positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="timeout of each HTTP request (default: 30)",
    )


def add_client_options(parser: argparse.ArgumentParser) -> None:
    """The client's identity and how it authenticates (RFC 6749 §2.3, RFC 7523, RFC 8705)."""
    group = parser.add_argument_group("client")
    group.add_argument(
        "--client-id",
        default=FromEnv("GRANTFLOW_CLIENT_ID"),
        help="the client identifier (default: %(default)s)",
    )
    add_secret_options(group, CLIENT_SECRET)
    group.add_argument(
        "--private-key",
        metavar="FILE",
        help="private key for private_key_jwt (PEM, a JWK or a JWK Set in JSON)",
    )
    group.add_argument("--cert", metavar="FILE", help="client certificate (PEM) for mutual TLS")
    group.add_argument("--key", metavar="FILE", help="the client certificate's private key")
    group.add_argument(
        "--auth-method",
        choices=AUTH_METHODS,
        help="client authentication at the token endpoint (default: private_key_jwt with "
        "--private-key, tls_client_auth with --cert, client_secret_basic with a secret, "
        "else none)",
    )
    group.add_argument(
        "--alg", help="signing algorithm of JWT client assertions and bearer-grant assertions"
    )


def server_metadata(args: argparse.Namespace) -> dict[str, Any]:
    """Session keyword arguments for the server: discovery source and explicit endpoints."""
    metadata: dict[str, Any] = {}
    issuer: str | None = getattr(args, "issuer", None)
    if issuer:
        key = "server_metadata_url" if "/.well-known/" in issuer else "issuer"
        metadata[key] = issuer
    for _flag, name in _ENDPOINTS:
        value = getattr(args, name, None)
        if value:
            metadata[name] = value
    return metadata


def require_server(args: argparse.Namespace, *endpoints: str) -> None:
    """Refuse to go on without ``--issuer`` or every one of ``endpoints`` (by metadata name)."""
    if getattr(args, "issuer", None):
        return
    missing = [
        f"--{flag} URL"
        for flag, name in _ENDPOINTS
        if name in endpoints and not getattr(args, name, None)
    ]
    if missing:
        raise ValueError(
            "no server given: pass --issuer URL (or set GRANTFLOW_ISSUER), "
            f"or {' and '.join(missing)}"
        )


def load_private_key(path: str) -> Any:
    """A private key file as the library takes it: a JWK / JWK Set dict, or PEM text.

    A value that is not plainly a path is never echoed: it may be the key itself,
    pasted where its path belongs.
    """
    text = read_text(path, "--private-key", secret=True)
    return json_object_or_text(text, "the --private-key file")


def json_object_or_text(text: str, what: str) -> dict[str, Any] | str:
    """``text`` as a JSON object when it starts like one, else as stripped text.

    Tokens, JWTs and keys may each come bare or inside a JSON document; ``what`` names
    the input in the error for JSON that does not parse.
    """
    stripped = text.strip()
    if not stripped.startswith("{"):
        return stripped
    try:
        document: dict[str, Any] = json.loads(stripped)
    except ValueError:
        raise ValueError(f"{what} looks like JSON but does not parse") from None
    # Text that starts with "{" and parses is a JSON object, so a dict.
    return document


def declared_alg(key: Any) -> str | None:
    """The ``alg`` a JWK declares (the first signing key's, for a set)."""
    if isinstance(key, dict):
        listed = key.get("keys")
        candidates: list[Any] = listed if isinstance(listed, list) else [key]
        for jwk in candidates:
            if isinstance(jwk, dict) and isinstance(jwk.get("alg"), str) and "d" in jwk:
                return str(jwk["alg"])
    return None


def client_credential(args: argparse.Namespace, console: Console) -> tuple[Any, Any]:
    """The client's credential and its token-endpoint auth method (a name or an object)."""
    secret = CLIENT_SECRET.resolve(args, console)
    key = load_private_key(args.private_key) if args.private_key else None
    if bool(args.cert) != bool(args.key):
        raise ValueError("--cert and --key go together")
    if args.cert:
        # The certificate is public; the key is not, so a key pasted there is not echoed.
        check_file(args.cert, "--cert", secret=False)
        check_file(args.key, "--key", secret=True)
    method = args.auth_method
    if method is None:
        if key is not None:
            method = "private_key_jwt"
        elif args.cert:
            method = "tls_client_auth"
        else:
            method = "client_secret_basic" if secret else "none"
    if method in SECRET_METHODS and not secret:
        raise ValueError(
            f"{method} needs a client secret: give --client-secret-file FILE, "
            f"--client-secret-env VAR or set {CLIENT_SECRET.default_env}"
        )
    if method == "private_key_jwt":
        if key is None:
            raise ValueError("private_key_jwt needs --private-key FILE")
        alg = args.alg or declared_alg(key)
        return key, PrivateKeyJWT(alg=alg) if alg else method
    if method in TLS_METHODS and not args.cert:
        raise ValueError(f"{method} needs --cert FILE and --key FILE")
    if method == "client_secret_jwt" and args.alg:
        return secret, ClientSecretJWT(alg=args.alg)
    return (secret if method != "none" else None), method


def transport(args: argparse.Namespace) -> dict[str, Any]:
    """Session keyword arguments for ``--ca-bundle`` and ``--http-timeout``."""
    options: dict[str, Any] = {"default_timeout": args.http_timeout}
    if args.ca_bundle:
        options["verify"] = check_file(args.ca_bundle, "--ca-bundle", secret=False)
    return options


def build_session(
    args: argparse.Namespace, console: Console, needs: tuple[str, ...], **options: Any
) -> OAuth2Session:
    """An :class:`OAuth2Session` for the client and server the options describe.

    ``needs`` names the endpoints the command will use: without ``--issuer`` each must
    be given. With it, the metadata is loaded here, so a discovery failure is reported
    as one, naming the URLs tried.
    """
    require_server(args, *needs)
    if not args.client_id:
        raise ValueError("no client given: pass --client-id ID (or set GRANTFLOW_CLIENT_ID)")
    credential, method = client_credential(args, console)
    how = transport(args)
    kwargs: dict[str, Any] = {**server_metadata(args), **how, **options}
    if args.cert:
        kwargs["cert"] = (args.cert, args.key)
    session = OAuth2Session(args.client_id, credential, token_endpoint_auth_method=method, **kwargs)
    if args.issuer:
        try:
            load_metadata(session, args.issuer, how)
        except BaseException:
            session.close()
            raise
    return session
