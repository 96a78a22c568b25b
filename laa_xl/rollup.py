"""Consolidation: the region's roll-up workbook (DESIGN.md §6), the GO's working document.

`consolidate` works out what goes in (which returns, which flags); `RollupWriter` lays it out.
xlsxwriter writes the workbook's frame: the small sheets, and the titles, headers, Tables and
formats of the big ones.  The big sheets' rows (data sheets, Slipping, Issues, Timeline) are
then streamed into it by `sheetrows`, several times quicker than xlsxwriter's per-cell path,
and without holding them in memory.  Every data row carries its LSP and its source (file,
sheet, row); the data sheets use the return's own header texts, so the roll-up can be read
back as the previous round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, WriteError
from .issues import ERROR, FileReport
from .model import Return, Row, col_letter
from .region import Region
from .round import LspStatus, RoundResult
from .schemas import SheetSpec, schema_version, sheet
from .sheetrows import BigSheet, RowWriter, splice, style_index
from .slippage import RULES, SEVERITIES, Flag, flags, sort_flags
from .xlsxout import RAG_COLOURS, RATING_COLOURS, atomic_output, is_one_of, new_workbook, put, scratch_folder

ROLLUP_PRODUCT = "laa-xl rollup"
META_SHEET = "_laa_xl"
DATA_SHEETS = ("outcomes", "actions", "milestones", "risks", "recovery")
PROVENANCE = ("Source file", "Source sheet", "Source row")
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 3  # 0-based; data sheets' tables start at HEADER_ROW
EXCEL_MAX_ROWS = 1_048_576  # rows in a worksheet; XlsxWriter silently drops any beyond


@dataclass
class Rollup:
    """Everything the roll-up shows, worked out before a cell is written."""

    result: RoundResult
    as_of: date
    flags: list[Flag]
    included: list[LspStatus]  # statuses whose data is in the roll-up
    include_invalid: bool = False
    previous_source: str = ""

    @property
    def region(self) -> Region:
        return self.result.region


def consolidate(result: RoundResult, as_of: date | None = None,
                previous: dict[str, Return] | None = None,
                include_invalid: bool = False, previous_source: str = "") -> Rollup:
    """Choose the returns whose data goes in, and find every slippage flag among them."""
    region = result.region
    as_of = as_of or region.period.end
    included = [s for s in result.statuses
                if s.report is not None and s.report.readable
                and (s.report.valid or include_invalid)]
    # The flags collect worked out as it checked each file, if for this date and round.
    ready = result.flags_as_of == as_of and (result.previous is previous
                                             or not (result.previous or previous))
    found: list[Flag] = []
    for s in included:
        assert s.report is not None and s.report.data is not None
        if ready and s.report.flags is not None:
            found.extend(s.report.flags)
        else:
            found.extend(flags(s.report.data, (previous or {}).get(s.lsp.code), as_of,
                               region.tolerances, region.period))
    return Rollup(result, as_of, sort_flags(found), included, include_invalid,
                  previous_source)


def write_rollup(rollup: Rollup, path: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Write the roll-up workbook atomically; refuses to overwrite any of `inputs`.

    Naming an input as the output is a mistake in the command, not a failure to write, so it
    is an InputError (a usage error at the command line), raised before anything is written.
    """
    target = Path(path)
    if is_one_of(target, inputs):
        raise InputError(f"Refusing to write the roll-up to {target}: it is one of the "
                         "input files. Choose another name for -o.")
    with atomic_output(target, refuse=tuple(inputs)) as tmp:
        RollupWriter(rollup).write(tmp)
    return target


# --------------------------------------------------------------------------------------


@dataclass
class _LspFigures:
    outcomes: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)
    slipping_milestones: int = 0
    off_track: int = 0
    high_flags: int = 0
    red_without_plan: int = 0
    weak_areas: list[str] = field(default_factory=list)


