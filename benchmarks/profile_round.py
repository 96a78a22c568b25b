"""Where the time of a national round goes: phase timings and cProfile of validate and consolidate.

    python benchmarks/profile_round.py [--case realistic] [--out benchmarks/data] [--top 25]

Uses the round `national.py` generates (generating it if need be) and writes
`benchmarks/profile.md`:

- phase timings measured without a profiler: the package's own functions are wrapped with
  timers at run time (nothing in `laa_xl` is changed), so the split between the reader's XML
  scan, calamine, building rows, each rule family, slippage and each roll-up sheet is not
  distorted by cProfile's per-call cost;
- cProfile of `check_files(paths, region, keep_rows=False)` (what `validate` does) and of consolidate +
  write_rollup on the collected round, top functions by cumulative and by own time.

The hand-written analysis between the `<!-- analysis -->` markers of an existing profile.md is
kept; everything else is regenerated.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import pstats
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import national  # noqa: E402  (siblings: benchmarks/ is not a package)
import synthetic  # noqa: E402

PROFILE_MD = HERE / "profile.md"
ANALYSIS = re.compile(r"<!-- analysis -->.*?<!-- /analysis -->", re.S)
PLACEHOLDER = "<!-- analysis -->\n(Analysis to be written from the figures below.)\n<!-- /analysis -->"


# ------------------------------------------------------------------------------------------
# Timers wrapped around the package's functions at run time


def rss_mb() -> tuple[float, float]:
    """(resident MB now, peak resident MB so far) of this process."""
    import resource

    with open("/proc/self/statm", encoding="ascii") as fh:
        now = int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timers:
    """Seconds and calls per label, from wrappers put around functions and methods."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.memory: list[tuple[str, float, float]] = []  # (after what, MB now, peak MB)
        self._undo: list[tuple[Any, str, Any]] = []

    def mark(self, label: str) -> None:
        """Note the memory in use now, and the peak so far."""
        self.memory.append((label, *rss_mb()))

    def wrap(self, owner: Any, attr: str, label: str | Callable[..., str],
             memory: bool = False) -> None:
        """Time every call of `owner.attr` under `label` (or label(*args) per call).

        With `memory`, also note the memory in use after each call.
        """
        original = getattr(owner, attr)
        seconds, calls = self.seconds, self.calls

        @functools.wraps(original)
        def timed(*args: Any, **kw: Any) -> Any:
            name = label(*args, **kw) if callable(label) else label
            t0 = time.perf_counter()
            try:
                return original(*args, **kw)
            finally:
                seconds[name] += time.perf_counter() - t0
                calls[name] += 1
                if memory:
                    self.mark(name)

        self._undo.append((owner, attr, original))
        setattr(owner, attr, timed)

    def wrap_generator(self, owner: Any, attr: str, label: Callable[..., str]) -> None:
        """Time every step of the generators `owner.attr` returns, under label(*args)."""
        original = getattr(owner, attr)
        seconds, calls = self.seconds, self.calls

        @functools.wraps(original)
        def timed(*args: Any, **kw: Any) -> Iterator[Any]:
            name = label(*args, **kw)
            calls[name] += 1
            steps = original(*args, **kw)
            while True:
                t0 = time.perf_counter()
                try:
                    item = next(steps)
                except StopIteration:
                    seconds[name] += time.perf_counter() - t0
                    return
                seconds[name] += time.perf_counter() - t0
                yield item

        self._undo.append((owner, attr, original))
        setattr(owner, attr, timed)

    def undo(self) -> None:
        for owner, attr, original in reversed(self._undo):
            setattr(owner, attr, original)
        self._undo.clear()


class _Sheet:
    def __init__(self, sheet: Any, timers: Timers) -> None:
        self._sheet, self._timers = sheet, timers

    def to_python(self, *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._sheet.to_python(*args, **kw)
        finally:
            self._timers.seconds["calamine: to_python"] += time.perf_counter() - t0
            self._timers.calls["calamine: to_python"] += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)


class _Book:
    def __init__(self, book: Any, timers: Timers) -> None:
        self._book, self._timers = book, timers

    def get_sheet_by_name(self, name: str) -> _Sheet:
        t0 = time.perf_counter()
        try:
            return _Sheet(self._book.get_sheet_by_name(name), self._timers)
        finally:
            self._timers.seconds["calamine: parse sheet"] += time.perf_counter() - t0
            self._timers.calls["calamine: parse sheet"] += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)


def _calamine_shim(timers: Timers) -> Any:
    """A stand-in for the python_calamine module whose workbooks and sheets are timed."""
    import types

    import python_calamine as pc

    class CalamineWorkbook:
        @staticmethod
        def from_path(path: str) -> _Book:
            t0 = time.perf_counter()
            try:
                return _Book(pc.CalamineWorkbook.from_path(path), timers)
            finally:
                timers.seconds["calamine: open workbook"] += time.perf_counter() - t0
                timers.calls["calamine: open workbook"] += 1

    return types.SimpleNamespace(CalamineWorkbook=CalamineWorkbook)


