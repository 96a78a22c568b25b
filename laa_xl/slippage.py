"""Slipping milestones and off-track outcomes: pure functions over returns.

Each rule is one small function, registered with its code, its description, its default
severity and the tolerances it uses (`RULES`); the roll-up's legend, the About sheet and the
README's table are all made from that registry.  What a rule needs to know about a sheet (which
date is the baseline, which status means achieved, which field is the RAG) comes from the
schemas, so the same rule serves actions and milestones.

`flags` finds every flag "as at" a date, `sort_flags` puts the worst first, `summarise` counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from .dependencies import split as split_ids
from .model import Return, Row
from .region import Period, Tolerances
from .schemas import sheet, target_years
from .text import id_key
from .themes import Themes

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES = (HIGH, MEDIUM, LOW)  # worst first
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_SHEET_RANK = {"outcomes": 0, "actions": 1, "milestones": 2}


@dataclass(frozen=True)
class Flag:
    """One slipping or off-track item: what, where, which rule, how many days, how bad."""

    lsp: str
    sheet: str  # "milestones", "actions" or "outcomes"
    item_id: str
    rule: str  # a key of RULES
    severity: str  # "high", "medium" or "low"
    days: int | None
    message: str
    file: str
    row: int | None  # worksheet row in `file`; None when the item is not in it (dropped)
    cell: str | None
    description: str = ""
    parent: str = ""  # the action ID of a milestone, the outcome ID of an action
    theme: str = ""  # the theme of the outcome the item serves
    # knock-on: the actions upstream of this one, from the first slipping action down
    chain: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def severity_for_days(days: int, tolerances: Tolerances | None = None) -> str:
    """Severity of a number of days late: up to low_days low, up to medium_days medium."""
    tol = tolerances or Tolerances()
    if days <= tol.low_days:
        return LOW
    if days <= tol.medium_days:
        return MEDIUM
    return HIGH


def _at_least(severity: str, floor: str) -> str:
    return severity if _SEVERITY_RANK[severity] <= _SEVERITY_RANK[floor] else floor


# -- reading values defensively: a return that failed validation may still hold raw text --

def _date(row: Row, name: str | None) -> date | None:
    value = row.get(name) if name else None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _number(row: Row, name: str | None) -> float | None:
    value = row.get(name) if name else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _text(row: Row, name: str | None) -> str:
    value = row.get(name) if name else None
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def _rank(value: str, scale: tuple[str, ...]) -> int | None:
    for i, item in enumerate(scale):
        if _same(value, item):
            return i
    return None


# -- what a rule knows about a sheet, all of it from the sheet's schema ------------------

@dataclass(frozen=True)
class Kind:
    """The fields of a sheet that slippage reads, found by their meaning in its schema."""

    sheet: str
    noun: str
    key: str
    parent: str | None
    summary: str | None
    due: str | None  # the baseline (milestone) or due (action) date
    due_words: str
    forecast: str | None
    done_date: str | None
    status: str | None
    achieved: str | None
    cancelled: tuple[str, ...]
    under_way: tuple[str, ...]
    not_started: str | None
    percent: str | None
    rag: str | None  # the field holding the item's RAG, or what stands for it
    rag_words: str
    rag_scale: tuple[str, ...]  # best first; the last is the worst (Red, Missed)
    rag_is_rag: bool  # a real Red/Amber/Green (rated Green), not a status (marked On track)
    start: str | None = None
    predecessors: str | None = None  # the IDs that must finish first (template 1.1)
    cost: str | None = None
    spent: str | None = None
    outturn: str | None = None


@cache
def kind(key: str) -> Kind:
    spec = sheet(key)

    def name(keyword: str) -> str | None:
        f = spec.role(keyword)
        return f.name if f else None

    due, rag, status = spec.role("x-due"), spec.rag, spec.status
    return Kind(
        sheet=key, noun=spec.noun, key=spec.key_field,
        parent=spec.parent.name if spec.parent else None, summary=name("x-summary"),
        due=due.name if due else None, due_words=due.words if due else "",
        forecast=name("x-forecast"), done_date=name("x-done-date"),
        status=status.name if status else None, achieved=spec.achieved,
        cancelled=spec.cancelled,
        under_way=tuple(status.schema.get("x-under-way", ())) if status else (),
        not_started=status.schema.get("x-not-started") if status else None,
        percent=name("x-percent"), rag=rag.name if rag else None,
        rag_words=rag.words if rag else "", rag_scale=rag.rag_scale if rag else (),
        rag_is_rag=bool(rag and rag.rag), start="start_date" if key == "actions" else None,
        predecessors=name("x-predecessors"), cost=name("x-cost"), spent=name("x-spent"),
        outturn=name("x-outturn"))


def _is_cancelled(row: Row, k: Kind) -> bool:
    status = _text(row, k.status)
    return any(_same(status, c) for c in k.cancelled)


def _is_done(row: Row, k: Kind) -> bool:
    return bool(k.achieved and _same(_text(row, k.status), k.achieved)) \
        or _date(row, k.done_date) is not None


def _done_words(k: Kind) -> str:
    return (k.achieved or "done").lower()


def _label(noun: str, item_id: str, row: Row | None) -> str:
    if item_id:
        return f"{noun} {item_id}"
    return f"The {noun.lower()} in row {row.row}" if row is not None else f"A {noun.lower()}"


# -- the item a rule looks at -------------------------------------------------------------

@dataclass
class Item:
    """One row of a return as the rules see it: its dates worked out once."""

    ret: Return
    kind: Kind
    row: Row
    before: Row | None  # the same item's row last round, if any
    as_of: date
    tol: Tolerances
    period: Period | None
    item_id: str = ""
    name: str = ""
    base: date | None = None
    forecast: date | None = None
    overdue: int | None = None  # days past the baseline, if past it
    slip: int | None = None  # days from baseline to forecast
    done: bool = False
    # What rules work out once for the whole sheet (the knock-on schedule), shared by its items.
    shared: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        k, row = self.kind, self.row
        self.item_id = _text(row, k.key)
        self.name = _label(k.noun, self.item_id, row)
        if k.sheet == "outcomes":
            indicator = _text(row, "indicator")
            self.name += f" ({indicator})" if indicator else ""
        self.base, self.forecast = _date(row, k.due), _date(row, k.forecast)
        self.overdue = (self.as_of - self.base).days if self.base and self.base < self.as_of \
            else None
        self.slip = (self.forecast - self.base).days if self.forecast and self.base else None
        self.done = _is_done(row, k)

    @property
    def slipping(self) -> bool:
        return self.slip is not None and self.slip > self.tol.forecast_slip_days

    def flag(self, rule: str, severity: str, days: int | None, message: str,
             field_name: str | None, chain: str = "") -> Flag:
        floor = RULES[rule].floor.get(self.kind.sheet)
        if floor:
            severity = _at_least(severity, floor)
        k = self.kind
        return Flag(lsp=self.ret.lsp_code, sheet=k.sheet, item_id=self.item_id, rule=rule,
                    severity=severity, days=days, message=message, file=self.ret.path,
                    row=self.row.row, cell=self.row.cell(field_name) if field_name else None,
                    description=_text(self.row, k.summary), parent=_text(self.row, k.parent),
                    chain=chain)


# -- the registry ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A slippage rule: its code, when it is raised, how severe, and the function that looks.

    `description` may name the tolerances it uses (``{forecast_slip_days}``), filled in with
    the region's by `describe`.  `floor` raises a sheet's flags to at least a severity.
    `open_only` rules skip items achieved or complete; `needs_previous` ones need last
    round's row; `per_item` is False for a rule that looks at last round's rows instead;
    `needs_history` rules look at this round's flags against earlier rounds' (`history_flags`),
    not at a return.
    """

    code: str
    description: str
    severity: str
    sheets: tuple[str, ...]
    check: Callable[..., Iterator[Flag]]
    tolerances: tuple[str, ...] = ()
    floor: dict[str, str] = field(default_factory=dict)
    open_only: bool = True
    needs_previous: bool = False
    per_item: bool = True
    needs_history: bool = False

    def describe(self, tolerances: Tolerances | None = None) -> str:
        tol = tolerances or Tolerances()
        values = {name: getattr(tol, name) for name in self.tolerances}
        for ratio in ("behind_plan_ratio", "over_budget_ratio"):
            if ratio in values:
                values[ratio] = f"{values[ratio]:.0%}"
        return self.description.format(**values)


