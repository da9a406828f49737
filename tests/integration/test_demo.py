"""``grantflow demo``: runs every flow in a few seconds, exits 0, and shows no secret.

The demo's provider lives in the demo's own process, so its secrets are the
development provider's fixed ones: the test knows them and checks that none is printed.
The demo runs in-process; a terminal is a stream that says it is one. What a closed
pipe does to it is in ``test_cli_process.py``.
"""

from __future__ import annotations

import re

import pytest

from grantflow.testing import DevProvider

from ._cli import Result, Terminal, cli_env, run_cli

SECTIONS = (
    "Discovery",
    "Authorization code + PKCE",
    "UserInfo",
    "Refresh",
    "Client credentials",
    "Resource owner password",
    "Device flow",
    "Token exchange",
    "DPoP: sender-constrained tokens",
    "Pushed authorization request",
    "JWT client authentication",
    "JWT bearer grant",
    "Introspection",
    "Revocation",
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.")


@pytest.fixture(scope="module")
def demo() -> Result:
    """The demo into a pipe, with no COLUMNS: it wraps its prose to 80 columns."""
    env = cli_env()
    env.pop("COLUMNS", None)
    return run_cli("demo", env=env)


def test_demo_exits_0_after_every_section(demo: Result) -> None:
    assert demo.status == 0, demo.stderr
    positions = [demo.stdout.find(f". {title}") for title in SECTIONS]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
    assert f"All {len(SECTIONS)} sections ran" in demo.stdout


def test_demo_shows_what_was_sent_and_what_came_back(demo: Result) -> None:
    assert "→ POST http://127.0.0.1:" in demo.stdout
    assert "← 200 OK" in demo.stdout
    assert "grant_type     authorization_code" in demo.stdout
    assert "code_challenge_method  S256" in demo.stdout
    assert "client_assertion_type  urn:ietf:params:oauth:client-assertion-type:jwt-bearer" in (
        demo.stdout
    )
    assert "sub      alice" in demo.stdout  # decoded ID token claims
    assert "active  False" in demo.stdout  # introspection after revocation
    assert "urn:ietf:params:oauth:grant-type:device_code" in demo.stdout
    assert "issued_token_type" in demo.stdout


def _section(demo: Result, title: str) -> str:
    start = demo.stdout.index(f". {title}")
    end = demo.stdout.find("━━", start)
    return demo.stdout[start:end]


def test_demo_shows_a_dpop_bound_token_its_nonce_challenge_and_a_proof(demo: Result) -> None:
    dpop = _section(demo, "DPoP: sender-constrained tokens")
    assert '"typ": "dpop+jwt"' in dpop  # each proof's header, decoded
    assert "← 400 Bad Request" in dpop and "error              use_dpop_nonce" in dpop
    assert re.search(r"DPoP-Nonce:\s+••• \d+ chars", dpop)  # the nonce, masked
    assert "token_type     DPoP" in dpop
    assert "Authorization:  DPoP ••• 43 chars" in dpop  # the resource request
    assert re.search(r"\n\s+ath\s+\S{43}\n", dpop)  # its proof carries the token's hash
    assert "without the key: 401" in dpop


def test_demo_pushes_the_authorization_request(demo: Result) -> None:
    par = _section(demo, "Pushed authorization request")
    assert "→ POST http://127.0.0.1:" in par and "/request" in par
    assert "← 201 Created" in par
    url_fields = par.split("GET http://127.0.0.1:", 1)[1].split("→", 1)[0]
    assert "request_uri  urn:ietf:params:oauth:request_uri:" in url_fields
    assert "code_challenge" not in url_fields  # the browser's URL carries only the reference
    assert "signed in through the pushed request (sub 'alice')" in par


def test_demo_prints_no_secret_password_or_token(demo: Result) -> None:
    with DevProvider() as op:
        secrets = [c["client_secret"] for c in op.clients.values() if c.get("client_secret")]
        passwords = list(op.users.values())

    for value in (*secrets, *passwords):
        assert value not in demo.output
    assert JWT.search(demo.output) is None
    assert re.search(r"code=[A-Za-z0-9_-]{20,}", demo.output) is None
    assert "••• 43 chars" in demo.stdout  # tokens are shown as kind and length only


def test_demo_is_plain_text_when_piped(demo: Result) -> None:
    assert ANSI.search(demo.output) is None


def _demo_on_a_terminal(**env: str) -> str:
    """Run the demo with stdout on a terminal; return what it wrote there."""
    terminal = Terminal()
    result = run_cli("demo", env=cli_env(**env), stdout=terminal)
    assert result.status == 0, result.stderr
    return terminal.getvalue()


def test_demo_is_coloured_on_a_terminal() -> None:
    assert ANSI.search(_demo_on_a_terminal()) is not None


def test_no_color_turns_colour_off_on_a_terminal() -> None:
    text = _demo_on_a_terminal(NO_COLOR="1")

    assert "Discovery" in text
    assert ANSI.search(text) is None


def test_color_always_colours_a_pipe() -> None:
    result = run_cli("demo", "--color", "always")

    assert result.status == 0
    assert ANSI.search(result.stdout) is not None


@pytest.mark.parametrize("columns", [80, 60])
def test_the_demos_prose_fits_the_terminal_width(demo: Result, columns: int) -> None:
    # The module's run is the 80-column one; 60 needs a run of its own.
    result = demo if columns == 80 else run_cli("demo", env=cli_env(COLUMNS=str(columns)))

    assert result.status == 0, result.stderr
    prose = [line for line in result.stdout.splitlines() if _is_prose(line)]
    assert len(prose) > 20
    too_wide = [line for line in prose if len(line) > columns]
    assert too_wide == []


def _is_prose(line: str) -> bool:
    """A sentence or heading of the demo's, not a request line or an indented field."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    return bool(stripped) and indent < 6 and not stripped.startswith(("→", "←"))
