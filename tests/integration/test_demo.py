"""``grantflow demo``: runs every flow in a few seconds, exits 0, and shows no secret.

The demo's provider lives in the demo's own process, so its secrets are the
development provider's fixed ones: the test knows them and checks that none is printed.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess

import pytest
from test_cli_support import GRANTFLOW, TIMEOUT, Result, cli_env, run_cli

from grantflow.testing import DevProvider

SECTIONS = (
    "Discovery",
    "Authorization code + PKCE",
    "UserInfo",
    "Refresh",
    "Client credentials",
    "Resource owner password",
    "JWT client authentication",
    "JWT bearer grant",
    "Introspection",
    "Revocation",
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.")


@pytest.fixture(scope="module")
def demo() -> Result:
    return run_cli("demo")


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
    """Run the demo with stdout on a pseudo-terminal; return what it wrote there."""
    main, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [*GRANTFLOW, "demo"],
            stdin=subprocess.DEVNULL,
            stdout=secondary,
            stderr=subprocess.PIPE,
            env=cli_env(**env),
        )
    finally:
        os.close(secondary)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the terminal's other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(TIMEOUT) == 0
    finally:
        os.close(main)
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)
        if process.stderr is not None:
            process.stderr.close()
    return b"".join(chunks).decode("utf-8", "replace")


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
