"""Mutual TLS client authentication (RFC 8705) and CA bundles, over real TLS on 127.0.0.1.

The server's certificate comes from a throw-away CA (``trustme``); the ``tls_wire`` server
requires a client certificate from that CA, so a missing or foreign certificate fails the
handshake for real.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from grantflow import OAuth2Session

from ._tls import TLSFiles
from ._wire import WireServer, json_reply

TOKEN = {"access_token": "mtls-at", "token_type": "Bearer", "expires_in": 3600}
TLS_METHODS = ["tls_client_auth", "self_signed_tls_client_auth"]


def _subject_cn(peer_cert: dict[str, Any] | None) -> str | None:
    if not peer_cert:
        return None
    for rdn in peer_cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def _tls_session(
    tls_wire: WireServer, tls_files: TLSFiles, method: str, **kwargs: Any
) -> OAuth2Session:
    tls_wire.script("/token", json_reply(TOKEN))
    return OAuth2Session(
        "client-1",
        "never-sent-secret",
        token_endpoint_auth_method=method,
        token_endpoint=tls_wire.url("/token"),
        cert=kwargs.pop("cert", tls_files.client_pair),
        verify=tls_files.ca_file,
        **kwargs,
    )


@pytest.mark.parametrize("method", TLS_METHODS)
def test_tls_client_auth_sends_client_id_no_secret_over_the_client_certificate(
    tls_wire: WireServer, tls_files: TLSFiles, method: str
) -> None:
    with _tls_session(tls_wire, tls_files, method) as s:
        token = s.fetch_token()
    assert token["access_token"] == "mtls-at"
    sent = tls_wire.last("/token")
    assert sent.field("client_id") == "client-1"
    assert sent.field("client_secret") is None
    assert sent.header("Authorization") is None
    assert b"never-sent-secret" not in sent.body
    assert _subject_cn(sent.peer_cert) == "client-1"


@pytest.mark.parametrize("method", TLS_METHODS)
def test_tls_method_without_a_cert_is_a_value_error_at_construction(method: str) -> None:
    with pytest.raises(ValueError, match="cert"):
        OAuth2Session("client-1", token_endpoint_auth_method=method, token_endpoint="https://x/t")


@pytest.mark.parametrize("method", TLS_METHODS)
def test_tls_method_whose_cert_went_missing_is_a_value_error_before_any_request(
    tls_wire: WireServer, tls_files: TLSFiles, method: str
) -> None:
    with _tls_session(tls_wire, tls_files, method) as s:
        s.cert = None
        with pytest.raises(ValueError, match="cert"):
            s.fetch_token()
    assert tls_wire.requests == []
    assert tls_wire.handshake_failures == []


def test_tls_method_registered_after_construction_checks_the_cert_at_first_token_request(
    tls_wire: WireServer,
) -> None:
    with OAuth2Session(
        "client-1", token_endpoint=tls_wire.url("/token"), token_endpoint_auth_method="mtls"
    ) as s:
        from grantflow._core._client_auth import tls_client_auth

        s.register_client_auth_method(("mtls", tls_client_auth))
        with pytest.raises(ValueError, match="cert"):
            s.fetch_token()
    assert tls_wire.requests == []


def _aliased(
    tls_wire: WireServer, plain: WireServer, tls_files: TLSFiles, method: str
) -> OAuth2Session:
    for server in (tls_wire, plain):
        server.script("/token", json_reply(TOKEN))
        server.script("/revoke", json_reply({}))
        server.script("/introspect", json_reply({"active": True}))
        server.script("/userinfo", json_reply({"sub": "user-1"}))
    return OAuth2Session(
        "client-1",
        "secret-1",
        token_endpoint_auth_method=method,
        token_endpoint=plain.url("/token"),
        revocation_endpoint=plain.url("/revoke"),
        introspection_endpoint=plain.url("/introspect"),
        userinfo_endpoint=plain.url("/userinfo"),
        issuer=plain.base_url,
        mtls_endpoint_aliases={
            "token_endpoint": tls_wire.url("/token"),
            "revocation_endpoint": tls_wire.url("/revoke"),
            "introspection_endpoint": tls_wire.url("/introspect"),
            "userinfo_endpoint": tls_wire.url("/userinfo"),
        },
        cert=tls_files.client_pair,
        verify=tls_files.ca_file,
    )


def test_mtls_session_uses_the_aliases_for_every_aliased_endpoint(
    tls_wire: WireServer, https_wire: WireServer, tls_files: TLSFiles
) -> None:
    with _aliased(tls_wire, https_wire, tls_files, "tls_client_auth") as s:
        s.fetch_token()
        s.revoke_token()
        s.introspect_token()
        assert s.userinfo()["sub"] == "user-1"
    assert [r.path for r in tls_wire.requests] == ["/token", "/revoke", "/introspect", "/userinfo"]
    assert https_wire.requests == []
    assert all(_subject_cn(r.peer_cert) == "client-1" for r in tls_wire.requests)
    assert tls_wire.last("/userinfo").header("Authorization") == "Bearer mtls-at"


def test_non_mtls_session_ignores_the_aliases(
    tls_wire: WireServer, https_wire: WireServer, tls_files: TLSFiles
) -> None:
    with _aliased(tls_wire, https_wire, tls_files, "client_secret_basic") as s:
        s.fetch_token()
        s.revoke_token()
    assert [r.path for r in https_wire.requests] == ["/token", "/revoke"]
    assert tls_wire.requests == []


def test_aliases_from_discovery_are_used(
    tls_wire: WireServer, https_wire: WireServer, tls_files: TLSFiles
) -> None:
    discovery = "/.well-known/openid-configuration"
    https_wire.script(
        discovery,
        json_reply(
            {
                "issuer": https_wire.base_url,
                "token_endpoint": https_wire.url("/token"),
                "mtls_endpoint_aliases": {"token_endpoint": tls_wire.url("/token")},
            }
        ),
    )
    tls_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1",
        token_endpoint_auth_method="tls_client_auth",
        server_metadata_url=https_wire.url(discovery),
        cert=tls_files.client_pair,
        verify=tls_files.ca_file,
    ) as s:
        s.fetch_token()
    assert len(tls_wire.to("/token")) == 1
    assert https_wire.to("/token") == []


# -- failing handshakes ------------------------------------------------------------------------


def test_no_client_certificate_fails_the_handshake_with_a_requests_error(
    tls_wire: WireServer, tls_files: TLSFiles
) -> None:
    tls_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1", token_endpoint=tls_wire.url("/token"), verify=tls_files.ca_file
    ) as s:
        with pytest.raises(requests.ConnectionError):
            s.fetch_token()
        assert s.token is None
    assert tls_wire.requests == []


def test_a_certificate_from_another_ca_fails_the_handshake(
    tls_wire: WireServer, tls_files: TLSFiles
) -> None:
    with _tls_session(tls_wire, tls_files, "tls_client_auth", cert=tls_files.rogue_pair) as s:
        with pytest.raises(requests.ConnectionError):
            s.fetch_token()
        assert s.token is None
    assert tls_wire.requests == []


def test_a_server_the_session_does_not_trust_fails_with_an_ssl_error(
    https_wire: WireServer, tls_files: TLSFiles
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    with (
        OAuth2Session("c", "s", token_endpoint=https_wire.url("/token")) as s,
        pytest.raises(requests.exceptions.SSLError),
    ):
        s.fetch_token()
    assert https_wire.requests == []


# -- CA bundles ------------------------------------------------------------------------------


def test_verify_path_trusts_the_test_ca(https_wire: WireServer, tls_files: TLSFiles) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "c", "s", token_endpoint=https_wire.url("/token"), verify=tls_files.ca_file
    ) as s:
        assert s.fetch_token()["access_token"] == "mtls-at"


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_bundle_variable_applies_when_verify_is_left_alone(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    monkeypatch.setenv(variable, tls_files.ca_file)
    with OAuth2Session("c", "s", token_endpoint=https_wire.url("/token")) as s:
        assert s.fetch_token()["access_token"] == "mtls-at"


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_session_verify_path_wins_over_a_wrong_ca_bundle_variable(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    discovery = "/.well-known/openid-configuration"
    https_wire.script(
        discovery,
        json_reply(
            {
                "issuer": https_wire.base_url,
                "token_endpoint": https_wire.url("/token"),
                "revocation_endpoint": https_wire.url("/revoke"),
                "introspection_endpoint": https_wire.url("/introspect"),
            }
        ),
    )
    https_wire.script("/token", json_reply(TOKEN))
    https_wire.script("/revoke", json_reply({}))
    https_wire.script("/introspect", json_reply({"active": True}))
    monkeypatch.setenv(variable, tls_files.other_ca_file)
    with OAuth2Session(
        "c", "s", server_metadata_url=https_wire.url(discovery), verify=tls_files.ca_file
    ) as s:
        s.fetch_token()
        s.revoke_token()
        s.introspect_token()
    assert [r.path for r in https_wire.requests] == [discovery, "/token", "/revoke", "/introspect"]


def test_session_verify_path_wins_over_a_right_ca_bundle_variable(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_files.ca_file)
    with (
        OAuth2Session(
            "c", "s", token_endpoint=https_wire.url("/token"), verify=tls_files.other_ca_file
        ) as s,
        pytest.raises(requests.exceptions.SSLError),
    ):
        s.fetch_token()
    assert https_wire.requests == []


def test_session_verify_false_wins_over_a_ca_bundle_variable(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_files.other_ca_file)
    with (
        OAuth2Session("c", "s", token_endpoint=https_wire.url("/token"), verify=False) as s,
        pytest.warns(Warning),
    ):
        s.fetch_token()
    assert len(https_wire.to("/token")) == 1


def test_verify_set_after_construction_also_wins(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_files.other_ca_file)
    with OAuth2Session("c", "s", token_endpoint=https_wire.url("/token")) as s:
        s.verify = tls_files.ca_file
        s.fetch_token()
    assert len(https_wire.to("/token")) == 1


def test_per_call_verify_wins_for_a_token_request(
    https_wire: WireServer, tls_files: TLSFiles
) -> None:
    https_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "c", "s", token_endpoint=https_wire.url("/token"), verify=tls_files.other_ca_file
    ) as s:
        s.fetch_token(verify=tls_files.ca_file)
    assert len(https_wire.to("/token")) == 1


def test_cert_passed_per_call_is_used_for_the_token_request(
    tls_wire: WireServer, tls_files: TLSFiles
) -> None:
    tls_wire.script("/token", json_reply(TOKEN))
    with OAuth2Session(
        "client-1", token_endpoint=tls_wire.url("/token"), verify=tls_files.ca_file
    ) as s:
        s.fetch_token(cert=tls_files.client_pair)
    assert _subject_cn(tls_wire.last("/token").peer_cert) == "client-1"


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_session_verify_wins_over_a_ca_bundle_variable_for_resource_requests(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    https_wire.script("/api", json_reply({"ok": True}))
    monkeypatch.setenv(variable, tls_files.other_ca_file)
    with OAuth2Session("c", token={"access_token": "at"}, verify=tls_files.ca_file) as s:
        assert s.get(https_wire.url("/api")).json() == {"ok": True}
    assert https_wire.last("/api").header("Authorization") == "Bearer at"


def test_ca_bundle_variable_applies_to_resource_requests_when_verify_is_left_alone(
    https_wire: WireServer, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_wire.script("/api", json_reply({"ok": True}))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_files.ca_file)
    with OAuth2Session("c", token={"access_token": "at"}) as s:
        assert s.get(https_wire.url("/api")).json() == {"ok": True}
