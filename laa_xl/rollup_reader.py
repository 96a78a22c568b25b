"""Reads a roll-up back, as the previous round: each LSP's rows, as if from its own return.

It is the return reader with two differences: the identity must be a roll-up's, and each
data sheet's rows are split by their LSP column.  The same safety limits apply.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ReadError
from .issues import CATALOGUE, ERROR
from .layout import META_SHEET
from .layout import PRODUCT as RETURN_PRODUCT
from .model import Return, Row
from .reader import DEFAULT_LIMITS, WorkbookFile, WorkbookReader, identity_values, norm_header
from .region import Region
from .rollup import DATA_SHEETS, PROVENANCE, ROLLUP_PRODUCT
from .rules.cells import Bad, normalise
from .schemas import SheetSpec, sheet
from .template import Prefill
from .text import id_key

# A roll-up is our own file, but far bigger than any return: a national round at realistic
# size has 150 × 900 milestones in one sheet.  Its sheets may be as long as Excel allows; the
# zip-bomb and hostile-XML checks stay as they are.
ROLLUP_LIMITS = dataclasses.replace(
    DEFAULT_LIMITS, max_file_bytes=1024 * 1024 * 1024, max_part_bytes=2 * 1024 * 1024 * 1024,
    max_total_bytes=4 * 1024 * 1024 * 1024, max_rows=1_048_576, max_cells=40_000_000)

_WHAT_PREVIOUS_IS = ("--previous takes the roll-up workbook that `laa-xl consolidate` wrote "
                     "for the last round.")


@dataclass
class PreviousRound:
    """A roll-up read back: its identity, and one Return per LSP built from its rows."""

    path: str
    meta: dict[str, str]
    returns: dict[str, Return] = field(default_factory=dict)
    # The summary sheets asked for (`read_rollup(..., tables=...)`), each as its grid of cells.
    tables: dict[str, list[list[Any]]] = field(default_factory=dict)


class _RollupReader(WorkbookReader):
    """Reads a roll-up: its identity must be a roll-up's, and each data sheet's rows are
    split by their LSP column, into one Return per LSP (`by_lsp`)."""

    def __init__(self, path: Path, tables: tuple[str, ...] = (),
                 what_it_takes: str = _WHAT_PREVIOUS_IS,
                 data_sheets: tuple[str, ...] = DATA_SHEETS) -> None:
        super().__init__(path, ROLLUP_LIMITS)
        self.what_it_takes = what_it_takes
        self.data_sheets = data_sheets
        self.by_lsp: dict[str, Return] = {}
        self.wanted = tables
        self.tables: dict[str, list[list[Any]]] = {}

    def identity(self, book: WorkbookFile) -> dict[str, str]:
        info = book.sheets.get(META_SHEET)
        meta = identity_values(self.grid(book, info) if info else None)
        if meta.get("product") != ROLLUP_PRODUCT:
            what = ("a partnership's return, not a roll-up"
                    if meta.get("product") == RETURN_PRODUCT
                    else "not a roll-up made by laa-xl")
            raise _NotARollup(f"{self.file} is {what}: {self.what_it_takes}")
        # The summary sheets are read here, while the workbook is open, once it is known to
        # be a roll-up; a sheet that is missing is simply absent from `tables`.
        for name in self.wanted:
            sheet_info = book.sheets.get(name)
            got = self.grid(book, sheet_info, quiet=True) if sheet_info else None
            if got is not None:
                self.tables[name] = got[0]
        return meta

    def read_sheet(self, book: WorkbookFile, spec: SheetSpec, ret: Return) -> None:
        if spec.key not in self.data_sheets:
            return
        info = book.sheets.get(spec.name)
        if info is None:
            self.issue("missing-sheet", sheet=spec.name)
            return
        got = self.grid(book, info)
        if got is None:
            return
        grid, _ = got
        hdr = self.header_row(grid, spec, info.name)
        if hdr is None:
            return
        header = [norm_header(h) for h in grid[hdr]]
        by_header = {norm_header(f.header): f for f in spec.fields}
        columns = {by_header[h].name: c for c, h in enumerate(header) if h in by_header}
        lsp_col = header.index("lsp") if "lsp" in header else None
        row_col = header.index(norm_header(PROVENANCE[2])) \
            if norm_header(PROVENANCE[2]) in header else None
        if lsp_col is None:
            self.issue("missing-column", sheet=info.name, field="LSP")
            return
        fields = [(name, col, spec.field(name)) for name, col in columns.items()]
        # Where each value sits in the partner's own workbook (the source row is theirs).
        source_columns = {f.name: c for c, f in enumerate(spec.fields)}
        # A national roll-up holds well over a million values, and most repeat (IDs,
        # statuses, dates): each distinct value of a column is normalised once.
        seen: dict[tuple[str, type, Any], Any] = {}
        for i in range(hdr + 1, len(grid)):
            line = grid[i]
            width = len(line)
            code = line[lsp_col] if lsp_col < width else ""
            if not isinstance(code, str) or not code.strip():
                continue
            values: dict[str, Any] = {}
            for name, col, f in fields:
                v = line[col] if col < width else ""
                if v == "" or v is None:
                    continue
                key = (name, type(v), v)
                value = seen.get(key, _UNSEEN)
                if value is _UNSEEN:
                    try:
                        value, _ = normalise(f, v)
                    except Bad:
                        value = None
                    seen[key] = value
                if value is not None:
                    values[name] = value
            source_row = line[row_col] if row_col is not None and row_col < width else None
            lsp = code.strip()
            target = self.by_lsp.get(lsp)
            if target is None:
                target = self.by_lsp[lsp] = Return(path=self.file, meta={"lsp_code": lsp})
            target.sheets[spec.key].append(Row(spec.key, int(source_row) if isinstance(
                source_row, (int, float)) and not isinstance(source_row, bool) else i + 1,
                values, source_columns))


_UNSEEN = object()


class _NotARollup(ReadError):
    """A workbook that reads, but is not a roll-up (a return, or someone else's)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="not-our-template")


def read_rollup(path: str | Path, tables: tuple[str, ...] = (), role: str = "the previous round",
                what_it_takes: str = _WHAT_PREVIOUS_IS,
                data_sheets: tuple[str, ...] = DATA_SHEETS) -> PreviousRound:
    """Read a roll-up written by `laa-xl consolidate`; ReadError if it cannot serve.

    The error's message names the file and says what it is, for the GO officer who passed
    it as --previous.  `tables` names summary sheets (Dashboard, Slipping...) to keep as
    grids of cells too, in `PreviousRound.tables`; `role` and `what_it_takes` word the error
    for the command that reads it; `data_sheets` limits which data sheets are read (a
    national roll-up's Milestones sheet alone holds over 100,000 rows).
    """
    reader = _RollupReader(Path(path), tables, what_it_takes, data_sheets)
    try:
        result = reader.read()
    except _NotARollup:
        raise
    except ReadError as err:
        entry = CATALOGUE.get(err.code)
        what = entry.title[0].lower() + entry.title[1:] if entry else "it cannot be read"
        detail = str(err).strip().lstrip(":").strip()
        raise ReadError(f"{path} cannot be read as {role}: {what}"
                        f"{f' ({detail})' if detail else ''}. {what_it_takes}",
                        code=err.code, path=str(path)) from err
    except OSError as err:
        raise ReadError(f"{path} cannot be read as {role}: {err.strerror}.",
                        code="damaged-file", path=str(path)) from err
    errors = [i for i in reader.issues if i.severity == ERROR]
    if errors:
        raise ReadError(f"{path} cannot be read as {role}: {errors[0]}",
                        code="damaged-file", path=str(path))
    assert result.data is not None
    for ret in reader.by_lsp.values():
        ret.meta.update({k: v for k, v in result.data.meta.items() if k in ("period", "region")})
    return PreviousRound(str(path), result.data.meta, reader.by_lsp, reader.tables)


def read_previous(path: str | Path, region: Region | None) -> PreviousRound:
    """The previous round's roll-up for a round of `region`: InputError (a mistake in the
    command) if it cannot be read as one, is another region's, or is not an earlier round's:
    a common slip is to pass this round's own roll-up."""
    from .errors import InputError
    from .region import Period

    try:
        previous = read_rollup(path)
    except ReadError as err:
        raise InputError(str(err)) from err
    if region is None:
        return previous
    other = previous.meta.get("region", "")
    if other and other != region.region:
        raise InputError(f"{path} is {other}'s roll-up, but the region file is for "
                         f"{region.region}: --previous must be this region's roll-up.")
    try:
        before = Period.parse(previous.meta.get("period", ""))
    except ValueError:
        return previous
    now = region.period
    if (before.start_year, before.quarter) >= (now.start_year, now.quarter):
        raise InputError(f"{path} is the roll-up for {before}, but the region file is for "
                         f"{now}: --previous must be an earlier round's roll-up.")
    return previous


def prefills(previous: PreviousRound, region: Region) -> dict[str, Prefill]:
    """Each LSP's next-round template rows, from last round's roll-up.

    Outcomes carry forward whole; open actions carry forward with all their milestones;
    open risks; recovery rows for items still Red or Amber.  A complete or cancelled action
    still comes along while an open milestone or an open risk refers to it, so that nothing
    the partner left open disappears from their workbook (and is then reported as dropped).
    Baselines are then locked in the template; forecasts and progress stay open to update.
    The previous round itself is left as it was.
    """
    out: dict[str, Prefill] = {}
    closed = {key: sheet(key).closed for key in ("actions", "milestones", "risks")}
    for lsp in region.lsps:
        ret = previous.returns.get(lsp.code)
        if ret is None:
            continue
        rows = {key: [dict(r.values) for r in ret.sheets[key]] for key in DATA_SHEETS}
        open_milestones = [m for m in rows["milestones"]
                           if m.get("status") not in closed["milestones"]]
        rows["risks"] = [r for r in rows["risks"] if r.get("status") not in closed["risks"]]
        # IDs matched as the checks match them (`id_key`): A-01 and a-01 are one action.
        needed = {_key(m.get("action_id")) for m in open_milestones} | \
            {_key(r.get("linked_to")) for r in rows["risks"]}
        rows["actions"] = [a for a in rows["actions"]
                           if a.get("status") not in closed["actions"]
                           or _key(a.get("action_id")) in needed]
        kept = {_key(a.get("action_id")) for a in rows["actions"]}
        rows["milestones"] = [m for m in rows["milestones"]
                              if _key(m.get("action_id")) in kept]
        still_off = {_key(o.get("outcome_id")) for o in rows["outcomes"]
                     if o.get("confidence") in ("Red", "Amber")}
        still_off |= {_key(a.get("action_id")) for a in rows["actions"]
                      if a.get("rag") in ("Red", "Amber")
                      and a.get("status") not in closed["actions"]}
        rows["recovery"] = [r for r in rows["recovery"] if _key(r.get("item_id")) in still_off]
        for r in rows["risks"]:
            r.pop("score", None)  # the template's formula works it out
        out[lsp.code] = Prefill(rows)
    return out


def _key(value: Any) -> str | None:
    return None if value is None else id_key(value)


def blank_reasons(previous: PreviousRound, region: Region) -> dict[str, str]:
    """Why a partnership's next workbook cannot be prefilled from `previous`, by LSP code:
    its return is not in that roll-up, because it was missing or not valid."""
    period = previous.meta.get("period") or "the previous round"
    return {lsp.code: f"its {period} return is not in {Path(previous.path).name}: it was "
                      "missing or not valid"
            for lsp in region.lsps if lsp.code not in previous.returns}


def prefill_summary(prefill: Prefill) -> str:
    parts = [f"{len(prefill.rows.get(k, []))} {k}" for k in ("outcomes", "actions",
                                                              "milestones", "risks")]
    return ", ".join(parts)


def read_tables(path: str | Path, names: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """The rows of some of a roll-up's own tables (Dashboard, Slipping, Assurance answers),
    each a dict of header text to value, by sheet name; a sheet the roll-up lacks is absent.

    A table's rows run from below its header row to the first row whose first cell is empty
    (the notes and legends below a table are not its rows).  The file is read under the same
    limits as `read_rollup`; call it on a file that `read_rollup` has read.
    """
    from .rollup.layout import HEADER_ROW

    out: dict[str, list[dict[str, Any]]] = {}
    try:
        with WorkbookFile(Path(path), ROLLUP_LIMITS) as book:
            for name in names:
                info = book.sheets.get(name)
                if info is None:
                    continue
                scan = book.scan(info)
                if not ROLLUP_LIMITS.within(scan.max_row, scan.max_col):
                    raise ReadError(f"{path}: the {name} sheet is too large to read.",
                                    code="too-large", path=str(path))
                grid = book.cells(info)
                if len(grid) <= HEADER_ROW:
                    out[name] = []
                    continue
                header = [str(h).strip() if h not in (None, "") else "" for h in grid[HEADER_ROW]]
                rows = []
                for line in grid[HEADER_ROW + 1:]:
                    if not line or line[0] in ("", None):
                        break
                    rows.append({h: (None if v == "" else v) for h, v in zip(header, line,
                                                                              strict=False)
                                 if h})
                out[name] = rows
    except OSError as err:
        raise ReadError(f"{path} cannot be read: {err.strerror}.", code="damaged-file",
                        path=str(path)) from err
    return out
