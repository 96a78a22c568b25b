"""Speed at national scale: a whole synthetic round (150 returns), timed against baselines.

    python benchmarks/national.py [--case realistic|stress|both] [--runs N] [--out benchmarks/data]
                                  [--steps a,b,...] [--returns N] [--render]

Generates (or reuses) the round's workbooks, then times each step in a fresh Python process
and reads that process's peak memory from the operating system (`os.wait4`):

- the read floor: python-calamine reading every sheet of every file, no checks;
- `validate`: `check_files(paths, region, keep_rows=False)`, in one process and with `jobs=2`;
- a naive approach: pandas `read_excel` (openpyxl) plus jsonschema on every row dict, timed
  on a subset of the files and scaled linearly to the whole round;
- `consolidate`: collect + consolidate + write_rollup, in one process;
- `write_rollup` alone, and plain xlsxwriter writing the same rows as the roll-up's data
  sheets (constant memory, `write_row` per row, nothing else);
- the whole round end to end: `laa-xl consolidate` run as a command, with its default
  `--jobs` (one process per core, up to 4).

Times are medians of `--runs` runs (3 for realistic, 1 for stress); peak memory is the largest
seen.  The stress case times only the read floor, validate and the whole round unless
`--steps` asks for more: each of its steps takes minutes.  It then checks that the roll-up
holds every row of every valid return, prints a Markdown table and writes
`benchmarks/results.md` (with every case whose results are saved in the --out folder).
`--returns N` makes a smaller round for a quick try, and leaves results.md alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402  (a sibling module: benchmarks/ is not a package)

RESULTS_MD = HERE / "results.md"
NAIVE_FILES = {"realistic": 10, "stress": 3}
ROLLUP_DATA_SHEETS = ("outcomes", "actions", "milestones", "risks", "recovery")

# The targets the results are reported against.
E2E_SECONDS = 20.0
VALIDATE_VS_FLOOR = 2.0
NAIVE_VS_VALIDATE = 5.0
WRITE_VS_XLSXWRITER = 1.3
STRESS_PEAK_MB = 1024.0


# ==========================================================================================
# Workers: each measured step runs in a fresh interpreter (`--worker STEP`) and prints one
# JSON line with its seconds and whatever it found; the parent reads its peak memory.


def _returns(folder: Path) -> list[Path]:
    from laa_xl.round import expand_inputs

    return expand_inputs([folder / "returns"])


def _region(folder: Path) -> Any:
    from laa_xl.region import load_region

    return load_region(folder / "region.toml")


def _maxrss_mb(who: int) -> float:
    import resource

    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def read_floor(paths: list[Path]) -> dict[str, Any]:
    """python-calamine reading every sheet of every file: the floor any reader stands on."""
    import python_calamine as pc

    t0 = time.perf_counter()
    cells = 0
    for p in paths:
        book = pc.CalamineWorkbook.from_path(str(p))
        for name in book.sheet_names:
            grid = book.get_sheet_by_name(name).to_python()
            cells += len(grid) * (len(grid[0]) if grid else 0)
    return {"seconds": time.perf_counter() - t0, "files": len(paths), "cells": cells}


def work_read_floor(folder: Path, **_: Any) -> dict[str, Any]:
    """The read floor of the round's returns."""
    return read_floor(_returns(folder))


def _report_counts(reports: Sequence[Any]) -> dict[str, Any]:
    rows: dict[str, dict[str, int]] = {}
    invalid = []
    for rep in reports:
        if not rep.valid:
            invalid.append(Path(rep.file).name)
        if rep.data is not None:
            rows[rep.data.lsp_code] = {k: rep.data.count(k) for k in rep.data.sheets}
    return {"errors": sum(r.errors for r in reports),
            "warnings": sum(r.warnings for r in reports),
            "invalid": invalid, "rows": rows}


