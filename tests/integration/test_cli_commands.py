"""``grantflow refresh``, ``revoke``, ``introspect``, ``discover``, ``decode`` and
``--help``, each run in-process against the development provider.

A token printed by ``grantflow token`` feeds the other commands through a file or an
environment variable, the way a script chains them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from grantflow.testing import DevProvider

from ._cli import Result, cli_env, run_cli

TokenFile = Callable[[], Path]


def _client(op: DevProvider, client_id: str) -> tuple[list[str], dict[str, str]]:
    """Server and client options, with the client's secret in the default variable."""
    secret = op.clients[client_id].get("client_secret") or ""
    args = ["--issuer", op.issuer, "--client-id", client_id]
    return args, cli_env(GRANTFLOW_CLIENT_SECRET=secret)


@pytest.fixture
def token_file(oauth_provider: DevProvider, tmp_path: Path) -> TokenFile:
    """A fresh token of alice's for client-basic, as ``grantflow token`` wrote it."""

    def make() -> Path:
        args, env = _client(oauth_provider, "client-basic")
        result = run_cli(
            "token",
            *args,
            "--grant",
            "password",
            "--username",
            "alice",
            "--scope",
            "openid profile",
            env={**env, "GRANTFLOW_PASSWORD": oauth_provider.users["alice"]},
        )
        assert result.status == 0, result.stderr
        path = tmp_path / "token.json"
        path.write_text(result.stdout, encoding="utf-8")
        return path

    return make


def _introspect(op: DevProvider, *token_args: str, env: dict[str, str] | None = None) -> Result:
    args, rs_env = _client(op, "rs")
    return run_cli("introspect", *args, *token_args, env={**rs_env, **(env or {})})


