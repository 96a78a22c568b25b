"""A partnership's rows as at the end of a period, as its officer would fill them in."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..region import Period
from .midshire import (
    CLOSING,
    FACTORS,
    OPPORTUNITIES,
    PERIODS,
    PREPARATION,
    PROGRESS,
    Q2,
    STRENGTHS,
    THREATS,
    WEAKNESSES,
)
from .plan import Action, Milestone, Outcome, Plan, PlanMaker, period_end, quoted


class Maker(PlanMaker):
    """Makes one partnership's plan, and its rows as at the end of each period."""

    # -- rows as at the end of a period ---------------------------------------------------

    def action_state(self, a: Action, period: str) -> dict[str, Any]:
        end = period_end(period)
        forecast = a.forecast.get(period)
        row: dict[str, Any] = {
            "action_id": a.aid, "outcome_id": a.oid, "description": a.description,
            "lead_agency": a.agency, "lead_officer": a.officer, "cost": a.cost,
            "resources": a.resources, "start_date": a.start, "due_date": a.due,
            "forecast_date": forecast,
        }
        achieved = [m for m in a.milestones if m.true <= end]
        upcoming = [m for m in a.milestones if m.true > end]
        month = f"{end:%B}"
        if a.cancelled and PERIODS.index(period) >= PERIODS.index(a.cancelled):
            row.update(status="Cancelled", forecast_date=None,
                       percent_complete=self.percent(a, end),
                       progress=f"Cancelled by the theme group in {month}: the funding was "
                                "withdrawn and the work is covered by another action.")
            return row
        if a.start > end:
            row.update(status="Not started", percent_complete=0, rag=self.rag(a, period),
                       progress=f"Due to start in {a.start:%B %Y}; "
                                + self.words(self.rng.choice(PREPARATION), month=month) + ".")
        elif a.finish <= end:
            row.update(status="Complete", completed_date=a.finish, percent_complete=100,
                       progress=f"Completed on {a.finish:%d/%m/%Y}. "
                                + self.rng.choice(CLOSING))
        else:
            status = "On hold" if period in a.hold else "In progress"
            paused = Period.parse(min(a.hold, key=PERIODS.index)).start if a.hold else end
            row.update(status=status, percent_complete=self.percent(a, min(paused, end)),
                       rag=self.rag(a, period))
            parts = []
            if achieved:
                m = achieved[-1]
                parts.append(f"'{m.description}' achieved on {m.true:%d/%m/%Y}.")
            if upcoming:
                m = upcoming[0]
                if m.base(period) < end:
                    parts.append(f"'{m.description}' (due {m.base(period):%d/%m/%Y}) now "
                                 f"expected {m.true:%d/%m/%Y}.")
                else:
                    parts.append(f"Next: '{m.description}' by {m.base(period):%d/%m/%Y}.")
            if status == "On hold":
                parts.insert(0, "Paused until 2010/11 funding is confirmed.")
            else:
                pct = row["percent_complete"]
                spend = round((a.cost or 0) * pct / 100, -2)
                options = PROGRESS if a.cost else PROGRESS[:1] + PROGRESS[2:]
                parts.append(self.words(self.rng.choice(options),
                                        n=self.rng.randint(8, 60), m=self.rng.randint(30, 80),
                                        spend=int(spend), month=month))
            row["progress"] = " ".join(parts)
        if row.get("rag") in ("Red", "Amber") or row["status"] == "On hold":
            row["mitigation"] = a.mitigation
        row.update(self.spend(a, row))
        return row

    @staticmethod
    def spend(a: Action, row: dict[str, Any]) -> dict[str, Any]:
        """What the action has spent and expects to spend in all: in step with its progress,
        and its whole cost when complete (no random numbers, so the rest stays as it was)."""
        if not a.cost:
            return {}
        out: dict[str, Any] = {"depends_on": ", ".join(a.depends_on) or None}
        status = row["status"]
        if status == "Complete":
            return {**out, "spent": a.cost, "outturn": a.outturn or a.cost}
        outturn = a.outturn or a.cost
        if status == "Not started":
            return {**out, "outturn": outturn}
        spent = int(round(outturn * row.get("percent_complete", 0) / 100, -2))
        if status == "Cancelled":
            return {**out, "spent": spent}
        return {**out, "spent": spent, "outturn": outturn}

    def percent(self, a: Action, end: date) -> int:
        done = (end - a.start).days / max((a.finish - a.start).days, 1)
        return int(min(max(round(done * 20) * 5, 5), 95))

    def rag(self, a: Action, period: str) -> str:
        end = period_end(period)
        forecast = a.forecast.get(period)
        slip = (forecast - a.due).days if forecast else 0
        if period in a.hold:
            return "Red" if slip > 90 else "Amber"
        if slip > 90:
            return "Red"
        if slip > 14 or a.due < end:
            return "Amber"
        return "Green"

    def milestone_row(self, m: Milestone, a: Action, period: str, state: str
                      ) -> dict[str, Any]:
        end = period_end(period)
        base = m.base(period)
        row: dict[str, Any] = {"milestone_id": m.mid, "action_id": a.aid,
                               "description": m.description, "baseline_date": base}
        if m.true <= end:
            row.update(status="Achieved", actual_date=m.true)
            if (m.true - base).days > 14:
                row["comment"] = "Achieved late: " + m.comment_late[0].lower() \
                    + m.comment_late[1:]
            return row
        if state == "Cancelled":
            row.update(status="Cancelled", comment="Cancelled with the action.")
            return row
        known = base < end or a.forecast.get(period) is not None
        if known and m.true != base:
            row["forecast_date"] = m.true
        late = (m.true - base).days if "forecast_date" in row else 0
        if base < end:
            row["status"] = "Missed" if late > 60 else "At risk"
        else:
            row["status"] = "At risk" if late > 14 else "On track"
        if late > 14:
            row["comment"] = m.comment_late
        return row

    def outcome_row(self, o: Outcome, period: str, action_rows: list[dict[str, Any]]
                    ) -> dict[str, Any]:
        ind = o.ind
        value, latest_period = o.latest[period]
        b, (t1, t2, t3) = o.baseline, o.targets
        year = "2008/09" if latest_period == "2008/09" else "2009/10"
        expected = t1 if year == "2008/09" else t2
        progress = (value - b) / (expected - b) if expected != b else 1.0
        reds = sum(1 for r in action_rows if r.get("outcome_id") == o.oid
                   and r.get("rag") == "Red")
        confidence = "Green" if progress >= 0.9 else "Amber" if progress >= 0.55 else "Red"
        if confidence == "Green" and reds:
            confidence = "Amber"
        if progress >= 1.0:
            verdict = f"At or better than the {year} target."
        elif progress >= 0.9:
            verdict = f"Close to the {year} target: on trajectory."
        else:
            verdict = f"{quoted(abs(expected - value), ind)} short of the {year} target of " \
                      f"{quoted(expected, ind)}."
        unit = "" if ind.unit in ("%", "number") else f" ({ind.unit})"
        position = (f"The {latest_period} figure is {quoted(value, ind)}{unit}, against a 2007/08 "
                    f"baseline of {quoted(b, ind)} and a 2009/10 target of {quoted(t2, ind)}. "
                    f"{verdict} " + self.words(ind.context))
        row: dict[str, Any] = {
            "outcome_id": o.oid, "indicator": ind.code, "title": ind.title,
            "theme": ind.theme, "lead_partner": o.lead_partner, "lead_officer": o.lead_officer,
            "polarity": ind.polarity, "unit": ind.unit, "baseline_value": b,
            "baseline_period": "2007/08", "target_2008_09": t1, "target_2009_10": t2,
            "target_2010_11": t3, "latest_value": value, "latest_period": latest_period,
            "current_position": position,
            "challenge": self.words(ind.challenge, t3=quoted(t3, ind)),
            "options_appraised": self.words(ind.options),
            "confidence": confidence,
        }
        if period not in o.answers:
            pick = {"Green": ("Yes", "Yes", "Yes", "Yes", "Partly"),
                    "Amber": ("Yes", "Partly", "Partly", "Yes"),
                    "Red": ("Partly", "No", "Partly")}[confidence]
            o.answers[period] = (self.rng.choice(pick), self.rng.choice(pick),
                                 self.rng.choice(pick))
        row["right_things"], row["enough"], row["long_enough"] = o.answers[period]
        if confidence != "Green":
            row["commentary"] = (self.words(ind.cause) + " The partnership will "
                                 + self.words(ind.fix) + ".")
        elif progress >= 1.0:
            row["commentary"] = "Ahead of trajectory; the theme group keeps the plan under " \
                                "review."
        return row

    def recovery_row(self, item: str, what: str, cause: str, fix: str, who: str,
                     measure: str) -> dict[str, Any]:
        rng = self.rng
        factor = rng.choice(tuple(FACTORS))
        return {
            "item_id": item,
            "scanning": f"{what}",
            "analysis": cause,
            "response": f"{who} to {fix} by {rng.choice(('December 2009', 'January 2010'))}; "
                        "the theme group reviews progress monthly.",
            "assessment": f"{measure} by the 2009/10 Q3 return.",
            "strengths": self.words(rng.choice(STRENGTHS)),
            "weaknesses": self.words(rng.choice(WEAKNESSES)),
            "opportunities": self.words(rng.choice(OPPORTUNITIES)),
            "threats": self.words(rng.choice(THREATS)),
            "main_factor": factor,
            "factor_detail": self.words(FACTORS[factor]),
        }

    def rows(self, plan: Plan, period: str) -> dict[str, list[dict[str, Any]]]:
        actions, milestones = [], []
        live = [a for a in plan.actions
                if not (a.dropped and PERIODS.index(period) >= PERIODS.index(a.dropped))]
        for a in live:
            row = self.action_state(a, period)
            actions.append(row)
            for m in a.milestones:
                milestones.append(self.milestone_row(m, a, period, row["status"]))
        outcomes = [self.outcome_row(o, period, actions) for o in plan.outcomes]
        recovery = []
        for o, row in zip(plan.outcomes, outcomes, strict=True):
            if row["confidence"] in ("Red", "Amber"):
                value, latest_period = o.latest[period]
                recovery.append(self.recovery_row(
                    o.oid,
                    f"{o.ind.code} {o.ind.title}: {quoted(value, o.ind)} in {latest_period} "
                    f"against a 2009/10 target of {quoted(o.targets[1], o.ind)}.",
                    self.words(o.ind.cause), self.words(o.ind.fix), o.lead_partner,
                    f"{o.ind.code} back on trajectory"))
        for a, row in zip(live, actions, strict=True):
            rag = row.get("rag")
            if rag == "Red" and "no-recovery" in a.tags and period == Q2:
                continue
            if rag == "Red" or (rag == "Amber" and a.amber_recovery):
                forecast = row.get("forecast_date")
                late = f"forecast {forecast:%d/%m/%Y} against a due date of " \
                       f"{a.due:%d/%m/%Y}" if forecast else f"due {a.due:%d/%m/%Y}"
                recovery.append(self.recovery_row(
                    a.aid, f"{a.description}: {late}.", a.mitigation,
                    "agree a revised delivery plan with named actions", a.agency,
                    f"Next milestone met by its forecast date and action {a.aid} rated Amber "
                    "or better"))
        return {"outcomes": outcomes, "actions": actions, "milestones": milestones,
                "assurance": plan.assurance, "risks": plan.risks, "recovery": recovery}


