"""OpenID Connect for :class:`OAuth2Session`: keys, ID tokens, UserInfo and logout."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core._authorization import AuthorizationRequest, ValidatedCallback
from .._core._bearer import add_token
from .._core._http import HttpRequest
from .._core._logout import build_logout_url
from .._core._metadata import signing_algs
from .._core._token import OAuth2Token
from .._flows._basic import json_get_flow
from .._flows._drive import Send
from ..errors import InvalidIDTokenError, MissingTokenError
from ._base import SessionBase, scrubbed, split_request_options

if TYPE_CHECKING:
    from .._core._id_token import IDTokenRules
    from .._core._jwks import JWKSet
    from .._core._userinfo import UserInfoRules
    from .._sources._source import TokenSource

__all__ = ["OpenIDMixin"]

_NO_SHARED_SECRET = frozenset({"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"})


class OpenIDMixin(SessionBase):
    """ID token validation (OIDC Core §3.1.3.7, §3.2.2.11, §3.3.2.12), UserInfo, logout."""

    id_token_signed_response_alg: str | None
    leeway: int
    _source: TokenSource

    def _init_oidc(self) -> None:
        self._jwks_document: dict[str, Any] | None = None
        self._jwks: JWKSet | None = None
        self._jwks_lock = threading.Lock()

    # -- keys ---------------------------------------------------------------------------------

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        """The provider's JWK Set from ``jwks_uri``, fetched once (``force=True`` re-fetches)."""
        from .._core._jwks import parse_jwks

        with self._jwks_lock:
            if self._jwks_document is not None and not force:
                return self._jwks_document
            uri = self._endpoint("jwks_uri")
            document = self._run(json_get_flow(uri, "jwks_uri"))
            self._jwks = parse_jwks(document)
            self._jwks_document = document
            return document

    def _key_set_for(self, header: Mapping[str, Any] | None) -> JWKSet | None:
        """The parsed key set for a JWS with ``header``, re-fetched once for an unknown kid."""
        from .._core._jwks import needs_refresh

        if header is None or not needs_refresh(self._jwks, header):
            return self._jwks
        # First use, or an unknown kid: the provider may have rotated its keys (OIDC Core
        # §10.1.1). Either way one fetch; a set fetched just now is not fetched again.
        self.fetch_jwk_set(force=self._jwks is not None)
        return self._jwks

    # -- ID tokens ----------------------------------------------------------------------------

    def _id_token_rules(self, **overrides: Any) -> IDTokenRules:
        from .._core._id_token import IDTokenRules

        self._ensure_metadata(missing="issuer" not in self.metadata)
        issuer = self.metadata.get("issuer")
        if not issuer:
            raise InvalidIDTokenError(
                "iss",
                "cannot validate the ID token: the session knows no issuer (give "
                "server_metadata_url= or issuer= and jwks_uri=)",
            )
        if not self.client_id:
            raise InvalidIDTokenError("aud", "cannot validate the ID token without a client_id")
        # HS* ID tokens are keyed by a shared client secret (OIDC Core §10.1); with
        # private_key_jwt or mTLS, client_secret holds no shared secret at all.
        shared = self._auth_methods.name_of(getattr(self, "token_endpoint_auth_method", None))
        secret = (
            self.client_secret
            if isinstance(self.client_secret, (str, bytes)) and shared not in _NO_SHARED_SECRET
            else None
        )
        leeway = overrides.pop("leeway", None)
        return IDTokenRules(
            issuer=str(issuer),
            client_id=self.client_id,
            now=int(time.time()),
            client_secret=secret,
            allowed_algs=signing_algs(
                self.id_token_signed_response_alg,
                self.metadata.get("id_token_signing_alg_values_supported"),
            ),
            leeway=self.leeway if leeway is None else int(leeway),
            **overrides,
        )

    def _validate_id_token(self, id_token: str, rules: IDTokenRules) -> dict[str, Any]:
        from .._core._id_token import unverified_header, validate_id_token

        keys = self._key_set_for(unverified_header(id_token))
        return validate_id_token(id_token, keys, rules)

    def parse_id_token(
        self, token: Mapping[str, Any] | str, nonce: str | None = None, leeway: int | None = None
    ) -> dict[str, Any]:
        """Validate an ID token (the token dict or the raw JWT) and return its claims."""
        raw = token if isinstance(token, str) else token.get("id_token")
        access_token = None if isinstance(token, str) else token.get("access_token")
        if not isinstance(raw, str) or not raw:
            raise InvalidIDTokenError("id_token", "there is no ID token to parse")
        rules = self._id_token_rules(
            nonce=nonce,
            access_token=access_token,
            leeway=leeway,
            allow_none_alg=self.id_token_signed_response_alg == "none",
        )
        return self._validate_id_token(raw, rules)

    def _check_token_id_token(
        self,
        token: OAuth2Token,
        *,
        nonce: str | None = None,
        nonce_required: bool = False,
        max_age: int | None = None,
        response_type: str | None = None,
        previous: OAuth2Token | None = None,
        front_channel: bool = False,
        bound_to: Mapping[str, Any] | None = None,
    ) -> OAuth2Token:
        """Validate the token's ``id_token`` (if any) and put its claims in ``userinfo``.

        ``previous`` is the token being refreshed: its ID token and claims carry over when
        the refresh brings none (OIDC Core §12.2 makes a new one optional), so UserInfo's
        ``sub`` check and later refreshes still know who signed in. ``bound_to`` holds the
        claims a new ID token must agree with (the original authentication's).
        """
        previous_claims = previous.get("userinfo") if previous is not None else None
        if not isinstance(previous_claims, Mapping):
            previous_claims = None
        id_token = token.get("id_token")
        if not id_token:
            if previous is None or previous_claims is None:
                return token
            carried = OAuth2Token(token)
            carried.setdefault("id_token", previous.get("id_token"))
            carried["userinfo"] = dict(previous_claims)
            return carried
        types = set((response_type or "code").split())
        rules = self._id_token_rules(
            nonce=nonce,
            nonce_required=nonce_required,
            max_age=max_age,
            access_token=token.get("access_token"),
            # OIDC Core §3.2.2.10: at_hash is required when the front channel returned
            # an access token alongside the ID token.
            at_hash_required=front_channel and "token" in types,
            previous_claims=bound_to if bound_to is not None else previous_claims,
            allow_none_alg=self.id_token_signed_response_alg == "none" and not front_channel,
        )
        claims = self._validate_id_token(str(id_token), rules)
        if previous_claims is not None:
            # §12.2 compares nonce and auth_time with the *original* authentication: keep
            # them when a refreshed ID token leaves them out.
            for name in ("nonce", "auth_time"):
                if name not in claims and name in previous_claims:
                    claims[name] = previous_claims[name]
        checked = OAuth2Token(token)
        checked["userinfo"] = claims
        return checked

    def _check_front_channel_id_token(
        self,
        callback: ValidatedCallback,
        record: AuthorizationRequest | None,
        nonce: str | None,
    ) -> dict[str, Any] | None:
        """Hybrid flow: validate the callback's ID token before redeeming the code (§3.3.2.12).

        Returns its claims (None when the callback has no ID token) so the token
        endpoint's ID token can be bound to it (§3.3.3.6: same ``iss`` and ``sub``).
        """
        id_token = callback.params.get("id_token")
        if record is not None:
            response_type = set(record.response_type.split())
        else:
            # Completed by another process: the callback itself says what came back.
            response_type = {"code"} | {k for k in ("id_token", "token") if k in callback.params}
            if "access_token" in callback.params:
                response_type.add("token")
        if not id_token:
            if "id_token" in response_type:
                raise InvalidIDTokenError("id_token", "the hybrid response carries no ID token")
            return None
        rules = self._id_token_rules(
            nonce=nonce or (record.nonce if record else None),
            nonce_required=True,
            max_age=record.max_age if record else None,
            access_token=callback.params.get("access_token"),
            at_hash_required="token" in response_type,
            code=callback.code,
            c_hash_required="code" in response_type,
        )
        return self._validate_id_token(id_token, rules)

    # -- UserInfo and logout -------------------------------------------------------------------

    @scrubbed
    def userinfo(self, **kwargs: Any) -> dict[str, Any]:
        """The UserInfo claims (OIDC Core §5.3): JSON or a signed JWT; ``sub`` must match."""
        from .._core._userinfo import parse_userinfo_response, userinfo_jwt_header

        options = split_request_options(kwargs)
        url = self._endpoint("userinfo_endpoint")
        token = self._current_token(self._source)  # type: ignore[attr-defined]
        if token is None:
            raise MissingTokenError(description="no access token to call UserInfo with")
        url, headers, _ = add_token(token, "header", url, {"Accept": "application/json"}, None)
        response, _raw = self._send_step(Send(HttpRequest("GET", url, headers)), options)
        claims = token.get("userinfo")
        expected_sub = claims.get("sub") if isinstance(claims, Mapping) else None
        jwks = self._key_set_for(userinfo_jwt_header(response))
        return parse_userinfo_response(
            response, expected_sub=expected_sub, jwks=jwks, rules=self._userinfo_rules()
        )

    def _userinfo_rules(self) -> UserInfoRules:
        from .._core._userinfo import UserInfoRules

        base = self._id_token_rules()
        registered = self.metadata.get("userinfo_signed_response_alg")
        return UserInfoRules(
            issuer=base.issuer,
            client_id=base.client_id,
            client_secret=base.client_secret,
            allowed_algs=signing_algs(
                registered,
                self.metadata.get("userinfo_signing_alg_values_supported"),
                default=base.allowed_algs,
            ),
            require_signed=bool(registered),
        )

    def create_logout_url(
        self,
        post_logout_redirect_uri: str | None = None,
        id_token_hint: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> str:
        """The RP-Initiated Logout URL (RP-Initiated Logout 1.0 §2)."""
        endpoint = self._endpoint("end_session_endpoint")
        if id_token_hint is None and self._source.token is not None:
            id_token_hint = self._source.token.get("id_token")
        return build_logout_url(
            endpoint,
            id_token_hint=id_token_hint,
            client_id=kwargs.pop("client_id", self.client_id),
            post_logout_redirect_uri=post_logout_redirect_uri,
            state=state,
            ui_locales=kwargs.pop("ui_locales", None),
            logout_hint=kwargs.pop("logout_hint", None),
            extra=kwargs or None,
        )
