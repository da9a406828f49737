"""The read-only values the core passes around: requests, responses, remembered requests."""

from __future__ import annotations

import json

import pytest

from grantflow._core._authorization import AuthorizationRequest, ValidatedCallback
from grantflow._core._http import HttpRequest, HttpResponse
from grantflow._flows._drive import Send


def a_record(**changes: object) -> AuthorizationRequest:
    values: dict[str, object] = {
        "state": "st",
        "response_type": "code",
        "redirect_uri": "https://app.example/cb",
        "code_verifier": "v" * 43,
        "nonce": "n-1",
        "max_age": 60,
    }
    values.update(changes)
    return AuthorizationRequest(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (HttpRequest("GET", "https://as.example/"), "url"),
        (HttpResponse(200), "status_code"),
        (Send(HttpRequest("GET", "https://as.example/")), "purpose"),
        (a_record(), "code_verifier"),
        (ValidatedCallback({"code": "c"}, "st"), "state"),
    ],
)
def test_values_refuse_assignment_and_deletion(value: object, name: str) -> None:
    before = getattr(value, name)
    with pytest.raises(AttributeError, match="read-only"):
        setattr(value, name, "changed")
    with pytest.raises(AttributeError, match="read-only"):
        delattr(value, name)
    with pytest.raises(AttributeError):
        value.extra = 1  # type: ignore[attr-defined]
    assert getattr(value, name) == before


def test_headers_cannot_be_changed_in_place_and_response_headers_ignore_case() -> None:
    headers = {"Accept": "application/json"}
    request = HttpRequest("POST", "https://as.example/token", headers, b"a=1")
    headers["Accept"] = "text/html"
    assert request.headers == {"Accept": "application/json"}
    with pytest.raises(TypeError):
        request.headers["Accept"] = "x"  # type: ignore[index]

    response = HttpResponse(200, {"Content-Type": "Application/JSON; charset=utf-8"})
    assert response.header("content-type") == "Application/JSON; charset=utf-8"
    assert response.header("CONTENT-TYPE") == "Application/JSON; charset=utf-8"
    assert response.media_type == "application/json"


def test_defaults_are_the_empty_values() -> None:
    request = HttpRequest("GET", "https://as.example/")
    response = HttpResponse(204)
    step = Send(request)

    assert (dict(request.headers), request.body) == ({}, None)
    assert (dict(response.headers), response.body, response.url) == ({}, b"", "")
    assert (step.purpose, step.client_auth) == (None, None)


def test_equal_values_compare_and_hash_alike() -> None:
    one = HttpRequest("GET", "https://as.example/", {"A": "1"})
    same = HttpRequest("GET", "https://as.example/", {"A": "1"})
    other = HttpRequest("GET", "https://as.example/", {"A": "2"})

    assert one == same
    assert hash(one) == hash(same)
    assert one != other
    assert a_record() == a_record()
    assert a_record() != a_record(nonce="n-2")
    assert HttpResponse(200) != HttpRequest("GET", "https://as.example/")
    assert len({a_record(), a_record(), a_record(state="other")}) == 2


def test_a_remembered_request_round_trips_through_json_in_field_order() -> None:
    record = a_record()
    data = record.to_dict()

    assert list(data) == [
        "state",
        "response_type",
        "redirect_uri",
        "code_verifier",
        "nonce",
        "max_age",
    ]
    assert AuthorizationRequest(**json.loads(json.dumps(data))) == record


def test_reprs_show_no_body_verifier_or_query() -> None:
    request = HttpRequest("POST", "https://as.example/token?code=SECRET", {}, b"secret=SECRET")
    step = Send(request, "access_token", object())
    text = repr(request) + repr(step) + repr(a_record(code_verifier="VERIFIER-SECRET"))

    assert "SECRET" not in text
    assert "https://as.example/token" in text
