"""Opening a workbook made from the schemas and laying its sheets out as grids.

`WorkbookFile` is the opened file: its zip parts checked, its sheets listed, and calamine's
view of it.  `WorkbookReader` reads one: it checks the file, reads the identity, then each
data sheet, collecting issues as it goes.  The return reader and the roll-up reader build on
it, each saying how its identity is read and what is done with a data sheet.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import python_calamine as pc

from ..errors import ReadError
from ..issues import Issue, IssueCode, make_issue
from ..model import Return, col_letter
from ..schemas import SheetSpec, sheets
from .archive import (
    SheetInfo,
    check_members,
    percent_styles,
    read_part,
    totals_rows,
    workbook_sheets,
)
from .headers import find_header_row
from .limits import Limits
from .prescan import Scan, scan_sheet
from .recognise import check_file, refuse_other_zips

# A sheet's cells as calamine lays them out, row by row, with the scan of its XML.
Grid = tuple[list[list[Any]], Scan]


class SheetReadError(ReadError):
    """One sheet of a return cannot be read (its part missing, damaged or hostile)."""

    def __init__(self, sheet: str, err: ReadError) -> None:
        super().__init__(str(err), code=err.code, path=err.path)
        self.sheet = sheet


@dataclass
class ReadResult:
    """The return as read (values raw), plus every identity and structure issue found."""

    data: Return | None
    issues: list[Issue] = field(default_factory=list)


class WorkbookFile:
    """An .xlsx opened to read: the parts checked against the limits, the sheets listed by
    name, and calamine's workbook.  A context manager: leaving it closes the zip."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.limits = limits
        try:
            z = zipfile.ZipFile(path)
        # A broken central directory can also claim a zip version from the future, or a
        # UTF-8 name that is not UTF-8.
        except (zipfile.BadZipFile, NotImplementedError, ValueError) as err:
            raise ReadError("it is a truncated or broken zip archive",
                            code="damaged-file") from err
        self._zip = z
        try:
            self.members = check_members(z, limits)
            refuse_other_zips(z, self.members)
            infos = workbook_sheets(z, self.members, limits)
            self.percent_styles: frozenset[int] = frozenset()
            for extra in ("xl/sharedStrings.xml", "xl/styles.xml"):
                if extra in self.members:
                    data = read_part(z, self.members[extra], limits)
                    if extra == "xl/styles.xml":
                        self.percent_styles = percent_styles(data)
            try:
                self._book = open_calamine(path)
            except BaseException as err:  # calamine raises several types; all mean "damaged"
                if not from_calamine(err):
                    raise
                raise ReadError(f"{type(err).__name__}: {err}", code="damaged-file") from err
        except BaseException:
            z.close()
            raise
        self.sheets = {i.name: i for i in infos}  # in the workbook's order

    def __enter__(self) -> WorkbookFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._zip.close()

    def scan(self, info: SheetInfo) -> Scan:
        """The scan of the sheet's XML: how far it reaches, and its problem cells."""
        part = self.members.get(info.part)
        if part is None:
            raise ReadError(f"the part for sheet {info.name!r} is missing", code="damaged-file")
        # Up to 200 MB of XML, let go of as soon as it is scanned: it is not to be held
        # while calamine lays the sheet out.
        return scan_sheet(read_part(self._zip, part, self.limits), self.limits,
                          self.percent_styles)

    def totals_rows(self, info: SheetInfo) -> frozenset[int]:
        """The sheet's rows (1-based) that are an Excel Table's Total Row."""
        return totals_rows(self._zip, self.members, info.part, self.limits)

    def cells(self, info: SheetInfo) -> list[list[Any]]:
        """The sheet laid out by calamine: call only once `scan` has found it within limits."""
        try:
            return self._book.get_sheet_by_name(info.name).to_python(skip_empty_area=False)
        except BaseException as err:
            if not from_calamine(err):
                raise
            raise ReadError(f"sheet {info.name!r}: {type(err).__name__}: {err}",
                            code="damaged-file") from err


