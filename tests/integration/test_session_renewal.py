"""Resource requests renew a token that is due: refresh, else re-fetch, else a typed error.

Expiry is controlled with ``expires_at`` (in the past, or far in the future); no test
waits for time to pass.
"""

from __future__ import annotations

from typing import Any

import pytest

from grantflow import InvalidTokenError, MissingTokenError, OAuth2Session

from ._wire import UpdateRecorder, WireServer, json_reply

PAST = 100  # 1970: expired whatever the clock says
FUTURE = 16_725_225_600  # year 2500


def _serve_api(wire: WireServer) -> None:
    wire.script("/api", json_reply({"ok": True}))


def test_valid_token_is_sent_as_bearer_without_renewal(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session(
        "c",
        "s",
        token_endpoint=wire.url("/token"),
        token={"access_token": "at", "expires_at": FUTURE},
    ) as s:
        response = s.get(wire.url("/api"))
    assert response.json() == {"ok": True}
    assert wire.last("/api").header("Authorization") == "Bearer at"
    assert wire.to("/token") == []


def test_expired_token_is_refreshed_before_the_request_and_update_token_is_told(
    wire: WireServer,
) -> None:
    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "new-at", "expires_in": 3600}))
    updates = UpdateRecorder()
    with OAuth2Session(
        "client-1",
        "secret-1",
        token_endpoint=wire.url("/token"),
        token={"access_token": "old-at", "refresh_token": "rt-1", "expires_at": PAST},
        update_token=updates,
    ) as s:
        s.get(wire.url("/api"))
        assert s.token is not None
        assert s.token["refresh_token"] == "rt-1"
    refresh = wire.last("/token")
    assert refresh.field("grant_type") == "refresh_token"
    assert refresh.field("refresh_token") == "rt-1"
    assert refresh.basic == ("client-1", "secret-1")
    assert wire.last("/api").header("Authorization") == "Bearer new-at"
    assert len(updates.calls) == 1
    assert updates.calls[0]["refresh_token"] == "rt-1"
    assert updates.calls[0]["token"]["access_token"] == "new-at"
    assert updates.calls[0]["token"]["refresh_token"] == "rt-1"


def test_a_token_inside_the_leeway_is_renewed(wire: WireServer) -> None:
    import time

    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "new-at", "expires_in": 3600}))
    # 30 s left, leeway 600 s: due now whatever the machine's speed.
    soon = int(time.time()) + 30
    with OAuth2Session(
        "c",
        "s",
        token_endpoint=wire.url("/token"),
        token={"access_token": "old-at", "refresh_token": "rt", "expires_at": soon},
        leeway=600,
    ) as s:
        s.get(wire.url("/api"))
    assert len(wire.to("/token")) == 1
    assert wire.last("/api").header("Authorization") == "Bearer new-at"


