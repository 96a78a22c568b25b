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
from typing import TYPE_CHECKING, Any

from ..issues import FileReport
from ..model import Return
from ..region import Region
from ..round import LspStatus, RoundResult
from ..schemas import sheet
from ..slippage import Flag, FlaggedItem, Schedule, flags, history_flags, kind, sort_flags
from ..text import id_key
from ..themes import Themes

if TYPE_CHECKING:
    from ..review import ReviewFigures, ReviewsRead

THEME_UNKNOWN = "(theme unknown)"
ADVICE_SHEET = "review-advice"  # the GO review's advice, whose overdue flags are the GO's own


@dataclass
class LspFigures:
    """One partnership's row of the Dashboard."""

    outcomes: Counter = field(default_factory=Counter)  # by delivery confidence
    actions: Counter = field(default_factory=Counter)  # by RAG
    slipping_items: int = 0  # actions and milestones flagged, each once however many rules
    slipping_milestones: int = 0
    off_track: int = 0
    high_flags: int = 0
    red_without_plan: int = 0
    weak_areas: list[str] = field(default_factory=list)
    budget: Budget = field(default_factory=lambda: Budget())


@dataclass
class Budget:
    """Cost, spend and forecast outturn of a set of actions (cancelled ones left out).

    Spend and outturn stay None while no action of the set reports one (a return made from
    a template before version 1.1 has neither), so an unknown is not shown as £0.
    """

    actions: int = 0
    cost: float = 0
    spent: float | None = None
    outturn: float | None = None
    over_budget: int = 0  # actions flagged over-budget

    def add(self, cost: Any, spent: Any, outturn: Any) -> None:
        self.actions += 1
        if _is_amount(cost):
            self.cost += cost
        if _is_amount(spent):
            self.spent = (self.spent or 0) + spent
        if _is_amount(outturn):
            self.outturn = (self.outturn or 0) + outturn


