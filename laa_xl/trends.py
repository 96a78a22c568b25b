"""Writes the trends workbook of `laa-xl history`: the tables of `laa_xl.history`, laid out
for GO staff, with a line chart per theme, sparklines per outcome and a slippage chart.

Written in constant-memory mode (a national history has hundreds of thousands of rows),
atomically, through the writers' shared helpers in xlsxout.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .history import COLUMNS, History
from .model import col_letter
from .rollup.layout import TRENDS_PRODUCT
from .sheetrows import BigSheet, RowWriter, splice
from .template import LINE_HEIGHT, wrapped_lines
from .xlsxout import (
    RAG_COLOURS,
    RATING_COLOURS,
    add_table_in_constant_memory,
    atomic_output,
    new_workbook,
    put,
    scratch_folder,
    style_index,
)

TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 3  # 0-based; every table's headers are on row 4
CHART_SERIES = 8  # outcomes drawn in one theme's chart: more lines than this cannot be read

# The long tables: sheet name, table, what the sheet is for.
_LONG = (
    ("Outcome values", "outcomes", "Each outcome's latest value every quarter, against this "
     "year's target and the straight-line trajectory towards it."),
    ("Partnerships", "partnerships", "Each partnership every quarter: returned, on time, valid, "
     "and its slippage counts (items flagged, overdue, off-track outcomes)."),
    ("Persistent slippage", "persistent", "Items flagged in two or more consecutive quarters, "
     "longest first: since when, and how far each has moved in all (its forecast, or its "
     "baseline, when first flagged against now)."),
    ("Re-baselining", "rebaselines", "Every baseline or due date that differs from the one in "
     "the partnership's previous roll-up."),
    ("Ratings", "ratings", "Delivery confidence (outcomes), RAG (actions) and the assurance "
     "self-assessment, every quarter."),
)
_WIDTHS = {"text": 14, "number": 10, "integer": 10, "date": 11, "bool": 9, "period": 11}
_WIDE_TEXT = {"title": 36, "description": 36, "partnership": 28, "theme": 24, "status": 16,
              "source_file": 28, "rules": 30, "previous_file": 28, "lsp": 7, "sheet": 11,
              "item_id": 9, "outcome_id": 9, "indicator": 9, "unit": 6, "by": 11}


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14,
                                    "font_color": "#1F4E79"})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#404040"})
        self.text = wb.add_format({**base, "text_wrap": True})
        # one line a cell: the long tables' rows are spliced in without heights to grow into
        self.line = wb.add_format(base)
        self.bold = wb.add_format({**base, "bold": True})
        self.head = wb.add_format({**base, "bold": True, "text_wrap": True,
                                   "font_color": "#FFFFFF", "bg_color": "#1F4E79"})
        self.date = wb.add_format({**base, "num_format": "dd/mm/yyyy"})
        self.number = wb.add_format({**base, "num_format": "0.0##"})
        self.integer = wb.add_format({**base, "num_format": "0"})
        self.rag = {k: wb.add_format({**base, "bg_color": c}) for k, c in RAG_COLOURS.items()}
        self.rating = {k: wb.add_format({**base, "bg_color": c})
                       for k, c in RATING_COLOURS.items()}
        self.late = wb.add_format({**base, "bg_color": "#FFC000"})
        self.missing = wb.add_format({**base, "bg_color": "#FF5B5B"})


class TrendsWriter:
    """Lays out one History as a workbook; `write()` is the only entry point."""

    def __init__(self, history: History) -> None:
        self.h = history

    def write(self, path: Path) -> None:
        # xlsxwriter lays out the frame (small sheets, formats, tables, charts); the long
        # tables' rows are spliced in as XML (sheetrows.py), as the roll-up's big sheets are:
        # a national history has millions of cells.
        folder = scratch_folder(path)
        scratch = folder if folder.is_dir() else None
        frame = (scratch or path.parent) / f"{path.name}.frame.xlsx"
        try:
            self._frame(frame, scratch)
            with open(frame, "rb") as fh:
                splice(fh, path, self.big, scratch)
        finally:
            frame.unlink(missing_ok=True)

    def _frame(self, path: Path, scratch: Path | None) -> None:
        wb = new_workbook(path, constant_memory=True, scratch=scratch,
                          title=f"LAA trends — {self.h.region}")
        self.wb = wb
        self.big: list[BigSheet] = []
        self.f = _Formats(wb)
        self._about(wb.add_worksheet("About"))
        self._outcomes_wide(wb.add_worksheet("Outcomes"))
        self._charts(wb.add_worksheet("Charts"))
        self._slippage(wb.add_worksheet("Slippage"))
        self._timeliness(wb.add_worksheet("Timeliness"))
        for name, key, note in _LONG:
            self._long(wb.add_worksheet(name), name, key, note)
        meta = wb.add_worksheet("_laa_xl")
        items = [("product", TRENDS_PRODUCT), ("region", self.h.region),
                 ("periods", ", ".join(self.h.periods)), ("tool_version", __version__)]
        for i, (k, v) in enumerate([("key", "value"), *items]):
            meta.write_string(i, 0, k)
            meta.write_string(i, 1, v)
        meta.hide()
        wb.close()

    # -- shared layout ------------------------------------------------------------------------

    def _page(self, ws: Any, name: str, narrow: bool, first_cols: int = 0) -> None:
        """A4 landscape, the header row on every page, a footer naming the sheet; a narrow
        sheet fitted to one page wide, a wide one across pages with its first columns."""
        ws.set_paper(9)
        ws.set_landscape()
        ws.repeat_rows(HEADER_ROW)
        if narrow:
            ws.fit_to_pages(1, 0)
        elif first_cols:
            ws.repeat_columns(0, first_cols - 1)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        footer = f"{self.h.region} trends, {self._span()} — {name}"
        ws.set_footer(f"&L{footer.replace('&', '&&')}&RPage &P of &N")
        ws.freeze_panes(HEADER_ROW + 1, first_cols)

    def _span(self) -> str:
        p = self.h.periods
        return f"{p[0]} to {p[-1]}" if len(p) > 1 else (p[0] if p else "")

    def _title(self, ws: Any, title: str, note: str) -> None:
        ws.write_string(TITLE_ROW, 0, title, self.f.title)
        ws.write_string(NOTE_ROW, 0, note, self.f.note)

    def _table(self, ws: Any, name: str, headers: list[str], nrows: int) -> None:
        add_table_in_constant_memory(ws, HEADER_ROW, name, headers, nrows)
        ws.set_row(HEADER_ROW, 42)
        for c, h in enumerate(headers):
            ws.write_string(HEADER_ROW, c, h, self.f.head)

    def _put(self, ws: Any, row: int, col: int, value: Any, kind: str) -> None:
        f = self.f
        if isinstance(value, bool):
            ws.write_string(row, col, "Yes" if value else "No", f.text)
            return
        fmt = {"date": f.date, "number": f.number, "integer": f.integer}.get(kind, f.text)
        if kind == "text" and isinstance(value, str):
            fmt = f.rag.get(value) or f.rating.get(value) or f.text
        put(ws, row, col, value, fmt, f.date)

    # -- sheets -------------------------------------------------------------------------------

    def _about(self, ws: Any) -> None:
        h, f = self.h, self.f
        self._title(ws, f"LAA trends — {h.region}, {self._span()}",
                    f"Made by laa-xl {__version__} from {len(h.rounds)} roll-up(s). Every row "
                    "names the roll-up file and the cell its value came from.")
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 80)
        ws.set_column(2, 2, 12)
        headers = ["Period", "Roll-up", "As at"]
        self._table(ws, "tblRollups", headers, len(h.rounds))
        row = HEADER_ROW + 1
        for rnd in h.rounds:
            ws.write_string(row, 0, rnd.period, f.text)
            ws.write_string(row, 1, rnd.path, f.text)
            ws.write_string(row, 2, rnd.meta.get("as_of", ""), f.text)
            row += 1
        row += 2
        ws.write_string(row, 0, "Sheets", f.bold)
        for name, text in [
            ("Outcomes", "One row per outcome: its latest value and trajectory quarter by "
             "quarter, with a sparkline."),
            ("Charts", "A line chart per theme: each outcome's latest value by quarter."),
            ("Slippage", "Slipping items per partnership per quarter, with a chart."),
            ("Timeliness", "Each partnership's return every quarter: on time, late, not valid "
             "or missing; who is late every time."),
            *[(n, note) for n, _, note in _LONG]]:
            row += 1
            ws.set_row(row, LINE_HEIGHT * wrapped_lines(text, 80))
            ws.write_string(row, 0, name, f.bold)
            ws.write_string(row, 1, text, f.text)
        self._page(ws, "About", narrow=True)
        ws.freeze_panes(0, 0)

    def _outcome_keys(self) -> list[tuple[str, str]]:
        seen: dict[tuple[str, str], None] = {}
        for r in self.h.tables["outcomes"]:
            seen.setdefault((r["lsp"], str(r["outcome_id"])), None)
        return list(seen)

    def _outcomes_wide(self, ws: Any) -> None:
        h, f = self.h, self.f
        periods = h.periods
        by_key: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for r in h.tables["outcomes"]:
            by_key.setdefault((r["lsp"], str(r["outcome_id"])), {})[r["period"]] = r
        keys = sorted(self._outcome_keys(), key=lambda k: (
            str(next(iter(by_key[k].values()))["theme"] or ""), k))
        self.outcome_rows = keys  # the Charts sheet draws from these rows
        self._theme_of = {k: str(next(iter(by_key[k].values()))["theme"] or "") for k in keys}
        lead = ["LSP", "Outcome ID", "Indicator", "Outcome / target", "Theme",
                "Good performance is"]
        headers = [*lead, *[f"Latest {p}" for p in periods],
                   *[f"Trajectory {p}" for p in periods],
                   *[f"Progress {p} (%)" for p in periods], "Trend", "Off trajectory now",
                   "Source file", "Source cell"]
        self._title(ws, f"Outcomes quarter by quarter — {h.region}",
                    "Latest value each quarter, the straight-line trajectory towards this "
                    "year's target, and progress: how far from baseline to target (100% = "
                    "target met). Trend: the latest values as a sparkline.")
        self._table(ws, "tblOutcomes", headers, len(keys))
        widths = [7, 10, 9, 36, 24, 10, *[10] * (3 * len(periods)), 14, 10, 34, 13]
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        first_latest = len(lead)
        self.first_progress = first_latest + 2 * len(periods)  # the Charts sheet draws these
        row = HEADER_ROW + 1
        for key in keys:
            quarters = by_key[key]
            last = quarters[max(quarters, key=periods.index)]
            values = [key[0], key[1], last["indicator"], last["title"], last["theme"],
                      last["polarity"]]
            lines = max(wrapped_lines(str(values[3] or ""), widths[3]),
                        wrapped_lines(str(values[4] or ""), widths[4]))
            if lines > 1:  # set while the row is still the one being written
                ws.set_row(row, LINE_HEIGHT * lines)
            for c, v in enumerate(values):
                self._put(ws, row, c, v, "text")
            for i, p in enumerate(periods):
                q = quarters.get(p, {})
                for j, what in enumerate(("latest_value", "trajectory", "progress")):
                    self._put(ws, row, first_latest + j * len(periods) + i, q.get(what),
                              "number")
            c = first_latest + 3 * len(periods)
            ws.write_blank(row, c, None, f.text)
            self._put(ws, row, c + 1, last["off_trajectory"], "text")
            self._put(ws, row, c + 2, last["source_file"], "text")
            self._put(ws, row, c + 3, last["source_cell"], "text")
            if len(periods) > 1:
                ws.add_sparkline(row, c, {
                    "range": f"'Outcomes'!{col_letter(first_latest)}{row + 1}:"
                             f"{col_letter(first_latest + len(periods) - 1)}{row + 1}",
                    "markers": True, "series_color": "#1F4E79"})
            row += 1
        self._page(ws, "Outcomes", narrow=False, first_cols=2)

    def _charts(self, ws: Any) -> None:
        h, f = self.h, self.f
        periods = h.periods
        self._title(ws, f"Outcomes by theme — {h.region}",
                    "Progress: from baseline (0%) to this year's target (100%).")
        # The quarters, for the charts' axis (the Outcomes sheet's headers name the columns)
        ws.write_string(NOTE_ROW + 1, 0, f"At most {CHART_SERIES} outcomes a chart; the "
                        "Outcomes sheet lists them all. Quarters:", f.note)
        ws.set_column(8, 8 + max(len(periods), 1) - 1, 12)
        for i, p in enumerate(periods):
            ws.write_string(NOTE_ROW + 1, 8 + i, p, f.note)
        themes: dict[str, list[int]] = {}
        for i, key in enumerate(self.outcome_rows):
            themes.setdefault(self._theme_of[key] or "(no theme)", []).append(i)
        row = HEADER_ROW
        first = self.first_progress
        for theme, rows in themes.items():
            chart = self.wb.add_chart({"type": "line"})
            for i in rows[:CHART_SERIES]:
                r = HEADER_ROW + 1 + i
                chart.add_series({
                    "name": f"{self.outcome_rows[i][0]} {self.outcome_rows[i][1]}",
                    "categories": ["Charts", NOTE_ROW + 1, 8, NOTE_ROW + 1,
                                   8 + len(periods) - 1],
                    "values": ["Outcomes", r, first, r, first + len(periods) - 1],
                    "marker": {"type": "circle"}})
            shown = min(len(rows), CHART_SERIES)
            more = f" ({shown} of {len(rows)} outcomes)" if len(rows) > shown else ""
            chart.set_title({"name": f"{theme}: progress to target{more}",
                             "name_font": {"size": 11}})
            chart.set_y_axis({"name": "% of the way to target", "name_font": {"size": 9}})
            chart.set_size({"width": 760, "height": 300})
            chart.set_legend({"position": "right"})
            ws.insert_chart(row, 0, chart)
            row += 16
        if not themes:
            ws.write_string(HEADER_ROW, 0, "No outcomes in these roll-ups.", f.text)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer(f"&L{h.region.replace('&', '&&')} trends — Charts&RPage &P of &N")

    def _slippage(self, ws: Any) -> None:
        h = self.h
        periods = h.periods
        lsps = h.partnerships()
        got = {(r["lsp"], r["period"]): r for r in h.tables["partnerships"]}
        headers = ["LSP", "Partnership", *[f"Slipping {p}" for p in periods],
                   *[f"Overdue {p}" for p in periods], *[f"Off track {p}" for p in periods]]
        self._title(ws, f"Slippage per partnership per quarter — {h.region}",
                    "Slipping items (each once, however many rules flag it), overdue items and "
                    "off-track outcomes. Blank: no valid return that quarter.")
        self._table(ws, "tblSlippage", headers, len(lsps))
        ws.set_column(0, 0, 7)
        ws.set_column(1, 1, 28)
        ws.set_column(2, 1 + 3 * len(periods), 10)
        row = HEADER_ROW + 1
        for code, name in lsps:
            self._put(ws, row, 0, code, "text")
            self._put(ws, row, 1, name, "text")
            for j, what in enumerate(("slipping_items", "overdue", "off_track")):
                for i, p in enumerate(periods):
                    r = got.get((code, p), {})
                    self._put(ws, row, 2 + j * len(periods) + i, r.get(what), "integer")
            row += 1
        if lsps:
            chart = self.wb.add_chart({"type": "column"})
            for i, p in enumerate(periods):
                chart.add_series({"name": p,
                                  "categories": ["Slippage", HEADER_ROW + 1, 0,
                                                 HEADER_ROW + len(lsps), 0],
                                  "values": ["Slippage", HEADER_ROW + 1, 2 + i,
                                             HEADER_ROW + len(lsps), 2 + i]})
            chart.set_title({"name": "Slipping items per partnership, quarter by quarter",
                             "name_font": {"size": 11}})
            chart.set_size({"width": 760, "height": 320})
            ws.insert_chart(row + 1, 1, chart)
        self._page(ws, "Slippage", narrow=len(headers) <= 14, first_cols=2)

    def _timeliness(self, ws: Any) -> None:
        h, f = self.h, self.f
        periods = h.periods
        lsps = h.partnerships()
        got = {(r["lsp"], r["period"]): r for r in h.tables["partnerships"]}
        headers = ["LSP", "Partnership", *periods, "Late", "Not valid", "Missing"]
        self._title(ws, f"Completeness and timeliness — {h.region}",
                    "Each partnership's return every quarter, as its roll-up's Completeness "
                    "sheet gives it. Late, Not valid, Missing: in how many quarters.")
        self._table(ws, "tblTimeliness", headers, len(lsps))
        ws.set_column(0, 0, 7)
        ws.set_column(1, 1, 28)
        ws.set_column(2, 1 + len(periods), 13)
        ws.set_column(2 + len(periods), 4 + len(periods), 8)
        row = HEADER_ROW + 1
        for code, name in lsps:
            self._put(ws, row, 0, code, "text")
            self._put(ws, row, 1, name, "text")
            late = invalid = missing = 0
            for i, p in enumerate(periods):
                r = got.get((code, p))
                state = r["status"] if r else ""
                late += bool(r and r["on_time"] is False)
                invalid += bool(r and r["returned"] and r["valid"] is False)
                missing += bool(r and not r["returned"])
                fmt = f.text
                if r and not r["returned"]:
                    fmt = f.missing
                elif r and (r["on_time"] is False or r["valid"] is False):
                    fmt = f.late
                put(ws, row, 2 + i, state, fmt)
            for j, n in enumerate((late, invalid, missing)):
                ws.write_number(row, 2 + len(periods) + j, n, f.integer)
            row += 1
        self._page(ws, "Timeliness", narrow=len(headers) <= 16, first_cols=2)

    def _long(self, ws: Any, name: str, key: str, note: str) -> None:
        rows = self.h.tables[key]
        columns = COLUMNS[key]
        f = self.f
        self._title(ws, f"{name} — {self.h.region}, {self._span()}", note)
        table = f"tbl{name.replace(' ', '').replace('-', '')}"
        self._table(ws, table, [h for _, h, _ in columns], 1)
        for c, (col, _, kind) in enumerate(columns):
            ws.set_column(c, c, _WIDE_TEXT.get(col, _WIDTHS[kind]))
        names = [c for c, _, _ in columns]
        base = [style_index({"date": f.date, "number": f.number, "integer": f.integer}.get(
            kind, f.line)) for _, _, kind in columns]
        coloured = {k: style_index(v) for k, v in {**f.rating, **f.rag}.items()}
        text_cols = [c for c, (_, _, kind) in enumerate(columns) if kind == "text"]

        def lines() -> Iterator[str]:
            rw = RowWriter(len(columns))
            styles = list(base)
            for n, r in enumerate(rows, start=HEADER_ROW + 2):
                values = [r.get(col) for col in names]
                for c, v in enumerate(values):
                    if isinstance(v, bool):
                        values[c] = "Yes" if v else "No"
                for c in text_cols:
                    v = values[c]
                    styles[c] = coloured.get(v, base[c]) if isinstance(v, str) else base[c]
                yield rw.row(n, values, styles)

        self.big.append(BigSheet(ws.name, HEADER_ROW + 2, len(columns), lines, len(rows),
                                 table=table))
        self._page(ws, name, narrow=sum(_WIDE_TEXT.get(c, _WIDTHS[k]) for c, _, k in columns)
                   <= 150, first_cols=2)


def write_trends(history: History, path: str | Path,
                 inputs: Sequence[str | Path] = ()) -> Path:
    """Write the trends workbook to `path` (atomically, never over one of `inputs`)."""
    target = Path(path)
    with atomic_output(target, refuse=tuple(inputs)) as tmp:
        TrendsWriter(history).write(tmp)
    return target
