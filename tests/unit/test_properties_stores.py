"""Properties of stored token values: whatever a file or Redis key holds (another tool's
write, a crash, a hostile edit), reading it gives a token dict or nothing, with a warning."""

from __future__ import annotations

import json
import warnings

from hypothesis import given
from hypothesis import strategies as st

from grantflow._core._token import is_unsendable
from grantflow._stores._base import decode_token, encode_token

from ._properties import bodies, deeply_nested, json_values, objects_with, outcome


@given(
    raw=st.one_of(
        bodies(objects_with(["access_token", "refresh_token", "expires_at"])),
        deeply_nested(),
        st.text(max_size=50),
    )
)
def test_any_stored_value_reads_as_a_token_dict_or_as_absent(raw: str | bytes) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        token = outcome(decode_token, raw, "the store", documented=())
    if token is None:
        assert caught
    else:
        assert isinstance(token, dict) and not caught


@given(token=objects_with(["access_token", "expires_at"], json_values))
def test_a_saved_token_reads_back_as_it_was(token: dict[str, object]) -> None:
    encoded = encode_token(token)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decoded = outcome(decode_token, encoded, "the store", documented=())
    if is_unsendable(token.get("access_token")):
        # A token no header can carry is not handed out again: absent, with a warning.
        assert decoded is None and caught
    else:
        # Compared as JSON text: NaN, which the token may hold, is not equal to itself.
        assert json.dumps(decoded, sort_keys=True) == json.dumps(token, sort_keys=True)
        assert not caught