def test_refresh_reads_the_json_token_file_and_prints_a_new_token(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    path = token_file()
    first = json.loads(path.read_text(encoding="utf-8"))
    args, env = _client(oauth_provider, "client-basic")

    result = run_cli("refresh", *args, "--refresh-token-file", str(path), env=env)

    assert result.status == 0, result.stderr
    token = result.json
    assert token["access_token"] != first["access_token"]
    assert token["userinfo"]["sub"] == "alice"
    assert first["refresh_token"] not in result.output


def test_refresh_of_a_json_token_holds_the_new_id_token_to_the_first_ones_subject(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    path = token_file()
    first = json.loads(path.read_text(encoding="utf-8"))
    first["userinfo"]["sub"] = "mallory"  # as if the first sign-in had been mallory's
    path.write_text(json.dumps(first), encoding="utf-8")
    args, env = _client(oauth_provider, "client-basic")

    result = run_cli("refresh", *args, "--refresh-token-file", str(path), env=env)

    assert result.status == 3
    assert "'sub'" in result.stderr
    assert result.stdout == ""


def test_refresh_with_a_used_refresh_token_exits_1_invalid_grant(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    path = token_file()
    args, env = _client(oauth_provider, "client-basic")
    assert run_cli("refresh", *args, "--refresh-token-file", str(path), env=env).status == 0

    again = run_cli("refresh", *args, "--refresh-token-file", str(path), env=env)

    assert again.status == 1
    assert "invalid_grant" in again.stderr


def test_refresh_without_a_refresh_token_is_a_usage_error(oauth_provider: DevProvider) -> None:
    args, env = _client(oauth_provider, "client-basic")

    result = run_cli("refresh", *args, env=env)

    assert result.status == 2
    assert "GRANTFLOW_REFRESH_TOKEN" in result.stderr


def test_introspect_then_revoke_then_introspect_shows_the_token_inactive(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    path = str(token_file())
    args, env = _client(oauth_provider, "client-basic")

    before = _introspect(oauth_provider, "--token-file", path)
    revoked = run_cli("revoke", *args, "--token-file", path, env=env)
    after = _introspect(oauth_provider, "--token-file", path)

    assert before.status == 0, before.stderr
    assert before.json["active"] is True
    assert before.json["sub"] == "alice"
    assert revoked.status == 0, revoked.stderr
    assert "accepted the revocation" in revoked.stderr
    assert after.json == {"active": False}


def test_introspect_takes_a_bare_token_from_grantflow_token(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    access_token = json.loads(token_file().read_text(encoding="utf-8"))["access_token"]

    result = _introspect(oauth_provider, env={"GRANTFLOW_TOKEN": access_token})

    assert result.status == 0, result.stderr
    assert result.json["active"] is True
    assert access_token not in result.output


def test_revoke_with_a_refresh_token_hint_revokes_the_refresh_token(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    path = str(token_file())
    args, env = _client(oauth_provider, "client-basic")

    run_cli("revoke", *args, "--token-file", path, "--token-type-hint", "refresh_token", env=env)
    refreshed = run_cli("refresh", *args, "--refresh-token-file", path, env=env)

    assert refreshed.status == 1
    assert "invalid_grant" in refreshed.stderr


def test_discover_prints_the_checked_metadata(oauth_provider: DevProvider) -> None:
    result = run_cli("discover", oauth_provider.issuer)

    assert result.status == 0, result.stderr
    assert result.json["issuer"] == oauth_provider.issuer
    assert result.json["token_endpoint"] == oauth_provider.metadata["token_endpoint"]


def test_discover_of_an_issuer_the_document_does_not_name_exits_3(
    oauth_provider: DevProvider,
) -> None:
    # Same server, other spelling: the document's issuer is the 127.0.0.1 one.
    other = oauth_provider.issuer.replace("127.0.0.1", "localhost")

    result = run_cli("discover", other)

    assert result.status == 3
    assert result.stdout == ""


def test_decode_shows_header_and_claims_from_stdin_json_and_names_the_member(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    result = run_cli("decode", stdin=token_file().read_text(encoding="utf-8"))

    assert result.status == 0, result.stderr
    assert result.json["header"]["alg"] == "RS256"
    assert result.json["claims"]["sub"] == "alice"
    assert "WITHOUT checking the signature" in result.stderr
    assert "decoding the id_token of the JSON input" in result.stderr


def test_decode_field_picks_the_member_and_says_so(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    text = token_file().read_text(encoding="utf-8")

    result = run_cli("decode", "--field", "refresh_token", stdin=text)

    # The development provider's refresh tokens are opaque: not a JWT, said so.
    assert result.status == 2
    assert "not a JWT" in result.stderr
    assert "decoding the refresh_token of the JSON input" in result.stderr


def test_decode_verify_takes_the_issuer_from_grantflow_issuer(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    id_token = json.loads(token_file().read_text(encoding="utf-8"))["id_token"]

    result = run_cli(
        "decode", "--verify", id_token, env=cli_env(GRANTFLOW_ISSUER=oauth_provider.issuer)
    )

    assert result.status == 0, result.stderr
    assert result.json["claims"]["iss"] == oauth_provider.issuer
    assert "signature verified" in result.stderr


def test_decode_verify_checks_the_signature_with_the_issuers_keys(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    id_token = json.loads(token_file().read_text(encoding="utf-8"))["id_token"]

    plain = run_cli("decode", "--verify", "--issuer", oauth_provider.issuer, id_token)
    as_id_token = run_cli(
        "decode",
        "--verify",
        "--issuer",
        oauth_provider.issuer,
        "--client-id",
        "client-basic",
        id_token,
    )

    assert plain.status == 0, plain.stderr
    assert plain.json["claims"]["iss"] == oauth_provider.issuer
    assert as_id_token.status == 0, as_id_token.stderr
    assert as_id_token.json["claims"]["aud"] in ("client-basic", ["client-basic"])


def _tamper(jwt: str) -> str:
    header, payload, signature = jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("extra", "word"),
    [([], "signature"), (["--client-id", "client-basic"], "signature")],
    ids=["jwt", "id token"],
)
def test_decode_verify_of_a_forged_jwt_exits_3(
    oauth_provider: DevProvider, token_file: TokenFile, extra: list[str], word: str
) -> None:
    id_token = json.loads(token_file().read_text(encoding="utf-8"))["id_token"]

    result = run_cli(
        "decode", "--verify", "--issuer", oauth_provider.issuer, *extra, _tamper(id_token)
    )

    assert result.status == 3
    assert word in result.stderr
    assert result.stdout == ""


def test_decode_verify_for_another_client_exits_3_naming_aud(
    oauth_provider: DevProvider, token_file: TokenFile
) -> None:
    id_token = json.loads(token_file().read_text(encoding="utf-8"))["id_token"]

    result = run_cli(
        "decode", "--verify", "--issuer", oauth_provider.issuer, "--client-id", "other", id_token
    )

    assert result.status == 3
    assert "'aud'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["decode", "not-a-jwt"], "not a JWT"),
        (
            ["decode", "--verify", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"],
            "--issuer URL (or GRANTFLOW_ISSUER)",
        ),
        (["decode", '{"id_token": '], "the input looks like JSON but does not parse"),
        (["decode", '{"scope": "x"}'], "none of id_token, access_token, refresh_token"),
        (["decode", "--field", "id_token", '{"access_token": "x"}'], "has no id_token"),
    ],
)
def test_decode_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run_cli(*args)

    assert result.status == 2
    assert message in result.stderr


def test_help_documents_the_exit_statuses() -> None:
    result = run_cli("--help")

    assert result.status == 0
    for status in ("0 ", "1 ", "2 ", "3 ", "4 ", "130"):
        assert f"\n  {status}" in result.stdout
    for command in ("token", "refresh", "revoke", "introspect", "discover", "decode", "demo"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["token", "refresh", "revoke", "introspect", "decode"])
def test_each_command_help_documents_the_exit_statuses(command: str) -> None:
    result = run_cli(command, "--help")

    assert result.status == 0
    assert "exit status:" in result.stdout
    assert "130  interrupted" in result.stdout
