"""A partnership's return: its identity, and each data sheet's rows found by their headers.

Values are as the cell holds them; the cell rules (`rules/cells.py`) normalise and check
them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..errors import ReadError
from ..issues import make_issue
from ..layout import GUIDANCE_SHEET, LISTS_SHEET, META_SHEET, PRODUCT, ROLLUP_PRODUCT
from ..model import Return, Row, a1, col_letter
from ..schemas import SheetSpec, schema_version, sheets
from .archive import SheetInfo
from .headers import find_header_row, norm_header, renamed, suggest
from .limits import DEFAULT_LIMITS, Limits
from .prescan import CellProblem
from .sheets import Grid, ReadResult, SheetReadError, WorkbookFile, WorkbookReader, identity_values


class ReturnReader(WorkbookReader):
    """Reads a return: its identity must be a return's, and each data sheet is found by its
    name (or, renamed, by its headers) and each column by its header."""

    def __init__(self, path: Path, limits: Limits) -> None:
        super().__init__(path, limits)
        self._others: dict[str, Grid | None] = {}  # other sheets, read as stand-ins

    # -- identity -------------------------------------------------------------------------

    def identity(self, book: WorkbookFile) -> dict[str, str]:
        info = book.sheets.get(META_SHEET)
        if info is None:
            if not {s.name for s in sheets()} & set(book.sheets):
                raise ReadError("", code="not-our-template")
            self.issue("not-our-template",
                       detail=" (its hidden identity sheet is missing, so its partnership and "
                              "period are unknown)")
            return {}
        meta = identity_values(self.grid(book, info))
        if meta.get("product") == ROLLUP_PRODUCT:
            raise ReadError("", code="rollup-file")
        if meta.get("product") != PRODUCT:
            raise ReadError(" (its identity sheet is not ours)", code="not-our-template")
        version = meta.get("schema_version", "")
        expected = schema_version()
        if version.split(".")[0] != expected.split(".")[0]:
            self.issue("schema-version", value=version or "unknown", expected=expected)
        return meta

    # -- data sheets ----------------------------------------------------------------------

    def read_sheet(self, book: WorkbookFile, spec: SheetSpec, ret: Return) -> None:
        info = book.sheets.get(spec.name)
        got = None
        if info is None:
            info, got = self._stand_in(book, spec, ret)
            if info is None:
                return
        if info.state != "visible":
            self.issue("hidden-sheet", sheet=info.name)
        if got is None:
            got = self.grid(book, info)
        ret.sheet_names[spec.key] = info.name
        if got is None:
            return
        grid, scan = got
        hdr = self.header_row(grid, spec, info.name)
        if hdr is None:
            return
        self.tables_found += 1
        columns = self._columns(grid[hdr], spec, info.name, hdr + 1)
        first_data = hdr + 1
        rows = ret.sheets[spec.key]
        items = list(columns.items())
        # A row is filled in when a partner typed something in it: a worked-out column (the
        # risk score's formula, on every row of the table) does not make a row count.
        typed = [name for name, _ in items if not spec.field(name).formula]
        # Cells calamine reads as blank that are not, by row: only their rows are patched.
        problems: dict[int, list[tuple[int, CellProblem]]] = {}
        for (r, c), problem in scan.problems.items():
            problems.setdefault(r - 1, []).append((c, problem))
        # What calamine gives that needs no conversion (a date is a date; a datetime or a
        # time of day needs `_plain`).
        plain_types = (str, int, float, bool, date)
        width = max(columns.values(), default=-1) + 1  # as wide as a row must be
        for i in range(first_data, len(grid)):
            line = grid[i]
            if len(line) < width:
                line = line + [""] * (width - len(line))
            if i in problems:  # put them in place (those past the row's end stay out)
                line = list(line)
                for col, problem in problems[i]:
                    if col < len(line):
                        line[col] = problem
            values: dict[str, Any] = {}
            for name, col in items:
                v = line[col]
                if v != "" and v is not None:
                    values[name] = v if type(v) in plain_types else _plain(v)
            if _filled_in(values, typed):
                rows.append(Row(spec.key, i + 1, values, columns))

    def _stand_in(self, book: WorkbookFile, spec: SheetSpec, ret: Return
                  ) -> tuple[SheetInfo | None, Grid | None]:
        """A missing sheet's stand-in: one renamed from it, found by name or by its headers.

        It is read in the missing sheet's place, so its data is still checked.
        """
        known = {s.name for s in sheets()} | {META_SHEET, LISTS_SHEET, GUIDANCE_SHEET}
        taken = set(ret.sheet_names.values())
        others = [n for n in book.sheets if n not in known and n not in taken]
        near = suggest(spec.name, others)
        if near is not None:
            self.issue("missing-sheet", sheet=spec.name,
                       suggest=f' The workbook has a sheet "{near}": did you mean '
                               f'"{spec.name}"?',
                       fix=f' It was read in its place: rename it "{spec.name}".')
            return book.sheets[near], None
        for name in others:
            if name not in self._others:  # each other sheet is read once, whatever is missing
                self._others[name] = self.grid(book, book.sheets[name], quiet=True)
            got = self._others[name]
            if got is not None and find_header_row(got[0], spec, share=0.5) is not None:
                self.issue("missing-sheet", sheet=spec.name,
                           suggest=f' The sheet "{name}" has its columns.',
                           fix=f' It was read in its place: rename it "{spec.name}".')
                return book.sheets[name], got
        self.issue("missing-sheet", sheet=spec.name,
                   fix=" Put it back with its original name, from the template you were sent.")
        return None, None

    def _columns(self, header: list[Any], spec: SheetSpec, sheet_name: str,
                 row: int) -> dict[str, int]:
        by_header = {norm_header(f.header): f for f in spec.fields}
        found: dict[str, int] = {}
        unmatched: list[tuple[int, str]] = []
        for col, text in enumerate(header):
            key = norm_header(text)
            if not key:
                continue
            f = by_header.get(key)
            if f is None:
                unmatched.append((col, str(text).strip()))
            elif f.name in found:
                self.issue("duplicate-column", sheet=sheet_name, cell=a1(row, col),
                           field=f.header, value=f"{col_letter(found[f.name])} and "
                                                 f"{col_letter(col)}")
            else:
                found[f.name] = col
        for f in spec.fields:
            if f.name in found:
                continue
            near = renamed(f.header, [t for _, t in unmatched])
            if near is not None:
                col = next(c for c, t in unmatched if t == near)
                unmatched = [(c, t) for c, t in unmatched if c != col]
                found[f.name] = col
                self.issue("renamed-column", sheet=sheet_name, cell=a1(row, col),
                           field=f.header, value=near)
            else:
                self.issue("missing-column", sheet=sheet_name, field=f.header)
        for col, text in unmatched:
            self.issue("extra-column", sheet=sheet_name, cell=a1(row, col), value=text)
        return dict(sorted(found.items(), key=lambda kv: kv[1]))


def _filled_in(values: dict[str, Any], typed: list[str]) -> bool:
    """Does the row hold something other than spaces in any of these fields?"""
    for name in typed:
        v = values.get(name)
        if v is not None and not (isinstance(v, str) and not v.strip()):
            return True
    return False


def _plain(v: Any) -> Any:
    """Calamine's value as the cell rules expect it: dates as date, whole floats kept.

    A number under 1 in a cell formatted as a date comes back as a time of day, and one
    formatted as a duration as a timedelta: the cell holds a number, so it is read as one
    (0.5 for noon), never as a date.
    """
    if isinstance(v, datetime):
        return v.date() if v.time() == time(0) else v
    if isinstance(v, time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if isinstance(v, timedelta):
        return v.total_seconds() / 86400
    return v


def read_return(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read one returned workbook.  Never raises for a bad file: that becomes an issue."""
    p = Path(path)
    reader = ReturnReader(p, limits)
    try:
        return reader.read()
    except ReadError as err:
        sheet = err.sheet if isinstance(err, SheetReadError) else ""
        return ReadResult(None, reader.issues + [make_issue(err.code, file=str(p), sheet=sheet,
                                                            detail=str(err))])
    except OSError as err:
        return ReadResult(None, [make_issue(
            "damaged-file", file=str(p), detail=f"it cannot be opened: {err.strerror}")])