RULES: dict[str, Rule] = {}


def rule(code: str, description: str, severity: str, sheets: tuple[str, ...],
         **kw: Any) -> Callable[[Callable[..., Iterator[Flag]]], Callable[..., Iterator[Flag]]]:
    """Register a rule; the order of registration is the order of the legend and README."""
    def register(fn: Callable[..., Iterator[Flag]]) -> Callable[..., Iterator[Flag]]:
        RULES[code] = Rule(code, description, severity, sheets, fn, **kw)
        return fn
    return register


_ITEMS = ("actions", "milestones")


@rule("overdue", "The baseline date (milestone) or due date (action) has passed and the item "
      "is not achieved or complete.", "by days overdue; a milestone at least medium", _ITEMS,
      tolerances=("low_days", "medium_days"), floor={"milestones": MEDIUM})
def _overdue(it: Item) -> Iterator[Flag]:
    if it.overdue is None or it.base is None:
        return
    tail = f" (forecast {_dmy(it.forecast)})" if it.forecast and it.forecast != it.base else ""
    yield it.flag("overdue", severity_for_days(it.overdue, it.tol), it.overdue,
                  f"{it.name} was due {_dmy(it.base)} and is not {_done_words(it.kind)}: "
                  f"{_days(it.overdue)} overdue{tail}.", it.kind.due)


