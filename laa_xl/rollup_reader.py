"""Reads a roll-up back, as the previous round: each LSP's rows, as if from its own return.

It is the return reader with two differences: the identity must be a roll-up's, and each
data sheet's rows are split by their LSP column.  The same safety limits apply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
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
from .rollup.layout import MISSING, NOT_VALID, TRENDS_PRODUCT, UNREADABLE, VALID
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
class RollupTable:
    """One of a roll-up's summary tables as read: its headers, and each row with its
    1-based worksheet row, so that a value can be traced to its cell."""

    sheet: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    def column(self, header: str) -> int | None:
        wanted = norm_header(header)
        for c, h in enumerate(self.headers):
            if norm_header(h) == wanted:
                return c
        return None

    def records(self) -> list[tuple[int, dict[str, Any]]]:
        """Each row as header -> value (blank cells as None), with its worksheet row."""
        out = []
        for n, line in self.rows:
            out.append((n, {h: (line[c] if c < len(line) and line[c] != "" else None)
                            for c, h in enumerate(self.headers) if h}))
        return out


def return_state(status: str) -> str:
    """What a Completeness Status says of a return ("Valid, late", "Not valid" ...): one of
    MISSING, VALID, NOT_VALID or UNREADABLE, or "" for words the roll-up never writes."""
    for state in (UNREADABLE, NOT_VALID, VALID, MISSING):  # "Not valid" before "Valid"
        if status.strip().casefold().startswith(state.casefold()):
            return state
    return ""


@dataclass
class PreviousRound:
    """A roll-up read back: its identity, and one Return per LSP built from its rows.

    `invalid` names the LSPs whose rows came from a return with errors (a roll-up made with
    --include-invalid); `statuses` is each LSP's state on the Completeness sheet ("Valid",
    "Missing", "Not valid, late" ...).  `rollup_rows` gives, per LSP and sheet key, the roll-up's
    own worksheet row of each of that Return's rows (in the same order), and `columns` each
    field's 0-based column on the roll-up's sheet: every value can be traced to its cell.
    """

    path: str
    meta: dict[str, str]
    returns: dict[str, Return] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)
    statuses: dict[str, str] = field(default_factory=dict)
    # The summary sheets asked for as grids (`read_rollup(..., grids=...)`), each as its cells.
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    tables: dict[str, RollupTable] = field(default_factory=dict)
    rollup_rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def period(self) -> str:
        return self.meta.get("period", "")

    def period_key(self) -> tuple[int, int]:
        """(year, quarter) for ordering; (0, 0) when the roll-up names no period it knows."""
        from .region import Period

        try:
            p = Period.parse(self.period)
        except ValueError:
            return (0, 0)
        return (p.start_year, p.quarter)

    def valid_return(self, code: str) -> Return | None:
        """The LSP's rows, when they came from a valid return."""
        return None if code in self.invalid else self.returns.get(code)

    def why_not(self, code: str) -> str:
        """Why this roll-up holds no valid return for `code`, in a few words."""
        state = return_state(self.statuses.get(code, ""))
        if state == MISSING:
            return "missing"
        if state == UNREADABLE:
            return "could not be read"
        if state == NOT_VALID or code in self.invalid:
            return "not valid"
        return "missing or not valid"


