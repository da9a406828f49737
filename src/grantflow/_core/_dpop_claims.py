"""The claims of a DPoP proof (RFC 9449 §4.2), encoded for a proof on every request.

The base64url of two byte strings joined is the two encodings joined when the first is
a multiple of three bytes long, and JSON allows whitespace after a comma and after the
closing brace (RFC 8259 §2). So the claims are written in three runs, each padded with
spaces to a multiple of three bytes and encoded apart:

- ``htm``, ``htu``, ``ath`` and ``nonce`` change only with the method, the URL, the token
  and the server's nonce: they are checked, written and encoded once for each;
- ``iat`` changes once a second: encoded once a second;
- ``jti`` is new in every proof: 128 at a time are drawn from the OS's CSPRNG and
  written and encoded together (:func:`_jti_batch`).

A key's :class:`Claims` then joins its encoded header and three ready runs before the
proof is signed, and keeps the header and fixed run joined for the last request.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from ._b64 import b64url
from ._https import through_url_cache

__all__ = ["NONCE", "Claims", "compute_ath"]

_NONE = object()  # equal to nothing a request has

# RFC 9110 §9.1: a method is a token.
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: RFC 9449 §8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E.
NONCE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
#: A JSON string literal for ``str``, as ``json.dumps`` writes it (C when available).
_encode_string: Callable[[str], str] = json.encoder.encode_basestring

# RFC 9449 §11.1: a jti with negligible chance of repeating: 192 random bits, 32
# base64url characters; its run ``"jti":"…"} `` is 42 bytes, 56 once encoded.
_JTI_BYTES = 24
_JTI_RUN = 56
_BATCH = 128


def _jti_batch() -> list[bytes]:
    """:data:`_BATCH` encoded ``"jti":"…"} `` runs: one ``os.urandom`` and two base64url
    encodings serve a batch, where one proof on every request would otherwise make a
    system call and two encodings of its own."""
    ids = b64url(os.urandom(_JTI_BYTES * _BATCH))
    width = len(ids) // _BATCH
    runs = b'"} "jti":"'.join(ids[i : i + width] for i in range(0, len(ids), width))
    encoded = b64url(b'"jti":"' + runs + b'"} ')
    return [encoded[i : i + _JTI_RUN] for i in range(0, len(encoded), _JTI_RUN)]


def _renew_jti_batch() -> None:
    """Drop what is left of the current batch: a forked child never shares its parent's."""
    global _jti_runs
    _jti_runs = _jti_batch()


_jti_runs = _jti_batch()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_jti_batch)

# The encoded ``"iat":…,`` run of the current second, after the clock's readings it
# serves: from the second's start up to (not including) the next one's. Floats, so
# that a proof compares the clock's reading without converting it.
_iat_run: tuple[float, float, bytes] = (0.0, 0.0, b"")


def compute_ath(access_token: str) -> str:
    """The ``ath`` claim: base64url of the SHA-256 of the access token (RFC 9449 §4.2)."""
    if not isinstance(access_token, str) or not access_token or not access_token.isascii():
        raise ValueError("a DPoP proof for a resource request needs a non-empty ASCII access token")
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest).decode("ascii")


