"""The ``grantflow`` command against the certified OpenID provider.

The command runs in a subprocess exactly as a person would run it; for the code flow
the test plays the browser: it reads the authorization URL from stderr, walks the
provider's login and consent redirects, and delivers the callback to the command's
loopback listener (RFC 8252 §7.3).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from grantflow.testing import ProviderInfo

from ._browser import follow_to_redirect_uri, query_params

pytestmark = pytest.mark.e2e

WAIT_S = 60
URL_LINE = re.compile(r"^\s+(http://\S+/auth\S*)\s*$")


@dataclass(frozen=True)
class Finished:
    status: int
    stdout: str
    stderr: str

    def token(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.stdout)
        return document


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRANTFLOW_", "BROWSER"))}
    return {**env, **extra}


def _grantflow(*args: str, **env: str) -> Finished:
    done = subprocess.run(
        [sys.executable, "-m", "grantflow", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=WAIT_S,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def _m2m_token(provider: ProviderInfo, *extra: str, secret: str | None = None) -> Finished:
    """A client-credentials token of client-m2m (secret in GRANTFLOW_CLIENT_SECRET)."""
    m2m = provider.clients["client-m2m"]
    return _grantflow(
        "token",
        "--issuer",
        provider.issuer,
        "--client-id",
        m2m.client_id,
        "--grant",
        "client_credentials",
        "--scope",
        "api:read",
        *extra,
        GRANTFLOW_CLIENT_SECRET=secret or m2m.client_secret or "",
    )


@pytest.fixture
def code_flow(provider: ProviderInfo) -> Iterator[subprocess.Popen[str]]:
    """``grantflow token`` for client-public, waiting for its redirect; stopped after."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grantflow",
            "token",
            "--issuer",
            provider.issuer,
            "--client-id",
            "client-public",
            "--redirect-uri",
            "http://127.0.0.1/cb",
            "--scope",
            "openid profile",
            "--param",
            "login_hint=bob",
            "--no-browser",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=WAIT_S)


