"""The *After* snippets of docs/migrating.md run, as shown, against the development provider.

A fenced block whose info string is ``python run`` is executed in a fresh namespace
holding the names the guide says stand for your own values; the *Before* blocks
(``python fragment``) are another library's code and are only checked to parse.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

import grantflow
from grantflow.testing import DevProvider

from ._support import CALLBACK, ProtectedAPI, follow, write_service_account

GUIDE = Path(__file__).parents[2] / "docs" / "migrating.md"
README = Path(__file__).parents[2] / "README.md"
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def _blocks(kind: str) -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return [m["code"] for m in _FENCE.finditer(text) if m["info"].strip() == kind]


RUNNABLE = _blocks("python run")


def test_the_guide_has_runnable_snippets_and_the_readme_links_it() -> None:
    assert len(RUNNABLE) >= 6
    assert "docs/migrating.md" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("code", _blocks("python fragment"), ids=lambda c: c.splitlines()[0][:40])
def test_before_snippets_are_python(code: str) -> None:
    ast.parse(code)


@pytest.fixture
def namespace(op: DevProvider, api: ProtectedAPI, tmp_path: Path) -> dict[str, Any]:
    account = write_service_account(op, tmp_path)
    names: dict[str, Any] = {name: getattr(grantflow, name) for name in grantflow.__all__}
    names.update(
        client_id="client-basic",
        client_secret=op.clients["client-basic"]["client_secret"],
        service_id="client-m2m",
        service_secret=op.clients["client-m2m"]["client_secret"],
        jwt_client_id="client-secret-jwt",
        jwt_client_secret=op.clients["client-secret-jwt"]["client_secret"],
        authorization_endpoint=op.metadata["authorization_endpoint"],
        token_endpoint=op.metadata["token_endpoint"],
        issuer=op.issuer,
        server_metadata_url=op.discovery_url,
        redirect_uri=CALLBACK,
        api_url=api.url,
        service_account_file=str(account),
        browser=follow,
    )
    return names


@pytest.mark.parametrize("code", RUNNABLE, ids=lambda c: c.splitlines()[0][:40])
def test_after_snippet_runs(code: str, namespace: dict[str, Any]) -> None:
    exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102 - this repository's guide
    # Every snippet ends by checking what it did; a snippet without a check proves nothing.
    assert "assert " in code
