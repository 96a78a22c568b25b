"""The roll-up's small sheets: About, Dashboard, Completeness, Assurance and its identity."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..issues import FileReport
from ..round import LspStatus
from ..schemas import schema_version, sheet
from ..text import id_key
from ..xlsxout import RAG_COLOURS, fit_row, put
from .layout import HEADER_ROW, META_SHEET, MISSING, NOT_VALID, ROLLUP_PRODUCT, UNREADABLE, VALID
from .sheets import RollupSheet

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter

# The Dashboard's table: header and column width.  It is fitted to one A4 page wide, which at
# these widths (LibreOffice prints about 100 units of width to an A4 landscape page) keeps its
# 10 pt text at 8 pt or more on paper.  The lists below it use the same columns.
DASH_COLUMNS = [("LSP", 5), ("Partnership", 16), ("Return", 15), ("Received", 10),
                ("Outcomes Red", 8), ("Outcomes Amber", 8), ("Outcomes Green", 8),
                ("Slipping items", 8), ("Slipping milestones", 9), ("Off-track outcomes", 8),
                ("High-severity flags", 8), ("Red items without a recovery plan", 9),
                ("Assurance areas rated Weak", 12)]
WIDTHS = [wd for _, wd in DASH_COLUMNS]
DASH_HEADERS = [h for h, _ in DASH_COLUMNS]
WORST_ITEMS = 10  # slipping items listed on the Dashboard; Slipping has every flag
# Template version 1.1's money, by the Actions sheet's own headers (DESIGN.md §11).
BUDGET_HEADERS = [sheet("actions").field(n).header for n in ("cost", "spent", "outturn")] \
    + ["Actions over budget"]
# With the GO's reviews (consolidate --reviews): a section of its own below the table.
DASH_REVIEW_HEADERS = ["GO conclusion", "Open advice", "Overdue advice"]


class About(RollupSheet):
    name = "About"
    fit_width = True

    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        tol = region.tolerances
        # The settings' values overflow into the empty cells beside them; the source files'
        # names and checksums wrap.  Narrow enough to print one page wide at full size.
        for c, width in enumerate([34, 12, 33, 11, 8, 7, 7, 9, 10]):
            ws.set_column(c, c, width)
        w.title(ws, f"LAA delivery roll-up — {region.region}, {region.period}",
                    f"{region.go_name}. Made by laa-xl {__version__}.")
        items: list[tuple[str, Any]] = [
            ("Region", region.region), ("Government Office", region.go_name),
            ("Period", str(region.period)), ("Quarter ends", region.period.end),
            ("Return deadline", region.due), ("Slippage as at", r.as_of),
            *tol.labelled(),
            ("Returns with errors", "included, marked" if r.include_invalid else "left out"),
            ("Previous round", r.previous_source or "none given"),
            ("Region file", region.source), ("laa-xl version", __version__),
        ]
        row = 3
        for k, v in items:
            ws.write_string(row, 0, k, w.f_bold)
            put(ws, row, 1, v, w.f_text, w.f_date)
            row += 1
        row += 1
        ws.write_string(row, 0, "Source files", w.f_title)
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
        w.table(ws, "tblSources", headers, len(entries), first_row=row)
        ws.freeze_panes(0, 0)
        row += 1
        for rep, st in entries:
            lsp = st.lsp.code if st else (rep.data.lsp_code if rep.data is not None else "")
            primary = st is not None and st.report is rep
            on_time = st.on_time(deadline) if (st and primary) else None
            values = [rep.file, lsp, rep.sha256 or "", st.received if (st and primary) else None,
                      _yes(on_time), "Yes" if rep.valid else "No", rep.errors, rep.warnings,
                      "Yes" if id(rep) in included else "No"]
            fit_row(ws, row, [(values[0], 34), (values[2], 33)])
            for c, v in enumerate(values):
                put(ws, row, c, v, w.f_wrap if c in (0, 2) else w.f_text, w.f_date)
            row += 1
        print_only(ws, row, len(headers))



class Dashboard(RollupSheet):
    """What the performance team reads first: every partnership on one page, the region's
    total, then the lists behind the counts (off-track outcomes, the worst slipping items),
    then the charts, each on the page after."""

    name = "Dashboard"
    # One page wide at 80 % (its columns are chosen so); not fitted, since a spreadsheet
    # fitting a sheet to the page ignores the page break that keeps the charts whole.
    repeat_columns = False

    def repeat_header(self, r: Rollup) -> bool:
        return len(r.result.statuses) > 25  # the table runs over a page: its header repeats

    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        w.title(ws, f"Dashboard — {region.region}, {region.period}",
                    f"One row per partnership, then the region's total, the off-track outcomes "
                    f"and the worst slipping items. Slippage as at {r.as_of:%d/%m/%Y}; a "
                    "slipping item counts once however many rules flag it (Slipping lists "
                    "every flag).")
        n = len(r.result.statuses)
        w.table(ws, "tblDashboard", DASH_HEADERS, n, widths=WIDTHS,
                header_format=w.f_head_wrap)
        ws.freeze_panes(0, 0)  # the lists below scroll with the table
        # Constant-memory mode writes each row once, when the next one starts: a row's
        # height (tall enough for its wrapped text) must be set while it is still the row
        # being written.
        ws.set_row(HEADER_ROW, 45)
        row = HEADER_ROW + 1
        included = {s.lsp.code for s in r.included}
        for s in r.result.statuses:
            fig = r.figures[s.lsp.code]
            status, tone = return_status(s, region.due, r.include_invalid)
            values: list[Any] = [s.lsp.code, s.lsp.name, status, s.received]
            if s.lsp.code in included:
                values += _counts(fig)
            else:
                values += [None] * (len(DASH_HEADERS) - len(values))
            fit_row(ws, row, zip(values, WIDTHS, strict=True))
            for c, v in enumerate(values):
                fmt = w.f_date if isinstance(v, date) else w.f_wrap
                if c == 2 and tone:
                    fmt = w.f_rag_wrap[tone]
                elif DASH_HEADERS[c] == "Outcomes Red" and v:
                    fmt = w.f_rag["Red"]
                put(ws, row, c, v, fmt)
            row += 1
        last = row - 1
        self._total(w, ws, row)
        if r.reviews is not None:
            row = self._go_reviews(w, ws, row + 2) - 1
        row = self._off_track(w, ws, row + 2)
        row = self._worst_items(w, ws, row + 1)
        row = self._budget(w, ws, row + 1)
        # The small tables the charts plot, and the charts beside them, start a page of
        # their own, so that no chart is cut by a page break.
        ws.set_h_pagebreaks([row + 1])
        top = row + 1
        end, themes_at, factors_at = self._side_lists(w, ws, top)
        self._charts(w, ws, top, last, themes_at, factors_at)
        print_only(ws, max(end, top + 32), len(WIDTHS))  # the charts reach row top + 32


    def _total(self, w: RollupWriter, ws: Any, row: int) -> None:
        t = w.r.total
        late = f", {t.late} late" if t.late else ""
        status = (f"{t.received} of {t.expected} received{late}, {t.valid} valid"
                  + (f", {t.missing} missing" if t.missing else ""))
        values: list[Any] = ["All", f"Region ({t.expected} partnerships)", status, None,
                             *_counts(t.figures)[:-1],
                             f"{t.weak_partnerships} partnership(s)" if t.weak_partnerships
                             else None]
        fit_row(ws, row, zip(values, WIDTHS, strict=True))
        for c, v in enumerate(values):
            put(ws, row, c, v, w.f_total)

    def _go_reviews(self, w: RollupWriter, ws: Any, row: int) -> int:
        """The GO's own conclusion of each partnership (consolidate --reviews), and its open
        and overdue advice; the GO assessment and Advice sheets hold the rest."""
        r = w.r
        ws.write_string(row, 0, "The GO's assessment (see GO assessment and Advice)",
                        w.f_section)
        row += 1
        ws.write_string(row, 0, "LSP", w.f_head_line)
        ws.write_string(row, 1, "Partnership", w.f_head_line)
        ws.merge_range(row, 2, row, 6, DASH_REVIEW_HEADERS[0], w.f_head_line)
        ws.write_string(row, 7, DASH_REVIEW_HEADERS[1], w.f_head_wrap_line)
        ws.write_string(row, 8, DASH_REVIEW_HEADERS[2], w.f_head_wrap_line)
        ws.set_row(row, 28)
        row += 1
        room = sum(WIDTHS[2:7])
        for s in r.result.statuses:
            go = r.review_figures.get(s.lsp.code)
            conclusion = go.conclusion if go else "not reviewed"
            fit_row(ws, row, [(s.lsp.name, WIDTHS[1]), (conclusion, room)])
            put(ws, row, 0, s.lsp.code, w.f_wrap)
            put(ws, row, 1, s.lsp.name, w.f_wrap)
            ws.merge_range(row, 2, row, 6, "", w.f_wrap)
            put(ws, row, 2, conclusion, w.f_wrap)
            put(ws, row, 7, go.open_advice if go else None, w.f_int_left)
            overdue = go.overdue_advice if go else None
            put(ws, row, 8, overdue, w.f_rag["Red"] if overdue else w.f_int_left)
            row += 1
        return row

    def _off_track(self, w: RollupWriter, ws: Any, row: int) -> int:
        listed = w.r.off_track
        ws.write_string(row, 0, f"Off-track outcomes ({len(listed)})", w.f_section)
        row += 1
        if not listed:
            ws.write_string(row, 0, "None: every outcome is on trajectory and none is rated Red.",
                            w.f_text)
            return row + 1
        for c, h in enumerate(["LSP", "Outcome", "Theme", "Latest", "Target", "RAG"]):
            ws.write_string(row, c, h, w.f_head_line)
        row += 1
        why_width = sum(WIDTHS[6:])
        ws.merge_range(row - 1, 6, row - 1, len(WIDTHS) - 1, "Why it is listed", w.f_head_line)
        for o in listed:
            fit_row(ws, row, [(f"{o.outcome_id} {o.title}", WIDTHS[1]), (o.theme, WIDTHS[2]),
                               (o.note, why_width)])
            put(ws, row, 0, o.lsp, w.f_wrap)
            put(ws, row, 1, f"{o.outcome_id} {o.title}", w.f_wrap)
            put(ws, row, 2, o.theme, w.f_wrap)
            put(ws, row, 3, o.latest, w.f_num_left)
            put(ws, row, 4, o.target, w.f_num_left)
            put(ws, row, 5, o.rag, w.f_rag.get(o.rag, w.f_text))
            note_format = w.f_warn if "but rated Green" in o.note else w.f_wrap
            ws.merge_range(row, 6, row, len(WIDTHS) - 1, "", note_format)
            put(ws, row, 6, o.note, note_format)
            row += 1
        return row

    def _worst_items(self, w: RollupWriter, ws: Any, row: int) -> int:
        items = w.r.slipping_items
        shown = items[:WORST_ITEMS]
        ws.write_string(row, 0, f"Worst slipping items ({len(shown)} of {len(items)}; Slipping "
                                "lists every flag)" if items else "Worst slipping items",
                        w.f_section)
        row += 1
        if not items:
            ws.write_string(row, 0, "None: no action or milestone is slipping.", w.f_text)
            return row + 1
        for c, h in enumerate(["LSP", "Item", "Theme", "Days late", "Severity"]):
            ws.write_string(row, c, h, w.f_head_line)
        ws.merge_range(row, 5, row, len(DASH_HEADERS) - 1, "What is wrong", w.f_head_line)
        row += 1
        wide = sum(WIDTHS[5:])
        for it in shown:
            item = f"{it.item_id} {it.description}".strip()
            why = it.worst.message
            if len(it.rules) > 1:
                why += f" Also flagged: {', '.join(it.rules[1:])}."
            fit_row(ws, row, [(item, WIDTHS[1]), (it.theme, WIDTHS[2]), (why, wide)])
            put(ws, row, 0, it.lsp, w.f_wrap)
            put(ws, row, 1, item, w.f_wrap)
            put(ws, row, 2, it.theme, w.f_wrap)
            put(ws, row, 3, it.worst.days, w.f_num_left)
            put(ws, row, 4, it.worst.severity, w.f_sev[it.worst.severity])
            ws.merge_range(row, 5, row, len(DASH_HEADERS) - 1, "", w.f_wrap)
            put(ws, row, 5, why, w.f_wrap)
            row += 1
        return row

    def _budget(self, w: RollupWriter, ws: Any, row: int) -> int:
        """Cost, spend and forecast outturn per partnership, per theme and in all (actions not
        cancelled); blank where no return says (one made from a template before 1.1)."""
        r = w.r
        ws.write_string(row, 0, "Cost, spend and forecast outturn (actions not cancelled)",
                        w.f_section)
        row += 1
        # Each figure over columns wide enough for £9,999,999: Cost in C, Spent in D:E,
        # Outturn in F:G, the count of actions over budget in H.
        spans = [(2, 2), (3, 4), (5, 6), (7, 7)]

        def line(label: Any, b: Any, fmt: Any, lsp: str | None = None) -> None:
            nonlocal row
            if lsp is None:
                ws.merge_range(row, 0, row, 1, "", fmt)
                put(ws, row, 0, label, fmt)
            else:
                put(ws, row, 0, lsp, fmt)
                put(ws, row, 1, label, fmt)
            for (first, last), v in zip(spans, (b.cost, b.spent, b.outturn, b.over_budget),
                                        strict=True):
                cell = w.f_money if first < 7 else w.f_int_left
                if last > first:
                    ws.merge_range(row, first, row, last, "", cell)
                put(ws, row, first, v, cell)
            row += 1

        ws.set_row(row, 42)  # "Actions over budget" on three lines
        ws.write_string(row, 0, "LSP", w.f_head_line)
        ws.write_string(row, 1, "Partnership or theme", w.f_head_line)
        for (first, last), h in zip(spans, BUDGET_HEADERS, strict=True):
            if last > first:
                ws.merge_range(row, first, row, last, h, w.f_head_wrap_line)
            else:
                ws.write_string(row, first, h, w.f_head_wrap_line)
        row += 1
        included = {s.lsp.code for s in r.included}
        for s in r.result.statuses:
            if s.lsp.code in included:
                fit_row(ws, row, [(s.lsp.name, WIDTHS[1])])
                line(s.lsp.name, r.figures[s.lsp.code].budget, w.f_wrap, s.lsp.code)
        for theme, b in r.budget_by_theme:
            fit_row(ws, row, [(theme, WIDTHS[0] + WIDTHS[1])])
            line(theme, b, w.f_wrap)
        line("All themes", r.budget_total, w.f_total)
        return row

    def _side_lists(self, w: RollupWriter, ws: Any, row: int) -> tuple[int, int, int]:
        """The two small tables the charts plot: slipping items by theme (each item counted
        once however many rules flag it) and the external factors recovery plans name."""
        at = []
        for title, head, pairs in (
                ("Slipping items by theme", ("Theme", "Flagged items"), w.r.slipping_by_theme),
                ("External factors (PESTELO)", ("Factor", "Recovery plans"),
                 w.r.factors)):
            ws.write_string(row, 1, title, w.f_section)
            ws.write_string(row + 1, 1, head[0], w.f_head_line)
            ws.write_string(row + 1, 2, head[1], w.f_head_line)
            at.append(row + 2)
            row += 2
            for k, v in pairs:
                fit_row(ws, row, [(k, WIDTHS[1])])
                put(ws, row, 1, k, w.f_wrap)
                put(ws, row, 2, v, w.f_int_left)
                row += 1
            row += 1
        return row, at[0], at[1]

    def _charts(self, w: RollupWriter, ws: Any, row: int, last: int, themes_at: int,
                factors_at: int) -> None:
        """Three charts, right of the small tables, two above and one below."""
        wb = w.wb
        name = "Dashboard"
        first = HEADER_ROW + 1
        n = last - first + 1
        chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
        col = {h: c for c, h in enumerate(DASH_HEADERS)}
        for rag in ("Red", "Amber", "Green"):
            c = col[f"Outcomes {rag}"]
            chart.add_series({"name": f"Outcomes {rag}",
                              "categories": [name, first, 0, last, 0],
                              "values": [name, first, c, last, c],
                              "fill": {"color": RAG_COLOURS[rag]}})
        chart.set_title({"name": "Outcomes by delivery confidence (RAG)"})
        chart.set_y_axis({"reverse": True})
        rag_height = min(80 + 24 * max(n, 4), 620)  # pixels: a bar per partnership
        chart.set_size({"width": 300, "height": rag_height})
        ws.insert_chart(row, 3, chart, {"x_offset": 10})
        themes = w.r.slipping_by_theme
        factors = w.r.factors
        if themes:
            c2 = wb.add_chart({"type": "bar"})
            c2.add_series({"name": "Flagged items",
                           "categories": [name, themes_at, 1, themes_at + len(themes) - 1, 1],
                           "values": [name, themes_at, 2, themes_at + len(themes) - 1, 2],
                           "fill": {"color": "#C00000"}})
            c2.set_title({"name": "Slipping items by theme"})
            c2.set_legend({"none": True})
            c2.set_y_axis({"reverse": True})
            c2.set_size({"width": 300, "height": 300})
            ws.insert_chart(row, 8, c2, {"x_offset": 10})
        if any(c for _, c in factors):
            c3 = wb.add_chart({"type": "column"})
            c3.add_series({"name": "Recovery plans",
                           "categories": [name, factors_at, 1, factors_at + len(factors) - 1, 1],
                           "values": [name, factors_at, 2, factors_at + len(factors) - 1, 2],
                           "fill": {"color": "#7030A0"}})
            c3.set_title({"name": "Which external factors hold delivery back"})
            c3.set_legend({"none": True})
            c3.set_size({"width": 300, "height": 300})
            ws.insert_chart(row + 1 + max(16, round(rag_height / 20)), 3,
                            c3, {"x_offset": 10})


def return_status(s: LspStatus, deadline: date, include_invalid: bool = False
                  ) -> tuple[str, str]:
    """Where a partnership's return stands, in words, and its colour (a RAG key, or "")."""
    if s.report is None:
        return MISSING, "Red"
    late = ""
    if s.on_time(deadline) is False and s.received is not None:
        days = (s.received - deadline).days
        late = f"{days} day{'s' if days != 1 else ''} late"
    if not s.report.readable:
        return (UNREADABLE + (f"; {late}" if late else "")), "Red"
    if not s.valid:
        errors = s.report.errors
        text = f"{NOT_VALID}: {errors} error{'s' if errors != 1 else ''}"
        text += " (included)" if include_invalid else ""
        return (f"{text}; {late}" if late else text), "Red"
    return (f"{VALID}, {late}", "Amber") if late else (VALID, "")


