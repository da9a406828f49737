"""``OAuth2Token``: expiry on an injected clock, copy semantics, a repr with no secrets."""

from __future__ import annotations

import copy
import pickle
import warnings
from typing import Any

import pytest

from grantflow import OAuth2Token

NOW = 1_700_000_000

SECRETS = {
    "access_token": "AT-secret-value-1",
    "refresh_token": "RT-secret-value-2",
    "id_token": "eyJhbGciOi.secret-id-token.sig3",
}


# (name, token response, expected expires_at)
EXPIRY_ROWS: list[tuple[str, dict[str, Any], int | None]] = [
    ("int_expires_in", {"expires_in": 3600}, NOW + 3600),
    ("zero_expires_in", {"expires_in": 0}, NOW),
    ("float_expires_in_is_truncated", {"expires_in": 59.9}, NOW + 59),
    ("numeric_string_expires_in", {"expires_in": "3600"}, NOW + 3600),
    ("numeric_string_with_spaces", {"expires_in": " 120 "}, NOW + 120),
    ("expires_at_given_wins", {"expires_in": 3600, "expires_at": NOW + 5}, NOW + 5),
    ("expires_at_as_float_becomes_int", {"expires_at": NOW + 10.7}, NOW + 10),
    ("expires_at_as_numeric_string", {"expires_at": str(NOW + 9)}, NOW + 9),
    ("no_expiry_information", {}, None),
]


@pytest.mark.parametrize(
    ("response", "expected"), [r[1:] for r in EXPIRY_ROWS], ids=[r[0] for r in EXPIRY_ROWS]
)
def test_expires_at_is_computed_from_expires_in_on_the_injected_clock(
    response: dict[str, Any], expected: int | None
) -> None:
    token = OAuth2Token({"access_token": "a", **response}, now=NOW)
    assert token.get("expires_at") == expected
    if expected is not None:
        assert type(token["expires_at"]) is int


GARBAGE_EXPIRES_IN = ["soon", "", "1h", "NaN", "inf", "3600s", True, [3600], {"s": 1}]


