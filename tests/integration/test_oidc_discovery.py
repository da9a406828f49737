"""Discovery (OpenID Connect Discovery 1.0 §4, RFC 8414 §3) as the relying party uses it.

The document is found from ``server_metadata_url`` or from an issuer (OpenID location
first, RFC 8414's when that one is missing), its ``issuer`` must be exactly the one
expected, it is loaded once, and waiting for it is bounded by the session's timeout.
"""

from __future__ import annotations

import pytest
import requests

from grantflow import InvalidResponseError, OAuth2Session

from ._mock_op import (
    REDIRECT_URI,
    MockOP,
    Reply,
    code_flow,
    json_reply,
    op_fixture,  # noqa: F401
    rp_session,
)


def _issuer_session(op: MockOP, issuer: str) -> OAuth2Session:
    return rp_session(op, server_metadata_url=None, issuer=issuer)


# -- the issuer must match (rp-discovery-issuer-not-matching-config) -------------------------


def test_discovery_document_naming_another_issuer_is_rejected(op: MockOP) -> None:
    op.metadata["issuer"] = "https://evil.example"
    session = rp_session(op)
    with pytest.raises(InvalidResponseError) as info:
        session.create_authorization_url()
    assert "issuer" in str(info.value)
    assert op.paths() == [op.oidc_discovery_path]


def test_issuer_mismatch_stops_the_code_flow_before_any_token_request(op: MockOP) -> None:
    session = rp_session(op)
    url, _ = session.create_authorization_url()
    callback = op.authorize(url)
    op.metadata["issuer"] = op.issuer + "/other"
    with pytest.raises(InvalidResponseError):
        session.load_server_metadata(force=True)
    assert "/token" not in op.paths()
    assert callback.params["code"]


def test_issuer_differing_only_by_a_trailing_slash_is_a_mismatch(op: MockOP) -> None:
    op.metadata["issuer"] = op.issuer + "/"
    with pytest.raises(InvalidResponseError):
        rp_session(op).load_server_metadata()


def test_document_issuer_must_equal_the_issuer_given_to_the_session(op: MockOP) -> None:
    session = rp_session(op, issuer="https://idp.example")
    with pytest.raises(InvalidResponseError):
        session.load_server_metadata()


def test_document_without_an_issuer_is_rejected(op: MockOP) -> None:
    del op.metadata["issuer"]
    with pytest.raises(InvalidResponseError):
        rp_session(op).load_server_metadata()


def test_rfc8414_document_naming_another_issuer_is_rejected(op: MockOP) -> None:
    op.discovery_paths = {op.rfc8414_discovery_path}
    op.metadata["issuer"] = "https://evil.example"
    session = rp_session(op, server_metadata_url=op.url(op.rfc8414_discovery_path))
    with pytest.raises(InvalidResponseError):
        session.load_server_metadata()


# -- where the document lives ------------------------------------------------------------


def test_issuer_alone_finds_the_openid_configuration(op: MockOP) -> None:
    metadata = _issuer_session(op, op.issuer).load_server_metadata()
    assert metadata["token_endpoint"] == op.url("/token")
    assert op.paths() == ["/.well-known/openid-configuration"]


def test_issuer_alone_falls_back_to_the_rfc8414_location(op: MockOP) -> None:
    op.discovery_paths = {op.rfc8414_discovery_path}
    metadata = _issuer_session(op, op.issuer).load_server_metadata()
    assert metadata["jwks_uri"] == op.url("/jwks")
    assert op.paths() == [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ]


def test_issuer_with_a_path_uses_both_well_known_forms() -> None:
    with MockOP(issuer_path="/tenants/acme") as op:
        op.discovery_paths = {op.rfc8414_discovery_path}
        session = _issuer_session(op, op.issuer)
        code_flow(session, op)
        assert op.paths()[:2] == [
            "/tenants/acme/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server/tenants/acme",
        ]


def test_server_metadata_url_at_the_rfc8414_location(op: MockOP) -> None:
    op.discovery_paths = {op.rfc8414_discovery_path}
    session = rp_session(op, server_metadata_url=op.url(op.rfc8414_discovery_path))
    token = code_flow(session, op)
    assert token["userinfo"]["iss"] == op.issuer
    assert op.paths()[0] == "/.well-known/oauth-authorization-server"


def test_server_metadata_url_with_an_issuer_path() -> None:
    with MockOP(issuer_path="/realms/main") as op:
        token = code_flow(rp_session(op), op)
        assert token["userinfo"]["iss"] == op.issuer
        assert op.paths()[0] == "/realms/main/.well-known/openid-configuration"