def _counts(fig: Any) -> list[Any]:
    return [fig.outcomes["Red"], fig.outcomes["Amber"],
            fig.outcomes["Green"], fig.slipping_items, fig.slipping_milestones, fig.off_track,
            fig.high_flags, fig.red_without_plan, ", ".join(fig.weak_areas)]


def print_only(ws: Any, last_row: int, columns: int) -> None:
    """Print the sheet's first `columns` columns down to `last_row`: a title or note whose
    text overflows beyond them would otherwise widen the page, and shrink its text."""
    ws.print_area(0, 0, last_row, columns - 1)





# Narrow enough to print one A4 page wide at 8 pt or more; long names and addresses wrap.
COMPLETENESS_WIDTHS = [5, 18, 16, 22, 10, 7, 6, 8, 14, 20]


class Completeness(RollupSheet):
    name = "Completeness"
    fit_width = True

    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        statuses = r.result.statuses
        deadline = region.due
        returned = [s for s in statuses if s.returned]
        on_time = [s for s in returned if s.on_time(deadline)]
        valid = [s for s in returned if s.valid]
        missing = [s for s in statuses if not s.returned]
        w.title(ws, f"Completeness — {region.period}",
                    f"Returns were due by {deadline:%d %B %Y}.")
        summary = [("Expected", len(statuses)), ("Received", len(returned)),
                   ("On time", len(on_time)), ("Late", len(returned) - len(on_time)),
                   ("Valid", len(valid)), ("Not valid", len(returned) - len(valid)),
                   ("Missing", len(missing))]
        headers = ["LSP", "Partnership", "Status", "File", "Received", "On time", "Errors",
                   "Warnings", "Contact", "Email"]
        w.table(ws, "tblCompleteness", headers, len(statuses),
                    widths=COMPLETENESS_WIDTHS)
        row = HEADER_ROW + 1
        for s in statuses:
            values = [s.lsp.code, s.lsp.name, _state(s, deadline),
                      Path(s.report.file).name if s.report else None, s.received,
                      _yes(s.on_time(deadline)), s.report.errors if s.report else None,
                      s.report.warnings if s.report else None, s.lsp.contact, s.lsp.email]
            fit_row(ws, row, zip(values, COMPLETENESS_WIDTHS, strict=True))
            for c, v in enumerate(values):
                fmt = w.f_date if isinstance(v, date) else w.f_wrap
                if c == 2:
                    fmt = {"Missing": w.f_rag_wrap["Red"], "Not valid": w.f_rag_wrap["Amber"]}.get(
                        str(v).split(",")[0], w.f_wrap)
                put(ws, row, c, v, fmt)
            row += 1
        # The round's summary below the table (constant-memory mode writes rows in order),
        # so that the sheet stays narrow enough to print one page wide.
        row += 1
        ws.write_string(row, 1, "Round summary", w.f_section)
        row += 1
        lines: list[tuple[str, Any]] = [(k, v) for k, v in summary]
        lines.append(("Missing LSPs", ", ".join(f"{s.lsp.name} ({s.lsp.code})"
                                                for s in missing) or "none"))
        for k, v in lines:
            ws.write_string(row, 1, k, w.f_bold)
            put(ws, row, 2, v, w.f_int_left if isinstance(v, int) else w.f_text)
            row += 1
        if r.result.unmatched:
            row += 1
            ws.write_string(row, 1, "Files that match no partnership of this round",
                            w.f_section)
            row += 1
            for rep in r.result.unmatched:
                first = rep.sorted_issues()[0].message if rep.issues else ""
                meta = rep.data.meta if rep.data is not None else {}
                why = (f"for {meta.get('lsp_code')}, {meta.get('period')}"
                       if meta.get("lsp_code") else first)
                not_a_return = [i for i in rep.issues if i.code == "review-not-return"]
                if not_a_return:  # a GO review among the returns: say so, not whose it is
                    why = not_a_return[0].message
                fit_row(ws, row, [(Path(rep.file).name, COMPLETENESS_WIDTHS[1]),
                                   (why, sum(COMPLETENESS_WIDTHS[2:]))])  # C:J merged
                put(ws, row, 1, Path(rep.file).name, w.f_wrap)
                ws.merge_range(row, 2, row, 9, "", w.f_wrap)
                put(ws, row, 2, why, w.f_wrap)
                row += 1
        print_only(ws, row, len(headers))



