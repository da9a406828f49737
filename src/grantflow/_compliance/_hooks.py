"""Build compliance hooks from the fixes, and register them on a session.

Everything here goes through a session's public registration methods
(``register_compliance_hook``, ``register_client_auth_method``), so the same fixes serve
``OAuth2Session``, ``AssertionSession`` and the httpx clients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl

from .._core._client_auth import client_secret_post
from .._core._params import add_params_to_body, add_params_to_uri
from ._body import read_object, replace_json
from ._fixes import TokenFix

__all__ = [
    "HookTarget",
    "add_token_request_params",
    "fix_token_responses",
    "send_client_secret_in_body",
    "token_as_parameter",
]

R = TypeVar("R")
RequestHook = Callable[[str, dict[str, str], str], tuple[str, dict[str, str], str]]

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


class HookTarget(Protocol):
    """What a fix needs from a session: its two public registration methods."""

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None: ...

    def register_client_auth_method(self, auth: Any) -> None: ...


def fix_token_responses(session: HookTarget, *fixes: TokenFix) -> None:
    """Apply ``fixes`` in order to every token and refresh response body the session reads."""

    def hook(response: R) -> R:
        data = read_object(response)
        if data is None:
            return response
        changed = False
        for fix in fixes:
            fixed = fix(data)
            if fixed is not None:
                data, changed = fixed, True
        return replace_json(response, data) if changed else response

    hook.__qualname__ = hook.__name__ = "fix_" + "_and_".join(f.__name__ for f in fixes)
    session.register_compliance_hook("access_token_response", hook)
    session.register_compliance_hook("refresh_token_response", hook)


def send_client_secret_in_body(session: HookTarget) -> None:
    """Send ``client_id`` / ``client_secret`` as form fields where HTTP Basic would go.

    For providers that read the credentials only from the body (RFC 6749 §2.3.1 lets a
    server support the body form, but also requires Basic, which these do not accept).
    ``client_secret_post`` is registered under the ``client_secret_basic`` name for this
    session alone, so the default method sends the body form; any other method chosen
    (JWT, mTLS, ``none``) is left as it is.
    """
    session.register_client_auth_method(("client_secret_basic", client_secret_post))


def add_token_request_params(session: HookTarget, params: Iterable[tuple[str, str]]) -> None:
    """Add form parameters the provider requires to every token and refresh request."""
    wanted = list(params)

    def hook(url: str, headers: dict[str, str], body: str) -> tuple[str, dict[str, str], str]:
        present = {name for name, _ in parse_qsl(body, keep_blank_values=True)}
        extra = [(name, value) for name, value in wanted if name not in present]
        return url, headers, add_params_to_body(body, extra)

    session.register_compliance_hook("access_token_request", hook)
    session.register_compliance_hook("refresh_token_request", hook)


def _header_name(headers: dict[str, str], wanted: str) -> str | None:
    return next((name for name in headers if name.lower() == wanted), None)


def _media_type(headers: dict[str, str]) -> str:
    name = _header_name(headers, "content-type")
    return headers[name].split(";", 1)[0].strip().lower() if name else ""


def token_as_parameter(
    session: HookTarget, name: str, *, in_form_body: bool, json_keeps_header: bool = False
) -> None:
    """Move the bearer token from the ``Authorization`` header to the parameter ``name``.

    With ``in_form_body`` a form-encoded body gets the parameter (a POST API that reads
    its parameters from the body); otherwise, and for any other body, it goes in the
    query. ``json_keeps_header`` leaves requests with a JSON body untouched, for a
    provider that takes JSON only with the header. A request without a bearer header
    (the token placed in the body or query by ``token_placement``) is left as it is.
    """

    def hook(url: str, headers: dict[str, str], body: str) -> tuple[str, dict[str, str], str]:
        header = _header_name(headers, "authorization")
        if header is None:
            return url, headers, body
        scheme, _, token = headers[header].partition(" ")
        media_type = _media_type(headers)
        if scheme.lower() != "bearer" or not token:
            return url, headers, body
        if json_keeps_header and media_type == _JSON:
            return url, headers, body
        rest = {key: value for key, value in headers.items() if key != header}
        if in_form_body and body and media_type == _FORM:
            return url, rest, add_params_to_body(body, [(name, token)])
        return add_params_to_uri(url, [(name, token)]), rest, body

    hook.__qualname__ = hook.__name__ = f"token_as_{name}_parameter"
    session.register_compliance_hook("protected_request", hook)
