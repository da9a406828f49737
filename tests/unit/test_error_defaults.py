"""Every public error can be built with no arguments, and the fetch alias shows its signature."""

from __future__ import annotations

import inspect

import pytest

import grantflow
from grantflow import OAuth2Session

ERRORS = [name for name in grantflow.__all__ if name.endswith("Error")]


@pytest.mark.parametrize("name", ERRORS)
def test_error_builds_without_arguments_and_names_its_code(name: str) -> None:
    error = getattr(grantflow, name)()
    assert error.status_code is None
    assert str(error) == error.error or str(error).startswith(f"{error.error}: ")
    assert error.error


def test_invalid_id_token_error_without_a_claim_names_the_id_token() -> None:
    error = grantflow.InvalidIDTokenError()
    assert error.claim == "id_token"
    assert "id_token" in str(error)


def test_fetch_access_token_has_the_signature_of_fetch_token() -> None:
    alias = inspect.signature(OAuth2Session.fetch_access_token)
    assert alias == inspect.signature(OAuth2Session.fetch_token)