@rule("forecast-slip", "The forecast date is later than the baseline or due date by more than "
      "the tolerance ({forecast_slip_days} days).", "by days of slip", _ITEMS,
      tolerances=("forecast_slip_days", "low_days", "medium_days"))
def _forecast_slip(it: Item) -> Iterator[Flag]:
    if not it.slipping or it.base is None or it.forecast is None or it.slip is None:
        return
    yield it.flag("forecast-slip", severity_for_days(it.slip, it.tol), it.slip,
                  f"{it.name} is forecast for {_dmy(it.forecast)}, {_days(it.slip)} after its "
                  f"{it.kind.due_words} of {_dmy(it.base)} (tolerance "
                  f"{_days(it.tol.forecast_slip_days)}).", it.kind.forecast)


@rule("slipped-since-last-round", "The forecast date is later than the forecast (or, if "
      "there was none, the baseline) in the previous round's return.", "by days moved",
      _ITEMS, tolerances=("low_days", "medium_days"), needs_previous=True)
def _slipped_since_last_round(it: Item) -> Iterator[Flag]:
    assert it.before is not None
    k = it.kind
    old_forecast = _date(it.before, k.forecast)
    old_expected = old_forecast or _date(it.before, k.due)
    if not (it.forecast and old_expected and it.forecast > old_expected):
        return
    moved = (it.forecast - old_expected).days
    what = (f"the forecast of {_dmy(old_expected)}" if old_forecast
            else f"its {k.due_words} of {_dmy(old_expected)}")
    yield it.flag("slipped-since-last-round", severity_for_days(moved, it.tol), moved,
                  f"{it.name} is now forecast for {_dmy(it.forecast)}, {_days(moved)} later "
                  f"than {what} last round.", k.forecast)


@rule("re-baselined", "The baseline or due date differs from the previous round's; baselines "
      "are fixed once agreed.", "moved later: by days, at least medium; moved earlier: low",
      _ITEMS, tolerances=("low_days", "medium_days"), open_only=False, needs_previous=True)
def _re_baselined(it: Item) -> Iterator[Flag]:
    # A baseline moved after completion is still a moved baseline: not only for open items.
    assert it.before is not None
    old_base = _date(it.before, it.kind.due)
    if not (it.base and old_base and it.base != old_base):
        return
    moved = (it.base - old_base).days
    if moved > 0:
        severity = _at_least(severity_for_days(moved, it.tol), MEDIUM)
        how = f"{_days(moved)} later"
    else:
        severity, how = LOW, f"{_days(-moved)} earlier"
    yield it.flag("re-baselined", severity, moved,
                  f"{it.name}'s {it.kind.due_words} changed from {_dmy(old_base)} last round "
                  f"to {_dmy(it.base)}: {how}. Baselines are fixed once agreed; put the agreed "
                  "date back and use Forecast date for the new expected date.", it.kind.due)


@rule("rag-worsened", "The RAG (an outcome's delivery confidence, a milestone's status) is "
      "worse than in the previous round.", "high when it is now Red or Missed, otherwise "
      "medium", ("outcomes", *_ITEMS), needs_previous=True)
