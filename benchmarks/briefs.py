"""Speed of `laa-xl brief --all`: a pack for every partnership of a national round.

    python benchmarks/briefs.py [--out benchmarks/data] [--returns N] [--runs N]

Generates (or reuses) the synthetic national round of benchmarks/synthetic.py (150 returns of
35 outcomes, 300 actions and 900 milestones), rolls it up once with `laa-xl consolidate`, then
times `laa-xl brief ROLLUP --all -o DIR` as a command in a fresh process (medians of --runs)
and checks that it wrote one PDF per partnership.  Besides the wall-clock time it reports the
CPU time the command and its worker processes used: on a shared machine the wall clock says
more about the other users than about laa-xl, and CPU time divided by the cores is what the
run takes when the machine is its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402  (a sibling module: benchmarks/ is not a package)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(HERE / "data"))
    p.add_argument("--returns", type=int, default=None)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    sizes = synthetic.CASES["realistic"]
    folder = Path(args.out) / "realistic"
    if args.returns is not None and args.returns != sizes.returns:
        sizes = dataclasses.replace(sizes, returns=args.returns)
        folder = Path(args.out) / f"realistic-{args.returns}"
    rnd = synthetic.generate(folder, sizes, jobs=2, progress=_say)
    work = folder / "work"
    work.mkdir(exist_ok=True)
    rollup = work / "rollup-for-briefs.xlsx"
    if not rollup.exists():
        _say("consolidating ...")
        subprocess.run([sys.executable, "-m", "laa_xl", "consolidate", str(folder / "returns"),
                        "--region", str(rnd.region_file), "-o", str(rollup)], check=False,
                       stdout=subprocess.DEVNULL)
    times, cpus = [], []
    out = work / "briefs"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for n in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "laa_xl", "brief", str(rollup), "--all", "-o",
                        str(out)], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        _say(f"run {n + 1}: {times[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU; load average "
             f"{os.getloadavg()[0]:.1f}")
    pdfs = sorted(out.glob("brief-*.pdf"))
    assert len(pdfs) == sizes.returns, (len(pdfs), sizes.returns)
    size = sum(p.stat().st_size for p in pdfs) / 1e6
    cpu = statistics.median(cpus)
    print(f"| `laa-xl brief --all`, {len(pdfs)} partnerships, {cores} cores | "
          f"{statistics.median(times):.1f} s wall | {cpu:.1f} s CPU (÷ {cores} = "
          f"{cpu / (cores or 1):.1f} s) | {size:.1f} MB of PDF |")


if __name__ == "__main__":
    main()
