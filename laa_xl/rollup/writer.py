"""The roll-up's frame: formats, titles and tables that every sheet uses, and the write itself.

xlsxwriter writes the workbook's frame: the small sheets, and the titles, headers, Tables and
formats of the big ones.  The big sheets' rows (data sheets, Slipping, Issues, Timeline) are
then streamed into it by `sheetrows`, several times quicker than xlsxwriter's per-cell path,
and without holding them in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, WriteError
from ..schemas import SheetSpec
from ..sheetrows import BigSheet, RowWriter, splice
from ..xlsxout import (
    RAG_COLOURS,
    RATING_COLOURS,
    add_table_in_constant_memory,
    atomic_output,
    is_one_of,
    new_workbook,
    scratch_folder,
)
from .consolidate import Rollup
from .layout import EXCEL_MAX_ROWS, HEADER_ROW, NOTE_ROW, TITLE_ROW
from .sheets import SHEETS


def _footer_text(text: str) -> str:
    """Text for a page footer: `&` starts a footer code, so a literal one is doubled."""
    return text.replace("&", "&&")


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


class RollupWriter:
    """Writes each sheet of `SHEETS` in order into one workbook."""

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
        sheets = [(s, wb.add_worksheet(s.name)) for s in SHEETS]
        for s, ws in sheets:
            s.write(self, ws)
            if s.hidden:
                ws.hide()
            self._page_setup(s, ws)
        wb.close()
        try:
            with open(frame, "rb") as fh:
                splice(fh, path, self.big, scratch)
        finally:
            frame.unlink(missing_ok=True)

    def _page_setup(self, s: Any, ws: Any) -> None:
        """A4 landscape, the header row on every page, and a footer saying what the page is.

        Only a sheet narrow enough to print at a readable size is fitted to one page wide;
        a wide one prints at its scale (80 %) and runs across pages, its first columns (the
        LSP and what the row is) repeated on each.
        """
        region = self.region
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.6)
        if s.repeat_header(self.r):
            ws.repeat_rows(HEADER_ROW)
        ws.set_footer(f"&L{_footer_text(region.region)}, {region.period}&C&A"
                      "&RPage &P of &N")
        if s.fit_width and not s.wide(self.r):
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(s.print_scale)
            if s.repeat_columns:
                ws.repeat_columns(0, 1)

    def _check_size(self) -> None:
        """WriteError, before anything is written, if a table would not fit in a sheet.

        XlsxWriter ignores a cell beyond the last row Excel allows, so a roll-up too big for
        a sheet would lose rows without a word; nothing lost means refusing instead.
        """
        for s in SHEETS:
            n = s.size(self.r)
            if HEADER_ROW + 1 + n > EXCEL_MAX_ROWS:
                raise WriteError(
                    f"The roll-up's {s.name} sheet would need {HEADER_ROW + 1 + n:,} rows, more "
                    f"than the {EXCEL_MAX_ROWS:,} a worksheet can hold. Consolidate the "
                    "region's returns in smaller groups.")

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
        self.f_rag_wrap = {k: wb.add_format({**base, "bg_color": v, "text_wrap": True})
                           for k, v in RAG_COLOURS.items()}
        self.f_total = wb.add_format({**base, "bold": True, "top": 1, "text_wrap": True,
                                      "num_format": "General"})
        self.f_section = wb.add_format({**base, "bold": True, "font_size": 12,
                                        "font_color": "#1F4E79"})
        self.f_head_line = wb.add_format({**base, "bold": True, "bottom": 1})
        self.f_head_wrap_line = wb.add_format({**base, "bold": True, "bottom": 1,
                                               "text_wrap": True})
        self.f_num_left = wb.add_format({**base, "num_format": "General", "align": "left"})
        self.f_int_left = wb.add_format({**base, "num_format": "0", "align": "left"})
        self.f_warn = wb.add_format({**base, "bold": True, "font_color": "#C00000",
                                     "text_wrap": True})
        self.f_rating = {k: wb.add_format({**base, "bg_color": v, "align": "center"})
                         for k, v in RATING_COLOURS.items()}
        # The GO's four-point likelihood: Green and Red as the RAG, and the two between.
        self.f_like_ag = wb.add_format({**base, "bg_color": "#C6E0B4"})
        self.f_like_ar = wb.add_format({**base, "bg_color": "#F4B183"})
        # A GO rating that differs from the partnership's own: bold, boxed in red.
        self.f_disagree = {k: wb.add_format({**base, "bg_color": v, "align": "center",
                                             "bold": True, "border": 2, "border_color": "#C00000"})
                           for k, v in RATING_COLOURS.items()}
        self.f_sev = {"high": wb.add_format({**base, "bg_color": "#FF5B5B"}),
                      "medium": wb.add_format({**base, "bg_color": "#FFC000"}),
                      "low": wb.add_format({**base, "bg_color": "#FFF2CC"})}
        self.cf_fill = {k: wb.add_format({"bg_color": v}) for k, v in
                        {**RAG_COLOURS, "base": "#5B9BD5", "slip": "#FF5B5B",
                         "early": "#70C050", "done": "#A6A6A6"}.items()}

    def fmt_for(self, spec: SheetSpec, name: str) -> Any:
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

    # -- what every sheet is made of --------------------------------------------------------

    def title(self, ws: Any, title: str, note: str) -> None:
        ws.write_string(TITLE_ROW, 0, title, self.f_title)
        ws.write_string(NOTE_ROW, 0, note, self.f_note)

    def table(self, ws: Any, name: str, headers: list[str], nrows: int,
              first_row: int = HEADER_ROW, widths: Sequence[float] = (),
              header_format: Any = None) -> None:
        """Start an Excel Table (with filters) at `first_row`: call before its rows are written."""
        add_table_in_constant_memory(ws, first_row, name, headers, nrows)
        for c, h in enumerate(headers):
            ws.write_string(first_row, c, h, header_format or self.f_bold)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.freeze_panes(first_row + 1, 0)

    def big_table(self, ws: Any, name: str | None, headers: list[str], nrows: int,
                  rows: Callable[[RowWriter], Iterator[str]],
                  widths: Sequence[float] = (), ncols: int | None = None,
                  wrap: Sequence[int] = ()) -> None:
        """A table of `nrows` rows below HEADER_ROW, written by `rows` into the closed frame.

        The frame's Table (when `name` is given) covers the header and one row (xlsxwriter
        checks a Table's range cell by cell, which costs seconds at national scale); `splice`
        widens it to the rows.  The rows are `ncols` wide, as many as the headers by default.
        Each row is made tall enough to show the text of the `wrap` columns wrapped.
        """
        if name is not None:
            self.table(ws, name, headers, 1, widths=widths)
        ncols = ncols or len(headers)
        wrapped = [(c, widths[c]) for c in wrap if c < len(widths)]
        self.big.append(BigSheet(ws.name, HEADER_ROW + 2, ncols,
                                 lambda: rows(RowWriter(ncols, wrapped)), nrows, table=name))