def work_validate(folder: Path, jobs: int = 1, **_: Any) -> dict[str, Any]:
    """`check_files(paths, region, jobs=N, keep_rows=False)`, as `laa-xl validate` calls it."""
    from laa_xl.round import check_files

    region = _region(folder)
    paths = _returns(folder)
    t0 = time.perf_counter()
    reports = check_files(paths, region, jobs=jobs, keep_rows=False)
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, **_report_counts(reports)}
    out["self_mb"] = _maxrss_mb(0)  # RUSAGE_SELF
    import resource

    out["children_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    return out


def work_consolidate(folder: Path, jobs: int = 1, output: str = "", received: str = "",
                     **_: Any) -> dict[str, Any]:
    """collect + consolidate + write_rollup, as `laa-xl consolidate` calls them (the
    slippage flags are worked out by collect, as each file is checked)."""
    from laa_xl.rollup import consolidate, write_rollup
    from laa_xl.round import collect

    region = _region(folder)
    paths = _returns(folder)
    log = Path(received) if received else None
    t0 = time.perf_counter()
    result = collect(paths, region, {}, jobs=jobs, received_log=log,
                     slippage_as_of=region.period.end)
    t1 = time.perf_counter()
    rollup = consolidate(result, region.period.end, {}, False, "")
    t2 = time.perf_counter()
    write_rollup(rollup, output, inputs=paths)
    t3 = time.perf_counter()
    out = {"seconds": t3 - t0, "collect": t1 - t0, "slippage": t2 - t1, "write": t3 - t2,
           "flags": len(rollup.flags), "included": len(rollup.included),
           "issues": sum(len(r.issues) for r in result.reports)}
    return out


def work_prepare(folder: Path, dump: str = "", received: str = "", **_: Any) -> dict[str, Any]:
    """Consolidate the round (two processes) and pickle it for the write steps; untimed."""
    from laa_xl.rollup import consolidate
    from laa_xl.round import collect

    result = collect(_returns(folder), _region(folder), {}, jobs=2,
                     received_log=Path(received) if received else None)
    rollup = consolidate(result, None, {}, False, "")
    with open(dump, "wb") as fh:
        pickle.dump(rollup, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"seconds": 0.0}


def _load_rollup(dump: str) -> Any:
    with open(dump, "rb") as fh:
        return pickle.load(fh)


def work_write_rollup(folder: Path, output: str = "", dump: str = "", **_: Any) -> dict[str, Any]:
    """`write_rollup` alone, on the consolidated round (loaded untimed from a pickle)."""
    from laa_xl.rollup import write_rollup

    rollup = _load_rollup(dump)
    t0 = time.perf_counter()
    write_rollup(rollup, output)
    return {"seconds": time.perf_counter() - t0}


def rollup_data_rows(rollup: Any) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The roll-up's data sheets as plain rows: sheet name -> (headers, rows).

    The same cells `RollupWriter._data_sheet` writes: the LSP, every field of the sheet,
    the source file, sheet and row, and whether the return is valid; risks highest first.
    """
    from laa_xl.schemas import sheet

    out = {}
    for key in ROLLUP_DATA_SHEETS:
        spec = sheet(key)
        names = [f.name for f in spec.fields]
        headers = ["LSP", *[f.header for f in spec.fields], "Source file", "Source sheet",
                   "Source row", "Return valid"]
        entries = []
        for s in rollup.included:
            rep = s.report
            sheet_name = rep.data.sheet_names.get(key, spec.name)
            valid = "Yes" if rep.valid else "No"
            for row in rep.data.sheets.get(key, []):
                v = row.values
                entries.append((row, [s.lsp.code, *[v.get(n) for n in names], rep.file,
                                      sheet_name, row.row, valid]))
        if key == "risks":
            entries.sort(key=lambda e: -(e[0].get("score") or 0))
        out[spec.name] = (headers, [e[1] for e in entries])
    return out


def work_xlsxwriter_floor(folder: Path, output: str = "", dump: str = "",
                          **_: Any) -> dict[str, Any]:
    """Plain xlsxwriter writing the roll-up's data-sheet rows: constant memory, write_row."""
    import xlsxwriter

    sheets = rollup_data_rows(_load_rollup(dump))  # untimed: the rows as lists
    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False, "strings_to_numbers": False,
                                      "default_date_format": "dd/mm/yyyy"})
    for name, (headers, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        ws.write_row(3, 0, headers)
        for i, row in enumerate(rows, start=4):
            ws.write_row(i, 0, row)
    wb.close()
    return {"seconds": time.perf_counter() - t0,
            "rows": {k: len(v[1]) for k, v in sheets.items()}}


def _naive_validators() -> dict[str, Any]:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    from laa_xl.schemas import SHEET_KEYS, load_schema

    names = ("defs", *SHEET_KEYS)
    registry: Registry = Registry().with_resources(
        [(load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in names])
    return {load_schema(k)["x-sheet"]: Draft202012Validator(
        load_schema(k), registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for k in SHEET_KEYS}


def _plain_value(v: Any) -> Any:
    """A pandas cell as JSON would hold it: None for empty, ISO text for dates."""
    if v is None or v != v or v == "":  # NaN and NaT are not equal to themselves
        return None
    if isinstance(v, datetime):  # pandas.Timestamp is a datetime
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def work_naive(folder: Path, subset: int = 10, **_: Any) -> dict[str, Any]:
    """pandas.read_excel(openpyxl, every sheet, header row 4) + jsonschema on each row."""
    import pandas as pd

    from laa_xl.schemas import sheets

    paths = _returns(folder)[:subset]
    headers = {s.name: {f.header: f.name for f in s.fields} for s in sheets()}
    t0 = time.perf_counter()
    validators = _naive_validators()
    rows = errors = 0
    for p in paths:
        frames = pd.read_excel(p, engine="openpyxl", sheet_name=None, header=3)
        for name, validator in validators.items():
            frame = frames.get(name)
            if frame is None:
                continue
            names = headers[name]
            for record in frame.to_dict("records"):
                doc = {}
                for k, v in record.items():
                    v = _plain_value(v)
                    if v is not None and k in names:
                        doc[names[k]] = v
                if not doc:
                    continue  # the template's empty rows
                rows += 1
                errors += sum(1 for _ in validator.iter_errors(doc))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "files": len(paths), "rows": rows, "errors": errors}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "read-floor": work_read_floor,
    "validate": work_validate,
    "consolidate": work_consolidate,
    "prepare": work_prepare,
    "write-rollup": work_write_rollup,
    "xlsxwriter-floor": work_xlsxwriter_floor,
    "naive": work_naive,
}


def run_worker(argv: Sequence[str]) -> None:
    """The body of `--worker STEP`: run one step and print its JSON on the last line."""
    p = argparse.ArgumentParser()
    p.add_argument("--worker", required=True, choices=sorted(WORKERS))
    p.add_argument("--folder", required=True)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--subset", type=int, default=10)
    p.add_argument("--output", default="")
    p.add_argument("--dump", default="")
    p.add_argument("--received", default="")
    a = p.parse_args(argv)
    out = WORKERS[a.worker](Path(a.folder), jobs=a.jobs, subset=a.subset, output=a.output,
                            dump=a.dump, received=a.received)
    out["pid"] = os.getpid()
    print(json.dumps(out, default=str))


# ==========================================================================================
# The parent: runs each step in its own process and reads its peak memory.


@dataclass
class Measured:
    """One run of one step: wall seconds as the step timed itself, peak RSS, its findings."""

    seconds: float
    peak_mb: float
    found: dict[str, Any] = field(default_factory=dict)


def run_process(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int, str, str]:
    """Run `cmd`; (wall seconds, peak MB of it and its children, exit code, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (wall, usage.ru_maxrss / 1024, proc.returncode,
                out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def measure(step: str, folder: Path, **options: Any) -> Measured:
    """Run one worker step in a fresh interpreter."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", step,
           "--folder", str(folder)]
    for k, v in options.items():
        cmd += [f"--{k}", str(v)]
    _, peak, code, out, err = run_process(cmd)
    if code != 0:
        raise RuntimeError(f"step {step} failed (exit {code}):\n{err[-3000:]}")
    found = json.loads(out.strip().splitlines()[-1])
    return Measured(found.pop("seconds"), peak, found)


