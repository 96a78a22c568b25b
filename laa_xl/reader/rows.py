"""A partnership's return: its identity, and each data sheet's rows found by their headers.

Values are as the cell holds them; the cell rules (`rules/cells.py`) normalise and check
them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..errors import ReadError
from ..issues import make_issue, shown
from ..layout import (
    GUIDANCE_SHEET,
    LISTS_SHEET,
    META_SHEET,
    PRODUCT,
    REVIEW_SUMMARY_SHEET,
    ROLLUP_PRODUCT,
)
from ..model import Return, Row, a1, col_letter
from ..schemas import (
    SheetSpec,
    added_since,
    is_older_version,
    readable_versions,
    review_product,
    review_schema_version,
    review_sheets,
    schema_version,
    sheets,
)
from ..text import describe_hidden, sheet_name_key
from .archive import SheetInfo
from .headers import find_header_row, norm_header, renamed, suggest
from .limits import DEFAULT_LIMITS, Limits
from .prescan import CellProblem, Percentage
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
        review = meta.get("product") == review_product()
        if meta.get("product") != PRODUCT and not review:
            raise ReadError(" (its identity sheet is not ours)", code="not-our-template")
        if review:  # a GO review workbook: its own sheets, checked against its own schemas
            self.specs = review_sheets()
        version = meta.get("schema_version", "")
        expected = review_schema_version() if review else schema_version()
        if version.split(".")[0] != expected.split(".")[0]:
            self.issue("schema-version", value=version or "unknown",
                       expected=expected if review else " or ".join(readable_versions()))
        elif not review and is_older_version(version):
            added = added_since(version)
            sheets_ = list(dict.fromkeys(spec.name for spec, _ in added))
            detail = "; ".join(
                ", ".join(f.header for s, f in added if s.name == name) + f" on {name}"
                for name in sheets_)
            self.issue("older-template", value=version, expected=expected, detail=detail)
        return meta

    # -- data sheets ----------------------------------------------------------------------

    def read_sheet(self, book: WorkbookFile, spec: SheetSpec, ret: Return) -> None:
        # An older template's sheet is read as that version laid it out.
        if ret.meta.get("product") == PRODUCT:
            spec = spec.at_version(ret.meta.get("schema_version", ""))
        info = book.sheets.get(spec.name) or self._retyped(book, spec, ret)
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
        self._copies(book, spec, info, got)
        grid, scan = got
        hdr = self.header_row(grid, spec, info.name)
        if hdr is None:
            return
        self.tables_found += 1
        columns = self._columns(grid[hdr], spec, info.name, hdr + 1)
        first_data = hdr + 1
        if scan.merges:
            self._unmerge(grid, scan, first_data, set(columns.values()), info.name)
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
        totals = book.totals_rows(info)
        for i in range(first_data, len(grid)):
            if i + 1 in totals:  # the table's Total Row: sums, not an item
                if any(v not in ("", None) for v in grid[i]):
                    self.issue("total-row", sheet=info.name, cell=a1(i + 1, 0), row=i + 1)
                continue
            line = grid[i]
            if len(line) < width:
                line = line + [""] * (width - len(line))
            if scan.percent:
                line = _percentages(line, i + 1, scan.percent)
            if scan.negative:
                line = _negatives(line, i + 1, scan.negative)
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

    def _retyped(self, book: WorkbookFile, spec: SheetSpec, ret: Return) -> SheetInfo | None:
        """The sheet under its name retyped: in another case, or with a stray, no-break or
        invisible space.  Its data reads as it would under its own name, so it is read,
        with a warning."""
        key = sheet_name_key(spec.name)
        taken = set(ret.sheet_names.values())
        for name, info in book.sheets.items():
            if name not in taken and sheet_name_key(name) == key:
                hidden = describe_hidden(name)
                if hidden:
                    detail = f" (it holds {hidden})"
                elif name != name.strip():
                    detail = " (with a space at the end)" if name[-1].isspace() else \
                        " (with a space at the start)"
                else:
                    detail = ""
                self.issue("renamed-sheet", sheet=spec.name, value=name, detail=detail)
                return info
        return None

    def _copies(self, book: WorkbookFile, spec: SheetSpec, info: SheetInfo, got: Grid) -> None:
        """A copy of the sheet ("Actions (2)", "Actions_2", "Copy of Actions") beside it:
        only `info` is read, so the copy is named, and an error when it holds other data,
        which would otherwise be lost without a word."""
        key = sheet_name_key(info.name)
        for name in book.sheets:
            if name == info.name or not _is_copy_name(sheet_name_key(name), key):
                continue
            copy = self.grid(book, book.sheets[name], quiet=True)
            same = copy is not None and _data(copy[0]) == _data(got[0])
            self.issue("copied-sheet" if same else "copied-sheet-differs", sheet=info.name,
                       value=name)

    def _unmerge(self, grid: list[list[Any]], scan: Any, first_data: int, columns: set[int],
                 sheet_name: str) -> None:
        """Cells merged down a data column show the first cell's value in each row: they
        are read so, with a warning, rather than as empty cells the partner sees filled."""
        for r1, c1, r2, c2 in scan.merges:
            if r2 <= r1 or r1 <= first_data or c1 not in columns or r1 > len(grid):
                continue
            top = grid[r1 - 1][c1] if c1 < len(grid[r1 - 1]) else None
            if top in ("", None):
                continue
            for r in range(r1 + 1, min(r2, len(grid)) + 1):
                if c1 < len(grid[r - 1]):
                    grid[r - 1][c1] = top
            self.issue("merged-cells", sheet=sheet_name, cell=a1(r1, c1),
                       value=f"{a1(r1, c1)}:{a1(r2, c2)}", top=shown(top))

    def _stand_in(self, book: WorkbookFile, spec: SheetSpec, ret: Return
                  ) -> tuple[SheetInfo | None, Grid | None]:
        """A missing sheet's stand-in: one renamed from it, found by name or by its headers.

        It is read in the missing sheet's place, so its data is still checked.
        """
        known = {s.name for s in self.specs} | {META_SHEET, LISTS_SHEET, GUIDANCE_SHEET,
                                                 REVIEW_SUMMARY_SHEET}
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


def _is_copy_name(name: str, of: str) -> bool:
    """Is `name` (a sheet name key) what Excel, LibreOffice or Google Sheets call a copy of
    the sheet named `of`?"""
    return re.fullmatch(rf"{re.escape(of)} ?\(\d+\)|{re.escape(of)}_\d+|copy of {re.escape(of)}",
                        name) is not None


def _data(grid: list[list[Any]]) -> list[list[Any]]:
    """A grid's cells without its blank edges: what two copies of a sheet are compared by."""
    rows = [list(r) for r in grid]
    for r in rows:
        while r and r[-1] in ("", None):
            r.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _negatives(line: list[Any], row: int, negative: dict[tuple[int, int], float]
               ) -> list[Any]:
    """The row with each negative number that calamine read as a time of day (the cell is in
    a date format) put back as the number typed: -5 is not a date, and is said so."""
    out = line
    for col, v in enumerate(line):
        if isinstance(v, time) and (row, col) in negative:
            if out is line:
                out = list(line)
            number = negative[(row, col)]
            out[col] = int(number) if number.is_integer() else number
    return out


def _percentages(line: list[Any], row: int, percent: frozenset[tuple[int, int]]
                 ) -> list[Any]:
    """The row with each number in a percentage-formatted cell marked as a Percentage."""
    out = line
    for col, v in enumerate(line):
        if (row, col) in percent and type(v) in (int, float):
            if out is line:
                out = list(line)
            out[col] = Percentage(v)
    return out


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
