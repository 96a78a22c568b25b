"""The checks on a returned workbook, one family per module, and the engine that runs them.

Each family is a generator over a `Context` that yields Issues knowing only what it knows;
`Context.at` fills in the file, sheet, cell and header text, the way jsonschema's
`iter_errors` adds the path to what a keyword yields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..issues import FileReport, Issue, IssueCode, make_issue
from ..model import Return, Row
from ..reader import DEFAULT_LIMITS, Limits, read_return
from ..region import Region
from ..schemas import SheetSpec, added_since, is_older_version, review_product, review_sheets, sheet, sheets
from ..text import id_key


@dataclass
class Context:
    """What a rule family may look at: the return, and what the GO knows."""

    ret: Return
    region: Region | None = None
    previous: Return | None = None
    expected_lsp: str | None = None
    missing_columns: set[tuple[str, str]] = field(default_factory=set)  # (sheet key, field)
    unread_sheets: set[str] = field(default_factory=set)
    # IDs refused by the cell checks (such as "O_01"), by their `id_key`, by sheet key: already
    # reported once, so a reference to one is not reported again as unknown.
    refused_ids: dict[str, set[str]] = field(default_factory=dict)
    # Cells the cell checks refused, (sheet key, row, field): already reported, so a later
    # family does not report the same cell again as empty.
    bad_cells: set[tuple[str, int, str]] = field(default_factory=set)
    # The data sheets the workbook holds: a return's, or a GO review's.
    specs: tuple[SheetSpec, ...] = field(default_factory=sheets)

    @property
    def is_review(self) -> bool:
        """Is the workbook the GO's review of a partnership rather than its return?"""
        return self.ret.meta.get("product") == review_product()

    def known_ids(self, key: str) -> set[str]:
        """Every ID on a sheet, by its `id_key`: those read and those refused."""
        name = sheet(key).key_field
        return {id_key(v) for r in self.rows(key) if isinstance(v := r.values.get(name), str)} \
            | self.refused_ids.get(key, set())

    def refused(self, row: Row, name: str) -> bool:
        """Did the cell checks refuse this cell's value (and say so)?"""
        return (row.sheet, row.row, name) in self.bad_cells

    def sheet_name(self, key: str) -> str:
        return self.ret.sheet_names.get(key, sheet(key).name)

    def rows(self, key: str) -> list[Row]:
        return self.ret.sheets.get(key, [])

    def has(self, key: str, name: str | None = None) -> bool:
        """Was this sheet (and column) read?  Rules stay silent about what was not."""
        if key in self.unread_sheets:
            return False
        return name is None or (key, name) not in self.missing_columns

    def at(self, row: Row, name: str, code: IssueCode, value: Any = None, **kw: Any) -> Issue:
        spec: SheetSpec = sheet(row.sheet)
        return make_issue(code, file=self.ret.path, sheet=self.sheet_name(row.sheet),
                          cell=row.cell(name), field=spec.field(name).header,
                          value=row.values.get(name) if value is None else value, **kw)

    def about(self, key: str, code: IssueCode, **kw: Any) -> Issue:
        """An issue about a whole sheet, or an item that has no cell."""
        return make_issue(code, file=self.ret.path, sheet=self.sheet_name(key), **kw)


Family = Callable[[Context], Iterable[Issue]]


def families() -> list[Family]:
    from . import cells, crosssheet, dependencies, identity, ids, previous, recovery, rows

    # cells first: it normalises values in place, which every later family relies on
    # ids next: it gives each ID one form, which every family comparing IDs relies on
    return [identity.check, cells.check, ids.check, rows.check, crosssheet.check,
            previous.check, recovery.check, dependencies.check]


def review_families() -> list[Family]:
    """The checks on a GO review workbook: a return's identity and cell checks, then its own."""
    from . import cells, identity, ids, review

    return [identity.check, cells.check, ids.check, review.check]


def check_file(path: str | Path, region: Region | None = None,
               previous: Return | Mapping[str, Return] | None = None,
               expected_lsp: str | None = None, limits: Limits = DEFAULT_LIMITS) -> FileReport:
    """Read one return and run every check on it.  Never raises for a bad workbook.

    `previous` is last round's return for this LSP, or a mapping of LSP code to returns
    from which the one for this workbook's LSP is taken.
    """
    result = read_return(path, limits)
    report = FileReport(file=str(path), issues=list(result.issues))
    if result.data is None:
        return report
    from .identity import from_file_name

    report.issues += from_file_name(result.data, region)
    if isinstance(previous, Mapping):
        previous = previous.get(result.data.lsp_code)
    ctx = Context(result.data, region, previous, expected_lsp)
    if ctx.is_review:
        ctx.previous = None  # a return's previous round says nothing of a review
        ctx.specs = review_sheets()
    else:
        # An older template has no columns for the fields added since: rules leave them alone.
        version = result.data.meta.get("schema_version", "")
        if is_older_version(version):
            ctx.missing_columns.update((spec.key, f.name) for spec, f in added_since(version))
    for issue in result.issues:  # structure problems silence the rules that would cascade
        key = _sheet_key(issue.sheet, ctx)
        if issue.code == "missing-column" and key:
            ctx.missing_columns.add((key, sheet(key).fields[
                [f.header for f in sheet(key).fields].index(issue.field)].name))
        elif issue.code in ("missing-sheet", "no-header-row", "too-many-rows",
                            "too-large") and key:
            if issue.code != "missing-sheet" or key not in result.data.sheet_names:
                ctx.unread_sheets.add(key)
    for family in review_families() if ctx.is_review else families():
        report.issues.extend(family(ctx))
    report.data = result.data
    report.sha256 = result.data.sha256
    return report


def _sheet_key(name: str, ctx: Context) -> str | None:
    for s in ctx.specs:
        if name in (s.name, ctx.ret.sheet_names.get(s.key)):
            return s.key
    return None


def id_index(rows: Iterable[Row], name: str) -> dict[str, Row]:
    """The first row holding each value of an ID field, by the ID's `id_key`.

    IDs are matched whatever their case (the duplicate check treats O-01 and o-01 as one),
    so look rows up with ``index.get(id_key(value))``.
    """
    out: dict[str, Row] = {}
    for r in rows:
        v = r.values.get(name)
        if isinstance(v, str):
            out.setdefault(id_key(v), r)
    return out


def iter_rows(ctx: Context, key: str) -> Iterator[Row]:
    if ctx.has(key):
        yield from ctx.rows(key)
