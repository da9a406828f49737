"""Properties of authorization callbacks (RFC 6749 §4.1.2, RFC 9207): any redirect URL,
fragment or form_post body ends in validated parameters or an OAuthError."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from grantflow._core._authorization import ValidatedCallback, parse_callback, validate_callback
from grantflow.errors import OAuthError

from ._properties import any_text, outcome, tricky_text

NAMES = ["code", "state", "iss", "error", "error_description", "error_uri", "id_token",
         "access_token", "token_type", "response", "session_state"]  # fmt: skip

names = st.one_of(st.sampled_from(NAMES), tricky_text)
form_values = st.one_of(
    tricky_text,
    st.binary(max_size=20),
    st.lists(st.one_of(tricky_text, st.binary(max_size=8)), max_size=3),
    st.integers(),
    st.none(),
)


def _encode(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


@st.composite
def callback_urls(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(["https://app.example/cb", "/cb", "", "myapp://cb", "?"]))
    pairs = draw(st.lists(st.tuples(names, tricky_text), max_size=6))
    raw = draw(st.booleans())  # unencoded: the caller passed text, not a URL from the wire
    query = "&".join(f"{k}={v}" if raw else f"{_encode(k)}={_encode(v)}" for k, v in pairs)
    where = draw(st.sampled_from(["?", "#", "?a=b#"]))
    return f"{base}{where}{query}"


callbacks = st.one_of(
    callback_urls(),
    any_text,
    st.dictionaries(names, form_values, max_size=6),
)


@given(
    callback=callbacks,
    expected_state=st.one_of(st.none(), tricky_text),
    issuer=st.one_of(st.none(), tricky_text),
    iss_required=st.booleans(),
)
def test_any_callback_is_validated_or_refused_with_an_oauth_error(
    callback: Any, expected_state: str | None, issuer: str | None, iss_required: bool
) -> None:
    params = outcome(parse_callback, callback)
    if isinstance(params, OAuthError):
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    for text in [*params, *params.values()]:
        text.encode("utf-8")  # every name and value is text every encoder accepts
    result = outcome(
        validate_callback,
        params,
        expected_state=expected_state,
        issuer=issuer,
        iss_required=iss_required,
    )
    if isinstance(result, ValidatedCallback):
        # Nothing unvalidated passes: the state matched and no error was sent.
        assert result.state == expected_state
        assert not params.get("error")
        assert "iss" not in params or issuer is None or params["iss"] == issuer
