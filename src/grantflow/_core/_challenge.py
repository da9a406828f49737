"""``WWW-Authenticate`` challenges (RFC 9110 §11.6.1) and the OAuth errors they carry.

A resource server reports a rejected token in a challenge (RFC 6750 §3, RFC 9449 §7.1):
``Bearer error="invalid_token", error_description="..."``. One header may hold several
challenges (``Basic realm="x", Bearer error=...``); each parameter belongs to the
challenge whose scheme precedes it.

The header comes from any server a request reaches, so it is read by a scanner that
looks at each character a bounded number of times (linear time), and a header longer
than :data:`MAX_CHALLENGE_LENGTH` is not read at all: a hostile server must not be able
to spend the client's CPU, which a request ``timeout`` does not bound.
"""

from __future__ import annotations

import re

__all__ = ["MAX_CHALLENGE_LENGTH", "Challenge", "is_invalid_token_challenge", "parse_challenges"]

#: Longest ``WWW-Authenticate`` value read, in characters. Real challenges are a few
#: hundred characters; a longer header yields no challenge (so no ``invalid_token`` replay).
MAX_CHALLENGE_LENGTH = 16 * 1024

# Each pattern is anchored at the scan position and either matches what it consumes or
# fails at its first character, so no character is examined more than a few times.
# token (RFC 9110 §5.6.2)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# separators between elements, and BWS around "="
_SEPARATORS = re.compile(r"[\s,]*")
_SPACE = re.compile(r"\s*")
# quoted-string (RFC 9110 §5.6.4); "end" is empty when the closing quote is missing
_QUOTED = re.compile(r'"(?P<body>(?:[^"\\]|\\.)*)(?P<end>"?)', re.DOTALL)
# an unquoted value: a token, or a token68 (RFC 9110 §11.2) read as one
_BARE_VALUE = re.compile(r'[^\s,"]*')
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_TOKEN_SCHEMES = ("bearer", "dpop")

#: One challenge: its scheme in lower case and its parameters (names in lower case,
#: the first value of a repeated name).
Challenge = tuple[str, dict[str, str]]


def parse_challenges(
    header: str, *, max_length: int | None = MAX_CHALLENGE_LENGTH
) -> list[Challenge]:
    """The challenges of a ``WWW-Authenticate`` value, in order; what does not parse is
    skipped, so a malformed header yields fewer challenges rather than an error.

    A header longer than ``max_length`` characters yields none (``None``: no cap).
    """
    if max_length is not None and len(header) > max_length:
        return []
    challenges: list[Challenge] = []
    position = _after(_SEPARATORS, header, 0)
    while position < len(header):
        name = _TOKEN.match(header, position)
        if name is None:
            position = _skip(header, position)
        else:
            position = _after(_SPACE, header, name.end())
            if header.startswith("=", position):
                value, position = _value(header, _after(_SPACE, header, position + 1))
                if challenges and value is not None:
                    challenges[-1][1].setdefault(name.group().lower(), value)
            else:
                challenges.append((name.group().lower(), {}))
        position = _after(_SEPARATORS, header, position)
    return challenges


def _value(header: str, position: int) -> tuple[str | None, int]:
    """The parameter value at ``position`` and where it ends; None for an unterminated
    quoted-string (which runs to the end of the header)."""
    quoted = _QUOTED.match(header, position)
    if quoted is None:
        end = _after(_BARE_VALUE, header, position)
        return header[position:end], end
    if not quoted.group("end"):
        return None, quoted.end()
    return _QUOTED_PAIR.sub(r"\1", quoted.group("body")), quoted.end()


def _after(pattern: re.Pattern[str], header: str, position: int) -> int:
    """Where a run of ``pattern`` (which may match nothing) starting at ``position`` ends."""
    match = pattern.match(header, position)
    return position if match is None else match.end()


def _skip(header: str, position: int) -> int:
    """Past a stray quoted-string or character where a scheme or parameter should start."""
    quoted = _QUOTED.match(header, position)
    return quoted.end() if quoted is not None else position + 1


def is_invalid_token_challenge(header: str) -> bool:
    """True when a ``Bearer`` or ``DPoP`` challenge in ``header`` has ``error="invalid_token"``:
    the token was rejected and a renewed one may succeed (RFC 6750 §3.1)."""
    return any(
        scheme in _TOKEN_SCHEMES and params.get("error") == "invalid_token"
        for scheme, params in parse_challenges(header)
    )