def measure_cli(folder: Path, output: Path, jobs: int = 1, received: Path | None = None
                ) -> Measured:
    """`laa-xl consolidate RETURNS --region region.toml -o ROLLUP`, as a GO officer runs it."""
    cmd = [sys.executable, "-m", "laa_xl", "consolidate", str(folder / "returns"), "--region",
           str(folder / "region.toml"), "-o", str(output)]
    if received is not None:
        cmd += ["--received", str(received)]
    if jobs > 1:
        cmd += ["--jobs", str(jobs)]
    wall, peak, code, out, err = run_process(cmd)
    if code != 0:
        raise RuntimeError(f"laa-xl consolidate exited {code}:\n{out[-2000:]}\n{err[-2000:]}")
    return Measured(wall, peak, {"summary": out.strip()})


# ------------------------------------------------------------------------------------------
# Correctness: the roll-up holds every row of every valid return.


def rollup_counts(path: Path) -> dict[str, dict[str, int]]:
    """Rows per LSP in each data sheet of a roll-up (and answers in the Assurance matrix)."""
    import python_calamine as pc

    from laa_xl.schemas import sheet

    book = pc.CalamineWorkbook.from_path(str(path))
    out: dict[str, dict[str, int]] = {}
    for key in ROLLUP_DATA_SHEETS:
        grid = book.get_sheet_by_name(sheet(key).name).to_python(skip_empty_area=False)
        head = next(i for i, r in enumerate(grid) if r and r[0] == "LSP")
        counts: dict[str, int] = {}
        for r in grid[head + 1:]:
            if r and r[0] not in ("", None):
                counts[str(r[0])] = counts.get(str(r[0]), 0) + 1
        out[key] = counts
    grid = book.get_sheet_by_name("Assurance").to_python(skip_empty_area=False)
    head = next(i for i, r in enumerate(grid) if r and r[0] == "LSP")
    last_q = grid[head].index("Weak")
    answers: dict[str, int] = {}
    for r in grid[head + 1:]:
        if not r or r[0] in ("", None) or r[0] == "Ref":
            break
        answers[str(r[0])] = sum(1 for v in r[2:last_q] if v not in ("", None))
    out["assurance"] = answers
    return out


