"""``grantflow token`` with the grants that need no browser, and how it fails.

Secrets reach the command from files and environment variables; one given on argv works
but draws a warning. No secret or password ever appears in the command's output, and
each failure has its documented exit status. The command runs in-process.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grantflow.testing import DevProvider

from ._cli import Result, cli_env, run_cli
from ._wire import WireServer, json_reply, text_reply

M2M_SECRET = "client-m2m-secret"


def _token(
    issuer: str, client_id: str, grant: str, *extra: str, env: dict[str, str] | None = None
) -> Result:
    """``grantflow token --issuer ISSUER --client-id ID --grant GRANT EXTRA...``."""
    args = ["--issuer", issuer] if issuer else []
    return run_cli("token", *args, "--client-id", client_id, "--grant", grant, *extra, env=env)


def _m2m(op: DevProvider, *extra: str, env: dict[str, str] | None = None) -> Result:
    return _token(
        op.issuer, "client-m2m", "client_credentials", "--scope", "api:read", *extra, env=env
    )


def _private_key_jwt(
    op: DevProvider, grant: str, *extra: str, key_file: str = "private_key_jwt_keys"
) -> Result:
    key = str(op.files[key_file])
    return _token(op.issuer, "client-private-jwt", grant, "--private-key", key, *extra)


def _secret_file(tmp_path: Path, value: str) -> str:
    path = tmp_path / "secret.txt"
    path.write_text(value + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("source", ["file", "named variable", "default variable"])
def test_client_credentials_takes_the_secret_from_a_file_or_the_environment(
    oauth_provider: DevProvider, tmp_path: Path, source: str
) -> None:
    if source == "file":
        result = _m2m(oauth_provider, "--client-secret-file", _secret_file(tmp_path, M2M_SECRET))
    elif source == "named variable":
        env = cli_env(M2M=M2M_SECRET)
        result = _m2m(oauth_provider, "--client-secret-env", "M2M", env=env)
    else:
        result = _m2m(oauth_provider, env=cli_env(GRANTFLOW_CLIENT_SECRET=M2M_SECRET))

    assert result.status == 0, result.stderr
    assert result.json["scope"] == "api:read"
    assert result.json["access_token"] not in result.stderr
    assert M2M_SECRET not in result.output
    assert "warning" not in result.stderr


def test_a_secret_on_argv_works_but_warns_and_is_never_echoed(
    oauth_provider: DevProvider,
) -> None:
    result = _m2m(oauth_provider, "--client-secret", M2M_SECRET)

    assert result.status == 0, result.stderr
    assert "warning: --client-secret on the command line is visible" in result.stderr
    assert M2M_SECRET not in result.output


def test_a_wrong_secret_exits_1_with_the_servers_error_and_not_the_secret(
    oauth_provider: DevProvider,
) -> None:
    wrong = "not-the-secret-4711"

    result = _m2m(oauth_provider, env=cli_env(GRANTFLOW_CLIENT_SECRET=wrong))

    assert result.status == 1
    assert "error:             invalid_client" in result.stderr
    assert "HTTP status:       401" in result.stderr
    assert wrong not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--auth-method", "client_secret_basic"], "needs a client secret"),
        (["--client-secret-env", "GRANTFLOW_TEST_UNSET"], "GRANTFLOW_TEST_UNSET"),
        (["--client-secret-file", "/nonexistent/secret"], "--client-secret-file"),
        (["--client-secret-env", "not a variable name"], "takes the name of"),
        (["--auth-method", "private_key_jwt"], "--private-key"),
        (["--auth-method", "tls_client_auth"], "--cert"),
        (["--cert", "client.pem"], "--cert and --key go together"),
        (["--param", "no-equals-sign"], "NAME=VALUE"),
    ],
)
def test_a_missing_or_unreadable_credential_is_a_usage_error(
    oauth_provider: DevProvider, extra: list[str], message: str
) -> None:
    result = _m2m(oauth_provider, *extra)

    assert result.status == 2
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("option", ["--client-secret-file", "--client-secret-env"])
def test_a_secret_given_where_a_path_or_variable_name_belongs_is_not_echoed(
    oauth_provider: DevProvider, option: str
) -> None:
    mistaken = "s3cr3t value!"

    result = _m2m(oauth_provider, option, mistaken)

    assert result.status == 2
    assert option in result.stderr
    assert mistaken not in result.output


def test_decode_adds_the_claims_of_a_jwt_access_token(oauth_provider: DevProvider) -> None:
    env = cli_env(GRANTFLOW_CLIENT_SECRET=M2M_SECRET)

    result = _m2m(oauth_provider, "--resource", "urn:test:api:jwt", "--decode", env=env)

    assert result.status == 0, result.stderr
    decoded = result.json["decoded"]["access_token"]
    assert decoded["header"]["typ"] == "at+jwt"
    assert decoded["claims"]["aud"] == "urn:test:api:jwt"
    assert decoded["claims"]["client_id"] == "client-m2m"


def test_password_grant_reads_the_password_from_a_file_and_never_prints_it(
    oauth_provider: DevProvider, tmp_path: Path
) -> None:
    password = oauth_provider.users["alice"]
    secret = oauth_provider.clients["client-basic"]["client_secret"]

    result = _token(
        oauth_provider.issuer,
        "client-basic",
        "password",
        "--username",
        "alice",
        "--password-file",
        _secret_file(tmp_path, password),
        "--scope",
        "openid profile",
        env=cli_env(GRANTFLOW_CLIENT_SECRET=secret),
    )

    assert result.status == 0, result.stderr
    assert result.json["userinfo"]["sub"] == "alice"
    assert password not in result.output
    assert secret not in result.output


def test_password_grant_without_a_password_is_a_usage_error(
    oauth_provider: DevProvider,
) -> None:
    result = _token(
        oauth_provider.issuer,
        "client-basic",
        "password",
        "--username",
        "alice",
        env=cli_env(GRANTFLOW_CLIENT_SECRET="client-basic-secret"),
    )

    assert result.status == 2
    assert "--password-file" in result.stderr


@pytest.mark.parametrize("key_file", ["private_key_jwt_keys", "private_key_jwt_pem"])
def test_private_key_jwt_signs_with_a_jwk_set_or_a_pem_file(
    oauth_provider: DevProvider, key_file: str
) -> None:
    result = _private_key_jwt(
        oauth_provider, "client_credentials", "--scope", "api:read", key_file=key_file
    )

    assert result.status == 0, result.stderr
    assert result.json["access_token"]


def test_client_secret_jwt_is_chosen_by_auth_method(oauth_provider: DevProvider) -> None:
    secret = oauth_provider.clients["client-secret-jwt"]["client_secret"]

    result = _token(
        oauth_provider.issuer,
        "client-secret-jwt",
        "client_credentials",
        "--auth-method",
        "client_secret_jwt",
        env=cli_env(GRANTFLOW_CLIENT_SECRET=secret),
    )

    assert result.status == 0, result.stderr
    assert secret not in result.output


def test_jwt_bearer_grant_signs_an_assertion_for_the_subject(
    oauth_provider: DevProvider,
) -> None:
    result = _private_key_jwt(
        oauth_provider, "jwt-bearer", "--subject", "alice", "--scope", "api:read"
    )

    assert result.status == 0, result.stderr
    assert result.json["scope"] == "api:read"


def test_jwt_bearer_grant_with_an_unknown_subject_exits_1(oauth_provider: DevProvider) -> None:
    result = _private_key_jwt(oauth_provider, "jwt-bearer", "--subject", "mallory")

    assert result.status == 1
    assert "invalid_grant" in result.stderr


def test_an_unreachable_issuer_is_a_network_error(wire: WireServer) -> None:
    port = urlsplit(wire.url("/")).port
    wire.close()  # nothing listens on the port any more

    result = _token(
        f"http://127.0.0.1:{port}",
        "x",
        "client_credentials",
    )

    assert result.status == 4
    assert "network error" in result.stderr


def test_an_issuer_answering_html_exits_3(wire: WireServer) -> None:
    wire.script("/.well-known/openid-configuration", text_reply("<html>login</html>"))

    result = _token(wire.url(""), "x", "client_credentials")

    assert result.status == 3
    assert "invalid_response" in result.stderr


def test_a_discovery_document_for_another_issuer_exits_3(wire: WireServer) -> None:
    wire.script(
        "/.well-known/openid-configuration",
        json_reply({"issuer": "http://127.0.0.1:1", "token_endpoint": wire.url("/token")}),
    )

    result = _token(wire.url(""), "x", "client_credentials")

    assert result.status == 3
    assert wire.to("/token") == []


def test_an_oauth_error_shows_error_uri_and_status(wire: WireServer) -> None:
    wire.script(
        "/token",
        json_reply(
            {
                "error": "invalid_scope",
                "error_description": "api:write is not for you",
                "error_uri": "https://idp.example/errors/scope",
            },
            status=400,
        ),
    )

    result = _token(
        "",
        "x",
        "client_credentials",
        "--token-endpoint",
        wire.url("/token"),
        "--scope",
        "api:write",
    )

    assert result.status == 1
    assert "error:             invalid_scope" in result.stderr
    assert "error_description: api:write is not for you" in result.stderr
    assert "error_uri:         https://idp.example/errors/scope" in result.stderr
    assert "HTTP status:       400" in result.stderr


def test_a_plain_http_issuer_off_loopback_is_refused_before_any_request() -> None:
    result = _token(
        "http://idp.example.invalid",
        "x",
        "client_credentials",
    )

    assert result.status == 2
    assert "insecure_transport" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["token", "--grant", "implicit"],
        ["token", "--client-id", "x", "--grant", "client_credentials"],
        ["token", "--grant", "client_credentials", "--token-endpoint", "http://127.0.0.1:1/t"],
        ["frobnicate"],
        [],
    ],
    ids=["unknown grant", "no server", "no client id", "unknown command", "no command"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_cli(*args)

    assert result.status == 2
    assert result.stderr
    assert result.stdout == ""
