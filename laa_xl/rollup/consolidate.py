"""What goes into the roll-up, worked out before a cell is written: plain data a test can check.

`consolidate` chooses the returns whose data goes in, finds every slippage flag among them, and
counts what the Dashboard shows (per partnership, slipping by theme, external factors).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..issues import FileReport
from ..model import Return
from ..region import Region
from ..round import LspStatus, RoundResult
from ..schemas import sheet
from ..slippage import Flag, FlaggedItem, flags, history_flags, sort_flags
from ..themes import Themes

THEME_UNKNOWN = "(theme unknown)"


@dataclass
class LspFigures:
    """One partnership's row of the Dashboard."""

    outcomes: Counter = field(default_factory=Counter)  # by delivery confidence
    actions: Counter = field(default_factory=Counter)  # by RAG
    slipping_milestones: int = 0
    off_track: int = 0
    high_flags: int = 0
    red_without_plan: int = 0
    weak_areas: list[str] = field(default_factory=list)


@dataclass
class Rollup:
    """Everything the roll-up shows."""

    result: RoundResult
    as_of: date
    flags: list[Flag]
    included: list[LspStatus]  # statuses whose data is in the roll-up
    include_invalid: bool = False
    previous_source: str = ""
    figures: dict[str, LspFigures] = field(default_factory=dict)  # by LSP code
    slipping_by_theme: list[tuple[str, int]] = field(default_factory=list)  # items, not flags
    factors: list[tuple[str, int]] = field(default_factory=list)  # Recovery's main factors
    themes: dict[str, Themes] = field(default_factory=dict)  # by LSP code, included returns

    @property
    def region(self) -> Region:
        return self.result.region

    def rows_in(self, key: str) -> int:
        """How many rows of a data sheet the included returns hold, without unpacking them."""
        return sum(s.report.data.count(key) for s in self.included
                   if s.report is not None and s.report.data is not None)


def consolidate(result: RoundResult, as_of: date | None = None,
                previous: dict[str, Return] | None = None,
                include_invalid: bool = False, previous_source: str = "",
                earlier_flags: Mapping[str, set[FlaggedItem]] | None = None) -> Rollup:
    """Choose the returns whose data goes in, find every slippage flag among them, count.

    `earlier_flags` (period -> the items flagged then, from earlier roll-ups) lets the rules
    that look across several rounds (persistent-slip) judge this round's flags.
    """
    region = result.region
    as_of = as_of or region.period.end
    included = [s for s in result.statuses
                if s.report is not None and s.report.readable
                and (s.report.valid or include_invalid)]
    # The flags collect worked out as it checked each file, if for this date and round.
    ready = result.flags_as_of == as_of and (result.previous is previous
                                             or not (result.previous or previous))
    found: list[Flag] = []
    for s in included:
        assert s.report is not None and s.report.data is not None
        if ready and s.report.flags is not None:
            found.extend(s.report.flags)
        else:
            found.extend(flags(s.report.data, (previous or {}).get(s.lsp.code), as_of,
                               region.tolerances, region.period))
    found.extend(history_flags(found, earlier_flags or {}, region.period, region.tolerances))
    rollup = Rollup(result, as_of, sort_flags(found), included, include_invalid,
                    previous_source)
    rollup.themes = {s.lsp.code: Themes(s.report.data) for s in included
                     if s.report is not None}
    rollup.figures = lsp_figures(rollup)
    rollup.slipping_by_theme = slipping_by_theme(rollup)
    rollup.factors = factor_counts(rollup)
    return rollup


@dataclass
class Slipping:
    """The flags of a round's returns, and the returns whose flags are not among them."""

    flags: list[Flag]
    invalid: list[FileReport]  # read, but with errors
    unreadable: list[FileReport]  # could not be read, or match no partnership of the round
    include_invalid: bool = False

    @property
    def left_out(self) -> list[FileReport]:
        """The returns whose flags are not counted: those with errors, unless included."""
        return [] if self.include_invalid else self.invalid

    @property
    def clean(self) -> bool:
        """Every return was read and valid: exit code 0, as `consolidate` has it."""
        return not (self.invalid or self.unreadable)


