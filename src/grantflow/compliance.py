"""Fixes for providers whose token or resource APIs bend RFC 6749 (api.md §14).

One function per provider, ``name(session) -> session``: it registers the compliance
hooks (and, where the provider needs it, the client authentication) that make that
provider's answers standard, and returns the session::

    from grantflow import OAuth2Session
    from grantflow import compliance

    session = compliance.facebook(OAuth2Session("app-id", "app-secret", ...))
    session = compliance.fix(OAuth2Session(...), "fitbit")     # the same, by name

Only the public hook API is used, so a fix works on ``OAuth2Session``,
``AssertionSession`` and the ``grantflow.httpx`` clients alike (the response hooks
rewrite a ``requests.Response`` or an ``httpx.Response``). Applying a fix twice does no
harm. What grantflow already copes with needs no fix: ``expires_in`` as a string, any
case of ``bearer``, a missing ``token_type``, form-encoded token responses (GitHub's),
and ``{"error": ...}`` bodies at HTTP 200.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ._compliance._fixes import (
    bearer_for_ebay_token_types,
    bearer_for_slack_token_types,
    error_from_douban_message,
    error_from_first_of_errors,
    error_from_graph_error_object,
    error_from_instagram_error_type,
    expires_in_from_expires,
    no_expiry_for_expires_in_zero,
    snake_case_field_names,
    token_from_data_list,
    token_from_withings_body,
)
from ._compliance._hooks import (
    HookTarget,
    add_token_request_params,
    fix_token_responses,
    send_client_secret_in_body,
    token_as_parameter,
)
from ._core._params import add_params_to_uri as _add_params_to_uri

__all__ = [
    "PROVIDERS",
    "add_params_to_uri",
    "douban",
    "ebay",
    "facebook",
    "fitbit",
    "fix",
    "instagram",
    "linkedin",
    "mailchimp",
    "plentymarkets",
    "slack",
    "weibo",
    "withings",
]

S = TypeVar("S", bound=HookTarget)


def add_params_to_uri(uri: str, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """``uri`` with ``params`` (a dict or pairs) added to its query, for the hooks you write.

    The URL helper compliance hooks reach for (a ``protected_request`` hook that sends
    the token as a query parameter, say); the query the URI has is kept.

    Args:
        uri: The URL.
        params: The parameters to add, a dict or ``(name, value)`` pairs.

    Returns:
        The URL with the parameters form-encoded into its query.

    It raises nothing of its own: values are form-encoded as they are.
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    return _add_params_to_uri(uri, pairs)


def facebook(session: S) -> S:
    """Facebook Login: the lifetime named ``expires``, and errors as Graph error objects.

    Before Graph API v2.3 the token endpoint answered form pairs labelled ``text/plain``
    (``access_token=...&expires=5183999``): without the rename to ``expires_in`` the
    token has no expiry and is never renewed. Errors are Graph API error objects
    (``{"error": {"message": ..., "type": "OAuthException", "code": 100}}``); their
    ``type`` becomes the ``error`` code and ``message`` the description.

    Args:
        session: The session or client that talks to Facebook; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    fix_token_responses(session, expires_in_from_expires, error_from_graph_error_object)
    return session


def slack(session: S) -> S:
    """Slack: ``token_type`` "bot"/"user", a user-only token, and the token as ``token``.

    ``oauth.v2.access`` names its bearer tokens' type ``bot`` or ``user`` (refused as an
    unknown token type without this fix), and an install with user scopes only has its
    token in ``authed_user``. The Web API reads the token from a ``token`` parameter:
    legacy apps and tokens accept nothing else. On API calls the token moves from the
    ``Authorization`` header into ``token`` (the form body of a form POST, else the
    query string); a JSON body keeps the header, the only way Slack reads a token sent
    with JSON. Slack refuses query-string tokens from apps created after 24 February
    2021: such apps call methods with form POSTs when they use this fix.

    Args:
        session: The session or client that talks to Slack; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    fix_token_responses(session, bearer_for_slack_token_types)
    token_as_parameter(session, "token", in_form_body=True, json_keeps_header=True)
    return session


def instagram(session: S) -> S:
    """Instagram: credentials in the body, a ``data`` list, its own errors, token in the query.

    ``api.instagram.com/oauth/access_token`` reads ``client_id`` and ``client_secret``
    from the form body only. The Instagram API with Instagram Login answers the code
    exchange with ``{"data": [{"access_token": ..., "user_id": ..., "permissions":
    ...}]}``. Errors come as ``{"error_type", "code", "error_message"}`` or, from
    graph.instagram.com, as Graph error objects. API calls carry the token as the
    ``access_token`` query parameter.

    Args:
        session: The session or client that talks to Instagram; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    send_client_secret_in_body(session)
    errors = (error_from_instagram_error_type, error_from_graph_error_object)
    fix_token_responses(session, token_from_data_list, *errors)
    token_as_parameter(session, "access_token", in_form_body=False)
    return session


def fitbit(session: S) -> S:
    """Fitbit: errors as an ``errors`` list instead of an ``error`` code.

    The token endpoint answers failures with ``{"errors": [{"errorType": "invalid_grant",
    "message": ...}], "success": false}``; without this fix an expired refresh token is
    an ``InvalidResponseError`` instead of the ``OAuthError("invalid_grant")`` it is.

    Args:
        session: The session or client that talks to Fitbit; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    fix_token_responses(session, error_from_first_of_errors)
    return session