def _rag_worsened(it: Item) -> Iterator[Flag]:
    assert it.before is not None
    k = it.kind
    rank_now = _rank(_text(it.row, k.rag), k.rag_scale)
    rank_then = _rank(_text(it.before, k.rag), k.rag_scale)
    if rank_now is None or rank_then is None or rank_now <= rank_then:
        return
    severity = HIGH if rank_now == len(k.rag_scale) - 1 else MEDIUM
    yield it.flag("rag-worsened", severity, None,
                  f"{it.name}'s {k.rag_words} went from {k.rag_scale[rank_then]} last round "
                  f"to {k.rag_scale[rank_now]}.", k.rag)


@rule("behind-plan", "An action's % complete is under {behind_plan_ratio} (the region's "
      "ratio) of the share of time gone between its start and due dates.", "low: an early "
      "warning before the due date passes", ("actions",), tolerances=("behind_plan_ratio",))
def _behind_plan(it: Item) -> Iterator[Flag]:
    """Progress against a straight line from start (0%) to due date (100%).

    Judged only inside the planned window (start < as at <= due): before the start nothing is
    expected, and after the due date `overdue` already says more.  A blank % complete counts
    as 0 only when the action is Not started; otherwise there is nothing to judge.
    """
    k, due = it.kind, it.base
    start = _date(it.row, "start_date")
    if not start or not due or not start < it.as_of <= due:
        return
    pct = _number(it.row, k.percent)
    if pct is None:
        if not (k.not_started and _same(_text(it.row, k.status), k.not_started)):
            return
        pct = 0
    share = (it.as_of - start).days / (due - start).days
    expected = it.tol.behind_plan_ratio * share * 100
    # A hair of slack so that a value exactly on the line is not flagged by float rounding.
    if pct >= expected - 1e-9:
        return
    yield it.flag("behind-plan", LOW, None,
                  f"{it.name} is {_num(pct)}% complete with {round(share * 100)}% of its time "
                  f"gone ({_dmy(start)} to {_dmy(due)}): expected at least "
                  f"{_num(round(expected, 1))}%.", k.percent)


@rule("stalled", "An action under way last round is not complete, and neither its % complete "
      "nor its forecast date has changed since.", "medium", ("actions",), needs_previous=True)
def _stalled(it: Item) -> Iterator[Flag]:
    # Only an item with a % complete can stall: "forecast unchanged" alone would flag every
    # milestone that is simply on track.
    assert it.before is not None
    k, before = it.kind, it.before
    pct, old_pct = _number(it.row, k.percent), _number(before, k.percent)
    under_way = (old_pct is not None and old_pct > 0) or any(
        _same(_text(before, k.status), s) for s in k.under_way)
    if (pct is not None and old_pct is not None and pct == old_pct and under_way
            and not _is_done(before, k) and not _is_cancelled(before, k)
            and it.forecast == _date(before, k.forecast)):
        when = f"forecast {_dmy(it.forecast)}" if it.forecast else "no forecast date"
        yield it.flag("stalled", MEDIUM, None,
                      f"{it.name} has not moved since last round: still {_num(pct)}% "
                      f"complete, {when}.", k.percent)


@rule("rag-inconsistent", "Rated Green (a milestone: On track) while overdue or forecast "
      "beyond the tolerance.", "medium", _ITEMS, tolerances=("forecast_slip_days",))
def _rag_inconsistent(it: Item) -> Iterator[Flag]:
    k = it.kind
    best = k.rag_scale[0]
    if not (_same(_text(it.row, k.rag), best) and (it.overdue is not None or it.slipping)):
        return
    rated = f"rated {best}" if k.rag_is_rag else f"marked {best}"
    if it.overdue is not None and it.base:
        why, days = f"is {_days(it.overdue)} overdue (due {_dmy(it.base)})", it.overdue
    elif it.forecast and it.base and it.slip is not None:
        why, days = (f"its forecast {_dmy(it.forecast)} is {_days(it.slip)} after its "
                     f"{k.due_words} of {_dmy(it.base)}"), it.slip
    else:  # pragma: no cover - overdue or slipping implies one of the above
        return
    yield it.flag("rag-inconsistent", MEDIUM, days,
                  f"{it.name} is {rated} but {why}. Review its {k.rag_words}.", k.rag)


@rule("dropped", "An action or milestone in the previous round's return, not complete or "
      "cancelled there, is missing from this one.", "medium", _ITEMS, per_item=False)
