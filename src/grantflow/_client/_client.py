"""``Client``: everything an OAuth client knows, with every operation returned as a flow.

The client holds the configuration, the server metadata, the outstanding authorization
requests, the key set and the token source. It sends nothing: each operation
(``fetch_token``, ``refresh_token``, ``revoke_token``, ``userinfo``, ...) returns a
flow that a driver (``_requests``, ``grantflow.httpx``) runs. The operations live in
one module per concern and are bound here as methods.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._core._authorization import AuthorizationRequest
from .._core._bearer import check_placement
from .._core._issuer import check_issuer_template
from .._core._retry_policy import resolve_retry_policy
from .._core._secrets import is_secret_field
from .._core._token import OAuth2Token
from .._sources._shared import SharedValue
from .._sources._source import TokenSource
from . import _authorize, _management, _metadata, _oidc, _replay, _tokens, _userinfo
from ._auth_methods import ClientAuthMethods
from ._device import device_authorization, poll_device_token
from ._dpop import keeping_key, resolve_dpop
from ._exchange import exchange_token
from ._hooks import ComplianceHooks
from ._options import split_client_options, take_sender_constraint_options
from ._profile import FAPI2, apply_profile, check_profile_name, fapi2_features
from ._refetch import RefetchSpec
from ._registration import load_resource_metadata, register_client

if TYPE_CHECKING:
    from .._core._dpop import DPoPKey

__all__ = ["Client", "RefetchSpec"]

#: The settings a client takes besides its id and secret, and their defaults when none is
#: given (a driver always passes the values of its constructor's typed keywords).
_SETTINGS: dict[str, Any] = {
    "token_endpoint_auth_method": None,
    "revocation_endpoint_auth_method": None,
    "scope": None,
    "state": None,
    "redirect_uri": None,
    "token": None,
    "token_placement": "header",
    "update_token": None,
    "leeway": 60,
    "code_challenge_method": "S256",
    "token_store": None,
    "retry_on_invalid_token": True,
    "token_retries": None,
    "id_token_signed_response_alg": None,
    "accept_unverifiable_iss": False,
    "issuer_template": None,
    "allow_id_token_without_nonce": False,
    "known_options": (),
}


class Client:
    """An OAuth 2.0 / OpenID Connect client without a transport."""

    def __init__(
        self, client_id: str | None = None, client_secret: Any = None, **settings: Any
    ) -> None:
        """``settings``: the drivers' constructor keywords (typed and documented once, on
        ``_driver.Driver`` and the public classes), server metadata, authorization
        defaults and the features of api.md §12; ``known_options`` names the driver's own
        keywords for the message an unknown one gets."""
        named = {name: settings.pop(name, default) for name, default in _SETTINGS.items()}
        features = take_sender_constraint_options(settings)
        metadata, defaults = split_client_options(settings, named["known_options"])
        self.client_id = client_id
        self.client_secret = client_secret
        auth_method = named["token_endpoint_auth_method"]
        if auth_method is None:
            auth_method = "client_secret_basic" if client_secret else "none"
        self.token_endpoint_auth_method: Any = auth_method
        self.revocation_endpoint_auth_method: Any = named["revocation_endpoint_auth_method"]
        self.scope: Any = named["scope"]
        self.state: str | None = named["state"]
        self.redirect_uri: str | None = named["redirect_uri"]
        self.token_placement = named["token_placement"]
        self.update_token: Callable[..., Any] | None = named["update_token"]
        self.leeway: int = named["leeway"]
        self.code_challenge_method: str | None = named["code_challenge_method"]
        self.retry_on_invalid_token = bool(named["retry_on_invalid_token"])
        #: How token requests are retried after 429, 503 or an unsent request.
        self.token_retries = resolve_retry_policy(named["token_retries"])
        self.id_token_signed_response_alg: str | None = named["id_token_signed_response_alg"]
        # A callback's RFC 9207 iss with no issuer to compare it to is refused unless set.
        self.accept_unverifiable_iss = bool(named["accept_unverifiable_iss"])
        # -- ID token checks for providers that bend OpenID Connect (README) --------------
        self.issuer_template = check_issuer_template(named["issuer_template"])
        self.allow_id_token_without_nonce = bool(named["allow_id_token_without_nonce"])
        # ---------------------------------------------------------------------------------
        # Server metadata (given, then discovered) and the client's own defaults are kept
        # apart: a discovery document must never set the nonce or prompt we send.
        self.metadata: dict[str, Any] = dict(metadata)
        self.explicit_metadata: dict[str, Any] = dict(metadata)
        self.defaults: dict[str, Any] = defaults
        self.discovery: SharedValue[dict[str, Any]] = SharedValue()
        self.keys: SharedValue[tuple[dict[str, Any], Any]] = SharedValue()
        self.hooks = ComplianceHooks()
        self.auth_methods = ClientAuthMethods()
        self.outstanding: OrderedDict[str, AuthorizationRequest] = OrderedDict()
        self.outstanding_lock = threading.Lock()
        # A state given to the constructor is good for one callback, like a generated one.
        self.state_spent = False
        self.refetch: RefetchSpec | None = None
        # The JWT bearer grant of an assertion session: every token by a fresh assertion.
        self.assertion: Any = None
        # The access token a resource server refused again after a renewal and replay:
        # renewing once more would not help (a wrong audience, say), so its 401s are
        # returned as they are.
        self.refused_after_replay: str | None = None
        self._configure_sender_constraints(features)
        token_store = keeping_key(named["token_store"], self)
        token = named["token"]
        self.source = TokenSource(token_store, dict(token) if token is not None else None)
        apply_profile(self)

    # -- api.md §12: DPoP, PAR, JAR, JARM, FAPI 2.0 ----------------------------------------

    def _configure_sender_constraints(self, features: dict[str, Any]) -> None:
        """Keep the §12 options; ``profile="fapi2"`` fills in what it turns on."""
        from .._core._dpop import DPoPNonces

        self.profile = check_profile_name(features.get("profile"))
        if self.profile == FAPI2:
            features = fapi2_features(self, features)
        #: The key DPoP proofs are signed with (RFC 9449), or None.
        self.dpop_key: DPoPKey | None = resolve_dpop(features.get("dpop"))
        #: The newest DPoP nonce of each server (RFC 9449 §8.2), shared by all callers.
        self.dpop_nonces = DPoPNonces()
        self.pushed_authorization = bool(features.get("pushed_authorization"))
        self.request_object_signing_alg: str | None = features.get("request_object_signing_alg")

    # -- configuration -----------------------------------------------------------------------

    @property
    def token_placement(self) -> str:
        """Where resource requests carry the token: ``header``, ``body`` or ``uri``."""
        return self._token_placement

    @token_placement.setter
    def token_placement(self, value: str) -> None:
        self._token_placement = check_placement(value)

    @property
    def token(self) -> OAuth2Token | None:
        """The current token (setting a dict converts it to :class:`OAuth2Token`)."""
        return self.source.token

    @token.setter
    def token(self, value: Mapping[str, Any] | None) -> None:
        self.source.set(dict(value) if value is not None else None)

    def client_auth(self, auth: Any, spec: Any = None) -> Any:
        """The client auth for a request: ``auth`` when given, else the method ``spec``
        names (by default the token endpoint's)."""
        if auth is not None:
            return auth
        return self.auth_methods.resolve(spec or self.token_endpoint_auth_method)

    def known_secrets(self) -> list[str]:
        """Secrets this client holds, to redact from messages: client secret and tokens."""
        found: list[str] = []
        secret = self.client_secret
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", errors="ignore")
        if isinstance(secret, str):
            found.append(secret)
        current = self.source.token
        if current:
            for name, value in current.items():
                if isinstance(value, str) and is_secret_field(name):
                    found.append(value)
        return found

    def authorization_default(self, name: str, default: Any = None) -> Any:
        """The client's own default for an authorization parameter (never metadata)."""
        value = self.defaults.get(name)
        return default if value is None else value

    # -- operations: each returns a flow ---------------------------------------------------

    load_server_metadata = _metadata.load_server_metadata
    endpoint = _metadata.endpoint
    optional_endpoint = _metadata.optional_endpoint
    ensure_metadata = _metadata.ensure_metadata
    uses_mtls = _metadata.uses_mtls

    create_authorization_url = _authorize.create_authorization_url
    authorization_request = _authorize.authorization_request
    validate_callback = _authorize.validate_callback

    fetch_token = _tokens.fetch_token
    token_from_fragment = _tokens.token_from_fragment
    refresh_token = _tokens.refresh_token
    renew = _tokens.renew
    current_token = _tokens.current_token
    ensure_active_token = _tokens.ensure_active_token

    fetch_jwk_set = _oidc.fetch_jwk_set
    parse_id_token = _oidc.parse_id_token
    check_token_id_token = _oidc.check_token_id_token
    userinfo = _userinfo.userinfo
    create_logout_url = _userinfo.create_logout_url

    revoke_token = _management.revoke_token
    introspect_token = _management.introspect_token

    replay_after_401 = _replay.replay_after_401

    # -- device flow, token exchange, registration (api.md §13) ---------------------------

    #: Epoch seconds, read by the device flow's deadlines (a test may put a fake here).
    clock: Callable[[], float] = staticmethod(time.time)

    device_authorization = device_authorization
    poll_device_token = poll_device_token
    exchange_token = exchange_token
    register_client = register_client
    load_resource_metadata = load_resource_metadata

    def __repr__(self) -> str:
        return f"Client(client_id={self.client_id!r}, has_token={self.token is not None})"
