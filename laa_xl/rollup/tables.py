"""The roll-up's big sheets, whose rows are streamed into the frame: Slipping, the data
sheets, Issues and Timeline."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..issues import ERROR
from ..model import Return, Row, col_letter
from ..region import Period
from ..schemas import sheet, target_years
from ..sheetrows import RowWriter
from ..slippage import RULES, SEVERITIES, kind
from ..text import id_key
from ..themes import Themes
from ..xlsxout import fit_row, style_index
from .layout import DATA_SHEETS, HEADER_ROW, PROVENANCE
from .sheets import RollupSheet

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter


class Slipping(RollupSheet):
    name = "Slipping"

    def size(self, r: Rollup) -> int:
        return len(r.flags) + len(RULES) + len(SEVERITIES) + 4  # and the legend

    def write(self, w: RollupWriter, ws: Any) -> None:
        r = w.r
        w.title(ws, f"Slipping milestones, actions and off-track outcomes — as at "
                        f"{r.as_of:%d/%m/%Y}", "Worst first. Rules are explained below the "
                    "table (and in the README).")
        headers = ["Severity", "LSP", "Theme", "Sheet", "Item", "Belongs to", "Description", "Rule",
                   "Days", "What is wrong", *PROVENANCE, "Cell"]
        # The sheet as the partner's workbook names it (a renamed sheet is read, and says so).
        names = {s.report.file: s.report.data.sheet_names for s in r.included
                 if s.report is not None and s.report.data is not None}
        plain, wrap = style_index(w.f_text), style_index(w.f_wrap)
        severity = {k: style_index(f) for k, f in w.f_sev.items()}
        # Long text wraps, each row as tall as it needs (`big_table`'s `wrap`).
        styles = [wrap if h in ("Theme", "Description", "Rule", "What is wrong", "Source file")
                  else plain for h in headers]

        def rows(rw: RowWriter) -> Iterator[str]:
            for n, f in enumerate(r.flags, start=HEADER_ROW + 2):
                source_sheet = names.get(f.file, {}).get(f.sheet, sheet(f.sheet).name)
                styles[0] = severity.get(f.severity, plain)
                yield rw.row(n, [f.severity, f.lsp, f.theme, sheet(f.sheet).name, f.item_id,
                                f.parent,
                                f.description, f.rule, f.days, f.message, f.file,
                                source_sheet if f.row else None, f.row, f.cell], styles)

        # What a reader needs (Severity to What is wrong) fits one A4 page wide, printed at
        # 80 % (8 pt); where it came from prints on the page after, beside the LSP and theme.
        widths = [8, 6, 14, 9, 7, 7, 22, 14, 6, 32, 28, 11, 8, 7]
        w.big_table(ws, "tblSlipping", headers, len(r.flags), rows, widths=widths,
                    wrap=[c for c, st in enumerate(styles) if st == wrap])
        first_page = headers.index("What is wrong") + 1
        ws.set_v_pagebreaks([first_page])
        row = HEADER_ROW + max(len(r.flags), 1) + 2
        ws.write_string(row, 0, "Rules", w.f_bold)
        tol = w.region.tolerances
        for rule in RULES.values():
            row += 1
            text = f"{rule.describe(tol)} Severity: {rule.severity}."
            # The rule's name over the first three columns, what it means wrapped over the
            # rest of the first page's width.
            fit_row(ws, row, [(rule.code, sum(widths[:3])), (text, sum(widths[3:first_page]))])
            ws.merge_range(row, 0, row, 2, "", w.f_wrap)
            ws.write_string(row, 0, rule.code, w.f_wrap)
            ws.merge_range(row, 3, row, first_page - 1, "", w.f_wrap)
            ws.write_string(row, 3, text, w.f_wrap)
        row += 2
        ws.write_string(row, 0, "Severity", w.f_bold)
        for s in SEVERITIES:
            row += 1
            ws.write_string(row, 0, s, w.f_sev[s])



class DataSheet(RollupSheet):
    """One of the return's data sheets, every included return's rows under its headers."""

    def __init__(self, key: str, name: str | None = None) -> None:
        self.key = key
        self.spec = sheet(key)
        self.name = name or self.spec.name

    def size(self, r: Rollup) -> int:
        return r.rows_in(self.key)

    def write(self, w: RollupWriter, ws: Any) -> None:
        spec = self.spec
        r = w.r
        w.title(ws, f"{self.name} — every accepted return",
                    "Each row carries its LSP and where it came from (file, sheet, row).")
        fields = [f for f in spec.fields]
        # A theme lead filters one column: the Outcomes sheet has its own Theme, every other
        # sheet is given its outcome's, after the LSP.
        themed = spec.key != "outcomes"
        lead = ["LSP", "Theme"] if themed else ["LSP"]
        headers = [*lead, *[f.header for f in fields], *PROVENANCE, "Return valid"]
        fmts = [w.fmt_for(spec, f.name) for f in fields]

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
        count = w.r.rows_in(spec.key)
        widths = [7, *([22] if themed else []), *[min(f.width, 30) for f in fields], 30, 11, 8,
                  8]
        text, wrap = style_index(w.f_text), style_index(w.f_wrap)
        # Text wider than its column wraps (rows grow to show it when the workbook is opened).
        long = [f.kind == "text" and (f.max_length or 0) > 40 for f in fields]
        base = [*[text] * len(lead),
                *[wrap if lg else style_index(fm) for fm, lg in zip(fmts, long, strict=True)],
                wrap, text, style_index(w.f_int), text]
        if themed:
            base[1] = wrap
        rag = {k: style_index(f) for k, f in w.f_rag.items()}
        rag_columns = [c for c, f in enumerate(fields, start=len(lead)) if f.rag]
        themes = r.themes
        names = [f.name for f in fields]

        # The hot loop of a national roll-up: one list of values and one of styles a row.
        def rows(rw: RowWriter) -> Iterator[str]:
            styles = list(base)
            for n, (lsp, row, file, sheet_name, valid) in enumerate(source(),
                                                                    start=HEADER_ROW + 2):
                get = row.values.get
                first = [lsp, themes[lsp].of_row(row)] if themed else [lsp]
                values = [*first, *[get(name) for name in names], file, sheet_name, row.row,
                          "Yes" if valid else "No"]
                for c in rag_columns:
                    styles[c] = rag.get(str(values[c]), base[c])
                yield rw.row(n, values, styles)

        w.big_table(ws, "tbl" + self.name.replace(" ", ""), headers, count, rows, widths=widths,
                    wrap=[c for c, st in enumerate(base) if st == wrap])



class Issues(RollupSheet):
    name = "Issues"

    def size(self, r: Rollup) -> int:
        return sum(len(x.issues) for x in _reports(r))

    def write(self, w: RollupWriter, ws: Any) -> None:
        w.title(ws, "Validation issues of every return",
                    "Errors first. Returns with errors are left out of the roll-up unless "
                    "consolidated with --include-invalid.")
        headers = ["LSP", "Theme", "File", "Severity", "Code", "Sheet", "Cell", "Column", "Value",
                   "Message"]
        reports = _reports(w.r)
        text, red, wrap = (style_index(w.f_text), style_index(w.f_rag["Red"]),
                           style_index(w.f_wrap))
        # The file, the value and the message wrap: rows grow to show them.
        plain = [wrap if h in ("Theme", "File", "Value", "Message") else text for h in headers]
        error = list(plain)
        error[headers.index("Severity")] = red

        def rows(rw: RowWriter) -> Iterator[str]:
            n = HEADER_ROW + 2
            for rep in reports:
                lsp = rep.data.lsp_code if rep.data is not None else ""
                theme_at = _row_themes(rep.data) if rep.issues else {}
                for i in rep.sorted_issues():
                    at = _ROW_OF_CELL.match(i.cell or "")
                    theme = theme_at.get((i.sheet, int(at.group(1)))) if at else None
                    yield rw.row(n, [lsp, theme, rep.file, i.severity, i.code, i.sheet, i.cell,
                                     i.field, i.value, i.message],
                                 error if i.severity == ERROR else plain)
                    n += 1

        w.big_table(ws, "tblIssues", headers, sum(len(x.issues) for x in reports), rows,
                    widths=[6, 16, 24, 8, 16, 11, 7, 14, 16, 60],
                    wrap=[c for c, st in enumerate(plain) if st == wrap])


_ROW_OF_CELL = re.compile(r"^[A-Z]+([0-9]+)$")


def _reports(r: Rollup) -> list[Any]:
    """Every file checked: the returns, then the GO's reviews (used or left out)."""
    return [*r.result.reports, *(r.reviews.reports if r.reviews else ())]