class RollupWriter:
    def __init__(self, rollup: Rollup) -> None:
        self.r = rollup
        self.region = rollup.region

    def write(self, path: Path) -> None:
        self._check_size()
        region = self.region
        folder = scratch_folder(path)
        scratch = folder if folder.is_dir() else None  # atomic_output's, if it made one
        frame = (scratch or path.parent) / f"{path.name}.frame.xlsx"
        wb = new_workbook(frame, constant_memory=True, scratch=scratch,
                          title=f"LAA roll-up {region.region} {region.period}")
        self.wb = wb
        self.big: list[BigSheet] = []
        self._formats()
        about = wb.add_worksheet("About")
        dash = wb.add_worksheet("Dashboard")
        comp = wb.add_worksheet("Completeness")
        slip = wb.add_worksheet("Slipping")
        data_ws = {k: wb.add_worksheet(sheet(k).name) for k in ("outcomes", "actions",
                                                                "milestones")}
        assurance = wb.add_worksheet("Assurance")
        data_ws["risks"] = wb.add_worksheet("Risks")
        data_ws["recovery"] = wb.add_worksheet("Recovery")
        issues = wb.add_worksheet("Issues")
        timeline = wb.add_worksheet("Timeline")
        meta = wb.add_worksheet(META_SHEET)
        self.figures = self._figures()
        self._about(about)
        self._dashboard(dash)
        self._completeness(comp)
        self._slipping(slip)
        for key in DATA_SHEETS:
            self._data_sheet(data_ws[key], sheet(key))
        self._assurance(assurance)
        self._issues(issues)
        self._timeline(timeline)
        self._meta(meta)
        meta.hide()
        for ws in wb.worksheets():
            ws.set_landscape()
            ws.set_paper(9)  # A4
            ws.fit_to_pages(1, 0)
        wb.close()
        try:
            with open(frame, "rb") as fh:
                splice(fh, path, self.big, scratch)
        finally:
            frame.unlink(missing_ok=True)

    def _check_size(self) -> None:
        """WriteError, before anything is written, if a table would not fit in a sheet.

        XlsxWriter ignores a cell beyond the last row Excel allows, so a roll-up too big for
        a sheet would lose rows without a word; nothing lost means refusing instead.
        """
        r = self.r
        sizes = {sheet(k).name: self._rows_in(k) for k in DATA_SHEETS}
        sizes["Timeline"] = sizes[sheet("milestones").name]
        sizes["Slipping"] = len(r.flags) + len(RULES) + len(SEVERITIES) + 4  # and the legend
        sizes["Issues"] = sum(len(x.issues) for x in r.result.reports)
        for name, n in sizes.items():
            if HEADER_ROW + 1 + n > EXCEL_MAX_ROWS:
                raise WriteError(
                    f"The roll-up's {name} sheet would need {HEADER_ROW + 1 + n:,} rows, more "
                    f"than the {EXCEL_MAX_ROWS:,} a worksheet can hold. Consolidate the "
                    "region's returns in smaller groups.")

    def _rows_in(self, key: str) -> int:
        """How many rows of a data sheet the included returns hold, without unpacking them."""
        return sum(s.report.data.count(key) for s in self.r.included
                   if s.report is not None and s.report.data is not None)

    # -- formats --------------------------------------------------------------------------

    def _formats(self) -> None:
        wb = self.wb
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.f_title = wb.add_format({**base, "bold": True, "font_size": 14,
                                      "font_color": "#1F4E79"})
        self.f_note = wb.add_format({**base, "italic": True, "font_color": "#404040"})
        self.f_bold = wb.add_format({**base, "bold": True})
        self.f_head_wrap = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.f_text = wb.add_format(base)
        self.f_wrap = wb.add_format({**base, "text_wrap": True})
        self.f_date = wb.add_format({**base, "num_format": "dd/mm/yyyy"})
        self.f_month = wb.add_format({**base, "num_format": "mmm yy", "bold": True,
                                      "rotation": 90, "align": "center"})
        self.f_int = wb.add_format({**base, "num_format": "0"})
        self.f_num = wb.add_format({**base, "num_format": "General"})
        self.f_money = wb.add_format({**base, "num_format": "£#,##0"})
        self.f_rag = {k: wb.add_format({**base, "bg_color": v}) for k, v in RAG_COLOURS.items()}
        self.f_rating = {k: wb.add_format({**base, "bg_color": v, "align": "center"})
                         for k, v in RATING_COLOURS.items()}
        self.f_sev = {"high": wb.add_format({**base, "bg_color": "#FF5B5B"}),
                      "medium": wb.add_format({**base, "bg_color": "#FFC000"}),
                      "low": wb.add_format({**base, "bg_color": "#FFF2CC"})}
        self.cf_fill = {k: wb.add_format({"bg_color": v}) for k, v in
                        {**RAG_COLOURS, "base": "#5B9BD5", "slip": "#FF5B5B",
                         "early": "#70C050", "done": "#A6A6A6"}.items()}

    def _fmt_for(self, spec: SheetSpec, name: str) -> Any:
        f = spec.field(name)
        if f.is_date:
            return self.f_date
        if f.number_format and "£" in f.number_format:
            return self.f_money
        if f.kind == "integer":
            return self.f_int
        if f.is_numeric:
            return self.f_num
        return self.f_text

    def _title(self, ws: Any, title: str, note: str) -> None:
        ws.write_string(TITLE_ROW, 0, title, self.f_title)
        ws.write_string(NOTE_ROW, 0, note, self.f_note)

    def _table(self, ws: Any, name: str, headers: list[str], nrows: int,
               first_row: int = HEADER_ROW, widths: Sequence[float] = (),
               header_format: Any = None) -> None:
        """Start an Excel Table (with filters) at `first_row`: call before its rows are written.

        xlsxwriter refuses add_table() in constant-memory mode only because it writes the
        header cells, which that mode cannot do out of row order.  Called at the header row,
        before any data row, the order holds; the headers are then rewritten as inline
        strings, which is how constant-memory mode stores text.
        """
        last = first_row + max(nrows, 1)
        ws.constant_memory = False
        try:
            ws.add_table(first_row, 0, last, len(headers) - 1, {
                "name": name, "style": "Table Style Medium 2",
                "columns": [{"header": h} for h in headers]})
        finally:
            ws.constant_memory = True
        # xlsxwriter keeps an entry per cell of the table's range, only to refuse overlapping
        # tables or merges later; each sheet has one table and no merges, and at national
        # scale the map costs gigabytes.
        ws.table_cells.clear()
        for c, h in enumerate(headers):
            ws.write_string(first_row, c, h, header_format or self.f_bold)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.freeze_panes(first_row + 1, 0)

    def _big_table(self, ws: Any, name: str | None, headers: list[str], nrows: int,
                   rows: Callable[[RowWriter], Iterator[str]],
                   widths: Sequence[float] = (), ncols: int | None = None) -> None:
        """A table of `nrows` rows below HEADER_ROW, written by `rows` into the closed frame.

        The frame's Table (when `name` is given) covers the header and one row (xlsxwriter
        checks a Table's range cell by cell, which costs seconds at national scale); `splice`
        widens it to the rows.  The rows are `ncols` wide, as many as the headers by default.
        """
        if name is not None:
            self._table(ws, name, headers, 1, widths=widths)
        ncols = ncols or len(headers)
        self.big.append(BigSheet(ws.index, HEADER_ROW + 2, ncols, lambda: rows(RowWriter(ncols)),
                                 nrows, table=name, name=ws.name))

    # -- figures --------------------------------------------------------------------------

    def _figures(self) -> dict[str, _LspFigures]:
        out = {s.lsp.code: _LspFigures() for s in self.r.result.statuses}
        for s in self.r.included:
            fig = out[s.lsp.code]
            assert s.report is not None and s.report.data is not None
            data = s.report.data
            fig.outcomes = Counter(r.get("confidence") for r in data.sheets["outcomes"])
            fig.actions = Counter(r.get("rag") for r in data.sheets["actions"])
            fig.red_without_plan = sum(1 for i in s.report.issues
                                       if i.code == "recovery-missing")
            # A row added below the questions may have neither area nor ref: the Issues
            # sheet reports it; here it has no name to show.
            fig.weak_areas = sorted({str(r.get("area") or r.get("question_id"))
                                     for r in data.sheets["assurance"]
                                     if r.get("rating") == "Weak"
                                     and (r.get("area") or r.get("question_id"))})
        milestones: dict[str, set[str]] = {}
        off: dict[str, set[str]] = {}
        for f in self.r.flags:
            if f.lsp not in out:
                continue
            if f.sheet == "milestones":
                milestones.setdefault(f.lsp, set()).add(f.item_id)
            if f.rule == "off-trajectory":
                off.setdefault(f.lsp, set()).add(f.item_id)
            if f.severity == "high":
                out[f.lsp].high_flags += 1
        for code, fig in out.items():
            fig.slipping_milestones = len(milestones.get(code, ()))
            fig.off_track = len(off.get(code, ()))
        return out

    # -- About ----------------------------------------------------------------------------

    def _about(self, ws: Any) -> None:
        r, region = self.r, self.region
        tol = region.tolerances
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 60)
        ws.set_column(2, 8, 14)
        self._title(ws, f"LAA delivery roll-up — {region.region}, {region.period}",
                    f"{region.go_name}. Made by laa-xl {__version__}.")
        items: list[tuple[str, Any]] = [
            ("Region", region.region), ("Government Office", region.go_name),
            ("Period", str(region.period)), ("Quarter ends", region.period.end),
            ("Return deadline", region.due), ("Slippage as at", r.as_of),
            ("Forecast slip tolerance (days)", tol.forecast_slip_days),
            ("Behind plan below (share of time elapsed)", tol.behind_plan_ratio),
            ("Low severity up to (days late)", tol.low_days),
            ("Medium severity up to (days late)", tol.medium_days),
            ("Returns with errors", "included, marked" if r.include_invalid else "left out"),
            ("Previous round", r.previous_source or "none given"),
            ("Region file", region.source), ("laa-xl version", __version__),
        ]
        row = 3
        for k, v in items:
            ws.write_string(row, 0, k, self.f_bold)
            put(ws, row, 1, v, self.f_text, self.f_date)
            row += 1
        row += 1
        ws.write_string(row, 0, "Source files", self.f_title)
        row += 1
        headers = ["File", "LSP", "SHA-256", "Received", "On time", "Valid", "Errors",
                   "Warnings", "In roll-up"]
        included = {id(s.report) for s in r.included}
        deadline = region.due
        entries: list[tuple[FileReport, LspStatus | None]] = []
        for s in r.result.statuses:
            if s.report is not None:
                entries.append((s.report, s))
            entries.extend((d, s) for d in s.duplicates)
        entries.extend((u, None) for u in r.result.unmatched)
        self._table(ws, "tblSources", headers, len(entries), first_row=row)
        ws.freeze_panes(0, 0)
        row += 1
        for rep, st in entries:
            lsp = st.lsp.code if st else (rep.data.lsp_code if rep.data is not None else "")
            primary = st is not None and st.report is rep
            on_time = st.on_time(deadline) if (st and primary) else None
            values = [rep.file, lsp, rep.sha256 or "", st.received if (st and primary) else None,
                      _yes(on_time), "Yes" if rep.valid else "No", rep.errors, rep.warnings,
                      "Yes" if id(rep) in included else "No"]
            for c, v in enumerate(values):
                put(ws, row, c, v, self.f_text, self.f_date)
            row += 1

    # -- Dashboard ------------------------------------------------------------------------

    DASH_HEADERS = ["LSP", "Partnership", "Returned", "Received", "On time", "Valid",
                    "Errors", "Warnings", "Outcomes", "Outcomes Red", "Outcomes Amber",
                    "Outcomes Green", "Actions", "Actions Red", "Actions Amber",
                    "Actions Green", "Slipping milestones", "Off-track outcomes",
                    "High-severity flags", "Red items without a recovery plan",
                    "Assurance areas rated Weak"]

    def _dashboard(self, ws: Any) -> None:
        r, region = self.r, self.region
        self._title(ws, f"Dashboard — {region.region}, {region.period}",
                    f"One row per partnership. Slippage as at {r.as_of:%d/%m/%Y}; "
                    "see Slipping for each flag and Completeness for who is missing.")
        headers = self.DASH_HEADERS
        n = len(r.result.statuses)
        self._table(ws, "tblDashboard", headers, n,
                    widths=[7, 30, 9, 11, 8, 7, 7, 9] + [9] * 12 + [40],
                    header_format=self.f_head_wrap)
        # Constant-memory mode writes each row once, when the next one starts: a row's
        # height must be set while it is still the row being written.
        ws.set_row(HEADER_ROW, 45)
        row = HEADER_ROW + 1
        included = {s.lsp.code for s in r.included}
        for s in r.result.statuses:
            fig = self.figures[s.lsp.code]
            rep = s.report
            has_data = s.lsp.code in included
            values: list[Any] = [
                s.lsp.code, s.lsp.name, _yes(s.returned), s.received,
                _yes(s.on_time(region.due)), _yes(rep.valid) if rep else None,
                rep.errors if rep else None, rep.warnings if rep else None]
            if has_data:
                values += [sum(fig.outcomes.values()), fig.outcomes["Red"],
                           fig.outcomes["Amber"], fig.outcomes["Green"],
                           sum(fig.actions.values()), fig.actions["Red"], fig.actions["Amber"],
                           fig.actions["Green"], fig.slipping_milestones, fig.off_track,
                           fig.high_flags, fig.red_without_plan, ", ".join(fig.weak_areas)]
            else:
                values += [None] * 13
            for c, v in enumerate(values):
                fmt = self.f_date if isinstance(v, date) else self.f_text
                if headers[c] in ("Outcomes Red", "Actions Red") and v:
                    fmt = self.f_rag["Red"]
                put(ws, row, c, v, fmt)
            row += 1
        self._dashboard_charts(ws, row + 2, n)

    def _dashboard_charts(self, ws: Any, row: int, n: int) -> None:
        wb = self.wb
        first, last = HEADER_ROW + 1, HEADER_ROW + n
        name = "Dashboard"
        chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
        for col, rag in ((9, "Red"), (10, "Amber"), (11, "Green")):
            chart.add_series({"name": f"Outcomes {rag}",
                              "categories": [name, first, 0, last, 0],
                              "values": [name, first, col, last, col],
                              "fill": {"color": RAG_COLOURS[rag]}})
        chart.set_title({"name": "Outcomes by delivery confidence (RAG)"})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 620, "height": 80 + 28 * max(n, 4)})
        ws.insert_chart(row, 0, chart)

        # Slipping items by theme, and the PESTELO factors holding delivery back: two small
        # tables side by side, written row by row (constant-memory mode cannot go back up),
        # with their charts below both.
        themes = self._slipping_by_theme()
        factors = self._factor_counts()
        col, fcol = 12, 15
        side = [[(col, "Slipping items by theme", self.f_bold),
                 (fcol, "Main external factors (Recovery, PESTELO)", self.f_bold)],
                [(col, "Theme", self.f_bold), (col + 1, "Flagged items", self.f_bold),
                 (fcol, "Factor", self.f_bold), (fcol + 1, "Recovery plans", self.f_bold)]]
        for i in range(max(len(themes), len(factors))):
            cells: list[tuple[int, Any, Any]] = []
            if i < len(themes):
                cells += [(col, themes[i][0], self.f_text), (col + 1, themes[i][1], self.f_int)]
            if i < len(factors):
                cells += [(fcol, factors[i][0], self.f_text),
                          (fcol + 1, factors[i][1], self.f_int)]
            side.append(cells)
        for i, cells in enumerate(side):
            for c, v, fmt in cells:
                put(ws, row + i, c, v, fmt)
        below = row + len(side) + 1
        if themes:
            c2 = wb.add_chart({"type": "bar"})
            c2.add_series({"name": "Flagged items",
                           "categories": [name, row + 2, col, row + 1 + len(themes), col],
                           "values": [name, row + 2, col + 1, row + 1 + len(themes), col + 1],
                           "fill": {"color": "#C00000"}})
            c2.set_title({"name": "Slipping items by theme"})
            c2.set_legend({"none": True})
            ws.insert_chart(below, col, c2)
        if any(c for _, c in factors):
            c3 = wb.add_chart({"type": "column"})
            c3.add_series({"name": "Recovery plans",
                           "categories": [name, row + 2, fcol, row + 1 + len(factors), fcol],
                           "values": [name, row + 2, fcol + 1, row + 1 + len(factors),
                                      fcol + 1],
                           "fill": {"color": "#7030A0"}})
            c3.set_title({"name": "Which external factors hold delivery back"})
            c3.set_legend({"none": True})
            ws.insert_chart(below + (16 if themes else 0), col, c3)

    def _slipping_by_theme(self) -> list[tuple[str, int]]:
        theme_of: dict[tuple[str, str], str] = {}  # (lsp, outcome id) -> theme
        outcome_of: dict[tuple[str, str], str] = {}  # (lsp, action id) -> outcome id
        for s in self.r.included:
            assert s.report is not None and s.report.data is not None
            d = s.report.data
            for row in d.sheets["outcomes"]:
                theme_of[(s.lsp.code, row.get("outcome_id"))] = row.get("theme") or ""
            for row in d.sheets["actions"]:
                outcome_of[(s.lsp.code, row.get("action_id"))] = row.get("outcome_id")
        counts: Counter = Counter()
        seen: set[tuple[str, str, str]] = set()
        for f in self.r.flags:
            key = (f.lsp, f.sheet, f.item_id)
            if key in seen:
                continue
            seen.add(key)
            if f.sheet == "outcomes":
                oid = f.item_id
            elif f.sheet == "actions":
                oid = f.parent
            else:
                oid = outcome_of.get((f.lsp, f.parent), "")
            counts[theme_of.get((f.lsp, oid)) or "(theme unknown)"] += 1
        order = list(self.region.themes)
        return sorted(counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                      else len(order), kv[0]))

    def _factor_counts(self) -> list[tuple[str, int]]:
        factors = sheet("recovery").field("main_factor").enum or ()
        counts: Counter = Counter()
        for s in self.r.included:
            assert s.report is not None and s.report.data is not None
            for row in s.report.data.sheets["recovery"]:
                if row.get("main_factor"):
                    counts[row.get("main_factor")] += 1
        return [(f, counts[f]) for f in factors]

    # -- Completeness ---------------------------------------------------------------------

    def _completeness(self, ws: Any) -> None:
        r, region = self.r, self.region
        statuses = r.result.statuses
        deadline = region.due
        returned = [s for s in statuses if s.returned]
        on_time = [s for s in returned if s.on_time(deadline)]
        valid = [s for s in returned if s.valid]
        missing = [s for s in statuses if not s.returned]
        self._title(ws, f"Completeness — {region.period}",
                    f"Returns were due by {deadline:%d %B %Y}.")
        summary = [("Expected", len(statuses)), ("Received", len(returned)),
                   ("On time", len(on_time)), ("Late", len(returned) - len(on_time)),
                   ("Valid", len(valid)), ("Not valid", len(returned) - len(valid)),
                   ("Missing", len(missing))]
        # Constant-memory mode writes rows in order: summary beside the table's top rows.
        headers = ["LSP", "Partnership", "Status", "File", "Received", "On time", "Errors",
                   "Warnings", "Contact", "Email"]
        self._table(ws, "tblCompleteness", headers, len(statuses),
                    widths=[7, 30, 16, 34, 11, 8, 7, 9, 18, 30, 2, 16, 40])
        ws.write_string(HEADER_ROW, len(headers) + 1, "Round summary", self.f_bold)
        row = HEADER_ROW + 1
        lines: list[tuple[str, Any]] = [(k, v) for k, v in summary]
        lines.append(("Missing LSPs", ", ".join(f"{s.lsp.name} ({s.lsp.code})"
                                                for s in missing) or "none"))
        for i, s in enumerate(statuses):
            values = [s.lsp.code, s.lsp.name, _state(s, deadline),
                      Path(s.report.file).name if s.report else None, s.received,
                      _yes(s.on_time(deadline)), s.report.errors if s.report else None,
                      s.report.warnings if s.report else None, s.lsp.contact, s.lsp.email]
            for c, v in enumerate(values):
                fmt = self.f_date if isinstance(v, date) else self.f_text
                if c == 2:
                    fmt = {"Missing": self.f_rag["Red"], "Not valid": self.f_rag["Amber"]}.get(
                        str(v).split(",")[0], self.f_text)
                put(ws, row, c, v, fmt)
            if i < len(lines):
                ws.write_string(row, len(headers) + 1, lines[i][0], self.f_bold)
                put(ws, row, len(headers) + 2, lines[i][1], self.f_text)
            row += 1
        for k, v in lines[len(statuses):]:
            ws.write_string(row, len(headers) + 1, k, self.f_bold)
            put(ws, row, len(headers) + 2, v, self.f_text)
            row += 1
        if r.result.unmatched:
            row += 1
            ws.write_string(row, 0, "Files that match no partnership of this round", self.f_bold)
            row += 1
            for rep in r.result.unmatched:
                first = rep.sorted_issues()[0].message if rep.issues else ""
                meta = rep.data.meta if rep.data is not None else {}
                why = (f"for {meta.get('lsp_code')}, {meta.get('period')}"
                       if meta.get("lsp_code") else first)
                put(ws, row, 0, Path(rep.file).name, self.f_text)
                put(ws, row, 3, why, self.f_text)
                row += 1

    # -- Slipping -------------------------------------------------------------------------

    def _slipping(self, ws: Any) -> None:
        r = self.r
        self._title(ws, f"Slipping milestones, actions and off-track outcomes — as at "
                        f"{r.as_of:%d/%m/%Y}", "Worst first. Rules are explained below the "
                    "table (and in the README).")
        headers = ["Severity", "LSP", "Sheet", "Item", "Belongs to", "Description", "Rule",
                   "Days", "What is wrong", *PROVENANCE, "Cell"]
        # The sheet as the partner's workbook names it (a renamed sheet is read, and says so).
        names = {s.report.file: s.report.data.sheet_names for s in r.included
                 if s.report is not None and s.report.data is not None}
        plain = style_index(self.f_text)
        severity = {k: style_index(f) for k, f in self.f_sev.items()}
        styles = [plain] * len(headers)

        def rows(w: RowWriter) -> Iterator[str]:
            for n, f in enumerate(r.flags, start=HEADER_ROW + 2):
                source_sheet = names.get(f.file, {}).get(f.sheet, sheet(f.sheet).name)
                styles[0] = severity.get(f.severity, plain)
                yield w.row(n, [f.severity, f.lsp, sheet(f.sheet).name, f.item_id, f.parent,
                                f.description, f.rule, f.days, f.message, f.file,
                                source_sheet if f.row else None, f.row, f.cell], styles)

        self._big_table(ws, "tblSlipping", headers, len(r.flags), rows,
                        widths=[9, 7, 11, 10, 10, 36, 22, 7, 60, 30, 11, 8, 7])
        row = HEADER_ROW + max(len(r.flags), 1) + 2
        ws.write_string(row, 0, "Rules", self.f_bold)
        for rule, text in RULES.items():
            row += 1
            ws.write_string(row, 0, rule, self.f_text)
            ws.write_string(row, 2, text, self.f_text)
        row += 2
        ws.write_string(row, 0, "Severity", self.f_bold)
        for s in SEVERITIES:
            row += 1
            ws.write_string(row, 0, s, self.f_sev[s])

    # -- data sheets ----------------------------------------------------------------------

    def _data_sheet(self, ws: Any, spec: SheetSpec) -> None:
        r = self.r
        self._title(ws, f"{spec.title} — every accepted return",
                    "Each row carries its LSP and where it came from (file, sheet, row).")
        fields = [f for f in spec.fields]
        headers = ["LSP", *[f.header for f in fields], *PROVENANCE, "Return valid"]
        fmts = [self._fmt_for(spec, f.name) for f in fields]

        def entries() -> Iterator[tuple[str, Row, str, str, bool]]:
            """Every return's rows, one return at a time (its rows may be packed)."""
            for s in r.included:
                assert s.report is not None and s.report.data is not None
                d = s.report.data
                sheet_name = d.sheet_names.get(spec.key, spec.name)
                lsp, file, valid = s.lsp.code, s.report.file, s.report.valid
                for row in d.sheets.get(spec.key, []):
                    yield (lsp, row, file, sheet_name, valid)

        source: Callable[[], Iterable[tuple[str, Row, str, str, bool]]] = entries
        if spec.key == "risks":  # highest scores first, across the region: a few rows each
            ranked = sorted(entries(), key=lambda e: -(e[1].get("score") or 0))
            source = lambda: ranked  # noqa: E731
        count = self._rows_in(spec.key)
        widths = [7, *[min(f.width, 30) for f in fields], 30, 11, 8, 8]
        text = style_index(self.f_text)
        base = [text, *[style_index(f) for f in fmts], text, text, style_index(self.f_int), text]
        rag = {k: style_index(f) for k, f in self.f_rag.items()}
        rag_columns = [c for c, f in enumerate(fields, start=1) if f.rag]
        names = [f.name for f in fields]

        # The hot loop of a national roll-up: one list of values and one of styles a row.
        def rows(w: RowWriter) -> Iterator[str]:
            styles = list(base)
            for n, (lsp, row, file, sheet_name, valid) in enumerate(source(),
                                                                    start=HEADER_ROW + 2):
                get = row.values.get
                values = [lsp, *[get(name) for name in names], file, sheet_name, row.row,
                          "Yes" if valid else "No"]
                for c in rag_columns:
                    styles[c] = rag.get(str(values[c]), base[c])
                yield w.row(n, values, styles)

        self._big_table(ws, f"tbl{spec.name}", headers, count, rows, widths=widths)

    # -- Assurance matrix -----------------------------------------------------------------

    def _assurance(self, ws: Any) -> None:
        r, region = self.r, self.region
        questions = region.questions
        self._title(ws, f"Assurance — self-assessment by partnership, {region.period}",
                    "Strong (green), Adequate (yellow), Weak (red). Questions are listed "
                    "below the matrix.")
        headers = ["LSP", "Partnership", *[q.id for q in questions], "Weak", "Adequate",
                   "Strong"]
        self._table(ws, "tblAssurance", headers, len(r.included),
                    widths=[7, 30, *[10] * len(questions), 8, 9, 8])
        row = HEADER_ROW + 1
        for s in r.included:
            assert s.report is not None and s.report.data is not None
            answers = {a.get("question_id"): a.get("rating")
                       for a in s.report.data.sheets["assurance"]}
            ws.write_string(row, 0, s.lsp.code, self.f_text)
            ws.write_string(row, 1, s.lsp.name, self.f_text)
            counts: Counter = Counter()
            for c, q in enumerate(questions, start=2):
                rating = answers.get(q.id)
                if rating:
                    counts[rating] += 1
                    ws.write_string(row, c, rating, self.f_rating.get(rating, self.f_text))
            base = 2 + len(questions)
            for i, k in enumerate(("Weak", "Adequate", "Strong")):
                ws.write_number(row, base + i, counts[k], self.f_int)
            row += 1
        row = HEADER_ROW + max(len(r.included), 1) + 2
        ws.write_string(row, 0, "Ref", self.f_bold)
        ws.write_string(row, 1, "Area", self.f_bold)
        ws.write_string(row, 2, "Question", self.f_bold)
        for q in questions:
            row += 1
            ws.write_string(row, 0, q.id, self.f_text)
            ws.write_string(row, 1, q.area, self.f_text)
            ws.write_string(row, 2, q.question, self.f_text)

    # -- Issues ---------------------------------------------------------------------------

    def _issues(self, ws: Any) -> None:
        self._title(ws, "Validation issues of every return",
                    "Errors first. Returns with errors are left out of the roll-up unless "
                    "consolidated with --include-invalid.")
        headers = ["LSP", "File", "Severity", "Code", "Sheet", "Cell", "Column", "Value",
                   "Message"]
        reports = self.r.result.reports
        text, red = style_index(self.f_text), style_index(self.f_rag["Red"])
        plain, error = [text] * len(headers), [text, text, red, *[text] * (len(headers) - 3)]

        def rows(w: RowWriter) -> Iterator[str]:
            n = HEADER_ROW + 2
            for rep in reports:
                lsp = rep.data.lsp_code if rep.data is not None else ""
                for i in rep.sorted_issues():
                    yield w.row(n, [lsp, rep.file, i.severity, i.code, i.sheet, i.cell, i.field,
                                    i.value, i.message],
                                error if i.severity == ERROR else plain)
                    n += 1

        self._big_table(ws, "tblIssues", headers, sum(len(x.issues) for x in reports), rows,
                        widths=[7, 30, 8, 20, 11, 7, 20, 20, 80])

    # -- Timeline -------------------------------------------------------------------------

    def _timeline(self, ws: Any) -> None:
        r = self.r
        start = date(2008, 4, 1)
        months = [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1,
                       1) for i in range(36)]
        self._title(ws, "Timeline — open milestones by month, baseline against forecast",
                    "Blue: baseline month. Red: slipped from baseline to forecast. Green: "
                    "forecast earlier than baseline. Grey: achieved.")
        headers = ["LSP", "Milestone ID", "Action ID", "Milestone", "Status", "Baseline date",
                   "Forecast date"]
        first_month_col = len(headers)
        for c, h in enumerate(headers):
            ws.write_string(HEADER_ROW, c, h, self.f_bold)
        for i, m in enumerate(months):
            ws.write_datetime(HEADER_ROW, first_month_col + i, datetime(m.year, m.month, 1),
                              self.f_month)
        ws.set_row(HEADER_ROW, 48)

        def shown(m: Row) -> bool:
            return m.get("status") != "Cancelled" and isinstance(m.get("baseline_date"), date)

        n = sum(sum(1 for m in s.report.data.sheets["milestones"] if shown(m))
                for s in r.included if s.report is not None and s.report.data is not None)
        text, day = style_index(self.f_text), style_index(self.f_date)

        def rows(w: RowWriter) -> Iterator[str]:
            number = HEADER_ROW + 2
            for s in r.included:  # each return's milestones by baseline date
                assert s.report is not None and s.report.data is not None
                ms = [m for m in s.report.data.sheets["milestones"] if shown(m)]
                ms.sort(key=lambda m: (m.get("baseline_date"), m.get("milestone_id") or ""))
                for m in ms:
                    values = [s.lsp.code, m.get("milestone_id"), m.get("action_id"),
                              m.get("description"), m.get("status"), m.get("baseline_date"),
                              m.get("forecast_date") or m.get("baseline_date")]
                    yield w.row(number, values,
                                [day if isinstance(v, date) else text for v in values])
                    number += 1

        self._big_table(ws, None, headers, n, rows, ncols=first_month_col + len(months))
        ws.set_column(0, 2, 9)
        ws.set_column(3, 3, 36)
        ws.set_column(4, 6, 11)
        ws.set_column(first_month_col, first_month_col + len(months) - 1, 3)
        ws.freeze_panes(HEADER_ROW + 1, first_month_col)
        if n == 0:
            return
        top, bottom = HEADER_ROW + 1, HEADER_ROW + n
        left, right = first_month_col, first_month_col + len(months) - 1
        r1 = top + 1
        mcol = col_letter(left)
        month = f"{mcol}${HEADER_ROW + 1}"
        # month-of(date) as its first day, compared with the header's first-of-month date
        base = f"DATE(YEAR($F{r1}),MONTH($F{r1}),1)"
        fore = f"DATE(YEAR($G{r1}),MONTH($G{r1}),1)"
        rules = [
            ("done", f'=AND($E{r1}="Achieved",{month}={base})'),
            ("base", f"={month}={base}"),
            ("slip", f"=AND({month}>{base},{month}<={fore})"),
            ("early", f"=AND({month}<{base},{month}>={fore})"),
        ]
        for key, formula in rules:
            ws.conditional_format(top, left, bottom, right, {
                "type": "formula", "criteria": formula, "format": self.cf_fill[key],
                "stop_if_true": True})

    # -- identity -------------------------------------------------------------------------

    def _meta(self, ws: Any) -> None:
        region = self.region
        items = [("product", ROLLUP_PRODUCT), ("schema_version", schema_version()),
                 ("region", region.region), ("period", str(region.period)),
                 ("as_of", self.r.as_of.isoformat()), ("tool_version", __version__)]
        ws.write_string(0, 0, "key")
        ws.write_string(0, 1, "value")
        for i, (k, v) in enumerate(items, start=1):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)


def _yes(v: bool | None) -> str | None:
    return None if v is None else ("Yes" if v else "No")


def _state(s: LspStatus, deadline: date) -> str:
    if s.report is None:
        return "Missing"
    parts = ["Valid" if s.valid else ("Not valid" if s.report.readable else "Cannot be read")]
    if s.on_time(deadline) is False:
        parts.append("late")
    return ", ".join(parts)
