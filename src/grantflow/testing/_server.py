"""The HTTP server (stdlib ``ThreadingHTTPServer`` on loopback) and :class:`DevProvider`."""

from __future__ import annotations

import copy
import errno
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .._core._https import is_loopback_host
from ._config import (
    DEFAULT_USERS,
    RESOURCE_SERVERS,
    Client,
    default_client_metadata,
    merge_registrations,
    parse_client,
)
from ._context import Context
from ._exchange import DEFAULT_EXCHANGE_POLICY
from ._handlers import discovery_document, dispatch
from ._http import Request, Response, json_response
from ._info import ProviderInfo, client_info
from ._keys import (
    ProviderKeys,
    generate_client_keys,
    public_keyset,
    write_client_key_files,
    write_private,
)
from ._log import log_line
from ._state import Store

__all__ = ["DevProvider"]

MAX_BODY = 1024 * 1024


def _check_loopback(host: str) -> None:
    """Refuse any address but loopback: this server signs in anyone who asks."""
    if not is_loopback_host(host.strip("[]")):
        raise ValueError(
            f"refusing to bind the development provider to {host!r}: loopback only"
            " (127.0.0.1, ::1 or localhost)"
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a fleet or an asyncio
    # gather opens many at once; the client then sees the server hang up.
    request_queue_size = 128
    context: Context
    log: Callable[[str], None] | None


class _Handler(BaseHTTPRequestHandler):
    """Parses one request into a :class:`Request` and writes the endpoint's answer."""

    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "grantflow-dev-provider"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry codes and ID token hints: never log them.
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._write(json_response({"error": "invalid_request"}, 413))
            return
        body = self.rfile.read(length) if length else b""
        request = self._request(body)
        try:
            response = dispatch(self.server.context, request)
        except Exception:
            # The server keeps serving; the client sees a plain OAuth server_error.
            response = json_response({"error": "server_error"}, 500)
        self._write(response)
        if self.server.log is not None:
            self.server.log(log_line(request, response.status))

    def _request(self, body: bytes) -> Request:
        parts = urlsplit(self.path)
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        form: dict[str, list[str]] = {}
        if self.command == "POST" and content_type == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        query = parse_qs(parts.query, keep_blank_values=True)
        return Request(
            method=self.command,
            path=parts.path,
            query={k: tuple(v) for k, v in query.items()},
            form={k: tuple(v) for k, v in form.items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            cookies=_cookies(self.headers.get_all("Cookie") or []),
            body=body,
        )

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


def _cookies(headers: Iterable[str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in headers:
        try:
            jar.load(header)
        except CookieError:
            continue
    return {name: morsel.value for name, morsel in jar.items()}


class DevProvider:
    """A small OpenID provider for development and tests, on loopback only.

    Never use it in production: it signs in a fixed user without asking, consents to
    everything, keeps its state in memory and publishes its clients' secrets.

    ``clients`` adds registrations (RFC 7591 metadata dicts) to the built-in ones,
    replacing any with the same ``client_id``; ``users`` likewise maps user names to
    ``{"password": ..., "claims": {...}}``. ``clock`` (epoch seconds) is for tests that
    need time to pass. ``state_dir`` receives the ``private_key_jwt`` client's private
    keys and ``clients.json``; by default a temporary directory removed by :meth:`stop`.
    ``write_files=False`` writes neither (``files`` is then empty): the keys stay in
    memory, as :attr:`private_key_jwt_keys`. ``log``, when given, is called with one line
    per request served: method, path, status and client id, never a query string, a
    header or a body. ``device_interval`` is the polling interval of the device flow
    (RFC 8628 §3.2); ``token_exchange_policy`` maps each subject token type accepted for
    token exchange (RFC 8693) to the token type issued for it.

    It also verifies DPoP proofs (RFC 9449) and binds tokens to their keys, and serves
    pushed authorization requests (RFC 9126); ``client-dpop``, ``client-dpop-nonce`` and
    ``client-par-required`` are registered for them, as on the certified provider.

    Args:
        host: The loopback address to listen on (127.0.0.1, ::1 or localhost).
        port: The TCP port; 0 lets the system pick a free one.
        default_user: The user signed in when the request names none.
        login_page: Ask for a user name and password on an HTML form instead.
        clients: Registrations (RFC 7591 metadata) added to, or replacing, the built-in ones.
        users: Users added to, or replacing, the built-in ``alice`` and ``bob``.
        state_dir: Where key files and ``clients.json`` are written.
        write_files: False to write no file at all.
        clock: Epoch seconds, for tests that move time.
        log: Called with one line per request served, without any secret.
        device_interval: The device flow's polling interval in seconds.
        token_exchange_policy: Accepted subject token types and the type issued for each.

    Raises:
        ValueError: ``host`` is not loopback, ``default_user`` is not a user, a client
            registration is incomplete, or ``state_dir`` is given with
            ``write_files=False``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        default_user: str = "alice",
        login_page: bool = False,
        clients: Iterable[Mapping[str, Any]] | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        state_dir: str | Path | None = None,
        write_files: bool = True,
        clock: Callable[[], float] | None = None,
        log: Callable[[str], None] | None = None,
        device_interval: int = 5,
        token_exchange_policy: Mapping[str, str] | None = None,
    ) -> None:
        _check_loopback(host)
        self._host, self._port = host, port
        self._users = {**copy.deepcopy(dict(DEFAULT_USERS)), **copy.deepcopy(dict(users or {}))}
        if default_user not in self._users:
            raise ValueError(f"default_user {default_user!r} is not one of the users")
        self._default_user, self._login_page = default_user, login_page
        self._clock = clock or time.time
        self._client_keys = generate_client_keys()
        self._keys = ProviderKeys()
        self._registrations = merge_registrations(default_client_metadata(), clients)
        public = public_keyset(self._client_keys)
        self._clients: dict[str, Client] = {}
        for raw in self._registrations:
            jwks = public if raw.get("token_endpoint_auth_method") == "private_key_jwt" else None
            self._clients[str(raw["client_id"])] = parse_client(raw, jwks)
        if state_dir is not None and not write_files:
            raise ValueError("state_dir is where files are written: it needs write_files=True")
        self._state_dir = Path(state_dir) if state_dir is not None else None
        self._write_files = write_files
        self._log = log
        self._own_state_dir = False
        self._files: dict[str, Path] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._startup = 0.0
        self._device_interval = int(device_interval)
        self._exchange_policy = dict(token_exchange_policy or DEFAULT_EXCHANGE_POLICY)

    def __repr__(self) -> str:
        where = self._server and self.issuer
        return f"DevProvider(issuer={where or None!r})"

    def __enter__(self) -> DevProvider:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> DevProvider:
        """Bind the port, write the key files, and serve in a background thread.

        Returns:
            The provider itself, running.

        Raises:
            ValueError: It is already running.
            OSError: The port is in use (the message names it) or cannot be bound.
        """
        if self._server is not None:
            raise ValueError("the provider is already running")
        began = time.perf_counter()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        server_cls = type("_BoundServer", (_Server,), {"address_family": family})
        try:
            server = server_cls((self._host.strip("[]"), self._port), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            where = urlsplit(self.issuer_for(self._port)).netloc
            raise OSError(
                exc.errno, f"{where} is in use: stop what listens there, or pick another port"
            ) from None
        server.log = self._log
        self._port = int(server.server_address[1])
        if self._write_files:
            self._prepare_state_dir()
        server.context = Context(
            issuer=self.issuer_for(self._port),
            keys=self._keys,
            clients=MappingProxyType(self._clients),
            users=MappingProxyType(self._users),
            store=Store(self._clock),
            default_user=self._default_user,
            login_page=self._login_page,
            device_interval=self._device_interval,
            exchange_policy=MappingProxyType(self._exchange_policy),
            register=self._register,
        )
        self._server = server
        self._write_clients_json()
        self._thread = threading.Thread(
            target=server.serve_forever, name="grantflow-dev-provider", daemon=True
        )
        self._thread.start()
        self._startup = time.perf_counter() - began
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and remove a temporary state directory.

        Raises nothing: stopping a provider that is not running does nothing.
        """
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._own_state_dir and self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir, self._own_state_dir = None, False

    # -- device flow and registration --------------------------------------------------------

    def approve_device(self, user_code: str, user: str | None = None) -> None:
        """Approve the device showing ``user_code``, as the user would on the ``/device`` page.

        Args:
            user_code: The code the device shows.
            user: Who approves (one of the provider's users); the default user when None.

        Raises:
            ValueError: ``user`` is not one of the provider's users.
            OAuthError: ``invalid_request``: no device shows ``user_code``, or it was
                already approved or denied.
        """
        sub = user or self._default_user
        if sub not in self._users:
            raise ValueError(f"{sub!r} is not one of the users")
        ctx = self._context()
        ctx.devices.decide(user_code, sub, ctx.store.now())

    def deny_device(self, user_code: str) -> None:
        """Deny the device showing ``user_code``: its next poll gets ``access_denied``.

        Args:
            user_code: The code the device shows.

        Raises:
            OAuthError: ``invalid_request``: no device shows ``user_code``, or it was
                already approved or denied.
        """
        ctx = self._context()
        ctx.devices.decide(user_code, None, ctx.store.now())

    def _register(self, client: Client, raw: Mapping[str, Any]) -> None:
        self._clients[client.client_id] = client
        self._registrations.append(copy.deepcopy(dict(raw)))

    def _prepare_state_dir(self) -> None:
        if self._state_dir is None:
            self._state_dir = Path(tempfile.mkdtemp(prefix="grantflow-dev-provider-"))
            self._own_state_dir = True
        self._state_dir.mkdir(parents=True, exist_ok=True)
        self._files = write_client_key_files(self._state_dir, self._client_keys)

    def _write_clients_json(self) -> None:
        # The same shape as the certified provider's clients.json, for tools that read it.
        if self._state_dir is None:
            return
        document = {
            "issuer": self.issuer,
            "discovery": self.discovery_url,
            "mtls_base": None,
            "users": {name: {"password": pw} for name, pw in self.users.items()},
            "resources": self.resources,
            "files": {name: str(path) for name, path in self._files.items()},
            "clients": list(self.clients.values()),
        }
        # It lists every client secret and password: private from its first byte.
        write_private(
            self._state_dir / "clients.json", (json.dumps(document, indent=2) + "\n").encode()
        )

    # -- what tests read -------------------------------------------------------------------

    def issuer_for(self, port: int) -> str:
        """The issuer URL for a port (the host as given, IPv6 in brackets).

        Args:
            port: The TCP port.

        Raises nothing: the URL is only built, not checked.
        """
        host = self._host.strip("[]")
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    @property
    def running(self) -> bool:
        """Whether :meth:`start` has been called and :meth:`stop` has not."""
        return self._server is not None

    def _context(self) -> Context:
        if self._server is None:
            raise ValueError("the provider is not running: call start() first")
        return self._server.context

    @property
    def port(self) -> int:
        """The TCP port (the one chosen by the system when 0 was asked for)."""
        self._context()
        return self._port

    @property
    def issuer(self) -> str:
        """The issuer identifier: ``http://127.0.0.1:<port>``."""
        return self._context().issuer

    @property
    def discovery_url(self) -> str:
        """The OpenID Connect Discovery document's URL."""
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document, without an HTTP round trip."""
        return discovery_document(self._context())

    @property
    def clients(self) -> dict[str, dict[str, Any]]:
        """Registered clients by id: metadata with secrets; key clients list ``jwks_kids``."""
        out: dict[str, dict[str, Any]] = {}
        for raw in self._registrations:
            entry = copy.deepcopy(dict(raw))
            if entry.get("token_endpoint_auth_method") == "private_key_jwt":
                entry["jwks_kids"] = [k.kid for k in self._client_keys.keys]
            out[str(entry["client_id"])] = entry
        return out

    @property
    def users(self) -> dict[str, str]:
        """User names and their passwords."""
        return {name: str(user.get("password", "")) for name, user in self._users.items()}

    @property
    def resources(self) -> dict[str, dict[str, str]]:
        """RFC 8707 resource indicators with their ``scope`` and token ``format``."""
        return {
            rid: {"scope": " ".join(sorted(rs.scopes)), "format": rs.token_format}
            for rid, rs in RESOURCE_SERVERS.items()
        }

    @property
    def private_key_jwt_key(self) -> dict[str, Any]:
        """The ``client-private-jwt`` client's RSA private key as a JWK (``kid`` client-rsa-1)."""
        rsa = next(k for k in self._client_keys.keys if k.key_type == "RSA")
        return dict(rsa.as_dict(private=True))

    @property
    def private_key_jwt_keys(self) -> dict[str, Any]:
        """Both of that client's private keys (RS256 and ES256) as a JWK Set."""
        return dict(self._client_keys.as_dict(private=True))

    @property
    def files(self) -> dict[str, Path]:
        """Key files in the state directory: ``private_key_jwt_keys``, ``private_key_jwt_pem``."""
        self._context()
        return dict(self._files)

    def info(self) -> ProviderInfo:
        """The running provider in the end-to-end suite's ``ProviderInfo`` shape.

        Raises:
            ValueError: The provider is not running.
        """
        return ProviderInfo(
            name="grantflow-dev-provider",
            version=_version(),
            issuer=self.issuer,
            discovery_url=self.discovery_url,
            clients=MappingProxyType({cid: client_info(c) for cid, c in self.clients.items()}),
            users=MappingProxyType(self.users),
            resources=MappingProxyType({k: MappingProxyType(v) for k, v in self.resources.items()}),
            files=MappingProxyType(self.files),
            mtls_base=None,
            startup_seconds=self._startup,
        )


def _version() -> str:
    try:
        return version("grantflow")
    except PackageNotFoundError:
        return "0"
