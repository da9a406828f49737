"""``grantflow dev-provider``, run in-process: its banner, its request log, its options.

The command serves until its ``stop`` event is set (Ctrl-C and SIGTERM, which need a
process, are in ``test_cli_process.py``).
"""

from __future__ import annotations

import io
import re
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from grantflow._cli import main

from ._cli import TIMEOUT, cli_env, run_cli

ISSUER_LINE = re.compile(r"^issuer:\s+(\S+)$", re.MULTILINE)


class _Stream(io.StringIO):
    """An output stream another thread may read while the command writes to it."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.banner_done = threading.Event()

    def write(self, text: str) -> int:
        with self.lock:
            written = super().write(text)
        if "grantflow token --issuer" in text:
            self.banner_done.set()
        return written

    def text(self) -> str:
        with self.lock:
            return self.getvalue()


@dataclass
class Served:
    """A running ``grantflow dev-provider``: its banner, its log, how to stop it."""

    issuer: str
    out: _Stream
    err: _Stream
    stop: threading.Event
    thread: threading.Thread
    status: list[int]

    def finish(self) -> int:
        self.stop.set()
        self.thread.join(TIMEOUT)
        return self.status[0]


@pytest.fixture
def served() -> Iterator[Served]:
    out, err, stop, status = _Stream(), _Stream(), threading.Event(), []

    def run() -> None:
        status.append(main(["dev-provider"], stdout=out, stderr=err, env=cli_env(), stop=stop))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert out.banner_done.wait(TIMEOUT), err.text()
    found = ISSUER_LINE.search(out.text())
    assert found, out.text()
    running = Served(found.group(1), out, err, stop, thread, status)
    yield running
    running.finish()


def test_the_banner_names_each_clients_redirect_uris_and_the_command_to_sign_in(
    served: Served,
) -> None:
    banner = served.out.text()

    assert re.search(
        r"client-public\s+none\n\s+redirect URIs: .*http://127\.0\.0\.1/callback \(any port\)",
        banner,
    )
    assert f"grantflow token --issuer {served.issuer} --client-id client-public" in banner
    assert "client-basic-secret" in banner  # the fixed test secrets, printed on purpose
    assert served.finish() == 0


def test_each_request_is_logged_with_method_path_status_and_client_but_no_secret(
    served: Served,
) -> None:
    token = requests.post(
        f"{served.issuer}/token",
        data={"grant_type": "client_credentials", "scope": "api:read"},
        auth=("client-m2m", "client-m2m-secret"),
        timeout=TIMEOUT,
    ).json()["access_token"]
    requests.get(
        f"{served.issuer}/auth",
        params={"client_id": "client-public", "response_type": "code", "state": "s3cr3t-state"},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert served.finish() == 0

    log = served.err.text()
    assert re.search(r"^\d\d:\d\d:\d\d POST /token 200 client-m2m$", log, re.MULTILINE)
    assert re.search(r"^\d\d:\d\d:\d\d GET /auth \d{3} client-public$", log, re.MULTILINE)
    for secret in ("client-m2m-secret", token, "s3cr3t-state"):
        assert secret not in log


def test_a_port_in_use_is_named_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_cli("dev-provider", "--port", str(port))

    assert result.status == 2
    assert result.stderr == (
        f"grantflow: 127.0.0.1:{port} is in use: stop what listens there, or pick another port\n"
    )


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_one_line_usage_error(port: str) -> None:
    result = run_cli("dev-provider", "--port", port)

    assert result.status == 2
    assert result.stderr.splitlines() == [
        f"grantflow dev-provider: argument --port: '{port}' is not a TCP port: "
        "give 0 to 65535 (0: any free port)",
        "Try 'grantflow dev-provider --help'.",
    ]


def test_help_shows_each_default_and_what_the_state_dir_holds() -> None:
    result = run_cli("dev-provider", "--help")

    help_text = " ".join(result.stdout.split())
    assert result.status == 0
    for default in ("(default: 127.0.0.1)", "(default: 0, any free port)", "(default: alice)"):
        assert default in help_text
    assert "key files (PEM and JWK Set) and clients.json" in help_text
    assert "temporary directory removed on exit" in help_text


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory outside both the current directory and the temporary directory."""
    for name in ("cwd", "tmp", "elsewhere"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path / "elsewhere"


def test_a_state_dir_that_does_not_exist_outside_cwd_and_tmp_is_refused(elsewhere: Path) -> None:
    target = elsewhere / "keys"

    result = run_cli("dev-provider", "--state-dir", str(target))

    assert result.status == 2
    assert f"--state-dir {target} does not exist" in result.stderr
    assert "--create-state-dir" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("where", ["cwd", "tmp", "told"])
def test_a_state_dir_is_created_in_cwd_or_tmp_or_when_told(elsewhere: Path, where: str) -> None:
    base = elsewhere if where == "told" else elsewhere.parent / where
    target = base / "state" / "keys"
    extra = ["--create-state-dir"] if where == "told" else []
    stop = threading.Event()
    stop.set()  # serve, then stop at once

    status = main(
        ["dev-provider", "--state-dir", str(target), *extra],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        env=cli_env(),
        stop=stop,
    )

    assert status == 0
    assert (target / "clients.json").is_file()  # kept: the directory was asked for
