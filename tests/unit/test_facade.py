"""The public facade: a sorted, complete ``__all__``, and a protocol core that does no I/O."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import grantflow
from grantflow import errors

# The names api.md promises at the top level of the package.
API_NAMES = {
    "OAuth2Session",
    "OAuth2Auth",
    "OAuth2Token",
    "AssertionSession",
    "ClientSecretJWT",
    "PrivateKeyJWT",
    "OAuthError",
    "AuthorizationError",
    "MismatchingStateError",
    "InvalidResponseError",
    "InvalidIDTokenError",
    "MissingTokenError",
    "InvalidTokenError",
    "UnsupportedTokenTypeError",
    "InsecureTransportError",
    # §12, §13
    "DPoPKey",
    "DeviceAuthorization",
    "ACCESS_TOKEN_TYPE",
    "REFRESH_TOKEN_TYPE",
    "ID_TOKEN_TYPE",
    "JWT_TOKEN_TYPE",
    "SAML1_TOKEN_TYPE",
    "SAML2_TOKEN_TYPE",
}

ERROR_NAMES = sorted(n for n in API_NAMES if n.endswith("Error"))

CORE_DIR = Path(grantflow.__file__).parent / "_core"
CORE_MODULES = sorted(p.stem for p in CORE_DIR.glob("*.py"))

# Modules that open sockets or speak HTTP; none may be loaded by importing the core.
IO_MODULES = (
    "requests",
    "httpx",
    "urllib3",
    "http.client",
    "http.server",
    "urllib.request",
    "ssl",
    "socketserver",
    "asyncio",
    "aiohttp",
)


def test_all_is_sorted() -> None:
    assert list(grantflow.__all__) == sorted(grantflow.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(set(grantflow.__all__)) == len(grantflow.__all__)


def test_all_names_every_name_of_the_api() -> None:
    assert set(grantflow.__all__) >= API_NAMES, API_NAMES - set(grantflow.__all__)


@pytest.mark.parametrize("name", sorted(grantflow.__all__))
def test_every_name_in_all_is_importable(name: str) -> None:
    value = getattr(grantflow, name)
    assert value is not None
    assert not name.startswith("_")


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from grantflow import *", namespace)  # noqa: S102
    exported = {k for k in namespace if k != "__builtins__"}
    assert exported == set(grantflow.__all__)


def test_public_attributes_that_are_not_modules_are_all_listed() -> None:
    public = {
        name
        for name in dir(grantflow)
        if not name.startswith("_")
        and not isinstance(getattr(grantflow, name), type(grantflow))
        and name not in {"annotations", "TYPE_CHECKING", "Any"}
    }
    assert public <= set(grantflow.__all__), public - set(grantflow.__all__)


@pytest.mark.parametrize("name", ERROR_NAMES)
def test_every_error_derives_from_oauth_error_and_is_the_errors_module_class(name: str) -> None:
    cls = getattr(grantflow, name)
    assert issubclass(cls, grantflow.OAuthError)
    assert issubclass(cls, Exception)
    assert getattr(errors, name) is cls


def test_oauth_error_is_an_exception() -> None:
    assert grantflow.OAuthError.__mro__[1] is Exception


def test_session_and_auth_have_the_requests_base_classes() -> None:
    import requests

    assert issubclass(grantflow.OAuth2Session, requests.Session)
    assert issubclass(grantflow.AssertionSession, grantflow.OAuth2Session)
    assert issubclass(grantflow.OAuth2Auth, requests.auth.AuthBase)
    assert issubclass(grantflow.OAuth2Token, dict)


def _fresh_import_script(module: str) -> str:
    # The package's __init__ imports requests (the session lives there), so the core is
    # imported under a bare package object: only what the core module itself pulls in
    # ends up in sys.modules.
    return (
        "import importlib, importlib.util, json, sys, types\n"
        "spec = importlib.util.find_spec('grantflow')\n"
        "pkg = types.ModuleType('grantflow')\n"
        "pkg.__path__ = list(spec.submodule_search_locations)\n"
        "sys.modules['grantflow'] = pkg\n"
        f"importlib.import_module('grantflow._core.{module}')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_loads_no_io_module(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _fresh_import_script(module)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(result.stdout))
    assert f"grantflow._core.{module}" in loaded or module == "__init__"
    assert not [m for m in IO_MODULES if m in loaded]
    # Nothing above the core (the sessions, the drivers) comes along.
    above = {
        m for m in loaded if m.startswith("grantflow.") and not m.startswith("grantflow._core")
    }
    assert above <= {"grantflow.errors"}


def _imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level
            names.add(prefix + (node.module or ""))
    return names


# Standard-library modules that do I/O: the core names none of them.
STDLIB_IO = {
    "socket",
    "ssl",
    "select",
    "selectors",
    "asyncio",
    "http",
    "socketserver",
    "subprocess",
}


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_only_stdlib_joserfc_cryptography_and_the_core(module: str) -> None:
    imports = _imports_of(CORE_DIR / f"{module}.py")
    for name in imports:
        if name.startswith(".."):
            assert name == "..errors", f"{module} imports {name} from above the core"
            continue
        if name.startswith("."):
            continue
        root = name.split(".", 1)[0]
        if root in {"joserfc", "cryptography", "__future__"}:
            continue
        assert root in sys.stdlib_module_names, f"grantflow._core.{module} imports {name}"
        assert root not in STDLIB_IO, f"grantflow._core.{module} imports {name}"
        assert name != "urllib.request", f"grantflow._core.{module} imports {name}"


def test_core_modules_never_sleep() -> None:
    for path in CORE_DIR.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "sleep(" not in source, path.name


def test_lazy_names_resolve_to_the_core_classes() -> None:
    jwt_auth = importlib.import_module("grantflow._core._jwt_auth")
    assert grantflow.ClientSecretJWT is jwt_auth.ClientSecretJWT
    assert grantflow.PrivateKeyJWT is jwt_auth.PrivateKeyJWT


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = grantflow.NoSuchThing
