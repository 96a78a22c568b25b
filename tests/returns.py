"""Builds return workbooks for tests from small tables written inside the test.

A test names only what it is about::

    path = build_return(tmp_path / "r.xlsx", {
        "actions": '''
            | Action ID | Outcome ID | Start date | Due date (baseline) | RAG    |
            | A-01      | O-01       | 2009-04-01 | 2009-03-01          | Gren   |
        ''',
    })

Each table replaces that sheet's rows of a small return that is valid as it stands
(`VALID`); every row of a table starts as a copy of that sheet's valid row, so a table
holds just the fields it is about (a blank cell in the table empties the field).  A table
is a markdown table or a list of dicts, keyed by field name or by the header text a partner
sees.  In a markdown table, a blank cell is
empty, an ISO date (2010-03-31) is a date, a plain number is a number, and anything else is
text; put a value in double quotes ("2010-03-31", "85") to type it as text.  In a list of
dicts values are written as they are: a str as text, a `date` as a date, a number as a number.

The workbook is the real template (`laa_xl.template`), with fewer empty rows so tests stay
quick.  `mutations` then change it as a partner would, with openpyxl: rename or hide a
sheet, rename, move, delete or duplicate a column, push the header row down, type into a
cell, delete a row.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from laa_xl.region import Region, load_region
from laa_xl.schemas import SheetSpec, sheet, sheets
from laa_xl.template import Prefill, TemplateBuilder, build_template

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REGION = load_region(REPO_ROOT / "samples" / "region.toml")
HEADER_ROW = 4  # as a partner sees it; data starts on row 5
FIRST_DATA_ROW = HEADER_ROW + 1

Table = str | list[dict[str, Any]]
Mutation = Callable[[Any], None]

# A small return that passes every check against the sample region: one outcome with one
# Green action and one milestone inside the action's dates, every assurance question
# answered, one risk.  Tests start from it and change only what they are about.
VALID: dict[str, list[dict[str, Any]]] = {
    "outcomes": [{
        "outcome_id": "O-01", "indicator": "NI 117", "title": "Fewer young people NEET",
        "theme": "Children and young people", "lead_partner": "Anycity Council",
        "lead_officer": "Jo Bloggs", "polarity": "Lower", "unit": "%",
        "baseline_value": 8.5, "baseline_period": "2007/08", "target_2008_09": 8,
        "target_2009_10": 7.5, "target_2010_11": 7, "latest_value": 7.9,
        "latest_period": "Q1 2009/10", "current_position": "Slightly ahead of plan.",
        "challenge": "Reach the hardest to help.", "options_appraised": "Three options.",
        "right_things": "Yes", "enough": "Partly", "long_enough": "Yes", "confidence": "Green",
    }],
    "actions": [{
        "action_id": "A-01", "outcome_id": "O-01", "description": "Mentoring scheme",
        "lead_agency": "Connexions", "lead_officer": "Sam Lee", "cost": 12500,
        "resources": "Area Based Grant", "start_date": date(2009, 4, 1),
        "due_date": date(2010, 3, 31), "status": "In progress", "percent_complete": 40,
        "rag": "Green", "progress": "Forty mentors recruited.",
    }],
    "milestones": [{
        "milestone_id": "M-001", "action_id": "A-01", "description": "Mentors recruited",
        "baseline_date": date(2009, 9, 1), "status": "On track",
    }],
    "assurance": [{"question_id": q.id, "rating": "Adequate", "evidence": f"Evidence for {q.id}"}
                  for q in SAMPLE_REGION.questions],
    "risks": [{
        "risk_id": "R-01", "linked_to": "O-01", "description": "Funding is cut",
        "likelihood": 2, "impact": 4, "owner": "Jo Bloggs", "status": "Open",
    }],
    "recovery": [],
}


# --------------------------------------------------------------------------------------
# Tables


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUM = re.compile(r"^-?\d+(\.\d+)?$")


def _cell(text: str) -> Any:
    t = text.strip()
    if t == "":
        return None
    if len(t) >= 2 and t.startswith('"') and t.endswith('"'):
        return t[1:-1]
    if _ISO.match(t):
        return date.fromisoformat(t)
    if _NUM.match(t):
        return float(t) if "." in t else int(t)
    return t


def parse_table(text: str) -> list[dict[str, Any]]:
    """A markdown table as a list of dicts; blank cells are None (left empty)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    rows = [[c for c in ln.strip("|").split("|")] for ln in lines
            if not re.fullmatch(r"\|?[\s:|-]+\|?", ln)]
    header = [h.strip() for h in rows[0]]
    out = []
    for cells in rows[1:]:
        if len(cells) != len(header):
            raise ValueError(f"row {cells} has {len(cells)} cells for {len(header)} headers")
        out.append({h: _cell(c) for h, c in zip(header, cells, strict=True)})
    return out