def _dropped(ret: Return, k: Kind, previous: Return, present: set[str]) -> Iterator[Flag]:
    seen: set[str] = set()
    for before in previous.sheets.get(k.sheet, []):
        item_id = _text(before, k.key)
        key = id_key(item_id)
        if not item_id or key in present or key in seen:
            continue
        seen.add(key)
        if _is_done(before, k) or _is_cancelled(before, k):
            continue
        base = _date(before, k.due)
        when = f" ({k.due_words} {_dmy(base)})" if base else ""
        # The previous round's row number belongs to another file (perhaps a roll-up), so the
        # flag points at this return with no row.
        yield Flag(lsp=ret.lsp_code, sheet=k.sheet, item_id=item_id, rule="dropped",
                   severity=MEDIUM, days=None,
                   message=f"{k.noun} {item_id}{when} was in last round's return, not "
                           f"{_done_words(k)} or cancelled, and is missing from this one. Put "
                           f"it back (marked {k.achieved} or {' or '.join(k.cancelled)} if it "
                           "is).",
                   file=ret.path, row=None, cell=None, description=_text(before, k.summary),
                   parent=_text(before, k.parent))


@rule("off-trajectory", "An outcome's latest value is worse than its target for this year, "
      "given whether higher or lower is better.", "medium", ("outcomes",))
def _off_trajectory(it: Item) -> Iterator[Flag]:
    if it.period is None:
        return
    row = it.row
    latest = _number(row, "latest_value")
    polarity = _text(row, "polarity").casefold()
    expected = _trajectory(row, it.period)
    if latest is None or expected is None or polarity not in ("higher", "lower"):
        return
    target, what = expected
    if (latest < target) if polarity == "higher" else (latest > target):
        unit = _text(row, "unit")
        unit = f" {unit}" if unit and unit != "%" else unit
        when = _text(row, "latest_period")
        when = f" ({when})" if when else ""
        yield it.flag("off-trajectory", MEDIUM, None,
                      f"{it.name}: latest value {_num(latest)}{unit}{when} is worse than "
                      f"{what} of {_num(target)}{unit} ({polarity} is better).", "latest_value")


@rule("knock-on", "An action not complete waits for another (Depends on) that is forecast to "
      "finish after this one's start date (if not started) or its own forecast date: at risk "
      "through no fault of its own.", "by days pushed", ("actions",),
      tolerances=("low_days", "medium_days"))
def _knock_on(it: Item) -> Iterator[Flag]:
    k = it.kind
    if not k.predecessors:
        return
    schedule = it.shared.get("schedule")
    if schedule is None:
        schedule = it.shared["schedule"] = Schedule(it.ret, it.as_of)
    push = schedule.push(id_key(it.item_id))
    if push is None:
        return
    days, pred, finish, against, path = push
    what = (f"its start date of {_dmy(against)}" if schedule.waits_to_start(it.row)
            else f"its own expected finish of {_dmy(against)}")
    via = f" (pushed by {' then '.join(path[:-1])})" if len(path) > 1 else ""
    yield it.flag("knock-on", severity_for_days(days, it.tol), days,
                  f"{it.name} waits for action {pred}, which is now expected to finish "
                  f"{_dmy(finish)}{via}: {_days(days)} after {what}. It is at risk through no "
                  "fault of its own.", k.predecessors, chain=", ".join(path))


