"""What twin public callables share is written once and still shown in full.

The three drivers have one typed constructor, ``revoke_token`` and ``introspect_token``
one typed parameter list, and twin classes one text for their shared Args; ``help()``,
``inspect`` and the docs tests see each of them whole.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest
from requests.structures import CaseInsensitiveDict

import grantflow
import grantflow.httpx
from grantflow import DPoPKey
from grantflow._client._client import Client
from grantflow._client._replay import goes_to_replay
from grantflow._client._twins import same_parameters, with_sections


def test_every_driver_has_the_one_typed_constructor() -> None:
    init = grantflow.OAuth2Session.__init__
    assert grantflow.httpx.OAuth2Client.__init__ is init
    assert grantflow.httpx.AsyncOAuth2Client.__init__ is init
    assert inspect.signature(init).parameters["dpop"].annotation == "bool | DPoPKey | None"


@pytest.mark.parametrize(
    "driver", [grantflow.OAuth2Session, grantflow.httpx.AsyncOAuth2Client], ids=repr
)
def test_revoke_and_introspect_show_one_typed_parameter_list(driver: type[Any]) -> None:
    revoke = inspect.signature(driver.revoke_token)
    assert inspect.signature(driver.introspect_token) == revoke
    names = ["self", "url", "token", "token_type_hint", "body", "auth", "headers", "kwargs"]
    assert list(revoke.parameters) == names
    assert revoke.parameters["token"].annotation == "str | None"


def test_same_parameters_binds_the_model_s_parameters() -> None:
    def model(url: str | None = None, token: str | None = None, **kwargs: Any) -> Any:
        return url, token, kwargs

    @same_parameters(model)
    def twin(*args: Any, **kwargs: Any) -> Any:
        return model(*args, **kwargs)

    assert inspect.signature(twin) == inspect.signature(model)
    assert twin("u", token="t", extra=1) == ("u", "t", {"extra": 1})


def test_shared_sections_are_appended_at_the_docstring_s_indentation() -> None:
    @with_sections("Args:\n    x: {what}.\n", what="The value")
    def documented(x: int) -> int:
        """Do it.

        At length.
        """
        return x

    assert inspect.getdoc(documented) == "Do it.\n\nAt length.\n\nArgs:\n    x: The value."


def _args(target: Any) -> str:
    return (inspect.getdoc(target) or "").split("Args:", 1)[1]


@pytest.mark.parametrize(
    ("one", "other", "words"),
    [
        (
            grantflow.httpx.OAuth2Client,
            grantflow.httpx.AsyncOAuth2Client,
            ("httpx.Client", "httpx.AsyncClient"),
        ),
        (
            grantflow.httpx.AssertionClient,
            grantflow.httpx.AsyncAssertionClient,
            ("OAuth2Client", "AsyncOAuth2Client"),
        ),
        (
            grantflow.OAuth2Auth,
            grantflow.httpx.OAuth2Auth,
            (":class:`OAuth2Session`", "``OAuth2Client`` or ``AsyncOAuth2Client``"),
        ),
    ],
    ids=["httpx clients", "assertion clients", "auths"],
)
def test_twin_classes_keep_their_own_summary_and_share_their_args(
    one: type[Any], other: type[Any], words: tuple[str, str]
) -> None:
    assert _args(one).replace(*words) == _args(other)
    assert (inspect.getdoc(one) or "").split("\n", 1)[0] != (inspect.getdoc(other) or "").split(
        "\n", 1
    )[0]


@pytest.mark.parametrize(
    ("status", "headers", "dpop", "expected"),
    [
        (401, {}, False, True),
        (200, {}, False, False),
        (200, {"DPoP-Nonce": "n"}, False, False),
        (200, {"DPoP-Nonce": "n"}, True, True),
        (403, {}, True, False),
    ],
)
def test_only_a_401_or_a_dpop_nonce_goes_to_the_replay_flow(
    status: int, headers: dict[str, str], dpop: bool, expected: bool
) -> None:
    client = Client("c", dpop=DPoPKey.generate() if dpop else None)
    # Response headers are a case-insensitive mapping in both transports.
    assert goes_to_replay(client, status, CaseInsensitiveDict(headers)) is expected
    assert goes_to_replay(client, status, httpx.Headers(headers)) is expected