def spec_for(name: str) -> SheetSpec:
    """A sheet's spec by its key (``actions``) or its name (``Actions``)."""
    for s in sheets():
        if name.casefold() in (s.key, s.name.casefold()):
            return s
    raise KeyError(name)


def field_name(spec: SheetSpec, key: str) -> str:
    """A field's name from its name or its header text."""
    for f in spec.fields:
        if key.casefold() in (f.name.casefold(), f.header.casefold()):
            return f.name
    raise KeyError(f"{spec.name} has no field {key!r}")


def rows_of(spec: SheetSpec, table: Table) -> list[dict[str, Any]]:
    items = parse_table(table) if isinstance(table, str) else table
    return [{field_name(spec, k): v for k, v in item.items()} for item in items]


def merged_rows(tables: Mapping[str, Table] | None, base: bool = True
                ) -> dict[str, list[dict[str, Any]]]:
    """The rows of every sheet: `tables` laid over `VALID` (row by row), or alone."""
    out = {k: [dict(r) for r in v] for k, v in VALID.items()} if base else \
        {s.key: [] for s in sheets()}
    for name, table in (tables or {}).items():
        spec = spec_for(name)
        given = rows_of(spec, table)
        if spec.key == "assurance" and base:
            # Assurance rows are the region's questions: a table changes the answers of the
            # questions it names and leaves the others answered.
            by_id = {r["question_id"]: r for r in out["assurance"]}
            for row in given:
                by_id.setdefault(row["question_id"], {}).update(row)
            out["assurance"] = list(by_id.values())
            continue
        default = VALID[spec.key][0] if base and VALID[spec.key] else {}
        out[spec.key] = [{**default, **row} for row in given]
    return out


# --------------------------------------------------------------------------------------
# Workbooks


def build_return(path: str | Path, tables: Mapping[str, Table] | None = None, *,
                 base: bool = True, region: Region | None = SAMPLE_REGION,
                 lsp: str | None = "ANY", mutations: Iterable[Mutation] = (),
                 spare_rows: int | None = 2) -> Path:
    """Write a return workbook at `path` and return the path.

    `spare_rows` is how many empty table rows follow the filled ones (None: as many as the
    real template has, which is slower to write and read).
    """
    path = Path(path)
    region = region or SAMPLE_REGION
    rows = merged_rows(tables, base)
    prefill = Prefill({k: v for k, v in rows.items() if k != "assurance"} |
                      {"assurance": rows["assurance"]})
    who = region.lsp(lsp) if lsp else None
    if spare_rows is None:
        build_template(path, region, who, prefill)
    else:
        builder = TemplateBuilder(region, who, prefill)
        builder.specs = tuple(dataclasses.replace(s, template_rows=spare_rows) for s in sheets())
        builder.build(path)
    extra = _extra_assurance(rows["assurance"], region)
    mutations = list(mutations)
    if extra:
        mutations.insert(0, _append_rows("Assurance", extra))
    if mutations:
        mutate(path, *mutations)
    return path


def _extra_assurance(rows: list[dict[str, Any]], region: Region) -> list[dict[str, Any]]:
    """Assurance rows for questions the region does not ask (the template leaves them out)."""
    known = {q.id for q in region.questions}
    return [r for r in rows if r.get("question_id") not in known]


def mutate(path: str | Path, *mutations: Mutation, out: str | Path | None = None) -> Path:
    """Apply `mutations` to the workbook with openpyxl and save it (to `out`, or in place)."""
    wb = openpyxl.load_workbook(path)
    for m in mutations:
        m(wb)
    target = Path(out or path)
    wb.save(target)
    return target


def header_col(ws: Any, header: str, row: int = HEADER_ROW) -> int:
    """The 1-based column of a header on the header row."""
    for cell in ws[row]:
        if isinstance(cell.value, str) and cell.value.strip() == header:
            return cell.column
    raise KeyError(f"{ws.title} has no header {header!r} on row {row}")


def _unprotect(ws: Any) -> None:
    ws.protection.sheet = False


def _drop_tables(ws: Any) -> None:
    # A table whose header no longer matches its cells makes Excel repair the file; a
    # partner who restructures a sheet has usually broken the table, so drop it.
    for name in list(ws.tables):
        del ws.tables[name]


def rename_sheet(old: str, new: str) -> Mutation:
    def apply(wb: Any) -> None:
        wb[old].title = new
    return apply


