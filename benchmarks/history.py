"""Speed of `laa-xl history` over twelve quarters at national size, against the read floor.

    python benchmarks/history.py [--out benchmarks/data] [--rounds 12] [--returns N] [--runs N]

Generates (or reuses) the national benchmark's realistic round (150 returns, see
national.py), consolidates it once, and makes twelve roll-ups of it, 2008/09 Q1 to 2010/11 Q4,
by writing each quarter's period into a copy's identity sheet (the rows are the same every
quarter: the work of reading and writing them is what is measured).  Then, each in a fresh
process whose peak memory is read from the operating system:

- the read floor: python-calamine reading every sheet of every roll-up, no checks;
- `laa-xl history ROLLUPS... -o trends.xlsx`, as a command.

Prints the medians of `--runs` runs and the ratio.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import national  # noqa: E402  (siblings: benchmarks/ is a folder of scripts, not a package)
import synthetic  # noqa: E402

TARGET_RATIO = 1.5
TARGET_PEAK_MB = 2048.0


def quarters(n: int) -> list[str]:
    from laa_xl.region import Period

    p, out = Period(2008, 1), []
    for _ in range(n):
        out.append(str(p))
        p = p.next()
    return out


def _meta_part(z: zipfile.ZipFile) -> str:
    """The part of the identity sheet (_laa_xl), found through the workbook's relationships."""
    book = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet [^>]*name="_laa_xl"[^>]*r:id="([^"]+)"', book)
    assert rid, "no _laa_xl sheet"
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def retitle(src: Path, dst: Path, period: str, was: str) -> None:
    """A copy of the roll-up `src` whose identity names `period` instead of `was`."""
    with zipfile.ZipFile(src) as z:
        part = _meta_part(z)
        strings = "xl/sharedStrings.xml" in z.namelist()
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
            for info in z.infolist():
                data = z.read(info.filename)
                if info.filename == part or (strings and info.filename == "xl/sharedStrings.xml"):
                    data = data.replace(f">{was}<".encode(), f">{period}<".encode())
                out.writestr(info, data)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=str(HERE / "data"))
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--returns", type=int, default=None)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--floor", nargs="*", help=argparse.SUPPRESS)  # the worker
    a = p.parse_args(argv)
    if a.floor is not None:
        print(json.dumps(national.read_floor([Path(x) for x in a.floor])))
        return 0
    sizes = synthetic.CASES["realistic"]
    if a.returns:
        sizes = synthetic.Sizes(**{**sizes.__dict__, "returns": a.returns})
    folder = Path(a.out) / ("realistic" if not a.returns else f"realistic-{a.returns}")
    rnd = synthetic.generate(folder, sizes, progress=lambda m: print(m, file=sys.stderr))
    rollup = folder / "rollup.xlsx"
    if not rollup.exists():
        subprocess.run([sys.executable, "-m", "laa_xl", "consolidate", str(folder / "returns"),
                        "--region", str(rnd.region_file), "-o", str(rollup)], check=False)
    history = folder / "history"
    history.mkdir(exist_ok=True)
    paths = []
    for period in quarters(a.rounds):
        dst = history / f"rollup-{period.replace('/', '-').replace(' ', '-')}.xlsx"
        if not dst.exists():
            retitle(rollup, dst, period, synthetic.PERIOD)
        paths.append(dst)
    floor, run = [], []
    for _ in range(a.runs):
        wall, peak, code, out, err = national.run_process(
            [sys.executable, str(Path(__file__).resolve()), "--floor", *map(str, paths)])
        assert code == 0, err
        floor.append((json.loads(out.strip().splitlines()[-1])["seconds"], peak))
        trends = folder / "trends.xlsx"
        wall, peak, code, out, err = national.run_process(
            [sys.executable, "-m", "laa_xl", "history", str(history), "-o", str(trends)])
        assert code == 0, err
        run.append((wall, peak))
        print(out.strip(), file=sys.stderr)
    f_s = statistics.median(s for s, _ in floor)
    h_s = statistics.median(s for s, _ in run)
    h_mb = max(m for _, m in run)
    size = sum(x.stat().st_size for x in paths) / 1e6
    print(f"| step | median | peak memory |\n|---|---:|---:|\n"
          f"| read floor: python-calamine, every sheet of {len(paths)} roll-ups ({size:.0f} MB) "
          f"| {f_s:.1f} s | {max(m for _, m in floor):.0f} MB |\n"
          f"| `laa-xl history` over them, as a command | {h_s:.1f} s | {h_mb:.0f} MB |\n\n"
          f"history / floor = {h_s / f_s:.2f}× (target ≤ {TARGET_RATIO}×); peak "
          f"{h_mb:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
