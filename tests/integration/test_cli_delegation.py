"""``grantflow exchange`` and ``grantflow register``, run in-process against the
development provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from grantflow.testing import DevProvider

from ._cli import Result, cli_env, run_cli

ACCESS = "urn:ietf:params:oauth:token-type:access_token"
REFRESH = "urn:ietf:params:oauth:token-type:refresh_token"


def _password_token(op: DevProvider, tmp_path: Path) -> Path:
    """A token of alice's for client-basic, as ``grantflow token`` wrote it."""
    result = run_cli(
        "token",
        "--issuer",
        op.issuer,
        "--client-id",
        "client-basic",
        "--grant",
        "password",
        "--username",
        "alice",
        "--scope",
        "openid profile",
        env=cli_env(
            GRANTFLOW_CLIENT_SECRET=op.clients["client-basic"]["client_secret"],
            GRANTFLOW_PASSWORD=op.users["alice"],
        ),
    )
    assert result.status == 0, result.stderr
    path = tmp_path / "token.json"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def _exchange(op: DevProvider, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_cli(
        "exchange",
        "--issuer",
        op.issuer,
        "--client-id",
        "client-post",
        "--auth-method",
        "client_secret_post",
        *args,
        env=cli_env(GRANTFLOW_CLIENT_SECRET="client-post-secret", **(env or {})),
    )


def _userinfo(op: DevProvider, access_token: str) -> requests.Response:
    return requests.get(
        f"{op.issuer}/me", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )


# -- exchange ---------------------------------------------------------------------------------


def test_exchange_takes_the_json_token_file_and_prints_the_new_token(
    oauth_provider: DevProvider, tmp_path: Path
) -> None:
    subject = json.loads(_password_token(oauth_provider, tmp_path).read_text())
    result = _exchange(
        oauth_provider,
        "--subject-token-file",
        str(tmp_path / "token.json"),
        "--scope",
        "openid",
        "--requested-token-type",
        "access_token",
    )
    assert result.status == 0, result.stderr
    token = result.json
    assert token["issued_token_type"] == ACCESS
    assert token["access_token"] != subject["access_token"]
    assert token["scope"] == "openid"
    assert _userinfo(oauth_provider, token["access_token"]).json()["sub"] == "alice"
    assert subject["access_token"] not in result.stderr
    assert token["access_token"] not in result.stderr


def test_exchange_of_the_refresh_token_member_with_an_actor_from_the_environment(
    oauth_provider: DevProvider, tmp_path: Path
) -> None:
    path = _password_token(oauth_provider, tmp_path)
    actor = json.loads(_password_token(oauth_provider, tmp_path).read_text())["access_token"]
    result = _exchange(
        oauth_provider,
        "--subject-token-file",
        str(path),
        "--subject-token-type",
        "refresh_token",
        "--actor-token-env",
        "ACTOR",
        env={"ACTOR": actor},
    )
    assert result.status == 0, result.stderr
    assert result.json["issued_token_type"] == ACCESS


def test_exchange_of_an_unknown_token_exits_1_with_the_servers_error(
    oauth_provider: DevProvider,
) -> None:
    result = _exchange(oauth_provider, env={"GRANTFLOW_SUBJECT_TOKEN": "not-a-token-of-its"})
    assert result.status == 1
    assert "invalid_request" in result.stderr
    assert "not-a-token-of-its" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the subject token"),
        (["--subject-token-type", "nonsense"], "is not a token type URI"),
        (["--subject-token", "x", "--actor-token-type", "jwt"], "needs an actor token"),
    ],
)
def test_exchange_usage_errors_exit_2(
    oauth_provider: DevProvider, args: list[str], message: str
) -> None:
    result = _exchange(oauth_provider, *args)
    assert result.status == 2
    assert message in result.stderr


def test_a_subject_token_on_the_command_line_draws_a_warning(oauth_provider: DevProvider) -> None:
    result = _exchange(oauth_provider, "--subject-token", "abc")
    assert "visible to other users" in result.stderr


# -- register ---------------------------------------------------------------------------------


def test_register_prints_the_client_and_the_client_works(
    oauth_provider: DevProvider, tmp_path: Path
) -> None:
    metadata = tmp_path / "client.json"
    metadata.write_text(json.dumps({"client_name": "from the file", "scope": "api:read"}))
    result = run_cli(
        "register",
        "--issuer",
        oauth_provider.issuer,
        "--metadata-file",
        str(metadata),
        "--grant-type",
        "client_credentials",
        "--client-name",
        "from the option",
        "--auth-method",
        "client_secret_post",
    )
    assert result.status == 0, result.stderr
    client = result.json
    assert client["client_name"] == "from the option"  # the option wins over the file
    assert client["scope"] == "api:read"
    assert client["token_endpoint_auth_method"] == "client_secret_post"
    assert client["client_id"] in result.stderr
    assert client["client_secret"] not in result.stderr
    token = requests.post(
        f"{oauth_provider.issuer}/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
        timeout=10,
    )
    assert token.status_code == 200 and token.json()["access_token"]


def test_register_with_redirect_uris_and_an_initial_access_token_file(
    oauth_provider: DevProvider, tmp_path: Path
) -> None:
    iat = tmp_path / "iat"
    iat.write_text("initial-token\n")
    result = run_cli(
        "register",
        "--registration-endpoint",
        f"{oauth_provider.issuer}/reg",
        "--redirect-uri",
        "http://127.0.0.1:9000/cb",
        "--redirect-uri",
        "http://127.0.0.1:9001/cb",
        "--initial-access-token-file",
        str(iat),
    )
    assert result.status == 0, result.stderr
    assert result.json["redirect_uris"] == ["http://127.0.0.1:9000/cb", "http://127.0.0.1:9001/cb"]
    assert "initial-token" not in result.output


def test_a_refused_registration_exits_1(oauth_provider: DevProvider) -> None:
    result = run_cli("register", "--issuer", oauth_provider.issuer, "--grant-type", "password")
    assert result.status == 1
    assert "invalid_client_metadata" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no server given"),
        (["--issuer", "ISSUER", "--metadata-file", "MISSING"], "MISSING"),
        (["--issuer", "ISSUER", "--metadata-file", "LIST"], "must hold a JSON object"),
    ],
)
def test_register_usage_errors_exit_2(
    oauth_provider: DevProvider, tmp_path: Path, args: list[str], message: str
) -> None:
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    replace = {"ISSUER": oauth_provider.issuer, "MISSING": str(tmp_path / "missing.json")}
    replace["LIST"] = str(listed)
    result = run_cli("register", *(replace.get(a, a) for a in args))
    assert result.status == 2
    assert replace.get(message, message) in result.stderr


@pytest.mark.parametrize("command", ["exchange", "register"])
def test_help_documents_the_exit_statuses(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.status == 0 and "exit status:" in result.stdout
