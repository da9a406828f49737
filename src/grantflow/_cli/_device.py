"""``grantflow token --grant device``: sign in on another screen (RFC 8628).

The user code is shown large, with the verification URL and, when the optional
``segno`` package is installed (``pip install "grantflow[qr]"``), a QR code of
``verification_uri_complete`` drawn in the terminal; then a countdown runs while the
token endpoint is polled. Ctrl-C stops polling at once (exit status 130).
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from .._core._token import OAuth2Token
from ._console import Console
from ._options import build_session

__all__ = ["big_code", "device_flow", "draw_qr"]


def big_code(user_code: str) -> str:
    """The user code spaced out and framed, readable from across a room."""
    spaced = "  ".join(user_code)
    rule = "+" + "-" * (len(spaced) + 6) + "+"
    return f"{rule}\n|   {spaced}   |\n{rule}"


def draw_qr(url: str, console: Console) -> bool:
    """Draw ``url`` as a QR code on the terminal; False when ``segno`` is not installed."""
    try:
        segno: Any = importlib.import_module("segno")
    except ImportError:
        return False
    segno.make(url, error="m").terminal(out=console.err, compact=True)
    return True


def device_flow(args: argparse.Namespace, console: Console, params: dict[str, Any]) -> OAuth2Token:
    """Start the device flow, show the user where to go, poll until they decide."""
    needs = ("device_authorization_endpoint", "token_endpoint")
    with build_session(args, console, needs, scope=args.scope) as session:
        authorization = session.device_authorization(**params)
        complete = authorization.get("verification_uri_complete")
        console.note(f"To sign in, open {authorization['verification_uri']} and enter the code:")
        console.note(big_code(authorization["user_code"]))
        if complete:
            console.note(f"or open {complete}")
            if not draw_qr(complete, console):
                console.note("(pip install 'grantflow[qr]' to see it as a QR code here)")
        total = float(authorization["expires_in"])
        if args.timeout:
            total = min(total, args.timeout)

        def waiting(seconds_left: float) -> None:
            left = max(0, int(min(seconds_left, total) + 0.5))
            text = f"Waiting for approval: {left // 60}:{left % 60:02d} left"
            if console.err_is_tty:
                console.err.write(f"\r{text} (Ctrl-C to cancel) ")
                console.err.flush()
            else:
                console.note(text)

        token = session.poll_device_token(
            authorization, on_pending=waiting, timeout=args.timeout or None
        )
        console.note("grantflow: device approved")
        return token
