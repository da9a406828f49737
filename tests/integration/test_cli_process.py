"""The ``grantflow`` program as a process: what in-process runs cannot show.

Signals (Ctrl-C, SIGTERM), a stdout pipe closed early, the exit status as the shell sees
it, the installed console script, the system browser and what ``--version`` imports.
Each test starts ``python -m grantflow`` (or the script) with ``TMPDIR`` pointed at a
directory of its own, so a file left behind is seen.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grantflow.testing import DevProvider

from ._cli import (
    AUTHORIZATION_URL,
    GRANTFLOW,
    TIMEOUT,
    cli_env,
    run_cli,
    run_process,
)
from ._wire import free_port


@pytest.fixture
def tmpdir_env(tmp_path: Path) -> dict[str, str]:
    """The command's environment with a temporary directory of the test's own."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    return cli_env(TMPDIR=str(temp))


def _left_in(env: dict[str, str]) -> list[str]:
    return sorted(p.name for p in Path(env["TMPDIR"]).iterdir())


@pytest.fixture
def spawn() -> Iterator[type[subprocess.Popen[str]]]:
    """``subprocess.Popen`` whose processes are all killed and reaped after the test."""
    started: list[subprocess.Popen[str]] = []

    class Tracked(subprocess.Popen[str]):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[call-overload]
            started.append(self)

    yield Tracked
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def _piped(
    spawn: type[subprocess.Popen[str]], env: dict[str, str], *args: str
) -> subprocess.Popen[str]:
    """``python -m grantflow ARGS`` with stdout and stderr to pipes, no stdin."""
    return spawn(
        [*GRANTFLOW, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def test_version_answers_without_importing_requests() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "grantflow", "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=cli_env(),
    )

    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert done.returncode == 0
    assert done.stdout.startswith("grantflow ")
    assert "grantflow" in imported  # the probe sees grantflow's imports ...
    assert "requests" not in imported  # ... and requests is not among them
    assert "joserfc" not in imported


def test_the_console_script_is_the_same_command() -> None:
    script = Path(sys.executable).parent / "grantflow"
    found = str(script) if script.exists() else shutil.which("grantflow")
    assert found, "the grantflow console script is not installed (pip install -e .)"

    done = subprocess.run(
        [found, "--version"], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )

    assert done.returncode == 0
    assert done.stdout.startswith("grantflow ")
    assert done.stdout == run_process("--version").stdout


@pytest.mark.parametrize(
    ("args", "status", "first_line"),
    [
        (["token", "--grant", "implicit"], 2, "grantflow token: argument --grant"),
        (
            ["discover", f"http://127.0.0.1:{free_port()}"],
            4,
            "grantflow: network error: ConnectionError while contacting",
        ),
    ],
    ids=["usage error", "network error"],
)
def test_the_exit_status_reaches_the_shell(args: list[str], status: int, first_line: str) -> None:
    result = run_process(*args)

    assert result.status == status
    assert result.stderr.startswith(first_line)
    assert "Traceback" not in result.stderr


def test_ctrl_c_while_waiting_for_the_browser_exits_130(
    oauth_provider: DevProvider, spawn: type[subprocess.Popen[str]]
) -> None:
    process = _piped(
        spawn, cli_env(), "token", "--issuer", oauth_provider.issuer,
        "--client-id", "client-public", "--no-browser",
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if AUTHORIZATION_URL.match(line):
            break

    process.send_signal(signal.SIGINT)
    status = process.wait(TIMEOUT)

    assert status == 130
    assert "interrupted" in process.stderr.read()


def test_the_code_flow_opens_the_system_browser(
    oauth_provider: DevProvider, tmp_path: Path
) -> None:
    # webbrowser runs $BROWSER with the URL; this "browser" walks every redirect itself.
    browser = tmp_path / "browser.py"
    browser.write_text(
        "import sys, requests\n"
        "s = requests.Session(); s.trust_env = False\n"
        "s.get(sys.argv[1], timeout=10)\n",
        encoding="utf-8",
    )
    env = cli_env(BROWSER=f"{sys.executable} {browser} %s")

    result = run_process(
        "token", "--issuer", oauth_provider.issuer, "--client-id", "client-public",
        "--scope", "openid", env=env,
    )  # fmt: skip

    assert result.status == 0, result.stderr
    assert result.json["userinfo"]["sub"] == "alice"


def _start_dev_provider(
    spawn: type[subprocess.Popen[str]], env: dict[str, str]
) -> tuple[subprocess.Popen[str], str]:
    """``grantflow dev-provider`` started; its issuer read from the banner."""
    process = _piped(spawn, env, "dev-provider")
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("issuer:"):
            return process, line.split()[1]
    raise AssertionError("no issuer line in the banner")


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"]
)
def test_dev_provider_serves_until_a_signal_then_removes_its_files(
    spawn: type[subprocess.Popen[str]], tmpdir_env: dict[str, str], signum: int, status: int
) -> None:
    process, issuer = _start_dev_provider(spawn, tmpdir_env)
    running_files = _left_in(tmpdir_env)
    discovered = run_cli("discover", issuer)

    process.send_signal(signum)

    assert process.wait(TIMEOUT) == status
    assert discovered.json["issuer"] == issuer
    assert [name.startswith("grantflow-dev-provider-") for name in running_files] == [True]
    assert _left_in(tmpdir_env) == []


def test_demo_into_a_pipe_closed_early_exits_quietly_and_leaves_nothing(
    spawn: type[subprocess.Popen[str]], tmpdir_env: dict[str, str]
) -> None:
    # `grantflow demo | head -1`
    process = _piped(spawn, tmpdir_env, "demo")
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()

    status = process.wait(TIMEOUT)

    assert first.startswith("grantflow demo")
    assert status == 141
    assert process.stderr.read() == ""
    assert _left_in(tmpdir_env) == []


def test_dev_provider_whose_stdout_is_closed_removes_its_key_files(
    spawn: type[subprocess.Popen[str]], tmpdir_env: dict[str, str]
) -> None:
    process = _piped(spawn, tmpdir_env, "dev-provider")
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the banner: its first write fails

    status = process.wait(TIMEOUT)

    assert status == 141
    assert "Broken pipe" not in process.stderr.read()
    assert _left_in(tmpdir_env) == []
