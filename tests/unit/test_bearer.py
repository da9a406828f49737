"""Putting a token on a request (RFC 6750 §2): the Authorization value and its refusals."""

from __future__ import annotations

import pytest

from grantflow import OAuth2Token
from grantflow._core._bearer import add_token, authorization_header
from grantflow.errors import InvalidTokenError, MissingTokenError, UnsupportedTokenTypeError


def token(access_token: object = "abc.DEF-ghi_~+/=", token_type: object = "Bearer") -> OAuth2Token:
    return OAuth2Token({"access_token": access_token, "token_type": token_type})


@pytest.mark.parametrize(
    ("token_type", "scheme"),
    [
        ("Bearer", "Bearer"),
        ("bearer", "Bearer"),
        ("BEARER", "Bearer"),
        ("bEaReR", "Bearer"),
        (None, "Bearer"),
        ("", "Bearer"),
        ("DPoP", "DPoP"),
        ("dpop", "DPoP"),
        ("DPOP", "DPoP"),
    ],
)
def test_the_scheme_follows_token_type_in_any_case(token_type: object, scheme: str) -> None:
    assert authorization_header(token(token_type=token_type)) == f"{scheme} abc.DEF-ghi_~+/="


@pytest.mark.parametrize("token_type", ["mac", "Basic", ["Bearer"], 7])
def test_an_unsupported_token_type_is_refused(token_type: object) -> None:
    with pytest.raises(UnsupportedTokenTypeError):
        authorization_header(token(token_type=token_type))


def _unsendable(c: str) -> bool:
    # b64token (RFC 6750 §2.1) never holds these; http.client would refuse them, or
    # fail to encode them (it writes header values as ISO-8859-1).
    return ord(c) <= 0x20 or ord(c) == 0x7F or ord(c) > 0xFF


@pytest.mark.parametrize("code", [*range(0x80), 0xA0, 0xE9, 0xFF, 0x100, 0x2028, 0xD800, 0x1F600])
def test_exactly_spaces_control_characters_and_non_latin_1_are_refused(code: int) -> None:
    c = chr(code)
    value = f"ab{c}cd"
    # A plain mapping: OAuth2Token itself refuses most of these when it is built.
    mapping = {"access_token": value, "token_type": "Bearer"}
    if _unsendable(c):
        with pytest.raises(InvalidTokenError) as raised:
            authorization_header(mapping)
        assert value not in str(raised.value)
    else:
        assert authorization_header(mapping) == f"Bearer {value}"


def test_a_non_string_access_token_is_sent_as_text() -> None:
    assert authorization_header(token(12345)) == "Bearer 12345"


def test_the_header_placement_adds_the_same_value_without_touching_the_rest() -> None:
    headers = {"Accept": "application/json"}
    url, new_headers, body = add_token(token(), "header", "https://api.example/x", headers, "a=1")

    assert (url, body) == ("https://api.example/x", "a=1")
    assert new_headers == {**headers, "Authorization": "Bearer abc.DEF-ghi_~+/="}
    assert headers == {"Accept": "application/json"}


@pytest.mark.parametrize("access_token", [None, ""], ids=["absent", "empty"])
@pytest.mark.parametrize("placement", ["header", "body", "uri"])
def test_a_token_without_an_access_token_is_a_missing_token_not_an_empty_bearer(
    access_token: object, placement: str
) -> None:
    mapping: dict[str, object] = {"token_type": "Bearer", "id_token": "header.claims.sig"}
    if access_token is not None:
        mapping["access_token"] = access_token
    with pytest.raises(MissingTokenError):
        add_token(mapping, placement, "https://api.example/x", {}, None)
    if placement == "header":
        with pytest.raises(MissingTokenError):
            authorization_header(mapping)