@pytest.mark.parametrize("value", GARBAGE_EXPIRES_IN, ids=repr)
def test_unusable_expires_in_means_no_expiry_with_a_warning_that_shows_no_token(
    value: object,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = OAuth2Token({**SECRETS, "expires_in": value}, now=NOW)
    assert "expires_at" not in token
    assert token.is_expired(now=NOW) is None
    assert caught, "an unusable expires_in must warn"
    for warning in caught:
        text = str(warning.message)
        for secret in SECRETS.values():
            assert secret not in text


def test_expires_in_none_is_absent_without_fuss() -> None:
    token = OAuth2Token({"access_token": "a", "expires_in": None}, now=NOW)
    assert token.get("expires_at") is None
    assert token.is_expired(now=NOW) is None


def test_building_a_token_does_not_modify_the_callers_dict() -> None:
    original = {"access_token": "a", "expires_in": 3600, "token_type": "Bearer"}
    snapshot = copy.deepcopy(original)
    token = OAuth2Token(original, now=NOW)
    assert original == snapshot
    assert "expires_at" in token
    token["extra"] = 1
    assert "extra" not in original


def test_from_dict_does_not_modify_the_callers_dict_either() -> None:
    original = {"access_token": "a", "expires_in": "60"}
    snapshot = dict(original)
    token = OAuth2Token.from_dict(original)
    assert isinstance(token, OAuth2Token)
    assert original == snapshot
    assert token["access_token"] == "a"
    assert isinstance(token["expires_at"], int)


def test_token_is_a_dict_of_the_response() -> None:
    token = OAuth2Token({"access_token": "a", "scope": "x y", "custom": [1]}, now=NOW)
    assert isinstance(token, dict)
    assert token["scope"] == "x y"
    assert token["custom"] == [1]


# (name, seconds until expiry, leeway, expected)
EXPIRED_ROWS: list[tuple[str, int, int | None, bool]] = [
    ("far_future_default_leeway", 3600, None, False),
    ("inside_default_leeway_of_60", 30, None, True),
    ("just_outside_default_leeway", 61, None, False),
    ("inside_custom_leeway", 300, 600, True),
    ("outside_small_leeway", 30, 10, False),
    ("zero_leeway_still_valid", 1, 0, False),
    ("already_past", -1, 0, True),
    ("long_past_default_leeway", -3600, None, True),
]


@pytest.mark.parametrize(
    ("remaining", "leeway", "expected"),
    [r[1:] for r in EXPIRED_ROWS],
    ids=[r[0] for r in EXPIRED_ROWS],
)
def test_is_expired_counts_the_leeway_before_expires_at(
    remaining: int, leeway: int | None, expected: bool
) -> None:
    token = OAuth2Token({"access_token": "a", "expires_at": NOW + remaining})
    result = token.is_expired(now=NOW) if leeway is None else token.is_expired(leeway, now=NOW)
    assert result is expected


def test_is_expired_is_none_without_expiry_information() -> None:
    assert OAuth2Token({"access_token": "a"}).is_expired() is None


def test_is_expired_uses_the_real_clock_by_default() -> None:
    # 1970 and year 2500 are unambiguous whatever the machine's clock says.
    assert OAuth2Token({"access_token": "a", "expires_at": 100}).is_expired() is True
    assert OAuth2Token({"access_token": "a", "expires_at": 16_725_225_600}).is_expired() is False


def test_leeway_is_a_positional_parameter_named_leeway() -> None:
    token = OAuth2Token({"access_token": "a", "expires_at": 16_725_225_600})
    assert token.is_expired(leeway=60) is False
    assert token.is_expired(60) is False


@pytest.mark.parametrize("render", [repr, str], ids=["repr", "str"])
def test_repr_hides_access_refresh_and_id_token(render: Any) -> None:
    token = OAuth2Token({**SECRETS, "token_type": "Bearer", "scope": "read"}, now=NOW)
    text = render(token)
    for secret in SECRETS.values():
        assert secret not in text
    assert "Bearer" in text
    assert "read" in text


def test_repr_of_a_token_inside_a_container_hides_secrets() -> None:
    token = OAuth2Token(SECRETS)
    text = repr([token]) + repr({"t": token}) + f"{token!s}"
    for secret in SECRETS.values():
        assert secret not in text


def test_copy_is_an_oauth2_token_with_the_same_values() -> None:
    token = OAuth2Token({"access_token": "a", "expires_in": 10}, now=NOW)
    duplicate = token.copy()
    assert isinstance(duplicate, OAuth2Token)
    assert duplicate == token
    assert duplicate is not token


def test_token_survives_pickle_and_json_round_trip() -> None:
    import json

    token = OAuth2Token({"access_token": "a", "expires_in": 10}, now=NOW)
    assert pickle.loads(pickle.dumps(token)) == token  # noqa: S301
    assert OAuth2Token(json.loads(json.dumps(token))) == token


def test_equal_tokens_compare_equal_to_plain_dicts() -> None:
    token = OAuth2Token({"access_token": "a", "expires_at": NOW})
    assert token == {"access_token": "a", "expires_at": NOW}


@pytest.mark.parametrize("value", [-1, "-5", -0.5, " -3600 ", -(10**20)], ids=repr)
def test_a_negative_expires_in_means_already_expired_with_a_warning_that_shows_no_token(
    value: object,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = OAuth2Token({**SECRETS, "expires_in": value}, now=NOW)
    assert token["expires_at"] == NOW
    assert token.is_expired(now=NOW) is True
    assert token.is_expired(0, now=NOW) is True
    assert [str(w.message) for w in caught] == [
        "a negative expires_in means the token is already expired"
    ]


def test_an_expires_in_of_zero_is_expired_on_arrival_whatever_the_leeway() -> None:
    token = OAuth2Token({"access_token": "a", "expires_in": 0}, now=NOW)
    assert token.is_expired(0, now=NOW) is True
    assert token.is_expired(60, now=NOW) is True


# (name, expires_in, leeway, seconds after arrival, expected)
LEEWAY_CAP_ROWS: list[tuple[str, object, int, int, bool]] = [
    ("60s_token_is_not_due_on_arrival", 60, 60, 0, False),
    ("60s_token_is_not_due_before_half_its_life", 60, 60, 29, False),
    ("60s_token_is_due_at_half_its_life", 60, 60, 30, True),
    ("30s_token_with_a_long_leeway", 30, 600, 14, False),
    ("30s_token_with_a_long_leeway_due", 30, 600, 15, True),
    ("string_expires_in_is_read_too", "60", 60, 29, False),
    ("long_token_keeps_the_full_leeway", 3600, 60, 3540, True),
    ("long_token_before_the_leeway", 3600, 60, 3539, False),
    ("small_leeway_is_not_raised", 60, 10, 49, False),
    ("small_leeway_due", 60, 10, 50, True),
    ("past_expiry_is_expired", 60, 60, 61, True),
]


@pytest.mark.parametrize(
    ("expires_in", "leeway", "elapsed", "expected"),
    [r[1:] for r in LEEWAY_CAP_ROWS],
    ids=[r[0] for r in LEEWAY_CAP_ROWS],
)
def test_the_leeway_is_capped_at_half_the_tokens_lifetime(
    expires_in: object, leeway: int, elapsed: int, expected: bool
) -> None:
    token = OAuth2Token({"access_token": "a", "expires_in": expires_in}, now=NOW)
    assert token.is_expired(leeway, now=NOW + elapsed) is expected


def test_without_expires_in_the_leeway_applies_in_full() -> None:
    token = OAuth2Token({"access_token": "a", "expires_at": NOW + 60})
    assert token.is_expired(60, now=NOW) is True
    # An unusable expires_in kept beside expires_at does not cap it either.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = OAuth2Token({"access_token": "a", "expires_at": NOW + 60, "expires_in": "soon"})
    assert token.is_expired(60, now=NOW) is True


def test_checking_expiry_never_warns_even_for_an_unusable_expires_in() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = OAuth2Token({"access_token": "a", "expires_at": NOW + 5, "expires_in": "x"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert token.is_expired(now=NOW) is True


def test_the_expiry_warning_points_at_the_code_that_built_the_token() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        OAuth2Token({"access_token": "a", "expires_in": "soon"}, now=NOW)
    assert caught[0].filename == __file__
