"""Reduces an .xlsx to the content a person or the reader would notice, so tests compare
workbooks by what they hold and never by their bytes.

`workbook_content(path)` gives plain, comparable Python data:

- ``sheets``: every sheet's name and state (visible / hidden / veryHidden), in order;
- ``names``: the workbook's defined names and what they refer to;
- per sheet: every non-empty cell (formulas as text), the data validations, the tables,
  whether the sheet is protected, the freeze panes, the conditional-formatting ranges, and
  the number format and locking of cells, as runs down each column.

Volatile identity values are left out: the ``generated_at`` value on the hidden ``_laa_xl``
sheet is replaced by a placeholder (pass ``volatile=True`` to keep it) and document
properties are not read at all.

Spellings that differ between writers but mean the same are made one (LibreOffice writes
``Outcomes!$A$5`` where XlsxWriter writes ``'Outcomes'!$A$5``, and fills in validation
formulas and operators that the validation's type ignores), so a workbook re-saved by another
program can be compared with the original.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

META_SHEET = "_laa_xl"
VOLATILE_KEYS = ("generated_at",)
VOLATILE = "<volatile>"

# 'Sheet'!A1 -> Sheet!A1 when the name needs no quotes.
_NEEDLESS_QUOTES = re.compile(r"'([A-Za-z_][A-Za-z0-9_.]*)'!")
# A backslash before a character a number format shows literally anyway (\£ is just £).
_NEEDLESS_ESCAPE = re.compile(r"\\([^0-9A-Za-z#?.,%@*_\\\"\[\];])")
# Validation types whose operator and formula2 mean nothing.
_NO_OPERATOR = {"any", "list", "custom"}


def workbook_content(path: str | Path, *, volatile: bool = False) -> dict[str, Any]:
    """The comparable content of the workbook at `path` (see the module docstring)."""
    wb = openpyxl.load_workbook(path)  # not read-only: validations and tables need the full model
    try:
        content: dict[str, Any] = {
            "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
            "names": {name: norm_formula(dn.attr_text)
                      for name, dn in sorted(wb.defined_names.items())},
        }
        for ws in wb.worksheets:
            content[ws.title] = sheet_content(ws, volatile=volatile)
        return content
    finally:
        wb.close()


def sheet_content(ws: Any, *, volatile: bool = False) -> dict[str, Any]:
    """The comparable content of one openpyxl worksheet."""
    cells = {c.coordinate: _value(c.value)
             for row in ws.iter_rows() for c in row if c.value not in (None, "")}
    if ws.title == META_SHEET and not volatile:
        for row in ws.iter_rows(max_col=2):
            if row[0].value in VOLATILE_KEYS and len(row) > 1 and row[1].value is not None:
                cells[row[1].coordinate] = VOLATILE
    return {
        "cells": cells,
        "validations": validations(ws),
        "tables": sorted((t.name, t.ref, [c.name for c in t.tableColumns])
                         for t in ws.tables.values()),
        "protected": bool(ws.protection.sheet),
        "freeze_panes": ws.freeze_panes,
        "conditional_formats": sorted(
            (_sqref(cf.sqref), [(r.type, r.operator, [norm_formula(f) for f in r.formula or []])
                                for r in cf.rules])
            for cf in ws.conditional_formatting),
        "formats": cell_formats(ws),
    }


def validations(ws: Any) -> list[dict[str, Any]]:
    """Every data validation of a sheet as a plain dict, sorted by the cells it covers."""
    out = []
    for dv in ws.data_validations.dataValidation:
        kind = dv.type or "any"  # no type (or LibreOffice's "none") is "any value"
        operator = None if kind in _NO_OPERATOR else (dv.operator or "between")
        f1 = None if kind == "any" else _dv_formula(dv.formula1)
        f2 = _dv_formula(dv.formula2) if operator in ("between", "notBetween") else None
        out.append({
            "sqref": _sqref(dv.sqref),
            "type": kind,
            "operator": operator,
            "formula1": f1,
            "formula2": f2,
            "allow_blank": bool(dv.allow_blank),
            "prompt_title": dv.promptTitle or None,
            "prompt": dv.prompt or None,
            "show_input": bool(dv.showInputMessage),
            "error_title": dv.errorTitle or None,
            "error": dv.error or None,
            "error_style": None if kind == "any" else (dv.errorStyle or "stop"),
        })
    return sorted(out, key=lambda d: (_sort_key(d["sqref"]), d["type"]))


def cell_formats(ws: Any) -> dict[str, list[tuple[str, str, str]]]:
    """Number format and locking of every cell that is not plain (General and locked).

    Given per column as runs of rows, ``{"H": [("5:404", "dd/mm/yyyy", "unlocked")]}``, so a
    thousand formatted rows compare as one line.
    """
    out: dict[str, list[tuple[str, str, str]]] = {}
    for col in ws.iter_cols():
        runs: list[list[Any]] = []  # [first, last, number format, lock state]
        for c in col:
            fmt = norm_number_format(c.number_format)
            lock = "locked" if c.protection.locked else "unlocked"
            if fmt == "General" and lock == "locked":
                continue
            if runs and runs[-1][1] == c.row - 1 and runs[-1][2:] == [fmt, lock]:
                runs[-1][1] = c.row
            else:
                runs.append([c.row, c.row, fmt, lock])
        if runs:
            out[get_column_letter(col[0].column)] = [(f"{a}:{b}", f, k) for a, b, f, k in runs]
    return out


def norm_formula(text: Any) -> Any:
    """A formula or reference with needless sheet-name quotes removed."""
    if not isinstance(text, str):
        return text
    return _NEEDLESS_QUOTES.sub(r"\1!", text)


def _dv_formula(text: str | None) -> str | None:
    """A validation formula; a number written as 5.0 by one program and 5 by another is 5."""
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return norm_formula(text)
    return str(int(number)) if number.is_integer() else repr(number)


def norm_number_format(fmt: str | None) -> str:
    return _NEEDLESS_ESCAPE.sub(r"\1", fmt or "General")


def meta(path: str | Path) -> dict[str, Any]:
    """The key/value rows of the hidden identity sheet, volatile values included."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = wb[META_SHEET].iter_rows(min_row=2, max_col=2, values_only=True)
        return {k: v for k, v in rows if k is not None}
    finally:
        wb.close()


def differences(a: Any, b: Any, path: str = "", limit: int = 25) -> list[str]:
    """Where two contents differ, as short readable lines (at most `limit` of them)."""
    out: list[str] = []
    _diff(a, b, path, out, limit)
    return out


def _diff(a: Any, b: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            where = f"{path}/{key}" if path else str(key)
            if key not in b:
                out.append(f"{where}: only in the first ({_short(a[key])})")
            elif key not in a:
                out.append(f"{where}: only in the second ({_short(b[key])})")
            else:
                _diff(a[key], b[key], where, out, limit)
            if len(out) >= limit:
                return
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out, limit)
    elif a != b:
        out.append(f"{path}: {_short(a)} != {_short(b)}")


def _short(value: Any, width: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _value(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, str):
        return norm_formula(value) if value.startswith("=") else value
    return value


def _sqref(sqref: Any) -> str:
    return " ".join(sorted(str(sqref).split(), key=_sort_key))


def _sort_key(ref: str) -> tuple[int, int, str]:
    first = ref.split()[0]
    min_col, min_row, _, _ = range_boundaries(first)
    return (min_row or 0, min_col or 0, ref)
