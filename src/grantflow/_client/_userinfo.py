"""UserInfo (OIDC Core §5.3) and RP-Initiated Logout: the OpenID calls made with a token
the client holds, after the ID token checks of ``_oidc``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._bearer import add_token
from .._core._http import HttpRequest
from .._core._logout import build_logout_url
from .._core._metadata import signing_algs
from .._flows._drive import Flow, Send
from ..errors import MissingTokenError
from ._dpop import is_dpop_token, proof_for, send_with_proof
from ._metadata import endpoint
from ._oidc import id_token_rules, key_set_for
from ._tokens import current_token

if TYPE_CHECKING:
    from .._core._userinfo import UserInfoRules
    from ._client import Client

__all__ = ["create_logout_url", "userinfo"]


def userinfo(client: Client, *, options: Mapping[str, Any] | None = None) -> Flow[dict[str, Any]]:
    """The UserInfo claims (OIDC Core §5.3): JSON or a signed JWT; ``sub`` must match."""
    from .._core._userinfo import parse_userinfo_response, userinfo_jwt_header

    url = yield from endpoint(client, "userinfo_endpoint")
    token = yield from current_token(client)
    if token is None:
        raise MissingTokenError(description="no access token to call UserInfo with")
    url, headers, _ = add_token(token, "header", url, {"Accept": "application/json"}, None)
    request = Send(HttpRequest("GET", url, headers), options=options)
    if is_dpop_token(token):
        # RFC 9449 §7.1: a DPoP token travels with a proof bound to it (ath).
        proof = proof_for(client, str(token.get("access_token")))
        if proof is None:
            from .._core._dpop import check_token_binding

            check_token_binding(token, None)  # refuses: no key to prove with
        request = Send(request.request, options=options, proof=proof)
    response = yield from send_with_proof(client, request, add_proof=False)
    claims = token.get("userinfo")
    expected_sub = claims.get("sub") if isinstance(claims, Mapping) else None
    jwks = yield from key_set_for(client, userinfo_jwt_header(response))
    rules = yield from _userinfo_rules(client)
    return parse_userinfo_response(response, expected_sub=expected_sub, jwks=jwks, rules=rules)


def _userinfo_rules(client: Client) -> Flow[UserInfoRules]:
    from .._core._userinfo import UserInfoRules

    base = yield from id_token_rules(client)
    registered = client.metadata.get("userinfo_signed_response_alg")
    return UserInfoRules(
        issuer=base.issuer,
        client_id=base.client_id,
        client_secret=base.client_secret,
        allowed_algs=signing_algs(
            registered,
            client.metadata.get("userinfo_signing_alg_values_supported"),
            default=base.allowed_algs,
        ),
        require_signed=bool(registered),
    )


def create_logout_url(
    client: Client,
    post_logout_redirect_uri: str | None = None,
    id_token_hint: str | None = None,
    state: str | None = None,
    **kwargs: Any,
) -> Flow[str]:
    """The RP-Initiated Logout URL (RP-Initiated Logout 1.0 §2)."""
    endpoint_url = yield from endpoint(client, "end_session_endpoint")
    token = client.source.token
    if id_token_hint is None and token is not None:
        id_token_hint = token.get("id_token")
    return build_logout_url(
        endpoint_url,
        id_token_hint=id_token_hint,
        client_id=kwargs.pop("client_id", client.client_id),
        post_logout_redirect_uri=post_logout_redirect_uri,
        state=state,
        ui_locales=kwargs.pop("ui_locales", None),
        logout_hint=kwargs.pop("logout_hint", None),
        extra=kwargs or None,
    )