def mailchimp(session: S) -> S:
    """Mailchimp: ``expires_in: 0`` for tokens that never expire, and ``scope: null``.

    Mailchimp's access tokens do not expire (no refresh token is issued), yet the token
    response says ``"expires_in": 0``, which expires the token at once; the field is left
    out, so the token has no expiry. A ``null`` scope is left out too.

    Args:
        session: The session or client that talks to Mailchimp; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    fix_token_responses(session, no_expiry_for_expires_in_zero)
    return session


def weibo(session: S) -> S:
    """Weibo: credentials in the body and the token as the ``access_token`` parameter.

    ``oauth2/access_token`` lists ``client_id`` and ``client_secret`` as request
    parameters, and every API method takes the token as its ``access_token`` parameter
    (the form body of a form POST, else the query string); a Bearer header is not read.
    The token response's missing ``token_type`` and string ``expires_in`` need no fix.

    Args:
        session: The session or client that talks to Weibo; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    send_client_secret_in_body(session)
    token_as_parameter(session, "access_token", in_form_body=True)
    return session


def douban(session: S) -> S:
    """Douban: credentials in the body, and errors as ``{"msg", "code"}``.

    ``service/auth2/token`` lists ``client_id`` and ``client_secret`` as request
    parameters; failures are reported as ``{"msg": ..., "code": ..., "request": ...}``,
    whose ``msg`` becomes the ``error`` code. API calls take the usual Bearer header, and
    the token response's missing ``token_type`` needs no fix.

    Args:
        session: The session or client that talks to Douban; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    send_client_secret_in_body(session)
    fix_token_responses(session, error_from_douban_message)
    return session


def plentymarkets(session: S) -> S:
    """plentymarkets: camelCase field names in the REST login's token response.

    ``/rest/login`` and ``/rest/login/refresh`` answer ``accessToken``, ``tokenType``,
    ``expiresIn`` and ``refreshToken``; without this fix there is "no access_token".

    Args:
        session: The session or client that talks to plentymarkets; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    fix_token_responses(session, snake_case_field_names)
    return session


def ebay(session: S) -> S:
    """eBay: ``token_type`` "Application Access Token" / "User Access Token".

    The type names the grant rather than the token; the tokens are bearer tokens, and
    without this fix grantflow refuses to send a token of an unknown type.

    Args:
        session: The session or client that talks to eBay; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    fix_token_responses(session, bearer_for_ebay_token_types)
    return session


def linkedin(session: S) -> S:
    """LinkedIn: ``client_id`` and ``client_secret`` in the form body, never HTTP Basic.

    ``oauth/v2/accessToken`` (and the revocation and introspection endpoints) read the
    client credentials from the body only and answer Basic with ``invalid_request``
    ("A required parameter "client_secret" is missing"). Its token response's missing
    ``token_type`` needs no fix.

    Args:
        session: The session or client that talks to LinkedIn; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    send_client_secret_in_body(session)
    return session


def withings(session: S) -> S:
    """Withings: ``action=requesttoken``, a ``{"status", "body"}`` envelope, body credentials.

    ``v2/oauth2`` wants ``action=requesttoken`` and the client credentials in the form
    body of every token request, and answers ``{"status": 0, "body": {...token...}}``;
    a failure is a non-zero ``status`` (at HTTP 200) with a message in ``error``, which
    becomes ``OAuthError("withings_status_<status>")``.

    Args:
        session: The session or client that talks to Withings; it is returned.

    Raises nothing: the hooks are only registered, and run on later requests.
    """
    send_client_secret_in_body(session)
    add_token_request_params(session, [("action", "requesttoken")])
    fix_token_responses(session, token_from_withings_body)
    return session


_FIXES: dict[str, Callable[[Any], Any]] = {
    apply.__name__: apply
    for apply in (
        douban,
        ebay,
        facebook,
        fitbit,
        instagram,
        linkedin,
        mailchimp,
        plentymarkets,
        slack,
        weibo,
        withings,
    )
}

#: The providers :func:`fix` knows, sorted.
PROVIDERS: tuple[str, ...] = tuple(sorted(_FIXES))


def fix(session: S, name: str) -> S:
    """Apply the fix for provider ``name`` (case-insensitive) to ``session``; return it.

    Args:
        session: An ``OAuth2Session``, ``AssertionSession`` or ``grantflow.httpx`` client.
        name: One of ``PROVIDERS``.

    Returns:
        ``session``, with the provider's hooks registered.

    Raises:
        ValueError: ``name`` is unknown (the message lists the known ones).
        TypeError: ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"the provider name must be a string, not {type(name).__name__}")
    apply = _FIXES.get(name.strip().lower())
    if apply is None:
        raise ValueError(
            f"no compliance fix for provider {name!r}; known providers: {', '.join(PROVIDERS)}"
        )
    result: S = apply(session)
    return result
