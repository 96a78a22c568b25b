"""A roll-up read for briefing: its data sheets per partnership and its summary sheets as records.

Every figure a pack shows is taken from here, so every figure is one the roll-up holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, ReadError
from ..model import Return
from ..region import Period
from ..rollup import HEADER_ROW

SUMMARY_SHEETS = ("About", "Dashboard", "Completeness", "Slipping", "Assurance", "Advice")
# The data sheets a pack draws on.  Milestones are not among them: the Slipping sheet names
# the milestones that slip, with their theme.
DATA_SHEETS = ("outcomes", "actions", "risks", "recovery")

_WHAT_BRIEF_TAKES = "laa-xl brief takes the roll-up workbook that `laa-xl consolidate` wrote."


@dataclass
class RollupSource:
    """One roll-up, read: identity, each partnership's rows, and its summary sheets' rows."""

    path: str
    region: str
    period: Period
    as_of: date
    go_name: str = ""
    deadline: date | None = None
    returns: dict[str, Return] = field(default_factory=dict)  # by LSP code
    dashboard: list[dict[str, Any]] = field(default_factory=list)  # one per partnership
    completeness: dict[str, dict[str, Any]] = field(default_factory=dict)  # by LSP code
    slipping: list[dict[str, Any]] = field(default_factory=list)  # one per flag, worst first
    assurance: dict[str, dict[str, str]] = field(default_factory=dict)  # LSP -> ref -> rating
    questions: list[tuple[str, str, str]] = field(default_factory=list)  # ref, area, question
    advice: list[dict[str, Any]] = field(default_factory=list)  # the Advice sheet's rows
    _by_lsp: dict[str, list[dict[str, Any]]] | None = field(default=None, repr=False)

    def flags_of(self, lsp: str) -> list[dict[str, Any]]:
        """The Slipping sheet's rows of one partnership, worst first."""
        if self._by_lsp is None:
            self._by_lsp = {}
            for f in self.slipping:
                self._by_lsp.setdefault(str(f.get("LSP")), []).append(f)
        return self._by_lsp.get(lsp, [])

    @property
    def lsp_codes(self) -> list[str]:
        return [str(d["LSP"]) for d in self.dashboard]

    def lsp_name(self, code: str) -> str:
        for d in self.dashboard:
            if d["LSP"] == code:
                return str(d.get("Partnership") or code)
        return code


def read_source(path: str | Path) -> RollupSource:
    """Read a roll-up for briefing; InputError (a mistake in the command) if it is not one."""
    from ..rollup_reader import read_rollup

    try:
        got = read_rollup(path, (), grids=SUMMARY_SHEETS, role="a roll-up",
                          what_it_takes=_WHAT_BRIEF_TAKES, data_sheets=DATA_SHEETS)
    except ReadError as err:
        raise InputError(str(err)) from err
    try:
        period = Period.parse(got.meta.get("period", ""))
    except ValueError as err:
        raise InputError(f"{path} names no period a roll-up would (it says "
                         f"{got.meta.get('period')!r}): {_WHAT_BRIEF_TAKES}") from err
    as_of = _as_date(got.meta.get("as_of")) or period.end
    t = got.grids
    about = {str(r[0]): r[1] for r in t.get("About", []) if len(r) > 1 and r[0]}
    src = RollupSource(str(path), got.meta.get("region", ""), period, as_of,
                       go_name=str(about.get("Government Office") or ""),
                       deadline=_as_date(about.get("Return deadline")), returns=got.returns)
    src.completeness = {str(r["LSP"]): r for r in records(t.get("Completeness", []))}
    # The Dashboard's partnerships (its region total row, and the lists below, left aside).
    src.dashboard = [r for r in records(t.get("Dashboard", []))
                     if str(r.get("LSP")) in src.completeness]
    src.slipping = records(t.get("Slipping", []))
    src.advice = records(t.get("Advice", []))  # a roll-up made with the GO's reviews
    matrix = t.get("Assurance", [])
    header = [str(h) for h in matrix[HEADER_ROW]] if len(matrix) > HEADER_ROW else []
    refs = [h for h in header[2:] if h not in ("Weak", "Adequate", "Strong")]
    for rec in records(matrix):
        src.assurance[str(rec["LSP"])] = {q: str(rec.get(q) or "") for q in refs}
    for i, row in enumerate(matrix):
        if [str(c) for c in row[:3]] == ["Ref", "Area", "Question"]:
            src.questions = [(str(r[0]), str(r[1]), str(r[2])) for r in matrix[i + 1:]
                             if len(r) > 2 and r[0]]
            break
    return src


def records(grid: list[list[Any]], header_row: int = HEADER_ROW) -> list[dict[str, Any]]:
    """The table of a summary sheet as one dict per row, by header text: from the header row
    down to the first row with nothing in its first cell.  Whole numbers are ints."""
    if len(grid) <= header_row:
        return []
    header = [str(h) for h in grid[header_row]]
    out: list[dict[str, Any]] = []
    for row in grid[header_row + 1:]:
        if not row or row[0] in ("", None):
            break
        out.append({h: _plain(v) for h, v in zip(header, row, strict=False) if h})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == "":
        return None
    return value


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def read_reviews(folder: str | Path, src: RollupSource, notes: list[str]) -> dict[str, Any]:
    """The GO's judgement of each partnership, from a folder of filled review workbooks
    (`laa-xl review`): those of this roll-up's region and period that are valid, by LSP code.
    Any other file is named in `notes` and left out."""
    from ..review import review_figures
    from ..round import expand_inputs
    from ..rules import check_file
    from ..schemas import review_product
    from .data import Review

    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"--reviews {folder} is not a folder.")
    out: dict[str, Any] = {}
    for p in expand_inputs([path]):
        rep = check_file(p)
        meta = rep.data.meta if rep.data is not None else {}
        code = str(meta.get("lsp_code") or "")
        if meta.get("product") != review_product():
            notes.append(f"{p.name}: not a GO review workbook: left out.")
        elif meta.get("region") != src.region or meta.get("period") != str(src.period):
            notes.append(f"{p.name}: a review of {meta.get('region')}, {meta.get('period')}, "
                         f"not of this roll-up's {src.region}, {src.period}: left out.")
        elif not rep.valid:
            notes.append(f"{p.name}: {rep.errors} error(s); check it with laa-xl validate: "
                         "left out.")
        elif code not in src.completeness:
            notes.append(f"{p.name}: a review of {code}, not a partnership of the roll-up: "
                         "left out.")
        else:
            fig = review_figures(rep)
            data = rep.data
            (con, *_) = data.sheets.get("review-conclusion") or [None]
            out[code] = Review(
                fit_for_purpose=str(fig.fit or ""), likelihood=str(fig.overall or ""),
                conclusion=str(con.get("conclusion") or "") if con is not None else "",
                go_assurance={str(r.get("question_id")): str(r.get("go_rating"))
                              for r in data.sheets.get("review-assurance", [])
                              if r.get("question_id") and r.get("go_rating")},
                outcome_judgements={str(r.get("outcome_id")): str(r.get("judgement"))
                                    for r in data.sheets.get("review-outcomes", [])
                                    if r.get("outcome_id") and r.get("judgement")})
    return out
