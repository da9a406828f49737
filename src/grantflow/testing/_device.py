"""The device authorization grant (RFC 8628) on the development provider.

``POST /device/auth`` hands out a device code and a user code; ``/device`` is where
the user goes: ``GET`` shows the code with Approve and Deny buttons, and a ``POST``
with ``user_code`` and ``action=approve`` (or ``deny``, optionally ``user=``) decides
it, so a test approves a device with one plain HTTP request (or with
:meth:`DevProvider.approve_device`). The token endpoint answers a device code with
``authorization_pending``, ``slow_down`` (polled sooner than the interval, RFC
8628 §3.5), ``access_denied``, ``expired_token`` or,
once approved, the tokens.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from ._client_auth import authenticate_client
from ._config import OIDC_SCOPES, Client
from ._context import Context
from ._device_state import DeviceRequest
from ._http import Request, Response, html_page, json_response, oauth_error
from ._state import Authorization, new_handle
from ._tokens import issue_tokens

__all__ = [
    "DEVICE_CODE_GRANT",
    "DEVICE_CODE_TTL",
    "device_authorization_endpoint",
    "device_code_grant",
    "device_page",
]

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: The certified provider's device code lifetime: 10 minutes.
DEVICE_CODE_TTL = 600
DEVICE_PAGE = "/device"
# RFC 8628 §6.1: a short code from an alphabet without vowels or look-alikes.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


def _user_code() -> str:
    return "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))


def shown(user_code: str) -> str:
    """The user code as people read it: two groups of four."""
    return f"{user_code[:4]}-{user_code[4:]}"


def device_authorization_endpoint(ctx: Context, request: Request) -> Response:
    """RFC 8628 §3.1-3.2: a device code for a client allowed the device grant."""
    if request.method != "POST":
        raise oauth_error("invalid_request", "the device endpoint only accepts POST", 405)
    client = authenticate_client(ctx, request, ctx.endpoint("device_authorization_endpoint"))
    if DEVICE_CODE_GRANT not in client.grant_types:
        raise oauth_error("unauthorized_client", "the client may not use the device grant")
    scope = tuple(dict.fromkeys((request.param("scope") or "").split()))
    now = ctx.store.now()
    found = DeviceRequest(
        device_code=new_handle(),
        user_code=_user_code(),
        client_id=client.client_id,
        scope=tuple(s for s in scope if s in OIDC_SCOPES),
        expires_at=now + DEVICE_CODE_TTL,
        interval=ctx.device_interval,
    )
    ctx.devices.add(found)
    page = ctx.issuer + DEVICE_PAGE
    return json_response(
        {
            "device_code": found.device_code,
            "user_code": shown(found.user_code),
            "verification_uri": page,
            "verification_uri_complete": f"{page}?user_code={shown(found.user_code)}",
            "expires_in": DEVICE_CODE_TTL,
            "interval": found.interval,
        }
    )


def device_page(ctx: Context, request: Request) -> Response:
    """Where the user enters the code: GET shows it; POST approves or denies it."""
    if request.method != "POST":
        code = request.param("user_code", source="query") or ""
        return html_page(
            "Device sign-in",
            f"<form method='post'><p>Code: <input name='user_code' value='{escape(code)}'></p>"
            "<button name='action' value='approve'>Approve</button> "
            "<button name='action' value='deny'>Deny</button></form>",
        )
    user_code = request.param("user_code") or ""
    action = request.param("action")
    if action not in ("approve", "deny"):
        raise oauth_error("invalid_request", "action must be approve or deny")
    sub = (request.param("user") or ctx.default_user) if action == "approve" else None
    if sub is not None and sub not in ctx.users:
        raise oauth_error("invalid_request", "unknown user")
    ctx.devices.decide(user_code, sub, ctx.store.now())
    verdict = "approved" if sub else "denied"
    return html_page("Device sign-in", f"<p>The device was {verdict}.</p>")


def device_code_grant(ctx: Context, client: Client, request: Request) -> dict[str, Any]:
    """RFC 8628 §3.4-3.5: the tokens once the user approved, else the poll's error."""
    device_code = request.param("device_code")
    if not device_code:
        raise oauth_error("invalid_request", "missing required parameter 'device_code'")
    found = ctx.devices.poll(device_code, client.client_id, ctx.store.now())
    grant = Authorization(
        client_id=client.client_id,
        sub=str(found.sub),
        scope=found.scope,
        auth_time=ctx.store.now(),
        grant_id=new_handle(),
    )
    refresh = "refresh_token" in client.grant_types
    return issue_tokens(ctx, client, grant, resource=None, refresh=refresh, jkt=request.dpop_jkt)
