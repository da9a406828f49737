"""The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._params import ParamValue, add_params_to_uri, flatten_params, scope_to_str

__all__ = ["LOGOUT_PARAMETERS", "build_logout_url"]

#: The parameters RP-Initiated Logout 1.0 §2 defines; ``extra`` may not repeat them.
LOGOUT_PARAMETERS = frozenset(
    {
        "id_token_hint",
        "logout_hint",
        "client_id",
        "post_logout_redirect_uri",
        "state",
        "ui_locales",
    }
)


def build_logout_url(
    end_session_endpoint: str,
    *,
    id_token_hint: str | None = None,
    client_id: str | None = None,
    post_logout_redirect_uri: str | None = None,
    state: str | None = None,
    ui_locales: str | Iterable[str] | None = None,
    logout_hint: str | None = None,
    extra: Mapping[str, ParamValue] | None = None,
) -> str:
    """The URL of ``end_session_endpoint`` that asks the provider to log the user out.

    RP-Initiated Logout 1.0 §2: parameters go in the query; the endpoint's own query is
    kept. ``ui_locales`` may be a list (joined with spaces). A redirect after logout is
    only honoured by most providers with ``id_token_hint`` or ``client_id`` beside
    ``post_logout_redirect_uri``; the caller (the session) passes them. ``extra`` holds
    extension parameters and must not repeat the ones named here (a ``ValueError``).
    """
    if not end_session_endpoint:
        raise ValueError("an end_session_endpoint is needed to build a logout URL")
    clashes = sorted(LOGOUT_PARAMETERS.intersection(extra or {}))
    if clashes:
        raise ValueError(f"pass {', '.join(clashes)} as keyword arguments, not in extra")
    params: dict[str, ParamValue] = {
        "id_token_hint": id_token_hint,
        "logout_hint": logout_hint,
        "client_id": client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
        "ui_locales": scope_to_str(ui_locales),
        **(extra or {}),
    }
    return add_params_to_uri(end_session_endpoint, flatten_params(params))
