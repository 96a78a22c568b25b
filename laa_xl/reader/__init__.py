"""The only package that opens a workbook.

It recognises what the file really is (`recognise`), refuses hostile or oversize files
before parsing them (`archive`, `limits`), bounds each sheet and finds its problem cells
before calamine lays it out (`prescan`), and reads the template's identity, finds each sheet
by name and each column by its header text (`headers`, `sheets`, `rows`), returning rows
whose values remember their cell.

Cell values are read with python-calamine (about ten times faster than openpyxl).  Calamine
lays a sheet out as a dense grid and reports error cells as blank, which is why each sheet's
XML is scanned first.
"""

from __future__ import annotations

from .archive import SheetInfo
from .headers import norm_header
from .limits import DEFAULT_LIMITS, Limits
from .prescan import CellProblem, Percentage, Scan
from .rows import ReturnReader, read_return
from .sheets import (
    Grid,
    ReadResult,
    SheetReadError,
    WorkbookFile,
    WorkbookReader,
    identity_values,
    open_for_copy,
)

__all__ = [
    "DEFAULT_LIMITS", "CellProblem", "Grid", "Limits", "Percentage", "ReadResult", "ReturnReader", "Scan",
    "SheetInfo", "SheetReadError", "WorkbookFile", "WorkbookReader", "identity_values",
    "norm_header", "open_for_copy", "read_return",
]
