"""Pushed authorization requests (RFC 9126) on the development provider.

``POST /request`` authenticates the client as the token endpoint does, checks the
authorization parameters as the authorization endpoint would, and answers 201 with a
``request_uri`` good for one use within :data:`PAR_TTL` seconds. A DPoP proof sent with
the push binds the code to its key, as ``dpop_jkt`` would (RFC 9449 §10.1).
"""

from __future__ import annotations

from ._authorize import check_client_and_redirect, check_params, requested_resources
from ._client_auth import authenticate_client
from ._context import Context
from ._dpop import DPoPError, needs_nonce, verify_proof
from ._http import Request, Response, json_response, oauth_error
from ._par_state import PushedRequest
from ._state import new_handle

__all__ = ["PAR_TTL", "REQUEST_URI_PREFIX", "pushed_authorization_endpoint"]

#: The certified provider's lifetime of a pushed request: 60 seconds.
PAR_TTL = 60
#: RFC 9126 §2.2: the ``request_uri`` is a URN of this form.
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
#: Client authentication parameters: not part of the authorization request itself.
_CLIENT_AUTH = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


def pushed_authorization_endpoint(ctx: Context, request: Request) -> Response:
    """RFC 9126 §2: check and store the request; answer its ``request_uri``."""
    if request.method != "POST":
        raise oauth_error("invalid_request", "the PAR endpoint only accepts POST", 405)
    url = ctx.endpoint("pushed_authorization_request_endpoint")
    client = authenticate_client(ctx, request, url)
    params = {k: v for k, v in request.params().items() if k not in _CLIENT_AUTH}
    if "request_uri" in params:
        # RFC 9126 §2.1: a pushed request cannot itself refer to another one.
        raise oauth_error("invalid_request", "'request_uri' must not be pushed")
    if params.get("client_id", client.client_id) != client.client_id:
        raise oauth_error("invalid_request", "'client_id' is not the authenticated client")
    params["client_id"] = client.client_id
    # RFC 9449 §10.1: a proof is optional here; when sent, it names the key to bind to.
    jkt = verify_proof(ctx, request, url, nonce=needs_nonce(client))
    if jkt is not None:
        if params.get("dpop_jkt", jkt) != jkt:
            raise DPoPError("invalid_dpop_proof", "'dpop_jkt' is not the proof's key")
        params["dpop_jkt"] = jkt
    client, _ = check_client_and_redirect(ctx, params)
    check_params(client, params)
    resources = requested_resources(request.form, params)
    now = ctx.store.now()
    pushed = PushedRequest(
        REQUEST_URI_PREFIX + new_handle(), client.client_id, params, resources, now + PAR_TTL
    )
    ctx.pushed.add(pushed, now)
    return json_response({"request_uri": pushed.request_uri, "expires_in": PAR_TTL}, 201)