def test_a_token_outside_a_zero_leeway_is_not_renewed(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session(
        "c",
        "s",
        token_endpoint=wire.url("/token"),
        token={"access_token": "at", "refresh_token": "rt", "expires_at": FUTURE},
        leeway=0,
    ) as s:
        s.get(wire.url("/api"))
    assert wire.to("/token") == []


def test_token_without_expiry_is_never_renewed(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session(
        "c",
        "s",
        token_endpoint=wire.url("/token"),
        token={"access_token": "at", "refresh_token": "rt"},
    ) as s:
        s.get(wire.url("/api"))
    assert wire.to("/token") == []
    assert wire.last("/api").header("Authorization") == "Bearer at"


@pytest.mark.parametrize("named", [True, False], ids=["grant_named", "grant_guessed"])
def test_expired_client_credentials_token_is_refetched_with_the_same_grant(
    wire: WireServer, named: bool
) -> None:
    _serve_api(wire)
    wire.script(
        "/token",
        json_reply({"access_token": "first", "expires_at": PAST, "token_type": "Bearer"}),
        json_reply({"access_token": "second", "expires_in": 3600, "token_type": "Bearer"}),
    )
    updates = UpdateRecorder()
    with OAuth2Session(
        "client-1",
        "secret-1",
        token_endpoint=wire.url("/token"),
        scope="read",
        update_token=updates,
    ) as s:
        if named:
            s.fetch_token(grant_type="client_credentials")
        else:
            s.fetch_token()
        s.get(wire.url("/api"))
    sent = wire.to("/token")
    assert len(sent) == 2
    assert sent[1].field("grant_type") == "client_credentials"
    assert sent[1].field("scope") == "read"
    assert sent[1].basic == ("client-1", "secret-1")
    assert wire.last("/api").header("Authorization") == "Bearer second"
    assert len(updates.calls) == 1
    assert updates.calls[0]["access_token"] == "first"
    assert updates.calls[0]["token"]["access_token"] == "second"


def test_refetch_reuses_the_extra_form_parameters_of_the_first_fetch(wire: WireServer) -> None:
    _serve_api(wire)
    wire.script(
        "/token",
        json_reply({"access_token": "first", "expires_at": PAST}),
        json_reply({"access_token": "second", "expires_in": 3600}),
    )
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token(audience="https://api.example")
        s.get(wire.url("/api"))
    assert [r.field("audience") for r in wire.to("/token")] == ["https://api.example"] * 2


def test_expired_token_that_cannot_be_renewed_is_invalid_token_error_and_is_kept(
    wire: WireServer,
) -> None:
    _serve_api(wire)
    token = {"access_token": "old-at", "expires_at": PAST}
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token"), token=token) as s:
        with pytest.raises(InvalidTokenError) as caught:
            s.get(wire.url("/api"))
        assert s.token is not None
        assert s.token["access_token"] == "old-at"
    assert "old-at" not in str(caught.value)
    assert wire.requests == []


def test_no_token_and_no_way_to_get_one_is_missing_token_error(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session("c", "s") as s, pytest.raises(MissingTokenError):
        s.get(wire.url("/api"))
    assert wire.requests == []


def test_no_token_with_an_authorization_code_session_is_missing_token_error(
    wire: WireServer,
) -> None:
    _serve_api(wire)
    with (
        OAuth2Session(
            "c", "s", token_endpoint=wire.url("/token"), redirect_uri="https://app.example/cb"
        ) as s,
        pytest.raises(MissingTokenError),
    ):
        s.get(wire.url("/api"))
    assert wire.requests == []


def test_client_credentials_session_fetches_a_token_on_first_use(wire: WireServer) -> None:
    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "cc-at", "expires_in": 3600}))
    with OAuth2Session(
        "client-1", "secret-1", token_endpoint=wire.url("/token"), grant_type="client_credentials"
    ) as s:
        s.get(wire.url("/api"))
        s.get(wire.url("/api"))
    assert len(wire.to("/token")) == 1
    assert wire.last("/token").field("grant_type") == "client_credentials"
    assert [r.header("Authorization") for r in wire.to("/api")] == ["Bearer cc-at"] * 2