class _RollupReader(WorkbookReader):
    """Reads a roll-up: its identity must be a roll-up's, and each data sheet's rows are
    split by their LSP column, into one Return per LSP (`by_lsp`)."""

    def __init__(self, path: Path, grids: tuple[str, ...] = (),
                 what_it_takes: str = _WHAT_PREVIOUS_IS,
                 data_sheets: tuple[str, ...] = DATA_SHEETS) -> None:
        super().__init__(path, ROLLUP_LIMITS)
        self.what_it_takes = what_it_takes
        self.data_sheets = data_sheets
        self.grids_wanted = grids
        self.grids: dict[str, list[list[Any]]] = {}
        self.by_lsp: dict[str, Return] = {}
        self.invalid: set[str] = set()
        self.rollup_rows: dict[tuple[str, str], list[int]] = {}
        self.columns: dict[str, dict[str, int]] = {}
        self.sheet_names: dict[str, str] = {}
        self.tables: dict[str, RollupTable] = {}
        self.summary_sheets: tuple[str, ...] = ("Completeness",)
        # The fields to read, by sheet key (None: every field of every data sheet); a sheet
        # not named is not read.  A reader that needs a few fields saves normalising the rest.
        self.wanted: Mapping[str, Collection[str]] | None = None

    def identity(self, book: WorkbookFile) -> dict[str, str]:
        info = book.sheets.get(META_SHEET)
        meta = identity_values(self.grid(book, info) if info else None)
        if meta.get("product") != ROLLUP_PRODUCT:
            what = {RETURN_PRODUCT: "a partnership's return, not a roll-up",
                    TRENDS_PRODUCT: "a trends workbook (from `laa-xl history`), not a roll-up",
                    }.get(meta.get("product", ""), "not a roll-up made by laa-xl")
            raise _NotARollup(f"{self.file} is {what}: {self.what_it_takes}",
                              trends=meta.get("product") == TRENDS_PRODUCT)
        # The sheets asked for as grids are read here, while the workbook is open, once it is
        # known to be a roll-up; a sheet that is missing is simply absent from `grids`.
        for name in self.grids_wanted:
            sheet_info = book.sheets.get(name)
            got = self.grid(book, sheet_info, quiet=True) if sheet_info else None
            if got is not None:
                self.grids[name] = got[0]
        return meta

    def read_sheet(self, book: WorkbookFile, spec: SheetSpec, ret: Return) -> None:
        if spec.key not in self.data_sheets or (self.wanted is not None
                                           and spec.key not in self.wanted):
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
        valid_col = header.index("return valid") if "return valid" in header else None
        self.columns[spec.key] = columns
        self.sheet_names[spec.key] = info.name
        wanted = self.wanted.get(spec.key) if self.wanted is not None else None
        fields = [(name, col, spec.field(name)) for name, col in columns.items()
                  if wanted is None or name in wanted]
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
            self.rollup_rows.setdefault((lsp, spec.key), []).append(i + 1)
            if valid_col is not None and valid_col < width and line[valid_col] == "No":
                self.invalid.add(lsp)

    def read_more(self, book: WorkbookFile, ret: Return) -> None:
        """The summary tables asked for (`summary_sheets`), each found by its first header."""
        for name in self.summary_sheets:
            info = book.sheets.get(name)
            if info is None:
                continue
            got = self.grid(book, info, quiet=True)
            if got is None:
                continue
            grid = got[0]
            for hdr in range(min(len(grid), 12)):
                line = grid[hdr]
                if line and isinstance(line[0], str) and norm_header(line[0]) in _FIRST_HEADERS:
                    break
            else:
                continue
            headers = [h if isinstance(h, str) else "" for h in grid[hdr]]
            table = RollupTable(name, headers)
            for i in range(hdr + 1, len(grid)):
                line = grid[i]
                if not line or line[0] in ("", None):
                    break  # the table ends at its first empty row; notes follow below it
                table.rows.append((i + 1, line))
            self.tables[name] = table


_UNSEEN = object()
# The first header of each summary table read back: LSP (Dashboard, Completeness,
# Assurance) or Severity (Slipping).
_FIRST_HEADERS = ("lsp", "severity")


class _NotARollup(ReadError):
    """A workbook that reads, but is not a roll-up (a return, or someone else's)."""

    def __init__(self, message: str, trends: bool = False) -> None:
        super().__init__(message, code="not-our-template")
        self.trends = trends  # a trends workbook: kept beside the roll-ups, skipped in a folder


def is_trends_workbook(path: str | Path) -> bool:
    """Whether `path` is a trends workbook (which a folder of roll-ups may well hold too)."""
    try:
        rollup_identity(path)
    except _NotARollup as err:
        return err.trends
    except ReadError:
        return False
    return False