@contextmanager
def instrumented() -> Iterator[Timers]:
    """Wrap the reader, the rule families, slippage and the roll-up writer with timers."""
    import xlsxwriter.workbook

    from laa_xl import rollup, rules, sheetrows, slippage
    from laa_xl.reader import archive, rows, sheets
    from laa_xl.rules import cells

    t = Timers()
    t.wrap(rows.ReturnReader, "read", "reader: whole read")
    # Parts are read in two modules (the workbook's own parts, and each sheet's).
    t.wrap(archive, "read_part", "reader: unzip a part (+ DTD check)")
    t.wrap(sheets, "read_part", "reader: unzip a part (+ DTD check)")
    t.wrap(sheets, "scan_sheet", "reader: regex scan of sheet XML")
    t.wrap(sheets.WorkbookReader, "grid", "reader: grid (unzip + scan + calamine)")
    t.wrap(rows.ReturnReader, "read_sheet", "reader: read_sheet (grid + header + rows)")
    t.wrap(rows.ReturnReader, "identity", "reader: identity (meta sheet)")
    # The header row is looked for in two modules (each data sheet's, and stand-ins').
    t.wrap(sheets, "find_header_row", "reader: find header row")
    t.wrap(rows, "find_header_row", "reader: find header row")
    t.wrap(rows.ReturnReader, "_columns", "reader: match columns")
    old_pc = sheets.pc
    sheets.pc = _calamine_shim(t)
    t.wrap(cells, "normalise", "rules: cells.normalise (per cell)")
    original_families = rules.families

    def families() -> list[Callable[..., Any]]:
        out = []
        for fam in original_families():
            name = f"rules: {fam.__module__.rsplit('.', 1)[-1]}"

            def run(ctx: Any, fam: Callable[..., Any] = fam, name: str = name) -> list[Any]:
                t0 = time.perf_counter()
                try:
                    return list(fam(ctx))
                finally:
                    t.seconds[name] += time.perf_counter() - t0
                    t.calls[name] += 1
            out.append(run)
        return out

    rules.families = families  # type: ignore[assignment]
    t.wrap(slippage, "flags", "slippage: flags (in collect, as each file is checked)")
    t.wrap(rollup, "flags", "slippage: flags")
    t.wrap(rollup, "sort_flags", "slippage: sort_flags")
    w = rollup.RollupWriter
    for method in ("_figures", "_about", "_dashboard", "_completeness", "_assurance",
                   "_meta"):
        t.wrap(w, method, f"write: frame: {method.strip('_')}", memory=True)
    t.wrap(xlsxwriter.workbook.Workbook, "close", "write: frame: xlsxwriter close",
           memory=True)
    t.wrap(w, "write", "write: whole roll-up")
    t.wrap(rollup, "splice", "write: splice (big sheets' rows into the zip)", memory=True)
    t.wrap_generator(sheetrows, "_spliced", lambda xml, big: f"write: rows of {big.name}")
    t.wrap(sheetrows, "_add_part", "write: deflate a big sheet (second thread, overlapping)")
    try:
        yield t
    finally:
        t.undo()
        rules.families = original_families  # type: ignore[assignment]
        sheets.pc = old_pc


# ------------------------------------------------------------------------------------------
# Running the round


def _validate(folder: Path) -> list[Any]:
    from laa_xl.round import check_files

    return check_files(national._returns(folder), national._region(folder), keep_rows=False)


def _consolidate(result: Any, output: Path) -> Any:
    from laa_xl.rollup import consolidate, write_rollup

    rollup = consolidate(result, result.region.period.end, {}, False, "")
    write_rollup(rollup, output)
    return rollup


def _collect(folder: Path) -> Any:
    """As `laa-xl consolidate` does it (in one process here): flags worked out in collect."""
    from laa_xl.round import collect

    region = national._region(folder)
    return collect(national._returns(folder), region, {}, slippage_as_of=region.period.end)


@dataclass
class Phases:
    """What one instrumented pass over the round measured."""

    seconds: dict[str, float]
    calls: dict[str, int]
    memory: list[tuple[str, float, float]]
    collect_s: float
    consolidate_s: float


def phases(folder: Path, work: Path) -> Phases:
    """Phase seconds, calls and memory of collect and of consolidate + write, no profiler."""
    _validate(folder)  # warm up: schemas loaded and compiled, files in the page cache
    with instrumented() as t:
        t.mark("start (after a warm-up pass whose reports are freed)")
        t0 = time.perf_counter()
        result = _collect(folder)
        t1 = time.perf_counter()
        t.mark("collect: every return read, checked and kept")
        _consolidate(result, work / "rollup-phases.xlsx")
        t2 = time.perf_counter()
    return Phases(dict(t.seconds), dict(t.calls), t.memory, t1 - t0, t2 - t1)


