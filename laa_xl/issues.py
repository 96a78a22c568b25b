"""Problems found in a partner's workbook: the catalogue of issue codes, `Issue`, `Report`.

A problem in a workbook is a value, never an exception: every check yields Issues, and a
FileReport collects all of them for one file.  Each code's message template says what is
wrong and how to fix it, in the words a partnership officer uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from .model import col_index

ERROR, WARNING = "error", "warning"

# Every issue code, so that a mistyped one fails type-checking (`mypy laa_xl`), not a run.
# A test checks this list and the catalogue below hold the same codes.
IssueCode = Literal[
    "empty-file", "not-xlsx", "xls-file", "xlsb-file", "ods-file", "csv-file", "html-file",
    "password-protected", "damaged-file", "too-large", "hostile-xml", "not-our-template",
    "schema-version", "wrong-lsp", "unknown-lsp", "wrong-period", "missing-sheet", "hidden-sheet",
    "no-header-row", "missing-column", "renamed-column", "duplicate-column", "extra-column",
    "too-many-rows", "required", "required-when", "not-in-list", "not-a-number", "not-whole-number",
    "out-of-range", "ambiguous-percent", "not-a-date", "ambiguous-date", "date-out-of-range",
    "too-long", "bad-format", "duplicate-id", "formula-no-value", "error-value",
    "withdrawn-indicator", "normalised", "date-order", "complete-mismatch", "rag-on-closed",
    "score-mismatch", "unknown-outcome", "unknown-action", "unknown-link", "empty-sheet",
    "outcome-without-actions", "milestone-outside-action", "missing-question", "unknown-question",
    "baseline-changed", "item-disappeared", "recovery-missing", "recovery-suggested",
    "recovery-unknown-item", "recovery-not-needed", "renamed-sheet", "copied-sheet",
    "copied-sheet-differs", "merged-cells", "decimal-comma", "older-template",
    "unknown-dependency", "self-dependency", "circular-dependency", "unclear-dependencies",
    "spent-over-outturn", "spend-not-started", "pdf-file", "blank-template",
    "no-partnership", "rollup-file", "total-row",
    "advice-no-due-date", "unknown-about", "go-comment-missing", "review-not-return",
]


@dataclass(frozen=True)
class Code:
    code: IssueCode
    severity: str
    title: str
    template: str


_CATALOGUE = [
    # -- the file itself ----------------------------------------------------------------
    Code("empty-file", ERROR, "Empty file",
         "The file is empty (0 bytes). Send the workbook again, saved as .xlsx."),
    Code("not-xlsx", ERROR, "Not an Excel workbook",
         "The file is not an Excel workbook (.xlsx){detail}. Open the return in Excel and use "
         "File > Save As > Excel Workbook (*.xlsx)."),
    Code("xls-file", ERROR, "Old Excel format",
         "The file is saved in the old Excel 97-2003 format (.xls), which laa-xl cannot check. "
         "Open it in Excel and use File > Save As > Excel Workbook (*.xlsx), then send the "
         ".xlsx."),
    Code("xlsb-file", ERROR, "Excel binary format",
         "The file is an Excel binary workbook (.xlsb). Use File > Save As > Excel Workbook "
         "(*.xlsx)."),
    Code("ods-file", ERROR, "OpenDocument spreadsheet",
         "The file is in LibreOffice's OpenDocument format (.ods), which laa-xl cannot check. "
         "In LibreOffice use File > Save As, choose Excel 2007-365 (.xlsx) and keep that "
         "format, then send the .xlsx."),
    Code("csv-file", ERROR, "Text or CSV file",
         "The file is plain text or CSV, not a workbook: the sheets, dropdowns and checks are "
         "lost. Fill in the workbook you were sent and return it as .xlsx."),
    Code("html-file", ERROR, "Web page",
         "The file is a web page (HTML) saved with an .xlsx name. Fill in the workbook you were "
         "sent and return it as .xlsx."),
    Code("password-protected", ERROR, "Password protected",
         "The workbook is protected with a password to open, so it cannot be read. Remove the "
         "password (File > Info > Protect Workbook > Encrypt with Password, clear it) and send "
         "it again."),
    Code("damaged-file", ERROR, "Damaged file",
         "The workbook is damaged and cannot be read ({detail}). Open it in Excel; if it opens, "
         "save it again as .xlsx, otherwise send the last good copy."),
    Code("too-large", ERROR, "Too large",
         "The workbook is too large to check safely ({detail}). A return should be well under "
         "these limits: remove pasted images or stray data far below or to the right of the "
         "tables."),
    Code("hostile-xml", ERROR, "Unsafe content",
         "The workbook contains XML that laa-xl refuses to read ({detail}). Excel never writes "
         "this: copy your data into a fresh template."),
    Code("not-our-template", ERROR, "Not a laa-xl template",
         "This workbook was not made from the laa-xl return template{detail}. Copy your data "
         "into the template you were sent."),
    Code("schema-version", ERROR, "Template version not readable",
         "The template is version {value}; this tool reads version {expected}. Copy your data "
         "into the current template."),
    Code("wrong-lsp", ERROR, "Wrong partnership",
         "The workbook is for {value} but {expected} was expected. Check you sent the right "
         "partnership's return."),
    Code("unknown-lsp", ERROR, "Partnership not in the region",
         "The workbook is for LSP {value}, which is not in the region file. Check the file."),
    Code("wrong-period", ERROR, "Wrong period",
         "The workbook is for {value} but this round collects {expected}. Fill in the template "
         "for {expected}."),
    # -- sheets and columns -------------------------------------------------------------
    Code("missing-sheet", ERROR, "Sheet missing",
         "The {sheet} sheet is missing.{suggest}{fix}"),
    Code("hidden-sheet", WARNING, "Sheet hidden",
         "The {sheet} sheet is hidden. It was read, but unhide it (right-click a sheet tab > "
         "Unhide) so the data is visible."),
    Code("no-header-row", ERROR, "Header row not found",
         "The {sheet} sheet has no header row: none of its top rows holds the column headers "
         "(such as {expected}). Restore the headers from the template."),
    Code("missing-column", ERROR, "Column missing",
         "The column \"{field}\" is missing from {sheet}.{suggest} Restore the header text "
         "exactly as in the template."),
    Code("renamed-column", WARNING, "Column renamed",
         "The column \"{field}\" is headed \"{value}\". It was read as {field}, but put the "
         "header back exactly as in the template."),
    Code("duplicate-column", ERROR, "Column twice",
         "The column \"{field}\" appears twice in {sheet} (columns {value}). Delete one of them."),
    Code("extra-column", WARNING, "Extra column",
         "The column \"{value}\" is not part of the return and was ignored. Move anything "
         "important into Commentary or Progress update."),
    Code("too-many-rows", ERROR, "Too many rows",
         "The {sheet} sheet has data down to row {value:,}; laa-xl reads at most {expected:,} "
         "rows, so the sheet was not read. Delete stray data below the table (Ctrl+End goes "
         "to the last cell that holds anything)."),
    # -- cells --------------------------------------------------------------------------
    Code("required", ERROR, "Required cell empty",
         "{field} is empty. {hint_sentence}"),
    Code("required-when", ERROR, "Required cell empty",
         "{field} is empty but is needed when {because}. {hint_sentence}"),
    Code("not-in-list", ERROR, "Not one of the choices",
         "{shown} is not one of {choices}. Choose one from the dropdown."),
    Code("not-a-number", ERROR, "Not a number",
         "{shown} is not a number. Enter {hint}."),
    Code("not-whole-number", ERROR, "Not a whole number",
         "{shown} is not a whole number. Enter {hint}."),
    Code("out-of-range", ERROR, "Out of range",
         "{shown} is {where_}. Enter {hint}."),
    Code("ambiguous-percent", ERROR, "Unclear percentage",
         "{shown} could mean {value}% or {percent}%. Enter the percentage as a number from 0 "
         "to 100, such as {percent}."),
    Code("not-a-date", ERROR, "Not a date",
         "{shown} is not a date. Enter it as dd/mm/yyyy, such as 31/03/2010."),
    Code("ambiguous-date", ERROR, "Unclear date",
         "{shown} could be read more than one way. Enter it as dd/mm/yyyy, such as 31/03/2010."),
    Code("date-out-of-range", ERROR, "Date out of range",
         "{shown} is outside {lo} to {hi}. Check the year."),
    Code("too-long", ERROR, "Text too long",
         "The text is {length:,} characters long; {field} holds at most {limit:,}. Shorten it."),
    Code("bad-format", ERROR, "Wrong format",
         "{shown} is not {hint}."),
    Code("duplicate-id", ERROR, "ID used twice",
         "{shown} is also used in row {other_row}. Each {field} must be unique."),
    Code("formula-no-value", ERROR, "Formula not calculated",
         "The cell holds a formula with no calculated value, so it cannot be read. Open the "
         "workbook in Excel, press Ctrl+Alt+F9, save it, and send it again."),
    Code("error-value", ERROR, "Error in cell",
         "The cell shows the error {shown}. Replace it with a value."),
    Code("withdrawn-indicator", WARNING, "Withdrawn indicator",
         "{shown} was withdrawn from the National Indicator Set. Use a current indicator or a "
         "local code."),
    Code("normalised", WARNING, "Tidied up",
         "{shown} was read as {result}. Next time, {fix}."),
    # -- rows ---------------------------------------------------------------------------
    Code("date-order", ERROR, "Dates in the wrong order",
         "{field} ({shown}) is before {other} ({other_value}). Check both dates."),
    Code("complete-mismatch", ERROR, "Completion does not add up",
         "{detail}"),
    Code("rag-on-closed", WARNING, "RAG on a closed action",
         "The action is {value}, so it carries no RAG. Clear the RAG cell."),
    Code("score-mismatch", ERROR, "Risk score wrong",
         "Score {shown} is not likelihood × impact ({expected}). Put the formula back or "
         "enter {expected}."),
    # -- across sheets ------------------------------------------------------------------
    Code("unknown-outcome", ERROR, "Outcome not found",
         "Outcome ID {shown} is not on the Outcomes sheet. Choose an Outcome ID from the "
         "dropdown, or add the outcome."),
    Code("unknown-action", ERROR, "Action not found",
         "Action ID {shown} is not on the Actions sheet. Choose an Action ID from the dropdown, "
         "or add the action."),
    Code("unknown-link", WARNING, "Linked item not found",
         "{shown} is not an Outcome ID or Action ID in this workbook. Check the reference."),
    Code("empty-sheet", ERROR, "Nothing filled in",
         "The {sheet} sheet has no rows filled in. A return needs at least one {what}."),
    Code("outcome-without-actions", ERROR, "Outcome has no actions",
         "Outcome {value} has no actions on the Actions sheet. A plan without actions is not a "
         "plan: add at least one action for it."),
    Code("milestone-outside-action", WARNING, "Milestone outside its action's dates",
         "{field} {shown} falls outside action {action}'s dates ({start} to {end}). Check the "
         "dates."),
    Code("missing-question", ERROR, "Assurance question missing",
         "Assurance question {value} is missing. Put back the row from the template and "
         "answer it."),
    Code("unknown-question", WARNING, "Assurance question not recognised",
         "Question {shown} is not one of the region's assurance questions and was ignored."),
    # -- against the previous round -----------------------------------------------------
    Code("baseline-changed", WARNING, "Baseline changed",
         "{field} was {expected} last round and is now {shown}. Baselines are fixed once "
         "agreed: put back {expected} and use the forecast instead, or explain the agreed "
         "change to the Government Office."),
    Code("item-disappeared", WARNING, "Item disappeared",
         "{what} {value} was in last round's return but is missing now, and was neither "
         "completed nor cancelled. Put it back, or mark it Cancelled and say why."),
    # -- recovery -----------------------------------------------------------------------
    Code("recovery-missing", ERROR, "No recovery plan for a Red item",
         "{what} {item} is Red but has no complete recovery plan. Add a row for {item} on the "
         "Recovery sheet with {missing}."),
    Code("recovery-suggested", WARNING, "No recovery plan for an Amber item",
         "{what} {item} is Amber. Consider adding a row for it on the Recovery sheet "
         "(Scanning, Analysis, Response, Assessment)."),
    Code("recovery-unknown-item", WARNING, "Recovery row for an unknown item",
         "{shown} is not an Outcome ID or Action ID in this workbook. Check the reference."),
    Code("recovery-not-needed", WARNING, "Recovery row not needed",
         "{shown} is {state}, so it needs no recovery plan. Remove the row or update the RAG."),
    # -- added later: sheets as partners retype and copy them ---------------------------
    Code("renamed-sheet", WARNING, "Sheet tab retyped",
         "The {sheet} sheet's tab is named \"{value}\"{detail}. It was read as {sheet}, but "
         "rename the tab \"{sheet}\" exactly."),
    Code("copied-sheet", WARNING, "Sheet copied",
         "The workbook has two copies of the {sheet} sheet, \"{sheet}\" and \"{value}\", "
         "holding the same data. \"{sheet}\" was read: delete \"{value}\"."),
    Code("copied-sheet-differs", ERROR, "Sheet copied and changed",
         "The workbook has two copies of the {sheet} sheet, \"{sheet}\" and \"{value}\", "
         "and they hold different data. Only \"{sheet}\" was read, so what was changed in "
         "\"{value}\" is not in the return: copy it into \"{sheet}\", delete \"{value}\", "
         "and send the workbook again."),
    Code("merged-cells", WARNING, "Cells merged",
         "Cells {value} are merged, so only the first holds a value; each row was read as "
         "{top}. Unmerge them (Home > Merge & Center > Unmerge Cells) and fill in each cell."),
    Code("decimal-comma", ERROR, "Comma in a number",
         "{shown} has a comma that cannot separate thousands, so it is not clear what number "
         "is meant. If it is {decimal}, enter it with a decimal point: {decimal}."),
    # -- template version 1.1: dependencies and spend -------------------------------------
    Code("older-template", WARNING, "Older template",
         "The workbook was made from version {value} of the template; the current one is "
         "version {expected}. It was read and checked as before, without the columns added "
         "since ({detail}). Next round, fill in the new template you are sent."),
    Code("unknown-dependency", ERROR, "Depends on an unknown action",
         "Action {item} depends on {shown}, which is not an Action ID on the Actions sheet. "
         "Use the Action IDs of actions on this sheet, separated by commas, or add the action."),
    Code("self-dependency", ERROR, "Depends on itself",
         "Action {item} depends on itself. Remove {item} from its Depends on cell."),
    Code("circular-dependency", ERROR, "Dependencies in a circle",
         "Actions {cycle} depend on each other in a circle ({chain}), so none of them can "
         "finish first. Remove one of these dependencies."),
    Code("unclear-dependencies", ERROR, "Dependencies not clear",
         "{shown} cannot be read as a list of Action IDs. Enter the Action IDs of the actions "
         "that must finish first, separated by commas, such as A-01, A-03."),
    Code("spent-over-outturn", WARNING, "Spent more than the forecast outturn",
         "Action {item} has spent {spent}, more than its forecast outturn of {outturn}. Check "
         "both figures: the forecast outturn includes what has been spent."),
    Code("spend-not-started", WARNING, "Spend on an action not started",
         "Action {item} is Not started but has spent {spent}. Check the status, or the spend."),
]

_CATALOGUE += [
    Code("pdf-file", ERROR, "PDF, not the workbook",
         "The file is a PDF: a printout of the return, whose figures cannot be checked or "
         "rolled up. Send the workbook itself (the .xlsx you filled in), not a printout of it."),
    Code("blank-template", WARNING, "Filled in the blank template",
         "The workbook was filled in the blank template, which names no partnership; it was "
         "taken as {value}'s return from its file name. Next time, fill in the workbook made "
         "for your partnership."),
    Code("no-partnership", ERROR, "Partnership unknown",
         "The workbook was filled in the blank template, which names no partnership, and its "
         "file name does not say whose it is either. Copy your data into the workbook made for "
         "your partnership (such as {expected}), or name the file with your partnership's "
         "code, and send it again."),
    Code("rollup-file", ERROR, "A roll-up, not a return",
         "This is a laa-xl roll-up workbook (the region's consolidated returns), not a "
         "partnership's return. Move it out of the returns folder; to compare with a previous "
         "round, give it with --previous."),
    Code("total-row", WARNING, "Table's Total Row",
         "Row {row} is the table's Total Row (its sums, not a row of data), so it was left "
         "out. To turn it off, click in the table and untick Total Row on the Table Design "
         "tab."),
    # -- added later: the GO's review workbook ------------------------------------------
    Code("advice-no-due-date", ERROR, "Advice without a due date",
         "Advice {advice} has no due date. Every piece of advice needs one, so that it can be "
         "followed up: enter it as dd/mm/yyyy."),
    Code("unknown-about", ERROR, "Advice about nothing in the return",
         "{shown} is not an Outcome ID, Action ID or assurance Ref of {lsp}'s return, nor "
         "General. Choose one from the dropdown."),
    Code("go-comment-missing", WARNING, "Disagreement without a comment",
         "The GO assessment {shown} is two grades from the self-assessment \"{own}\" of "
         "{ref}. Say why in GO comment."),
    Code("review-not-return", ERROR, "A GO review, not a return",
         "This is the GO's review workbook of {value}, not a partnership's return, so it was "
         "left out of the returns. Keep reviews in their own folder and give it with "
         "--reviews."),
]

CATALOGUE: dict[str, Code] = {c.code: c for c in _CATALOGUE}


def shown(value: Any) -> str:
    """A cell value as a person would quote it."""
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'"{text}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


@cache
def _sheet_order() -> dict[str, int]:
    """The data sheets' names in workbook order, for sorting issues: a return's, then those
    only a GO review has."""
    from .schemas import review_sheets, sheets

    order = {s.name: i for i, s in enumerate(sheets())}
    for s in review_sheets():
        order.setdefault(s.name, len(order))
    return order


@dataclass(frozen=True)
class Issue:
    """One problem at one place in one file: the facts, with the message rendered from them.

    `params` are the message's parameters as found (the value quoted, what was expected, the
    suggestion); `message` fills the code's template from them when it is read, so a catalogue
    wording change reaches every issue, and a writer can use the facts rather than the prose.
    """

    code: IssueCode
    severity: str
    file: str
    sheet: str
    cell: str
    field: str
    value: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def message(self) -> str:
        return CATALOGUE[self.code].template.format(**dict(self.params))

    @property
    def row(self) -> int | None:
        """The cell's row number (1-based), or None for a sheet- or file-level issue."""
        m = _CELL.match(self.cell)
        return int(m.group(2)) if m else None

    @property
    def column(self) -> int | None:
        """The cell's column number (1-based: A is 1), or None for a sheet- or file-level issue."""
        m = _CELL.match(self.cell)
        return col_index(m.group(1)) + 1 if m else None

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}" + (f" ({self.field})" if self.field else "")
        return ""  # sheet- and file-level messages name the sheet themselves

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def sort_key(self) -> tuple:
        """Errors first; then the file itself, then sheet by sheet in workbook order, then
        row by row and column by column."""
        order = _sheet_order()
        sheet = order.get(self.sheet, len(order)) if self.sheet else -1
        return (self.severity != ERROR, sheet, self.sheet, self.row or 0, self.column or 0,
                self.code)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet,
                "cell": self.cell, "field": self.field, "value": self.value,
                "message": self.message}