class Schedule:
    """When each open action of a return is now expected to finish, once what it waits for
    is taken into account, and by whom and how far each is pushed.

    An action finishes at its forecast date (its due date if none); one waiting for another
    still open cannot start (if not started) or finish (if under way) before that one
    finishes, so it is pushed back by the difference, and pushes what waits for it in turn.
    """

    def __init__(self, ret: Return, as_of: date) -> None:
        k = kind("actions")
        self.k, self.as_of = k, as_of
        self.rows = _index(ret.sheets.get(k.sheet, []), k.key)
        self._finish: dict[str, date | None] = {}
        self._push: dict[str, tuple[int, str, date, date, list[str]] | None] = {}
        self._path: dict[str, list[str]] = {}  # the first slipping action down to this one
        self._busy: set[str] = set()  # being worked out: a circle is not followed round

    def waits_to_start(self, row: Row) -> bool:
        k = self.k
        if k.not_started and _same(_text(row, k.status), k.not_started):
            return True
        start = _date(row, k.start)
        return start is not None and start > self.as_of and not _number(row, k.percent)

    def predecessors(self, key: str) -> list[tuple[str, Row | None]]:
        """What the action waits for: each ID as written, and its row (None if unknown)."""
        row = self.rows.get(key)
        if row is None:
            return []
        return [(p, self.rows.get(id_key(p))) for p in
                split_ids(row.get(self.k.predecessors or "")) if id_key(p) != key]

    def against(self, key: str) -> date | None:
        """The date a predecessor must finish by: the action's start if it has not
        started, else its own expected finish."""
        row = self.rows.get(key)
        if row is None:
            return None
        return _date(row, self.k.start) if self.waits_to_start(row) else \
            _date(row, self.k.forecast) or _date(row, self.k.due)

    def finish(self, key: str) -> date | None:
        """When the action is now expected to finish; None when it is done or cancelled."""
        if key not in self._finish:
            row = self.rows.get(key)
            if row is None or _is_done(row, self.k) or _is_cancelled(row, self.k) \
                    or key in self._busy:
                return None
            own = _date(row, self.k.forecast) or _date(row, self.k.due)
            push = self.push(key)
            self._finish[key] = None if own is None else \
                own + timedelta(days=push[0]) if push else own
        return self._finish[key]

    def push(self, key: str) -> tuple[int, str, date, date, list[str]] | None:
        """How far what the action waits for pushes it: (days, the predecessor, when that
        finishes, the date it is pushed past, the chain from the first slipping action)."""
        if key in self._push:
            return self._push[key]
        row = self.rows.get(key)
        if row is None or key in self._busy:
            return None
        self._busy.add(key)
        worst: tuple[int, str, date, date, list[str]] | None = None
        against = self.against(key)
        for pred, _ in self.predecessors(key):
            pkey = id_key(pred)
            finish = self.finish(pkey)
            if finish is None or against is None or finish <= against:
                continue
            days = (finish - against).days
            if worst is None or days > worst[0]:
                pred_id = _text(self.rows[pkey], self.k.key)
                upstream = self._push.get(pkey)
                path = (upstream[4] if upstream else []) + [pred_id]
                worst = (days, pred_id, finish, against, path)
        self._busy.discard(key)
        self._push[key] = worst
        return worst


@rule("over-budget", "An action's forecast outturn is above its cost by more than the "
      "tolerance ({over_budget_ratio} of the cost).", "medium; high when over by more than "
      "three times the tolerance", ("actions",), tolerances=("over_budget_ratio",),
      open_only=False)
def _over_budget(it: Item) -> Iterator[Flag]:
    k = it.kind
    cost, outturn = _number(it.row, k.cost), _number(it.row, k.outturn)
    if not cost or outturn is None or cost <= 0:
        return
    over = outturn - cost
    ratio = it.tol.over_budget_ratio
    if over <= cost * ratio + 1e-9:
        return
    severity = HIGH if over > cost * ratio * 3 else MEDIUM
    yield it.flag("over-budget", severity, None,
                  f"{it.name}'s forecast outturn of {_money(outturn)} is {_money(over)} "
                  f"({over / cost:.0%}) over its cost of {_money(cost)} (tolerance "
                  f"{ratio:.0%}).", k.outturn)


def _money(v: float) -> str:
    return f"£{v:,.0f}"


# The GO's review workbook's advice: a sheet of its own, found in a review, never in a return.
_ADVICE = "review-advice"


@rule("advice-overdue", "Advice in the GO's review is still open after its due date.",
      "by days overdue", (_ADVICE,), tolerances=("low_days", "medium_days"))
def _advice_overdue(it: Item) -> Iterator[Flag]:
    if it.overdue is None or it.base is None:
        return
    about = _text(it.row, "about")
    what = f"{it.name} (about {about})" if about else it.name
    status = _text(it.row, it.kind.status) or "open"
    yield it.flag("advice-overdue", severity_for_days(it.overdue, it.tol), it.overdue,
                  f"{what} was due {_dmy(it.base)} and is still {status}: "
                  f"{_days(it.overdue)} overdue.", it.kind.due)


# An item as the rounds' flags name it: (LSP, sheet key, ID as `id_key` has it).
FlaggedItem = tuple[str, str, str]


@rule("persistent-slip", "Flagged this quarter and in each of the {persistent_quarters} "
      "quarters before it (those quarters' roll-ups given as --previous).",
      "the item's worst this quarter, at least medium", ("outcomes", *_ITEMS),
      tolerances=("persistent_quarters",), open_only=False, per_item=False,
      needs_history=True)