def memory_table(memory: list[tuple[str, float, float]]) -> str:
    """Resident memory after each stage of collect, consolidate and write, as Markdown."""
    lines = ["| after | resident MB | peak MB so far |", "|---|---:|---:|"]
    for label, now, peak in memory:
        lines.append(f"| {label.removeprefix('write: ')} | {now:.0f} | {peak:.0f} |")
    return "\n".join(lines)


def profile(fn: Callable[[], Any]) -> pstats.Stats:
    """cProfile of one call of `fn`."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    return pstats.Stats(prof)


# ------------------------------------------------------------------------------------------
# Rendering


def _where(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return f"`{name}` (built-in)"
    p = Path(path)
    parts = p.parts
    for anchor in ("laa_xl", "xlsxwriter", "jsonschema", "zipfile", "re", "python_calamine"):
        if anchor in parts:
            short = "/".join(parts[parts.index(anchor):])
            break
    else:
        short = p.name
    return f"`{name}` ({short}:{line})"


def _profile_section(title: str, note: str | None, stats: Any, top: int) -> list[str]:
    """One cProfile section: its top functions by cumulative and by own time."""
    lines = [f"## cProfile: {title}", ""]
    if note:
        lines += [note, ""]
    for label, key in (("cumulative time", "cumulative"), ("own time", "tottime")):
        lines += [f"### Top {top} by {label}", "", top_table(stats, key, top), ""]
    return lines


def top_table(stats: pstats.Stats, key: str, n: int) -> str:
    """The top `n` functions of a profile by 'cumulative' or 'tottime', as Markdown."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    index = 3 if key == "cumulative" else 2
    rows = sorted(raw.items(), key=lambda kv: kv[1][index], reverse=True)[:n]
    total = stats.total_tt  # type: ignore[attr-defined]
    lines = ["| function | calls | own s | cumulative s | cumulative % |", "|---|---:|---:|---:|---:|"]
    for func, (cc, nc, tt, ct, _callers) in rows:
        calls = f"{nc:,}" if nc == cc else f"{nc:,}/{cc:,}"
        lines.append(f"| {_where(func)} | {calls} | {tt:.2f} | {ct:.2f} | "
                     f"{100 * ct / total:.0f}% |")
    return "\n".join(lines)


_VALIDATE_ORDER = [
    "reader: whole read", "reader: unzip a part (+ DTD check)", "reader: regex scan of sheet XML",
    "calamine: open workbook", "calamine: parse sheet", "calamine: to_python",
    "reader: find header row", "reader: match columns", "rules: identity", "rules: cells",
    "rules: cells.normalise (per cell)", "rules: rows", "rules: crosssheet", "rules: previous",
    "rules: recovery"]


def phase_table(ph: Phases) -> str:
    """Phase timings as Markdown: the reader's parts, each rule family, slippage, the writer."""
    s = defaultdict(float, ph.seconds)
    calls, collect_s, consolidate_s = ph.calls, ph.collect_s, ph.consolidate_s
    header = s["reader: find header row"] + s["reader: match columns"]
    # `read_sheet` holds its sheet's `grid`; `identity` holds the meta sheet's (and little else)
    grids_of_data_sheets = s["reader: grid (unzip + scan + calamine)"] - \
        s["reader: identity (meta sheet)"]
    building = s["reader: read_sheet (grid + header + rows)"] - grids_of_data_sheets - header
    listed = (s["reader: unzip a part (+ DTD check)"] + s["reader: regex scan of sheet XML"]
              + s["calamine: open workbook"] + s["calamine: parse sheet"]
              + s["calamine: to_python"] + header + building)
    other_read = s["reader: whole read"] - listed
    rules_total = sum(v for k, v in s.items() if k.startswith("rules: ") and "normalise" not in k)
    rows: list[tuple[str, float, str]] = [
        ("**collect (read + check every return)**", collect_s, ""),
        ("reader, whole (`ReturnReader.read`)", s["reader: whole read"], ""),
        ("· unzip sheet parts (`read_part`, incl. DTD check)",
         s["reader: unzip a part (+ DTD check)"], "every part: sheets, sharedStrings, styles"),
        ("· regex scan of sheet XML (`scan_sheet`)", s["reader: regex scan of sheet XML"], ""),
        ("· calamine: open workbook", s["calamine: open workbook"], ""),
        ("· calamine: parse sheet (`get_sheet_by_name`)", s["calamine: parse sheet"], ""),
        ("· calamine: `to_python`", s["calamine: to_python"], ""),
        ("· find header row + match columns", header, ""),
        ("· building `Row` objects (`read_sheet` loop)", max(building, 0.0),
         "`read_sheet` minus its `grid`, header and columns"),
        ("· the rest (sha256, sniff, zip directory, workbook.xml, identity)",
         max(other_read, 0.0), ""),
        ("rules, all families", rules_total, ""),
    ]
    for fam in ("identity", "cells", "rows", "crosssheet", "previous", "recovery"):
        rows.append((f"· rules: {fam}", s[f"rules: {fam}"], ""))
    rows.append(("·· of which `cells.normalise`", s["rules: cells.normalise (per cell)"],
                 f"{calls.get('rules: cells.normalise (per cell)', 0):,} calls; the timer "
                 "adds ~0.3 µs each"))
    rows.append(("**consolidate + write_rollup**", consolidate_s, ""))
    rows.append(("· slippage flags, worked out as each file is checked",
                 s["slippage: flags (in collect, as each file is checked)"], "part of collect"))
    rows.append(("slippage (`flags` + `sort_flags`)",
                 s["slippage: flags"] + s["slippage: sort_flags"], ""))
    rows.append(("write_rollup, whole", s["write: whole roll-up"], ""))
    for k in sorted(k for k in s if k.startswith("write: ") and k != "write: whole roll-up"):
        rows.append((f"· {k.removeprefix('write: ')}", s[k], ""))
    lines = ["| phase | seconds | note |", "|---|---:|---|"]
    for name, secs, note in rows:
        lines.append(f"| {name} | {secs:.2f} | {note} |")
    return "\n".join(lines)


