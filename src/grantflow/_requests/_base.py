"""The plumbing every grantflow session shares: metadata, endpoints, hooks, client auth, sending.

Kept apart from the grant logic in ``_session.py`` so that each stays readable; the
public class is :class:`grantflow.OAuth2Session`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import requests

from .._core._client_auth import TLS_METHODS, tls_client_auth
from .._core._http import HttpResponse
from .._core._metadata import MTLS_ALIASED_ENDPOINTS, discovery_urls
from .._flows._basic import discovery_flow
from .._flows._drive import Flow, Send, T, run
from ..errors import InvalidResponseError, OAuthError
from ._client_auth import ClientAuthMethods
from ._hooks import ComplianceHooks
from ._redact import redacting
from ._sender import send_request

__all__ = [
    "REQUEST_OPTIONS",
    "SESSION_ATTRIBUTES",
    "SessionBase",
    "scrubbed",
    "split_request_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def scrubbed(method: F) -> F:
    """Run ``method`` so that an :class:`OAuthError` it raises shows no secret.

    The server's ``error_description`` may echo what was sent; the values of the
    requests made meanwhile and the session's own secrets are replaced by ``***``.
    """

    @functools.wraps(method)
    def wrapper(self: SessionBase, *args: Any, **kwargs: Any) -> Any:
        with redacting(self._known_secrets()):
            return method(self, *args, **kwargs)

    return cast(F, wrapper)


#: kwargs of fetch_token & co. that are requests options rather than form parameters.
REQUEST_OPTIONS = frozenset(
    {
        "timeout",
        "verify",
        "cert",
        "proxies",
        "allow_redirects",
        "headers",
        "cookies",
        "stream",
        "json",
        "hooks",
        "files",
    }
)

#: Constructor kwargs that are requests.Session attributes.
SESSION_ATTRIBUTES = ("proxies", "hooks", "stream", "verify", "cert", "max_redirects", "trust_env")


def split_request_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the requests options found in ``kwargs``."""
    return {key: kwargs.pop(key) for key in list(kwargs) if key in REQUEST_OPTIONS}


