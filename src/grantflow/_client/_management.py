"""Token revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._grants import build_form_request
from .._core._http import HttpRequest, HttpResponse
from .._core._responses import parse_json_object
from .._flows._drive import Flow, Send
from ..errors import InvalidResponseError, MissingTokenError
from ._call import TokenCall
from ._dpop import send_with_proof
from ._metadata import endpoint

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["introspect_token", "revoke_token"]


def _token_param(client: Client, token: str | None, hint: str | None) -> tuple[str, str | None]:
    """api.md §9: ``token=None`` means the client's access token (or the hinted one)."""
    if token is not None:
        return token, hint
    current: Mapping[str, Any] = client.source.token or {}
    field = hint if hint in ("access_token", "refresh_token") else "access_token"
    value = current.get(field)
    if not value:
        raise MissingTokenError(description=f"the session has no {field} to send")
    return str(value), hint or "access_token"


def _token_request(
    client: Client, endpoint_name: str, call: TokenCall, form: dict[str, Any]
) -> Flow[HttpRequest]:
    """The form POST both endpoints take: ``token``, ``token_type_hint`` and extras."""
    endpoint_url = call.url or (yield from endpoint(client, endpoint_name))
    value, hint = _token_param(client, form.pop("token", None), form.pop("token_type_hint", None))
    return build_form_request(
        endpoint_url,
        {"token": value, "token_type_hint": hint, **form},
        body=call.body,
        headers=call.headers,
    )


def revoke_token(client: Client, call: TokenCall | None = None, **form: Any) -> Flow[HttpResponse]:
    """Revoke a token (RFC 7009); the session's access token when ``token`` is None."""
    call = call or TokenCall()
    client_auth = client.client_auth(call.auth, client.revocation_endpoint_auth_method)
    request = yield from _token_request(client, "revocation_endpoint", call, form)
    # RFC 9449 §5: revocation and introspection are token-endpoint-like requests of the
    # client; with a key they carry a proof (and answer a nonce challenge once).
    send = Send(request, "revoke_token", client_auth, call.options)
    response = yield from send_with_proof(client, send)
    # RFC 7009 §2.2: a 200 says the token is revoked and its body may be ignored, so an
    # empty one is success; but a body that is not a JSON object (a login page at the
    # wrong URL) or carries "error" is reported at 200 as at any status (api.md §8, §9).
    if response.status_code != 200 or response.body.strip():
        parse_json_object(response, "revocation endpoint")
    return response


def introspect_token(
    client: Client, call: TokenCall | None = None, **form: Any
) -> Flow[HttpResponse]:
    """Ask whether a token is active (RFC 7662); the answer's JSON has ``active``."""
    call = call or TokenCall()
    request = yield from _token_request(client, "introspection_endpoint", call, form)
    send = Send(request, "introspect_token", client.client_auth(call.auth), call.options)
    response = yield from send_with_proof(client, send)
    data = parse_json_object(response, "introspection endpoint")
    if not isinstance(data.get("active"), bool):
        raise InvalidResponseError(
            description="the introspection response has no boolean 'active' (RFC 7662 §2.2)",
            status_code=response.status_code,
        )
    return response