def rollup_identity(path: str | Path) -> PreviousRound:
    """A roll-up's identity alone, without its rows: to put many in order before reading
    each.  ReadError as `read_rollup` raises it."""
    reader = _RollupReader(Path(path))
    try:
        with WorkbookFile(Path(path), ROLLUP_LIMITS) as book:
            meta = reader.identity(book)
    except _NotARollup:
        raise
    except ReadError as err:
        raise _unreadable(path, err) from err
    except OSError as err:
        raise ReadError(f"{path} cannot be read as the previous round: {err.strerror}.",
                        code="damaged-file", path=str(path)) from err
    return PreviousRound(str(path), meta)


def _unreadable(path: str | Path, err: ReadError, role: str = "the previous round",
                what_it_takes: str = _WHAT_PREVIOUS_IS) -> ReadError:
    entry = CATALOGUE.get(err.code)
    what = entry.title[0].lower() + entry.title[1:] if entry else "it cannot be read"
    detail = str(err).strip().lstrip(":").strip()
    return ReadError(f"{path} cannot be read as {role}: {what}"
                     f"{f' ({detail})' if detail else ''}. {what_it_takes}",
                     code=err.code, path=str(path))


def read_rollup(path: str | Path,
                summary_sheets: tuple[str, ...] = ("Completeness",),
                fields: Mapping[str, Collection[str]] | None = None, *,
                grids: tuple[str, ...] = (), role: str = "the previous round",
                what_it_takes: str = _WHAT_PREVIOUS_IS,
                data_sheets: tuple[str, ...] = DATA_SHEETS) -> PreviousRound:
    """Read a roll-up written by `laa-xl consolidate`; ReadError if it cannot serve.

    `summary_sheets` are the summary tables to read besides the data sheets; `fields`, when
    given, the only fields read, by sheet key (sheets not named are not read).  The error's
    message names the file and says what it is, for the GO officer who passed it as
    --previous.  `grids` names sheets (About, Dashboard...) to keep whole as grids of cells,
    in `PreviousRound.grids`; `role` and `what_it_takes` word the error for the command that
    reads it; `data_sheets` limits which data sheets are read (a national roll-up's
    Milestones sheet alone holds over 100,000 rows).
    """
    reader = _RollupReader(Path(path), grids, what_it_takes, data_sheets)
    reader.summary_sheets = summary_sheets
    reader.wanted = fields
    try:
        result = reader.read()
    except _NotARollup:
        raise
    except ReadError as err:
        raise _unreadable(path, err, role, what_it_takes) from err
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
    statuses: dict[str, str] = {}
    completeness = reader.tables.get("Completeness")
    if completeness is not None:
        lsp_c, state_c = completeness.column("LSP"), completeness.column("Status")
        if lsp_c is not None and state_c is not None:
            for _, line in completeness.rows:
                if len(line) > max(lsp_c, state_c) and isinstance(line[lsp_c], str):
                    statuses[line[lsp_c].strip()] = str(line[state_c] or "")
    return PreviousRound(str(path), result.data.meta, reader.by_lsp, reader.invalid, statuses,
                         reader.grids, reader.tables, reader.rollup_rows, reader.columns,
                         reader.sheet_names)


def read_previous(path: str | Path, region: Region | None) -> PreviousRound:
    """The previous round's roll-up for a round of `region`: InputError (a mistake in the
    command) if it cannot be read as one, is another region's, or is not an earlier round's:
    a common slip is to pass this round's own roll-up."""
    from .errors import InputError
    from .region import Period

    try:
        previous = read_rollup(path, ("Completeness", "Slipping"))
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


