"""The CLI's value checks (URLs, ports, durations, environment defaults) and path display."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from grantflow._cli._args import (
    FromEnv,
    non_negative_seconds,
    port_number,
    positive_seconds,
    resolve_env_defaults,
    url,
)
from grantflow._cli._files import path_is_shown


@pytest.mark.parametrize(
    "value",
    ["https://idp.example", "http://127.0.0.1:9000", "https://idp.example/realms/x/"],
)
def test_a_url_with_an_http_scheme_and_a_host_is_taken_as_given(value: str) -> None:
    assert url(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("127.0.0.1:9000", "did you mean http://127.0.0.1:9000?"),
        ("[::1]:9000", "did you mean http://[::1]:9000?"),
        ("localhost", "did you mean http://localhost?"),
        ("idp.example/realm", "did you mean https://idp.example/realm?"),
        ("ftp://idp.example", "is not an http:// or https:// URL"),
        ("https://", "is not an http:// or https:// URL"),
    ],
)
def test_anything_else_is_refused_with_the_url_it_probably_meant(value: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        url(value)
    assert message in str(raised.value)


@pytest.mark.parametrize(("value", "port"), [("0", 0), ("9000", 9000), ("65535", 65535)])
def test_a_port_from_0_to_65535_is_taken(value: str, port: int) -> None:
    assert port_number(value) == port


@pytest.mark.parametrize("value", ["65536", "99999", "-1", "80.5", "http", ""])
def test_any_other_port_is_refused(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not a TCP port"):
        port_number(value)


@pytest.mark.parametrize(
    ("check", "value", "accepted"),
    [
        (non_negative_seconds, "0", 0.0),
        (non_negative_seconds, "2.5", 2.5),
        (positive_seconds, "30", 30.0),
        (non_negative_seconds, "-5", None),
        (positive_seconds, "0", None),
        (positive_seconds, "nan", None),
        (positive_seconds, "inf", None),
        (non_negative_seconds, "soon", None),
    ],
)
def test_durations(check: object, value: str, accepted: float | None) -> None:
    assert callable(check)
    if accepted is None:
        with pytest.raises(argparse.ArgumentTypeError, match="is not a number of seconds"):
            check(value)
    else:
        assert check(value) == accepted


def test_env_defaults_are_read_from_the_given_environment_and_checked() -> None:
    args = argparse.Namespace(
        issuer=FromEnv("GRANTFLOW_ISSUER", url),
        client_id=FromEnv("GRANTFLOW_CLIENT_ID"),
        scope=FromEnv("UNSET_HERE"),
        given="kept",
    )

    resolve_env_defaults(args, {"GRANTFLOW_ISSUER": "https://idp", "GRANTFLOW_CLIENT_ID": "app"})

    assert vars(args) == {
        "issuer": "https://idp",
        "client_id": "app",
        "scope": None,
        "given": "kept",
    }


def test_an_env_default_that_fails_its_check_names_the_variable() -> None:
    args = argparse.Namespace(issuer=FromEnv("GRANTFLOW_ISSUER", url))

    with pytest.raises(ValueError, match=r"^GRANTFLOW_ISSUER: '127.0.0.1' is not a URL"):
        resolve_env_defaults(args, {"GRANTFLOW_ISSUER": "127.0.0.1"})


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("secret.txt", True),  # a known extension, in an existing directory
        ("sub/secret", True),  # a directory part, and the directory exists
        ("/sub/secret", False),  # that absolute directory does not exist
        ("nosuchdir/secret.txt", False),
        ("hunter2", False),  # no directory part, no known extension: may be a password
        ("hunter2.pass", False),
        ("s3cr3t=", False),  # characters paths rarely have
        ("ab+cd/ef", False),
        ("a b.txt", False),
        ("eyJhbGciOiJIUzI1NiJ9.e30.sig", False),  # a JWT
    ],
)
def test_a_secret_files_path_is_shown_only_when_it_is_plainly_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, shown: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()

    assert path_is_shown(value) is shown
