"""Time the XOR playground from slider release to new figure, headlessly.

Setting a slider's ``value`` from Python fires the same observer a release in
JupyterLab fires: it retrains with ``train(MLP(...))`` and renders the new PNG
into the Image widget before returning. So the time of one assignment is the
time a reader waits (minus the few milliseconds the browser needs to show
the PNG). The median of several releases (a different seed each time, so
nothing is cached) is compared with the targets: 0.3 s for the defaults
(hidden 8, 500 epochs), 1 s for hidden 64 and 2000 epochs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from autograd_lib.course.playground import xor_playground  # noqa: E402


def time_releases(pg, runs):
    """Release the seed slider ``runs`` times; returns the seconds each took."""
    times = []
    for i in range(runs):
        seed = (pg.seed.value + 1 + i) % (pg.seed.max + 1)
        start = time.perf_counter()
        pg.seed.value = seed  # fires retrain + redraw, like a slider release
        times.append(time.perf_counter() - start)
        assert pg.settings["seed"] == seed and pg.history is not None
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="releases to time per case (median reported)")
    args = parser.parse_args()
    cases = [("defaults (hidden 8, 500 epochs)", dict(hidden=8, epochs=500), 0.3),
             ("hidden 64, 2000 epochs", dict(hidden=64, epochs=2000), 1.0)]
    print(f"{'slider release -> new figure':<34}{'median':>9}{'min':>9}{'max':>9}{'target':>9}")
    ok = True
    for name, settings, target in cases:
        pg = xor_playground(**settings)
        time_releases(pg, 1)  # warm-up: fonts, caches
        times = time_releases(pg, args.runs)
        median = statistics.median(times)
        ok &= median <= target
        print(f"{name:<34}{median:>8.3f}s{min(times):>8.3f}s{max(times):>8.3f}s{target:>8.1f}s"
              f"  {'ok' if median <= target else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
