"""The authorization endpoint (RFC 6749 §3.1, OpenID Connect Core §3.1.2).

Login and consent resolve themselves: ``login_hint`` picks a known user, else the
default user is signed in, and every request is consented to, so a client that follows
the 303 redirect lands on its redirect URI with ``code``, ``state`` and ``iss``
(RFC 9207). ``login_hint=deny`` answers ``access_denied`` instead. With
``login_page=True`` a small HTML form asks for the user name and password.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from .._core._https import is_loopback_host
from ..errors import OAuthError
from ._config import ACR_VALUES, CODE_TTL, OIDC_SCOPES, RESOURCE_SERVERS, SESSION_TTL, Client
from ._context import INTERACTION_PATH, SESSION_COOKIE, Context
from ._http import Request, Response, html_page, oauth_error, redirect, with_query
from ._state import AuthCode, Authorization, Interaction, Session, new_handle

__all__ = [
    "authorization_endpoint",
    "check_client_and_redirect",
    "check_params",
    "complete_interaction",
    "requested_resources",
    "session_cookie",
]

_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_PROMPTS = frozenset({"none", "login", "consent", "select_account"})
_MODES = frozenset({"query", "fragment", "form_post"})
INTERACTION_TTL = 600


@dataclass(frozen=True, slots=True)
class _Target:
    """Where and how the authorization response goes (known once the client is checked)."""

    redirect_uri: str
    mode: str
    state: str | None


def authorization_endpoint(ctx: Context, request: Request) -> Response:
    """Validate the request, sign the user in, and redirect back with a code.

    Errors found before the redirect URI is trusted are a 400 JSON page; after that
    they go back to the client with ``state`` and ``iss`` (RFC 6749 §4.1.2.1).
    """
    params = request.params(source="query" if request.method == "GET" else "form")
    pushed = None
    if "request_uri" in params:
        # RFC 9126 §4: the pushed parameters, used once, replace the ones in the URL.
        pushed = ctx.pushed.take(params["request_uri"], params.get("client_id"), ctx.store.now())
        if pushed is None:
            raise oauth_error(
                "invalid_request_uri", "request_uri is invalid, expired or already used"
            )
        params = dict(pushed.params)
    client, target = check_client_and_redirect(ctx, params)
    try:
        check_params(client, params)
        if pushed is None and client.metadata.get("require_pushed_authorization_requests"):
            # RFC 9126 §6: this client's requests must come through the PAR endpoint.
            raise oauth_error("invalid_request", "Pushed Authorization Request must be used")
        source = request.query if request.method == "GET" else request.form
        resources = pushed.resources if pushed else requested_resources(source, params)
        return _authorize(ctx, request, client, params, target, resources)
    except OAuthError as exc:
        return _deliver(ctx, target, _error_params(exc))


def check_client_and_redirect(ctx: Context, params: Mapping[str, str]) -> tuple[Client, _Target]:
    client_id = params.get("client_id")
    if not client_id:
        raise oauth_error("invalid_request", "missing required parameter 'client_id'")
    client = ctx.clients.get(client_id)
    if client is None:
        raise oauth_error("invalid_client", "client is invalid (not found)", 400)
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise oauth_error("invalid_request", "missing required parameter 'redirect_uri'")
    if not _redirect_uri_registered(client, redirect_uri):
        raise oauth_error(
            "invalid_redirect_uri",
            "redirect_uri did not match any of the client's registered redirect_uris",
        )
    mode = params.get("response_mode") or "query"
    return client, _Target(redirect_uri, mode if mode in _MODES else "query", params.get("state"))


def _redirect_uri_registered(client: Client, given: str) -> bool:
    """Exact match (RFC 6749 §3.1.2.3), or any port on a native app's loopback IP URI.

    RFC 8252 §7.3: the port of a loopback IP redirect is chosen by the app at run time.
    """
    if given in client.redirect_uris:
        return True
    if client.application_type != "native":
        return False
    asked = urlsplit(given)
    if asked.scheme != "http" or asked.hostname is None:
        return False
    # RFC 8252 §7.3: any port for a loopback IP literal ("localhost" is not one, §8.3).
    if asked.hostname == "localhost" or not is_loopback_host(asked.hostname):
        return False
    for registered in client.redirect_uris:
        known = urlsplit(registered)
        if (known.scheme, known.hostname, known.path, known.query) == (
            asked.scheme,
            asked.hostname,
            asked.path,
            asked.query,
        ):
            return True
    return False


def check_params(client: Client, params: Mapping[str, str]) -> None:
    """The request's parameters, in the order oidc-provider checks them."""
    if params.get("response_mode", "query") not in _MODES:
        raise oauth_error("invalid_request", "unsupported response_mode")
    if "request" in params:
        raise oauth_error("request_not_supported", "request objects are not supported")
    if "request_uri" in params:
        raise oauth_error("request_uri_not_supported", "request_uri is not supported")
    response_type = params.get("response_type")
    if not response_type:
        raise oauth_error("invalid_request", "missing required parameter 'response_type'")
    if response_type != "code":
        raise oauth_error("unsupported_response_type", "only response_type=code is supported")
    if "code" not in client.response_types:
        raise oauth_error("unauthorized_client", "response_type not allowed for this client")
    _validate_pkce(client, params)
    prompts = set(params.get("prompt", "").split())
    if not prompts <= _PROMPTS or ("none" in prompts and len(prompts) > 1):
        raise oauth_error("invalid_request", "invalid prompt value")
    max_age = params.get("max_age")
    if max_age is not None and not max_age.isdigit():
        raise oauth_error("invalid_request", "invalid max_age parameter value")
    if "claims" in params:
        _claims_request(params)
    if params.get("login_hint") == "deny":
        raise oauth_error("access_denied", "End-User denied the request (login_hint=deny)")


