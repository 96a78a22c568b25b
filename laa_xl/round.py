"""One round's returns, matched to the region's partnerships: who returned, when, and is it valid.

`collect` validates every file it is given (in parallel when asked) and pairs each return
with its LSP by the identity inside the workbook, not by its file name.  Consolidation,
chasing and the demo all start from its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .issues import FileReport
from .model import Return
from .region import Lsp, Region


@dataclass
class LspStatus:
    """Where one partnership stands in the round."""

    lsp: Lsp
    report: FileReport | None = None  # None: no return received
    received: date | None = None
    feedback: Path | None = None  # the feedback workbook written for it, if any
    duplicates: list[FileReport] = field(default_factory=list)  # other returns for this LSP

    @property
    def returned(self) -> bool:
        return self.report is not None

    @property
    def valid(self) -> bool:
        return self.report is not None and self.report.valid

    def on_time(self, deadline: date) -> bool | None:
        if self.received is None:
            return None
        return self.received <= deadline


@dataclass
class RoundResult:
    """Every LSP's status in region order, plus files that match no LSP of the region."""

    region: Region
    statuses: list[LspStatus]
    unmatched: list[FileReport] = field(default_factory=list)  # unreadable or not ours

    @property
    def reports(self) -> list[FileReport]:
        out = [s.report for s in self.statuses if s.report is not None]
        for s in self.statuses:
            out.extend(s.duplicates)
        return out + self.unmatched


# --------------------------------------------------------------------------------------
# Finding and checking the files


def expand_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given, and every file directly inside a folder (Office lock files skipped).

    Everything in a folder is checked, not just .xlsx: a partner's .xls or .ods sent back in
    error is reported, not silently ignored.
    """
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(x for x in p.iterdir() if x.is_file()
                              and not x.name.startswith((".", "~$"))))
        else:
            out.append(p)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _check_one(args: tuple[Path, Region | None, Mapping[str, Return] | None]) -> FileReport:
    from .rules import check_file

    path, region, previous = args
    return check_file(path, region, previous)


def check_files(paths: Sequence[Path], region: Region | None = None,
                previous: Mapping[str, Return] | None = None, jobs: int = 1,
                progress: Callable[[int], None] | None = None) -> list[FileReport]:
    """Check every file, in order, in `jobs` processes; `progress(n)` after each n files."""
    tasks = [(p, region, previous) for p in paths]
    if jobs <= 1 or len(paths) < 2:
        out = []
        for t in tasks:
            out.append(_check_one(t))
            if progress:
                progress(1)
        return out
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        out = []
        for rep in pool.map(_check_one, tasks, chunksize=max(1, len(tasks) // (jobs * 4))):
            out.append(rep)
            if progress:
                progress(1)
        return out


def received_dates(paths: Sequence[Path], log: Path | None = None) -> dict[Path, date]:
    """When each return arrived: from a received log (CSV of file,date) or the file's time.

    A GO officer who saves attachments in a batch keeps a log; otherwise the time the file
    was last written is the best evidence there is.
    """
    logged: dict[str, date] = {}
    if log is not None:
        import csv

        from .errors import InputError
        from .rules.cells import Bad, parse_date_text

        with log.open(encoding="utf-8-sig", newline="") as fh:
            for n, row in enumerate(csv.reader(fh), start=1):
                if len(row) < 2 or not row[0].strip() or row[0].strip().lower() == "file":
                    continue
                try:
                    logged[Path(row[0].strip()).name] = parse_date_text(row[1])
                except Bad as err:
                    raise InputError(f"{log}, line {n}: {row[1]!r} is not a date "
                                     "(write it as 31/03/2010).") from err
    out = {}
    for p in paths:
        if p.name in logged:
            out[p] = logged[p.name]
        else:
            out[p] = datetime.fromtimestamp(p.stat().st_mtime).date()
    return out


def collect(paths: Sequence[Path], region: Region,
            previous: Mapping[str, Return] | None = None, *, jobs: int = 1,
            progress: Callable[[int], None] | None = None, received_log: Path | None = None,
            use: Sequence[Path] = ()) -> RoundResult:
    """Check every file and pair each return with its LSP by the identity inside it.

    Two returns for one LSP and this period are an error (InputError) unless `use` names the
    one to take; the other is then kept as a duplicate, listed but left out.
    """
    from .errors import InputError

    received = received_dates(paths, received_log)
    reports = check_files(paths, region, previous, jobs=jobs, progress=progress)
    chosen = {Path(p).resolve() for p in use}
    statuses = {lsp.code.casefold(): LspStatus(lsp) for lsp in region.lsps}
    unmatched: list[FileReport] = []
    for path, rep in zip(paths, reports, strict=True):
        meta = rep.data.meta if rep.data is not None else {}
        status = statuses.get(meta.get("lsp_code", "").casefold())
        if status is None or meta.get("period") != str(region.period):
            unmatched.append(rep)
            continue
        if status.report is None:
            status.report, status.received = rep, received[path]
            continue
        current = Path(status.report.file).resolve()
        if path.resolve() in chosen and current not in chosen:
            status.duplicates.append(status.report)
            status.report, status.received = rep, received[path]
        elif current in chosen and path.resolve() not in chosen:
            status.duplicates.append(rep)
        else:
            raise InputError(
                f"Two returns for {status.lsp.name} ({status.lsp.code}), {region.period}: "
                f"{status.report.file} and {rep.file}. Remove one, or choose one with "
                f"--use FILE.")
    return RoundResult(region, [statuses[lsp.code.casefold()] for lsp in region.lsps], unmatched)
