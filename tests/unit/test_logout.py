"""The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from grantflow._core._logout import build_logout_url

ENDPOINT = "https://op.example/session/end"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# (name, keyword arguments, expected query)
ROWS: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
    ("no_parameters", {}, {}),
    ("id_token_hint", {"id_token_hint": "eyJ.hint.sig"}, {"id_token_hint": ["eyJ.hint.sig"]}),
    (
        "redirect_with_client_id_and_state",
        {
            "client_id": "c1",
            "post_logout_redirect_uri": "https://app.example/bye?x=1",
            "state": "s1",
        },
        {
            "client_id": ["c1"],
            "post_logout_redirect_uri": ["https://app.example/bye?x=1"],
            "state": ["s1"],
        },
    ),
    ("ui_locales_string", {"ui_locales": "fr-CA fr"}, {"ui_locales": ["fr-CA fr"]}),
    (
        "ui_locales_list_keeps_order",
        {"ui_locales": ["fr-CA", "fr", "en"]},
        {"ui_locales": ["fr-CA fr en"]},
    ),
    ("logout_hint", {"logout_hint": "jane@example.com"}, {"logout_hint": ["jane@example.com"]}),
    (
        "extra_parameters",
        {"extra": {"prompt": "none", "tags": ["a", "b"], "skip": None}},
        {"prompt": ["none"], "tags": ["a", "b"]},
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_logout_url_carries_exactly_the_given_parameters(
    kwargs: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    url = build_logout_url(ENDPOINT, **kwargs)
    assert url.split("?", 1)[0] == ENDPOINT
    assert query(url) == expected


def test_the_endpoints_own_query_is_kept() -> None:
    url = build_logout_url("https://op.example/logout?tenant=t1", state="s1")
    assert urlsplit(url).path == "/logout"
    assert query(url) == {"tenant": ["t1"], "state": ["s1"]}


def test_values_are_percent_encoded() -> None:
    url = build_logout_url(ENDPOINT, post_logout_redirect_uri="https://app.example/a b&c=d#f")
    assert "#" not in url
    assert query(url)["post_logout_redirect_uri"] == ["https://app.example/a b&c=d#f"]


def test_extra_may_not_repeat_a_named_parameter() -> None:
    with pytest.raises(ValueError, match="state"):
        build_logout_url(ENDPOINT, extra={"state": "other"})


def test_an_empty_endpoint_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="end_session_endpoint"):
        build_logout_url("")