def round_slipping(paths: Sequence[Path], region: Region | None,
                   previous: Mapping[str, Return] | None, as_of: date | None,
                   include_invalid: bool = False, jobs: int | None = 1,
                   earlier_flags: Mapping[str, set[FlaggedItem]] | None = None) -> Slipping:
    """The slippage flags of the returns `consolidate` would roll up, worst first.

    With a region, the returns are paired with its partnerships exactly as `consolidate`
    pairs them, so both count the same flags.  Without one, each return is judged against
    its own period.  Returns with errors are left out unless `include_invalid`.
    """
    from ..region import Period
    from ..round import check_files, collect

    if region is not None:
        result = collect(list(paths), region, previous, jobs=jobs,
                         slippage_as_of=as_of or region.period.end)
        rollup = consolidate(result, as_of, dict(previous or {}), include_invalid,
                             earlier_flags=earlier_flags)
        invalid = [s.report for s in result.statuses if s.report is not None
                   and s.report.readable and not s.report.valid]
        unreadable = [s.report for s in result.statuses if s.report is not None
                      and not s.report.readable] + list(result.unmatched)
        return Slipping(rollup.flags, invalid, unreadable, include_invalid)
    found: list[Flag] = []
    invalid_reports: list[FileReport] = []
    unreadable_reports: list[FileReport] = []
    for rep in check_files(list(paths), None, previous, jobs=jobs):
        if rep.data is None:
            unreadable_reports.append(rep)
            continue
        if not rep.valid:
            invalid_reports.append(rep)
            if not include_invalid:
                continue
        try:
            period: Period | None = Period.parse(rep.data.meta.get("period", ""))
        except ValueError:
            period = None
        when = as_of or (period.end if period else date.today())
        found.extend(flags(rep.data, (previous or {}).get(rep.data.lsp_code), when, None,
                           period))
    return Slipping(sort_flags(found), invalid_reports, unreadable_reports, include_invalid)


def lsp_figures(r: Rollup) -> dict[str, LspFigures]:
    out = {s.lsp.code: LspFigures() for s in r.result.statuses}
    for s in r.included:
        fig = out[s.lsp.code]
        assert s.report is not None and s.report.data is not None
        data = s.report.data
        fig.outcomes = Counter(row.get("confidence") for row in data.sheets["outcomes"])
        fig.actions = Counter(row.get("rag") for row in data.sheets["actions"])
        fig.red_without_plan = sum(1 for i in s.report.issues if i.code == "recovery-missing")
        # A row added below the questions may have neither area nor ref: the Issues sheet
        # reports it; here it has no name to show.
        fig.weak_areas = sorted({str(row.get("area") or row.get("question_id"))
                                 for row in data.sheets["assurance"]
                                 if row.get("rating") == "Weak"
                                 and (row.get("area") or row.get("question_id"))})
    milestones: dict[str, set[str]] = {}
    off: dict[str, set[str]] = {}
    for f in r.flags:
        if f.lsp not in out:
            continue
        if f.sheet == "milestones":
            milestones.setdefault(f.lsp, set()).add(f.item_id)
        if f.rule == "off-trajectory":
            off.setdefault(f.lsp, set()).add(f.item_id)
        if f.severity == "high":
            out[f.lsp].high_flags += 1
    for code, fig in out.items():
        fig.slipping_milestones = len(milestones.get(code, ()))
        fig.off_track = len(off.get(code, ()))
    return out


def slipping_by_theme(r: Rollup) -> list[tuple[str, int]]:
    """Flagged items (each once, however many rules flag it) by their outcome's theme."""
    counts: Counter = Counter()
    seen: set[tuple[str, str, str]] = set()
    for f in r.flags:
        key = (f.lsp, f.sheet, f.item_id)
        if key in seen:
            continue
        seen.add(key)
        counts[f.theme or THEME_UNKNOWN] += 1
    order = list(r.region.themes)
    return sorted(counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                  else len(order), kv[0]))


def factor_counts(r: Rollup) -> list[tuple[str, int]]:
    """How many recovery plans name each external factor, in the schema's order."""
    factor = sheet("recovery").field("main_factor")
    counts: Counter = Counter()
    for s in r.included:
        assert s.report is not None and s.report.data is not None
        for row in s.report.data.sheets["recovery"]:
            if row.get(factor.name):
                counts[row.get(factor.name)] += 1
    return [(f, counts[f]) for f in factor.enum or ()]
