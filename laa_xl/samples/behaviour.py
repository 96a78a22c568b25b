"""What partners really do: the slips, renames and late news placed at known cells."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..layout import FIRST_DATA_ROW, HEADER_ROW
from ..model import a1
from ..schemas import sheet
from ..xlsxout import atomic_output
from .manifest import Quirk
from .midshire import (
    CANCELLED_LSP,
    DROPPED_LSP,
    KNOCK_ON_LSP,
    OVER_BUDGET_LSP,
    Q1,
    Q2,
    RAG_TYPO_LSP,
    REBASELINE_LSP,
    SEED,
    SLIPPING_LSPS,
    TEXT_DATES_LSP,
    TOLERANCES,
    WORSENED_LSP,
)
from .plan import Action, Plan, month_end, period_end
from .rows import Maker

# -- partner behaviour ----------------------------------------------------------------------


def _cell(key: str, name: str, index: int) -> str:
    """The A1 cell of field `name` in the `index`-th data row of a sheet."""
    col = [f.name for f in sheet(key).fields].index(name)
    return a1(FIRST_DATA_ROW + 1 + index, col)


def _in_progress(a: Action, *periods: str) -> bool:
    return all(a.start <= period_end(p) < a.finish and p not in a.hold and not a.cancelled
               for p in periods)


def _pick(rng: random.Random, actions: Iterable[Action], why: str) -> Action:
    candidates = [a for a in actions if not a.tags]
    if not candidates:
        raise RuntimeError(f"no action is free for {why}")  # the generator's own bug
    chosen = rng.choice(candidates)
    chosen.tags.add(why)
    return chosen


def _big_outcome_actions(plan: Plan, keep: int = 3) -> list[Action]:
    return [a for o in plan.outcomes if len(o.actions) >= keep for a in o.actions]


def _shape_plan(maker: Maker, plan: Plan) -> None:
    """Plan-level behaviour that spans both rounds: set it before milestones are made."""
    code = plan.code
    rng = random.Random(f"{SEED}/{code}/partner")  # apart from the prose, so rewording
    # a sentence does not move a quirk to another row
    long_running = [a for a in plan.actions
                    if a.start <= period_end(Q1) - timedelta(days=60) and a.due > period_end(Q2) + timedelta(
                        days=90)]
    if code == WORSENED_LSP:  # Green in Q1, Red in Q2
        a = _pick(rng, long_running, "worsened")
        maker.set_forecasts(a, 150, hidden_in_q1=True)
    if code == DROPPED_LSP:
        _pick(rng, [a for a in long_running if a in _big_outcome_actions(plan)], "dropped")
    if code in SLIPPING_LSPS:
        a = _pick(rng, long_running, "slipping")
        maker.set_forecasts(a, rng.randint(75, 140), hidden_in_q1=code in ("NBR", "RVF"))
    if code == REBASELINE_LSP:
        a = _pick(rng, long_running, "rebaseline")
        maker.set_forecasts(a, 75)
    if code == RAG_TYPO_LSP:
        in_q2 = [a for a in plan.actions if a.start <= period_end(Q1) and a.due > period_end(Q2) + timedelta(
            days=60)]
        maker.set_forecasts(_pick(rng, in_q2, "ambre"), 35)
        a = _pick(rng, in_q2, "no-recovery")
        maker.set_forecasts(a, 120, hidden_in_q1=True)
        _pick(rng, [a for a in in_q2 if a in _big_outcome_actions(plan)], "unknown-outcome")
        _pick(rng, in_q2, "date-order")
    for a in plan.actions:
        if a.tags:
            continue
        if rng.random() < 0.03 and a.finish > period_end(Q2) and a.start <= period_end(Q1):
            a.hold = {Q2} if rng.random() < 0.7 else {Q1, Q2}
    if code == CANCELLED_LSP:
        free = [a for a in plan.actions if _in_progress(a, Q1, Q2) and not a.tags]
        _pick(rng, free, "cancelled").cancelled = Q2


def _shape_milestones(maker: Maker, plan: Plan) -> None:
    """Milestones that must show a behaviour: overdue, re-baselined, or all met."""
    q1 = period_end(Q1)
    for a in plan.actions:
        if "dropped" in a.tags:  # its milestones were all met in Q1, the action was not
            a.dropped = Q2
            span = (q1 - timedelta(days=20) - a.start).days
            for i, m in enumerate(a.milestones, start=1):
                m.baseline = m.true = a.start + timedelta(days=i * span // len(a.milestones))
        if "worsened" in a.tags:  # on time until Q1: the slip came in the summer
            for m in a.milestones:
                if m.baseline <= q1:
                    m.true = m.baseline
        if a.tags & {"slipping", "rebaseline", "worsened"}:
            # a milestone due between the two returns, not met by the second
            base = q1 + timedelta(days=maker.rng.randint(30, 70))
            slip = (a.finish - a.due).days
            m = maker.milestone(a.milestones[0].mid + "x", a, 0.5, baseline=base)
            m.true = min(base + timedelta(days=slip), a.finish)
            a.milestones[0] = m
            a.milestones.sort(key=lambda x: x.baseline)
            if "rebaseline" in a.tags:
                new = m.true if m.true.day == 1 else month_end(m.true.year, m.true.month)
                m.rebaselined[Q2] = min(new, a.forecast[Q2] or a.due)
                m.comment_late = "Date moved: revised timetable agreed by the theme group in " \
                                 "August."
        maker.settle(a)
        if a.tags & {"slipping", "rebaseline"}:
            a.milestones = [m for m in a.milestones if m.true <= a.finish]
    n = 0
    for a in plan.actions:  # keep milestone IDs in order after the changes
        for m in a.milestones:
            n += 1
            m.mid = f"M-{n:03d}"


def make_plan(code: str) -> tuple[Maker, Plan]:
    maker = Maker(code)
    plan = maker.plan()
    _shape_plan(maker, plan)
    maker.milestones(plan)
    _shape_milestones(maker, plan)
    plan.risks = maker.risks(plan)
    _shape_order_and_budget(plan)
    return maker, plan


def _shape_order_and_budget(plan: Plan) -> None:
    """Template 1.1's behaviours, chosen from the plan as it stands (no random draws, so
    every other behaviour stays where it was): a chain of three actions in one outcome
    whose first slips, and one action forecast over budget."""
    end = period_end(Q2)
    if plan.code == KNOCK_ON_LSP:
        slipping = [a for a in plan.actions if not (a.hold or a.cancelled or a.dropped)
                    and (a.forecast.get(Q2) or a.due) - a.due > timedelta(days=30)]
        for first in sorted(slipping, key=lambda a: a.aid):
            chain = _chain(plan, first, end)
            if chain:
                second, third = chain
                second.depends_on = (first.aid,)
                third.depends_on = (second.aid,)
                break
        else:
            raise RuntimeError(f"{plan.code}: no chain of actions behind a slipping one")
    if plan.code == OVER_BUDGET_LSP:
        costly = [a for a in plan.actions if a.cost and not (a.tags or a.hold or a.cancelled)
                  and a.start <= end < a.finish]
        a = max(costly, key=lambda a: a.cost or 0)
        a.outturn = int(round((a.cost or 0) * 1.2, -2))


def _chain(plan: Plan, first: Action, end: date) -> tuple[Action, Action] | None:
    """Two actions of `first`'s outcome to wait for it in turn: one that starts after the
    quarter and before `first` is now expected to finish, then one under way that is due
    before that one can now finish."""
    late = first.forecast.get(Q2) or first.due
    same = [a for a in plan.actions if a.oid == first.oid and a is not first
            and not (a.tags or a.hold or a.cancelled or a.dropped)]
    second = next((a for a in same if end < a.start < late), None)
    if second is None:
        return None
    pushed = second.due + (late - second.start)
    third = max((a for a in same if a is not second and a.start <= end < a.finish
                 and a.due < pushed and not a.forecast.get(Q2)),
                key=lambda a: a.due, default=None)
    return (second, third) if third is not None else None


def typed_rows(maker: Maker, plan: Plan, period: str, quirks: list[Quirk]
                ) -> dict[str, list[dict[str, Any]]]:
    """The rows as the partner typed them, with this round's slips of the keyboard."""
    rows = maker.rows(plan, period)
    code = plan.code
    index = {r["action_id"]: i for i, r in enumerate(rows["actions"])}
    by_tag = {t: a for a in plan.actions for t in a.tags}

    def note(kind: str, item: str, key: str, name: str, i: int, value: Any, code_: str = "",
             severity: str = "", previous: bool = False, text: str = "") -> None:
        shown = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
        quirks.append(Quirk(kind, period, code, item, sheet(key).name, _cell(key, name, i),
                            shown, code_, severity, previous, text))

    if period == Q2 and code == RAG_TYPO_LSP:
        a = by_tag["ambre"]
        i = index[a.aid]
        rows["actions"][i]["rag"] = "Ambre"
        note("rag-typo", a.aid, "actions", "rag", i, "Ambre", "not-in-list", "error",
             text="RAG typed \"Ambre\" for Amber")
        a = by_tag["date-order"]
        i = index[a.aid]
        row = rows["actions"][i]
        try:
            typo = a.due.replace(year=a.due.year - 1)
        except ValueError:  # 29 February
            typo = a.due - timedelta(days=365)
        if typo >= a.start:
            typo = a.start - timedelta(days=1)
        row["due_date"] = typo
        note("date-order", a.aid, "actions", "due_date", i, typo, "date-order", "error",
             text=f"due date typed a year early, before the start date {a.start:%d/%m/%Y}")
        a = by_tag["unknown-outcome"]
        i = index[a.aid]
        wrong = f"O-{len(plan.outcomes) + 1:02d}"
        rows["actions"][i]["outcome_id"] = wrong
        note("unknown-outcome", a.aid, "actions", "outcome_id", i, wrong, "unknown-outcome",
             "error", text=f"action points at outcome {wrong}, which does not exist")
        a = by_tag["no-recovery"]
        i = index[a.aid]
        note("recovery-missing", a.aid, "actions", "rag", i, rows["actions"][i]["rag"],
             "recovery-missing", "error", text="Red action with no Recovery row")
    if period == Q2 and code == TEXT_DATES_LSP:
        typed = 0
        for key, names in (("actions", ("forecast_date", "completed_date")),
                           ("milestones", ("actual_date",))):
            for i, row in enumerate(rows[key]):
                for name in names:
                    v = row.get(name)
                    if not isinstance(v, date) or v <= period_end(Q1):
                        continue  # only dates typed this quarter
                    if typed < 2 + (key == "milestones") * 2:
                        row[name] = v.strftime("%d/%m/%Y")
                        typed += 1
                        item = row["action_id" if key == "actions" else "milestone_id"]
                        note("text-date", item, key, name, i, row[name], "normalised",
                             "warning", text="date typed as text")
        if typed < 3:
            raise RuntimeError(f"{code} has too few dates to type as text")
    if period == Q2 and code == REBASELINE_LSP:
        for i, row in enumerate(rows["milestones"]):
            m = next(m for a in plan.actions for m in a.milestones if m.mid == row["milestone_id"])
            if Q2 in m.rebaselined:
                note("re-baselined", m.mid, "milestones", "baseline_date", i,
                     m.rebaselined[Q2], "baseline-changed", "warning", previous=True,
                     text=f"baseline moved from {m.baseline:%d/%m/%Y} since Q1")
    if period == Q2 and code == WORSENED_LSP:
        a = by_tag["worsened"]
        i = index[a.aid]
        note("rag-worsened", a.aid, "actions", "rag", i, rows["actions"][i]["rag"],
             text="Green in Q1, Red in Q2, with a Recovery row")
        r = next(j for j, row in enumerate(rows["recovery"]) if row["item_id"] == a.aid)
        note("recovery-plan", a.aid, "recovery", "item_id", r, a.aid,
             text="the Recovery row for the action that turned Red")
    if period == Q1 and code == DROPPED_LSP:
        a = by_tag["dropped"]
        i = index[a.aid]
        quirks.append(Quirk("dropped", Q2, code, a.aid, "Actions", "", a.aid,
                            "item-disappeared",
                            "warning", True, f"in progress in Q1 (Actions row {5 + i}), "
                            "left out of the Q2 return without being completed or cancelled"))
    if period == Q2:
        _slipping(rows, period, code, quirks)
        for a in plan.actions:
            if a.depends_on and a.aid in index:
                i = index[a.aid]
                note("knock-on", a.aid, "actions", "depends_on", i, ", ".join(a.depends_on),
                     text=f"waits for {', '.join(a.depends_on)}, which is late")
            if a.outturn and a.aid in index:
                i = index[a.aid]
                note("over-budget", a.aid, "actions", "outturn", i, a.outturn,
                     text=f"forecast outturn {a.outturn:,} against a cost of {a.cost:,}")
    return rows


