"""Properties of token responses (RFC 6749 §5): any body a token endpoint sends ends in a
token that can be sent and timed, or an OAuthError."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from grantflow import OAuth2Token
from grantflow._core._http import HttpResponse
from grantflow._core._token import MAX_EPOCH
from grantflow._core._token_response import parse_token_response
from grantflow.errors import OAuthError

from ._properties import (
    bodies,
    content_types,
    huge_ints,
    json_values,
    numbers,
    objects_with,
    outcome,
    statuses,
    tricky_text,
)

NOW = 1_700_000_000
TOKEN_MEMBERS = [
    "access_token",
    "token_type",
    "expires_in",
    "expires_at",
    "refresh_token",
    "scope",
    "id_token",
    "error",
    "error_description",
    "error_uri",
]
_VSCHAR = re.compile(r"[\x20-\x7e]+")

plausible_tokens = st.fixed_dictionaries(
    {"access_token": st.one_of(tricky_text, st.text("abcXYZ019-._~+/", min_size=1, max_size=30))},
    optional={
        "token_type": st.one_of(st.sampled_from(["Bearer", "bearer", "DPoP", "mac"]), json_values),
        "expires_in": st.one_of(numbers, tricky_text, huge_ints.map(str)),
        "expires_at": st.one_of(numbers, tricky_text),
        "refresh_token": json_values,
        "error": json_values,
    },
)


def _check_token(token: OAuth2Token) -> None:
    access_token = token["access_token"]
    assert isinstance(access_token, str) and _VSCHAR.fullmatch(access_token)
    expires_at = token.get("expires_at")
    assert expires_at is None or (type(expires_at) is int and abs(expires_at) <= 2 * MAX_EPOCH)
    assert "'access_token': '***'" in repr(token)
    for leeway in (0, 60, 10**6):
        assert token.is_expired(leeway, now=NOW) in (None, True, False)
    json.dumps(token)


@given(
    status=statuses,
    content_type=content_types,
    body=bodies(st.one_of(objects_with(TOKEN_MEMBERS), plausible_tokens)),
    previous=st.one_of(st.none(), tricky_text),
)
def test_any_token_endpoint_answer_is_a_sendable_token_or_an_oauth_error(
    status: int, content_type: str | None, body: bytes, previous: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = outcome(
            parse_token_response,
            HttpResponse(status, headers, body),
            previous_refresh_token=previous,
            now=NOW,
        )
    if isinstance(result, OAuthError):
        assert result.status_code == status
    else:
        assert 200 <= status < 300
        _check_token(result)


@given(token=st.one_of(plausible_tokens, objects_with(TOKEN_MEMBERS)), leeway=st.integers())
def test_any_token_dict_builds_a_token_whose_expiry_can_be_checked(
    token: dict[str, Any], leeway: int
) -> None:
    before = json.dumps(token, sort_keys=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        built = outcome(OAuth2Token, token, now=NOW)
    assert json.dumps(token, sort_keys=True) == before  # the caller's dict is untouched
    if isinstance(built, OAuth2Token):
        assert built.is_expired(leeway, now=NOW) in (None, True, False)
        assert "'access_token': '***'" in repr(built) or "access_token" not in built
