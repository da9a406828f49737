"""The loopback listener and the countdown of ``grantflow token``, in process.

Time is the listener's injected clock, so a five-minute wait is tested without waiting.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest
import requests

from grantflow._cli._console import Console
from grantflow._cli._loopback import LoopbackReceiver


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    """Returns the given instants in turn, then the last one forever."""

    def __init__(self, *instants: float) -> None:
        self._instants = list(instants)

    def __call__(self) -> float:
        return self._instants.pop(0) if len(self._instants) > 1 else self._instants[0]


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver("http://127.0.0.1/callback") as listener:
        yield listener


def test_the_wait_ends_with_timeout_error_when_the_clock_passes_the_deadline(
    receiver: LoopbackReceiver,
) -> None:
    ticks: list[float] = []
    clock = _Clock(0.0, 299.999, 300.0)

    with pytest.raises(TimeoutError, match="--timeout"):
        receiver.wait(300, lambda remaining, total: ticks.append(remaining), clock=clock)

    assert ticks == [pytest.approx(0.001)]


def test_the_callback_url_comes_back_with_the_bound_port(receiver: LoopbackReceiver) -> None:
    callback = f"{receiver.redirect_uri}?code=abc&state=xyz"
    browser = threading.Thread(target=requests.get, args=(callback,), kwargs={"timeout": 10})
    browser.start()

    received = receiver.wait(30)
    browser.join(10)

    assert received == callback
    assert receiver.redirect_uri.startswith("http://127.0.0.1:")
    assert receiver.redirect_uri.endswith("/callback")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_hosts_are_accepted_and_localhost_binds_the_ip_literal(host: str) -> None:
    with LoopbackReceiver(f"http://{host}/cb") as listener:
        assert "localhost" not in listener.redirect_uri
        assert listener.redirect_uri.endswith("/cb")


def test_the_countdown_rewrites_one_line_on_a_terminal() -> None:
    err = _Terminal()
    console = Console(io.StringIO(), err)

    console.countdown(299.6, 300)
    console.countdown(65, 300)
    console.note("done")

    assert err.getvalue() == (
        "\rWaiting for the browser to come back: 5:00 left (Ctrl-C to cancel) "
        "\rWaiting for the browser to come back: 1:05 left (Ctrl-C to cancel) "
        "\ndone\n"
    )


def test_the_countdown_writes_a_line_every_30_seconds_elsewhere() -> None:
    err = io.StringIO()
    console = Console(io.StringIO(), err)

    for remaining in (300, 299, 271, 270, 269, 240):
        console.countdown(remaining, 300)

    assert err.getvalue().splitlines() == [
        "Waiting for the browser to come back: 4:30 left",
        "Waiting for the browser to come back: 4:00 left",
    ]
