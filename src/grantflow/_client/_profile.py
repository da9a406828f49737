"""The FAPI 2.0 Security Profile (``profile="fapi2"``): what it turns on, what it refuses.

FAPI 2.0 Security Profile §5.3.2: the client uses PAR, PKCE with S256, the ``code``
response type, requires ``iss`` in the callback (RFC 9207), authenticates with
``private_key_jwt`` or mutual TLS, uses sender-constrained tokens (DPoP, or mTLS-bound
tokens) and signs with PS256 or ES256 only (§5.4.1). What the profile can switch on is
switched on; a setting that contradicts it is a ``ValueError`` at construction naming
the rule, so a misconfigured client never sends a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._core._client_auth import TLS_METHODS
from ._auth_methods import ClientAuthMethods

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["FAPI2", "FAPI2_ALGORITHMS", "PROFILES", "apply_profile"]

FAPI2 = "fapi2"
PROFILES = (FAPI2,)
#: FAPI 2.0 Security Profile §5.4.1: the only signing algorithms allowed.
FAPI2_ALGORITHMS = ("PS256", "ES256")


def _broken(rule: str, detail: str) -> ValueError:
    return ValueError(f'profile="fapi2" requires {rule}: {detail}')


def check_profile_name(profile: object) -> str | None:
    """``profile`` if it is a known one (None: no profile)."""
    if profile is None or profile in PROFILES:
        return profile
    raise ValueError(f"unknown profile {profile!r}; known profiles: {', '.join(PROFILES)}")


def fapi2_features(client: Client, features: dict[str, Any]) -> dict[str, Any]:
    """The §12 options with what FAPI 2.0 turns on by default filled in (PAR, DPoP
    unless the client authenticates with mutual TLS); contradictions raise."""
    if features.get("pushed_authorization") is False:
        raise _broken("pushed authorization requests (PAR)", "pushed_authorization=False")
    mtls = ClientAuthMethods.name_of(client.token_endpoint_auth_method) in TLS_METHODS
    dpop = features.get("dpop")
    if dpop is False and not mtls:
        raise _broken(
            "sender-constrained tokens (DPoP, or mTLS-bound tokens)",
            "dpop=False without mutual TLS client authentication",
        )
    filled = dict(features)
    filled["pushed_authorization"] = True
    if dpop is None and not mtls:
        filled["dpop"] = True
    return filled


def apply_profile(client: Client) -> None:
    """Check ``client`` against its profile; for FAPI 2.0 pin ``private_key_jwt`` to an
    allowed algorithm and the issuer as audience (FAPI 2.0 Security Profile §5.3.2.1)."""
    if client.profile != FAPI2:
        return
    if client.code_challenge_method != "S256":
        raise _broken("PKCE with S256", f"code_challenge_method={client.code_challenge_method!r}")
    response_type = client.authorization_default("response_type", "code")
    if response_type != "code":
        raise _broken("response_type=code", f"response_type={response_type!r}")
    key = client.dpop_key
    if key is not None and key.alg not in FAPI2_ALGORITHMS:
        raise _broken("PS256 or ES256 signatures", f"the DPoP key signs with {key.alg}")
    jar_alg = client.request_object_signing_alg
    if jar_alg is not None and jar_alg not in FAPI2_ALGORITHMS:
        raise _broken("PS256 or ES256 signatures", f"request_object_signing_alg={jar_alg!r}")
    id_alg = client.id_token_signed_response_alg
    if id_alg is not None and id_alg not in FAPI2_ALGORITHMS:
        raise _broken("PS256 or ES256 signatures", f"id_token_signed_response_alg={id_alg!r}")
    _pin_client_auth(client)


def _pin_client_auth(client: Client) -> None:
    spec = client.token_endpoint_auth_method
    name = ClientAuthMethods.name_of(spec)
    if name in TLS_METHODS:
        return
    if name != "private_key_jwt":
        raise _broken(
            "private_key_jwt or mutual TLS client authentication",
            f"token_endpoint_auth_method={name!r}",
        )
    if isinstance(spec, str):
        from .._core._jwt_auth import PrivateKeyJWT

        spec = PrivateKeyJWT(alg=_key_algorithm(client.client_secret), issuer_as_audience=True)
        client.token_endpoint_auth_method = spec
    alg = getattr(spec, "alg", None)
    if alg not in FAPI2_ALGORITHMS:
        raise _broken("PS256 or ES256 signatures", f"private_key_jwt signs with {alg}")
    if getattr(spec, "issuer_as_audience", True) is False:
        raise _broken(
            "the issuer as the client assertion's audience (§5.3.2.1)",
            "pass PrivateKeyJWT(..., issuer_as_audience=True)",
        )


def _key_algorithm(secret: Any) -> str:
    """PS256 for an RSA key, ES256 for a P-256 key; the JWK's own ``alg`` when it has one."""
    if isinstance(secret, dict) and secret.get("alg") in FAPI2_ALGORITHMS:
        return str(secret["alg"])
    from .._core._keys import import_private_key

    try:
        key, _ = import_private_key(secret)
    except (ValueError, TypeError) as exc:
        raise _broken("private_key_jwt with a PS256 or ES256 key", str(exc)) from None
    if key.key_type == "RSA":
        return "PS256"
    if key.key_type == "EC" and key.as_dict(private=False).get("crv") == "P-256":
        return "ES256"
    raise _broken("PS256 or ES256 signatures", f"a {key.key_type} client key cannot sign with them")
