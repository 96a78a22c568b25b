"""Writes the feedback workbook the GO sends back: the partner's own workbook, copied, with every
problem cell highlighted and explained, and an Issues sheet that links to each cell.

The copy is made with openpyxl so that every cell stays exactly where the partner put it and
the issue references match.  The partner's file is only read; the copy is a new file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo

from .errors import LaaXlError, ReadError, WriteError
from .issues import ERROR, FileReport, Issue
from .layout import FEEDBACK_FOR, META_SHEET
from .reader import open_for_copy
from .xlsxout import MAX_CELL_TEXT, atomic_output, cut_to_cell, fit_name, fitting_height

ERROR_FILL = PatternFill("solid", fgColor="FFFF9999")
WARNING_FILL = PatternFill("solid", fgColor="FFFFE699")
ISSUES_SHEET = "Issues"
# The Issues sheet's columns (Severity, Sheet, Cell, Field, Value found, Message, Code): their
# widths, and which wrap.
_WIDTHS = (8, 11, 7, 16, 18, 46, 18)
_WRAPPED = (4, 5, 6)
TITLE = "Feedback on your LAA delivery return"
AUTHOR = "laa-xl"
_TOO_LARGE = ("too-many-rows", "too-large")
_HEADER = ("Severity", "Sheet", "Cell", "Column", "Value found", "What to do", "Code")


def text_cell(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write a value that stays text even when it starts with = + - or @."""
    cell = ws.cell(row=row, column=col)
    cell.value = printable(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise save "=…" as a formula
    return cell


def printable(text: str) -> str:
    """Text without the control characters a worksheet cannot hold (a partner's header may
    carry one, pasted from another program): openpyxl refuses them in a cell, and in a
    comment they would make the file one Excel has to repair."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def feedback_name(source: str | Path) -> str:
    return fit_name(Path(source).stem, "-feedback.xlsx")


def feedback_names(sources: Sequence[str | Path]) -> dict[str, str]:
    """A feedback file name for each return, no two the same.

    A return's feedback is named after it; two returns that would share a name (anycity.xlsx
    in two folders, or beside anycity.xlsm) also take their folder's name and their extension,
    and a number if that is not enough, so one never replaces the other's.
    """
    plain = {str(s): feedback_name(s) for s in sources}
    shared = Counter(plain.values())
    out: dict[str, str] = {}
    taken: set[str] = set()
    for source, name in plain.items():
        if shared[name] > 1:
            p = Path(source)
            base = f"{p.parent.name}-{p.stem}{p.suffix.replace('.', '-')}".lstrip("-")
            name, n = fit_name(base, "-feedback.xlsx"), 1
            while name in taken:
                n += 1
                name = fit_name(base, f"-{n}-feedback.xlsx")
        taken.add(name)
        out[source] = name
    return out


def write_feedbacks(reports: Sequence[FileReport], out_dir: str | Path,
                    inputs: Sequence[str | Path] = (), among: Sequence[FileReport] = ()
                    ) -> tuple[dict[str, Path], list[tuple[FileReport, LaaXlError]]]:
    """Write the feedback workbook of each report that needs one, named so that no two of
    `among` (the reports themselves by default) would share a name (`feedback_names`): those
    written, by report file, and those that could not be (each with why).  One that cannot be
    written stops none of the others."""
    names = feedback_names([r.file for r in (among or reports)])
    written: dict[str, Path] = {}
    failed: list[tuple[FileReport, LaaXlError]] = []
    for report in reports:
        try:
            out = write_feedback(report, out_dir, inputs=inputs, name=names[report.file])
        except LaaXlError as err:  # the folder cannot be written, or the name is taken
            failed.append((report, err))
            continue
        if out is not None:
            written[report.file] = out
    return written, failed


def write_feedback(report: FileReport, out_dir: str | Path,
                   inputs: Sequence[str | Path] = (), name: str | None = None) -> Path | None:
    """Write the feedback workbook for one readable return with issues; None if it needs none.

    `name` is the file's name (see `feedback_names`), its return's own by default.
    Raises WriteError when the file cannot be written, or would replace the return, one of
    `inputs` (the other files being checked), or any file already beside the return: in the
    returns' own folder a file named like a feedback workbook may be a partner's return (a
    feedback copy, fixed and sent back).  A return that the checks could read but openpyxl
    cannot copy still gets feedback: an Issues sheet alone.
    """
    if not report.issues or not report.readable:
        return None
    target = Path(out_dir) / (name or feedback_name(report.file))
    source = Path(report.file)
    if target.exists() and target.resolve().parent == source.resolve().parent:
        raise WriteError(f"Refusing to write {target}: a file of that name is already beside "
                         f"{source.name}, among the returns, and may be one of them. Write "
                         "feedback into a folder of its own.")
    wb = None
    # A sheet too large to read is too large to copy: openpyxl holds every cell in memory.
    if not any(i.code in _TOO_LARGE for i in report.issues):
        try:
            wb = open_for_copy(report.file)
        except ReadError:
            pass
    copied = wb is not None
    if wb is not None and META_SHEET in wb.sheetnames:
        # Marked as feedback on the return of this checksum, so that a copy put among the
        # returns is never taken for a second return of the partnership.
        wb[META_SHEET].append([FEEDBACK_FOR, report.sha256])
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    for ws in wb.worksheets:  # the partner's own data: sheets stay as they were
        _mark(ws, [i for i in report.issues if i.sheet == ws.title and i.cell])
    issues_ws = _issues_sheet(wb, report, copied)
    # One sheet selected: several selected tabs would open in Excel as a group, where typing
    # in one sheet changes them all.
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is issues_ws
    wb.active = 0
    with atomic_output(target, refuse=(report.file, *inputs)) as tmp:
        wb.save(tmp)
    return target


def _mark(ws: Any, issues: list[Issue]) -> None:
    """Colour each problem cell and explain it in a comment.  A cell inside merged cells
    cannot hold either, so its problems go on the merged block's first cell, each saying
    which cell it is about."""
    by_cell: dict[str, list[Issue]] = {}
    for issue in issues:
        by_cell.setdefault(_anchor(ws, issue.cell), []).append(issue)
    for ref, found in by_cell.items():
        cell = ws[ref]
        if isinstance(cell.value, str) and len(cell.value) > MAX_CELL_TEXT:
            # Longer than Excel allows (only a program could have written it): Excel would
            # call the copy damaged, so it shows the start; the comment says what is wrong.
            cell.value = cut_to_cell(cell.value)
            cell.data_type = "s"
        worst = ERROR if any(i.severity == ERROR for i in found) else "warning"
        cell.fill = ERROR_FILL if worst == ERROR else WARNING_FILL
        found.sort(key=lambda i: i.severity != ERROR)
        text = "\n".join(f"{i.severity.upper()}: " + (f"{i.cell}: " if i.cell != ref else "")
                         + i.message for i in found)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text += f"\n\n(Your note: {cell.comment.text})"
        comment = Comment(printable(text), AUTHOR)
        comment.width, comment.height = 320, 40 + 18 * (len(text) // 45 + len(found))
        cell.comment = comment


def _anchor(ws: Any, ref: str) -> str:
    """The cell that shows `ref`: itself, or the first cell of the merged block hiding it."""
    if not isinstance(ws[ref], MergedCell):
        return ref
    for block in ws.merged_cells.ranges:
        if ref in block:
            return ws.cell(row=block.min_row, column=block.min_col).coordinate
    return ref


def _sheet_ref(sheet: str, cell: str) -> str:
    """A place in the workbook: the sheet name quoted, any quote in it doubled."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _issues_sheet(wb: Any, report: FileReport, copied: bool = True) -> Any:
    """The Issues sheet, first in the workbook.  A previous round of feedback's Issues sheet
    (a partner may fix the feedback copy and send it back) is replaced; a sheet of the
    partner's own that happens to be called Issues is kept, and ours takes another name."""
    name = ISSUES_SHEET
    if name in wb.sheetnames:
        if str(wb[name]["A1"].value or "").startswith(TITLE):
            del wb[name]
        else:
            n = 2
            while f"{ISSUES_SHEET} ({n})" in wb.sheetnames:
                n += 1
            name = f"{ISSUES_SHEET} ({n})"
    ws = wb.create_sheet(name, 0)
    ws.sheet_properties.tabColor = "C00000"
    meta = report.data.meta if report.data is not None else {}
    who = meta.get("lsp_name") or meta.get("lsp_code") or Path(report.file).name
    text_cell(ws, 1, 1, f"{TITLE} — {who}").font = Font(bold=True, size=14, color="1F4E79")
    errors = f"{report.errors} error{'' if report.errors == 1 else 's'}"
    warnings = f"{report.warnings} warning{'' if report.warnings == 1 else 's'}"
    summary = (f"{errors} must be fixed before the return can be accepted; {warnings} to look "
               "at. ")
    if copied:
        summary += ("Problem cells are highlighted in the sheets (red: error, yellow: warning); "
                    "hover over one to read why, or click its cell below to go there. ")
    else:
        summary += ("Your workbook could not be copied into this file, so use the Sheet and "
                    "Cell columns below to find each problem. ")
    summary += "Fix them in your own workbook and send it again."
    text_cell(ws, 2, 1, summary).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    ws.row_dimensions[2].height = 45
    text_cell(ws, 3, 1, f"File checked: {Path(report.file).name}")
    first = 5
    for c, h in enumerate(_HEADER, start=1):
        text_cell(ws, first, c, h).font = Font(bold=True)
    rows = report.sorted_issues()
    for r, issue in enumerate(rows, start=first + 1):
        values = (issue.severity, issue.sheet, issue.cell, issue.field, issue.value,
                  issue.message, issue.code)
        for c, v in enumerate(values, start=1):
            cell = text_cell(ws, r, c, v)
            cell.alignment = Alignment(wrap_text=c in _WRAPPED, vertical="top")
        # As tall as its wrapped text: a spreadsheet prints a row at the height it is given.
        height = fitting_height((v, _WIDTHS[c]) for c, v in enumerate(values) if c + 1 in _WRAPPED)
        if height is not None:
            ws.row_dimensions[r].height = height
        if issue.cell and issue.sheet in wb.sheetnames:
            link = ws.cell(row=r, column=3)
            # A link within the workbook (a location), not a "#…" address opened as a URL.
            link.hyperlink = Hyperlink(ref=link.coordinate,
                                       location=_sheet_ref(issue.sheet, issue.cell))
            link.font = Font(color="0563C1", underline="single")
        ws.cell(row=r, column=1).fill = ERROR_FILL if issue.severity == ERROR else WARNING_FILL
    for col, width in zip("ABCDEFG", _WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    # A4 landscape, one page wide (these widths keep its text at 8 pt or more), the header row
    # on every page, and a footer saying whose feedback each page is.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{first}:{first}"
    ws.print_area = f"A1:G{first + max(len(rows), 1)}"
    ws.oddFooter.left.text = printable(who).replace("&", "&&")
    ws.oddFooter.center.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"
    if rows:
        taken = {t for sheet in wb.worksheets for t in sheet.tables}
        table = Table(displayName=_unique("tblIssues", taken),
                      ref=f"A{first}:G{first + len(rows)}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    return ws


def _unique(name: str, taken: set[str]) -> str:
    n, out = 2, name
    while out in taken:
        out, n = f"{name}{n}", n + 1
    return out