def _row_themes(data: Return | None) -> dict[tuple[str, int], str]:
    """(sheet as the workbook names it, worksheet row) -> the theme of the row there."""
    if data is None:
        return {}
    themes = Themes(data)
    out: dict[tuple[str, int], str] = {}
    for key in DATA_SHEETS:
        name = data.sheet_names.get(key, sheet(key).name)
        for row in data.sheets.get(key, []):
            out[(name, row.row)] = themes.of_row(row)
    return out



class Timeline(RollupSheet):
    name = "Timeline"

    def size(self, r: Rollup) -> int:
        return r.rows_in("milestones")

    def write(self, w: RollupWriter, ws: Any) -> None:
        r = w.r
        k = kind("milestones")
        assert k.due and k.forecast and k.status and k.achieved
        # The months of the agreement: its first target year's first quarter, to its last.
        years = [Period.parse(f"{y} Q1") for y in target_years()]
        start = years[0].start
        months = [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1,
                       1) for i in range(12 * len(years))]
        w.title(ws, "Timeline — every milestone by month, baseline against forecast (achieved "
                "ones in grey, cancelled ones left out)",
                "Blue: baseline month. Red: slipped from baseline to forecast. Green: "
                "forecast earlier than baseline. Grey: achieved. Knock-on: the milestone's "
                "action waits for a late one.")
        spec = sheet("milestones")
        fields = [k.key, k.parent, k.summary, k.status, k.due, k.forecast]
        headers = ["LSP", "Theme", *[spec.field(name).header for name in fields if name],
                   "Knock-on"]
        # A milestone of an action that waits for a late one is marked, with what it waits for.
        # (A knock-on flag's chain ends with the action it waits for.)
        knock = {(f.lsp, id_key(f.item_id)): f"waits for {f.chain.split(', ')[-1]}, "
                 f"pushed {f.days} days" for f in r.flags if f.rule == "knock-on" and f.chain}
        status_col, due_col, forecast_col = (col_letter(headers.index(spec.field(name).header))
                                             for name in (k.status, k.due, k.forecast))
        first_month_col = len(headers)
        for c, h in enumerate(headers):
            ws.write_string(HEADER_ROW, c, h, w.f_bold)
        for i, m in enumerate(months):
            ws.write_datetime(HEADER_ROW, first_month_col + i, datetime(m.year, m.month, 1),
                              w.f_month)
        ws.set_row(HEADER_ROW, 48)

        status, due = k.status, k.due

        def shown(m: Row) -> bool:
            return m.get(status) not in k.cancelled and isinstance(m.get(due), date)

        n = sum(sum(1 for m in s.report.data.sheets["milestones"] if shown(m))
                for s in r.included if s.report is not None and s.report.data is not None)
        text, day, wrap = style_index(w.f_text), style_index(w.f_date), style_index(w.f_wrap)
        amber = style_index(w.f_rag["Amber"])
        # the fixed columns, the last of them Knock-on; the theme and the milestone wrap
        widths = [7, 22, 9, 9, 36, *[11] * (first_month_col - 6), 24]
        wrapped = (1, 4)

        def rows(rw: RowWriter) -> Iterator[str]:
            number = HEADER_ROW + 2
            for s in r.included:  # each return's milestones by baseline date
                assert s.report is not None and s.report.data is not None
                ms = [m for m in s.report.data.sheets["milestones"] if shown(m)]
                ms.sort(key=lambda m: (m.get(k.due), m.get(k.key) or ""))
                themes = r.themes[s.lsp.code]
                for m in ms:
                    pushed = knock.get((s.lsp.code, id_key(m.get(k.parent or ""))))
                    values = [s.lsp.code, themes.of_row(m),
                              *[m.get(name) for name in fields[:-1] if name],
                              m.get(k.forecast) or m.get(k.due), pushed]
                    yield rw.row(number, values,
                                 [day if isinstance(v, date) else wrap if c in wrapped else text
                                  for c, v in enumerate(values[:-1])]
                                 + [amber if pushed else text])
                    number += 1

        w.big_table(ws, None, headers, n, rows, ncols=first_month_col + len(months),
                    widths=widths, wrap=wrapped)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.set_column(first_month_col, first_month_col + len(months) - 1, 3)
        ws.freeze_panes(HEADER_ROW + 1, first_month_col)
        if n == 0:
            return
        top, bottom = HEADER_ROW + 1, HEADER_ROW + n
        left, right = first_month_col, first_month_col + len(months) - 1
        r1 = top + 1
        month = f"{col_letter(left)}${HEADER_ROW + 1}"
        # month-of(date) as its first day, compared with the header's first-of-month date
        base = f"DATE(YEAR(${due_col}{r1}),MONTH(${due_col}{r1}),1)"
        fore = f"DATE(YEAR(${forecast_col}{r1}),MONTH(${forecast_col}{r1}),1)"
        rules = [
            ("done", f'=AND(${status_col}{r1}="{k.achieved}",{month}={base})'),
            ("base", f"={month}={base}"),
            ("slip", f"=AND({month}>{base},{month}<={fore})"),
            ("early", f"=AND({month}<{base},{month}>={fore})"),
        ]
        for key, formula in rules:
            ws.conditional_format(top, left, bottom, right, {
                "type": "formula", "criteria": formula, "format": w.cf_fill[key],
                "stop_if_true": True})
