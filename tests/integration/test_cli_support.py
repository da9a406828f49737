"""Helpers for the tests of the ``grantflow`` command (this module holds no tests).

The command always runs in a subprocess, ``python -m grantflow``, with an environment
stripped of anything that would change its behaviour; a test that plays the browser
reads the authorization URL from the command's stderr as a person would.
"""

from __future__ import annotations

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

GRANTFLOW = (sys.executable, "-m", "grantflow")
TIMEOUT = 60
HTTP_TIMEOUT = 10
AUTHORIZATION_URL = re.compile(r"^\s+(https?://\S+)\s*$")
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


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    """Run ``grantflow ARGS`` to completion."""
    done = subprocess.run(
        [*GRANTFLOW, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env if env is not None else cli_env(),
        timeout=TIMEOUT,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


class RunningCli:
    """``grantflow ARGS`` running in the background, its stderr read as it comes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*GRANTFLOW, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env if env is not None else cli_env(),
        )
        self._lines: list[str] = []
        self._url_or_eof = threading.Event()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._lines.append(line)
            if AUTHORIZATION_URL.match(line):
                self._url_or_eof.set()
        self._url_or_eof.set()

    def authorization_url(self) -> str:
        """The URL the command asks the user to open (waits until it is printed)."""
        assert self._url_or_eof.wait(TIMEOUT), "the command printed nothing in time"
        for line in self._lines:
            found = AUTHORIZATION_URL.match(line)
            if found:
                return found.group(1)
        raise AssertionError(f"no authorization URL on stderr:\n{''.join(self._lines)}")

    def finish(self) -> Result:
        """Wait for the command to exit; its status and output."""
        status = self.process.wait(TIMEOUT)
        self._reader.join(TIMEOUT)
        assert self.process.stdout is not None
        return Result(status, self.process.stdout.read(), "".join(self._lines))

    def stop(self) -> None:
        """Kill the command if it still runs (test clean-up)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


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
