"""``WWW-Authenticate`` challenges (RFC 9110 §11.6.1) and the OAuth errors they carry.

A resource server reports a rejected token in a challenge (RFC 6750 §3, RFC 9449 §7.1):
``Bearer error="invalid_token", error_description="..."``. One header may hold several
challenges (``Basic realm="x", Bearer error=...``); each parameter belongs to the
challenge whose scheme precedes it.
"""

from __future__ import annotations

import re

__all__ = ["Challenge", "is_invalid_token_challenge", "parse_challenges"]

# token and quoted-string (RFC 9110 §5.6.2, §5.6.4)
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# auth-param = token BWS "=" BWS ( token / quoted-string ), or a token68 read as one
_PARAM = re.compile(rf'\s*({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]*)\s*')
# auth-scheme: a token that no "=" follows
_SCHEME = re.compile(rf"\s*({_TOKEN})(?=\s|,|$)")
_QUOTED_PAIR = re.compile(r"\\(.)")
_TOKEN_SCHEMES = ("bearer", "dpop")

#: One challenge: its scheme in lower case and its parameters (names in lower case,
#: the first value of a repeated name).
Challenge = tuple[str, dict[str, str]]


def parse_challenges(header: str) -> list[Challenge]:
    """The challenges of a ``WWW-Authenticate`` value, in order; what does not parse is
    skipped, so a malformed header yields fewer challenges rather than an error."""
    challenges: list[Challenge] = []
    position = 0
    while position < len(header):
        if header[position] in ", \t":
            position += 1
            continue
        param = _PARAM.match(header, position)
        if param is not None and challenges:
            name, raw = param.group(1).lower(), param.group(2)
            value = _QUOTED_PAIR.sub(r"\1", raw[1:-1]) if raw.startswith('"') else raw
            challenges[-1][1].setdefault(name, value)
            position = param.end()
            continue
        scheme = _SCHEME.match(header, position)
        if scheme is not None:
            challenges.append((scheme.group(1).lower(), {}))
            position = scheme.end()
            continue
        position += 1
    return challenges


def is_invalid_token_challenge(header: str) -> bool:
    """True when a ``Bearer`` or ``DPoP`` challenge in ``header`` has ``error="invalid_token"``:
    the token was rejected and a renewed one may succeed (RFC 6750 §3.1)."""
    return any(
        scheme in _TOKEN_SCHEMES and params.get("error") == "invalid_token"
        for scheme, params in parse_challenges(header)
    )