class Claims:
    """The claims of one key's proofs, signed after the key's encoded ``header`` and ``.``.

    A client sends many requests with one method to one URL with one token: the header
    and the runs fixed by those are kept joined for the last such request, so a proof for
    the same again joins three ready runs and nothing else.
    """

    __slots__ = ("_header", "_last", "_last_ath")

    def __init__(self, header: bytes) -> None:
        self._header = header
        # (method, url, access_token, nonce, header and fixed run): the last request
        # written for, kept only when its URL has no query, fragment or credentials.
        self._last: tuple[object, object, object, object, bytes] = (_NONE,) * 4 + (b"",)
        # (access_token, ath) of the last token hashed: its hash is kept, for that token.
        self._last_ath: tuple[object, str] = (_NONE, "")

    def __repr__(self) -> str:
        return "Claims(...)"

    def signing_input(
        self, method: object, url: object, access_token: str | None, nonce: object, now: float
    ) -> bytes:
        """What a proof signs: the header and the claims for a request with ``method`` to
        ``url``, carrying ``access_token`` (``ath``) and ``nonce`` when not None, at
        ``now`` (epoch seconds, ``iat``).

        Raises:
            ValueError: ``method`` is not an HTTP method, ``url`` not an absolute http(s)
                URL, ``access_token`` empty or not ASCII, or ``nonce`` has characters
                RFC 9449 §8.1 does not allow.
        """
        global _iat_run, _jti_runs
        last_method, last_url, last_token, last_nonce, head = self._last
        if not (
            url == last_url
            and method == last_method
            and access_token == last_token
            and nonce == last_nonce
        ):
            head = self._head(method, url, access_token, nonce)
        start, end, iat = _iat_run
        if not start <= now < end:
            issued_at = int(now)
            data = f'"iat":{issued_at},'.encode("ascii")
            iat = b64url(data + b" " * (-len(data) % 3))
            _iat_run = (float(issued_at), float(issued_at + 1), iat)
        # list.pop is atomic, so two threads never take the same jti; a spent batch is
        # replaced (two threads may both replace it, each taking from the one it made).
        try:
            jti = _jti_runs.pop()
        except IndexError:
            batch = _jti_batch()
            jti = batch.pop()
            _jti_runs = batch
        return b"".join((head, iat, jti))

    def _head(self, method: object, url: object, access_token: str | None, nonce: object) -> bytes:
        """The header and the run fixed by the request's method, URL, token and nonce,
        checked; kept as the last one when the URL holds nothing secret."""
        if not isinstance(method, str) or not isinstance(url, str):
            raise ValueError(
                "a DPoP proof needs the request's HTTP method and absolute http(s) URL"
            )
        if nonce is not None and not isinstance(nonce, str):
            raise ValueError("a DPoP nonce is a string")
        ath = None
        if access_token is not None:
            last_token, ath = self._last_ath
            if access_token != last_token:
                ath = compute_ath(access_token)
                self._last_ath = (access_token, ath)
        # A few distinct (method, URL, token, nonce) per client: each is encoded once. The
        # cache sees no query and no URL with credentials; ath is a hash, never the token.
        head = self._header + through_url_cache(_fixed_claims, url, method, ath, nonce)
        if not ("?" in url or "#" in url or "@" in url):
            self._last = (method, url, access_token, nonce, head)
        return head


@functools.lru_cache(maxsize=512)
def _fixed_claims(url: str, method: str, ath: str | None, nonce: str | None) -> bytes:
    if not _METHOD.fullmatch(method):
        raise ValueError("a DPoP proof needs the request's HTTP method")
    # requests and httpx send the method upper-cased; htm must equal what is sent. The
    # values written without the JSON encoder hold no character it would escape.
    text = f'{{"htm":"{method.upper()}","htu":{_encode_string(_target_uri(url))}'
    if ath is not None:
        text += f',"ath":"{ath}"'
    if nonce is not None:
        if not NONCE.fullmatch(nonce):
            raise ValueError(
                "a DPoP nonce is one or more printable characters without '\"' or '\\'"
            )
        text += f',"nonce":"{nonce}"'
    data = (text + ",").encode("utf-8")
    # RFC 8259 §2: whitespace may follow a value separator.
    return b64url(data + b" " * (-len(data) % 3))


def _target_uri(url: str) -> str:
    """``htu``: the request URL without query and fragment (RFC 9449 §4.2)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("a DPoP proof needs an absolute http(s) URL")
    # Credentials in the URL never reach the server as part of the URI it sees.
    netloc = parts.netloc.rpartition("@")[2]
    # An empty path is "/" (RFC 3986 §6.2.3), which is what the server sees requested.
    return urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
