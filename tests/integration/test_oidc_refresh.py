"""Refreshed ID tokens (OIDC Core §12.2) and what the session keeps about the user.

A refresh response's ID token must describe the same authentication: same ``iss``,
``sub``, ``aud`` (and ``auth_time``), a ``nonce`` only if it is the original one. A
refresh that fails these rules leaves the session's token as it was.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from grantflow import InvalidResponseError, OAuth2Session, OAuth2Token

from ._mock_op import (
    CLIENT_ID,
    OMIT,
    SUBJECT,
    MockOP,
    Recorded,
    Reply,
    code_flow,
    json_reply,
    op_fixture,  # noqa: F401
    rejected,
    rp_session,
    rsa_key,
)


def _refreshes_with(op: MockOP, with_id_token: bool = True, **claims: Any) -> None:
    """Script the token endpoint's refresh answer (a new ID token with ``claims``)."""

    def answer(recorded: Recorded) -> Reply:
        assert recorded.form["grant_type"] == "refresh_token"
        response = op.token_response(**claims)
        if not with_id_token:
            del response["id_token"]
        return json_reply(response)

    op.token_reply = answer


def _signed_in(op: MockOP) -> tuple[OAuth2Session, OAuth2Token]:
    session = rp_session(op)
    return session, code_flow(session, op)


def test_refreshed_id_token_of_the_same_authentication_is_accepted(op: MockOP) -> None:
    session, first = _signed_in(op)
    _refreshes_with(op, email="alice@example.com")
    refreshed = session.refresh_token()
    assert refreshed["userinfo"]["sub"] == SUBJECT
    assert refreshed["userinfo"]["email"] == "alice@example.com"
    assert refreshed["access_token"] != first["access_token"]
    assert session.token is not None
    assert session.token["userinfo"] == refreshed["userinfo"]


@pytest.mark.parametrize(
    ("claims", "claim"),
    [
        pytest.param({"sub": "mallory-0666"}, "sub", id="sub"),
        pytest.param({"iss": "https://evil.example"}, "iss", id="iss"),
        pytest.param({"nonce": "a-nonce-never-sent-0123456789"}, "nonce", id="nonce"),
        pytest.param({"auth_time": 1_000_000_000}, "auth_time", id="auth_time"),
        pytest.param({"exp": 1_000_000_000}, "exp", id="exp"),
    ],
)
def test_refreshed_id_token_breaking_section_12_2_keeps_the_old_token(
    op: MockOP, claims: dict[str, Any], claim: str
) -> None:
    session, first = _signed_in(op)
    _refreshes_with(op, **claims)
    with rejected(claim):
        session.refresh_token()
    assert session.token is not None
    assert session.token["access_token"] == first["access_token"]
    assert session.token["userinfo"] == first["userinfo"]


def test_refreshed_id_token_with_other_audiences_is_rejected(op: MockOP) -> None:
    op.token_claims = {"aud": [CLIENT_ID, "https://api.example"], "azp": CLIENT_ID}
    session, first = _signed_in(op)
    _refreshes_with(op, aud=CLIENT_ID)
    with rejected("aud"):
        session.refresh_token()
    assert session.token is not None
    assert session.token["access_token"] == first["access_token"]


def test_refreshed_id_token_may_omit_the_nonce(op: MockOP) -> None:
    session = _signed_in(op)[0]
    _refreshes_with(op, nonce=OMIT, email="alice@example.com")
    refreshed = session.refresh_token()
    assert refreshed["userinfo"]["sub"] == SUBJECT
    assert refreshed["userinfo"]["email"] == "alice@example.com"


def test_refreshed_id_token_may_repeat_the_original_nonce(op: MockOP) -> None:
    session, first = _signed_in(op)
    nonce = first["userinfo"]["nonce"]
    _refreshes_with(op, nonce=nonce)
    assert session.refresh_token()["userinfo"]["nonce"] == nonce


def test_original_nonce_is_accepted_after_a_refresh_that_omitted_it(op: MockOP) -> None:
    session, first = _signed_in(op)
    nonce = first["userinfo"]["nonce"]
    _refreshes_with(op, nonce=OMIT)
    session.refresh_token()
    _refreshes_with(op, nonce=nonce)
    assert session.refresh_token()["userinfo"]["nonce"] == nonce


def test_refreshed_id_token_signed_with_a_rotated_key_is_accepted(op: MockOP) -> None:
    session = _signed_in(op)[0]
    op.signing_key = rsa_key("rsa-2")
    op.jwks_keys = [rsa_key("rsa-2")]
    _refreshes_with(op)
    assert session.refresh_token()["userinfo"]["sub"] == SUBJECT
    assert op.count("/jwks") == 2


def test_automatic_refresh_with_a_foreign_id_token_raises_and_keeps_the_token(
    op: MockOP,
) -> None:
    session, first = _signed_in(op)
    session.token = {**first, "expires_at": int(time.time()) - 10}
    _refreshes_with(op, sub="mallory-0666")
    op.replies["/resource"] = json_reply({"ok": True})
    with rejected("sub"):
        session.get(op.url("/resource"))
    assert "/resource" not in op.paths()
    assert session.token is not None
    assert session.token["access_token"] == first["access_token"]


def test_userinfo_sub_is_still_checked_after_a_refresh_without_an_id_token(
    op: MockOP,
) -> None:
    session = _signed_in(op)[0]
    _refreshes_with(op, with_id_token=False)
    session.refresh_token()
    op.userinfo_reply = json_reply({"sub": "mallory-0666"})
    with pytest.raises(InvalidResponseError):
        session.userinfo()


def test_section_12_2_still_applies_after_a_refresh_without_an_id_token(op: MockOP) -> None:
    session = _signed_in(op)[0]
    _refreshes_with(op, with_id_token=False)
    session.refresh_token()
    _refreshes_with(op, sub="mallory-0666")
    with rejected("sub"):
        session.refresh_token()
