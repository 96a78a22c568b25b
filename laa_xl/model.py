"""The shapes data takes between the stages: a row that remembers its cells, and a return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .schemas import SHEET_KEYS


def col_letter(index: int) -> str:
    """0-based column index to Excel letters: 0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    """1-based row and 0-based column to an A1 reference: (12, 5) → F12."""
    return f"{col_letter(col)}{row}"


@dataclass
class Row:
    """One record of a data sheet: normalised values, and where each one was found."""

    sheet: str  # sheet key, such as "actions"
    row: int  # 1-based worksheet row
    values: dict[str, Any]
    columns: dict[str, int] = field(default_factory=dict, repr=False)  # field -> 0-based col

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def cell(self, name: str) -> str:
        """The A1 reference of a field in this row, or the row's first cell if it has none."""
        col = self.columns.get(name)
        return a1(self.row, col if col is not None else 0)


@dataclass
class Return:
    """One partnership's return: identity, and the rows of every data sheet."""

    path: str
    meta: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, list[Row]] = field(default_factory=lambda: {k: [] for k in SHEET_KEYS})
    sheet_names: dict[str, str] = field(default_factory=dict)  # key -> actual worksheet name
    sha256: str = ""

    @property
    def lsp_code(self) -> str:
        return self.meta.get("lsp_code", "")

    @property
    def period(self) -> str:
        return self.meta.get("period", "")

    def without_rows(self) -> Return:
        """The same return with no rows: its identity, for a report that needs no more."""
        return Return(self.path, dict(self.meta), sheet_names=dict(self.sheet_names),
                      sha256=self.sha256)

    def to_document(self) -> dict[str, Any]:
        """The return as the JSON document of DESIGN.md §3: ISO dates, no empty keys."""
        doc: dict[str, Any] = {"meta": dict(self.meta)}
        for key in SHEET_KEYS:
            doc[key] = [{k: _jsonable(v) for k, v in r.values.items() if v is not None}
                        for r in self.sheets.get(key, [])]
        return doc


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
