"""One round's returns, matched to the region's partnerships: who returned, when, and is it valid.

`collect` validates every file it is given (in parallel when asked) and pairs each return
with its LSP by the identity inside the workbook, not by its file name.  Consolidation,
chasing and the demo all start from its answer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PureWindowsPath

from .hashing import file_sha256
from .issues import FileReport, make_issue
from .layout import FEEDBACK_FOR
from .model import Return
from .region import Lsp, Region
from .schemas import review_product


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
    # When each report's slippage flags were worked out as it was checked: as at this date,
    # against this previous round.
    flags_as_of: date | None = None
    previous: Mapping[str, Return] | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)  # about the round, for the command line

    @property
    def reports(self) -> list[FileReport]:
        out = [s.report for s in self.statuses if s.report is not None]
        for s in self.statuses:
            out.extend(s.duplicates)
        return out + self.unmatched


# --------------------------------------------------------------------------------------
# Finding and checking the files


# The files taken from a folder inside a folder given: those a partner may have sent as
# their return.  In the folder given itself, every file is taken.
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".csv", ".pdf")


def expand_inputs(inputs: Sequence[str | Path], notes: list[str] | None = None) -> list[Path]:
    """Files as given, every file directly inside a folder, and every workbook (by its
    suffix) in a folder inside it, one level down; Office lock and hidden files skipped.

    Everything directly in a folder is checked, not just .xlsx: a partner's .xls or .ods
    sent back in error is reported, not silently ignored.  A GO officer who keeps a folder
    per partnership finds their returns read too.  What is not read (other files one level
    down, folders further down) is said in `notes`.
    """
    out: list[Path] = []
    said = notes if notes is not None else []
    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            out.append(p)
            continue
        for x in _listing(p):
            if x.is_file():
                out.append(x)
            elif x.is_dir():
                for y in _listing(x):
                    if y.is_file() and y.suffix.casefold() in RETURN_SUFFIXES:
                        out.append(y)
                    elif y.is_file():
                        said.append(f"{shown_path(y)}: not a workbook, so not checked.")
                    elif y.is_dir():
                        said.append(f"{shown_path(y)}: a folder two levels down, not looked "
                                    "in: put returns in the folder given or a folder inside "
                                    "it.")
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _listing(folder: Path) -> list[Path]:
    return sorted(x for x in folder.iterdir() if not x.name.startswith((".", "~$")))


def shown_path(path: str | Path) -> str:
    """A path as it can be printed: bytes of a name that are not UTF-8 (as unzip leaves
    Windows names) shown as escapes, such as \\xe9, and a line break as \\n."""
    from .xlsxout import escape_surrogates

    text = escape_surrogates(str(path))
    return text.replace("\r", "\\r").replace("\n", "\\n")


def default_jobs(files: int) -> int:
    """How many processes to check `files` files in: every core (up to 4) for a big round.

    Starting a process costs more than checking a few returns, so a small round runs in one.
    """
    if files < 8:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


# Above this many bytes of returns in a round, collect packs each return's rows as soon as
# it is checked (model.PackedRows).  Held as objects, a return's rows take 5 to 10 times the
# size of its .xlsx file, so this keeps a round's rows within about 400 MB; below it, rows
# stay as objects, quicker to consolidate.  England's 150 returns at realistic size come to
# about 31 MB.
PACK_ROWS_ABOVE = 40_000_000


def _check_one(args: tuple[Path, Region | None, Mapping[str, Return] | None, bool, bool,
                          date | None]) -> FileReport:
    from .rules import check_file

    path, region, previous, keep_rows, pack_rows, as_of = args
    report = check_file(path, region, previous)
    if report.data is not None:
        if as_of is not None and region is not None:
            from .slippage import flags

            lsp = region.find_lsp(report.data.lsp_code)
            before = previous.get(lsp.code) if (previous and lsp) else None
            report.flags = flags(report.data, before, as_of, region.tolerances, region.period)
        if not keep_rows:
            report.data = report.data.without_rows()
        elif pack_rows:
            report.data.pack()
    return report


def check_files(paths: Sequence[Path], region: Region | None = None,
                previous: Mapping[str, Return] | None = None, jobs: int | None = 1,
                progress: Callable[[int], None] | None = None,
                keep_rows: bool = True, pack_rows: bool = False,
                slippage_as_of: date | None = None) -> list[FileReport]:
    """Check every file, in order, in `jobs` processes; `progress(n)` after each n files.

    `jobs=None` chooses by the number of files (`default_jobs`).  With `keep_rows=False`
    each report keeps its issues and the return's identity but not its rows: all a
    validation report needs, in a fraction of the memory, and quicker to send back from a
    worker process.  With `pack_rows=True` each return's rows are packed (`Return.pack`)
    as soon as it is checked, in the worker.  With `slippage_as_of`, each readable return's
    slippage flags as at that date are worked out there too (`FileReport.flags`).
    """
    if jobs is None:
        jobs = default_jobs(len(paths))
    tasks = [(p, region, previous, keep_rows, pack_rows, slippage_as_of) for p in paths]
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
        # Small chunks, so that no process is left with a long tail of files at the end.
        for rep in pool.map(_check_one, tasks, chunksize=min(4, max(1, len(tasks) // (jobs * 8)))):
            out.append(rep)
            if progress:
                progress(1)
        return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported when the file is checked
        return 0


def received_dates(paths: Sequence[Path], log: Path | None = None) -> dict[Path, date]:
    """When each return arrived: from a received log (CSV of file,date) or the file's time.

    A GO officer who saves attachments in a batch keeps a log; otherwise the time the file
    was last written is the best evidence there is.  The log may start with a header row of
    any wording, name files with or without their folder, be saved by Excel as UTF-8 or in
    the Windows encoding, and give a time after the date.
    """
    logged = _read_log(log) if log is not None else {}
    out = {}
    for p in paths:
        if p.name in logged:
            out[p] = logged[p.name]
        else:
            out[p] = datetime.fromtimestamp(p.stat().st_mtime).date()
    return out


def log_strays(paths: Sequence[Path], log: Path) -> list[str]:
    """The file names a received log gives a date for that are not among `paths`.

    Usually a return saved under another name than the log says, whose date then comes from
    the file's time instead: worth telling the GO officer.
    """
    names = {p.name for p in paths}
    return [name for name in _read_log(log) if name not in names]


_TIME_OF_DAY = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def _read_log(log: Path) -> dict[str, date]:
    import csv
    import io

    from .errors import InputError
    from .rules.cells import Bad, parse_date_text

    try:
        raw = log.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read the received log {log}: {err.strerror}.") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV (Comma delimited)"
    logged: dict[str, date] = {}
    first = True
    for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip():
            raise InputError(f"{log}, line {n}: {','.join(row)!r} is not a file name and a "
                             "date separated by a comma (file,date, such as "
                             "ANY-2009-10-Q2.xlsx,14/10/2009).")
        name, when = row[0].strip(), _TIME_OF_DAY.sub("", row[1].strip())
        if not when:
            continue  # no date logged: the file's own time stands
        try:
            logged[PureWindowsPath(name).name] = parse_date_text(when)
        except Bad as err:
            if first and "." not in name:
                first = False
                continue  # a header row, in whatever words (a file name has an extension)
            raise InputError(f"{log}, line {n}: {row[1]!r} is not a date "
                             "(write it as 31/03/2010).") from err
        first = False
    return logged


def collect(paths: Sequence[Path], region: Region,
            previous: Mapping[str, Return] | None = None, *, jobs: int | None = 1,
            progress: Callable[[int], None] | None = None, received_log: Path | None = None,
            use: Sequence[Path] = (), pack_rows: bool | None = None,
            slippage_as_of: date | None = None, received_by: date | None = None) -> RoundResult:
    """Check every file and pair each return with its LSP by the identity inside it.

    Two or more returns for one LSP and this period are an error (InputError) unless `use`
    names the one to take; the others are then kept as duplicates, listed but left out.
    `pack_rows=None` packs the rows of a round of more than PACK_ROWS_ABOVE bytes.
    `slippage_as_of` works out each return's slippage flags as it is checked, in parallel,
    for `rollup.consolidate` to use when it asks for the same date and previous round.
    Received dates from file times later than `received_by` (or long after the deadline)
    are warned of in the result's `warnings`.
    """
    from .errors import InputError

    chosen = {Path(p).resolve() for p in use}
    given = {Path(p).resolve() for p in paths}
    for p in use:
        if Path(p).resolve() not in given:
            raise InputError(f"--use {p} is not one of the files being consolidated.")
    received = received_dates(paths, received_log)
    if pack_rows is None:
        pack_rows = sum(_size(p) for p in paths) > PACK_ROWS_ABOVE
    reports = check_files(paths, region, previous, jobs=jobs, progress=progress,
                          pack_rows=pack_rows, slippage_as_of=slippage_as_of)
    for path, rep in zip(paths, reports, strict=True):
        if not rep.sha256:  # unreadable files too: About lists every file with its checksum
            rep.sha256 = file_sha256(path)
    codes = {lsp.code.casefold(): lsp for lsp in region.lsps}
    groups: dict[str, list[tuple[Path, FileReport]]] = {code: [] for code in codes}
    unmatched: list[FileReport] = []
    unreadable: list[tuple[Path, FileReport]] = []
    copies = {id(rep): source for rep, source in feedback_copies(reports)
              if Path(rep.file).resolve() not in chosen}
    warnings = [f"{rep.file}: the feedback workbook for {copies[id(rep)]}, not a return: "
                "left out." for rep in reports if id(rep) in copies]
    for path, rep in zip(paths, reports, strict=True):
        if id(rep) in copies:
            continue
        meta = rep.data.meta if rep.data is not None else {}
        if meta.get("product") == review_product():  # never mistaken for a return
            rep.issues.append(make_issue("review-not-return", file=rep.file, value=(
                f"{meta.get('lsp_name') or meta.get('lsp_code')}, {meta.get('period')}")))
            unmatched.append(rep)
            continue
        code = meta.get("lsp_code", "").casefold()
        if rep.data is None:
            unreadable.append((path, rep))
        elif code not in codes or meta.get("period") != str(region.period):
            unmatched.append(rep)
        else:
            groups[code].append((path, rep))
    unmatched += _match_unreadable(unreadable, groups, region)
    statuses = []
    for code, lsp in codes.items():
        status = LspStatus(lsp)
        group = groups[code]
        if len(group) > 1:
            group = _pick(group, chosen, lsp, region)
        if group:
            (path, status.report), *others = group
            status.received = received[path]
            status.duplicates = [rep for _, rep in others]
        statuses.append(status)
    out = RoundResult(region, statuses, unmatched, slippage_as_of, previous, warnings)
    if received_log is None:
        out.warnings += implausible_file_times(
            [(p, s.received) for p in paths for s in statuses
             if s.report is not None and s.received is not None and Path(s.report.file) == p],
            region, received_by)
    return out


def _match_unreadable(files: list[tuple[Path, FileReport]],
                      groups: dict[str, list[tuple[Path, FileReport]]],
                      region: Region) -> list[FileReport]:
    """Give each partnership with no readable return the one file that cannot be read but
    says it is theirs (by its name, or the identity inside an .xls or .ods): it reached us,
    and is shown as received, cannot be read.  The files left over are returned."""
    from .matching import owner_of_unreadable

    claims: dict[str, list[tuple[Path, FileReport]]] = {}
    left: list[FileReport] = []
    for path, rep in files:
        lsp = owner_of_unreadable(path, {i.code for i in rep.issues}, region)
        if lsp is None or groups[lsp.code.casefold()] or \
                rep.issues and rep.issues[0].code == "rollup-file":
            left.append(rep)
        else:
            claims.setdefault(lsp.code.casefold(), []).append((path, rep))
    for code, claim in claims.items():
        groups[code].append(claim[0])  # the newest of several is as good a guess as any
        left.extend(rep for _, rep in claim[1:])
    return left


def feedback_copies(reports: Sequence[FileReport]) -> list[tuple[FileReport, str]]:
    """The feedback workbooks among `reports` whose return is among them too, each with
    that return's file: a copy beside its return is feedback, never a second return.

    (A feedback copy alone, its return not given, is read as a return: a partner may fix the
    copy and send it back.)
    """
    by_sha = {rep.sha256: rep.file for rep in reports if rep.sha256}
    out = []
    for rep in reports:
        source = rep.data.meta.get(FEEDBACK_FOR, "") if rep.data is not None else ""
        if source and source in by_sha and by_sha[source] != rep.file:
            out.append((rep, by_sha[source]))
    return out


LONG_AFTER_DEADLINE_DAYS = 90


def implausible_file_times(received: Sequence[tuple[Path, date]], region: Region,
                           received_by: date | None = None) -> list[str]:
    """A warning if received dates taken from file times cannot be true: after `received_by`
    (the as-at date) or long after the deadline, as happens when the files were copied."""
    limit = region.due + timedelta(days=LONG_AFTER_DEADLINE_DAYS)
    if received_by is not None:
        limit = min(limit, received_by)
    odd = [(p, d) for p, d in received if d > limit]
    if not odd:
        return []
    p, d = max(odd, key=lambda x: x[1])
    return [f"{len(odd)} return(s) have file times after {limit:%d/%m/%Y}, long after the "
            f"deadline of {region.due:%d/%m/%Y} (such as {p.name}, {d:%d/%m/%Y}): the files "
            "were probably copied, so their received dates and lateness are not to be "
            "trusted. Give the real dates with --received FILE (a CSV of file,date)."]


def _pick(group: list[tuple[Path, FileReport]], chosen: set[Path], lsp: Lsp,
          region: Region) -> list[tuple[Path, FileReport]]:
    """The one return `--use` names first, then the others; InputError unless it names one."""
    from .errors import InputError

    picked = [item for item in group if item[0].resolve() in chosen]
    if len(picked) == 1:
        return picked + [item for item in group if item is not picked[0]]
    files = [rep.file for _, rep in (picked or group)]
    listed = ", ".join(files[:-1]) + " and " + files[-1]
    if picked:
        raise InputError(f"--use names {len(picked)} returns for {lsp.name} ({lsp.code}), "
                         f"{region.period}: {listed}. Name only one of them.")
    count = _COUNT_WORDS.get(len(files), str(len(files)))
    rest = "one" if len(files) == 2 else "all but one"
    raise InputError(f"{count} returns for {lsp.name} ({lsp.code}), {region.period}: {listed}. "
                     f"Remove {rest}, or choose one with --use FILE.")


_COUNT_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight",
                9: "Nine"}
