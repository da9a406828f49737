"""Token responses that bend RFC 6749 §5.1/§5.2, made standard on plain dicts (no I/O).

Each fix takes the response body as a dict and returns the standard form, or None when
the body does not have the quirk (the response is then left exactly as it came). Which
provider sends which shape is recorded at each function, from the provider's own
documentation; :mod:`grantflow.compliance` says which provider gets which fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "TokenFix",
    "bearer_for_ebay_token_types",
    "bearer_for_slack_token_types",
    "error_from_douban_message",
    "error_from_first_of_errors",
    "error_from_graph_error_object",
    "error_from_instagram_error_type",
    "expires_in_from_expires",
    "no_expiry_for_expires_in_zero",
    "snake_case_field_names",
    "token_from_data_list",
    "token_from_withings_body",
]

#: ``fix(body) -> fixed body``, or None when ``body`` does not have the quirk.
TokenFix = Callable[[dict[str, Any]], "dict[str, Any] | None"]


def _has_error(data: Mapping[str, Any]) -> bool:
    return bool(data.get("error"))


def expires_in_from_expires(data: dict[str, Any]) -> dict[str, Any] | None:
    """``expires`` (the lifetime in seconds) renamed to ``expires_in``.

    Facebook's token endpoint answered ``access_token=...&expires=5183999`` (form pairs,
    labelled ``text/plain``) before Graph API v2.3.
    """
    if "expires" not in data or "expires_in" in data:
        return None
    fixed = dict(data)
    fixed["expires_in"] = fixed.pop("expires")
    return fixed


def error_from_graph_error_object(data: dict[str, Any]) -> dict[str, Any] | None:
    """A Graph API error object flattened to RFC 6749 §5.2 fields.

    Facebook (and graph.instagram.com) answer ``{"error": {"message": ..., "type":
    "OAuthException", "code": 100, "fbtrace_id": ...}}``: ``error`` is an object, not a
    code. Its ``type`` becomes ``error`` and its ``message`` ``error_description``.
    """
    error = data.get("error")
    if not isinstance(error, Mapping):
        return None
    fixed = {key: value for key, value in data.items() if key != "error"}
    fixed["error"] = str(error.get("type") or "OAuthException")
    message = error.get("message")
    if isinstance(message, str):
        fixed["error_description"] = message
    return fixed


def error_from_instagram_error_type(data: dict[str, Any]) -> dict[str, Any] | None:
    """Instagram's ``{"error_type", "code", "error_message"}`` as ``error`` and description.

    api.instagram.com answers a bad token request with ``{"error_type": "OAuthException",
    "code": 400, "error_message": "Matching code was not found or was already used"}``.
    """
    error_type = data.get("error_type")
    if _has_error(data) or not isinstance(error_type, str) or not error_type:
        return None
    fixed = {k: v for k, v in data.items() if k not in ("error_type", "error_message")}
    fixed["error"] = error_type
    message = data.get("error_message")
    if isinstance(message, str):
        fixed["error_description"] = message
    return fixed


def token_from_data_list(data: dict[str, Any]) -> dict[str, Any] | None:
    """The token inside ``{"data": [{"access_token": ...}]}``, lifted to the top level.

    The Instagram API with Instagram Login answers the code exchange with the token,
    ``user_id`` and ``permissions`` as the single element of a ``data`` list.
    """
    items = data.get("data")
    if "access_token" in data or not isinstance(items, list) or len(items) != 1:
        return None
    first = items[0]
    if not isinstance(first, Mapping) or "access_token" not in first:
        return None
    return dict(first)


def error_from_first_of_errors(data: dict[str, Any]) -> dict[str, Any] | None:
    """Fitbit's ``{"errors": [{"errorType", "message"}], "success": false}`` as one error.

    Fitbit's token endpoint reports failures as a list; the first entry's ``errorType``
    (``invalid_grant``, ``invalid_client``, ...) is the RFC 6749 §5.2 code.
    """
    errors = data.get("errors")
    if _has_error(data) or not isinstance(errors, list) or not errors:
        return None
    first = errors[0]
    if not isinstance(first, Mapping) or not isinstance(first.get("errorType"), str):
        return None
    fixed: dict[str, Any] = {"error": first["errorType"]}
    if isinstance(first.get("message"), str):
        fixed["error_description"] = first["message"]
    return fixed


def _is_zero(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return (isinstance(value, (int, float)) and value == 0) or value == "0"


def no_expiry_for_expires_in_zero(data: dict[str, Any]) -> dict[str, Any] | None:
    """``expires_in: 0`` (meaning "never") and ``scope: null`` left out.

    Mailchimp's tokens do not expire, yet its token response says ``"expires_in": 0``,
    which RFC 6749 reads as "expired at once"; it also sends ``"scope": null``.
    """
    zero = _is_zero(data.get("expires_in"))
    null_scope = "scope" in data and data["scope"] is None
    if not zero and not null_scope:
        return None
    fixed = dict(data)
    if zero:
        del fixed["expires_in"]
    if null_scope:
        del fixed["scope"]
    return fixed


_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_case_field_names(data: dict[str, Any]) -> dict[str, Any] | None:
    """``accessToken`` / ``tokenType`` / ``expiresIn`` / ``refreshToken`` in snake case.

    plentymarkets' REST login (``/rest/login``, ``/rest/login/refresh``) answers with
    camelCase field names; a field already in snake case wins over its camelCase twin.
    """
    if not any(isinstance(key, str) and _CAMEL_HUMP.search(key) for key in data):
        return None
    fixed: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(key, str) and _CAMEL_HUMP.search(key):
            fixed.setdefault(_CAMEL_HUMP.sub(r"_\1", key).lower(), value)
    fixed.update({k: v for k, v in data.items() if not _CAMEL_HUMP.search(str(k))})
    return fixed


_EBAY_TOKEN_TYPES = frozenset({"Application Access Token", "User Access Token"})


def bearer_for_ebay_token_types(data: dict[str, Any]) -> dict[str, Any] | None:
    """eBay's ``token_type`` of ``"Application Access Token"`` / ``"User Access Token"``.

    The tokens are bearer tokens (eBay's APIs take ``Authorization: Bearer``); the
    type names the kind of grant instead, which RFC 6749 §7.1 does not allow.
    """
    if data.get("token_type") not in _EBAY_TOKEN_TYPES:
        return None
    return {**data, "token_type": "Bearer"}


_SLACK_TOKEN_TYPES = frozenset({"bot", "user"})
_SLACK_USER_FIELDS = ("access_token", "token_type", "scope", "refresh_token", "expires_in")


def bearer_for_slack_token_types(data: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's ``token_type`` of ``"bot"`` / ``"user"``, and a user-only install's token.

    ``oauth.v2.access`` labels its bearer tokens by who they act for. An app that asked
    for user scopes only gets no top-level ``access_token``: the user's token is in
    ``authed_user``, from where it is lifted.
    """
    fixed = dict(data)
    user = data.get("authed_user")
    if not data.get("access_token") and isinstance(user, Mapping) and user.get("access_token"):
        fixed.update({key: user[key] for key in _SLACK_USER_FIELDS if key in user})
    kind = fixed.get("token_type")
    if isinstance(kind, str) and kind.lower() in _SLACK_TOKEN_TYPES:
        fixed["token_type"] = "Bearer"
    return fixed if fixed != data else None


def error_from_douban_message(data: dict[str, Any]) -> dict[str, Any] | None:
    """Douban's ``{"msg": ..., "code": ..., "request": ...}`` error body as an OAuth error.

    Douban reports failures with its own ``msg`` / ``code`` pair at every endpoint, the
    token endpoint included; ``msg`` is the error name.
    """
    message = data.get("msg")
    if _has_error(data) or "access_token" in data or not isinstance(message, str):
        return None
    fixed: dict[str, Any] = {"error": message}
    if data.get("code") is not None:
        fixed["error_description"] = f"douban error code {data['code']}"
    return fixed


def token_from_withings_body(data: dict[str, Any]) -> dict[str, Any] | None:
    """Withings' ``{"status": 0, "body": {...token...}}`` envelope, opened.

    Withings answers ``action=requesttoken`` with the token inside ``body`` and reports
    failures with a non-zero ``status`` (at HTTP 200) and a message in ``error``.
    """
    status = data.get("status")
    if "access_token" in data or isinstance(status, bool) or not isinstance(status, int):
        return None
    body = data.get("body")
    if status == 0 and isinstance(body, Mapping):
        return dict(body)
    fixed: dict[str, Any] = {"error": f"withings_status_{status}"}
    if isinstance(data.get("error"), str):
        fixed["error_description"] = data["error"]
    return fixed