@dataclass
class PreviousRounds:
    """Several roll-ups of one region read back, oldest first: a history of rounds."""

    rounds: list[PreviousRound]

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.rounds]

    @property
    def source(self) -> str:
        """The roll-ups' files, as the About sheet names the previous round."""
        return ", ".join(self.paths)

    @property
    def latest(self) -> PreviousRound | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def returns(self) -> dict[str, Return]:
        """Each LSP's rows from the latest round that holds it: what the cross-round checks
        and flags compare with."""
        out: dict[str, Return] = {}
        for rnd in self.rounds:  # oldest first, so a later round's rows win
            out.update(rnd.returns)
        return out

    def flagged_items(self) -> dict[str, set[tuple[str, str, str]]]:
        """Each round's flagged items, by period: (LSP, sheet key, ID as `id_key` has it),
        from its Slipping sheet; for the rules that look across rounds."""
        from .schemas import sheets

        keys = {s.name: s.key for s in sheets()}
        out: dict[str, set[tuple[str, str, str]]] = {}
        for rnd in self.rounds:
            table = rnd.tables.get("Slipping")
            if table is None or not rnd.period:
                continue
            items: set[tuple[str, str, str]] = set()
            for _, rec in table.records():
                lsp, name, item = rec.get("LSP"), rec.get("Sheet"), rec.get("Item")
                if lsp and name in keys and item is not None:
                    items.add((str(lsp), keys[str(name)], id_key(str(item))))
            out[rnd.period] = items
        return out

    def last_valid(self, code: str) -> PreviousRound | None:
        """The most recent round holding a valid return of `code`."""
        for rnd in reversed(self.rounds):
            if rnd.valid_return(code) is not None:
                return rnd
        return None


def as_rounds(previous: PreviousRound | PreviousRounds) -> PreviousRounds:
    return previous if isinstance(previous, PreviousRounds) else PreviousRounds([previous])


def rollup_paths(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given, and every .xlsx directly inside a folder (Office lock files skipped,
    and trends workbooks, which are kept beside the roll-ups)."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(x for x in p.iterdir() if x.is_file()
                              and x.suffix.casefold() == ".xlsx"
                              and not x.name.startswith((".", "~$"))
                              and not is_trends_workbook(x)))
        else:
            out.append(p)
    unique: dict[Path, Path] = {}
    for p in out:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


def order_rounds(rounds: Sequence[PreviousRound]) -> list[PreviousRound]:
    """The roll-ups in period order; InputError for two of different regions or of one period,
    naming both files."""
    from .errors import InputError

    by_period: dict[tuple[int, int], PreviousRound] = {}
    first = rounds[0] if rounds else None
    for rnd in rounds:
        assert first is not None
        region, first_region = rnd.meta.get("region", ""), first.meta.get("region", "")
        if region != first_region:
            raise InputError(f"{first.path} is {first_region}'s roll-up but {rnd.path} is "
                             f"{region}'s: give the roll-ups of one region.")
        key = rnd.period_key()
        other = by_period.get(key)
        if other is not None:
            raise InputError(f"{other.path} and {rnd.path} are both roll-ups for "
                             f"{rnd.period or 'an unknown period'}: give one roll-up per "
                             "quarter.")
        by_period[key] = rnd
    return [by_period[k] for k in sorted(by_period)]


def read_previous_rounds(inputs: Sequence[str | Path], region: Region | None
                         ) -> PreviousRounds:
    """Every roll-up given as --previous (files or folders), in period order, each checked
    as `read_previous` checks one; InputError for none found, or two of one period."""
    from .errors import InputError

    paths = rollup_paths(inputs)
    if not paths:
        raise InputError(f"No roll-up workbooks (.xlsx) in {', '.join(map(str, inputs))}: "
                         f"{_WHAT_PREVIOUS_IS}")
    return PreviousRounds(order_rounds([read_previous(p, region) for p in paths]))


