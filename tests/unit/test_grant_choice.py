"""The grant a token request without ``grant_type`` means (api.md §2 ``fetch_token``)."""

from __future__ import annotations

from typing import Any

import pytest

from grantflow._core._grants import guess_grant

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.mark.parametrize(
    ("params", "code", "configured", "expected"),
    [
        ({}, "the-code", None, "authorization_code"),
        ({"username": "u", "password": "p"}, "the-code", None, "authorization_code"),
        ({"username": "u", "password": "p"}, None, "client_credentials", "password"),
        ({"username": "u"}, None, None, "client_credentials"),
        ({"password": "p"}, None, None, "client_credentials"),
        ({}, None, None, "client_credentials"),
        (
            {},
            None,
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:device_code",
        ),
        ({}, None, "", "client_credentials"),
    ],
)
def test_code_then_username_and_password_then_the_configured_grant(
    params: dict[str, Any], code: str | None, configured: object, expected: str
) -> None:
    assert guess_grant(params, code, configured) == expected