def sheet_rows(path: Path) -> dict[str, int]:
    """Rows holding anything, per sheet, of any workbook (how much the roll-up writes)."""
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(path))
    return {n: sum(1 for r in book.get_sheet_by_name(n).to_python(skip_empty_area=False)
                   if any(v not in ("", None) for v in r)) for n in book.sheet_names}


def check_rollup(rnd: synthetic.Round, read: dict[str, dict[str, int]], invalid: list[str],
                 rollup: Path) -> list[str]:
    """Problems found comparing generator, returns as read, and roll-up; [] when all agree."""
    problems = []
    if invalid:
        problems.append(f"{len(invalid)} generated return(s) are not valid: {invalid[:5]}")
    got = rollup_counts(rollup)
    for code, written in rnd.rows.items():
        for key, n in written.items():
            as_read = read.get(code, {}).get(key)
            if as_read != n:
                problems.append(f"{code} {key}: generated {n} rows, validate read {as_read}")
            if code in invalid:
                continue
            in_rollup = got.get(key, {}).get(code, 0)
            if in_rollup != n:
                problems.append(f"{code} {key}: {n} rows in the return, {in_rollup} in the "
                                "roll-up")
    return problems


# ------------------------------------------------------------------------------------------
# The benchmark


@dataclass
class CaseResult:
    """Every figure of one case, as saved to results.json and rendered to Markdown."""

    case: str
    sizes: dict[str, int]
    runs: int
    files_mb: float
    generated_s: float | None
    steps: dict[str, dict[str, Any]]
    correctness: dict[str, Any]
    when: str
    machine: str


