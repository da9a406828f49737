"""The documented keywords are typed parameters that ``help()``, IDEs and type checkers see.

The constructors and ``fetch_token`` used to end in a bare ``**kwargs: Any``; each
documented option is now a named, annotated parameter, passed on to the client as the
keyword was before (unknown keywords still get the TypeError naming the closest).
"""

from __future__ import annotations

import inspect
import pydoc
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import grantflow
import grantflow.httpx
from grantflow import DPoPKey, MemoryTokenStore, OAuth2Session, OAuth2Token, RetryPolicy

if TYPE_CHECKING:
    from typing_extensions import assert_type

CONSTRUCTOR_KEYWORDS = (
    "server_metadata_url",
    "issuer",
    "token_endpoint",
    "authorization_endpoint",
    "grant_type",
    "token_store",
    "retry_on_invalid_token",
    "id_token_signed_response_alg",
    "dpop",
    "token_retries",
    "default_timeout",
)

FETCH_TOKEN_KEYWORDS = (
    "authorization_response",
    "code",
    "username",
    "password",
    "code_verifier",
    "nonce",
    "state",
)

DRIVERS: tuple[type[Any], ...] = (
    OAuth2Session,
    grantflow.httpx.OAuth2Client,
    grantflow.httpx.AsyncOAuth2Client,
)


def _assert_typed(function: Callable[..., Any], names: tuple[str, ...]) -> None:
    parameters = inspect.signature(function).parameters
    for name in names:
        assert name in parameters, f"{function.__qualname__} has no parameter {name}"
        parameter = parameters[name]
        assert parameter.kind in (
            inspect.Parameter.KEYWORD_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        assert parameter.annotation is not inspect.Parameter.empty, f"{name} is untyped"
        assert parameter.annotation not in ("Any", Any), f"{name} is typed Any"


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda driver: driver.__name__)
def test_constructor_keywords_are_typed_parameters(driver: type[Any]) -> None:
    _assert_typed(driver.__init__, CONSTRUCTOR_KEYWORDS)


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda driver: driver.__name__)
def test_fetch_token_forms_are_typed_parameters(driver: type[Any]) -> None:
    _assert_typed(driver.fetch_token, FETCH_TOKEN_KEYWORDS)


def test_help_of_the_session_shows_every_keyword_in_signatures_and_docstrings() -> None:
    text = pydoc.render_doc(OAuth2Session, renderer=pydoc.plaintext)  # type: ignore[attr-defined]  # pydoc's stub omits plaintext
    init = re.search(r"__init__\((.*?)\) ->", text)
    fetch = re.search(r"fetch_token\((.*?)\) ->", text)
    assert init is not None and fetch is not None
    for name in CONSTRUCTOR_KEYWORDS:
        assert f"{name}: " in init.group(1), f"{name} not in help()'s constructor signature"
    for name in FETCH_TOKEN_KEYWORDS:
        assert f"{name}: " in fetch.group(1), f"{name} not in help()'s fetch_token signature"
    # Each one is explained too, not only listed: an Args entry under its own name.
    class_doc = inspect.getdoc(OAuth2Session) or ""
    fetch_doc = inspect.getdoc(OAuth2Session.fetch_token) or ""
    for name in CONSTRUCTOR_KEYWORDS:
        assert re.search(rf"^\s+{name}: \S", class_doc, re.MULTILINE), name
        assert f"{name}: " in text
    for name in FETCH_TOKEN_KEYWORDS:
        assert re.search(rf"^\s+{name}: \S", fetch_doc, re.MULTILINE), name


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda driver: driver.__name__)
def test_typed_keywords_reach_the_client_as_before(driver: type[Any]) -> None:
    store = MemoryTokenStore()
    key = DPoPKey.generate()
    session = driver(
        "client",
        server_metadata_url="https://as.example/.well-known/openid-configuration",
        issuer="https://as.example",
        authorization_endpoint="https://as.example/authorize",
        token_endpoint="https://as.example/token",
        grant_type="urn:example:grant",
        token_store=store,
        retry_on_invalid_token=False,
        id_token_signed_response_alg="ES256",
        dpop=key,
        token_retries=0,
    )
    client = session._client
    assert client.explicit_metadata == {
        "server_metadata_url": "https://as.example/.well-known/openid-configuration",
        "issuer": "https://as.example",
        "authorization_endpoint": "https://as.example/authorize",
        "token_endpoint": "https://as.example/token",
    }
    assert client.defaults == {"grant_type": "urn:example:grant"}
    assert client.retry_on_invalid_token is False
    assert session.retry_on_invalid_token is False
    assert client.id_token_signed_response_alg == "ES256"
    assert client.dpop_key is key
    assert client.token_retries == RetryPolicy(retries=0)
    assert client.source._store is store


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda driver: driver.__name__)
def test_keywords_left_out_are_not_passed_on(driver: type[Any]) -> None:
    client = driver("client")._client
    assert client.explicit_metadata == {}
    assert client.defaults == {}
    assert client.dpop_key is None
    assert client.retry_on_invalid_token is True


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda driver: driver.__name__)
def test_an_unknown_keyword_still_names_the_closest(driver: type[Any]) -> None:
    with pytest.raises(TypeError, match="did you mean 'token_endpoint'"):
        driver("client", token_endpont="https://as.example/token")
    with pytest.raises(TypeError, match="did you mean 'retry_on_invalid_token'"):
        driver("client", retry_on_invalid_tokens=False)


async def _typed_async_calls(client: grantflow.httpx.AsyncOAuth2Client) -> None:
    """Checked by ``mypy tests`` (never run): the async client's shared methods keep their
    parameters for type checkers and IDEs, and their results are awaitables of the same
    types; a wrong keyword type or a wrong result type is a type error."""
    token = await client.fetch_token(authorization_response="https://app/cb?code=c", state="s")
    assert_type(token, OAuth2Token)
    assert_type(await client.refresh_token(refresh_token="r"), OAuth2Token)
    assert_type(
        await client.revoke_token(token="t", token_type_hint="access_token"), httpx.Response
    )
    assert_type(await client.ensure_active_token(), bool)
    assert_type(await client.userinfo(), dict[str, Any])
    assert_type(await client.exchange_token("t", actor_token="a"), OAuth2Token)
    # A code is a string: with the parameters hidden behind ``(...)`` this call would
    # type-check, the ignore below would be unused, and strict mypy would say so.
    await client.fetch_token(code=1)  # type: ignore[arg-type]


def test_the_async_clients_methods_show_the_shared_parameters_at_run_time_too() -> None:
    shared = inspect.signature(OAuth2Session.fetch_token).parameters
    seen = inspect.signature(grantflow.httpx.AsyncOAuth2Client.fetch_token).parameters
    assert list(seen) == list(shared)
