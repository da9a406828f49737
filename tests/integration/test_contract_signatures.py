"""Every public signature, compared with the one api.md writes down.

api.md lists each callable as ``name(a, b=None, **kwargs)``. The listed parameters must
be there in that order, with those names and defaults, so that positional and keyword
calls written against api.md run unchanged. Parameters api.md does not list may follow
(keyword-only, or positional after the listed ones); a parameter api.md gives without a
default may have one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import grantflow
from grantflow import (
    AssertionSession,
    ClientSecretJWT,
    OAuth2Auth,
    OAuth2Session,
    OAuth2Token,
    PrivateKeyJWT,
)

_NO_DEFAULT = inspect.Parameter.empty
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _documented(spec: str) -> inspect.Signature:
    """The signature api.md writes as ``spec`` (the text between the parentheses)."""
    namespace: dict[str, Any] = {}
    exec(f"def f({spec}): pass", namespace)  # noqa: S102 - a fixed literal from this file
    return inspect.signature(namespace["f"])


def _actual(func: Callable[..., Any]) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())
    if params and params[0].name in {"self", "cls"}:
        params = params[1:]
    return params


def _check(func: Callable[..., Any], spec: str) -> None:
    documented = list(_documented(spec).parameters.values())
    actual = _actual(func)
    positional = [p for p in actual if p.kind in _POSITIONAL]
    listed = [p for p in documented if p.kind in _POSITIONAL]
    names = [p.name for p in positional[: len(listed)]]
    assert names == [p.name for p in listed], f"{func.__qualname__}: {names}"
    for want, have in zip(listed, positional, strict=False):
        if want.default is not _NO_DEFAULT:
            assert have.default == want.default, f"{func.__qualname__}({want.name}=)"
            assert type(have.default) is type(want.default), f"{func.__qualname__}({want.name}=)"
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in documented):
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in actual), func.__qualname__
    # Anything api.md does not list must not be required.
    for extra in positional[len(listed) :]:
        assert extra.default is not _NO_DEFAULT, f"{func.__qualname__}: {extra.name} required"
    for extra in actual:
        if extra.kind is inspect.Parameter.KEYWORD_ONLY:
            assert extra.default is not _NO_DEFAULT, f"{func.__qualname__}: {extra.name} required"


SESSION_INIT = (
    "client_id=None, client_secret=None, token_endpoint_auth_method=None, "
    "revocation_endpoint_auth_method=None, scope=None, state=None, redirect_uri=None, "
    'token=None, token_placement="header", update_token=None, leeway=60, '
    'default_timeout=None, code_challenge_method="S256", **kwargs'
)

SIGNATURES: list[tuple[str, Callable[..., Any], str]] = [
    ("OAuth2Session", OAuth2Session.__init__, SESSION_INIT),
    (
        "create_authorization_url",
        OAuth2Session.create_authorization_url,
        "url=None, state=None, code_verifier=None, nonce=None, **kwargs",
    ),
    (
        "fetch_token",
        OAuth2Session.fetch_token,
        'url=None, body="", method="POST", headers=None, auth=None, grant_type=None, '
        "state=None, **kwargs",
    ),
    (
        "token_from_fragment",
        OAuth2Session.token_from_fragment,
        "authorization_response, state=None",
    ),
    (
        "refresh_token",
        OAuth2Session.refresh_token,
        'url=None, refresh_token=None, body="", auth=None, headers=None, **kwargs',
    ),
    ("ensure_active_token", OAuth2Session.ensure_active_token, "token=None"),
    (
        "revoke_token",
        OAuth2Session.revoke_token,
        "url=None, token=None, token_type_hint=None, body=None, auth=None, headers=None, **kwargs",
    ),
    (
        "introspect_token",
        OAuth2Session.introspect_token,
        "url=None, token=None, token_type_hint=None, body=None, auth=None, headers=None, **kwargs",
    ),
    ("register_compliance_hook", OAuth2Session.register_compliance_hook, "hook_type, hook"),
    ("register_client_auth_method", OAuth2Session.register_client_auth_method, "auth"),
    ("request", OAuth2Session.request, "method, url, withhold_token=False, auth=None, **kwargs"),
    ("authorization_request", OAuth2Session.authorization_request, "state"),
    ("load_server_metadata", OAuth2Session.load_server_metadata, "force=False"),
    ("fetch_jwk_set", OAuth2Session.fetch_jwk_set, "force=False"),
    ("parse_id_token", OAuth2Session.parse_id_token, "token, nonce=None, leeway=None"),
    ("userinfo", OAuth2Session.userinfo, "**kwargs"),
    (
        "create_logout_url",
        OAuth2Session.create_logout_url,
        "post_logout_redirect_uri=None, id_token_hint=None, state=None, **kwargs",
    ),
    ("close", OAuth2Session.close, ""),
    ("OAuth2Auth", OAuth2Auth.__init__, 'token, token_placement="header", client=None'),
    ("is_expired", OAuth2Token.is_expired, "leeway=60"),
    (
        "ClientSecretJWT",
        ClientSecretJWT.__init__,
        "token_endpoint=None, claims=None, headers=None, alg=None",
    ),
    (
        "PrivateKeyJWT",
        PrivateKeyJWT.__init__,
        "token_endpoint=None, claims=None, headers=None, alg=None",
    ),
    ("ClientSecretJWT.sign", ClientSecretJWT.sign, "client, token_endpoint"),
    ("PrivateKeyJWT.sign", PrivateKeyJWT.sign, "client, token_endpoint"),
    (
        "AssertionSession",
        AssertionSession.__init__,
        "token_endpoint, issuer, subject, audience=None, grant_type=None, claims=None, "
        'token_placement="header", scope=None, default_timeout=None, leeway=60, key=None, '
        "alg=None, header=None, client_id=None, **kwargs",
    ),
    (
        "from_service_account_file",
        AssertionSession.from_service_account_file,
        "path, scope=None, subject=None",
    ),
    (
        "from_service_account_info",
        AssertionSession.from_service_account_info,
        "info, scope=None, subject=None",
    ),
]


@pytest.mark.parametrize(
    ("func", "spec"), [(f, s) for _, f, s in SIGNATURES], ids=[n for n, _, _ in SIGNATURES]
)
def test_signature_matches_api_md(func: Callable[..., Any], spec: str) -> None:
    _check(func, spec)


def test_from_dict_parameter_is_named_d() -> None:
    _check(OAuth2Token.from_dict, "d")
    assert OAuth2Token.from_dict(d={"access_token": "a"})["access_token"] == "a"


def test_from_dict_takes_one_positional_dict() -> None:
    token = OAuth2Token.from_dict({"access_token": "a", "expires_in": 10})
    assert isinstance(token, OAuth2Token)
    assert isinstance(token["expires_at"], int)


def test_fetch_access_token_takes_fetch_tokens_arguments() -> None:
    # Bound to an unreachable, unconfigured session: only the binding of arguments matters.
    bound = inspect.signature(OAuth2Session.fetch_access_token).bind(
        OAuth2Session(), "https://as.example/token", "", "POST", None, None, "password", None
    )
    assert bound.arguments


def test_session_has_token_token_auth_and_metadata() -> None:
    with OAuth2Session("c", token={"access_token": "a", "token_type": "Bearer"}) as s:
        assert isinstance(s.token, OAuth2Token)
        assert isinstance(s.token_auth, OAuth2Auth)
        assert s.token_auth.token == s.token
        assert isinstance(s.metadata, dict)
        s.token = {"access_token": "b", "token_type": "Bearer", "expires_in": 5}
        assert isinstance(s.token, OAuth2Token)
        assert isinstance(s.token["expires_at"], int)


def test_assertion_session_names_the_jwt_bearer_grant_type() -> None:
    assert AssertionSession.JWT_BEARER_GRANT_TYPE == "urn:ietf:params:oauth:grant-type:jwt-bearer"


def test_every_section_1_name_imports_from_the_top_level() -> None:
    namespace: dict[str, Any] = {}
    exec(  # noqa: S102 - the two import lines of api.md §1, verbatim
        "from grantflow import OAuth2Session, OAuth2Auth, AssertionSession\n"
        "from grantflow import ClientSecretJWT, PrivateKeyJWT\n",
        namespace,
    )
    assert namespace["OAuth2Session"] is grantflow.OAuth2Session
    assert namespace["PrivateKeyJWT"] is grantflow.PrivateKeyJWT
