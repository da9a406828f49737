"""The CLI's reading of inputs that come bare or as a JSON document (tokens, JWTs, keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grantflow._cli._options import json_object_or_text, load_private_key

PEM = "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  eyJ.abc.def\n", "eyJ.abc.def"),
        (PEM, None),
        ('{"access_token": "at"}', {"access_token": "at"}),
        ('\n  {"keys": []}  \n', {"keys": []}),
        ("[1, 2]", "[1, 2]"),
    ],
)
def test_text_is_parsed_only_when_it_starts_like_a_json_object(text: str, expected: object) -> None:
    wanted = text.strip() if expected is None else expected
    assert json_object_or_text(text, "the input") == wanted


@pytest.mark.parametrize("text", ["{", '{"a": }', "{not json at all"])
def test_json_that_does_not_parse_names_the_input_but_does_not_echo_it(text: str) -> None:
    with pytest.raises(ValueError, match=r"^--refresh-token looks like JSON but does not parse$"):
        json_object_or_text(text + " secret-part", "--refresh-token")


def test_a_key_file_is_a_jwk_dict_or_pem_text(tmp_path: Path) -> None:
    jwk = tmp_path / "key.json"
    jwk.write_text('{"kty": "oct", "k": "c2VjcmV0"}', encoding="utf-8")
    pem = tmp_path / "key.pem"
    pem.write_text(PEM, encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"kty": "oct", "k": SECRET', encoding="utf-8")

    assert load_private_key(str(jwk)) == {"kty": "oct", "k": "c2VjcmV0"}
    assert str(load_private_key(str(pem))).startswith("-----BEGIN PRIVATE KEY-----")
    with pytest.raises(ValueError, match="looks like JSON but does not parse") as raised:
        load_private_key(str(broken))
    assert "SECRET" not in str(raised.value)
