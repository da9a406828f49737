"""JWT-secured authorization responses (JARM): the callback's ``response`` JWT is
verified with the provider's keys before anything in it is checked or believed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .._core._metadata import signing_algs
from .._flows._drive import Flow
from ._oidc import id_token_rules, key_set_for

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["JWT_RESPONSE_MODES", "is_jwt_response_mode", "verified_jarm_params"]

#: JARM §2.3 (kept here too: ``_core._jarm`` loads JOSE code, which waits for first use).
JWT_RESPONSE_MODES = frozenset({"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"})


def is_jwt_response_mode(response_mode: object) -> bool:
    """Whether ``response_mode`` asks for a JWT-secured response (JARM §2.3)."""
    return response_mode in JWT_RESPONSE_MODES


def verified_jarm_params(client: Client, params: dict[str, str]) -> Flow[dict[str, str]]:
    """The parameters inside the callback's ``response`` JWT, once its signature (the
    provider's keys, re-fetched once for an unknown ``kid``), ``iss``, ``aud`` and
    ``exp`` passed (JARM §4.4); :class:`InvalidResponseError` names what failed."""
    from .._core._jarm import validate_jarm_response
    from .._core._jwks import unverified_header
    from ..errors import InvalidIDTokenError

    rules = yield from id_token_rules(client)
    token = params.get("response")
    header = None
    if isinstance(token, str):
        try:
            header = unverified_header(token)
        except InvalidIDTokenError:
            header = None  # reported by validate_jarm_response
    keys = yield from key_set_for(client, header)
    return validate_jarm_response(
        params,
        jwks=keys,
        issuer=rules.issuer,
        client_id=rules.client_id,
        now=time.time(),
        allowed_algs=signing_algs(
            client.metadata.get("authorization_signed_response_alg"),
            client.metadata.get("authorization_signing_alg_values_supported"),
            default=rules.allowed_algs,
        ),
        client_secret=rules.client_secret,
        leeway=rules.leeway,
    )
