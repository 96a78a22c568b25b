"""Writes the workbook each partnership fills in, entirely from the schemas and the region.

Layout of every data sheet (rows are 1-based, as a partner sees them):
  1 title · 2 what the sheet is for · 3 Required / Optional above each column ·
  4 header row of an Excel Table · 5… data rows (prefilled rows first, then empty ones).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .data import load_json
from .layout import (
    ABOUT_ROW,
    FIRST_DATA_ROW,
    GUIDANCE_SHEET,
    HEADER_ROW,
    LISTS_SHEET,
    MARK_ROW,
    META_SHEET,
    PRODUCT,
    TITLE_ROW,
)
from .model import col_letter
from .region import Lsp, Region
from .schemas import Field, SheetSpec, schema_version, sheets
from .text import id_key
from .xlsxout import RAG_COLOURS, atomic_output, fit_row, new_workbook, put

_TYPE_HINTS = {"date": "date", "integer": "whole number", "number": "number"}

# The Guidance sheet's fixed words; the lines made from the region and the schemas are made
# in `_guidance`.
_GUIDANCE = load_json("guidance.json")
GUIDE_WIDTHS = (26, 95)  # the Guidance sheet's two columns, in characters
LINE_HEIGHT = 13  # points: one line of 10 pt Arial, with its spacing


@dataclass
class Prefill:
    """Rows carried into a template from the previous round, by sheet key.

    Each row is a dict of field name → value (dates as `date`).  Baseline fields of these
    rows are locked in the template; everything else stays open to update.
    """

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class DropdownLists:
    """The hidden sheet of dropdown lists: each list in a column of its own, under a defined
    name the data validations refer to; the same list is written once."""

    def __init__(self, wb: Any, ws: Any) -> None:
        self.wb, self.ws = wb, ws
        self.columns: dict[tuple[str, ...], str] = {}
        self.used = 0  # columns taken so far

    def next_column(self) -> int:
        """A column of its own, for a list written some other way."""
        self.used += 1
        return self.used - 1

    def add(self, name: str, values: tuple[str, ...]) -> str:
        """The defined name of the list `values` (written as `name` if it is new)."""
        if values in self.columns:
            return self.columns[values]
        col = self.next_column()
        self.ws.write_string(0, col, name)
        for i, v in enumerate(values, start=1):
            self.ws.write_string(i, col, v)
        letter = col_letter(col)
        self.wb.define_name(name, f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}")
        self.columns[values] = name
        return name


def generated_at() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so builds can be reproduced exactly."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).replace(tzinfo=None)
    return datetime.now().replace(microsecond=0)


class _Formats:
    """The template's cell formats, made once per workbook."""

    def __init__(self, wb: Any) -> None:
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "font_color": "#1F4E79"})
        self.about = wb.add_format({**base, "italic": True, "font_color": "#404040"})
        self.required = wb.add_format({**base, "bold": True, "font_color": "#C00000",
                                       "font_size": 8, "align": "center"})
        self.optional = wb.add_format({**base, "font_color": "#808080", "font_size": 8,
                                       "align": "center"})
        self.header_req = wb.add_format({**base, "bold": True, "text_wrap": True,
                                         "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                         "border": 1})
        self.header_opt = wb.add_format({**base, "bold": True, "text_wrap": True,
                                         "bg_color": "#DDEBF7", "border": 1})
        self.h1 = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": "#1F4E79"})
        self.h2 = wb.add_format({**base, "bold": True, "font_size": 12, "font_color": "#1F4E79"})
        self.para = wb.add_format({**base, "text_wrap": True})
        self.bold = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.rag = {k: wb.add_format({**base, "bold": True, "bg_color": v, "border": 1})
                    for k, v in RAG_COLOURS.items()}
        self.rag_cf = {k: wb.add_format({"bg_color": v}) for k, v in RAG_COLOURS.items()}
        self.locked_text = wb.add_format({**base, "text_wrap": True, "bg_color": "#EDEDED"})
        self._cells: dict[tuple[str | None, bool], Any] = {}
        self._wb = wb
        self._base = base

    def cell(self, f: Field, locked: bool) -> Any:
        """The format of a data cell of field `f`: open for input, or locked and grey."""
        key = (self._number_format(f), locked)
        if key not in self._cells:
            props: dict[str, Any] = {**self._base, "locked": locked, "border": 1,
                                     "border_color": "#BFBFBF"}
            if key[0]:
                props["num_format"] = key[0]
            else:
                props["text_wrap"] = True
            if locked:
                props["bg_color"] = "#EDEDED"
            self._cells[key] = self._wb.add_format(props)
        return self._cells[key]

    @staticmethod
    def _number_format(f: Field) -> str | None:
        if f.number_format:
            return f.number_format
        if f.is_date:
            return "dd/mm/yyyy"
        if f.kind == "integer":
            return "0"
        return None


def _title(text: str) -> str:
    """A validation title: Excel refuses one over 32 characters, so cut it at a word."""
    if len(text) <= 32:
        return text
    cut = text[:31]
    if text[31] != " " and " " in cut:  # the cut falls inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _input_message(f: Field) -> tuple[str, str]:
    title = _title(f.header)
    msg = f.input_message
    if f.required:
        msg += " Required."
    return title, msg[:255]


def _validation(f: Field, list_names: dict[str, str]) -> dict[str, Any]:
    """The data validation for a field's input cells, from its schema."""
    title, message = _input_message(f)
    dv: dict[str, Any] = {"input_title": title, "input_message": message,
                          "error_title": _title(f"Check {f.header}")}
    what = f.hint or _TYPE_HINTS.get(f.kind, "text")
    if f.name in list_names:
        dv.update(validate="list", source=f"={list_names[f.name]}")
        if f.refs:
            dv["error_type"] = "warning"  # an ID may be typed before its row exists
            dv["error_message"] = f"Enter {what}: the dropdown lists them."[:255]
        else:
            dv["error_message"] = f"Choose {what} from the dropdown."[:255]
    elif f.is_date:
        dv.update(validate="date", criteria="between",
                  minimum=datetime.combine(f.date_min or date(2000, 1, 1), datetime.min.time()),
                  maximum=datetime.combine(f.date_max or date(2030, 12, 31),
                                           datetime.min.time()),
                  error_type="warning",
                  error_message=f"Enter {what}.")
    elif f.is_numeric:
        dv["validate"] = "integer" if f.kind == "integer" else "decimal"
        if f.minimum is not None and f.maximum is not None:
            dv.update(criteria="between", minimum=f.minimum, maximum=f.maximum)
        elif f.minimum is not None:
            dv.update(criteria=">=", value=f.minimum)
        elif f.maximum is not None:
            dv.update(criteria="<=", value=f.maximum)
        else:
            dv.update(criteria="between", minimum=-1e12, maximum=1e12)
        dv["error_message"] = f"Enter {what}."
    elif f.max_length:
        dv.update(validate="length", criteria="<=", value=f.max_length, error_type="warning",
                  error_message=f"{f.header} holds at most {f.max_length:,} characters.")
    else:
        dv["validate"] = "any"
    return dv


class TemplateBuilder:
    """Builds one return workbook.  `build()` is the only entry point."""

    def __init__(self, region: Region | None, lsp: Lsp | None, prefill: Prefill | None = None,
                 when: datetime | None = None) -> None:
        self.region = region or Region(lsps=())
        self.lsp = lsp
        self.prefill = prefill or Prefill()
        self.when = when or generated_at()
        self.specs = sheets()
        self._defined: set[str] = set()

    # -- the workbook ---------------------------------------------------------------------

    def build(self, path: Path) -> None:
        wb = new_workbook(path, created=self.when, title=self._title())
        self.fmt = _Formats(wb)
        self._guidance(wb.add_worksheet(GUIDANCE_SHEET))
        data_ws = {s.key: wb.add_worksheet(s.name) for s in self.specs}
        lists_ws = wb.add_worksheet(LISTS_SHEET)
        meta_ws = wb.add_worksheet(META_SHEET)
        self.row_counts = {s.key: self._row_count(s) for s in self.specs}
        list_names = self._lists(wb, lists_ws)
        for spec in self.specs:
            self._data_sheet(data_ws[spec.key], spec, list_names.get(spec.key, {}))
        self._meta(meta_ws)
        for ws in (lists_ws, meta_ws):
            ws.hide()
            ws.protect()
        wb.close()

    def _title(self) -> str:
        who = self.lsp.name if self.lsp else "Blank template"
        return f"LAA delivery return {self.region.period} — {who}"

    def _row_count(self, spec: SheetSpec) -> int:
        if spec.key == "assurance":
            return len(self.region.questions)
        return len(self.prefill.rows.get(spec.key, [])) + spec.template_rows

    def _range(self, spec: SheetSpec, col: int) -> str:
        """Absolute reference to a column's data cells, for names and list sources."""
        first = FIRST_DATA_ROW + 1
        last = FIRST_DATA_ROW + self.row_counts[spec.key]
        letter = col_letter(col)
        return f"'{spec.name}'!${letter}${first}:${letter}${last}"

    # -- hidden sheets --------------------------------------------------------------------

    def _meta(self, ws: Any) -> None:
        """The template's identity, read back by the validator."""
        items = [
            ("product", PRODUCT),
            ("schema_version", schema_version()),
            ("lsp_code", self.lsp.code if self.lsp else ""),
            ("lsp_name", self.lsp.name if self.lsp else ""),
            ("region", self.region.region),
            ("period", str(self.region.period)),
            ("deadline", self.region.due.isoformat()),
            ("generated_at", self.when.isoformat(timespec="seconds")),
            ("tool_version", __version__),
        ]
        ws.write_string(0, 0, "key")
        ws.write_string(0, 1, "value")
        for i, (k, v) in enumerate(items, start=1):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)

    def _lists(self, wb: Any, ws: Any) -> dict[str, dict[str, str]]:
        """Write every dropdown list to the hidden sheet; name each range.

        Returns sheet key → field name → defined name of its list.
        """
        by_sheet: dict[str, dict[str, str]] = {}
        lists = DropdownLists(wb, ws)
        add = lists.add

        spec_by_key = {s.key: s for s in self.specs}
        for spec in self.specs:
            names: dict[str, str] = {}
            for f in spec.fields:
                if f.enum:
                    names[f.name] = add("list_rag" if f.rag else f"list_{spec.key}_{f.name}", f.enum)
                elif f.list_name == "themes":
                    names[f.name] = add("list_themes", self.region.themes)
                elif len(f.refs) == 1:
                    ref_sheet, ref_field = f.refs[0].split(".")
                    target = spec_by_key[ref_sheet]
                    rng = self._range(target, [x.name for x in target.fields].index(ref_field))
                    names[f.name] = self._define_once(wb, f"ids_{ref_sheet}", f"={rng}")
                elif len(f.refs) > 1:
                    name = "ids_" + "_".join(r.split(".")[0] for r in f.refs)
                    if name not in self._defined:
                        self._union_list(wb, ws, name, f.refs, spec_by_key,
                                         lists.next_column())
                    names[f.name] = name
            by_sheet[spec.key] = names
        return by_sheet

    def _define_once(self, wb: Any, name: str, formula: str) -> str:
        if name not in self._defined:
            wb.define_name(name, formula)
            self._defined.add(name)
        return name

    def _union_list(self, wb: Any, ws: Any, name: str, refs: tuple[str, ...],
                    spec_by_key: dict[str, SheetSpec], col: int) -> None:
        """A list column that mirrors the IDs of several sheets (outcomes then actions)."""
        ws.write_string(0, col, name)
        out_row = 1
        for ref in refs:
            ref_sheet, ref_field = ref.split(".")
            target = spec_by_key[ref_sheet]
            src_col = col_letter([x.name for x in target.fields].index(ref_field))
            prefilled = self.prefill.rows.get(ref_sheet, [])
            for i in range(self.row_counts[ref_sheet]):
                src = f"'{target.name}'!{src_col}{FIRST_DATA_ROW + 1 + i}"
                cached = str(prefilled[i].get(ref_field, "")) if i < len(prefilled) else ""
                ws.write_formula(out_row, col, f'=IF({src}="","",{src})', None, cached)
                out_row += 1
        letter = col_letter(col)
        self._define_once(wb, name, f"='{LISTS_SHEET}'!${letter}$2:${letter}${out_row}")

    # -- data sheets ----------------------------------------------------------------------

    def _data_sheet(self, ws: Any, spec: SheetSpec, list_names: dict[str, str]) -> None:
        fmt = self.fmt
        if spec.tab_color:
            ws.set_tab_color(spec.tab_color)
        who = f" — {self.lsp.name}" if self.lsp else ""
        ws.write_string(TITLE_ROW, 0, f"{spec.title}{who} — {self.region.period}", fmt.title)
        ws.write_string(ABOUT_ROW, 0, spec.description + " Click any header or cell to see "
                        "what to enter.", fmt.about)
        ws.set_row(HEADER_ROW, 45)
        nrows = self.row_counts[spec.key]
        last = HEADER_ROW + max(nrows, 1)
        columns = []
        for c, f in enumerate(spec.fields):
            ws.set_column(c, c, f.width)
            ws.write_string(MARK_ROW, c, "Required" if f.required else
                            ("Worked out" if f.formula else "Optional"),
                            fmt.required if f.required else fmt.optional)
            columns.append({"header": f.header,
                            "header_format": fmt.header_req if f.required else fmt.header_opt})
        ws.add_table(HEADER_ROW, 0, last, len(spec.fields) - 1, {
            "name": f"tbl{spec.name}", "columns": columns, "style": "Table Style Light 1",
            "autofilter": True,
        })
        rows = self._rows(spec)
        for i in range(nrows):
            r = FIRST_DATA_ROW + i
            values = rows[i] if i < len(rows) else {}
            prefilled = i < len(rows)
            if prefilled:  # as tall as its wrapped text, so that it prints whole
                fit_row(ws, r, ((values.get(f.name), f.width) for f in spec.fields
                                if not f.number_format))
            for c, f in enumerate(spec.fields):
                locked = f.locked or f.formula is not None or (prefilled and f.baseline
                                                                and values.get(f.name) is not None)
                cell_fmt = fmt.cell(f, locked)
                if f.formula:
                    ws.write_formula(r, c, self._formula(spec, f, r), cell_fmt, "")
                else:
                    put(ws, r, c, values.get(f.name), cell_fmt)
        for c, f in enumerate(spec.fields):
            if f.formula or f.locked:
                continue
            ws.data_validation(FIRST_DATA_ROW, c, last, c, _validation(f, list_names))
        for c, f in enumerate(spec.fields):  # a header explains its column when clicked
            title, message = _input_message(f)
            ws.data_validation(HEADER_ROW, c, HEADER_ROW, c, {
                "validate": "any", "input_title": title, "input_message": message})
            if f.rag:
                for rag, cf in fmt.rag_cf.items():
                    ws.conditional_format(FIRST_DATA_ROW, c, last, c, {
                        "type": "cell", "criteria": "==", "value": f'"{rag}"', "format": cf})
        ws.freeze_panes(FIRST_DATA_ROW, 1)
        # A4 landscape at 80 % (10 pt text prints at 8 pt): the columns run across pages with
        # the ID column and header row repeated, and the rows filled in and a few empty ones
        # print, not every empty row of the table.
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_print_scale(80)
        ws.repeat_rows(HEADER_ROW)
        ws.repeat_columns(0, 0)
        ws.print_area(0, 0, min(last, FIRST_DATA_ROW + max(len(rows) + 5, 15) - 1),
                      len(spec.fields) - 1)
        ws.set_footer(f"&L{self._footer_who()}&C&A&RPage &P of &N")
        ws.protect("", {"autofilter": True, "sort": True, "format_columns": True,
                        "format_rows": True, "insert_rows": True, "delete_rows": True})

    def _rows(self, spec: SheetSpec) -> list[dict[str, Any]]:
        if spec.key == "assurance":
            previous = {id_key(r["question_id"]): r for r in self.prefill.rows.get("assurance", [])
                        if r.get("question_id") is not None}
            out = []
            for q in self.region.questions:
                row = {k: v for k, v in previous.get(id_key(q.id), {}).items()
                       if k in ("rating", "evidence", "improvement")}
                out.append({**row, "question_id": q.id, "area": q.area, "question": q.question})
            return out
        return self.prefill.rows.get(spec.key, [])

    @staticmethod
    def _formula(spec: SheetSpec, f: Field, row: int) -> str:
        """A field's formula (such as ``likelihood*impact``) for one worksheet row."""
        names = [x.name for x in spec.fields]
        operands = f.formula.split("*") if f.formula else []
        refs = [f"{col_letter(names.index(n))}{row + 1}" for n in operands]
        checks = ",".join(f"ISNUMBER({x})" for x in refs)
        return f'=IF(AND({checks}),{"*".join(refs)},"")'

    def _footer_who(self) -> str:
        """Whose return and which period a printed page is, for its footer (`&` doubled: it
        starts a footer code)."""
        who = self.lsp.name if self.lsp else "LAA delivery return"
        period = f", {self.region.period}" if getattr(self.region, "period", None) else ""
        return f"{who}{period}".replace("&", "&&")

    # -- guidance -------------------------------------------------------------------------

    def _guidance(self, ws: Any) -> None:
        fmt = self.fmt
        reg = self.region
        ws.set_column(0, 0, GUIDE_WIDTHS[0])
        ws.set_column(1, 1, GUIDE_WIDTHS[1])
        ws.hide_gridlines(2)
        ws.set_tab_color("#404040")
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_footer(f"&L{self._footer_who()}&C&A&RPage &P of &N")
        r = 0

        def line(a: str, b: str = "", fa: Any = None, fb: Any = None) -> None:
            nonlocal r
            ws.write_string(r, 0, a, fa or fmt.bold)
            if b:
                ws.write_string(r, 1, b, fb or fmt.para)
            lines = max(wrapped_lines(a, GUIDE_WIDTHS[0]), wrapped_lines(b, GUIDE_WIDTHS[1]))
            if lines > 1:
                ws.set_row(r, LINE_HEIGHT * lines)
            r += 1

        def heading(text: str) -> None:
            nonlocal r
            r += 1
            ws.write_string(r, 0, text, fmt.h2)
            r += 1

        who = self.lsp.name if self.lsp else "(your partnership)"
        ws.write_string(r, 0, f"LAA delivery return — {reg.period}", fmt.h1)
        r += 2
        line("Partnership", who)
        line("Region", f"{reg.region} ({reg.go_name})")
        line("Period", f"{reg.period} (quarter ending {reg.period.end:%d %B %Y})")
        line("Return by", f"{reg.due:%A %d %B %Y}")
        contact = ", ".join(x for x in (reg.contact_name, reg.contact_email, reg.contact_phone)
                            if x) or f"your {reg.go_name} locality manager"
        line("Questions to", contact)

        words = _GUIDANCE
        heading(words["fill_in"]["heading"])
        for i, s in enumerate(words["fill_in"]["steps"], start=1):
            line(f"Step {i}", s)

        heading(words["sheets"]["heading"])
        for spec in self.specs:
            line(spec.name, spec.description)

        rag = words["rag"]
        heading(rag["heading"])
        for k in ("Green", "Amber", "Red"):
            line(k, rag["levels"][k], fmt.rag[k])
        line(*rag["closed"])

        heading(words["appraisal"]["heading"])
        outcomes = next(s for s in self.specs if s.key == "outcomes")
        for name in ("right_things", "enough", "long_enough"):
            f = outcomes.field(name)
            line(f.header, f.input_message)

        heading(words["order_budget"]["heading"])
        actions = next(s for s in self.specs if s.key == "actions")
        line(*words["order_budget"]["lines"][0])
        for keyword in ("x-predecessors", "x-spent", "x-outturn"):
            added = actions.role(keyword)
            if added is not None:
                line(added.header, added.input_message)

        heading(words["recovery"]["heading"])
        for label, text in words["recovery"]["lines"]:
            line(label, text)

        returning = words["returning"]
        heading(returning["heading"])
        line(*returning["save"])
        line("Send", f"Email it to {reg.contact_email or 'your Government Office contact'} "
             f"by {reg.due:%d %B %Y}.")
        line(*returning["feedback"])
        ws.protect()


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes, word-wrapped in a column `width` characters wide.

    A row whose height is not set grows to fit its wrapped text in Excel, but not when
    LibreOffice prints or converts a workbook without a window: its lines then print over the
    next row's.  So rows of wrapped text get a height, from this (slightly generous) estimate:
    a column `width` wide holds about 1.2 × `width` characters of 10 pt Arial.
    """
    per_line = max(int(width * 1.2), 1)
    lines, used = 1, 0
    for word in text.split():
        need = len(word) if used == 0 else used + 1 + len(word)
        if need <= per_line:
            used = need
        else:
            lines += 1
            used = len(word)
    return lines


def build_template(path: str | Path, region: Region | None, lsp: Lsp | None = None,
                   prefill: Prefill | None = None, when: datetime | None = None) -> Path:
    """Write one return workbook to `path` (atomically) and return the path."""
    target = Path(path)
    with atomic_output(target) as tmp:
        TemplateBuilder(region, lsp, prefill, when).build(tmp)
    return target


def template_name(region: Region, lsp: Lsp) -> str:
    """The file name of an LSP's workbook: ``LAA-return-2009-10-Q2-ANY.xlsx``."""
    period = str(region.period).replace("/", "-").replace(" ", "-")
    return f"LAA-return-{period}-{lsp.code}.xlsx"
