"""Helpers for the tests of the ``grantflow`` command (this module holds no tests).

Most tests run the command in-process: ``grantflow._cli.main`` with its own stdin,
stdout, stderr and environment, which is the whole command but for what only a process
has. Those few (signals, exit through a closed pipe, the installed script, what gets
imported) start ``python -m grantflow`` in a subprocess. The environment given to the
command is the test process's without anything that would change its behaviour; a test
that plays the browser reads the authorization URL from stderr as a person would.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from grantflow._cli import main

GRANTFLOW = (sys.executable, "-m", "grantflow")
TIMEOUT = 60
HTTP_TIMEOUT = 10
AUTHORIZATION_URL = re.compile(r"^\s+(https?://\S+)\s*$", re.MULTILINE)
_KEEP_OUT = ("GRANTFLOW_", "NO_COLOR", "BROWSER", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def cli_env(**extra: str) -> dict[str, str]:
    """The test process's environment without grantflow settings, proxies or a browser."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_KEEP_OUT)}
    env.update(extra)
    return env


@dataclass(frozen=True)
class Result:
    """What a finished command left: its exit status, stdout and stderr."""

    status: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a TTY would."""

    def isatty(self) -> bool:
        return True


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    stdout: io.StringIO | None = None,
) -> Result:
    """Run ``grantflow ARGS`` in-process to completion."""
    out = stdout if stdout is not None else io.StringIO()
    err = io.StringIO()
    status = main(
        list(args),
        stdin=io.StringIO(stdin or ""),
        stdout=out,
        stderr=err,
        env=env if env is not None else cli_env(),
    )
    return Result(status, out.getvalue(), err.getvalue())


def run_process(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> Result:
    """Run ``python -m grantflow ARGS`` in a subprocess to completion."""
    done = subprocess.run(
        [*GRANTFLOW, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env if env is not None else cli_env(),
        timeout=TIMEOUT,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


class _Watched(io.StringIO):
    """stderr that signals once the authorization URL has been written to it."""

    def __init__(self, printed: threading.Event) -> None:
        super().__init__()
        self._printed = printed
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            written = super().write(text)
        if AUTHORIZATION_URL.search(text):
            self._printed.set()
        return written

    def text(self) -> str:
        with self._lock:
            return self.getvalue()


class RunningCli:
    """``grantflow ARGS`` running in-process on a thread, its stderr read as it comes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self._printed = threading.Event()
        self._out = io.StringIO()
        self._err = _Watched(self._printed)
        self._status: int | None = None
        self._thread = threading.Thread(
            target=self._run, args=(list(args), env), name="grantflow-cli", daemon=True
        )
        self._thread.start()

    def _run(self, args: list[str], env: dict[str, str] | None) -> None:
        try:
            self._status = main(
                args,
                stdin=io.StringIO(),
                stdout=self._out,
                stderr=self._err,
                env=env if env is not None else cli_env(),
            )
        finally:
            self._printed.set()

    def authorization_url(self) -> str:
        """The URL the command asks the user to open (waits until it is printed)."""
        assert self._printed.wait(TIMEOUT), "the command printed nothing in time"
        found = AUTHORIZATION_URL.search(self._err.text())
        assert found, f"no authorization URL on stderr:\n{self._err.text()}"
        return found.group(1)

    def finish(self) -> Result:
        """Wait for the command to end; its status and output."""
        self._thread.join(TIMEOUT)
        assert self._status is not None, "the command did not finish in time"
        return Result(self._status, self._out.getvalue(), self._err.text())

    def stop(self) -> None:
        """End a command still waiting for its redirect (test clean-up).

        A bare GET of the redirect URI ends the wait (with a failure, exit 3).
        """
        if not self._thread.is_alive():
            return
        found = AUTHORIZATION_URL.search(self._err.text())
        if found:
            deliver(query_of(found.group(1))["redirect_uri"])
        self._thread.join(TIMEOUT)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def walk_to_redirect(url: str) -> str:
    """Follow the provider's redirects like a browser; return the URL sent to the app.

    The last hop (the app's loopback listener) is not requested: the test does that,
    as it is or tampered with.
    """
    target = urlsplit(query_of(url)["redirect_uri"])
    with requests.Session() as browser:
        browser.trust_env = False
        response = browser.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        for _ in range(10):
            location = urljoin(response.url, response.headers["Location"])
            hop = urlsplit(location)
            if (hop.netloc, hop.path) == (target.netloc, target.path):
                return location
            response = browser.get(location, allow_redirects=False, timeout=HTTP_TIMEOUT)
    raise AssertionError("the provider never redirected to the app")


def deliver(callback: str) -> requests.Response:
    """The browser's last step: GET the app's loopback redirect URI."""
    with requests.Session() as browser:
        browser.trust_env = False
        return browser.get(callback, timeout=HTTP_TIMEOUT)
