"""The roll-up's small sheets: About, Dashboard, Completeness, Assurance and its identity."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..issues import FileReport
from ..round import LspStatus
from ..schemas import schema_version
from ..text import id_key
from ..xlsxout import RAG_COLOURS, put
from .layout import HEADER_ROW, META_SHEET, ROLLUP_PRODUCT
from .sheets import RollupSheet

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter

DASH_HEADERS = ["LSP", "Partnership", "Returned", "Received", "On time", "Valid",
                "Errors", "Warnings", "Outcomes", "Outcomes Red", "Outcomes Amber",
                "Outcomes Green", "Actions", "Actions Red", "Actions Amber",
                "Actions Green", "Slipping milestones", "Off-track outcomes",
                "High-severity flags", "Red items without a recovery plan",
                "Assurance areas rated Weak"]
# With the GO's reviews (consolidate --reviews), after the partnership's own figures.
DASH_REVIEW_HEADERS = ["GO conclusion", "Open advice", "Overdue advice"]



class About(RollupSheet):
    name = "About"

    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        tol = region.tolerances
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 60)
        ws.set_column(2, 8, 14)
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
            for c, v in enumerate(values):
                put(ws, row, c, v, w.f_text, w.f_date)
            row += 1



class Dashboard(RollupSheet):
    name = "Dashboard"

    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        w.title(ws, f"Dashboard — {region.region}, {region.period}",
                    f"One row per partnership. Slippage as at {r.as_of:%d/%m/%Y}; "
                    "see Slipping for each flag and Completeness for who is missing.")
        reviewed = r.reviews is not None
        headers = DASH_HEADERS + (DASH_REVIEW_HEADERS if reviewed else [])
        n = len(r.result.statuses)
        w.table(ws, "tblDashboard", headers, n,
                    widths=[7, 30, 9, 11, 8, 7, 7, 9] + [9] * 12 + [40]
                    + ([34, 9, 9] if reviewed else []),
                    header_format=w.f_head_wrap)
        # Constant-memory mode writes each row once, when the next one starts: a row's
        # height must be set while it is still the row being written.
        ws.set_row(HEADER_ROW, 45)
        row = HEADER_ROW + 1
        included = {s.lsp.code for s in r.included}
        for s in r.result.statuses:
            fig = w.r.figures[s.lsp.code]
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
            if reviewed:
                go = r.review_figures.get(s.lsp.code)
                values += [go.conclusion, go.open_advice, go.overdue_advice] if go else \
                    ["not reviewed", None, None]
            for c, v in enumerate(values):
                fmt = w.f_date if isinstance(v, date) else w.f_text
                if headers[c] in ("Outcomes Red", "Actions Red", "Overdue advice") and v:
                    fmt = w.f_rag["Red"]
                put(ws, row, c, v, fmt)
            row += 1
        self._charts(w, ws, row + 2, n)

    def _charts(self, w: RollupWriter, ws: Any, row: int, n: int) -> None:
        wb = w.wb
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
        themes = w.r.slipping_by_theme
        factors = w.r.factors
        col, fcol = 12, 15
        side = [[(col, "Slipping items by theme", w.f_bold),
                 (fcol, "Main external factors (Recovery, PESTELO)", w.f_bold)],
                [(col, "Theme", w.f_bold), (col + 1, "Flagged items", w.f_bold),
                 (fcol, "Factor", w.f_bold), (fcol + 1, "Recovery plans", w.f_bold)]]
        for i in range(max(len(themes), len(factors))):
            cells: list[tuple[int, Any, Any]] = []
            if i < len(themes):
                cells += [(col, themes[i][0], w.f_text), (col + 1, themes[i][1], w.f_int)]
            if i < len(factors):
                cells += [(fcol, factors[i][0], w.f_text),
                          (fcol + 1, factors[i][1], w.f_int)]
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



class Completeness(RollupSheet):
    name = "Completeness"

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
        # Constant-memory mode writes rows in order: summary beside the table's top rows.
        headers = ["LSP", "Partnership", "Status", "File", "Received", "On time", "Errors",
                   "Warnings", "Contact", "Email"]
        w.table(ws, "tblCompleteness", headers, len(statuses),
                    widths=[7, 30, 16, 34, 11, 8, 7, 9, 18, 30, 2, 16, 40])
        ws.write_string(HEADER_ROW, len(headers) + 1, "Round summary", w.f_bold)
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
                fmt = w.f_date if isinstance(v, date) else w.f_text
                if c == 2:
                    fmt = {"Missing": w.f_rag["Red"], "Not valid": w.f_rag["Amber"]}.get(
                        str(v).split(",")[0], w.f_text)
                put(ws, row, c, v, fmt)
            if i < len(lines):
                ws.write_string(row, len(headers) + 1, lines[i][0], w.f_bold)
                put(ws, row, len(headers) + 2, lines[i][1], w.f_text)
            row += 1
        for k, v in lines[len(statuses):]:
            ws.write_string(row, len(headers) + 1, k, w.f_bold)
            put(ws, row, len(headers) + 2, v, w.f_text)
            row += 1
        if r.result.unmatched:
            row += 1
            ws.write_string(row, 0, "Files that match no partnership of this round", w.f_bold)
            row += 1
            for rep in r.result.unmatched:
                first = rep.sorted_issues()[0].message if rep.issues else ""
                meta = rep.data.meta if rep.data is not None else {}
                why = (f"for {meta.get('lsp_code')}, {meta.get('period')}"
                       if meta.get("lsp_code") else first)
                not_a_return = [i for i in rep.issues if i.code == "review-not-return"]
                if not_a_return:  # a GO review among the returns: say so, not whose it is
                    why = not_a_return[0].message
                put(ws, row, 0, Path(rep.file).name, w.f_text)
                put(ws, row, 3, why, w.f_text)
                row += 1



class Assurance(RollupSheet):
    name = "Assurance"

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
                    widths=[7, 30, *[10] * (len(questions) * step), 8, 9, 8,
                            *([13] if reviewed else [])])
        row = HEADER_ROW + 1
        for s in r.included:
            assert s.report is not None and s.report.data is not None
            answers = {a.get("question_id"): a.get("rating")
                       for a in s.report.data.sheets["assurance"]}
            ws.write_string(row, 0, s.lsp.code, w.f_text)
            ws.write_string(row, 1, s.lsp.name, w.f_text)
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
        for q in questions:
            row += 1
            ws.write_string(row, 0, q.id, w.f_text)
            ws.write_string(row, 1, q.area, w.f_text)
            ws.write_string(row, 2, q.question, w.f_text)



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
        return "Missing"
    parts = ["Valid" if s.valid else ("Not valid" if s.report.readable else "Cannot be read")]
    if s.on_time(deadline) is False:
        parts.append("late")
    return ", ".join(parts)
