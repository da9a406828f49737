"""Properties of ``WWW-Authenticate`` (RFC 9110 §11.6.1, RFC 6750 §3): any header a
resource server sends is read, in linear time, into challenges; a well-formed one gives
back exactly the parameters it was built from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grantflow._core._challenge import (
    MAX_CHALLENGE_LENGTH,
    is_invalid_token_challenge,
    parse_challenges,
)

from ._properties import any_text, outcome, tricky_text

TCHAR = "!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"
tokens = st.text(TCHAR, min_size=1, max_size=12)
snippets = st.sampled_from(['"', "\\", "=", ",", " ", "\n", "\t", "a", 'a="', "Bearer", '\\"'])


@st.composite
def hostile_headers(draw: st.DrawFn) -> str:
    """Long repetitions of what made the old scanner backtrack, and random text."""
    unit = draw(st.one_of(st.lists(snippets, min_size=1, max_size=4).map("".join), tricky_text))
    count = draw(st.integers(1, MAX_CHALLENGE_LENGTH // max(len(unit), 1)))
    return draw(st.sampled_from(["", "Bearer ", "Bearer x="])) + unit * count


@given(header=st.one_of(any_text, tricky_text, hostile_headers()))
def test_any_header_is_read_into_challenges(header: str) -> None:
    challenges = outcome(parse_challenges, header, documented=())
    assert isinstance(challenges, list)
    for scheme, params in challenges:
        assert scheme == scheme.lower() and scheme
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    assert is_invalid_token_challenge(header) in (True, False)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    """A header built from challenges, and the challenges the parser must read back."""
    built: list[str] = []
    expected: list[tuple[str, dict[str, str]]] = []
    for _ in range(draw(st.integers(1, 4))):
        scheme = draw(tokens)
        params: dict[str, str] = {}
        parts: list[str] = []
        for _ in range(draw(st.integers(0, 4))):
            name = draw(tokens)
            value = draw(st.one_of(tokens, st.text(max_size=20)))
            quoted = draw(st.booleans()) or not all(c in TCHAR for c in value) or not value
            parts.append(f"{name}={_quote(value) if quoted else value}")
            params.setdefault(name.lower(), value)
        built.append(scheme + (" " + ", ".join(parts) if parts else ""))
        expected.append((scheme.lower(), params))
    return ", ".join(built), expected


@given(case=well_formed())
def test_a_well_formed_header_gives_back_its_challenges(
    case: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    header, expected = case
    assert outcome(parse_challenges, header, documented=()) == expected