class Assurance(RollupSheet):
    name = "Assurance"
    fit_width = True

    def wide(self, r: Rollup) -> bool:
        return r.reviews is not None  # a GO column beside every question's


    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        questions = region.questions
        reviewed = r.reviews is not None
        w.title(ws, f"Assurance — self-assessment by partnership, {region.period}",
                    "Strong (green), Adequate (yellow), Weak (red). Questions are listed "
                    "below the matrix." + (" Beside each self-assessment, the GO's own rating "
                                           "(GO): boxed in red where the two disagree."
                                           if reviewed else ""))
        per_q = [[q.id, f"{q.id} GO"] if reviewed else [q.id] for q in questions]
        headers = ["LSP", "Partnership", *[h for pair in per_q for h in pair], "Weak",
                   "Adequate", "Strong", *(["Disagreements"] if reviewed else [])]
        step = 2 if reviewed else 1
        w.table(ws, "tblAssurance", headers, len(r.included),
                    widths=[5, 17, *[8] * (len(questions) * step), 6, 8, 7,
                            *([13] if reviewed else [])], header_format=w.f_head_wrap)
        row = HEADER_ROW + 1
        for s in r.included:
            assert s.report is not None and s.report.data is not None
            answers = {a.get("question_id"): a.get("rating")
                       for a in s.report.data.sheets["assurance"]}
            fit_row(ws, row, [(s.lsp.name, 17)])
            ws.write_string(row, 0, s.lsp.code, w.f_text)
            ws.write_string(row, 1, s.lsp.name, w.f_wrap)
            counts: Counter = Counter()
            go = r.review_figures.get(s.lsp.code)
            for i, q in enumerate(questions):
                c = 2 + i * step
                rating = answers.get(q.id)
                if rating:
                    counts[rating] += 1
                    ws.write_string(row, c, rating, w.f_rating.get(rating, w.f_text))
                theirs = go.go_ratings.get(id_key(q.id)) if go else None
                if theirs:
                    differ = rating is not None and theirs != rating
                    ws.write_string(row, c + 1, theirs, (w.f_disagree if differ else
                                                         w.f_rating).get(theirs, w.f_text))
            base = 2 + len(questions) * step
            for i, k in enumerate(("Weak", "Adequate", "Strong")):
                ws.write_number(row, base + i, counts[k], w.f_int)
            if reviewed and go is not None:
                ws.write_number(row, base + 3, len(go.disagreements), w.f_int)
            row += 1
        row = HEADER_ROW + max(len(r.included), 1) + 2
        ws.write_string(row, 0, "Ref", w.f_bold)
        ws.write_string(row, 1, "Area", w.f_bold)
        ws.write_string(row, 2, "Question", w.f_bold)
        last = len(headers) - 1
        room = 8 * len(questions) + 21  # the question's columns, merged
        for q in questions:
            row += 1
            fit_row(ws, row, [(q.area, 17), (q.question, room)])
            ws.write_string(row, 0, q.id, w.f_text)
            ws.write_string(row, 1, q.area, w.f_wrap)
            if last > 2:
                ws.merge_range(row, 2, row, last, "", w.f_wrap)
            ws.write_string(row, 2, q.question, w.f_wrap)
        print_only(ws, row, len(headers))



class Meta(RollupSheet):
    name = META_SHEET
    hidden = True

    def write(self, w: RollupWriter, ws: Any) -> None:
        region = w.region
        items = [("product", ROLLUP_PRODUCT), ("schema_version", schema_version()),
                 ("region", region.region), ("period", str(region.period)),
                 ("as_of", w.r.as_of.isoformat()), ("tool_version", __version__)]
        ws.write_string(0, 0, "key")
        ws.write_string(0, 1, "value")
        for i, (k, v) in enumerate(items, start=1):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)




def _yes(v: bool | None) -> str | None:
    return None if v is None else ("Yes" if v else "No")


def _state(s: LspStatus, deadline: date) -> str:
    if s.report is None:
        return MISSING
    parts = [VALID if s.valid else (NOT_VALID if s.report.readable else UNREADABLE)]
    if s.on_time(deadline) is False:
        parts.append("late")
    return ", ".join(parts)
