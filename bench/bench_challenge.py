"""``WWW-Authenticate`` parsing cost on hostile headers: it must grow linearly with size.

Run: ``.venv/bin/python bench/bench_challenge.py`` (``--quick`` for a short run).

A resource server controls the ``WWW-Authenticate`` header of every 401, and a request
``timeout`` bounds waiting, not CPU. The headers below made the earlier regex scanner
backtrack from every character (quadratic: a 16 KB header took 7 s, 60 KB minutes).
Each is parsed with the length cap lifted (``max_length=None``) at growing sizes;
``parse_challenges`` itself ignores headers over ``MAX_CHALLENGE_LENGTH`` (16 KiB).

Reported: the median ms per parse at each size, and the ratio of the largest to the
smallest size's time per character (1.0x is linear). Goal: every ratio below 2x, and a
16 KiB hostile header parsed in under 10 ms.

Results (full run, shared 2-core machine with one core busy, Python 3.11, median ms):

    header                      16 KiB   64 KiB  256 KiB  per-char ratio
    long token, no "="             0.0      0.1      0.6           1.3x
    line breaks                    0.0      0.1      0.6           1.0x
    unterminated escapes           0.2      0.8      3.4           1.1x
    'a="\\' repeated                7.6     48.7    178.4           1.5x

Goal met: linear, and a hostile header at the cap costs under 10 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from grantflow._core._challenge import parse_challenges

HOSTILE: dict[str, Callable[[int], str]] = {
    'long token, no "="': lambda n: "Bearer " + "a" * n + '"',
    "line breaks": lambda n: "\n" * n + "x",
    "unterminated escapes": lambda n: "Bearer x=" + '"\\' * (n // 2),
    "'a=\"\\' repeated": lambda n: "Bearer " + 'a="\\' * (n // 4),
}
SIZES = (16 * 1024, 64 * 1024, 256 * 1024)


def _median_ms(header: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        parse_challenges(header, max_length=None)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rounds = 3 if parser.parse_args().quick else 15
    print("| header | " + " | ".join(f"{s // 1024} KiB" for s in SIZES) + " | per-char ratio |")
    print("|---|" + "---:|" * (len(SIZES) + 1))
    for name, build in HOSTILE.items():
        times = [_median_ms(build(size), rounds) for size in SIZES]
        ratio = (times[-1] / SIZES[-1]) / max(times[0] / SIZES[0], 1e-12)
        cells = " | ".join(f"{t:.1f}" for t in times)
        print(f"| {name} | {cells} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
