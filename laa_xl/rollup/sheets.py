"""The roll-up's sheets, in workbook order.  Adding a sheet is adding one entry to `SHEETS`.

Each sheet is one object that knows its name, how many table rows it needs (so that a
roll-up too big for Excel is refused before anything is written) and how to write itself
with the frame's formats and tables (`writer.RollupWriter`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter


class RollupSheet:
    """One sheet of the roll-up."""

    name: str = ""
    hidden: bool = False
    fit_width = False  # printed one A4 page wide (only a sheet whose text stays 8 pt or more)
    print_scale = 80  # otherwise: 10 pt text prints at 8 pt, a quarter more on each page
    repeat_columns = True  # and its first two columns (the LSP, what the row is) on every page

    def size(self, r: Rollup) -> int:
        """Rows its table needs (0 for a small sheet)."""
        return 0

    def repeat_header(self, r: Rollup) -> bool:
        """Whether its header row is printed at the top of every page."""
        return True

    def wide(self, r: Rollup) -> bool:
        """Too wide this time to print at a readable size on one page wide."""
        return False

    def write(self, w: RollupWriter, ws: Any) -> None:
        raise NotImplementedError


def _sheets() -> tuple[RollupSheet, ...]:
    from .dependencies import Dependencies
    from .layout import ASSURANCE_ANSWERS
    from .reviews import Advice, GOAssessment
    from .summary import About, Assurance, Completeness, Dashboard, Meta
    from .tables import DataSheet, Issues, Slipping, Timeline

    return (About(), Dashboard(), Completeness(), Slipping(), DataSheet("outcomes"),
            DataSheet("actions"), DataSheet("milestones"), Assurance(),
            # Each answer with its evidence, which the GO's review workbook shows beside
            # its own assessment (the Assurance matrix holds the ratings alone).
            DataSheet("assurance", ASSURANCE_ANSWERS), GOAssessment(), Advice(),
            DataSheet("risks"),
            DataSheet("recovery"), Issues(), Timeline(), Dependencies(), Meta())


SHEETS: tuple[RollupSheet, ...] = _sheets()
SHEET_NAMES: tuple[str, ...] = tuple(s.name for s in SHEETS)
