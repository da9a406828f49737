"""Run the parser properties of the test suite with a large example budget.

The properties live in ``tests/unit/test_properties_*.py`` (token responses, callbacks,
ID tokens and JWS headers, JWK Sets, discovery, UserInfo, ``WWW-Authenticate``, stored
values); the suite runs each with a few dozen examples. This script runs the same
functions round-robin, in chunks of fresh random examples, until the example budget is
spent or the time is up (checked between chunks), so it always stops by itself. An
example that takes longer than ``--deadline`` seconds counts as a hang and fails.

    .venv/bin/python bench/fuzz_parsers.py                      # 10^6 examples, <= 60 min
    .venv/bin/python bench/fuzz_parsers.py --examples 20000 --minutes 5
    .venv/bin/python bench/fuzz_parsers.py --quick              # a smoke run

Prints a Markdown table per property (examples, parser calls, examples/s) and exits 1
when a property failed (Hypothesis prints the smallest failing input).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROPERTY_DIR = ROOT / "tests" / "unit"


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1_000_000, help="total example budget")
    parser.add_argument("--minutes", type=float, default=60.0, help="stop after this long")
    parser.add_argument("--chunk", type=int, default=1000, help="examples per call of a property")
    parser.add_argument("--deadline", type=float, default=5.0, help="seconds one example may take")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    options = parser.parse_args()
    if options.quick:
        options.examples, options.chunk = 2_000, 100
    return options


def _load_properties(chunk: int, deadline: float) -> dict[str, Callable[[], None]]:
    """The property functions, decorated under a profile that runs ``chunk`` examples."""
    from hypothesis import HealthCheck, settings

    # Loaded before the modules are imported: @given takes the default settings then.
    settings.register_profile(
        "fuzz",
        max_examples=chunk,
        deadline=timedelta(seconds=deadline),
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    settings.load_profile("fuzz")
    # The test folders are packages (tests/unit/__init__.py): import them as such.
    sys.path.insert(0, str(PROPERTY_DIR.parent))
    found: dict[str, Callable[[], None]] = {}
    for path in sorted(PROPERTY_DIR.glob("test_properties_*.py")):
        module = importlib.import_module(f"{PROPERTY_DIR.name}.{path.stem}")
        for name, value in vars(module).items():
            if name.startswith("test_") and hasattr(value, "hypothesis"):
                found[f"{path.stem.removeprefix('test_properties_')}::{name[5:]}"] = value
    return found


def _run(options: argparse.Namespace) -> int:
    # Parsers warn about what they ignore (an unusable expires_in, a short HMAC key):
    # expected here, and the properties that check warnings record their own.
    warnings.simplefilter("ignore")
    properties = _load_properties(options.chunk, options.deadline)
    calls: Any = importlib.import_module(f"{PROPERTY_DIR.name}._properties").CALLS
    stats = {name: {"examples": 0, "seconds": 0.0, "calls": 0} for name in properties}
    failed: dict[str, str] = {}
    stop_at = time.monotonic() + options.minutes * 60
    total = 0
    while total < options.examples and time.monotonic() < stop_at:
        alive = [n for n in properties if n not in failed]
        if not alive:
            break
        for name in alive:
            if total >= options.examples or time.monotonic() >= stop_at:
                break
            before = sum(calls.values())
            started = time.monotonic()
            try:
                properties[name]()
            except Exception:
                failed[name] = traceback.format_exc()
                print(f"\n!! {name} failed:\n{failed[name]}", file=sys.stderr, flush=True)
            row = stats[name]
            row["seconds"] += time.monotonic() - started
            row["calls"] += sum(calls.values()) - before
            if name not in failed:
                row["examples"] += options.chunk
                total += options.chunk
        print(f"... {total:,} examples", file=sys.stderr, flush=True)
    _report(stats, failed, total)
    return 1 if failed else 0


def _report(stats: dict[str, dict[str, Any]], failed: dict[str, str], total: int) -> None:
    print("| property | examples | parser calls | seconds | examples/s | result |")
    print("|---|---:|---:|---:|---:|---|")
    for name, row in stats.items():
        rate = row["examples"] / row["seconds"] if row["seconds"] else 0.0
        result = "FAILED" if name in failed else "ok"
        print(
            f"| {name} | {row['examples']:,} | {row['calls']:,} | {row['seconds']:.0f} "
            f"| {rate:,.0f} | {result} |"
        )
    seconds = sum(row["seconds"] for row in stats.values())
    calls = sum(row["calls"] for row in stats.values())
    print(
        f"| **all** | **{total:,}** | **{calls:,}** | **{seconds:.0f}** | | "
        f"{'FAILED' if failed else 'ok'} |"
    )


if __name__ == "__main__":
    sys.exit(_run(_options()))
