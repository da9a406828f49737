"""How the command reports an issuer whose metadata cannot be used.

Whatever body a server sends with its "nothing here", the person learns the same
thing: no metadata at the URLs tried, which are named, with one exit status (3). An
address without a scheme is a usage error that suggests the URL it probably meant.
"""

from __future__ import annotations

import pytest

from ._cli import cli_env, run_cli
from ._wire import Reply, WireServer, json_reply, text_reply

OIDC = "/.well-known/openid-configuration"
RFC8414 = "/.well-known/oauth-authorization-server"


@pytest.mark.parametrize(
    "reply",
    [
        text_reply("<html>Not Found</html>", 404),
        json_reply({"error": "not_found", "error_description": "no such page"}, 404),
        text_reply("", 404, "text/plain"),
    ],
    ids=["html", "json error", "empty"],
)
@pytest.mark.parametrize("command", ["discover", "token"])
def test_no_metadata_exits_3_naming_both_urls_tried_whatever_the_body(
    wire: WireServer, reply: Reply, command: str
) -> None:
    for path in (f"/tenant{OIDC}", f"{RFC8414}/tenant"):
        wire.script(path, reply)
    issuer = wire.url("/tenant")
    args = ["discover", issuer] if command == "discover" else [
        "token", "--issuer", issuer, "--client-id", "x", "--grant", "client_credentials",
    ]  # fmt: skip

    result = run_cli(*args)

    assert result.status == 3
    assert result.stderr.splitlines()[:3] == [
        f"grantflow: no usable server metadata for {issuer}",
        f"  looked at:         {wire.url(f'/tenant{OIDC}')}",
        f"                     {wire.url(f'{RFC8414}/tenant')}",
    ]
    assert "HTTP status:       404" in result.stderr
    assert result.stdout == ""


def test_a_page_that_is_not_metadata_names_the_one_url_tried(wire: WireServer) -> None:
    wire.script(OIDC, text_reply("<html>sign in</html>", 200))

    result = run_cli("discover", wire.url(""))

    assert result.status == 3
    assert f"  looked at:         {wire.url(OIDC)}\n  error:" in result.stderr
    assert RFC8414 not in result.stderr


@pytest.mark.parametrize("given_slash", [True, False], ids=["given with", "given without"])
def test_an_issuer_that_differs_only_by_a_trailing_slash_gets_a_hint(
    wire: WireServer, given_slash: bool
) -> None:
    declared = wire.url("/realm") if given_slash else wire.url("/realm/")
    document = {"issuer": declared, "token_endpoint": wire.url("/token")}
    # Either spelling is looked up at /realm/.well-known/... (OpenID Discovery §4).
    wire.script(f"/realm{OIDC}", json_reply(document))
    given = wire.url("/realm/") if given_slash else wire.url("/realm")

    result = run_cli("discover", given)

    assert result.status == 3
    change = "without" if given_slash else "with"
    assert (
        f"hint: the provider's issuer is {declared} — issuers must match exactly, "
        f"so give it {change} the trailing slash"
    ) in result.stderr


def test_an_issuer_mismatch_of_another_kind_gets_no_slash_hint(wire: WireServer) -> None:
    wire.script(OIDC, json_reply({"issuer": "https://elsewhere.example"}))

    result = run_cli("discover", wire.url(""))

    assert result.status == 3
    assert "issuer" in result.stderr
    assert "hint:" not in result.stderr


@pytest.mark.parametrize(
    ("given", "suggested"),
    [
        ("127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("localhost:9000/realm", "http://localhost:9000/realm"),
        ("idp.example", "https://idp.example"),
    ],
)
def test_an_address_without_a_scheme_is_a_usage_error_suggesting_the_url(
    given: str, suggested: str
) -> None:
    result = run_cli("discover", given)

    assert result.status == 2
    assert result.stderr.splitlines() == [
        f"grantflow discover: argument ISSUER: '{given}' is not a URL (no scheme); "
        f"did you mean {suggested}?",
        "Try 'grantflow discover --help'.",
    ]
    assert "GRANTFLOW_INSECURE_TRANSPORT" not in result.stderr


def test_grantflow_issuer_without_a_scheme_is_named_in_the_error() -> None:
    env = cli_env(GRANTFLOW_ISSUER="127.0.0.1:9000")

    result = run_cli("token", "--client-id", "x", "--grant", "client_credentials", env=env)

    assert result.status == 2
    assert result.stderr.startswith("grantflow: GRANTFLOW_ISSUER: '127.0.0.1:9000' is not a URL")
