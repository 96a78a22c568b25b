"""The roll-up's Dependencies sheet: every action that waits for another, and whether what it
waits for is late (template version 1.1's Depends on)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..schemas import sheet
from ..template import LINE_HEIGHT, wrapped_lines
from ..xlsxout import put
from .layout import HEADER_ROW, PROVENANCE
from .sheets import RollupSheet

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter

# The answer first (is what it waits for late, and by how much), on the first printed page;
# the descriptions and the source after, on the next (LSP and Theme repeat on each page).
DEPENDENCY_HEADERS = ["LSP", "Theme", "Action ID", "Status", "Must be done by", "Waits for",
                      "Its expected finish", "Late for this action", "Days pushed",
                      "It is slipping", "Its status", "Action", *PROVENANCE]


class Dependencies(RollupSheet):
    name = "Dependencies"

    def size(self, r: Rollup) -> int:
        return len(r.dependencies)

    def write(self, w: RollupWriter, ws: Any) -> None:
        r = w.r
        deps = sheet("actions").role("x-predecessors")
        said = deps.header if deps is not None else "Depends on"
        w.title(ws, f"Dependencies — actions waiting for others, as at {r.as_of:%d/%m/%Y}",
                f"One row per action and each action its {said} cell names. Must be done by: "
                "its start date if not started, else its own expected finish.")
        # The columns a theme lead reads fit one A4 page wide; the source runs onto a second.
        w.table(ws, "tblDependencies", DEPENDENCY_HEADERS, len(r.dependencies),
                widths=[6, 22, 8, 11, 11, 8, 11, 9, 8, 8, 11, 40, 30, 11, 7],
                header_format=w.f_head_wrap)
        ws.set_row(HEADER_ROW, 32)
        row = HEADER_ROW + 1
        for d in r.dependencies:
            late = d.days_pushed is not None
            values = [d.lsp, d.theme, d.action_id, d.status, d.must_finish_by, d.predecessor,
                      d.predecessor_finish, "Yes" if late else "No", d.days_pushed,
                      "Yes" if d.predecessor_slipping else "No", d.predecessor_status,
                      d.description, d.file, d.sheet, d.row]
            lines = wrapped_lines(d.description, 40)
            if lines > 1:  # constant-memory mode: a row's height is set before its cells
                ws.set_row(row, LINE_HEIGHT * lines)
            for c, v in enumerate(values):
                fmt = w.f_date if isinstance(v, date) else w.f_wrap if c == 11 else w.f_text
                if (c == 7 and late) or (c == 9 and d.predecessor_slipping):
                    fmt = w.f_rag["Amber"]
                put(ws, row, c, v, fmt)
            row += 1
