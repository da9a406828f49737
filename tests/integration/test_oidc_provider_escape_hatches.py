"""Two opt-ins for big providers that bend OpenID Connect, tested both ways.

``issuer_template=``: a multi-tenant provider (Microsoft Entra ID's ``/common``) publishes
an issuer with ``{tenantid}`` in it; the ID token's ``iss`` must be that template filled
in with the token's own ``tid``. ``allow_id_token_without_nonce=True``: a provider that
drops the nonce from its ID tokens (LinkedIn) is accepted at the token endpoint only,
and a nonce that is present must still match. Both are off by default. The provider is
a scriptable one on 127.0.0.1 that signs real ID tokens with joserfc.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grantflow import InvalidResponseError, OAuth2Session

from ._mock_op import OMIT, MockOP, code_flow, op_fixture, rejected, rp_session  # noqa: F401

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.fixture
def entra() -> Iterator[MockOP]:
    """A provider shaped like Entra's ``/common``: the issuer in its metadata is a template."""
    with MockOP(issuer_path="/common/v2.0") as op:
        op.metadata["issuer"] = op.url("/{tenantid}/v2.0")
        op.token_claims = {"iss": op.url(f"/{TENANT}/v2.0"), "tid": TENANT}
        yield op


def _template(op: MockOP) -> str:
    return op.url("/{tenantid}/v2.0")


# -- issuer templates -------------------------------------------------------------------------


def test_issuer_template_accepts_the_tenants_own_issuer(entra: MockOP) -> None:
    session = rp_session(entra, issuer_template=_template(entra))
    token = code_flow(session, entra)
    assert token["userinfo"]["iss"] == entra.url(f"/{TENANT}/v2.0")
    assert token["userinfo"]["tid"] == TENANT


def test_without_the_template_the_common_metadata_is_refused(entra: MockOP) -> None:
    session = rp_session(entra)
    with pytest.raises(InvalidResponseError, match="issuer"):
        code_flow(session, entra)
    assert entra.count("/token") == 0


def test_template_refuses_an_iss_of_another_tenant_than_tid(entra: MockOP) -> None:
    entra.token_claims = {"iss": entra.url(f"/{OTHER_TENANT}/v2.0"), "tid": TENANT}
    with rejected("iss"):
        code_flow(rp_session(entra, issuer_template=_template(entra)), entra)


@pytest.mark.parametrize("tid", [OMIT, "", "a/../b", 7, "x?y"])
def test_template_refuses_a_token_without_a_usable_tid(entra: MockOP, tid: object) -> None:
    entra.token_claims = {"iss": entra.url(f"/{TENANT}/v2.0"), "tid": tid}
    with rejected("tid"):
        code_flow(rp_session(entra, issuer_template=_template(entra)), entra)


def test_template_refuses_the_literal_template_as_iss(entra: MockOP) -> None:
    entra.token_claims = {"iss": _template(entra), "tid": TENANT}
    with rejected("iss"):
        code_flow(rp_session(entra, issuer_template=_template(entra)), entra)


def test_a_template_that_is_not_the_documents_issuer_does_not_lift_the_check(
    entra: MockOP,
) -> None:
    elsewhere = "https://login.example.org/{tenantid}/v2.0"
    with pytest.raises(InvalidResponseError, match="issuer"):
        code_flow(rp_session(entra, issuer_template=elsewhere), entra)
    assert entra.count("/token") == 0


def test_a_tenant_specific_document_still_pins_its_tenant() -> None:
    with MockOP(issuer_path=f"/{TENANT}/v2.0") as op:
        op.token_claims = {"iss": op.url(f"/{OTHER_TENANT}/v2.0"), "tid": OTHER_TENANT}
        session = rp_session(op, issuer_template=op.url("/{tenantid}/v2.0"))
        with rejected("iss"):
            code_flow(session, op)
        op.token_claims = {"iss": op.url(f"/{TENANT}/v2.0"), "tid": TENANT}
        session = rp_session(op, issuer_template=op.url("/{tenantid}/v2.0"))
        assert code_flow(session, op)["userinfo"]["tid"] == TENANT


@pytest.mark.parametrize("bad", ["https://login.example.org/v2.0", "{tenantid}/{tenantid}", 5])
def test_an_unusable_template_is_a_value_error_at_construction(bad: object) -> None:
    with pytest.raises(ValueError, match="issuer_template"):
        OAuth2Session("client", "secret", issuer_template=bad)


# -- ID tokens without a nonce ------------------------------------------------------------------


def test_an_id_token_without_the_nonce_sent_is_refused_by_default(op: MockOP) -> None:
    op.token_claims = {"nonce": OMIT}
    with rejected("nonce"):
        code_flow(rp_session(op), op)


def test_allow_id_token_without_nonce_accepts_it_from_the_token_endpoint(op: MockOP) -> None:
    op.token_claims = {"nonce": OMIT}
    token = code_flow(rp_session(op, allow_id_token_without_nonce=True), op)
    assert "nonce" not in token["userinfo"] and token["userinfo"]["sub"]


def test_allow_id_token_without_nonce_still_refuses_a_wrong_nonce(op: MockOP) -> None:
    op.token_claims = {"nonce": "not-the-nonce-that-was-sent-0123456789"}
    with rejected("nonce"):
        code_flow(rp_session(op, allow_id_token_without_nonce=True), op)


def test_allow_id_token_without_nonce_does_not_cover_the_front_channel(op: MockOP) -> None:
    session = rp_session(op, allow_id_token_without_nonce=True)
    url, _ = session.create_authorization_url(response_type="id_token token")
    callback = op.authorize(url, claims={"nonce": OMIT})
    with rejected("nonce"):
        session.token_from_fragment(callback.url)