class WorkbookReader:
    """Reads one workbook made from the schemas; `issues` holds what it found.

    A subclass says how the identity sheet is read (`identity`) and what is done with each
    data sheet (`read_sheet`); `grid` and `header_row` serve both.
    """

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.file = str(path)
        self.limits = limits
        self.issues: list[Issue] = []
        self.tables_found = 0  # data sheets whose header row was found
        # The data sheets to read: a return's, unless the identity says the workbook is
        # another kind made from the schemas (a GO review).
        self.specs: tuple[SheetSpec, ...] = sheets()

    def issue(self, code: IssueCode, **kw: Any) -> None:
        self.issues.append(make_issue(code, file=self.file, **kw))

    def read(self) -> ReadResult:
        """Read the workbook; ReadError when it cannot be read at all."""
        ret = Return(path=self.file)
        ret.sha256 = check_file(self.path, self.limits)
        with WorkbookFile(self.path, self.limits) as book:
            ret.meta = self.identity(book)
            if set(ret.sheets) != {s.key for s in self.specs}:
                ret.sheets = {s.key: [] for s in self.specs}
            for spec in self.specs:
                self.read_sheet(book, spec, ret)
            self.read_more(book, ret)
        if not ret.meta and not self.tables_found:
            # No identity and none of the tables: some other workbook, not a damaged return,
            # so one message says so rather than one per missing sheet.
            self.issues.clear()
            raise ReadError("", code="not-our-template")
        return ReadResult(ret, self.issues)

    def identity(self, book: WorkbookFile) -> dict[str, str]:
        """The identity sheet's keys and values; ReadError if the workbook is not one to read."""
        raise NotImplementedError

    def read_sheet(self, book: WorkbookFile, spec: SheetSpec, ret: Return) -> None:
        """Read the data sheet `spec` into `ret`."""
        raise NotImplementedError

    def read_more(self, book: WorkbookFile, ret: Return) -> None:
        """Read any sheet besides the data sheets, while the workbook is open (none here)."""

    def grid(self, book: WorkbookFile, info: SheetInfo, quiet: bool = False) -> Grid | None:
        """The sheet's cells as a grid, or None (said as an issue unless `quiet`) when it is
        too large.

        A sheet that cannot be read at all (its part missing, damaged or hostile) makes the
        return unreadable; the issue says which sheet.
        """
        try:
            return self._grid(book, info, quiet)
        except ReadError as err:
            raise SheetReadError(info.name, err) from err

    def _grid(self, book: WorkbookFile, info: SheetInfo, quiet: bool) -> Grid | None:
        scan = book.scan(info)
        # Calamine lays the sheet out as a dense grid: one stray value at XFD1048576 would
        # ask for 17 billion cells and abort the process.  Such a sheet is not read.
        if scan.max_row > self.limits.max_rows:
            if quiet:
                return None
            self.issue("too-many-rows", sheet=info.name, value=scan.max_row,
                       expected=self.limits.max_rows)
            return None
        if not self.limits.within(scan.max_row, scan.max_col):
            if quiet:
                return None
            most = min(self.limits.max_columns, self.limits.max_cells // max(scan.max_row, 1))
            self.issue("too-large", sheet=info.name,
                       detail=f"the {info.name} sheet has data out to column "
                              f"{col_letter(min(scan.max_col, 16383))}; laa-xl reads at most "
                              f"{most:,} columns there, so that sheet was not read")
            return None
        return book.cells(info), scan

    def header_row(self, grid: list[list[Any]], spec: SheetSpec, sheet_name: str) -> int | None:
        """The 0-based row of the sheet's headers; an issue, and None, when there is none."""
        hdr = find_header_row(grid, spec)
        if hdr is None:
            self.issue("no-header-row", sheet=sheet_name,
                       expected=", ".join(f'"{h}"' for h in spec.headers[:3]))
        return hdr


def identity_values(got: Grid | None) -> dict[str, str]:
    """An identity sheet's keys (column A) and values (column B), below its header row."""
    meta: dict[str, str] = {}
    for row in (got[0] if got else [])[1:]:
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            meta[row[0]] = "" if row[1] is None else str(row[1])
    return meta


def open_calamine(path: str | Path) -> Any:
    """Calamine's workbook of a file.  A name that is not valid UTF-8 (as unzip leaves a
    Windows name) cannot be passed to calamine, so such a file is read through Python."""

    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        with open(path, "rb") as fh:
            return pc.CalamineWorkbook.from_filelike(fh)
    return pc.CalamineWorkbook.from_path(name)


def from_calamine(err: BaseException) -> bool:
    """Is `err` calamine failing on the file?  It raises ordinary exceptions, and a panic in
    its Rust code (a date-formatted cell holding -1e308, a date no calendar has) arrives as
    PanicException, which derives from BaseException alone."""
    return isinstance(err, Exception) or type(err).__name__ == "PanicException"


def open_for_copy(path: str | Path) -> Any:
    """The workbook as openpyxl keeps it, for writing a marked-up copy (feedback).

    Only called on a file `read_return` has already read, so it is known to be safe to parse.
    """
    import openpyxl

    try:
        return openpyxl.load_workbook(path, rich_text=False, keep_links=False)
    except Exception as err:  # openpyxl raises many types for files calamine accepted
        raise ReadError(f"{type(err).__name__}: {err}", code="damaged-file",
                        path=str(path)) from err
