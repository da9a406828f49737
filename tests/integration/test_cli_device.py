"""``grantflow token --grant device`` driven headlessly against the development provider.

The command runs in-process on a thread; the test reads the user code from its stderr
as a person would from the screen, and approves or denies it with one POST to the
provider's device page. The provider asks for a 1 s interval, so no wait is longer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests

from grantflow._cli._device import big_code
from grantflow._cli._exit import EXIT_OAUTH_ERROR, EXIT_OK
from grantflow.testing import DevProvider

from ._cli import TIMEOUT, RunningCli, cli_env, run_cli

SPACED_CODE = re.compile(r"\|\s+((?:[A-Z-]  ){8}[A-Z])\s+\|")


@pytest.fixture(scope="module")
def op() -> Iterator[DevProvider]:
    with DevProvider(device_interval=1, write_files=False) as provider:
        yield provider


def device_args(op: DevProvider, *extra: str) -> list[str]:
    client = ["--issuer", op.issuer, "--client-id", "client-public", "--scope", "openid"]
    return ["token", "--grant", "device", *client, *extra]


def device_command(op: DevProvider, *extra: str) -> RunningCli:
    return RunningCli(*device_args(op, *extra), env=cli_env())


def shown_code(cli: RunningCli) -> str:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = SPACED_CODE.search(cli._err.text())
        if found:
            return found.group(1).replace("  ", "")
        time.sleep(0.02)
    raise AssertionError(f"no user code shown:\n{cli._err.text()}")


def decide(op: DevProvider, user_code: str, action: str) -> None:
    page = requests.post(
        op.issuer + "/device", data={"user_code": user_code, "action": action}, timeout=10
    )
    assert page.status_code == 200, page.text


def test_the_code_is_shown_large_and_approving_it_prints_the_token(op: DevProvider) -> None:
    cli = device_command(op)
    code = shown_code(cli)
    deadline = time.monotonic() + TIMEOUT
    while "Waiting for approval" not in cli._err.text() and time.monotonic() < deadline:
        time.sleep(0.02)  # approve only once the first poll was pending
    decide(op, code, "approve")
    result = cli.finish()
    assert result.status == EXIT_OK, result.stderr
    assert result.json["access_token"]
    assert op.issuer + "/device" in result.stderr
    assert f"{op.issuer}/device?user_code={code}" in result.stderr
    assert "Waiting for approval" in result.stderr
    assert "\u2588" in result.stderr  # the QR code, drawn by segno (the test extra has it)


def test_a_denied_device_is_an_oauth_error_exit(op: DevProvider) -> None:
    cli = device_command(op)
    decide(op, shown_code(cli), "deny")
    result = cli.finish()
    assert result.status == EXIT_OAUTH_ERROR
    assert "access_denied" in result.stderr
    assert result.stdout == ""


def test_nobody_approves_before_the_timeout(op: DevProvider) -> None:
    result = run_cli(*device_args(op, "--timeout", "1"))
    assert result.status == EXIT_OAUTH_ERROR
    assert "expired_token" in result.stderr


def test_big_code_spaces_every_character() -> None:
    assert big_code("WDJB-MJHT").splitlines()[1] == "|   W  D  J  B  -  M  J  H  T   |"


def test_the_qr_code_is_a_real_symbol_of_the_size_segno_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import sys

    import segno

    from grantflow._cli._console import Console
    from grantflow._cli._device import draw_qr

    url = "http://127.0.0.1:8080/device?user_code=BCDF-GHJK"
    err = io.StringIO()
    console = Console(io.StringIO(), err)
    assert draw_qr(url, console)
    lines = err.getvalue().splitlines()
    # Compact drawing: one character per module across, two module rows per line, the
    # quiet zone included in segno's symbol size.
    width, height = segno.make(url, error="m").symbol_size()
    assert len(lines) == (height + 1) // 2
    assert {len(line) for line in lines} == {width}
    drawn = set("".join(lines))
    assert drawn <= set(" \u2580\u2584\u2588")
    assert len(drawn) >= 3  # both dark and light modules: not a blank or solid block
    monkeypatch.setitem(sys.modules, "segno", None)
    assert not draw_qr(url, console)
