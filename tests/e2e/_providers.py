"""The two providers the end-to-end suite runs against, started by name.

``oidc-provider`` is the OpenID Certified server in ``tests/provider`` (a Node.js
process, see :mod:`._provider`); ``grantflow-dev-provider`` is grantflow's own
:class:`grantflow.testing.DevProvider`, served from a thread of this process. Both
describe themselves as a :class:`grantflow.testing.ProviderInfo` with the same client
ids, users and resources, so one test body runs against either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grantflow.testing import DevProvider, ProviderInfo

from . import _provider

CERTIFIED = "oidc-provider"
DEV = "grantflow-dev-provider"
#: Every provider the suite knows, in the order their tests run.
NAMES = (CERTIFIED, DEV)

# Exceptions a caller tells apart: "not installed here" may be a skip on a developer
# machine, "installed but broken" never is.
ProviderUnavailable = _provider.ProviderUnavailable
ProviderStartError = _provider.ProviderStartError


@dataclass(frozen=True)
class Started:
    """A running provider's description and the one way to stop it."""

    info: ProviderInfo
    stop: Callable[[], None]


def check_installed(name: str) -> None:
    """Raise :class:`ProviderUnavailable` / :class:`ProviderStartError` if ``name`` cannot run."""
    if name == CERTIFIED:
        _provider.installed_version()
    elif name != DEV:
        raise ValueError(f"unknown provider {name!r}; known: {', '.join(NAMES)}")


def start(name: str, state_dir: Path) -> Started:
    """Start provider ``name`` with its keys and files under ``state_dir``.

    Returns once the provider answers; the caller must call ``stop`` on the result.
    """
    if name == CERTIFIED:
        running = _provider.start(state_dir)
        return Started(info=running.info, stop=lambda: _provider.stop(running.process))
    if name == DEV:
        dev = DevProvider(state_dir=state_dir).start()
        try:
            info = dev.info()
        except BaseException:
            dev.stop()
            raise
        return Started(info=info, stop=dev.stop)
    raise ValueError(f"unknown provider {name!r}; known: {', '.join(NAMES)}")
