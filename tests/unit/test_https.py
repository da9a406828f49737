"""Plain-HTTP refusal except on loopback, and HTTP values whose repr shows no secret."""

from __future__ import annotations

import functools

import pytest

from grantflow import InsecureTransportError
from grantflow._core._http import HttpRequest, HttpResponse
from grantflow._core._https import (
    check_secure_transport,
    insecure_transport_allowed,
    is_loopback_host,
    origin,
    through_url_cache,
)

# (url, allowed without the switch)
URL_ROWS: list[tuple[str, bool]] = [
    ("https://as.example/token", True),
    ("HTTPS://AS.EXAMPLE/token", True),
    ("https://10.0.0.1/token", True),
    ("http://localhost/token", True),
    ("http://LOCALHOST:8080/token", True),
    ("http://127.0.0.1:5000/token", True),
    ("http://127.8.9.10/token", True),
    ("http://[::1]:8443/token", True),
    ("http://as.example/token", False),
    ("http://10.0.0.1/token", False),
    ("http://192.168.1.1/token", False),
    ("http://[::2]/token", False),
    ("http://localhost.as.example/token", False),
    ("http://127.0.0.1.nip.io/token", False),
    ("http://0.0.0.0/token", False),
    ("ftp://as.example/token", False),
    ("as.example/token", False),
    # urllib3 ends the authority at a backslash and connects to evil.example, while
    # urlsplit reads 127.0.0.1: a backslash in the authority is refused outright.
    ("http://evil.example\\@127.0.0.1/t", False),
    ("http://evil.example\\@localhost/t", False),
    ("http://127.0.0.1\\@evil.example/t", False),
    ("https://evil.example\\@as.example/t", False),
    ("http://127.0.0.1:80\\/t", False),
    # urlsplit drops tabs and line breaks that the transport keeps.
    ("http://127.0.0.\t1/t", False),
    ("http://evil.example\n@127.0.0.1/t", False),
    (" http://evil.example\\@127.0.0.1/t", False),
    ("http://user@127.0.0.1/t", True),
    ("http://127.0.0.1/a\\b", True),
    ("http://127.0.0.1/t?next=\\@evil", True),
    # The contract names localhost itself, not its subdomains.
    ("http://app.localhost/token", False),
    ("http://a.b.localhost:8080/token", False),
    ("http://[::ffff:127.0.0.1]/token", False),
]


@pytest.mark.parametrize(("url", "allowed"), URL_ROWS, ids=[r[0] for r in URL_ROWS])
def test_only_https_or_loopback_http_is_allowed(url: str, allowed: bool) -> None:
    if allowed:
        check_secure_transport(url, allow_insecure=False)
    else:
        with pytest.raises(InsecureTransportError):
            check_secure_transport(url, allow_insecure=False)


def _ambiguous(url: str) -> bool:
    authority = url.partition("//")[2].split("/", 1)[0]
    return any(c in authority for c in "\\\t\n")


@pytest.mark.parametrize(
    "url", [u for u, ok in URL_ROWS if not ok and u.startswith("http:") and not _ambiguous(u)]
)
def test_the_switch_lifts_the_refusal(url: str) -> None:
    check_secure_transport(url, allow_insecure=True)


@pytest.mark.parametrize("url", [u for u, _ in URL_ROWS if _ambiguous(u)])
def test_the_switch_does_not_lift_the_refusal_of_an_ambiguous_authority(url: str) -> None:
    with pytest.raises(InsecureTransportError) as caught:
        check_secure_transport(url, allow_insecure=True)
    assert "evil" not in str(caught.value)


def test_the_host_judged_is_the_one_urllib3_connects_to() -> None:
    from urllib3.util import parse_url

    for url, allowed in URL_ROWS:
        if allowed and url.startswith("http:"):
            host = parse_url(url.strip()).host
            assert is_loopback_host(host), url


# (host, loopback)
HOST_ROWS: list[tuple[str | None, bool]] = [
    ("localhost", True),
    ("127.0.0.1", True),
    ("127.255.255.254", True),
    ("::1", True),
    ("[::1]", True),
    ("128.0.0.1", False),
    ("example.com", False),
    ("app.localhost", False),
    ("localhost.", False),
    ("127.1", False),
    ("::ffff:127.0.0.1", False),
    ("::1%eth0", False),
    ("", False),
    (None, False),
]


