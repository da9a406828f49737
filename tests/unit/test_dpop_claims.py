"""How a DPoP proof's claims are encoded for speed: runs encoded apart and joined, jti
values drawn in batches, the access token's hash kept for the last token only."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pickle
import re
import threading
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from requests.structures import CaseInsensitiveDict

from grantflow import OAuth2Auth
from grantflow._core import _dpop_claims
from grantflow._core._dpop import DPoPKey
from grantflow._requests._retry import has_header

NOW = 1_700_000_000
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def unpadded(segment: str | bytes) -> bytes:
    text = segment.decode("ascii") if isinstance(segment, bytes) else segment
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(proof: str) -> tuple[bytes, dict[str, Any]]:
    raw = unpadded(proof.split(".")[1])
    return raw, json.loads(raw)


@pytest.fixture
def key() -> DPoPKey:
    return DPoPKey(ec.generate_private_key(ec.SECP256R1()), now=lambda: NOW)


def test_the_encoded_claims_are_one_json_object_whatever_the_run_lengths(key: DPoPKey) -> None:
    # Paths of every length modulo 3, with and without ath and nonce: each run is padded
    # to whole base64 groups, so the joined runs decode to exactly the claims given.
    for length in range(9):
        url = "https://rs.example/" + "p" * length
        for token, nonce in ((None, None), ("t0k", None), (None, "n1"), ("tok", "nonce")):
            raw, claims = claims_of(key.proof("GET", url, access_token=token, nonce=nonce))
            assert claims["htu"] == url
            assert claims["iat"] == NOW
            assert ("ath" in claims) is (token is not None)
            assert claims.get("nonce") == nonce
            # Only JSON whitespace is added, and only between members or after the object.
            assert json.dumps(claims, separators=(",", ":")).encode() == re.sub(
                rb"(?<=[,}]) +", b"", raw
            )


def test_jtis_stay_unique_and_url_safe_across_many_batches(key: DPoPKey) -> None:
    count = 5 * 128 + 7  # several batches are spent and replaced
    jtis = [claims_of(key.proof("POST", "https://as.example/t"))[1]["jti"] for _ in range(count)]
    assert len(set(jtis)) == count
    assert all(len(jti) == 32 and URL_SAFE.fullmatch(jti) for jti in jtis)
    # 192 random bits each: the 24 bytes behind them are all distinct too.
    assert len({unpadded(jti) for jti in jtis}) == count


def test_threads_taking_jtis_at_once_never_share_one(key: DPoPKey) -> None:
    seen: list[list[str]] = []
    start = threading.Barrier(8)

    def take() -> None:
        start.wait()
        mine = [claims_of(key.proof("GET", "https://rs.example/"))[1]["jti"] for _ in range(300)]
        seen.append(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everyone = [jti for mine in seen for jti in mine]
    assert len(everyone) == 8 * 300
    assert len(set(everyone)) == len(everyone)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_hands_out_its_parents_next_jtis(key: DPoPKey) -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next jtis go to the parent through the pipe
        try:
            jtis = [claims_of(key.proof("GET", "https://rs.example/"))[1]["jti"] for _ in range(5)]
            os.write(write, json.dumps(jtis).encode())
        finally:
            os._exit(0)
    os.close(write)
    parent = [claims_of(key.proof("GET", "https://rs.example/"))[1]["jti"] for _ in range(5)]
    with os.fdopen(read, "rb") as pipe:
        child = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert len(child) == 5
    assert not set(parent) & set(child)


def test_ath_follows_the_token_as_it_changes(key: DPoPKey) -> None:
    def ath(token: str) -> str:
        digest = hashlib.sha256(token.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    for token in ("first", "second", "first", "first", "third"):
        _, claims = claims_of(key.proof("GET", "https://rs.example/", access_token=token))
        assert claims["ath"] == ath(token)


def test_the_kept_token_hash_is_not_in_repr_pickle_or_equality(key: DPoPKey) -> None:
    key.proof("GET", "https://rs.example/", access_token="s3cr3t-access-token")
    assert "s3cr3t" not in repr(key)
    assert b"s3cr3t" not in pickle.dumps(key)
    again = pickle.loads(pickle.dumps(key))  # noqa: S301
    assert again == key
    assert hash(again) == hash(key)


def test_iat_is_encoded_again_when_the_second_changes() -> None:
    now = [float(NOW)]
    key = DPoPKey(ec.generate_private_key(ec.SECP256R1()), now=lambda: now[0])
    seen = []
    for step in (0.0, 0.4, 1.0, -5.0, 86_400.0):
        now[0] = NOW + step
        seen.append(claims_of(key.proof("GET", "https://rs.example/"))[1]["iat"])
    assert seen == [NOW, NOW, NOW + 1, NOW - 5, NOW + 86_400]


def test_the_claims_cache_keeps_no_query_and_no_credentials(key: DPoPKey) -> None:
    cached = _dpop_claims._fixed_claims
    cached.cache_clear()
    key.proof("GET", "https://rs.example/p?api_key=one")
    key.proof("GET", "https://rs.example/p?api_key=two#frag")
    info = cached.cache_info()
    assert (info.currsize, info.hits) == (1, 1)  # one entry for both: the query is cut
    _, claims = claims_of(key.proof("GET", "https://user:pw@rs.example/p"))
    assert claims["htu"] == "https://rs.example/p"
    assert cached.cache_info().currsize == 1  # a URL with credentials bypasses the cache
    # Nor does the key keep such a URL as the last request it wrote claims for.
    kept_text = " ".join(map(str, key._claims._last))
    assert "rs.example" not in kept_text  # nothing kept: the last three had secrets
    kept = key.proof("GET", "https://rs.example/q")
    assert "https://rs.example/q" in key._claims._last
    _, claims = claims_of(key.proof("GET", "https://rs.example/q?x=1"))
    assert claims["htu"] == "https://rs.example/q"
    assert key._claims._last[1] == "https://rs.example/q"
    assert claims_of(kept)[1]["jti"] != claims["jti"]


class Folded(dict[str, str]):
    """A case-insensitive mapping that is not requests' (it has no ``_store``)."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in {key.lower() for key in self}