def _median(items: list[Measured]) -> dict[str, Any]:
    found = items[-1].found
    out = {"seconds": statistics.median(m.seconds for m in items),
           "all": [round(m.seconds, 3) for m in items],
           "peak_mb": max(m.peak_mb for m in items), "found": found}
    for part in ("collect", "slippage", "write"):
        if part in found:
            out[part] = statistics.median(m.found[part] for m in items)
    return out


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


STEPS = ("read-floor", "validate-1", "validate-2", "consolidate", "write-rollup",
         "xlsxwriter-floor", "end-to-end", "naive")
# The stress case's steps by default: its targets are peak memory and surviving the round;
# every step of it takes several minutes.
DEFAULT_STEPS = {"realistic": STEPS, "stress": ("read-floor", "validate-1", "end-to-end")}


def received_log(rnd: synthetic.Round) -> Path:
    """A received log (file name, date) for the round: most on time, one in ten late.

    Without one, `collect` takes each file's modified time, which for generated files is
    today: every return would be late.
    """
    path = rnd.folder / "received.csv"
    lines = ["file,received"]
    for i, p in enumerate(rnd.returns):
        lines.append(f"{p.name},{'20/10/2009' if i % 10 == 9 else '12/10/2009'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_case(case: str, out: Path, runs: int, returns: int | None = None,
             steps: Sequence[str] | None = None) -> CaseResult:
    """Generate (or reuse) a case's round, time each step `runs` times, check the roll-up.

    `returns` makes a smaller (or larger) round than the case's own, in a folder of its own;
    `steps` chooses the steps (default: every step, or a few for the stress case).
    """
    sizes = synthetic.CASES[case]
    folder = out / case
    if returns is not None and returns != sizes.returns:
        sizes = dataclasses.replace(sizes, returns=returns)
        folder = out / f"{case}-{returns}"
    chosen = tuple(steps or DEFAULT_STEPS[case])
    t0 = time.perf_counter()
    existed = (folder / "manifest.json").exists()
    rnd = synthetic.generate(folder, sizes, jobs=2, progress=_say)
    generated = None if existed and (time.perf_counter() - t0) < 5 else time.perf_counter() - t0
    _say(f"{case}: {len(rnd.returns)} returns in {folder}"
         + (f" (generated in {generated:.0f} s)" if generated else " (cached)"))
    work = folder / "work"
    work.mkdir(exist_ok=True)
    dump = work / "rollup.pickle"
    log = received_log(rnd)
    results: dict[str, list[Measured]] = {}
    if {"write-rollup", "xlsxwriter-floor"} & set(chosen):
        _say(f"{case}: consolidating once for the write steps")
        measure("prepare", folder, dump=dump, received=log)
    commands: dict[str, Callable[[], Measured]] = {
        "read-floor": lambda: measure("read-floor", folder),
        "validate-1": lambda: measure("validate", folder, jobs=1),
        "validate-2": lambda: measure("validate", folder, jobs=2),
        "consolidate": lambda: measure("consolidate", folder, output=work / "rollup-lib.xlsx",
                                       received=log),
        "write-rollup": lambda: measure("write-rollup", folder,
                                        output=work / "rollup-write.xlsx", dump=dump),
        "xlsxwriter-floor": lambda: measure("xlsxwriter-floor", folder,
                                            output=work / "floor.xlsx", dump=dump),
        "end-to-end": lambda: measure_cli(folder, work / "rollup-cli.xlsx", received=log),
        "naive": lambda: measure("naive", folder,
                                 subset=min(NAIVE_FILES[case], sizes.returns)),
    }
    for i in range(runs):
        _say(f"{case}: run {i + 1} of {runs}")
        for name in STEPS:
            if name not in chosen or (name == "naive" and i > 0):  # naive: once is enough
                continue
            m = commands[name]()
            results.setdefault(name, []).append(m)
            _say(f"  {name:<18} {m.seconds:8.2f} s  {m.peak_mb:7.0f} MB")

    measured = {k: _median(v) for k, v in results.items()}
    return CaseResult(case, dict(vars(sizes)), runs,
                      sum(p.stat().st_size for p in rnd.returns) / 1e6, generated, measured,
                      correctness(rnd, measured, work),
                      datetime.now().strftime("%Y-%m-%d %H:%M"), machine())