def _is_amount(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Dependency:
    """One action of one partnership waiting for another: a row of the Dependencies sheet."""

    lsp: str
    theme: str
    action_id: str
    description: str
    status: str
    must_finish_by: date | None  # its start (not started) or own expected finish
    predecessor: str
    predecessor_status: str  # "(not on the Actions sheet)" when unknown
    predecessor_finish: date | None  # expected, pushed by what it waits for in turn
    predecessor_slipping: bool  # flagged by a slippage rule of its own
    days_pushed: int | None  # how far the predecessor pushes this action, if it does
    file: str
    sheet: str  # as the partner's workbook names it
    row: int


@dataclass
class OffTrackOutcome:
    """An outcome off trajectory, or rated Red: one line of the Dashboard's list."""

    lsp: str
    outcome_id: str
    title: str  # the indicator and the outcome, as one line
    theme: str
    latest: object
    target: float | None  # what it should have reached by now
    rag: str
    note: str  # why it is listed; an outcome off trajectory but rated Green says so


@dataclass
class SlippingItem:
    """One slipping action or milestone, however many rules flag it, at its worst flag."""

    lsp: str
    sheet: str
    item_id: str
    description: str
    theme: str
    worst: Flag
    rules: list[str]


@dataclass
class RegionTotal:
    """The Dashboard's region total row."""

    expected: int = 0
    received: int = 0
    valid: int = 0
    late: int = 0
    missing: int = 0
    errors: int = 0
    warnings: int = 0
    figures: LspFigures = field(default_factory=LspFigures)
    weak_partnerships: int = 0  # partnerships with an assurance area rated Weak


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
    off_track: list[OffTrackOutcome] = field(default_factory=list)
    slipping_items: list[SlippingItem] = field(default_factory=list)  # worst first
    total: RegionTotal = field(default_factory=RegionTotal)
    budget_by_theme: list[tuple[str, Budget]] = field(default_factory=list)
    budget_total: Budget = field(default_factory=Budget)
    dependencies: list[Dependency] = field(default_factory=list)
    reviews: ReviewsRead | None = None  # the GO's reviews, when given (--reviews)
    review_figures: dict[str, ReviewFigures] = field(default_factory=dict)  # by LSP code

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
                reviews: ReviewsRead | None = None,
                earlier_flags: Mapping[str, set[FlaggedItem]] | None = None) -> Rollup:
    """Choose the returns whose data goes in, find every slippage flag among them, count.

    With `reviews`, the GO's reviews used are folded in: their advice-overdue flags among the
    flags, and each partnership's GO assessment in `review_figures`.  `earlier_flags` (period
    -> the items flagged then, from earlier roll-ups) lets the rules that look across several
    rounds (persistent-slip) judge this round's flags."""
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
    advice: dict[str, list[Flag]] = {}
    for code, rep in (reviews.used.items() if reviews else ()):
        advice[code] = flags(rep.data, None, as_of, region.tolerances, region.period)
        found.extend(advice[code])
    rollup = Rollup(result, as_of, sort_flags(found), included, include_invalid,
                    previous_source, reviews=reviews)
    if reviews is not None:
        from ..review import review_figures

        rollup.review_figures = {code: review_figures(rep, advice[code])
                                 for code, rep in reviews.used.items()}
    rollup.themes = {s.lsp.code: Themes(s.report.data) for s in included
                     if s.report is not None}
    rollup.figures = lsp_figures(rollup)
    rollup.slipping_by_theme = slipping_by_theme(rollup)
    rollup.factors = factor_counts(rollup)
    rollup.off_track = off_track_outcomes(rollup)
    rollup.slipping_items = slipping_items(rollup.flags)
    rollup.total = region_total(rollup)
    rollup.budget_by_theme, rollup.budget_total = budgets(rollup)
    rollup.dependencies = dependencies(rollup)
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
                   use: Sequence[Path] = (),
                   reviews: ReviewsRead | None = None,
                   earlier_flags: Mapping[str, set[FlaggedItem]] | None = None) -> Slipping:
    """The slippage flags of the returns `consolidate` would roll up, worst first.

    With a region, the returns are paired with its partnerships exactly as `consolidate`
    pairs them, so both count the same flags.  Without one, each return is judged against
    its own period.  Returns with errors are left out unless `include_invalid`; `use` picks
    one of two returns for a partnership, as for `consolidate`.
    """
    from ..region import Period
    from ..round import check_files, collect

    if region is not None:
        result = collect(list(paths), region, previous, jobs=jobs, use=use,
                         slippage_as_of=as_of or region.period.end)
        rollup = consolidate(result, as_of, dict(previous or {}), include_invalid,
                             reviews=reviews, earlier_flags=earlier_flags)
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
    items: dict[str, set[tuple[str, str]]] = {}
    off: dict[str, set[str]] = {}
    for f in r.flags:
        if f.lsp not in out or f.sheet == ADVICE_SHEET:  # the GO's advice: counted apart
            continue
        if f.sheet != "outcomes":
            items.setdefault(f.lsp, set()).add((f.sheet, f.item_id))
        if f.sheet == "milestones":
            milestones.setdefault(f.lsp, set()).add(f.item_id)
        if f.rule == "off-trajectory":
            off.setdefault(f.lsp, set()).add(f.item_id)
        if f.severity == "high":
            out[f.lsp].high_flags += 1
    for code, fig in out.items():
        fig.slipping_items = len(items.get(code, ()))
        fig.slipping_milestones = len(milestones.get(code, ()))
        fig.off_track = len(off.get(code, ()))
    return out


def slipping_by_theme(r: Rollup) -> list[tuple[str, int]]:
    """Flagged items (each once, however many rules flag it) by their outcome's theme."""
    counts: Counter = Counter()
    seen: set[tuple[str, str, str]] = set()
    for f in r.flags:
        if f.sheet == ADVICE_SHEET:
            continue
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


def off_track_outcomes(r: Rollup) -> list[OffTrackOutcome]:
    """Outcomes off trajectory or rated Red, in region order then outcome order."""
    from ..slippage import expected_value

    off = {(f.lsp, f.item_id) for f in r.flags if f.rule == "off-trajectory"}
    out = []
    for s in r.included:
        assert s.report is not None and s.report.data is not None
        for row in s.report.data.sheets["outcomes"]:
            oid = str(row.get("outcome_id") or "")
            rag = str(row.get("confidence") or "")
            behind = (s.lsp.code, oid) in off
            if not (behind or rag == "Red"):
                continue
            if behind and rag == "Green":
                note = "Off trajectory, but rated Green"
            elif behind:
                note = "Off trajectory" + (f", rated {rag}" if rag else ", not rated")
            else:
                note = "Rated Red"
            indicator = str(row.get("indicator") or "")
            title = " ".join(str(row.get("title") or "").split())
            out.append(OffTrackOutcome(
                s.lsp.code, oid, f"{indicator}: {title}" if indicator and title else
                indicator or title, r.themes[s.lsp.code].of_outcome(oid) or THEME_UNKNOWN,
                row.get("latest_value"), expected_value(row, r.region.period), rag, note))
    return out


