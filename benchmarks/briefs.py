"""Speed of `laa-xl brief --all`: a pack for every partnership of a national round.

    python benchmarks/briefs.py [--out benchmarks/data] [--returns N] [--runs N]

Generates (or reuses) the synthetic national round of benchmarks/synthetic.py (150 returns of
35 outcomes, 300 actions and 900 milestones), rolls it up once with `laa-xl consolidate`, then
times `laa-xl brief ROLLUP --all -o DIR` as a command in a fresh process (medians of --runs)
and checks that it wrote one PDF per partnership.
"""

from __future__ import annotations

import argparse
import dataclasses
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
    times = []
    out = work / "briefs"
    for n in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "laa_xl", "brief", str(rollup), "--all", "-o",
                        str(out)], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        _say(f"run {n + 1}: {times[-1]:.1f} s")
    pdfs = sorted(out.glob("brief-*.pdf"))
    assert len(pdfs) == sizes.returns, (len(pdfs), sizes.returns)
    size = sum(p.stat().st_size for p in pdfs) / 1e6
    print(f"| `laa-xl brief --all`, {len(pdfs)} partnerships | {statistics.median(times):.1f} s "
          f"| {size:.1f} MB of PDF | runs: {', '.join(f'{t:.1f}' for t in times)} s |")


if __name__ == "__main__":
    main()
