"""What the published package carries: a license, metadata, a description, its tests.

The sdist is built for real (setuptools' own build backend, offline) from a copy of the
tracked files, so the checkout is not touched.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from importlib.metadata import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TIMEOUT = 300


def test_the_license_file_is_the_mit_license_the_metadata_names() -> None:
    installed = metadata("grantflow")
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")

    assert installed["License-Expression"] == "MIT"
    assert installed.get_all("License-File") == ["LICENSE"]
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def test_the_metadata_has_classifiers_for_each_supported_python() -> None:
    installed = metadata("grantflow")
    classifiers = installed.get_all("Classifier") or []

    assert "Typing :: Typed" in classifiers
    assert installed["Requires-Python"] == ">=3.10"
    for minor in (10, 11):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers


def test_the_pypi_description_starts_with_pip_install() -> None:
    description = metadata("grantflow").get_payload()  # type: ignore[attr-defined]
    assert isinstance(description, str)

    first_command = next(
        line for line in description.splitlines() if line.startswith(("pip", "bash"))
    )
    assert first_command.startswith("pip install grantflow")
    assert "scripts/" not in description


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> tarfile.TarFile:
    """The sdist built from a copy of the files git tracks (and those about to be added)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=TIMEOUT,
    ).stdout.split()  # fmt: skip
    source = tmp_path_factory.mktemp("source")
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    out = tmp_path_factory.mktemp("dist")
    build = f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", build], cwd=source, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return tarfile.open(out / done.stdout.split()[-1])


def test_the_sdist_carries_the_tests_license_and_pypi_description(sdist: tarfile.TarFile) -> None:
    names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}

    for wanted in (
        "LICENSE",
        "docs/pypi.md",
        "tests/conftest.py",
        "tests/unit/test_facade.py",
        "tests/integration/test_cli_process.py",
        "tests/provider/package-lock.json",
        "examples/compliance_fix.py",
    ):
        assert wanted in names, wanted
    assert not any("node_modules" in name or "__pycache__" in name for name in names)


def test_the_sdist_metadata_names_the_license_and_starts_with_pip_install(
    sdist: tarfile.TarFile,
) -> None:
    member = next(m for m in sdist.getmembers() if m.name.endswith("/PKG-INFO"))
    handle = sdist.extractfile(member)
    assert handle is not None
    metadata = handle.read().decode("utf-8")
    headers, _, body = metadata.partition("\n\n")

    assert "License-Expression: MIT" in headers
    assert "License-File: LICENSE" in headers
    assert "Classifier: Typing :: Typed" in headers
    assert "pip install grantflow" in body.split("## ")[0]