def _validate_pkce(client: Client, params: Mapping[str, str]) -> None:
    """RFC 7636 §4.3, S256 only; PKCE is mandatory for public clients (RFC 9700 §2.1.1)."""
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise oauth_error("invalid_request", "code_challenge_method without code_challenge")
        if client.is_public:
            raise oauth_error(
                "invalid_request",
                "Authorization Server policy requires PKCE to be used for this request",
            )
        return
    if method != "S256":
        raise oauth_error("invalid_request", "not supported value of code_challenge_method")
    if not _CHALLENGE.match(challenge):
        raise oauth_error("invalid_request", "code_challenge must be 43-128 characters")


def _claims_request(params: Mapping[str, str]) -> dict[str, Any]:
    """The ``claims`` parameter (OpenID Connect Core §5.5): which claims go where."""
    try:
        parsed = json.loads(params.get("claims") or "{}")
    except ValueError:
        raise oauth_error("invalid_request", "could not parse the claims parameter JSON") from None
    if not isinstance(parsed, dict) or any(
        not isinstance(parsed.get(k, {}), dict) for k in ("id_token", "userinfo")
    ):
        raise oauth_error("invalid_request", "claims parameter should be a JSON object")
    return {k: dict(parsed.get(k) or {}) for k in ("id_token", "userinfo")}


def requested_resources(
    source: Mapping[str, tuple[str, ...]], params: Mapping[str, str]
) -> tuple[str, ...]:
    """The request's RFC 8707 ``resource`` values; an unknown one is ``invalid_target``."""
    values = tuple(source.get("resource", ()))
    for value in values:
        if value not in RESOURCE_SERVERS:
            raise oauth_error("invalid_target", "resource indicator is missing, or unknown")
    return values


def _authorize(
    ctx: Context,
    request: Request,
    client: Client,
    params: Mapping[str, str],
    target: _Target,
    resources: tuple[str, ...],
) -> Response:
    session = ctx.store.find_session(request.cookies.get(SESSION_COOKIE))
    prompts = set(params.get("prompt", "").split())
    hint = params.get("login_hint")
    max_age = int(params["max_age"]) if "max_age" in params else None
    too_old = (
        session is not None
        and max_age is not None
        and ctx.store.now() - session.auth_time > max_age
    )
    if "none" in prompts:
        if session is None or too_old:
            raise oauth_error("login_required", "End-User authentication is required")
        if client.client_id not in session.clients:
            raise oauth_error("consent_required", "End-User consent is required")
        return _issue_code(ctx, client, params, target, resources, session)
    needs_login = (
        session is None
        or too_old
        or "login" in prompts
        or (hint in ctx.users and hint != session.sub)
    )
    if needs_login and ctx.login_page:
        uid = new_handle()
        stored = {**params, "resource": " ".join(resources)}
        ctx.store.add_interaction(Interaction(uid, stored, ctx.store.now() + INTERACTION_TTL))
        return redirect(ctx.issuer + INTERACTION_PATH + uid)
    if needs_login or session is None:
        sub = hint if hint is not None and hint in ctx.users else ctx.default_user
        session = _login(ctx, sub, session)
    return _issue_code(ctx, client, params, target, resources, session)