def test_issuer_whose_documents_are_both_missing_is_an_error(op: MockOP) -> None:
    op.discovery_paths = set()
    with pytest.raises(InvalidResponseError) as info:
        _issuer_session(op, op.issuer).load_server_metadata()
    assert info.value.status_code == 404


# -- loaded once and cached ------------------------------------------------------------------


def test_discovery_is_fetched_once_for_everything_the_session_does(op: MockOP) -> None:
    session = rp_session(op)
    code_flow(session, op)
    session.userinfo()
    session.create_logout_url()
    code_flow(session, op)
    assert session.load_server_metadata()["issuer"] == op.issuer
    assert op.count(op.oidc_discovery_path) == 1


def test_load_server_metadata_force_reloads(op: MockOP) -> None:
    session = rp_session(op)
    session.load_server_metadata()
    op.metadata["userinfo_endpoint"] = op.url("/userinfo2")
    assert session.load_server_metadata()["userinfo_endpoint"] == op.url("/userinfo")
    assert session.load_server_metadata(force=True)["userinfo_endpoint"] == op.url("/userinfo2")
    assert op.count(op.oidc_discovery_path) == 2


def test_explicit_endpoints_win_over_discovered_ones(op: MockOP) -> None:
    session = rp_session(op, userinfo_endpoint=op.url("/userinfo-explicit"))
    op.replies["/userinfo-explicit"] = json_reply({"sub": "alice-0001", "source": "explicit"})
    code_flow(session, op)
    assert session.metadata["userinfo_endpoint"] == op.url("/userinfo-explicit")
    assert session.userinfo()["source"] == "explicit"


def test_discovered_signing_algorithms_decide_what_is_allowed(op: MockOP) -> None:
    from ._mock_op import ec_key, rsa_key

    op.metadata["id_token_signing_alg_values_supported"] = ["ES256"]
    op.jwks_keys = [rsa_key("rsa-1"), ec_key("ec-1")]
    op.token_mint = {"key": ec_key("ec-1")}
    token = code_flow(rp_session(op), op)
    assert token["userinfo"]["sub"] == "alice-0001"


# -- broken documents, timeouts ------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(200, {"Content-Type": "text/html"}, b"<html>hi</html>"), id="html"),
        pytest.param(json_reply(["not", "an", "object"]), id="json-array"),
        pytest.param(Reply(500, {"Content-Type": "text/plain"}, b"oops"), id="server-error"),
    ],
)
def test_a_discovery_answer_that_is_not_a_json_object_is_a_typed_error(
    op: MockOP, reply: Reply
) -> None:
    op.replies[op.oidc_discovery_path] = reply
    with pytest.raises(InvalidResponseError) as info:
        rp_session(op).create_authorization_url()
    assert info.value.status_code == reply.status


def test_discovery_waits_no_longer_than_the_sessions_timeout(op: MockOP) -> None:
    op.stalled.add(op.oidc_discovery_path)
    session = rp_session(op, default_timeout=0.5)
    with pytest.raises(requests.Timeout):
        session.load_server_metadata()
    assert op.count(op.oidc_discovery_path) == 1


def test_key_set_fetch_waits_no_longer_than_the_sessions_timeout(op: MockOP) -> None:
    session = rp_session(op, default_timeout=0.5)
    url, _ = session.create_authorization_url()
    op.stalled.add("/jwks")
    with pytest.raises(requests.Timeout):
        session.fetch_token(authorization_response=op.authorize(url).url)
    assert session.token is None


# -- RFC 9207 iss in the authorization response -----------------------------------------------


def test_callback_iss_must_be_the_issuer(op: MockOP) -> None:
    session = rp_session(op)
    url, _ = session.create_authorization_url()
    callback = op.authorize(url, params={"iss": "https://evil.example"})
    with pytest.raises(InvalidResponseError):
        session.fetch_token(authorization_response=callback.url)
    assert "/token" not in op.paths()


def test_callback_without_iss_is_rejected_when_the_provider_promises_it(op: MockOP) -> None:
    op.metadata["authorization_response_iss_parameter_supported"] = True
    session = rp_session(op)
    url, _ = session.create_authorization_url()
    with pytest.raises(InvalidResponseError):
        session.fetch_token(authorization_response=op.authorize(url).url)
    url, _ = session.create_authorization_url()
    token = session.fetch_token(
        authorization_response=op.authorize(url, params={"iss": op.issuer}).url
    )
    assert token["userinfo"]["iss"] == op.issuer
    assert op.count("/token") == 1
    assert REDIRECT_URI in op.requests_to("/token")[0].form["redirect_uri"]