def _slipping(rows: dict[str, list[dict[str, Any]]], period: str, code: str,
              quirks: list[Quirk]) -> None:
    """Record every milestone that is overdue or forecast well beyond its baseline."""
    end = period_end(period)
    tolerance = TOLERANCES["forecast_slip_days"]
    for i, row in enumerate(rows["milestones"]):
        if row["status"] in ("Achieved", "Cancelled"):
            continue
        base = row["baseline_date"]
        forecast = row.get("forecast_date")
        if isinstance(forecast, str):
            continue
        if isinstance(forecast, date) and (forecast - base).days > tolerance:
            quirks.append(Quirk("forecast-slip", period, code, row["milestone_id"],
                                "Milestones", _cell("milestones", "forecast_date", i),
                                f"{forecast:%d/%m/%Y}",
                                note=f"{(forecast - base).days} days beyond its baseline "
                                     f"{base:%d/%m/%Y}"))
        if base < end:
            quirks.append(Quirk("overdue", period, code, row["milestone_id"], "Milestones",
                                _cell("milestones", "baseline_date", i), f"{base:%d/%m/%Y}",
                                note=f"not achieved at {end:%d/%m/%Y} ({row['status']})"))


def rename_header(path: Path, key: str, name: str, new: str) -> str:
    """Change one column header as a partner would in Excel (the table column with it)."""
    import openpyxl

    spec = sheet(key)
    col = [f.name for f in spec.fields].index(name)
    ref = a1(HEADER_ROW + 1, col)
    wb = openpyxl.load_workbook(path)
    ws = wb[spec.name]
    ws[ref] = new
    table = ws.tables[f"tbl{spec.name}"]
    table.tableColumns[col].name = new
    with atomic_output(path) as tmp:
        wb.save(tmp)
    wb.close()
    return ref


