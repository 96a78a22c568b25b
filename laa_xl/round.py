"""One round's returns, matched to the region's partnerships: who returned, when, and is it valid.

`collect` validates every file it is given (in parallel when asked) and pairs each return
with its LSP by the identity inside the workbook, not by its file name.  Consolidation,
chasing and the demo all start from its answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .issues import FileReport
from .region import Lsp, Region


@dataclass
class LspStatus:
    """Where one partnership stands in the round."""

    lsp: Lsp
    report: FileReport | None = None  # None: no return received
    received: date | None = None
    feedback: Path | None = None  # the feedback workbook written for it, if any
    duplicates: list[FileReport] = field(default_factory=list)  # other returns for this LSP

    @property
    def returned(self) -> bool:
        return self.report is not None

    @property
    def valid(self) -> bool:
        return self.report is not None and self.report.valid

    def on_time(self, deadline: date) -> bool | None:
        if self.received is None:
            return None
        return self.received <= deadline


@dataclass
class RoundResult:
    """Every LSP's status in region order, plus files that match no LSP of the region."""

    region: Region
    statuses: list[LspStatus]
    unmatched: list[FileReport] = field(default_factory=list)  # unreadable or not ours

    @property
    def reports(self) -> list[FileReport]:
        out = [s.report for s in self.statuses if s.report is not None]
        for s in self.statuses:
            out.extend(s.duplicates)
        return out + self.unmatched