def _persistent_slip(found: Sequence[Flag], earlier: Mapping[str, set[FlaggedItem]],
                     period: Period, tol: Tolerances) -> Iterator[Flag]:
    quarters = []
    p = period
    for _ in range(tol.persistent_quarters):
        p = p.previous()
        quarters.append(str(p))
    if not all(q in earlier for q in quarters):
        return  # a quarter without its roll-up: nothing can be said to persist
    by_item: dict[FlaggedItem, list[Flag]] = {}
    for f in found:
        if f.rule != "persistent-slip":
            by_item.setdefault((f.lsp, f.sheet, id_key(f.item_id)), []).append(f)
    since = quarters[-1]
    for item, mine in by_item.items():
        if not all(item in earlier[q] for q in quarters):
            continue
        worst = min(mine, key=lambda f: _SEVERITY_RANK.get(f.severity, len(SEVERITIES)))
        first = mine[0]
        days = [f.days for f in mine if f.days is not None]
        rules = ", ".join(dict.fromkeys(f.rule for f in mine))
        noun = kind(first.sheet).noun
        name = _label(noun, first.item_id, None)
        what = f" ({first.description})" if first.description else ""
        yield replace(first, rule="persistent-slip", severity=_at_least(worst.severity, MEDIUM),
                      days=max(days) if days else None,
                      message=f"{name}{what} has been flagged every quarter since {since}, "
                              f"{tol.persistent_quarters + 1} quarters in a row; this quarter: "
                              f"{rules}.")


def history_flags(found: Sequence[Flag], earlier: Mapping[str, set[FlaggedItem]],
                  period: Period | None, tolerances: Tolerances | None = None) -> list[Flag]:
    """The flags of the rules that need earlier rounds (`needs_history`): this round's flags
    `found` against the items flagged in earlier rounds (period text -> items)."""
    if period is None or not earlier:
        return []
    tol = tolerances or Tolerances()
    out: list[Flag] = []
    for r in RULES.values():
        if r.needs_history:
            out.extend(r.check(found, earlier, period, tol))
    return out


_RULE_RANK = {r: i for i, r in enumerate(RULES)}


_YEAR = re.compile(r"(20\d\d)/(\d\d)")
_QUARTER = re.compile(r"\bQ([1-4])\b", re.IGNORECASE)


def expected_value(row: Row, period: Period) -> float | None:
    """What an outcome's latest value should have reached (see `_trajectory`), or None."""
    found = _trajectory(row, period)
    return None if found is None else found[0]


def _trajectory(row: Row, period: Period) -> tuple[float, str] | None:
    """What the latest value should have reached, and how to say so.

    The year comes from the latest period if it names one (``2008/09``, ``Q1 2009/10``),
    else the round's.  An annual value is held to that year's target; an in-year value
    (one naming a quarter) to the straight line from the previous year's target (or the
    baseline) to this year's, as far as that quarter.
    """
    when = _text(row, "latest_period")
    m = _YEAR.search(when)
    start = int(m.group(1)) if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100 \
        else period.start_year
    label = f"{start}/{(start + 1) % 100:02d}"
    years = target_years()
    target = _number(row, years[label].name) if label in years else None
    if target is None:
        return None
    q = _QUARTER.search(when)
    if q is None or int(q.group(1)) == 4:
        return target, f"its {label} target"
    last_year = f"{start - 1}/{start % 100:02d}"
    before = _number(row, years[last_year].name) if last_year in years else None
    if before is None:
        before = _number(row, "baseline_value")
    if before is None:
        return target, f"its {label} target"
    share = int(q.group(1)) / 4
    return before + (target - before) * share, \
        f"its trajectory for Q{q.group(1)} {label} (towards the {label} target of {_num(target)})"