def complete_interaction(ctx: Context, params: Mapping[str, str], sub: str | None) -> Response:
    """Finish a parked request: sign ``sub`` in and issue the code, or deny if None.

    The parameters were validated when the request was parked; only the client and the
    redirect URI are looked up again, in case they were changed since.
    """
    client, target = check_client_and_redirect(ctx, params)
    if sub is None:
        denied = oauth_error("access_denied", "End-User aborted interaction")
        return _deliver(ctx, target, _error_params(denied))
    resources = tuple(params.get("resource", "").split())
    return _issue_code(ctx, client, params, target, resources, _login(ctx, sub, None))


def _login(ctx: Context, sub: str, previous: Session | None) -> Session:
    if previous is not None:
        ctx.store.end_session(previous.sid)
    now = ctx.store.now()
    session = Session(new_handle(), sub, now, now + SESSION_TTL)
    ctx.store.add_session(session)
    return session


def _issue_code(
    ctx: Context,
    client: Client,
    params: Mapping[str, str],
    target: _Target,
    resources: tuple[str, ...],
    session: Session,
) -> Response:
    consented = Session(
        session.sid,
        session.sub,
        session.auth_time,
        session.expires_at,
        session.clients | {client.client_id},
    )
    ctx.store.add_session(consented)
    known = OIDC_SCOPES | {s for r in resources for s in RESOURCE_SERVERS[r].scopes}
    acr_values = params.get("acr_values", "").split()
    claims = _claims_request(params)
    grant = Authorization(
        client_id=client.client_id,
        sub=session.sub,
        scope=tuple(s for s in dict.fromkeys(params.get("scope", "").split()) if s in known),
        auth_time=session.auth_time,
        grant_id=new_handle(),
        nonce=params.get("nonce"),
        acr=next((a for a in acr_values if a in ACR_VALUES), acr_values[0] if acr_values else None),
        claims=claims,
        resources=resources,
        include_auth_time="max_age" in params or "auth_time" in claims["id_token"],
    )
    code = new_handle()
    expires_at = ctx.store.now() + CODE_TTL
    ctx.store.add_code(
        AuthCode(
            code,
            grant,
            target.redirect_uri,
            params.get("code_challenge"),
            expires_at,
            dpop_jkt=params.get("dpop_jkt"),
        )
    )
    response = _deliver(ctx, target, {"code": code})
    cookie = session_cookie(consented.sid, SESSION_TTL)
    return Response(response.status, (*response.headers, ("Set-Cookie", cookie)), response.body)


def session_cookie(sid: str, max_age: int) -> str:
    """The ``Set-Cookie`` value of the browser session (``max_age=0`` deletes it)."""
    return f"{SESSION_COOKIE}={sid}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"


def _error_params(exc: OAuthError) -> dict[str, str]:
    out = {"error": exc.error}
    if exc.description:
        out["error_description"] = exc.description
    return out


def _deliver(ctx: Context, target: _Target, params: Mapping[str, str]) -> Response:
    """The authorization response, with ``state`` and ``iss`` (RFC 9207 §2)."""
    full = {**params, "state": target.state, "iss": ctx.issuer}
    if target.mode == "form_post":
        return _form_post(target.redirect_uri, full)
    if target.mode == "fragment":
        clean = {k: v for k, v in full.items() if v is not None}
        return redirect(f"{target.redirect_uri}#{urlencode(clean)}")
    return redirect(with_query(target.redirect_uri, full))


def _form_post(action: str, params: Mapping[str, str | None]) -> Response:
    """OAuth 2.0 Form Post Response Mode: a self-submitting form to the redirect URI."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if v is not None
    )
    return html_page(
        "Submitting",
        f'<form method="post" action="{html.escape(action)}">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        "<script>document.forms[0].submit()</script>",
    )
