"""The roll-up's Dependencies sheet: every action that waits for another, and whether what it
waits for is late (template version 1.1's Depends on)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..schemas import sheet
from ..xlsxout import put
from .layout import HEADER_ROW
from .sheets import RollupSheet

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter

DEPENDENCY_HEADERS = ["LSP", "Theme", "Action ID", "Action", "Status", "Must be done by",
                      "Waits for", "Its status", "Its expected finish", "It is slipping",
                      "Late for this action", "Days pushed", "File", "Row"]


class Dependencies(RollupSheet):
    name = "Dependencies"

    def size(self, r: Rollup) -> int:
        return len(r.dependencies)

    def write(self, w: RollupWriter, ws: Any) -> None:
        r = w.r
        deps = sheet("actions").role("x-predecessors")
        said = deps.header if deps is not None else "Depends on"
        w.title(ws, f"Dependencies — actions waiting for others, as at {r.as_of:%d/%m/%Y}",
                f"One row for each action and each action its {said} cell names. 'Must be "
                "done by' is the action's start date if it has not started, else its own "
                "expected finish; 'Late for this action' when what it waits for is now "
                "expected to finish after that (see knock-on on Slipping).")
        w.table(ws, "tblDependencies", DEPENDENCY_HEADERS, len(r.dependencies),
                widths=[7, 22, 9, 36, 12, 11, 9, 12, 11, 9, 9, 8, 30, 6],
                header_format=w.f_head_wrap)
        ws.set_row(HEADER_ROW, 32)
        row = HEADER_ROW + 1
        for d in r.dependencies:
            late = d.days_pushed is not None
            values = [d.lsp, d.theme, d.action_id, d.description, d.status, d.must_finish_by,
                      d.predecessor, d.predecessor_status, d.predecessor_finish,
                      "Yes" if d.predecessor_slipping else "No", "Yes" if late else "No",
                      d.days_pushed, d.file, d.row]
            for c, v in enumerate(values):
                fmt = w.f_date if isinstance(v, date) else w.f_text
                if (c == 10 and late) or (c == 9 and d.predecessor_slipping):
                    fmt = w.f_rag["Amber"]
                put(ws, row, c, v, fmt)
            row += 1
