"""Slipping milestones and off-track outcomes (DESIGN.md §5): pure functions over returns.

`flags` finds every flag "as at" a date, `sort_flags` puts the worst first, `summarise` counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from .model import Return, Row
from .region import Period, Tolerances

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES = (HIGH, MEDIUM, LOW)  # worst first

# The rule codes, in the order the roll-up legend and the README list them.  Each line says
# when the flag is raised and how severe it is, so the legend needs nothing else.
RULES: dict[str, str] = {
    "overdue": "The baseline date (milestone) or due date (action) has passed and the item "
               "is not achieved or complete. Severity by days overdue; a milestone is at "
               "least medium.",
    "forecast-slip": "The forecast date is later than the baseline or due date by more than "
                     "the tolerance (14 days unless the region sets another). Severity by "
                     "days of slip.",
    "slipped-since-last-round": "The forecast date is later than the forecast (or, if there "
                                "was none, the baseline) in the previous round's return. "
                                "Severity by days moved.",
    "re-baselined": "The baseline or due date differs from the previous round's; baselines "
                    "are fixed once agreed. Moved later: severity by days, at least medium; "
                    "moved earlier: low.",
    "rag-worsened": "The RAG (an outcome's delivery confidence, a milestone's status) is "
                    "worse than in the previous round. High when it is now Red or Missed, "
                    "otherwise medium.",
    "behind-plan": "An action's % complete is under 70% (the region's ratio) of the share of "
                   "time gone between its start and due dates. Low: an early warning before "
                   "the due date passes.",
    "stalled": "An action under way last round is not complete, and neither its % complete "
               "nor its forecast date has changed since. Medium.",
    "rag-inconsistent": "Rated Green (a milestone: On track) while overdue or forecast beyond "
                        "the tolerance. Medium.",
    "dropped": "An action or milestone in the previous round's return, not complete or "
               "cancelled there, is missing from this one. Medium.",
    "off-trajectory": "An outcome's latest value is worse than its target for this year, "
                      "given whether higher or lower is better. Medium.",
}

_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_RULE_RANK = {r: i for i, r in enumerate(RULES)}
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

def _date(row: Row, name: str) -> date | None:
    value = row.get(name)
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _number(row: Row, name: str) -> float | None:
    value = row.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _text(row: Row, name: str) -> str:
    value = row.get(name)
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


@dataclass(frozen=True)
class _Kind:
    """What differs between milestones and actions, so one set of rules serves both."""

    sheet: str
    noun: str
    key: str
    parent: str
    baseline: str
    baseline_words: str
    done_status: str
    done_date: str
    done_words: str
    rag: str  # the field holding the item's RAG, or what stands for it
    rag_words: str
    rag_scale: tuple[str, ...]  # best first; the last one is "Red"


# A milestone has no RAG: its status (On track / At risk / Missed) plays that part.
_MILESTONE = _Kind("milestones", "Milestone", "milestone_id", "action_id", "baseline_date",
                   "baseline date", "Achieved", "actual_date", "achieved", "status", "status",
                   ("On track", "At risk", "Missed"))
_ACTION = _Kind("actions", "Action", "action_id", "outcome_id", "due_date", "due date",
                "Complete", "completed_date", "complete", "rag", "RAG", ("Green", "Amber", "Red"))
_RAG = ("Green", "Amber", "Red")


def _rank(value: str, scale: tuple[str, ...]) -> int | None:
    for i, item in enumerate(scale):
        if _same(value, item):
            return i
    return None


def _label(noun: str, item_id: str, row: Row | None) -> str:
    if item_id:
        return f"{noun} {item_id}"
    return f"The {noun.lower()} in row {row.row}" if row is not None else f"A {noun.lower()}"


def _is_cancelled(row: Row) -> bool:
    return _same(_text(row, "status"), "Cancelled")


def _is_done(row: Row, kind: _Kind) -> bool:
    return _same(_text(row, "status"), kind.done_status) or _date(row, kind.done_date) is not None


def _index(rows: Iterable[Row], key: str) -> dict[str, Row]:
    """Rows by ID, matched without regard to case or stray spaces; the first of a duplicate wins."""
    out: dict[str, Row] = {}
    for row in rows:
        item_id = _text(row, key)
        if item_id:
            out.setdefault(item_id.casefold(), row)
    return out


class _Maker:
    """Builds the flags of one row, filling in what every flag of that row shares."""

    def __init__(self, ret: Return, sheet: str, row: Row, item_id: str, description: str,
                 parent: str) -> None:
        self.ret, self.sheet, self.row = ret, sheet, row
        self.item_id, self.description, self.parent = item_id, description, parent

    def __call__(self, rule: str, severity: str, days: int | None, message: str,
                 field: str) -> Flag:
        return Flag(lsp=self.ret.lsp_code, sheet=self.sheet, item_id=self.item_id, rule=rule,
                    severity=severity, days=days, message=message, file=self.ret.path,
                    row=self.row.row, cell=self.row.cell(field), description=self.description,
                    parent=self.parent)


def _item_flags(ret: Return, kind: _Kind, row: Row, before: Row | None, as_of: date,
                tol: Tolerances) -> Iterator[Flag]:
    """Every flag of one milestone or action; `before` is its row last round, if any."""
    if _is_cancelled(row):
        return
    item_id = _text(row, kind.key)
    name = _label(kind.noun, item_id, row)
    make = _Maker(ret, kind.sheet, row, item_id, _text(row, "description"),
                  _text(row, kind.parent))
    base = _date(row, kind.baseline)
    forecast = _date(row, "forecast_date")

    # A baseline moved after completion is still a moved baseline, so this comes first.
    old_base = _date(before, kind.baseline) if before is not None else None
    if base and old_base and base != old_base:
        moved = (base - old_base).days
        if moved > 0:
            severity = _at_least(severity_for_days(moved, tol), MEDIUM)
            how = f"{_days(moved)} later"
        else:
            severity, how = LOW, f"{_days(-moved)} earlier"
        yield make("re-baselined", severity, moved,
                   f"{name}'s {kind.baseline_words} changed from {_dmy(old_base)} last round "
                   f"to {_dmy(base)}: {how}. Baselines are fixed once agreed; put the agreed "
                   "date back and use Forecast date for the new expected date.",
                   kind.baseline)

    if _is_done(row, kind):
        return

    overdue = (as_of - base).days if base and base < as_of else None
    slip = (forecast - base).days if forecast and base else None
    slipping = slip is not None and slip > tol.forecast_slip_days

    if overdue is not None and base:
        severity = severity_for_days(overdue, tol)
        if kind is _MILESTONE:
            severity = _at_least(severity, MEDIUM)
        tail = f" (forecast {_dmy(forecast)})" if forecast and forecast != base else ""
        yield make("overdue", severity, overdue,
                   f"{name} was due {_dmy(base)} and is not {kind.done_words}: "
                   f"{_days(overdue)} overdue{tail}.", kind.baseline)

    if slipping and base and forecast and slip is not None:
        yield make("forecast-slip", severity_for_days(slip, tol), slip,
                   f"{name} is forecast for {_dmy(forecast)}, {_days(slip)} after its "
                   f"{kind.baseline_words} of {_dmy(base)} (tolerance "
                   f"{_days(tol.forecast_slip_days)}).", "forecast_date")

    if before is not None:
        yield from _since_last_round(kind, row, before, name, forecast, make, tol)

    if kind is _ACTION:
        behind = _behind_plan(row, name, base, as_of, tol, make)
        if behind is not None:
            yield behind

    if _same(_text(row, kind.rag), kind.rag_scale[0]) and (overdue is not None or slipping):
        rated = f"rated {kind.rag_scale[0]}" if kind is _ACTION else f"marked {kind.rag_scale[0]}"
        if overdue is not None and base:
            why, days = f"is {_days(overdue)} overdue (due {_dmy(base)})", overdue
        elif forecast and base and slip is not None:
            why, days = (f"its forecast {_dmy(forecast)} is {_days(slip)} after its "
                         f"{kind.baseline_words} of {_dmy(base)}"), slip
        else:  # pragma: no cover - overdue or slipping implies one of the above
            return
        yield make("rag-inconsistent", MEDIUM, days,
                   f"{name} is {rated} but {why}. Review its {kind.rag_words}.", kind.rag)


def _since_last_round(kind: _Kind, row: Row, before: Row, name: str, forecast: date | None,
                      make: _Maker, tol: Tolerances) -> Iterator[Flag]:
    old_forecast = _date(before, "forecast_date")
    old_expected = old_forecast or _date(before, kind.baseline)
    if forecast and old_expected and forecast > old_expected:
        moved = (forecast - old_expected).days
        what = (f"the forecast of {_dmy(old_expected)}" if old_forecast
                else f"its {kind.baseline_words} of {_dmy(old_expected)}")
        yield make("slipped-since-last-round", severity_for_days(moved, tol), moved,
                   f"{name} is now forecast for {_dmy(forecast)}, {_days(moved)} later than "
                   f"{what} last round.", "forecast_date")

    now, then = _text(row, kind.rag), _text(before, kind.rag)
    rank_now, rank_then = _rank(now, kind.rag_scale), _rank(then, kind.rag_scale)
    if rank_now is not None and rank_then is not None and rank_now > rank_then:
        severity = HIGH if rank_now == len(kind.rag_scale) - 1 else MEDIUM
        yield make("rag-worsened", severity, None,
                   f"{name}'s {kind.rag_words} went from {kind.rag_scale[rank_then]} last round "
                   f"to {kind.rag_scale[rank_now]}.", kind.rag)

    # Milestones have no % complete: "forecast unchanged" alone would flag every milestone
    # that is simply on track, so only actions can stall.
    if kind is _ACTION:
        pct, old_pct = _number(row, "percent_complete"), _number(before, "percent_complete")
        under_way = (old_pct is not None and old_pct > 0) or any(
            _same(_text(before, "status"), s) for s in ("In progress", "On hold"))
        if (pct is not None and old_pct is not None and pct == old_pct and under_way
                and not _is_done(before, kind) and not _is_cancelled(before)
                and forecast == old_forecast):
            when = f"forecast {_dmy(forecast)}" if forecast else "no forecast date"
            yield make("stalled", MEDIUM, None,
                       f"{name} has not moved since last round: still {_num(pct)}% complete, "
                       f"{when}.", "percent_complete")


def _behind_plan(row: Row, name: str, due: date | None, as_of: date, tol: Tolerances,
                 make: _Maker) -> Flag | None:
    """Progress against a straight line from start (0%) to due date (100%).

    Judged only inside the planned window (start < as at <= due): before the start nothing is
    expected, and after the due date `overdue` already says more.  A blank % complete counts
    as 0 only when the action is Not started; otherwise there is nothing to judge.
    """
    start = _date(row, "start_date")
    if not start or not due or not start < as_of <= due:
        return None
    pct = _number(row, "percent_complete")
    if pct is None:
        if not _same(_text(row, "status"), "Not started"):
            return None
        pct = 0
    share = (as_of - start).days / (due - start).days
    expected = tol.behind_plan_ratio * share * 100
    # A hair of slack so that a value exactly on the line is not flagged by float rounding.
    if pct >= expected - 1e-9:
        return None
    return make("behind-plan", LOW, None,
                f"{name} is {_num(pct)}% complete with {round(share * 100)}% of its time gone "
                f"({_dmy(start)} to {_dmy(due)}): expected at least "
                f"{_num(round(expected, 1))}%.", "percent_complete")


def _dropped(ret: Return, kind: _Kind, previous: Return, present: set[str]) -> Iterator[Flag]:
    seen: set[str] = set()
    for before in previous.sheets.get(kind.sheet, []):
        item_id = _text(before, kind.key)
        key = item_id.casefold()
        if not item_id or key in present or key in seen:
            continue
        seen.add(key)
        if _is_done(before, kind) or _is_cancelled(before):
            continue
        base = _date(before, kind.baseline)
        when = f" ({kind.baseline_words} {_dmy(base)})" if base else ""
        # The previous round's row number belongs to another file (perhaps a roll-up), so the
        # flag points at this return with no row.
        yield Flag(lsp=ret.lsp_code, sheet=kind.sheet, item_id=item_id, rule="dropped",
                   severity=MEDIUM, days=None,
                   message=f"{kind.noun} {item_id}{when} was in last round's return, not "
                           f"{kind.done_words} or cancelled, and is missing from this one. Put "
                           f"it back (marked {kind.done_status} or Cancelled if it is).",
                   file=ret.path, row=None, cell=None, description=_text(before, "description"),
                   parent=_text(before, kind.parent))


def _outcome_flags(ret: Return, row: Row, before: Row | None,
                   period: Period | None) -> Iterator[Flag]:
    item_id = _text(row, "outcome_id")
    name = _label("Outcome", item_id, row)
    indicator = _text(row, "indicator")
    if indicator:
        name = f"{name} ({indicator})"
    make = _Maker(ret, "outcomes", row, item_id, _text(row, "title"), "")

    if before is not None:
        rank_now = _rank(_text(row, "confidence"), _RAG)
        rank_then = _rank(_text(before, "confidence"), _RAG)
        if rank_now is not None and rank_then is not None and rank_now > rank_then:
            yield make("rag-worsened", HIGH if _RAG[rank_now] == "Red" else MEDIUM, None,
                       f"{name}'s delivery confidence went from {_RAG[rank_then]} last round "
                       f"to {_RAG[rank_now]}.", "confidence")

    if period is None:
        return
    latest = _number(row, "latest_value")
    polarity = _text(row, "polarity").casefold()
    expected = _trajectory(row, period)
    if latest is None or expected is None or polarity not in ("higher", "lower"):
        return
    target, what = expected
    if (latest < target) if polarity == "higher" else (latest > target):
        unit = _text(row, "unit")
        unit = f" {unit}" if unit and unit != "%" else unit
        when = _text(row, "latest_period")
        when = f" ({when})" if when else ""
        yield make("off-trajectory", MEDIUM, None,
                   f"{name}: latest value {_num(latest)}{unit}{when} is worse than {what} of "
                   f"{_num(target)}{unit} ({polarity} is better).", "latest_value")


_YEAR = re.compile(r"(20\d\d)/(\d\d)")
_QUARTER = re.compile(r"\bQ([1-4])\b", re.IGNORECASE)


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
    target = _number(row, f"target_{start}_{(start + 1) % 100:02d}")
    if target is None:
        return None
    q = _QUARTER.search(when)
    if q is None or int(q.group(1)) == 4:
        return target, f"its {label} target"
    before = _number(row, f"target_{start - 1}_{start % 100:02d}")
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
    for kind in (_ACTION, _MILESTONE):
        rows = current.sheets.get(kind.sheet, [])
        before = _index(previous.sheets.get(kind.sheet, []), kind.key) if previous else {}
        present: set[str] = set()
        for row in rows:
            key = _text(row, kind.key).casefold()
            if key:
                present.add(key)
            out.extend(_item_flags(current, kind, row, before.get(key) if key else None,
                                   as_of, tol))
        if previous is not None:
            out.extend(_dropped(current, kind, previous, present))
    before = _index(previous.sheets.get("outcomes", []), "outcome_id") if previous else {}
    for row in current.sheets.get("outcomes", []):
        key = _text(row, "outcome_id").casefold()
        out.extend(_outcome_flags(current, row, before.get(key) if key else None, period))
    return sort_flags(out)


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
    (outcomes, actions, milestones), item ID in natural order, then rule. Deterministic."""
    return sorted(items, key=_sort_key)


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
