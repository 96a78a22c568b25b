"""The manifest: every sample file written, and where each partner behaviour can be found."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .midshire import LSPS, PERIODS, Q2

# -- the manifest --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnFile:
    """One return as the GO received it."""

    period: str  # "2009/10 Q2"
    lsp: str  # LSP code
    path: Path
    received: date
    deadline: date
    valid: bool  # should `laa-xl validate` accept it (no errors)?

    @property
    def on_time(self) -> bool:
        return self.received <= self.deadline


@dataclass(frozen=True)
class Quirk:
    """One thing a partnership did that the tool should notice, and exactly where it is.

    `kind` names the behaviour; `code` is the issue code `check_file` reports for it ("" when
    it is not a validation matter, such as a late return or a slipping milestone, which the
    slippage rules flag by `kind`); `previous` is true when it only shows against the previous
    round's return.
    """

    kind: str
    period: str
    lsp: str
    item: str = ""  # outcome, action or milestone ID
    sheet: str = ""
    cell: str = ""
    value: str = ""  # what the cell holds, as typed
    code: str = ""
    severity: str = ""
    previous: bool = False
    note: str = ""


@dataclass
class Manifest:
    """Everything `write_samples` wrote, and where each partner behaviour can be found."""

    root: Path
    when: datetime
    region_files: dict[str, Path]  # period -> region file
    returns: list[ReturnFile] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)

    def region_file(self, period: str = Q2) -> Path:
        return self.region_files[period]

    def returns_for(self, period: str) -> list[ReturnFile]:
        return [r for r in self.returns if r.period == period]

    def return_file(self, period: str, lsp: str) -> ReturnFile | None:
        return next((r for r in self.returns if r.period == period and r.lsp == lsp), None)

    def missing(self, period: str) -> list[str]:
        """LSP codes with no return in `period`."""
        got = {r.lsp for r in self.returns_for(period)}
        return [code for code, *_ in LSPS if code not in got]

    def quirks_of(self, kind: str | None = None, lsp: str | None = None,
                  period: str | None = None) -> list[Quirk]:
        return [q for q in self.quirks if (kind is None or q.kind == kind)
                and (lsp is None or q.lsp == lsp) and (period is None or q.period == period)]

    def expected_issues(self, period: str, lsp: str, severity: str = "error",
                        previous: bool = False) -> list[tuple[str, str, str]]:
        """(sheet, cell, code) of the issues the quirks of one return should raise, sorted."""
        return sorted((q.sheet, q.cell, q.code) for q in self.quirks_of(lsp=lsp, period=period)
                      if q.code and q.severity == severity and (previous or not q.previous))

    def set_received_times(self) -> None:
        """Give each return the modification time it would have had on arrival (10:00)."""
        for r in self.returns:
            stamp = datetime.combine(r.received, time(10, 0)).timestamp()
            os.utime(r.path, (stamp, stamp))

    def as_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, Path):
                return v.relative_to(self.root).as_posix()
            if isinstance(v, (date, datetime)):
                return v.isoformat()
            return v

        return {
            "root": str(self.root), "when": self.when.isoformat(),
            "region_files": {k: plain(v) for k, v in self.region_files.items()},
            "returns": [{k: plain(v) for k, v in asdict(r).items()} | {"on_time": r.on_time}
                        for r in self.returns],
            "missing": {p: self.missing(p) for p in PERIODS},
            "quirks": [asdict(q) for q in self.quirks],
        }