def render(case: str, n_files: int, ph: Phases, validate: pstats.Stats,
           consolidate: pstats.Stats, top: int, analysis: str) -> str:
    """profile.md, with the kept analysis."""
    return "\n".join([
        "# Speed at national scale: where the time goes",
        "",
        f"Made by `python benchmarks/profile_round.py` on the {case} case ({n_files} returns; "
        f"see `results.md`). {national.machine()}.",
        "",
        analysis,
        "",
        "## Phase timings, no profiler",
        "",
        "The package's functions wrapped with timers at run time, one pass over the round "
        "after a warm-up pass (the sub-rows of a phase are parts of it).",
        "",
        phase_table(ph),
        "",
        "## Memory, no profiler",
        "",
        "Resident memory of the same pass (from /proc/self/statm) after each stage, and the "
        "peak so far (`ru_maxrss`).",
        "",
        memory_table(ph.memory),
        "",
        *_profile_section(f"validate (`check_files(paths, region, keep_rows=False)`), total "
                          f"{validate.total_tt:.1f} s under the profiler",  # type: ignore[attr-defined]
                          None, validate, top),
        *_profile_section(f"consolidate + write_rollup on the collected round, total "
                          f"{consolidate.total_tt:.1f} s under the profiler",  # type: ignore[attr-defined]
                          "(collect, which consolidate runs first, is the validate profile above.)",
                          consolidate, top),
    ])


def main(argv: list[str] | None = None) -> int:
    """Profile the chosen case and write profile.md."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=sorted(synthetic.CASES), default="realistic")
    p.add_argument("--out", default=str(HERE / "data"))
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args(argv)
    folder = Path(a.out).resolve() / a.case
    rnd = synthetic.generate(folder, synthetic.CASES[a.case], jobs=2)
    work = folder / "work"
    work.mkdir(exist_ok=True)
    print("phase timings ...", file=sys.stderr, flush=True)
    ph = phases(folder, work)
    print(phase_table(ph), file=sys.stderr)
    print(memory_table(ph.memory), file=sys.stderr)
    print("cProfile: validate ...", file=sys.stderr, flush=True)
    v_stats = profile(lambda: _validate(folder))
    result = _collect(folder)
    print("cProfile: consolidate ...", file=sys.stderr, flush=True)
    c_stats = profile(lambda: _consolidate(result, work / "rollup-profile.xlsx"))
    for name, st in (("validate", v_stats), ("consolidate", c_stats)):
        st.dump_stats(str(work / f"{name}.pstats"))
        buf = io.StringIO()
        pstats.Stats(str(work / f"{name}.pstats"), stream=buf).sort_stats("cumulative") \
            .print_stats(40)
        (work / f"{name}.txt").write_text(buf.getvalue(), encoding="utf-8")
    old = PROFILE_MD.read_text(encoding="utf-8") if PROFILE_MD.exists() else ""
    m = ANALYSIS.search(old)
    analysis = m.group(0) if m else PLACEHOLDER
    PROFILE_MD.write_text(render(a.case, len(rnd.returns), ph, v_stats, c_stats, a.top,
                                 analysis), encoding="utf-8")
    print(f"Wrote {PROFILE_MD}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