def correctness(rnd: synthetic.Round, measured: dict[str, dict[str, Any]],
                work: Path) -> dict[str, Any]:
    """The roll-up(s) written in this run, checked against the generator and the reader."""
    rollups = [p for step, p in (("end-to-end", work / "rollup-cli.xlsx"),
                                 ("consolidate", work / "rollup-lib.xlsx"))
               if step in measured and p.exists()]
    if not rollups:
        return {}
    if "validate-1" in measured:
        read = measured["validate-1"]["found"]
    else:  # no validate step: compare the roll-up with what was generated
        read = {"rows": rnd.rows, "invalid": [], "errors": None, "warnings": None}
    problems = []
    for path in rollups:
        problems += [f"({path.name}) {p}"
                     for p in check_rollup(rnd, read["rows"], read["invalid"], path)]
    return {"problems": problems, "returns": len(rnd.returns), "invalid": read["invalid"],
            "errors": read["errors"], "warnings": read["warnings"],
            "rows_generated": rnd.total_rows(),
            "rows_in_rollup": {k: sum(v.values()) for k, v in rollup_counts(rollups[0]).items()},
            "rollup_sheet_rows": sheet_rows(rollups[0])}


def machine() -> str:
    """The interpreter, CPU count and the versions of the libraries that matter."""
    from importlib.metadata import version

    libs = ", ".join(f"{n} {version(n)}" for n in ("python-calamine", "xlsxwriter", "openpyxl",
                                                    "pandas", "jsonschema"))
    return (f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs; {libs}; laa_xl at {code_version()}")


def code_version() -> str:
    """The commit the package was measured at, and whether its files differed from it."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "an unknown commit"
    changed = git("status", "--porcelain", "--", "laa_xl")
    return f"commit {commit}" + (" with local changes to laa_xl" if changed else "")


# ------------------------------------------------------------------------------------------
# Rendering


def _s(x: float) -> str:
    return f"{x:.2f}"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _all_runs(steps: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{k} {', '.join(f'{x:.1f}' for x in v['all'])}"
                     for k, v in steps.items() if k != "naive")


def paired(steps: dict[str, dict[str, Any]], step: str, baseline: str) -> float:
    """The median over runs of step ÷ baseline, each run's pair timed minutes apart.

    On a shared, noisy machine the load drifts between runs; a ratio of two steps of the same
    run is steadier than a ratio of two medians.
    """
    a, b = steps[step]["all"], steps[baseline]["all"]
    return statistics.median(x / y for x, y in zip(a, b, strict=False))


def table(res: CaseResult) -> str:
    """The results of one case as a Markdown table (and the notes that go with it)."""
    st = res.steps
    stress = res.case == "stress"
    rows: list[tuple[str, ...]] = []

    def add(step: str, name: str, ratio: str = "", target: str = "", met: str = "") -> None:
        m = st[step]
        rows.append((name, _s(m["seconds"]), f"{m['peak_mb']:.0f}", ratio, target, met))

    if "read-floor" in st:
        add("read-floor", "Read floor: calamine, every sheet of every file", "1.00 (baseline)")
    if "validate-1" in st:
        if "read-floor" in st:
            r = paired(st, "validate-1", "read-floor")
            add("validate-1", "validate, one process", f"{r:.2f}× read floor",
                f"≤ {VALIDATE_VS_FLOOR:g}× read floor", _yes(r <= VALIDATE_VS_FLOOR))
        else:
            add("validate-1", "validate, one process")
    if "validate-2" in st:
        extra = ""
        if "validate-1" in st:
            extra = f"; {paired(st, 'validate-1', 'validate-2'):.2f}× faster than one process"
        ratio = f"{paired(st, 'validate-2', 'read-floor'):.2f}× read floor" \
            if "read-floor" in st else ""
        add("validate-2", "validate, jobs=2", ratio + extra)
    if "naive" in st:
        naive = st["naive"]
        scale = res.sizes["returns"] / naive["found"]["files"]
        naive_s = naive["seconds"] * scale
        faster = naive_s / st["validate-1"]["seconds"]
        rows.append((f"Naive: pandas read_excel (openpyxl) + jsonschema per row "
                     f"({naive['found']['files']} files, × {scale:g})", _s(naive_s),
                     f"{naive['peak_mb']:.0f}", f"validate is {faster:.1f}× faster",
                     f"validate ≥ {NAIVE_VS_VALIDATE:g}× faster",
                     _yes(faster >= NAIVE_VS_VALIDATE)))
    if "consolidate" in st:
        cons = st["consolidate"]
        add("consolidate", "consolidate: collect + consolidate + write_rollup, one process",
            f"collect (checks and flags) {_s(cons['collect'])} s · consolidate "
            f"{_s(cons['slippage'])} s · write {_s(cons['write'])} s")
    if "write-rollup" in st and "xlsxwriter-floor" in st:
        r = paired(st, "write-rollup", "xlsxwriter-floor")
        add("write-rollup", "write_rollup alone (same consolidated data)",
            f"{r:.2f}× xlsxwriter", f"≤ {WRITE_VS_XLSXWRITER:g}× xlsxwriter",
            _yes(r <= WRITE_VS_XLSXWRITER))
        add("xlsxwriter-floor",
            "xlsxwriter: the roll-up's data-sheet rows, write_row, constant memory",
            "1.00 (baseline)")
    if "end-to-end" in st:
        e2e = st["end-to-end"]
        name = "Whole round end to end: `laa-xl consolidate`"
        if stress:
            add("end-to-end", name, "", f"peak < {STRESS_PEAK_MB:.0f} MB",
                _yes(e2e["peak_mb"] < STRESS_PEAK_MB))
        else:
            add("end-to-end", name, "", f"< {E2E_SECONDS:g} s",
                _yes(e2e["seconds"] < E2E_SECONDS))
    lines = ["| step | median s | peak MB | ratio vs baseline | target | met? |",
             "|---|---:|---:|---|---|---|"]
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines + notes(res))


def notes(res: CaseResult) -> list[str]:
    """What the table's figures are, how they were taken, and the correctness check."""
    st = res.steps
    sz = res.sizes
    out = [
        "",
        f"- {sz['returns']} returns of {sz['outcomes']} outcomes, {sz['actions']:,} actions, "
        f"{sz['milestones']:,} milestones, {sz['assurance']} assurance answers and "
        f"{sz['risks']} risks each (plus recovery rows for Red and most Amber items): "
        f"{res.files_mb:.1f} MB of .xlsx. Times are medians of {res.runs} run(s); ratios are "
        f"medians of each run's own ratio. Every run, in seconds: {_all_runs(st)}.",
        *([f"- Steps timed: {', '.join(st)}; the others were left out (`--steps` adds them)."]
          if len(st) < len(STEPS) else []),
        "- Every step ran in a fresh Python process; peak MB is that process's maximum "
        "resident set (`os.wait4`), including its imports and, for the two write steps, the "
        "consolidated round loaded from a pickle before timing.",
    ]
    if "validate-2" in st:
        found = st["validate-2"]["found"]
        out.append(f"- validate with jobs=2: parent {found['self_mb']:.0f} MB, largest worker "
                   f"{found['children_mb']:.0f} MB (the peak MB column is the larger).")
    if "naive" in st:
        n = st["naive"]
        out.append(
            f"- The naive approach was timed once, on {n['found']['files']} files "
            f"({n['seconds']:.1f} s, {n['found']['rows']:,} rows, {n['found']['errors']} "
            f"schema errors: jsonschema cannot tidy `£12,500` or a date typed as text), and "
            f"scaled linearly to {sz['returns']}.")
    if "end-to-end" in st:
        summary = st["end-to-end"]["found"]["summary"].splitlines()
        out.append("- The end-to-end time is the wall clock of the command, interpreter "
                   "start-up and imports included, with its default `--jobs` (one process "
                   f"per core, up to 4). It said: “{summary[0]}”")
    c = res.correctness
    if c:
        gen, inr = c["rows_generated"], c["rows_in_rollup"]
        verdict = ("**every row of every valid return is in the roll-up**, per LSP and sheet."
                   if not c["problems"] else f"**{len(c['problems'])} problem(s)**: "
                   + "; ".join(c["problems"][:5]))
        out.append(
            f"- Correctness: {c['returns']} returns, {len(c['invalid'])} invalid, "
            f"{c['errors']} errors and {c['warnings']:,} warnings in all. Rows generated → in "
            "the roll-up (read back with calamine): "
            + ", ".join(f"{k} {gen[k]:,} → {inr.get(k, 0):,}" for k in ROLLUP_DATA_SHEETS)
            + f"; assurance answers {gen['assurance']:,} → {inr.get('assurance', 0):,}: "
            + verdict)
        out.append("- Rows the roll-up writes, by sheet: "
                   + ", ".join(f"{k} {v:,}" for k, v in c["rollup_sheet_rows"].items()) + ".")
    return out


def render(results: list[CaseResult]) -> str:
    """results.md: every case's table, with the machine and the date."""
    parts = ["# Speed at national scale: results", "",
             "Made by `python benchmarks/national.py --case realistic` and `--case stress` "
             "(figures saved in benchmarks/data/, Markdown remade with `--render`). The "
             "machines are shared and noisy: trust the ratios more than the absolute times. "
             "See `profile.md` for where the time goes and what to change.", ""]
    for res in results:
        parts += [f"## {res.case.capitalize()} case ({res.when})", "", f"{res.machine}.", "",
                  table(res), ""]
    return "\n".join(parts)


def _load_case(path: Path) -> CaseResult | None:
    try:
        return CaseResult(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen case(s), print the table(s) and write results.md."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--worker" in argv:
        run_worker(argv)
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=("realistic", "stress", "both"), default="realistic")
    p.add_argument("--runs", type=int, default=None,
                   help="runs per step (default 3 for realistic, 1 for stress)")
    p.add_argument("--out", default=str(HERE / "data"), help="folder for generated files")
    p.add_argument("--returns", type=int, default=None,
                   help="a round of this many returns instead of 150 (for a quick try; "
                        "results.md is then left alone)")
    p.add_argument("--steps", default=None,
                   help=f"comma-separated steps to time (default: all for realistic, "
                        f"{','.join(DEFAULT_STEPS['stress'])} for stress); of {','.join(STEPS)}")
    p.add_argument("--render", action="store_true",
                   help="only write results.md again from the results saved in --out")
    a = p.parse_args(argv)
    steps = a.steps.split(",") if a.steps else None
    if steps and set(steps) - set(STEPS):
        p.error(f"unknown step(s): {', '.join(sorted(set(steps) - set(STEPS)))}")
    out = Path(a.out).resolve()
    cases = ("realistic", "stress") if a.case == "both" else (a.case,)
    for case in () if a.render else cases:
        runs = a.runs or (3 if case == "realistic" else 1)
        res = run_case(case, out, runs, a.returns, steps)
        print(f"\n## {case}\n\n{table(res)}\n")
        if a.returns is None:
            (out / case / "results.json").write_text(
                json.dumps(vars(res), indent=1, default=str), encoding="utf-8")
    if a.returns is not None:
        return 0
    found = [r for r in (_load_case(out / c / "results.json") for c in ("realistic", "stress"))
             if r is not None]
    RESULTS_MD.write_text(render(found), encoding="utf-8")
    _say(f"Wrote {RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