class SessionBase(requests.Session):
    """Server metadata, endpoint choice (with mTLS aliases), hooks, client auth and sending."""

    default_timeout: float | tuple[float, float] | None
    client_id: str | None
    client_secret: Any
    token_endpoint_auth_method: Any

    def _init_base(self, metadata: dict[str, Any]) -> None:
        self.metadata: dict[str, Any] = dict(metadata)
        self._explicit_metadata = dict(metadata)
        self._metadata_loaded = False
        self._metadata_lock = threading.Lock()
        self._hooks = ComplianceHooks()
        self._auth_methods = ClientAuthMethods()

    # -- compliance hooks and client authentication -------------------------------------

    def register_compliance_hook(self, hook_type: str, hook: Callable[..., Any]) -> None:
        """Register a hook that fixes a non-standard provider (see the README)."""
        self._hooks.register(hook_type, hook)

    def register_client_auth_method(self, auth: Any) -> None:
        """Register a client auth method: an object with ``.name`` or a ``(name, func)``."""
        self._auth_methods.register(auth)

    def _token_client_auth(self, auth: Any, spec: Any = None) -> Any:
        """The client auth for a request: ``auth`` when given, else the method ``spec``
        names (by default the token endpoint's)."""
        if auth is not None:
            return auth
        return self._auth_methods.resolve(spec or self.token_endpoint_auth_method)

    def _known_secrets(self) -> list[str]:
        """Secrets this session holds, to scrub from messages: client secret and tokens."""
        found: list[str] = []
        secret = self.client_secret
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", errors="ignore")
        if isinstance(secret, str):
            found.append(secret)
        token = getattr(self, "_source", None)
        current = token.token if token is not None else None
        if current:
            for name in ("access_token", "refresh_token", "id_token"):
                value = current.get(name)
                if isinstance(value, str):
                    found.append(value)
        return found

    def _run_request_hooks(
        self, purpose: str, url: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        return self._hooks.run_request(purpose, url, headers, body)

    # -- metadata -------------------------------------------------------------------------

    def _discovery_source(self) -> tuple[list[str], str | None] | None:
        url = self._explicit_metadata.get("server_metadata_url")
        issuer = self._explicit_metadata.get("issuer")
        if url:
            return [url], issuer
        if issuer:
            return discovery_urls(issuer), issuer
        return None

    def load_server_metadata(self, force: bool = False) -> dict[str, Any]:
        """Load the discovery document once (``force=True`` reloads); explicit values win.

        The document's ``issuer`` must equal the issuer expected (the ``issuer`` given, or
        the one the well-known URL implies), else :class:`InvalidResponseError`.
        """
        source = self._discovery_source()
        if source is None:
            return self.metadata
        with self._metadata_lock:
            if self._metadata_loaded and not force:
                return self.metadata
            urls, issuer = source
            document = self._discover(urls, issuer)
            self.metadata = {**self.metadata, **document, **self._explicit_metadata}
            self._metadata_loaded = True
        return self.metadata

    def _discover(self, urls: list[str], issuer: str | None) -> dict[str, Any]:
        last_error: OAuthError | None = None
        for url in urls:
            try:
                return self._run(discovery_flow(url, issuer))
            except OAuthError as exc:
                # Only the OpenID location answering 404 sends us on to RFC 8414's.
                if exc.status_code != 404 or len(urls) == 1:
                    raise
                last_error = exc
        raise last_error or InvalidResponseError(description="no discovery URL to try")

    def _ensure_metadata(self, *, missing: bool = False) -> None:
        """Load discovery on first need: always with ``server_metadata_url``; from an
        ``issuer`` alone only when something is ``missing`` (an endpoint not given)."""
        if self._metadata_loaded:
            return
        if self._explicit_metadata.get("server_metadata_url") or (
            missing and self._discovery_source() is not None
        ):
            self.load_server_metadata()

    def _uses_mtls(self) -> bool:
        return ClientAuthMethods.name_of(self.token_endpoint_auth_method) in TLS_METHODS

    def _endpoint(self, name: str) -> str:
        """The URL of endpoint ``name``; a ValueError saying how to give it when unknown."""
        value = self._optional_endpoint(name)
        if value is None:
            raise ValueError(
                f"no {name} known: pass it as a URL argument, as {name}=, or give "
                "server_metadata_url= so it can be discovered"
            )
        return value

    def _optional_endpoint(self, name: str) -> str | None:
        """The URL of endpoint ``name``: explicit, else discovered; mTLS aliases for mTLS."""
        if name not in self._explicit_metadata:
            self._ensure_metadata(missing=True)
        if self._uses_mtls() and name in MTLS_ALIASED_ENDPOINTS:
            aliases = self.metadata.get("mtls_endpoint_aliases")
            if isinstance(aliases, Mapping) and isinstance(aliases.get(name), str):
                return str(aliases[name])
        value = self.metadata.get(name)
        return str(value) if value else None

    # -- sending --------------------------------------------------------------------------

    def _request_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        merged = dict(options or {})
        if merged.get("timeout") is None:
            merged["timeout"] = self.default_timeout
        return merged

    def _send_step(
        self, step: Send, options: Mapping[str, Any] | None = None
    ) -> tuple[HttpResponse, requests.Response]:
        if step.client_auth is not None and self._needs_cert_for(step):
            self._check_tls_cert()
        return send_request(
            self,
            step,
            options=self._request_options(options),
            run_request_hooks=self._hooks.run_request,
            run_response_hooks=self._hooks.run_response,
            client=self,
        )

    def _needs_cert_for(self, step: Send) -> bool:
        auth = step.client_auth
        return auth is tls_client_auth or ClientAuthMethods.name_of(auth) in TLS_METHODS

    def _check_tls_cert(self) -> None:
        if not self.cert:
            raise ValueError(
                "tls_client_auth / self_signed_tls_client_auth need a client certificate: "
                "pass cert=(cert_file, key_file) (RFC 8705 §2)"
            )

    def _run(self, flow: Flow[T], options: Mapping[str, Any] | None = None) -> T:
        return run(flow, lambda step: self._send_step(step, options)[0])
