"""The browser-facing pages besides authorization: the login form and logout.

The login form exists only with ``login_page=True``. Logout (OpenID Connect
RP-Initiated Logout 1.0 §2-3) signs the browser out at once and redirects (303) to the
registered ``post_logout_redirect_uri`` with ``state``; it does not show the
confirmation form that oidc-provider shows first.
"""

from __future__ import annotations

import hmac
from html import escape

from joserfc.jwk import Key, KeySet, OctKey

from ._authorize import complete_interaction, session_cookie
from ._config import Client
from ._context import INTERACTION_PATH, SESSION_COOKIE, Context
from ._http import Request, Response, html_page, oauth_error, redirect, with_query
from ._keys import ASYMMETRIC_ALGS, HMAC_ALGS, peek_claims, peek_header, verify_jwt

__all__ = ["end_session_endpoint", "interaction_endpoint"]


def interaction_endpoint(ctx: Context, request: Request) -> Response:
    """GET shows the login form; POST checks the user name and password (or aborts)."""
    uid = request.path[len(INTERACTION_PATH) :]
    interaction = ctx.store.find_interaction(uid)
    if interaction is None:
        raise oauth_error("invalid_request", "interaction session not found or expired")
    if request.method != "POST":
        hint = interaction.params.get("login_hint")
        return _login_form(uid, hint if hint and hint in ctx.users else ctx.default_user, "")
    sub: str | None = None
    if request.param("abort") is None:
        sub = request.param("login") or ""
        password = request.param("password") or ""
        user = ctx.users.get(sub)
        expected = str(user.get("password", "")) if user else ""
        if not user or not hmac.compare_digest(password.encode(), expected.encode()):
            return _login_form(uid, sub, "Invalid user name or password.")
    finished = ctx.store.finish_interaction(uid)
    if finished is None:
        raise oauth_error("invalid_request", "interaction session not found or expired")
    return complete_interaction(ctx, finished.params, sub)


def _login_form(uid: str, login: str, message: str) -> Response:
    notice = f"<p role='alert'>{escape(message)}</p>" if message else ""
    return html_page(
        "Sign in",
        "<h1>Sign in</h1><p>Development provider: for development and testing only.</p>"
        f"{notice}<form method='post' action='{escape(INTERACTION_PATH + uid)}'>"
        f"<label>User name <input name='login' value='{escape(login)}'></label> "
        "<label>Password <input type='password' name='password'></label> "
        "<button type='submit'>Sign in</button></form>"
        f"<form method='post' action='{escape(INTERACTION_PATH + uid)}'>"
        "<input type='hidden' name='abort' value='yes'><button type='submit'>Cancel</button>"
        "</form>",
    )


def end_session_endpoint(ctx: Context, request: Request) -> Response:
    """End the browser session and send it back to the client (303) with ``state``.

    ``post_logout_redirect_uri`` must be registered for the client named by the
    ``id_token_hint``'s audience or by ``client_id`` (RP-Initiated Logout §3).
    """
    params = request.params(source="query" if request.method == "GET" else "form")
    client = _hint_client(ctx, params.get("id_token_hint"))
    client_id = params.get("client_id")
    if client_id is not None:
        named = ctx.clients.get(client_id)
        if named is None:
            raise oauth_error("invalid_client", "client is invalid (not found)", 400)
        if client is not None and client.client_id != client_id:
            raise oauth_error("invalid_request", "client_id does not match the id_token_hint")
        client = named
    target = params.get("post_logout_redirect_uri")
    if target is not None:
        if client is None:
            raise oauth_error(
                "invalid_request",
                "post_logout_redirect_uri can only be used with id_token_hint or client_id",
            )
        if target not in client.post_logout_redirect_uris:
            raise oauth_error("invalid_request", "post_logout_redirect_uri not registered")
    ctx.store.end_session(request.cookies.get(SESSION_COOKIE))
    clear = (("Set-Cookie", session_cookie("", 0)),)
    if target is not None:
        return redirect(with_query(target, {"state": params.get("state")}), clear)
    page = html_page("Signed out", "<h1>Signed out</h1><p>You are signed out.</p>")
    return Response(page.status, (*page.headers, *clear), page.body)


def _hint_client(ctx: Context, hint: str | None) -> Client | None:
    """The client an ID token we issued was for; its expiry does not matter here."""
    if hint is None:
        return None
    try:
        claims = peek_claims(hint)
        alg = str(peek_header(hint).get("alg", ""))
    except ValueError:
        raise oauth_error("invalid_request", "could not decode id_token_hint") from None
    aud = claims.get("aud")
    client = ctx.clients.get(aud) if isinstance(aud, str) else None
    if client is None or claims.get("iss") != ctx.issuer:
        raise oauth_error("invalid_request", "id_token_hint was not issued to a known client")
    key: Key | KeySet
    if alg in HMAC_ALGS and client.client_secret:
        key = OctKey.import_key(client.client_secret)
    elif alg in ASYMMETRIC_ALGS:
        key = ctx.keys.keyset
    else:
        raise oauth_error("invalid_request", "could not validate id_token_hint")
    try:
        verify_jwt(hint, key, frozenset({alg}))
    except ValueError:
        raise oauth_error("invalid_request", "could not validate id_token_hint") from None
    return client
