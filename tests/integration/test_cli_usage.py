"""Usage errors of the ``grantflow`` command: one line that says what, and where to read more.

A missing server or client is named by the flag and the variable that would give it,
never in the library's keyword terms; a file that cannot be read is named, unless the
value may be a secret given where its path belongs. The command runs in-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._cli import cli_env, run_cli


@pytest.mark.parametrize(
    ("args", "prog", "message"),
    [
        (["token", "--grant", "implicit"], "grantflow token", "argument --grant: invalid choice"),
        (["token", "--http-timeout", "0"], "grantflow token", "argument --http-timeout: '0'"),
        (["decode", "--frobnicate"], "grantflow", "unrecognized arguments: --frobnicate"),
        (["frobnicate"], "grantflow", "argument COMMAND: invalid choice: 'frobnicate'"),
        ([], "grantflow", "the following arguments are required: COMMAND"),
    ],
    ids=["choice", "timeout", "unknown option", "unknown command", "no command"],
)
def test_a_usage_error_is_one_line_and_a_pointer_to_help(
    args: list[str], prog: str, message: str
) -> None:
    result = run_cli(*args)

    assert result.status == 2
    first, hint = result.stderr.splitlines()
    assert first.startswith(f"{prog}: {message}")
    assert hint == f"Try '{prog} --help'."
    assert "usage:" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (["token", "--grant", "client_credentials"], "--token-endpoint URL"),
        (["token"], "--authorization-endpoint URL and --token-endpoint URL"),
        (["refresh", "--refresh-token-env", "RT"], "--token-endpoint URL"),
        (["revoke", "--token-env", "AT"], "--revocation-endpoint URL"),
        (["introspect", "--token-env", "AT"], "--introspection-endpoint URL"),
        (["token", "--grant", "jwt-bearer", "--client-secret-env", "CS"], "--token-endpoint URL"),
    ],
    ids=["client_credentials", "code", "refresh", "revoke", "introspect", "jwt-bearer"],
)
def test_no_server_names_the_flags_and_the_variable_that_would_give_one(
    args: list[str], flags: str
) -> None:
    env = cli_env(RT="rt", AT="at", CS="cs")

    result = run_cli(*args, "--client-id", "app", env=env)

    assert result.status == 2
    assert result.stderr == (
        f"grantflow: no server given: pass --issuer URL (or set GRANTFLOW_ISSUER), or {flags}\n"
    )


def test_no_client_id_names_the_flag_and_the_variable() -> None:
    result = run_cli(
        "token", "--grant", "client_credentials", "--token-endpoint", "http://127.0.0.1:1/t"
    )

    assert result.status == 2
    assert "pass --client-id ID (or set GRANTFLOW_CLIENT_ID)" in result.stderr


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keys").mkdir()
    return tmp_path


_M2M = ["token", "--token-endpoint", "http://127.0.0.1:1/token", "--client-id", "c",
        "--grant", "client_credentials"]  # fmt: skip


@pytest.mark.parametrize(
    ("option", "path"),
    [
        ("--client-secret-file", "secret.txt"),
        ("--client-secret-file", "keys/secret"),
        ("--private-key", "keys/client.pem"),
        ("--ca-bundle", "ca.pem"),
        ("--ca-bundle", "no/such/dir/ca.pem"),  # not a secret: always named
    ],
)
def test_a_missing_file_is_named(in_tmp: Path, option: str, path: str) -> None:
    result = run_cli(*_M2M, option, path)

    assert result.status == 2
    assert f"cannot read {option} {path}:" in result.stderr


def test_a_missing_client_certificate_is_named_and_its_key_path_too(in_tmp: Path) -> None:
    (in_tmp / "client.pem").write_text("certificate", encoding="utf-8")

    missing_cert = run_cli(*_M2M, "--cert", "nope.pem", "--key", "keys/k.pem")
    missing_key = run_cli(*_M2M, "--cert", "client.pem", "--key", "keys/k.pem")

    assert "cannot read --cert nope.pem: no such file" in missing_cert.stderr
    assert "cannot read --key keys/k.pem: no such file" in missing_key.stderr


@pytest.mark.parametrize(
    "value",
    ["hunter2", "s3cr3t+value=", "ab3/xYz9Qw", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", "a b.txt"],
)
def test_a_value_that_may_be_the_secret_itself_is_not_named(in_tmp: Path, value: str) -> None:
    result = run_cli(*_M2M, "--client-secret-file", value)

    assert result.status == 2
    assert value not in result.output
    assert "the file given to --client-secret-file (its name is not shown" in result.stderr