def _prefill_of(ret: Return) -> Prefill:
    """One LSP's next-round template rows, from its rows in a roll-up.

    Outcomes carry forward whole; open actions carry forward with all their milestones;
    open risks; recovery rows for items still Red or Amber.  A complete or cancelled action
    still comes along while an open milestone or an open risk refers to it, so that nothing
    the partner left open disappears from their workbook (and is then reported as dropped),
    and so do the closed actions of an outcome that has no open one (every outcome needs an
    action).
    Baselines are then locked in the template; forecasts and progress stay open to update.
    The roll-up's rows themselves are left as they were.
    """
    closed = {key: sheet(key).closed for key in ("actions", "milestones", "risks")}
    rows = {key: [dict(r.values) for r in ret.sheets[key]] for key in DATA_SHEETS}
    open_milestones = [m for m in rows["milestones"]
                       if m.get("status") not in closed["milestones"]]
    rows["risks"] = [r for r in rows["risks"] if r.get("status") not in closed["risks"]]
    # IDs matched as the checks match them (`id_key`): A-01 and a-01 are one action.
    needed = {_key(m.get("action_id")) for m in open_milestones} | \
        {_key(r.get("linked_to")) for r in rows["risks"]}
    # An outcome whose actions are all complete or cancelled keeps them: a plan without
    # actions is an error, and the partner's return would be wrong as sent.
    served = {_key(a.get("outcome_id")) for a in rows["actions"]
              if a.get("status") not in closed["actions"]
              or _key(a.get("action_id")) in needed}
    needed |= {_key(a.get("action_id")) for a in rows["actions"]
               if _key(a.get("outcome_id")) not in served}
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
    return Prefill(rows)


def prefills(previous: PreviousRound | PreviousRounds, region: Region) -> dict[str, Prefill]:
    """Each LSP's next-round template rows, from the most recent round (of those given) in
    which its return was valid; see `_prefill_of` for what is carried."""
    rounds = as_rounds(previous)
    out: dict[str, Prefill] = {}
    for lsp in region.lsps:
        src = rounds.last_valid(lsp.code)
        if src is not None:
            ret = src.valid_return(lsp.code)
            assert ret is not None
            out[lsp.code] = _prefill_of(ret)
    return out


def _key(value: Any) -> str | None:
    return None if value is None else id_key(value)


def _missed(rounds: Sequence[PreviousRound], code: str) -> str:
    """'its 2009/10 Q2 return was missing, its 2009/10 Q3 return not valid'."""
    parts = [f"its {r.period or 'roll-up ' + r.name} return "
             f"{'was ' if i == 0 else ''}{r.why_not(code)}" for i, r in enumerate(rounds)]
    return ", ".join(parts)


def blank_reasons(previous: PreviousRound | PreviousRounds, region: Region) -> dict[str, str]:
    """Why a partnership's next workbook cannot be prefilled, by LSP code: none of the
    roll-ups given holds a valid return of it, and what each says about it."""
    rounds = as_rounds(previous)
    out: dict[str, str] = {}
    for lsp in region.lsps:
        if rounds.last_valid(lsp.code) is not None:
            continue
        if len(rounds.rounds) == 1:
            rnd = rounds.rounds[0]
            period = rnd.period or "the previous round"
            out[lsp.code] = (f"its {period} return is not in {rnd.name}: it was "
                             f"{rnd.why_not(lsp.code)}" if lsp.code not in rnd.returns else
                             f"its {period} return in {rnd.name} was not valid")
        else:
            out[lsp.code] = (f"none of the {len(rounds.rounds)} roll-ups given holds a valid "
                             f"return of it: {_missed(rounds.rounds, lsp.code)}")
    return out


def prefill_sources(previous: PreviousRound | PreviousRounds, region: Region
                    ) -> dict[str, str]:
    """Which round each prefilled workbook comes from, by LSP code: 'its 2009/10 Q1 return',
    and, when that is not the latest round given, why not the later ones.  Said in the
    partnership's terms (no file names), for its email too."""
    rounds = as_rounds(previous)
    out: dict[str, str] = {}
    for lsp in region.lsps:
        src = rounds.last_valid(lsp.code)
        if src is None:
            continue
        text = f"its {src.period or 'last'} return"
        later = rounds.rounds[rounds.rounds.index(src) + 1:]
        if later:
            text += f", its last valid one: {_missed(later, lsp.code)}"
        out[lsp.code] = text
    return out


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
