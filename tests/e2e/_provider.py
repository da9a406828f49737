"""Start and stop the certified OpenID provider (``tests/provider``) for one test session.

The provider is panva's ``oidc-provider`` (OpenID Certified), pinned by
``tests/provider/package-lock.json`` and configured by ``tests/provider/provider.mjs``.
It runs on free loopback ports with its own state directory, and tests see it only
through a frozen ``grantflow.testing.ProviderInfo``: the development provider in
``grantflow.testing`` describes itself in the same shape, with the same client ids and
users, so tests stay provider-neutral.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import requests

from grantflow.testing import ProviderInfo
from grantflow.testing._info import client_info

__all__ = [
    "PINNED_VERSION",
    "ProviderInfo",
    "ProviderStartError",
    "ProviderUnavailable",
    "RunningProvider",
    "installed_version",
    "start",
    "stop",
]

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "provider"
PINNED_VERSION = "9.13.3"
START_DEADLINE_S = 30.0
POLL_INTERVAL_S = 0.01
STOP_TIMEOUT_S = 10.0


class ProviderUnavailable(Exception):
    """Node.js or the provider's npm packages are not installed."""


class ProviderStartError(Exception):
    """The provider process did not come up; the message carries its stderr."""


@dataclass
class RunningProvider:
    """The process behind a :class:`ProviderInfo`, kept by the fixture for teardown."""

    process: subprocess.Popen[bytes]
    info: ProviderInfo
    log_path: Path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installed_version() -> str:
    """Return the installed oidc-provider version, or raise :class:`ProviderUnavailable`."""
    node = shutil.which("node")
    if node is None:
        raise ProviderUnavailable("Node.js (node) is not on PATH")
    manifest = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
    if not manifest.is_file():
        raise ProviderUnavailable(
            f"{manifest.parent} is missing: run `npm ci` in {PROVIDER_DIR} (scripts/setup does)"
        )
    version = str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    if version != PINNED_VERSION:
        raise ProviderStartError(
            f"oidc-provider {version} is installed but {PINNED_VERSION} is pinned: run `npm ci`"
        )
    return version


def start(state_dir: Path) -> RunningProvider:
    """Spawn the provider and return once its discovery document answers 200.

    The caller must call :func:`stop` on the result, also when this raises after the
    process was spawned (the exception then carries no process: it is stopped here).
    """
    version = installed_version()
    state_dir.mkdir(parents=True, exist_ok=True)
    port, tls_port = free_port(), free_port()
    while tls_port == port:
        tls_port = free_port()
    env = dict(os.environ)
    env.update(
        OP_HOST="127.0.0.1",
        OP_PORT=str(port),
        OP_TLS_PORT=str(tls_port),
        OP_STATE_DIR=str(state_dir),
        OP_INTERACTIONS="auto",
    )
    env.pop("OP_ISSUER", None)
    log_path = state_dir / "provider.log"
    began = time.perf_counter()
    with log_path.open("wb") as log:
        # Output goes to a file, not a pipe: a full pipe would block the provider.
        process = subprocess.Popen(
            ["node", "provider.mjs"],
            cwd=PROVIDER_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        issuer = f"http://127.0.0.1:{port}"
        _wait_for_discovery(process, f"{issuer}/.well-known/openid-configuration", log_path)
        startup = time.perf_counter() - began
        info = _read_info(state_dir / "clients.json", version, startup)
    except BaseException:
        stop(process)
        raise
    if info.issuer != issuer:
        stop(process)
        raise ProviderStartError(f"provider reports issuer {info.issuer}, expected {issuer}")
    return RunningProvider(process=process, info=info, log_path=log_path)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the provider by its PID: SIGTERM, then SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


def _wait_for_discovery(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    probe = requests.Session()
    try:
        while True:
            if process.poll() is not None:
                raise ProviderStartError(
                    f"provider exited with status {process.returncode} before answering;"
                    f" its output:\n{_tail(log_path)}"
                )
            try:
                if probe.get(url, timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise ProviderStartError(
                    f"discovery at {url} did not answer within {START_DEADLINE_S:.0f} s;"
                    f" provider output:\n{_tail(log_path)}"
                )
            time.sleep(POLL_INTERVAL_S)
    finally:
        probe.close()


def _tail(path: Path, limit: int = 4000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[-limit:] or "(no output)"


def _read_info(path: Path, version: str, startup: float) -> ProviderInfo:
    raw = json.loads(path.read_text(encoding="utf-8"))
    clients = {c["client_id"]: client_info(c) for c in raw["clients"]}
    return ProviderInfo(
        name="oidc-provider",
        version=version,
        issuer=raw["issuer"],
        discovery_url=raw["discovery"],
        clients=MappingProxyType(clients),
        users=MappingProxyType({name: u["password"] for name, u in raw["users"].items()}),
        resources=MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in raw["resources"].items()}
        ),
        files=MappingProxyType({k: Path(v) for k, v in raw["files"].items()}),
        mtls_base=raw.get("mtls_base"),
        startup_seconds=startup,
    )