def _authorization_url(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    """Read stderr up to the printed authorization URL (the process then waits for us)."""
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:
        seen.append(line)
        match = URL_LINE.match(line)
        if match:
            return match.group(1), seen
    raise AssertionError("no authorization URL printed:\n" + "".join(seen))


def _finish(process: subprocess.Popen[str], seen: list[str]) -> Finished:
    stdout, stderr = process.communicate(timeout=WAIT_S)
    return Finished(process.returncode, stdout, "".join(seen) + stderr)


def test_cli_code_flow_with_pkce_prints_bobs_validated_token(
    provider: ProviderInfo, browser: requests.Session, code_flow: subprocess.Popen[str]
) -> None:
    url, seen = _authorization_url(code_flow)
    assert query_params(url)["code_challenge_method"] == "S256"
    callback = follow_to_redirect_uri(browser, url, query_params(url)["redirect_uri"])
    assert query_params(callback)["iss"] == provider.issuer

    page = requests.get(callback, timeout=10)
    result = _finish(code_flow, seen)

    assert result.status == 0, result.stderr
    assert page.status_code == 200
    token = result.token()
    assert token["userinfo"]["sub"] == "bob"
    assert token["userinfo"]["iss"] == provider.issuer
    assert token["access_token"] not in result.stderr
    assert query_params(callback)["code"] not in result.stdout + result.stderr


def test_cli_code_flow_refuses_a_callback_with_another_state(
    provider: ProviderInfo, browser: requests.Session, code_flow: subprocess.Popen[str]
) -> None:
    url, seen = _authorization_url(code_flow)
    callback = follow_to_redirect_uri(browser, url, query_params(url)["redirect_uri"])
    forged = {**query_params(callback), "state": "a-state-this-command-never-sent"}

    requests.get(f"{callback.split('?', 1)[0]}?{urlencode(forged)}", timeout=10)
    result = _finish(code_flow, seen)

    assert result.status == 3
    assert "mismatching_state" in result.stderr
    assert result.stdout == ""


def test_cli_client_credentials_and_introspection_by_the_resource_server(
    provider: ProviderInfo,
) -> None:
    rs = provider.clients["rs"]

    token = _m2m_token(provider)
    introspected = _grantflow(
        "introspect",
        "--issuer",
        provider.issuer,
        "--client-id",
        rs.client_id,
        GRANTFLOW_CLIENT_SECRET=rs.client_secret or "",
        GRANTFLOW_TOKEN=token.stdout,
    )

    assert token.status == 0, token.stderr
    assert introspected.status == 0, introspected.stderr
    assert introspected.token()["active"] is True
    assert introspected.token()["client_id"] == "client-m2m"


def test_cli_wrong_client_secret_is_the_providers_invalid_client(provider: ProviderInfo) -> None:
    result = _m2m_token(provider, secret="certainly-wrong")

    assert result.status == 1
    assert "invalid_client" in result.stderr
    assert "certainly-wrong" not in result.stderr + result.stdout


def test_cli_private_key_jwt_with_the_clients_jwk_set(provider: ProviderInfo) -> None:
    result = _grantflow(
        "token",
        "--issuer",
        provider.issuer,
        "--client-id",
        "client-private-jwt",
        "--private-key",
        str(provider.files["private_key_jwt_keys"]),
        "--grant",
        "client_credentials",
        "--scope",
        "api:read",
    )

    assert result.status == 0, result.stderr
    assert result.token()["access_token"]


def test_cli_discover_and_verified_decode_of_a_jwt_access_token(provider: ProviderInfo) -> None:
    token = _m2m_token(provider, "--resource", "urn:test:api:jwt")
    access_token = token.token()["access_token"]

    discovered = _grantflow("discover", provider.issuer)
    verified = _grantflow("decode", "--verify", "--issuer", provider.issuer, access_token)

    assert discovered.status == 0, discovered.stderr
    assert discovered.token()["issuer"] == provider.issuer
    assert verified.status == 0, verified.stderr
    assert verified.token()["claims"]["aud"] in ("urn:test:api:jwt", ["urn:test:api:jwt"])


@pytest.mark.provider_specific(
    "oidc-provider", reason="mutual-TLS client authentication (RFC 8705)"
)
def test_cli_tls_client_auth_with_a_certificate_and_the_providers_ca(
    provider: ProviderInfo,
) -> None:
    files = provider.files

    result = _grantflow(
        "token",
        "--issuer",
        provider.issuer,
        "--client-id",
        "client-tls",
        "--cert",
        str(files["tls_client_cert"]),
        "--key",
        str(files["tls_client_key"]),
        "--ca-bundle",
        str(files["ca"]),
        "--grant",
        "client_credentials",
    )

    assert result.status == 0, result.stderr
    assert result.token()["access_token"]


def test_exchange_turns_a_users_token_into_a_services(provider: ProviderInfo) -> None:
    user = provider.clients["client-basic"]
    issued = _grantflow(
        "token",
        "--issuer",
        provider.issuer,
        "--client-id",
        user.client_id,
        "--grant",
        "password",
        "--username",
        "alice",
        "--scope",
        "openid",
        GRANTFLOW_CLIENT_SECRET=user.client_secret or "",
        GRANTFLOW_PASSWORD=provider.users["alice"],
    )
    assert issued.status == 0, issued.stderr
    service = provider.clients["client-post"]
    exchanged = _grantflow(
        "exchange",
        "--issuer",
        provider.issuer,
        "--client-id",
        service.client_id,
        "--auth-method",
        "client_secret_post",
        "--subject-token-env",
        "SUBJECT",
        SUBJECT=issued.stdout,
        GRANTFLOW_CLIENT_SECRET=service.client_secret or "",
    )
    assert exchanged.status == 0, exchanged.stderr
    token = exchanged.token()
    assert token["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert token["access_token"] != issued.token()["access_token"]
    assert token["access_token"] not in exchanged.stderr


def test_register_then_use_the_registered_client(provider: ProviderInfo) -> None:
    registered = _grantflow(
        "register",
        "--issuer",
        provider.issuer,
        "--redirect-uri",
        "http://127.0.0.1:8080/cb",
        "--grant-type",
        "client_credentials",
        "--client-name",
        "registered from the command line",
    )
    assert registered.status == 0, registered.stderr
    client = registered.token()
    assert client["client_secret"] not in registered.stderr
    token = _grantflow(
        "token",
        "--issuer",
        provider.issuer,
        "--client-id",
        client["client_id"],
        "--grant",
        "client_credentials",
        GRANTFLOW_CLIENT_SECRET=client["client_secret"],
    )
    assert token.status == 0, token.stderr
    assert token.token()["access_token"]
