"""Speed of `laa-xl review --all` at national scale, against writing the round's templates.

    python benchmarks/review.py [--out benchmarks/data] [--runs N] [--returns N]

Generates (or reuses) the realistic synthetic round of `national.py` (150 returns of 35
outcomes, 300 actions and 900 milestones each), consolidates it once into a roll-up, then
times in a fresh process each:

- `laa-xl template --all --previous ROLLUP`: the next round's 150 templates, prefilled from
  the roll-up (the baseline);
- `laa-xl review --all --rollup ROLLUP`: the 150 GO review workbooks, prefilled from it.

The target: the reviews take no longer than the templates.  Times are medians of `--runs`
runs; the machine and the result are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402  (a sibling module: benchmarks/ is not a package)


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "laa_xl", *args], capture_output=True,
                          text=True, cwd=HERE.parent)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"laa-xl {' '.join(args)} failed:\n{proc.stderr}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--returns", type=int, default=None)
    args = parser.parse_args(argv)
    sizes = synthetic.CASES["realistic"]
    if args.returns:
        sizes = dataclasses.replace(sizes, returns=args.returns)
    folder = args.out / ("realistic" if not args.returns else f"realistic-{args.returns}")
    rnd = synthetic.generate(folder, sizes, jobs=2, progress=print)
    rollup = folder / "rollup.xlsx"
    if not rollup.exists():
        _run(["consolidate", str(folder / "returns"), "--region", str(rnd.region_file), "-o",
              str(rollup)])
    # The next round's templates are made with the next quarter's region file.
    next_region = folder / "region-next.toml"
    next_region.write_text(rnd.region_file.read_text(encoding="utf-8").replace(
        'period = "2009/10 Q2"', 'period = "2009/10 Q3"').replace(
        "deadline = 2009-10-15", "deadline = 2010-01-15"), encoding="utf-8")
    work = folder / "timed"
    times: dict[str, list[float]] = {"templates": [], "reviews": []}
    for _ in range(args.runs):
        for step, cmd in (("templates", ["template", "--all", "--previous", str(rollup),
                                         "--region", str(next_region)]),
                          ("reviews", ["review", "--all", "--rollup", str(rollup),
                                       "--region", str(rnd.region_file)])):
            shutil.rmtree(work, ignore_errors=True)
            times[step].append(_run([*cmd, "-o", str(work)]))
            assert len(list(work.glob("*.xlsx"))) == sizes.returns, step
    shutil.rmtree(work, ignore_errors=True)
    t, r = statistics.median(times["templates"]), statistics.median(times["reviews"])
    print(f"| step ({sizes.returns} partnerships) | median | runs |")
    print("|---|---:|---|")
    print(f"| `template --all --previous ROLLUP` | {t:.1f} s | "
          f"{', '.join(f'{x:.1f}' for x in times['templates'])} |")
    print(f"| `review --all --rollup ROLLUP` | {r:.1f} s | "
          f"{', '.join(f'{x:.1f}' for x in times['reviews'])} |")
    print(f"reviews / templates: {r / t:.2f}× (target ≤ 1: {'met' if r <= t else 'not met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
