"""Protected Resource Metadata (RFC 9728): where it is, how a 401 names it, what to trust."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grantflow._core._http import HttpResponse
from grantflow._core._resource_metadata import (
    authorization_servers,
    parse_resource_metadata_response,
    resource_metadata_from_challenge,
    resource_metadata_url,
    validate_resource_metadata,
)
from grantflow.errors import InvalidResponseError

WELL_KNOWN = "/.well-known/oauth-protected-resource"

URL_ROWS = [
    # RFC 9728 §3.1's example, on a shorter host
    ("path", "https://rs.example.com/resource1", f"https://rs.example.com{WELL_KNOWN}/resource1"),
    ("host_only", "https://rs.example", f"https://rs.example{WELL_KNOWN}"),
    ("host_and_slash", "https://rs.example/", f"https://rs.example{WELL_KNOWN}"),
    ("query_kept", "https://rs.example/api?tenant=1", f"https://rs.example{WELL_KNOWN}/api?tenant=1"),
    ("slash_and_query", "https://rs.example/?tenant=1", f"https://rs.example{WELL_KNOWN}?tenant=1"),
    ("port_kept", "http://127.0.0.1:8080/mcp", f"http://127.0.0.1:8080{WELL_KNOWN}/mcp"),
    ("deep_path", "https://rs.example/a/b/", f"https://rs.example{WELL_KNOWN}/a/b/"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("resource", "url"), [r[1:] for r in URL_ROWS], ids=[r[0] for r in URL_ROWS]
)
def test_the_well_known_path_goes_between_host_and_path(resource: str, url: str) -> None:
    assert resource_metadata_url(resource) == url


@pytest.mark.parametrize(
    "resource", ["https://rs.example/#top", "/api", "rs.example", "urn:x:y", "ftp://rs.example/"]
)
def test_a_resource_that_is_not_an_http_url_without_fragment_is_value_error(resource: str) -> None:
    with pytest.raises(ValueError, match="resource identifier"):
        resource_metadata_url(resource)


META_URL = "https://rs.example/.well-known/oauth-protected-resource/mcp"

PARAM = f'resource_metadata="{META_URL}"'

# (case, the WWW-Authenticate value or None, the metadata URL read)
CHALLENGE_ROWS: list[tuple[str, str | None, str | None]] = [
    ("bearer", f"Bearer {PARAM}", META_URL),
    ("bearer_with_error", f'Bearer error="invalid_token", {PARAM}', META_URL),
    ("dpop", f'DPoP algs="ES256", {PARAM}', META_URL),
    ("second_challenge", f'Basic realm="r", Bearer {PARAM}', META_URL),
    ("basic_only", f"Basic {PARAM}", None),
    ("no_parameter", 'Bearer realm="r"', None),
    ("not_a_url", 'Bearer resource_metadata="/meta"', None),
    ("no_header", None, None),
]


@pytest.mark.parametrize(
    ("header", "url"), [r[1:] for r in CHALLENGE_ROWS], ids=[r[0] for r in CHALLENGE_ROWS]
)
def test_a_401_names_its_metadata_in_the_challenge(header: str | None, url: str | None) -> None:
    headers = {} if header is None else {"WWW-Authenticate": header}
    assert resource_metadata_from_challenge(HttpResponse(401, headers)) == url


RESOURCE = "https://rs.example/mcp"
DOCUMENT: dict[str, Any] = {
    "resource": RESOURCE,
    "authorization_servers": ["https://as.example", "https://as2.example/tenant"],
    "bearer_methods_supported": ["header"],
}


def test_a_document_for_the_resource_is_accepted_and_names_its_servers() -> None:
    document = validate_resource_metadata(DOCUMENT, resource=RESOURCE)
    assert document == DOCUMENT
    assert authorization_servers(document) == DOCUMENT["authorization_servers"]


BAD_DOCUMENTS: list[tuple[str, dict[str, Any], str]] = [
    ("other_resource", {**DOCUMENT, "resource": "https://evil.example/mcp"}, "another resource"),
    ("no_resource", {k: v for k, v in DOCUMENT.items() if k != "resource"}, "another resource"),
    ("trailing_slash_differs", {**DOCUMENT, "resource": RESOURCE + "/"}, "another resource"),
    ("servers_not_a_list", {**DOCUMENT, "authorization_servers": "https://as.example"}, "list"),
    ("server_not_a_url", {**DOCUMENT, "authorization_servers": ["as.example"]}, "list"),
    ("server_not_a_string", {**DOCUMENT, "authorization_servers": [1]}, "list"),
]


@pytest.mark.parametrize(
    ("document", "message"), [r[1:] for r in BAD_DOCUMENTS], ids=[r[0] for r in BAD_DOCUMENTS]
)
def test_a_document_that_cannot_be_trusted_is_invalid_response(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidResponseError, match=message):
        validate_resource_metadata(document, resource=RESOURCE)


@pytest.mark.parametrize("servers", [None, []], ids=["absent", "empty"])
def test_a_document_naming_no_server_leaves_nowhere_to_sign_in(servers: Any) -> None:
    document = {"resource": RESOURCE}
    if servers is not None:
        document["authorization_servers"] = servers
    validate_resource_metadata(document, resource=RESOURCE)
    with pytest.raises(InvalidResponseError, match="no authorization server"):
        authorization_servers(document)


def test_the_response_is_parsed_then_checked() -> None:
    body = json.dumps(DOCUMENT).encode()
    ok = HttpResponse(200, {"Content-Type": "application/json"}, body)
    assert parse_resource_metadata_response(ok, resource=RESOURCE) == DOCUMENT
    with pytest.raises(InvalidResponseError, match="another resource"):
        parse_resource_metadata_response(ok, resource="https://rs.example/other")


def test_a_missing_document_is_invalid_response_with_its_status() -> None:
    missing = HttpResponse(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")
    with pytest.raises(InvalidResponseError) as caught:
        parse_resource_metadata_response(missing, resource=RESOURCE)
    assert caught.value.status_code == 404