_CELL = re.compile(r"([A-Z]+)(\d+)")  # a cell, or the first cell of a range


def make_issue(code: IssueCode, *, file: str = "", sheet: str = "", cell: str = "",
               field: str = "", value: Any = None, severity: str | None = None,
               **kw: Any) -> Issue:
    """Build an Issue from the catalogue: its facts, and the parameters of its message."""
    entry = CATALOGUE[code]
    params = {"field": field, "sheet": sheet, "value": "" if value is None else value,
              "shown": shown(value), "suggest": "", "detail": "", "fix": "", **kw}
    entry.template.format(**params)  # a missing parameter is the caller's bug: fail here
    value_text = "" if value is None else (shown(value).strip('"') if not isinstance(value, str)
                                           else value)
    return Issue(code, severity or entry.severity, file, sheet, cell, field,
                 value_text[:200], tuple(params.items()))


@dataclass
class FileReport:
    """Everything found in one file, and the data read from it when it could be read."""

    file: str
    issues: list[Issue] = field(default_factory=list)
    data: Any = None  # model.Return, when the workbook could be read
    sha256: str = ""
    flags: list[Any] | None = None  # slippage.Flag, when worked out as the file was checked

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == WARNING)

    @property
    def valid(self) -> bool:
        return self.data is not None and self.errors == 0

    @property
    def readable(self) -> bool:
        return self.data is not None

    def sorted_issues(self) -> list[Issue]:
        return sorted(self.issues, key=Issue.sort_key)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "valid": self.valid, "errors": self.errors,
                "warnings": self.warnings, "issues": [i.as_dict() for i in self.sorted_issues()]}


@dataclass
class Report:
    """The reports of many files, in the order given."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    def merge(self, other: Report | Iterable[FileReport]) -> Report:
        extra = other.files if isinstance(other, Report) else list(other)
        return Report(self.files + extra)

    def as_dict(self) -> dict[str, Any]:
        return {"files": [f.as_dict() for f in self.files]}
