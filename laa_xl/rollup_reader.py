"""Reads a roll-up back, as the previous round: each LSP's rows, as if from its own return.

It is the return reader with two differences: the identity must be a roll-up's, and each
data sheet's rows are split by their LSP column.  The same safety limits apply.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ReadError
from .issues import ERROR
from .model import Return, Row
from .reader import DEFAULT_LIMITS, _find_header_row, _norm_header, _Reader, _SheetInfo
from .region import Region
from .rollup import DATA_SHEETS, PROVENANCE, ROLLUP_PRODUCT
from .rules.cells import Bad, normalise
from .schemas import SheetSpec
from .template import Prefill


@dataclass
class PreviousRound:
    """A roll-up read back: its identity, and one Return per LSP built from its rows."""

    path: str
    meta: dict[str, str]
    returns: dict[str, Return] = field(default_factory=dict)


class _RollupReader(_Reader):
    def __init__(self, path: Path) -> None:
        super().__init__(path, DEFAULT_LIMITS)
        self.by_lsp: dict[str, Return] = {}

    def _identity(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], book: Any,
                  by_name: dict[str, _SheetInfo]) -> dict[str, str]:
        info = by_name.get("_laa_xl")
        got = self._grid(z, members, book, info) if info else None
        meta: dict[str, str] = {}
        for row in (got[0] if got else [])[1:]:
            if len(row) >= 2 and isinstance(row[0], str) and row[0]:
                meta[row[0]] = "" if row[1] is None else str(row[1])
        if meta.get("product") != ROLLUP_PRODUCT:
            raise ReadError(" (it is not a laa-xl roll-up, so it cannot serve as the previous "
                            "round)", code="not-our-template")
        return meta

    def _sheet(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], book: Any,
               by_name: dict[str, _SheetInfo], spec: SheetSpec, ret: Return) -> None:
        if spec.key not in DATA_SHEETS:
            return
        info = by_name.get(spec.name)
        if info is None:
            self.issue("missing-sheet", sheet=spec.name)
            return
        got = self._grid(z, members, book, info)
        if got is None:
            return
        grid, _ = got
        hdr = _find_header_row(grid, spec)
        if hdr is None:
            self.issue("no-header-row", sheet=info.name,
                       expected=", ".join(f'"{h}"' for h in spec.headers[:3]))
            return
        header = [_norm_header(h) for h in grid[hdr]]
        by_header = {_norm_header(f.header): f for f in spec.fields}
        columns = {by_header[h].name: c for c, h in enumerate(header) if h in by_header}
        lsp_col = header.index("lsp") if "lsp" in header else None
        row_col = header.index(_norm_header(PROVENANCE[2])) \
            if _norm_header(PROVENANCE[2]) in header else None
        if lsp_col is None:
            self.issue("missing-column", sheet=info.name, field="LSP")
            return
        for i in range(hdr + 1, len(grid)):
            line = grid[i]
            code = line[lsp_col] if lsp_col < len(line) else ""
            if not isinstance(code, str) or not code.strip():
                continue
            values: dict[str, Any] = {}
            for name, col in columns.items():
                v = line[col] if col < len(line) else ""
                if v == "" or v is None:
                    continue
                try:
                    value, _ = normalise(spec.field(name), v)
                except Bad:
                    continue
                if value is not None:
                    values[name] = value
            source_row = line[row_col] if row_col is not None and row_col < len(line) else None
            target = self.by_lsp.setdefault(code.strip(), Return(path=self.file))
            target.meta.setdefault("lsp_code", code.strip())
            target.sheets[spec.key].append(Row(spec.key, int(source_row) if isinstance(
                source_row, (int, float)) else i + 1, values, columns))


def read_rollup(path: str | Path) -> PreviousRound:
    """Read a roll-up written by `laa-xl consolidate`; ReadError if it cannot serve."""
    reader = _RollupReader(Path(path))
    result = reader.read()
    errors = [i for i in reader.issues if i.severity == ERROR]
    if errors:
        raise ReadError(f"{path} cannot be read as the previous round: {errors[0]}",
                        code="damaged-file", path=str(path))
    assert result.data is not None
    for ret in reader.by_lsp.values():
        ret.meta.update({k: v for k, v in result.data.meta.items() if k in ("period", "region")})
    return PreviousRound(str(path), result.data.meta, reader.by_lsp)


_CLOSED = {"actions": ("Complete", "Cancelled"), "milestones": ("Achieved", "Cancelled"),
           "risks": ("Closed",)}


def prefills(previous: PreviousRound, region: Region) -> dict[str, Prefill]:
    """Each LSP's next-round template rows, from last round's roll-up.

    Outcomes carry forward whole; open actions carry forward with all their milestones;
    open risks; recovery rows for items still Red or Amber.  Baselines are then locked in
    the template; forecasts and progress stay open to update.
    """
    out: dict[str, Prefill] = {}
    for lsp in region.lsps:
        ret = previous.returns.get(lsp.code)
        if ret is None:
            continue
        rows = {key: [r.values for r in ret.sheets[key]] for key in DATA_SHEETS}
        rows["actions"] = [a for a in rows["actions"]
                           if a.get("status") not in _CLOSED["actions"]]
        kept = {a.get("action_id") for a in rows["actions"]}
        rows["milestones"] = [m for m in rows["milestones"] if m.get("action_id") in kept]
        rows["risks"] = [r for r in rows["risks"] if r.get("status") not in _CLOSED["risks"]]
        still_off = {o.get("outcome_id") for o in rows["outcomes"]
                     if o.get("confidence") in ("Red", "Amber")}
        still_off |= {a.get("action_id") for a in rows["actions"]
                      if a.get("rag") in ("Red", "Amber")}
        rows["recovery"] = [r for r in rows["recovery"] if r.get("item_id") in still_off]
        for r in rows["risks"]:
            r.pop("score", None)  # the template's formula works it out
        out[lsp.code] = Prefill(rows)
    return out


def prefill_summary(prefill: Prefill) -> str:
    parts = [f"{len(prefill.rows.get(k, []))} {k}" for k in ("outcomes", "actions",
                                                              "milestones", "risks")]
    return ", ".join(parts)
