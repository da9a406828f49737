"""Which constructor keywords a client accepts, and what a wrong one is told.

api.md §2: besides the named parameters, a keyword is a server metadata name (RFC 8414,
OpenID Discovery, the IANA OAuth metadata registry, or any ``*_endpoint``) or one of the
client's authorization defaults. Anything else used to be kept silently; a typo such as
``token_endpoint_auth_methods=`` then did nothing, so it is a ``TypeError`` now.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "AUTHORIZATION_DEFAULTS",
    "COMPAT_OPTIONS",
    "SENDER_CONSTRAINT_OPTIONS",
    "given",
    "split_client_options",
    "take_sender_constraint_options",
]

#: The client's own defaults for authorization requests and grants (never server metadata).
AUTHORIZATION_DEFAULTS = frozenset(
    {"grant_type", "response_type", "response_mode", "nonce", "prompt", "login_hint", "max_age"}
)

#: Metadata names that neither end in ``_endpoint`` nor ``_supported`` (RFC 8414 §2,
#: OpenID Discovery §3, RFC 8705 §5, RFC 9126 §5, the IANA registry), plus the client
#: registration values the session reads (OpenID Registration §2).
_METADATA_NAMES = frozenset(
    {
        "issuer",
        "jwks_uri",
        "server_metadata_url",
        "mtls_endpoint_aliases",
        "service_documentation",
        "op_policy_uri",
        "op_tos_uri",
        "signed_metadata",
        "check_session_iframe",
        "require_request_uri_registration",
        "require_pushed_authorization_requests",
        "require_signed_request_object",
        "tls_client_certificate_bound_access_tokens",
        "userinfo_signed_response_alg",
        "protected_resources",
    }
)

# -- api.md §12: DPoP, PAR, JAR, JARM and the FAPI 2.0 profile ------------------------------

#: The constructor options of api.md §12, kept on the client (``Client.features``).
SENDER_CONSTRAINT_OPTIONS = frozenset(
    {"dpop", "pushed_authorization", "request_object_signing_alg", "profile"}
)


#: Client registration values §12 reads, accepted like the metadata names below (JARM §3).
SENDER_CONSTRAINT_METADATA = frozenset({"authorization_signed_response_alg"})


def take_sender_constraint_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the api.md §12 options found in ``kwargs``."""
    return {name: kwargs.pop(name) for name in list(kwargs) if name in SENDER_CONSTRAINT_OPTIONS}


# -- end of api.md §12 ------------------------------------------------------------------------

#: The OAuth options of later sections (§11-§13) the client knows by name.
_FEATURE_OPTIONS: frozenset[str] = frozenset() | SENDER_CONSTRAINT_OPTIONS


# -- names from requests-oauthlib (and older clients), refused with their equivalent -------

#: A keyword another client took, and what does its job here.
_RENAMED_OPTIONS: dict[str, str] = {
    "token_updater": (
        "update_token= (called after every renewal as update_token(token, "
        "refresh_token=..., access_token=...))"
    ),
    "auto_refresh_url": (
        "token_endpoint= (or server_metadata_url= to discover it); a token that is due is "
        "then refreshed before the request"
    ),
    "auto_refresh_kwargs": (
        "the constructor's client_id and client_secret with token_endpoint_auth_method= "
        "(refreshes authenticate like every token request), or refresh_token(**kwargs) "
        "for extra form fields"
    ),
    "client": (
        "client_id= and client_secret= (no oauthlib client object: the grant follows from "
        "fetch_token's arguments, e.g. username=/password= or nothing for client credentials)"
    ),
}

#: Options of the ID token checks for providers that bend OpenID Connect (README).
COMPAT_OPTIONS = frozenset({"issuer_template", "allow_id_token_without_nonce"})


def _renamed_message(name: str) -> str | None:
    equivalent = _RENAMED_OPTIONS.get(name)
    if equivalent is None:
        return None
    return f"unexpected keyword argument {name!r}: grantflow's equivalent is {equivalent}"


# -- end of the requests-oauthlib block -----------------------------------------------------


def given(**named: Any) -> dict[str, Any]:
    """The named keywords a caller gave a value (not None), to pass on as ``**kwargs``.

    The drivers' typed keyword parameters default to None for "not given"; passed on
    only when set, they reach the client as the bare ``**kwargs`` did.
    """
    return {name: value for name, value in named.items() if value is not None}


def _is_metadata_name(name: str) -> bool:
    return (
        name in _METADATA_NAMES
        or name in SENDER_CONSTRAINT_METADATA
        or name.endswith(("_endpoint", "_supported"))
    )


def split_client_options(
    kwargs: Mapping[str, Any], known: Iterable[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(metadata, defaults)`` from constructor ``kwargs``; a TypeError for any other name.

    ``known`` lists the caller's other keyword names, offered as suggestions too.
    """
    metadata: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for name, value in kwargs.items():
        if name in AUTHORIZATION_DEFAULTS:
            defaults[name] = value
        elif _is_metadata_name(name):
            metadata[name] = value
        else:
            raise TypeError(_unknown_message(name, known))
    return metadata, defaults


def _unknown_message(name: str, known: Iterable[str]) -> str:
    renamed = _renamed_message(name)
    if renamed is not None:
        return renamed
    candidates = sorted(
        {
            *known,
            *AUTHORIZATION_DEFAULTS,
            *_METADATA_NAMES,
            *_FEATURE_OPTIONS,
            *COMPAT_OPTIONS,
            "authorization_endpoint",
            "token_endpoint",
            "revocation_endpoint",
            "introspection_endpoint",
            "userinfo_endpoint",
            "end_session_endpoint",
            "device_authorization_endpoint",
            "pushed_authorization_request_endpoint",
            "registration_endpoint",
            "id_token_signed_response_alg",
            "token_store",
            "retry_on_invalid_token",
            "token_retries",
        }
    )
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"unexpected keyword argument {name!r}: not a grantflow option nor a server "
        f"metadata name{hint}"
    )
