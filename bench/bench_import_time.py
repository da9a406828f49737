"""``import grantflow`` against ``import requests`` (and ``grantflow.httpx`` against
``import httpx``), each in fresh processes.

grantflow's sessions import requests, and ``grantflow.httpx`` imports httpx, so each
ratio is at least about 1; the goal is at most 1.25. JOSE code (joserfc, cryptography)
and redis must load only when first used.

An installed package has its bytecode compiled (pip does it at install time, as it did
for requests); a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile every
grantflow module on every import instead. So grantflow's bytecode is compiled first.

    .venv/bin/python bench/bench_import_time.py [--runs 21]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys, time, json
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
heavy = sorted({{"joserfc", "cryptography", "redis"}} & {{m.split(".")[0] for m in sys.modules}})
print(json.dumps({{"seconds": elapsed, "heavy": heavy}}))
"""


#: What each row runs, and the row its ratio is taken to.
STATEMENTS = {
    "requests": ("import requests", "requests"),
    "grantflow": ("import grantflow", "requests"),
    "grantflow + OAuth2Session": ("from grantflow import OAuth2Session", "requests"),
    "httpx": ("import httpx", "httpx"),
    "grantflow.httpx": ("import grantflow.httpx", "httpx"),
    "grantflow.httpx + AsyncOAuth2Client": (
        "from grantflow.httpx import AsyncOAuth2Client",
        "httpx",
    ),
}


def import_once(statement: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    spec = importlib.util.find_spec("grantflow")
    assert spec is not None and spec.origin is not None
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    heavy: set[str] = set()
    for _ in range(args.runs):
        # Alternate, so a busy moment of the machine hits both alike.
        for module in times:
            result = import_once(STATEMENTS[module][0])
            times[module].append(float(str(result["seconds"])))
            if module.startswith("grantflow"):
                heavy.update(str(name) for name in result["heavy"])  # type: ignore[attr-defined]
    medians = {module: statistics.median(values) * 1e3 for module, values in times.items()}
    print("| statement | median ms | ratio |")
    print("|---|---|---|")
    for module, value in medians.items():
        base = STATEMENTS[module][1]
        print(f"| {module} | {value:.1f} | {value / medians[base]:.2f}x {base} |")
    print(f"\nheavy modules loaded by either: {', '.join(sorted(heavy)) or 'none'}")


if __name__ == "__main__":
    main()