def test_withhold_token_sends_no_token(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session("c", "s", token={"access_token": "at", "expires_at": FUTURE}) as s:
        # OAuth2Session.request takes withhold_token; requests' stubs type get() without **kwargs.
        s.get(wire.url("/api"), withhold_token=True)  # type: ignore[call-arg]
    assert wire.last("/api").header("Authorization") is None


def test_withhold_token_needs_no_token(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session("c") as s:
        response = s.get(wire.url("/api"), withhold_token=True)  # type: ignore[call-arg]
        assert response.status_code == 200


def test_explicit_auth_argument_replaces_the_token(wire: WireServer) -> None:
    _serve_api(wire)
    with OAuth2Session("c", "s", token={"access_token": "at", "expires_at": FUTURE}) as s:
        s.get(wire.url("/api"), auth=("user", "pw"))
    assert wire.last("/api").basic == ("user", "pw")


# -- ensure_active_token -------------------------------------------------------------------------


def test_ensure_active_token_is_true_for_a_valid_token(wire: WireServer) -> None:
    with OAuth2Session("c", "s", token={"access_token": "at", "expires_at": FUTURE}) as s:
        assert s.ensure_active_token() is True
    assert wire.requests == []


def test_ensure_active_token_refreshes_and_reports_true(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new-at", "expires_in": 60}))
    updates = UpdateRecorder()
    with OAuth2Session(
        "c",
        "s",
        token_endpoint=wire.url("/token"),
        token={"access_token": "old", "refresh_token": "rt", "expires_at": PAST},
        update_token=updates,
    ) as s:
        assert s.ensure_active_token() is True
        assert s.token is not None
        assert s.token["access_token"] == "new-at"
    assert len(updates.calls) == 1


def test_ensure_active_token_is_false_when_it_cannot_renew(wire: WireServer) -> None:
    with OAuth2Session(
        "c", "s", token_endpoint=wire.url("/token"), token={"access_token": "a", "expires_at": PAST}
    ) as s:
        assert s.ensure_active_token() is False
        assert s.token is not None
        assert s.token["access_token"] == "a"


def test_ensure_active_token_with_a_token_argument_checks_that_token(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new-at", "expires_in": 60}))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        assert s.ensure_active_token(
            {"access_token": "x", "refresh_token": "rt", "expires_at": PAST}
        )
        assert wire.last("/token").field("refresh_token") == "rt"


# -- default_timeout -----------------------------------------------------------------------------


class TimeoutRecorder:
    """Mounted adapter that answers every request and remembers the timeout it was given."""

    def __init__(self) -> None:
        import requests.adapters

        self.timeouts: list[Any] = []
        recorder = self

        class Adapter(requests.adapters.HTTPAdapter):
            def send(
                self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
            ) -> requests.Response:
                recorder.timeouts.append(kwargs.get("timeout"))
                return super().send(request, *args, **kwargs)

        self.adapter = Adapter()


def test_default_timeout_applies_to_token_and_resource_requests(wire: WireServer) -> None:
    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "at", "expires_in": 3600}))
    recorder = TimeoutRecorder()
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token"), default_timeout=7.5) as s:
        s.mount(wire.base_url + "/", recorder.adapter)
        s.fetch_token()
        s.get(wire.url("/api"))
        s.get(wire.url("/api"), timeout=2)
    assert recorder.timeouts == [7.5, 7.5, 2]


# -- which grant renews --------------------------------------------------------------------------


def test_expired_password_token_without_refresh_token_is_not_refetched(wire: WireServer) -> None:
    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "pw-at", "expires_at": PAST}))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token(username="u", password="p")
        with pytest.raises(InvalidTokenError):
            s.get(wire.url("/api"))
    assert len(wire.to("/token")) == 1
    assert wire.to("/api") == []


def test_expired_code_flow_token_without_refresh_token_is_not_refetched(wire: WireServer) -> None:
    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "code-at", "expires_at": PAST}))
    with OAuth2Session(
        "c", "s", token_endpoint=wire.url("/token"), redirect_uri="https://app.example/cb"
    ) as s:
        s.fetch_token(code="abc")
        with pytest.raises(InvalidTokenError):
            s.get(wire.url("/api"))
    assert len(wire.to("/token")) == 1


def test_only_the_grant_of_the_current_token_is_remembered(wire: WireServer) -> None:
    _serve_api(wire)
    wire.script("/token", json_reply({"access_token": "expired", "expires_at": PAST}))
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token")) as s:
        s.fetch_token()
        s.fetch_token(username="alice", password="p")
        with pytest.raises(InvalidTokenError):
            s.get(wire.url("/api"))
    assert [r.field("grant_type") for r in wire.to("/token")] == ["client_credentials", "password"]


def test_ensure_active_token_fetches_for_a_client_credentials_session(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "cc", "expires_in": 3600}))
    with OAuth2Session(
        "c", "s", token_endpoint=wire.url("/token"), grant_type="client_credentials"
    ) as s:
        assert s.ensure_active_token() is True
        assert s.token is not None
        assert s.token["access_token"] == "cc"
    assert len(wire.to("/token")) == 1


def test_session_never_modifies_the_token_dict_it_was_given(wire: WireServer) -> None:
    wire.script("/token", json_reply({"access_token": "new", "expires_in": 60}))
    original = {"access_token": "a", "refresh_token": "r", "expires_at": PAST}
    snapshot = dict(original)
    with OAuth2Session("c", "s", token_endpoint=wire.url("/token"), token=original) as s:
        assert s.ensure_active_token() is True
        s.token = original
        s.refresh_token()
    assert original == snapshot
