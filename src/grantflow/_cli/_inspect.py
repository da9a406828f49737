"""``grantflow discover`` and ``grantflow decode``: look at a server or a JWT.

``discover`` prints the metadata document after the library checked that its ``issuer``
is the one asked for (RFC 8414 §3.3). ``decode`` prints a JWT's header and claims; it
believes nothing unless ``--verify`` checked the signature with the issuer's keys.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import OAuth2Session
from ._args import add_command, url
from ._console import Console
from ._discovery import load_metadata
from ._exit import EXIT_OK
from ._jwt import decode_unverified, verify_jwt
from ._options import add_issuer_option, add_transport_options, json_object_or_text, transport

__all__ = ["add_inspect_parsers"]

_FIELDS = ("id_token", "access_token", "refresh_token")


def add_inspect_parsers(subparsers: Any) -> None:
    """Register ``discover`` and ``decode``."""
    discover = add_command(
        subparsers,
        "discover",
        "fetch and check an issuer's metadata",
        "Fetch an issuer's metadata (OpenID Connect Discovery, else RFC 8414) and print it\n"
        "as JSON after checking its issuer.",
    )
    discover.add_argument(
        "issuer", metavar="ISSUER", type=url, help="issuer URL, or the metadata document's URL"
    )
    add_transport_options(discover)
    discover.set_defaults(run=_run_discover)

    decode = add_command(
        subparsers,
        "decode",
        "show a JWT's header and claims",
        "Print a JWT's header and claims as JSON. Without --verify nothing is checked:\n"
        "do not trust what you read.",
    )
    decode.add_argument(
        "jwt",
        metavar="JWT",
        nargs="?",
        default="-",
        help="the JWT, or '-' (the default) to read it from stdin; JSON printed by "
        "'grantflow token' works too",
    )
    decode.add_argument(
        "--field", choices=_FIELDS, help="which token of a JSON input (default: id_token)"
    )
    decode.add_argument(
        "--verify",
        action="store_true",
        help="check the signature with the issuer's JWKS, and iss, exp, nbf, iat",
    )
    add_issuer_option(decode, "; --verify checks the JWT with its keys")
    decode.add_argument(
        "--jwks-uri", metavar="URL", type=url, help="take the keys from this URL instead"
    )
    decode.add_argument(
        "--client-id",
        help="with --verify: validate it as this client's ID token (OIDC Core §3.1.3.7)",
    )
    add_transport_options(decode)
    decode.set_defaults(run=_run_decode)


def _session(args: argparse.Namespace, issuer: str | None, **metadata: Any) -> OAuth2Session:
    """A session for ``issuer`` (metadata loaded, failures named) or for explicit endpoints."""
    if issuer:
        key = "server_metadata_url" if "/.well-known/" in issuer else "issuer"
        metadata[key] = issuer
    how = transport(args)
    session = OAuth2Session(**how, **metadata)
    if issuer:
        try:
            load_metadata(session, issuer, how)
        except BaseException:
            session.close()
            raise
    return session


def _run_discover(args: argparse.Namespace, console: Console) -> int:
    with _session(args, args.issuer) as session:
        metadata = session.metadata
    console.note(f"grantflow: metadata of {metadata.get('issuer')} (issuer checked)")
    console.result(metadata)
    return EXIT_OK


def _read_jwt(args: argparse.Namespace, console: Console) -> tuple[str, str | None]:
    """The JWT, and the member of a JSON input it came from (None for a bare JWT)."""
    text = console.stdin.read() if args.jwt == "-" else args.jwt
    document = json_object_or_text(text, "the input")
    if isinstance(document, str):
        return document, None
    for name in (args.field,) if args.field else _FIELDS:
        value = document.get(name)
        if isinstance(value, str) and value:
            return value, name
    missing = f"no {args.field}" if args.field else f"none of {', '.join(_FIELDS)}"
    raise ValueError(f"the JSON input has {missing}")


def _run_decode(args: argparse.Namespace, console: Console) -> int:
    value, member = _read_jwt(args, console)
    if member is not None:
        other = "" if args.field else " (--field picks another)"
        console.note(f"grantflow: decoding the {member} of the JSON input{other}")
    if not args.verify:
        decoded = decode_unverified(value)
        console.note("grantflow: decoded WITHOUT checking the signature (use --verify)")
        console.result(decoded)
        return EXIT_OK
    if not args.issuer and not args.jwks_uri:
        raise ValueError(
            "--verify needs --issuer URL (or GRANTFLOW_ISSUER) or --jwks-uri URL: "
            "whose keys should have signed it?"
        )
    extra = {"jwks_uri": args.jwks_uri} if args.jwks_uri else {}
    with _session(args, args.issuer, client_id=args.client_id, **extra) as session:
        if args.client_id:
            # The library's own ID token rules: signature, iss, aud, azp, exp, iat.
            claims = session.parse_id_token(value)
            decoded = {"header": decode_unverified(value)["header"], "claims": claims}
        else:
            jwks = session.fetch_jwk_set()
            issuer = session.metadata.get("issuer") if args.issuer else None
            decoded = verify_jwt(value, jwks, issuer=issuer)
    console.note("grantflow: signature verified with the issuer's keys; claims checked")
    console.result(decoded)
    return EXIT_OK
