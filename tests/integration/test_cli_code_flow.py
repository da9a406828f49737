"""``grantflow token`` with the authorization code flow, the test playing the browser.

The command runs in-process on a thread: it listens on a loopback port (RFC 8252 §7.3)
and prints the authorization URL; the test walks the development provider's redirects
and delivers the callback to that port, intact or forged, and reads the exit status,
both output streams and the page the browser was shown. The system browser and Ctrl-C
need a process of their own: they are in ``test_cli_process.py``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from grantflow.testing import DevProvider

from ._cli import RunningCli, deliver, query_of, walk_to_redirect

REDIRECT = "http://127.0.0.1/cb"
StartCli = Callable[..., RunningCli]


@pytest.fixture
def start(oauth_provider: DevProvider) -> Iterator[StartCli]:
    """Start ``grantflow token`` for client-public; every started command is stopped."""
    started: list[RunningCli] = []

    def start_cli(*extra: str, redirect: str | None = REDIRECT) -> RunningCli:
        cli = RunningCli(
            "token",
            "--issuer",
            oauth_provider.issuer,
            "--client-id",
            "client-public",
            *(("--redirect-uri", redirect) if redirect else ()),
            "--scope",
            "openid profile",
            *extra,
        )
        started.append(cli)
        return cli

    yield start_cli
    for cli in started:
        cli.stop()


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**query_of(url), **params})))


def test_code_flow_prints_a_validated_token_on_stdout_and_no_credential_on_stderr(
    start: StartCli,
) -> None:
    cli = start("--no-browser")
    url = cli.authorization_url()
    assert query_of(url)["code_challenge_method"] == "S256"
    callback = walk_to_redirect(url)

    page = deliver(callback)
    result = cli.finish()

    assert result.status == 0, result.stderr
    assert "Done" in page.text
    token = result.json
    assert token["token_type"].lower() == "bearer"
    assert token["userinfo"]["sub"] == "alice"
    assert token["userinfo"]["aud"] in ("client-public", ["client-public"])
    for credential in (token["access_token"], token["refresh_token"], token["id_token"]):
        assert credential not in result.stderr
    assert query_of(callback)["code"] not in result.output
    assert "ID token validated" in result.stderr


def test_code_flow_binds_a_fresh_loopback_port_matching_the_registered_path(
    start: StartCli,
) -> None:
    cli = start("--no-browser")
    redirect_uri = urlsplit(query_of(cli.authorization_url())["redirect_uri"])
    cli.stop()

    assert (redirect_uri.scheme, redirect_uri.hostname, redirect_uri.path) == (
        "http",
        "127.0.0.1",
        "/cb",
    )
    assert redirect_uri.port not in (None, 0, 80)


@pytest.mark.parametrize(
    ("forged", "named"),
    [
        ({"state": "forged-state-value-0123456789"}, "mismatching_state"),
        ({"iss": "http://127.0.0.1:1"}, "iss"),
    ],
    ids=["state", "iss"],
)
def test_a_forged_callback_exits_3_and_the_page_shows_the_same_failure(
    start: StartCli, forged: dict[str, str], named: str
) -> None:
    cli = start("--no-browser")
    callback = walk_to_redirect(cli.authorization_url())

    page = deliver(_with_query(callback, **forged))
    result = cli.finish()

    assert result.status == 3
    assert named in result.stderr
    assert result.stdout == ""
    assert "Sign-in failed" in page.text
    assert "received" not in page.text
    assert named in page.text


def test_a_bare_get_of_the_redirect_uri_exits_3_saying_code_and_error_are_missing(
    start: StartCli,
) -> None:
    cli = start("--no-browser")
    redirect_uri = query_of(cli.authorization_url())["redirect_uri"]

    page = deliver(redirect_uri)
    result = cli.finish()

    assert result.status == 3
    assert "neither a code nor an error" in result.stderr
    assert "iss" not in result.stderr
    assert "neither a code nor an error" in page.text


def test_the_default_redirect_uri_is_registered_with_the_development_provider(
    start: StartCli,
) -> None:
    cli = start("--no-browser", redirect=None)
    url = cli.authorization_url()
    assert urlsplit(query_of(url)["redirect_uri"]).path == "/callback"

    page = deliver(walk_to_redirect(url))
    result = cli.finish()

    assert result.status == 0, result.stderr
    assert result.json["userinfo"]["sub"] == "alice"
    assert "Done" in page.text


def test_the_command_says_which_redirect_uri_the_client_must_have_registered(
    start: StartCli,
) -> None:
    cli = start("--no-browser")
    cli.authorization_url()
    cli.stop()

    stderr = cli.finish().stderr
    assert f"client-public must have {REDIRECT} among its registered redirect URIs" in stderr


def test_a_redirect_uri_port_in_use_is_named_in_one_line(start: StartCli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = start("--no-browser", redirect=f"http://127.0.0.1:{port}/cb").finish()

    assert result.status == 2
    assert result.stderr.startswith(f"grantflow: 127.0.0.1:{port} is in use")
    assert len(result.stderr.splitlines()) == 1


def test_an_error_in_the_callback_exits_1_with_the_servers_error(
    start: StartCli, oauth_provider: DevProvider
) -> None:
    cli = start("--no-browser")
    url = cli.authorization_url()
    params = query_of(url)
    denied = {
        "error": "access_denied",
        "error_description": "the user said no",
        "state": params["state"],
        "iss": oauth_provider.issuer,
    }

    page = deliver(f"{params['redirect_uri']}?{urlencode(denied)}")
    result = cli.finish()

    assert result.status == 1
    assert "access_denied" in page.text
    assert "error:             access_denied" in result.stderr
    assert "error_description: the user said no" in result.stderr


def test_other_paths_on_the_loopback_port_do_not_end_the_wait(start: StartCli) -> None:
    cli = start("--no-browser")
    callback = walk_to_redirect(cli.authorization_url())
    parts = urlsplit(callback)

    favicon = deliver(urlunsplit((parts.scheme, parts.netloc, "/favicon.ico", "", "")))
    deliver(callback)
    result = cli.finish()

    assert favicon.status_code == 404
    assert result.status == 0, result.stderr


def test_no_redirect_before_the_timeout_exits_4(start: StartCli) -> None:
    result = start("--no-browser", "--timeout", "0").finish()

    assert result.status == 4
    assert "--timeout" in result.stderr
    assert result.stdout == ""


def test_a_negative_timeout_is_a_usage_error(start: StartCli) -> None:
    result = start("--no-browser", "--timeout", "-5").finish()

    assert result.status == 2
    assert "--timeout: '-5' is not a number of seconds" in result.stderr


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://example.com/cb", "https://127.0.0.1/cb", "http://127.0.0.1/cb?x=1"],
)
def test_a_redirect_uri_that_is_not_plain_loopback_is_a_usage_error(
    start: StartCli, redirect_uri: str
) -> None:
    # The last --redirect-uri wins over the fixture's.
    result = start("--redirect-uri", redirect_uri, "--no-browser").finish()

    assert result.status == 2
    assert "redirect URI" in result.stderr