def test_has_header_reads_requests_headers_and_any_mapping_case_insensitively() -> None:
    headers = CaseInsensitiveDict({"DPoP-Nonce": "n", "Content-Type": "text/plain"})
    assert has_header(headers, "dpop-nonce")
    assert has_header(headers, "content-type")
    assert not has_header(headers, "www-authenticate")
    # Without requests' lower-cased store, it is the mapping's own ``in``.
    assert has_header(Folded({"DPoP-Nonce": "n"}), "dpop-nonce")
    assert not has_header(Folded({"Other": "n"}), "dpop-nonce")


def test_the_proof_header_is_set_where_requests_headers_read_it() -> None:
    # The requests auth writes the DPoP header into CaseInsensitiveDict's store: it must
    # read back under any case, keep its name's case on the wire, and replace an old one.
    key = DPoPKey.generate()
    auth = OAuth2Auth(token={"access_token": "at", "token_type": "DPoP"}, dpop_key=key)
    request = requests.Request("GET", "https://rs.example/r", headers={"dpop": "old"}).prepare()
    auth(request)
    assert request.headers["DPoP"] == request.headers["dpop"] != "old"
    assert [name for name in request.headers if name.lower() == "dpop"] == ["DPoP"]
    assert request.headers["Authorization"] == "DPoP at"
    # A hook that made the headers a plain dict still gets its proof.
    plain = requests.Request("GET", "https://rs.example/r").prepare()
    plain.headers = {}  # type: ignore[assignment]
    auth(plain)
    assert plain.headers["DPoP"].count(".") == 2