def hide_sheet(name: str) -> Mutation:
    def apply(wb: Any) -> None:
        wb[name].sheet_state = "hidden"
    return apply


def delete_sheet(name: str) -> Mutation:
    def apply(wb: Any) -> None:
        del wb[name]
    return apply


def rename_column(sheet_name: str, header: str, new: str) -> Mutation:
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        _drop_tables(ws)
        ws.cell(HEADER_ROW, header_col(ws, header)).value = new
    return apply


def delete_column(sheet_name: str, header: str) -> Mutation:
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        _drop_tables(ws)
        ws.delete_cols(header_col(ws, header))
    return apply


def duplicate_column(sheet_name: str, header: str) -> Mutation:
    """Copy a column, header and values, to the first empty column on the right."""
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        _drop_tables(ws)
        src = header_col(ws, header)
        dst = ws.max_column + 1
        for r in range(HEADER_ROW, ws.max_row + 1):
            ws.cell(r, dst).value = ws.cell(r, src).value
    return apply


def move_column(sheet_name: str, header: str, before: str | None = None) -> Mutation:
    """Cut a column and insert it before another header (or at the end), as in Excel."""
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        _drop_tables(ws)
        src = header_col(ws, header)
        values = [ws.cell(r, src).value for r in range(1, ws.max_row + 1)]
        ws.delete_cols(src)
        dst = header_col(ws, before) if before else ws.max_column + 1
        ws.insert_cols(dst)
        for r, v in enumerate(values, start=1):
            ws.cell(r, dst).value = v
    return apply


def push_header_down(sheet_name: str, rows: int) -> Mutation:
    """Insert blank rows above the title, moving the header row and data down."""
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        _drop_tables(ws)
        ws.insert_rows(1, rows)
    return apply


def type_into(sheet_name: str, ref: str, value: Any, number_format: str | None = None
              ) -> Mutation:
    """Type a value into a cell as Excel stores it: text stays text even if it starts with =.

    `number_format` replaces the cell's format ("General" makes a date cell show a number).
    """
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        cell = ws[ref]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
        elif isinstance(value, (date, datetime)):
            cell.number_format = "dd/mm/yyyy"
        if number_format is not None:
            cell.number_format = number_format
    return apply


def formula_into(sheet_name: str, ref: str, formula: str) -> Mutation:
    """A formula, saved (as openpyxl saves) with no calculated value."""
    def apply(wb: Any) -> None:
        wb[sheet_name][ref] = formula
    return apply


def delete_row(sheet_name: str, row: int) -> Mutation:
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        _drop_tables(ws)
        ws.delete_rows(row)
    return apply


def _append_rows(sheet_name: str, rows: list[dict[str, Any]]) -> Mutation:
    def apply(wb: Any) -> None:
        ws = wb[sheet_name]
        spec = spec_for(sheet_name)
        r = FIRST_DATA_ROW
        while ws.cell(r, 1).value not in (None, ""):
            r += 1
        for row in rows:
            for name, value in row.items():
                col = [f.name for f in spec.fields].index(name) + 1
                type_into(sheet_name, f"{get_column_letter(col)}{r}", value)(wb)
            r += 1
    return apply


def cell_ref(sheet_key: str, name: str, row: int) -> str:
    """Where a field of the `row`-th data row (1 = first) is in an untouched template."""
    spec = sheet(sheet_key)
    col = [f.name for f in spec.fields].index(name) + 1
    return f"{get_column_letter(col)}{FIRST_DATA_ROW + row - 1}"


# --------------------------------------------------------------------------------------
# Editing the XML inside the zip, for what no spreadsheet program would write


def sheet_part(path: str | Path, sheet_name: str) -> str:
    """The zip member holding a sheet's XML, found through workbook.xml and its rels."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    m = re.search(rf'<sheet [^>]*name="{re.escape(sheet_name)}"[^>]*r:id="(rId\d+)"', wb)
    assert m, f"no sheet {sheet_name}"
    rid = m.group(1)
    t = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    assert t
    target = t.group(1) or t.group(2)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def rewrite_parts(path: str | Path, edits: Mapping[str, Callable[[bytes], bytes]],
                  out: str | Path | None = None) -> Path:
    """Copy the zip, passing the named members through an edit function."""
    src = Path(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    target = Path(out or path)
    target.write_bytes(buf.getvalue())
    return target


def flat(report: Any) -> list[tuple[str, str, str]]:
    """A report's issues as (sheet, cell, code), in report order."""
    return [(i.sheet, i.cell, i.code) for i in report.sorted_issues()]