@pytest.mark.parametrize(("host", "loopback"), HOST_ROWS, ids=[repr(r[0]) for r in HOST_ROWS])
def test_loopback_means_localhost_127_slash_8_and_ipv6_one(
    host: str | None, loopback: bool
) -> None:
    assert is_loopback_host(host) is loopback


def test_refusal_message_names_the_switch_and_no_credentials_or_query() -> None:
    url = "http://user:p4ssw0rd@as.example/token?code=C0DE-SECRET"
    with pytest.raises(InsecureTransportError) as caught:
        check_secure_transport(url, allow_insecure=False)
    text = str(caught.value)
    assert "GRANTFLOW_INSECURE_TRANSPORT" in text
    assert "p4ssw0rd" not in text
    assert "C0DE-SECRET" not in text
    assert caught.value.status_code is None


@pytest.mark.parametrize(
    ("value", "allowed"),
    [("1", True), ("true", True), ("yes", True), ("0", False), ("", False), (None, False)],
)
def test_switch_is_read_from_the_environment_at_each_call(
    monkeypatch: pytest.MonkeyPatch, value: str | None, allowed: bool
) -> None:
    if value is None:
        monkeypatch.delenv("GRANTFLOW_INSECURE_TRANSPORT", raising=False)
    else:
        monkeypatch.setenv("GRANTFLOW_INSECURE_TRANSPORT", value)
    assert insecure_transport_allowed() is allowed
    monkeypatch.setenv("GRANTFLOW_INSECURE_TRANSPORT", "1")
    assert insecure_transport_allowed() is True
    monkeypatch.delenv("GRANTFLOW_INSECURE_TRANSPORT")
    assert insecure_transport_allowed() is False


def test_request_repr_shows_neither_body_nor_headers_nor_query() -> None:
    request = HttpRequest(
        "POST",
        "https://as.example/token?access_token=AT-IN-QUERY",
        {"Authorization": "Basic SECRET-BASIC"},
        b"client_secret=SECRET-BODY&code=SECRET-CODE",
    )
    text = repr(request)
    for secret in ("AT-IN-QUERY", "SECRET-BASIC", "SECRET-BODY", "SECRET-CODE"):
        assert secret not in text
    assert "as.example" in text


def test_response_repr_shows_no_body() -> None:
    response = HttpResponse(200, {"Content-Type": "application/json"}, b'{"access_token":"AT-X"}')
    assert "AT-X" not in repr(response)


def test_response_headers_are_case_insensitive() -> None:
    response = HttpResponse(200, {"Content-Type": "Application/JSON; charset=utf-8"}, b"{}")
    assert response.header("content-type") == "Application/JSON; charset=utf-8"
    assert response.header("CONTENT-TYPE") is not None
    assert response.media_type == "application/json"


def test_request_headers_cannot_be_changed_after_building() -> None:
    request = HttpRequest("GET", "https://as.example/", {"Accept": "application/json"})
    with pytest.raises(TypeError):
        request.headers["Accept"] = "text/html"  # type: ignore[index]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://RS.example/a?x=1", ("https", "rs.example", 443)),
        ("https://rs.example:443/b#f", ("https", "rs.example", 443)),
        ("HTTP://rs.example", ("http", "rs.example", 80)),
        ("http://127.0.0.1:8080/x", ("http", "127.0.0.1", 8080)),
        ("https://user:pw@rs.example/p", ("https", "rs.example", 443)),
    ],
)
def test_origin_is_scheme_host_and_port_with_the_default_filled_in(
    url: str, expected: tuple[str, str, int]
) -> None:
    assert origin(url) == expected


def test_the_url_cache_keeps_neither_a_query_nor_credentials() -> None:
    seen: list[str] = []

    @functools.lru_cache(maxsize=8)
    def path_of(url: str) -> str:
        seen.append(url)
        return url

    # Queries are cut before the cache: one computation for the path, never a query.
    assert (
        through_url_cache(path_of, "https://rs.example/p?api_key=s3cr3t") == "https://rs.example/p"
    )
    assert through_url_cache(path_of, "https://rs.example/p?other=1#f") == "https://rs.example/p"
    assert seen == ["https://rs.example/p"]
    # Credentials bypass the cache: computed every time, never stored.
    for _ in range(2):
        through_url_cache(path_of, "https://user:pw@rs.example/p")
    assert seen[1:] == ["https://user:pw@rs.example/p"] * 2
    assert path_of.cache_info().currsize == 1
