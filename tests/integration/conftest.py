"""Fixtures for integration tests: recording HTTP and HTTPS servers on 127.0.0.1.

The HTTPS server presents a certificate from a throw-away test CA and requires a client
certificate from that same CA, so mutual TLS runs for real. The environment is cleaned
of variables that would change what requests does (proxies, CA bundles, the insecure
transport switch); tests that need one set it themselves.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from ._keys import rsa_private_pem
from ._tls import TLSFiles
from ._wire import WireServer

_ENV_TO_CLEAR = (
    "GRANTFLOW_INSECURE_TRANSPORT",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    # No ~/.netrc may add credentials behind a test's back.
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def wire() -> Iterator[WireServer]:
    """A plain-HTTP recording server on 127.0.0.1 (loopback, so http:// is allowed)."""
    yield from _running(None)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A CA that signs the server and a client; a second, unrelated CA and its client."""
    base = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(base / "ca.pem"))
    client = ca.issue_cert("client-1@grantflow.test", common_name="client-1")
    client.cert_chain_pems[0].write_to_path(str(base / "client.pem"))
    client.private_key_pem.write_to_path(str(base / "client.key"))
    other = trustme.CA()
    other.cert_pem.write_to_path(str(base / "other-ca.pem"))
    rogue = other.issue_cert("rogue@grantflow.test", common_name="rogue")
    rogue.cert_chain_pems[0].write_to_path(str(base / "rogue.pem"))
    rogue.private_key_pem.write_to_path(str(base / "rogue.key"))
    return TLSFiles(
        ca=ca,
        ca_file=str(base / "ca.pem"),
        client_cert=str(base / "client.pem"),
        client_key=str(base / "client.key"),
        other_ca_file=str(base / "other-ca.pem"),
        rogue_cert=str(base / "rogue.pem"),
        rogue_key=str(base / "rogue.key"),
    )


def _server_context(tls_files: TLSFiles, require_client_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert = tls_files.ca.issue_cert("127.0.0.1", "localhost")
    server_cert.configure_cert(context)
    if require_client_cert:
        tls_files.ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _running(context: ssl.SSLContext | None) -> Iterator[WireServer]:
    server = WireServer(context)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def tls_wire(tls_files: TLSFiles) -> Iterator[WireServer]:
    """An HTTPS recording server that requires a client certificate from the test CA."""
    yield from _running(_server_context(tls_files, require_client_cert=True))


@pytest.fixture
def https_wire(tls_files: TLSFiles) -> Iterator[WireServer]:
    """An HTTPS recording server (test CA) that asks for no client certificate."""
    yield from _running(_server_context(tls_files, require_client_cert=False))


@pytest.fixture(scope="session")
def rsa_pem() -> str:
    """An RSA private key (PKCS#8 PEM), the same for the whole run."""
    return rsa_private_pem()
