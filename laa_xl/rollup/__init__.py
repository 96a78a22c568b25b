"""The region's roll-up workbook: the GO's working document.

`consolidate` (consolidate.py) works out what goes in, as plain data: which returns, which
flags, the Dashboard's counts.  `write_rollup` (writer.py) lays it out, one sheet after
another from the ordered list in sheets.py.  Every data row carries its LSP and its source
(file, sheet, row); the data sheets use the return's own header texts, so the roll-up can be
read back as the previous round.
"""

from .consolidate import LspFigures, Rollup, Slipping, consolidate, round_slipping
from .layout import DATA_SHEETS, HEADER_ROW, META_SHEET, PROVENANCE, ROLLUP_PRODUCT
from .sheets import SHEET_NAMES, SHEETS
from .writer import RollupWriter, write_rollup

__all__ = ["DATA_SHEETS", "HEADER_ROW", "META_SHEET", "PROVENANCE", "ROLLUP_PRODUCT",
           "SHEETS", "SHEET_NAMES", "LspFigures", "Rollup", "RollupWriter", "Slipping", "consolidate",
           "round_slipping",
           "write_rollup"]
