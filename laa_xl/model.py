"""The shapes data takes between the stages: a row that remembers its cells, and a return."""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .schemas import REVIEW_KEYS, SHEET_KEYS


def col_letter(index: int) -> str:
    """0-based column index to Excel letters: 0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """Excel column letters to a 0-based index: A → 0, Z → 25, AA → 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int) -> str:
    """1-based row and 0-based column to an A1 reference: (12, 5) → F12."""
    return f"{col_letter(col)}{row}"


@dataclass(slots=True)
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


class PackedRows(Mapping[str, list[Row]]):
    """A return's rows kept as one pickled string per sheet, for a round too big to hold.

    Pickled, a row takes about a quarter of the memory of its objects; each lookup unpickles
    a fresh list, so whoever reads a sheet holds its rows only while using them.
    """

    def __init__(self, sheets: Mapping[str, list[Row]]) -> None:
        self._blobs = {k: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)
                       for k, v in sheets.items()}
        self._counts = {k: len(v) for k, v in sheets.items()}

    def __getitem__(self, key: str) -> list[Row]:
        rows: list[Row] = pickle.loads(self._blobs[key])
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)

    def count(self, key: str) -> int:
        return self._counts.get(key, 0)


@dataclass
class Return:
    """One partnership's return: identity, and the rows of every data sheet.

    While a return is read, `sheets` is a dict of lists to append to; `pack()` may then
    swap it for PackedRows, which reads the same but cannot be changed.
    """

    path: str
    meta: dict[str, str] = field(default_factory=dict)
    sheets: Mapping[str, list[Row]] = field(default_factory=lambda: {k: [] for k in SHEET_KEYS})
    sheet_names: dict[str, str] = field(default_factory=dict)  # key -> actual worksheet name
    sha256: str = ""
    dropped: dict[str, int] | None = None  # without_rows(): how many rows each sheet had

    @property
    def lsp_code(self) -> str:
        return self.meta.get("lsp_code", "")

    @property
    def period(self) -> str:
        return self.meta.get("period", "")

    def pack(self) -> None:
        """Keep the rows pickled (PackedRows): a quarter of the memory, read more slowly."""
        if not isinstance(self.sheets, PackedRows):
            self.sheets = PackedRows(self.sheets)

    def count(self, key: str) -> int:
        """How many rows a sheet has, without unpacking them."""
        if self.dropped is not None:
            return self.dropped.get(key, 0)
        if isinstance(self.sheets, PackedRows):
            return self.sheets.count(key)
        return len(self.sheets.get(key, ()))

    def without_rows(self) -> Return:
        """The same return with no rows (but their count): for a report that needs no more."""
        return Return(self.path, dict(self.meta), sheet_names=dict(self.sheet_names),
                      sha256=self.sha256, dropped={k: self.count(k) for k in self.sheets})

    def to_document(self) -> dict[str, Any]:
        """The return as one JSON document (docs/design.md, "The return as data"): ISO dates, no
        empty keys."""
        doc: dict[str, Any] = {"meta": dict(self.meta)}
        # A GO review's sheets are its own (review.schema.json); a return's, the return's.
        keys = REVIEW_KEYS if set(self.sheets) == set(REVIEW_KEYS) else SHEET_KEYS
        for key in keys:
            doc[key] = [{k: _jsonable(v) for k, v in r.values.items() if v is not None}
                        for r in self.sheets.get(key, [])]
        return doc


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