def slipping_items(found: Sequence[Flag]) -> list[SlippingItem]:
    """Each flagged action and milestone once, at its worst flag, worst first."""
    items: dict[tuple[str, str, str], SlippingItem] = {}
    for f in found:  # worst first: an item's first flag is its worst
        if f.sheet == "outcomes":
            continue
        key = (f.lsp, f.sheet, f.item_id)
        if key in items:
            if f.rule not in items[key].rules:
                items[key].rules.append(f.rule)
            continue
        items[key] = SlippingItem(f.lsp, f.sheet, f.item_id, f.description,
                                  f.theme or THEME_UNKNOWN, f, [f.rule])
    return list(items.values())


def region_total(r: Rollup) -> RegionTotal:
    """The sums of the Dashboard's columns, and the round's completeness."""
    deadline = r.region.due
    t = RegionTotal(expected=len(r.result.statuses))
    fig = t.figures
    for s in r.result.statuses:
        if s.report is None:
            t.missing += 1
            continue
        t.received += 1
        t.valid += s.valid
        t.late += s.on_time(deadline) is False
        t.errors += s.report.errors
        t.warnings += s.report.warnings
    for f in r.figures.values():
        fig.outcomes.update(f.outcomes)
        fig.actions.update(f.actions)
        fig.slipping_items += f.slipping_items
        fig.slipping_milestones += f.slipping_milestones
        fig.off_track += f.off_track
        fig.high_flags += f.high_flags
        fig.red_without_plan += f.red_without_plan
        t.weak_partnerships += bool(f.weak_areas)
    return t


def budgets(r: Rollup) -> tuple[list[tuple[str, Budget]], Budget]:
    """Cost, spend and outturn per partnership (into its figures), per theme and in all."""
    k = kind("actions")
    by_theme: dict[str, Budget] = {}
    total = Budget()
    over = {(f.lsp, id_key(f.item_id)) for f in r.flags if f.rule == "over-budget"}
    for s in r.included:
        assert s.report is not None and s.report.data is not None
        themes = r.themes[s.lsp.code]
        mine = r.figures[s.lsp.code].budget
        for row in s.report.data.sheets["actions"]:
            if row.get(k.status or "") in k.cancelled:
                continue
            theme = themes.of_row(row) or THEME_UNKNOWN
            values = (row.get(k.cost or ""), row.get(k.spent or ""), row.get(k.outturn or ""))
            flagged = (s.lsp.code, id_key(row.get(k.key))) in over
            for b in (mine, by_theme.setdefault(theme, Budget()), total):
                b.add(*values)
                b.over_budget += flagged
    order = list(r.region.themes)
    ranked = sorted(by_theme.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                      else len(order), kv[0]))
    return ranked, total


def dependencies(r: Rollup) -> list[Dependency]:
    """Every action that waits for another, one row per predecessor, in each return's order."""
    k = kind("actions")
    if not k.predecessors:
        return []
    flagged = {(f.lsp, id_key(f.item_id)) for f in r.flags
               if f.sheet == "actions" and f.rule != "knock-on"}
    out: list[Dependency] = []
    for s in r.included:
        assert s.report is not None and s.report.data is not None
        data = s.report.data
        themes = r.themes[s.lsp.code]
        schedule = Schedule(data, r.as_of)
        for row in data.sheets["actions"]:
            aid = row.get(k.key)
            if not isinstance(aid, str) or not row.get(k.predecessors):
                continue
            key = id_key(aid)
            closed = row.get(k.status or "") in (*k.cancelled, k.achieved)
            by = schedule.against(key)
            for pred, prow in schedule.predecessors(key):
                finish = schedule.finish(id_key(pred)) if prow is not None else None
                if prow is not None and finish is None:  # done or cancelled: its own date
                    finish = prow.get(k.done_date or "")
                late = not closed and finish is not None and by is not None \
                    and finish > by and schedule.finish(id_key(pred)) is not None
                out.append(Dependency(
                    lsp=s.lsp.code, theme=themes.of_row(row), action_id=aid,
                    description=str(row.get(k.summary or "") or ""),
                    status=str(row.get(k.status or "") or ""), must_finish_by=by,
                    predecessor=pred,
                    predecessor_status=str(prow.get(k.status or "") or "")
                    if prow is not None else "(not on the Actions sheet)",
                    predecessor_finish=finish if isinstance(finish, date) else None,
                    predecessor_slipping=(s.lsp.code, id_key(pred)) in flagged,
                    days_pushed=(finish - by).days if late and finish and by else None,
                    file=data.path, sheet=data.sheet_names.get("actions", "Actions"),
                    row=row.row))
    return out
