"""The demo's DPoP (RFC 9449) and PAR (RFC 9126) sections.

They run against the embedded development provider like the others; ``Demo`` is only
a type here, so this module can be imported by the one that defines it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import requests

from .. import OAuth2Session
from ._loopback import LoopbackReceiver

if TYPE_CHECKING:
    from ._demo import Demo

__all__ = ["dpop_section", "par_section"]

_TIMEOUT = 10


def dpop_section(d: Demo, number: int) -> None:
    """A DPoP-bound token, a nonce challenge, a resource request with its proof."""
    d.show.heading(number, "DPoP: sender-constrained tokens", "RFC 9449")
    d.show.say(
        "With dpop=True the session holds a private key and signs a fresh proof for each "
        "request: the token it gets is bound to that key (cnf.jkt), so a stolen copy is "
        "worthless. client-dpop-nonce's provider also demands a nonce it chose: the first "
        "token request is refused with use_dpop_nonce and retried once with it."
    )
    secret = str(d.op.clients["client-dpop-nonce"]["client_secret"])
    session = d.session(OAuth2Session, "client-dpop-nonce", secret, issuer=d.op.issuer, dpop=True)
    session.load_server_metadata()
    d.take()  # the discovery request, shown in the first section
    token = session.fetch_token(username="alice", password=d.op.users["alice"], scope="openid")
    d.show.say("The token request, its nonce challenge and the retry:")
    d.replay()
    key = session._client.dpop_key
    thumbprint = key.thumbprint if key is not None else None
    d.show.ok(f"token_type {token['token_type']}, bound to the key with thumbprint {thumbprint}")
    userinfo = str(d.op.metadata["userinfo_endpoint"])
    d.show.say("A resource request sends the token with the DPoP scheme and a proof with ath:")
    session.get(userinfo)
    d.replay()
    with requests.Session() as thief:
        thief.trust_env = False
        stolen = thief.get(
            userinfo,
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=_TIMEOUT,
        )
    d.show.ok(f"the same token as a plain bearer token, without the key: {stolen.status_code}")


def par_section(d: Demo, number: int) -> None:
    """A pushed authorization request: the browser's URL carries only a reference."""
    d.show.heading(number, "Pushed authorization request", "RFC 9126")
    d.show.say(
        "The app sends the authorization parameters to the provider over a back channel "
        "first; the browser's URL then carries only client_id and a single-use request_uri, "
        "so nothing in it can be read or altered on the way."
    )
    with LoopbackReceiver("http://127.0.0.1/cb") as receiver:
        session = d.session(
            OAuth2Session,
            "client-public",
            issuer=d.op.issuer,
            redirect_uri=receiver.redirect_uri,
            scope="openid",
        )
        session.load_server_metadata()
        d.take()  # the discovery request, shown in the first section
        url, _state = session.create_authorization_url(pushed=True)
        d.show.say("The push, then the URL the browser is sent to:")
        d.replay()
        d.show.line(f"  {d.show.style('→', 'yellow', 'bold')} GET {url.split('?', 1)[0]}")
        d.show.fields(dict(parse_qsl(urlsplit(url).query)))
        _hops, callback = d.browse(url, receiver)
    token = session.fetch_token(authorization_response=callback)
    d.replay()
    d.show.ok(f"signed in through the pushed request (sub {token['userinfo']['sub']!r})")