def flags(current: Return, previous: Return | None, as_of: date,
          tolerances: Tolerances | None = None, period: Period | None = None) -> list[Flag]:
    """Every slippage flag of one return as at `as_of`, worst first.

    `previous` is the same partnership's return from the last round (or its rows from the
    last roll-up); without it the cross-round rules (slipped-since-last-round, re-baselined,
    rag-worsened, stalled, dropped) are not checked.  Without `period`, neither is
    off-trajectory.  Cancelled items are never flagged.
    """
    tol = tolerances or Tolerances()
    out: list[Flag] = []
    for key in ("outcomes", *_ITEMS, _ADVICE):
        k = kind(key)
        rules = [r for r in RULES.values() if key in r.sheets]
        item_rules = [r for r in rules if r.per_item]
        before = _index(previous.sheets.get(key, []), k.key) if previous else {}
        present: set[str] = set()
        shared: dict[str, Any] = {}
        for row in current.sheets.get(key, []):
            item_key = id_key(_text(row, k.key))
            if item_key:
                present.add(item_key)
            if _is_cancelled(row, k):
                continue
            it = Item(current, k, row, before.get(item_key) if item_key else None, as_of, tol,
                      period, shared=shared)
            for r in item_rules:
                if (r.open_only and it.done) or (r.needs_previous and it.before is None):
                    continue
                out.extend(r.check(it))
        if previous is not None:
            for r in rules:
                if not r.per_item and not r.needs_history:
                    out.extend(r.check(current, k, previous, present))
    now, then = Themes(current), Themes(previous)
    return sort_flags([replace(f, theme=now.of(f.sheet, f.item_id, f.parent)
                               or then.of(f.sheet, f.item_id, f.parent)) for f in out])


def _index(rows: Iterable[Row], key: str) -> dict[str, Row]:
    """Rows by ID, matched without regard to case or stray spaces; the first of a duplicate wins."""
    out: dict[str, Row] = {}
    for row in rows:
        item_id = _text(row, key)
        if item_id:
            out.setdefault(id_key(item_id), row)
    return out


_DIGITS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[Any, ...]:
    """M-2 before M-10: digit runs compare as numbers (split() puts them at odd positions)."""
    parts = _DIGITS.split(text.casefold())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)) + (text,)


def _sort_key(flag: Flag) -> tuple[Any, ...]:
    days = (0, -flag.days) if flag.days is not None else (1, 0)
    return (_SEVERITY_RANK.get(flag.severity, len(SEVERITIES)), days, flag.lsp.casefold(),
            flag.lsp, _SHEET_RANK.get(flag.sheet, len(_SHEET_RANK)), flag.sheet,
            _natural(flag.item_id), _RULE_RANK.get(flag.rule, len(RULES)), flag.rule,
            flag.row if flag.row is not None else -1, flag.file, flag.message)


def sort_flags(items: Iterable[Flag]) -> list[Flag]:
    """Worst first: severity, then most days (flags without days last), then LSP, sheet
    (outcomes, actions, milestones), item ID in natural order, then rule. Deterministic.

    Knock-on flags of one chain stay together, from the first slipping action down: right
    after that action's worst flag, or, when it has none, where the first of them sorts.
    """
    ordered = sorted(items, key=_sort_key)
    groups: dict[tuple[str, str, str], list[Flag]] = {}
    rest: list[Flag] = []
    for f in ordered:
        if f.chain:
            groups.setdefault((f.lsp, f.file, id_key(f.chain.split(",")[0])), []).append(f)
        else:
            rest.append(f)
    if not groups:
        return ordered
    anchors: dict[tuple[str, str, str], int] = {}
    for i, f in enumerate(rest):
        if f.sheet == "actions":
            anchors.setdefault((f.lsp, f.file, id_key(f.item_id)), i)
    after: dict[int, list[Flag]] = {}
    for key, group in groups.items():
        group.sort(key=lambda f: (f.chain.count(","), _sort_key(f)))
        at = anchors.get(key)
        if at is None:  # the first slipping action has no flag of its own
            head = _sort_key(group[0])
            at = next((i for i, f in enumerate(rest) if _sort_key(f) > head), len(rest)) - 1
        after.setdefault(at, []).extend(group)
    out = list(after.get(-1, []))
    for i, f in enumerate(rest):
        out.append(f)
        out.extend(after.get(i, []))
    return out


def summarise(items: Iterable[Flag]) -> dict[str, Any]:
    """Counts for the dashboard: total, by severity and by rule (every key present, in
    order, zeros included), and by LSP."""
    items = list(items)
    by_lsp: dict[str, int] = {}
    for flag in items:
        by_lsp[flag.lsp] = by_lsp.get(flag.lsp, 0) + 1
    return {
        "total": len(items),
        "by_severity": {s: sum(f.severity == s for f in items) for s in SEVERITIES},
        "by_rule": {r: sum(f.rule == r for f in items) for r in RULES},
        "by_lsp": dict(sorted(by_lsp.items())),
    }


def trajectory(row: Row, period: Period) -> tuple[float, str] | None:
    """What an outcome's latest value should have reached in `period` (its target for the
    year, or the straight line towards it), and how to say so; None without a target."""
    return _trajectory(row, period)
