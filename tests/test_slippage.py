"""Slippage rules: each rule's cases side by side with the flags they must give."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from laa_xl import schemas
from laa_xl.model import Return, Row, a1
from laa_xl.region import Period, Tolerances
from laa_xl.slippage import RULES, Flag, flags, severity_for_days, sort_flags, summarise

AS_OF = date(2009, 9, 30)  # the end of 2009/10 Q2
PERIOD = Period(2009, 2)
TOL = Tolerances()
CROSS_ROUND = {"slipped-since-last-round", "re-baselined", "rag-worsened", "stalled", "dropped"}


def _values(values: dict[str, Any]) -> dict[str, Any]:
    """Drop blanks (an empty cell is an absent key) and turn ISO text into dates."""
    out = {}
    for name, value in values.items():
        if value is None:
            continue
        if name.endswith("_date") and isinstance(value, str):
            value = date.fromisoformat(value)
        out[name] = value
    return out


def make_row(sheet: str, values: dict[str, Any], n: int = 2) -> Row:
    columns = {f.name: i for i, f in enumerate(schemas.sheet(sheet).fields)}
    return Row(sheet, n, _values(values), columns)


def make_return(lsp: str = "LSPA", /, **sheets: Any) -> Return:
    ret = Return(path=f"returns/{lsp}.xlsx", meta={"lsp_code": lsp})
    for key, items in sheets.items():
        ret.sheets[key] = [make_row(key, v, n=i + 2) for i, v in enumerate(items)]
    return ret


def ms(mid: str = "M-1", baseline: str | None = "2009-12-01", status: str = "At risk",
       **more: Any) -> dict[str, Any]:
    return {"milestone_id": mid, "action_id": "A-1", "description": f"Milestone {mid}",
            "baseline_date": baseline, "status": status, **more}


def act(aid: str = "A-1", start: str | None = "2009-04-01", due: str | None = "2010-03-31",
        status: str = "In progress", pct: float | None = 50, rag: str | None = "Amber",
        **more: Any) -> dict[str, Any]:
    return {"action_id": aid, "outcome_id": "O-1", "description": f"Action {aid}",
            "start_date": start, "due_date": due, "status": status, "percent_complete": pct,
            "rag": rag, **more}


def outcome(oid: str = "O-1", polarity: str | None = "Higher", latest: float | None = None,
            target: float | None = 60, confidence: str = "Amber", **more: Any) -> dict[str, Any]:
    return {"outcome_id": oid, "indicator": "NI 117", "title": f"Outcome {oid}",
            "polarity": polarity, "latest_value": latest, "target_2009_10": target,
            "confidence": confidence, **more}


def found(current: Return, previous: Return | None = None, as_of: date = AS_OF,
          tol: Tolerances = TOL, period: Period | None = PERIOD) -> list[tuple]:
    return [(f.rule, f.item_id, f.days, f.severity)
            for f in flags(current, previous, as_of, tol, period)]


# -- severity by days -------------------------------------------------------------------

@pytest.mark.parametrize("days, tol, expected", [
    (1, TOL, "low"),
    (30, TOL, "low"),
    (31, TOL, "medium"),
    (90, TOL, "medium"),
    (91, TOL, "high"),
    (10, Tolerances(low_days=7, medium_days=28), "medium"),
    (29, Tolerances(low_days=7, medium_days=28), "high"),
])
def test_severity_for_days(days: int, tol: Tolerances, expected: str) -> None:
    assert severity_for_days(days, tol) == expected


# -- milestones, one round --------------------------------------------------------------

MILESTONE_CASES: list[tuple[Any, ...]] = [
    ("due on the as-at date is not yet overdue", ms(baseline="2009-09-30"), []),
    ("1 day overdue is at least medium for a milestone", ms(baseline="2009-09-29"),
     [("overdue", "M-1", 1, "medium")]),
    ("30 days overdue", ms(baseline="2009-08-31"), [("overdue", "M-1", 30, "medium")]),
    ("90 days overdue", ms(baseline="2009-07-02"), [("overdue", "M-1", 90, "medium")]),
    ("91 days overdue", ms(baseline="2009-07-01"), [("overdue", "M-1", 91, "high")]),
    ("Missed is still overdue", ms(baseline="2009-09-01", status="Missed"),
     [("overdue", "M-1", 29, "medium")]),
    ("Achieved is never overdue or slipping",
     ms(baseline="2009-06-30", status="Achieved", actual_date="2009-07-10",
        forecast_date="2009-12-01"), []),
    ("an actual date counts as achieved",
     ms(baseline="2009-06-30", status="At risk", actual_date="2009-07-10"), []),
    ("Cancelled is never flagged",
     ms(baseline="2009-06-30", status="Cancelled", forecast_date="2010-06-30"), []),
    ("no baseline date: nothing to measure", ms(baseline=None, forecast_date="2010-06-30"), []),
    ("forecast 14 days late is within tolerance", ms(forecast_date="2009-12-15"), []),
    ("forecast 15 days late is a slip", ms(forecast_date="2009-12-16"),
     [("forecast-slip", "M-1", 15, "low")]),
    ("forecast 30 days late", ms(forecast_date="2009-12-31"),
     [("forecast-slip", "M-1", 30, "low")]),
    ("forecast 31 days late", ms(forecast_date="2010-01-01"),
     [("forecast-slip", "M-1", 31, "medium")]),
    ("forecast 91 days late", ms(forecast_date="2010-03-02"),
     [("forecast-slip", "M-1", 91, "high")]),
    ("forecast earlier than baseline", ms(forecast_date="2009-11-01"), []),
    ("overdue and forecast late: both, most days first",
     ms(baseline="2009-09-01", forecast_date="2009-11-30"),
     [("forecast-slip", "M-1", 90, "medium"), ("overdue", "M-1", 29, "medium")]),
    ("On track while overdue is inconsistent", ms(baseline="2009-09-20", status="On track"),
     [("overdue", "M-1", 10, "medium"), ("rag-inconsistent", "M-1", 10, "medium")]),
    ("On track with a forecast beyond tolerance is inconsistent",
     ms(status="On track", forecast_date="2009-12-21"),
     [("rag-inconsistent", "M-1", 20, "medium"), ("forecast-slip", "M-1", 20, "low")]),
    ("On track with a forecast within tolerance is consistent",
     ms(status="On track", forecast_date="2009-12-15"), []),
]


@pytest.mark.parametrize("values, expected", [c[1:] for c in MILESTONE_CASES],
                         ids=[c[0] for c in MILESTONE_CASES])
def test_milestone_rules(values: dict[str, Any], expected: list[tuple]) -> None:
    assert found(make_return(milestones=[values])) == expected


# -- actions, one round -----------------------------------------------------------------

ACTION_CASES: list[tuple[Any, ...]] = [
    ("on plan", act(), []),
    ("30 days overdue is low for an action", act(due="2009-08-31"),
     [("overdue", "A-1", 30, "low")]),
    ("31 days overdue", act(due="2009-08-30"), [("overdue", "A-1", 31, "medium")]),
    ("90 days overdue", act(due="2009-07-02"), [("overdue", "A-1", 90, "medium")]),
    ("91 days overdue", act(due="2009-07-01"), [("overdue", "A-1", 91, "high")]),
    ("Complete is never flagged",
     act(due="2009-06-30", status="Complete", completed_date="2009-08-01", pct=100, rag=None), []),
    ("a completed date counts as complete",
     act(due="2009-06-30", completed_date="2009-08-01"), []),
    ("Cancelled is never flagged",
     act(due="2009-06-30", status="Cancelled", pct=0, rag="Green",
         forecast_date="2010-12-31"), []),
    ("no due date", act(due=None, forecast_date="2010-12-31"), []),
    ("forecast 14 days after due date", act(forecast_date="2010-04-14"), []),
    ("forecast 15 days after due date", act(forecast_date="2010-04-15"),
     [("forecast-slip", "A-1", 15, "low")]),
    ("Green while overdue", act(due="2009-09-20", rag="Green"),
     [("rag-inconsistent", "A-1", 10, "medium"), ("overdue", "A-1", 10, "low")]),
    ("Green with forecast beyond tolerance", act(rag="Green", forecast_date="2010-05-31"),
     [("forecast-slip", "A-1", 61, "medium"), ("rag-inconsistent", "A-1", 61, "medium")]),
    # Half the time gone (182 of 364 days): expected at least 0.7 x 50% = 35%.
    ("exactly on the behind-plan line", act(pct=35), []),
    ("just under the behind-plan line", act(pct=34), [("behind-plan", "A-1", None, "low")]),
    ("Green but behind plan is not inconsistent", act(pct=10, rag="Green"),
     [("behind-plan", "A-1", None, "low")]),
    ("On hold is still behind plan", act(pct=5, status="On hold"),
     [("behind-plan", "A-1", None, "low")]),
    ("Not started with no % complete counts as 0%", act(status="Not started", pct=None),
     [("behind-plan", "A-1", None, "low")]),
    ("In progress with no % complete: nothing to judge", act(pct=None), []),
    ("starts on the as-at date: nothing expected yet",
     act(start="2009-09-30", status="Not started", pct=None), []),
    ("starts later", act(start="2009-10-01", status="Not started", pct=None), []),
    ("no start date", act(start=None, pct=0), []),
    ("due on the as-at date, 69%: expected 70%", act(due="2009-09-30", pct=69),
     [("behind-plan", "A-1", None, "low")]),
    ("due on the as-at date, 70%", act(due="2009-09-30", pct=70), []),
    ("past its due date: overdue, not behind plan", act(due="2009-09-29", pct=0),
     [("overdue", "A-1", 1, "low")]),
    ("Complete is never behind plan", act(pct=0, status="Complete",
                                          completed_date="2009-09-01"), []),
]


@pytest.mark.parametrize("values, expected", [c[1:] for c in ACTION_CASES],
                         ids=[c[0] for c in ACTION_CASES])
def test_action_rules(values: dict[str, Any], expected: list[tuple]) -> None:
    assert found(make_return(actions=[values])) == expected


def test_behind_plan_follows_the_ratio() -> None:
    current = make_return(actions=[act(pct=30)])
    assert found(current, tol=Tolerances(behind_plan_ratio=0.5)) == []  # expected 25%
    assert found(current, tol=Tolerances(behind_plan_ratio=0.8)) == [
        ("behind-plan", "A-1", None, "low")]  # expected 40%


def test_forecast_slip_follows_the_tolerance() -> None:
    current = make_return(milestones=[ms(forecast_date="2009-12-08")])  # 7 days
    assert found(current, tol=Tolerances(forecast_slip_days=7)) == []
    assert found(current, tol=Tolerances(forecast_slip_days=6)) == [
        ("forecast-slip", "M-1", 7, "low")]


# -- against the previous round ---------------------------------------------------------

CROSS_CASES: list[tuple[Any, ...]] = [
    # (name, sheet, last round's row, this round's row or None, expected)
    ("forecast later than last round's forecast", "milestones",
     ms(forecast_date="2009-12-05"), ms(forecast_date="2009-12-10"),
     [("slipped-since-last-round", "M-1", 5, "low")]),
    ("forecast later than last round's baseline", "milestones",
     ms(), ms(forecast_date="2009-12-10"),
     [("slipped-since-last-round", "M-1", 9, "low")]),
    ("slipped 31 days since last round", "milestones",
     ms(forecast_date="2009-12-10"), ms(forecast_date="2010-01-10"),
     [("forecast-slip", "M-1", 40, "medium"), ("slipped-since-last-round", "M-1", 31, "medium")]),
    ("forecast brought forward", "milestones",
     ms(forecast_date="2009-12-20"), ms(forecast_date="2009-12-10"), []),
    ("forecast removed", "milestones", ms(forecast_date="2009-12-10"), ms(), []),
    ("forecast unchanged", "milestones",
     ms(forecast_date="2009-12-10"), ms(forecast_date="2009-12-10"), []),
    ("baseline moved 5 days later: at least medium", "milestones",
     ms(), ms(baseline="2009-12-06"), [("re-baselined", "M-1", 5, "medium")]),
    ("baseline moved 91 days later", "milestones",
     ms(), ms(baseline="2010-03-02"), [("re-baselined", "M-1", 91, "high")]),
    ("baseline moved 10 days earlier", "milestones",
     ms(), ms(baseline="2009-11-21"), [("re-baselined", "M-1", -10, "low")]),
    ("an achieved milestone's baseline moved", "milestones",
     ms(baseline="2009-06-30"),
     ms(baseline="2009-08-31", status="Achieved", actual_date="2009-08-20"),
     [("re-baselined", "M-1", 62, "medium")]),
    ("a cancelled milestone's baseline moved", "milestones",
     ms(), ms(baseline="2010-03-02", status="Cancelled"), []),
    ("status On track to At risk", "milestones",
     ms(status="On track"), ms(status="At risk"), [("rag-worsened", "M-1", None, "medium")]),
    ("status At risk to Missed", "milestones",
     ms(status="At risk"), ms(status="Missed"), [("rag-worsened", "M-1", None, "high")]),
    ("status Missed to At risk is better", "milestones",
     ms(status="Missed"), ms(status="At risk"), []),
    ("an unchanged milestone never stalls", "milestones",
     ms(forecast_date="2009-12-10"), ms(forecast_date="2009-12-10"), []),
    ("action RAG Green to Amber", "actions",
     act(rag="Green", pct=45), act(rag="Amber"), [("rag-worsened", "A-1", None, "medium")]),
    ("action RAG Amber to Red", "actions",
     act(pct=45), act(rag="Red"), [("rag-worsened", "A-1", None, "high")]),
    ("action RAG Green to Red", "actions",
     act(rag="Green", pct=45), act(rag="Red"), [("rag-worsened", "A-1", None, "high")]),
    ("action RAG Red to Amber is better", "actions", act(rag="Red", pct=45), act(), []),
    ("action RAG blank last round", "actions", act(rag=None, pct=45), act(rag="Red"), []),
    ("action due date moved 91 days later", "actions",
     act(pct=45), act(due="2010-06-30"), [("re-baselined", "A-1", 91, "high")]),
    ("no change in % or forecast since last round", "actions",
     act(pct=40), act(pct=40), [("stalled", "A-1", None, "medium")]),
    ("no change, same forecast", "actions",
     act(pct=40, forecast_date="2010-04-10"), act(pct=40, forecast_date="2010-04-10"),
     [("stalled", "A-1", None, "medium")]),
    ("On hold with no change", "actions",
     act(pct=40, status="On hold"), act(pct=40, status="On hold"),
     [("stalled", "A-1", None, "medium")]),
    ("% complete moved on", "actions", act(pct=40), act(pct=45), []),
    ("forecast changed", "actions",
     act(pct=40, forecast_date="2010-04-10"), act(pct=40, forecast_date="2010-04-01"), []),
    ("not under way last round: not stalled", "actions",
     act(status="Not started", pct=0, start="2010-01-01"),
     act(status="Not started", pct=0, start="2010-01-01"), []),
    ("complete now: not stalled", "actions",
     act(pct=100), act(pct=100, status="Complete", completed_date="2009-09-01", rag=None), []),
    ("milestone dropped", "milestones", ms(), None, [("dropped", "M-1", None, "medium")]),
    ("action dropped", "actions", act(), None, [("dropped", "A-1", None, "medium")]),
    ("achieved last round, gone now", "milestones",
     ms(status="Achieved", actual_date="2009-06-01"), None, []),
    ("actual date last round, gone now", "milestones",
     ms(actual_date="2009-06-01"), None, []),
    ("cancelled last round, gone now", "milestones", ms(status="Cancelled"), None, []),
    ("complete last round, gone now", "actions",
     act(status="Complete", pct=100, completed_date="2009-06-01", rag=None), None, []),
    ("IDs match without regard to case or spaces", "milestones",
     ms(mid="m-1"), ms(mid=" M-1 "), []),
    ("outcome confidence Green to Red", "outcomes",
     outcome(confidence="Green"), outcome(confidence="Red"),
     [("rag-worsened", "O-1", None, "high")]),
    ("outcome confidence Green to Amber", "outcomes",
     outcome(confidence="Green"), outcome(confidence="Amber"),
     [("rag-worsened", "O-1", None, "medium")]),
    ("outcome confidence Red to Green", "outcomes",
     outcome(confidence="Red"), outcome(confidence="Green"), []),
]


@pytest.mark.parametrize("sheet, before, now, expected", [c[1:] for c in CROSS_CASES],
                         ids=[c[0] for c in CROSS_CASES])
def test_rules_against_previous_round(sheet: str, before: dict[str, Any],
                                      now: dict[str, Any] | None,
                                      expected: list[tuple]) -> None:
    previous = make_return(**{sheet: [before]})
    current = make_return(**{sheet: [now] if now is not None else []})
    assert found(current, previous) == expected


@pytest.mark.parametrize("sheet, before, now, expected", [c[1:] for c in CROSS_CASES],
                         ids=[c[0] for c in CROSS_CASES])
def test_no_previous_round_no_cross_round_rules(sheet: str, before: dict[str, Any],
                                                now: dict[str, Any] | None,
                                                expected: list[tuple]) -> None:
    current = make_return(**{sheet: [now] if now is not None else []})
    with_previous = set(found(current, make_return(**{sheet: [before]})))
    without = found(current, None)
    assert not {rule for rule, *_ in without} & CROSS_ROUND
    # The one-round rules do not depend on the previous round.
    assert set(without) == {x for x in with_previous if x[0] not in CROSS_ROUND}


# -- outcomes: off trajectory -----------------------------------------------------------

OUTCOME_CASES: list[tuple[Any, ...]] = [
    ("higher is better, below target", outcome(polarity="Higher", latest=50, target=60),
     PERIOD, [("off-trajectory", "O-1", None, "medium")]),
    ("higher is better, on target", outcome(polarity="Higher", latest=60, target=60),
     PERIOD, []),
    ("higher is better, above target", outcome(polarity="Higher", latest=61, target=60),
     PERIOD, []),
    ("lower is better, above target", outcome(polarity="Lower", latest=8.2, target=7.5),
     PERIOD, [("off-trajectory", "O-1", None, "medium")]),
    ("lower is better, on target", outcome(polarity="Lower", latest=7.5, target=7.5),
     PERIOD, []),
    ("lower is better, below target", outcome(polarity="Lower", latest=7, target=7.5),
     PERIOD, []),
    ("no latest value", outcome(latest=None, target=60), PERIOD, []),
    ("no target for the year", outcome(latest=50, target=None), PERIOD, []),
    ("no polarity", outcome(polarity=None, latest=50, target=60), PERIOD, []),
    ("no period given", outcome(latest=50, target=60), None, []),
    ("a year the LAA has no target for", outcome(latest=50, target=60), Period(2011, 1), []),
    ("an annual value is held to its own year's target",
     outcome(latest=50, target=40, target_2008_09=55, latest_period="2008/09"), PERIOD,
     [("off-trajectory", "O-1", None, "medium")]),
    ("an annual value that met its own year's target",
     outcome(latest=56, target=70, target_2008_09=55, latest_period="2008/09"), PERIOD, []),
    ("an in-year value on its straight line to the year's target",
     outcome(latest=52.5, target=60, target_2008_09=50, latest_period="Q1 2009/10"),
     PERIOD, []),
    ("an in-year value behind its straight line",
     outcome(latest=52.4, target=60, target_2008_09=50, latest_period="Q1 2009/10"),
     PERIOD, [("off-trajectory", "O-1", None, "medium")]),
    ("an in-year value with no earlier target starts from the baseline",
     outcome(polarity="Lower", latest=9.5, target=8, baseline_value=10,
             latest_period="Q2 2009/10"), PERIOD, [("off-trajectory", "O-1", None, "medium")]),
    ("a year with no target field is not judged",
     outcome(latest=1, target=60, latest_period="2007/08"), PERIOD, []),
    ("judged against the period's own year",
     outcome(latest=50, target=40, target_2010_11=70), Period(2010, 3),
     [("off-trajectory", "O-1", None, "medium")]),
]


@pytest.mark.parametrize("values, period, expected", [c[1:] for c in OUTCOME_CASES],
                         ids=[c[0] for c in OUTCOME_CASES])
def test_off_trajectory(values: dict[str, Any], period: Period | None,
                        expected: list[tuple]) -> None:
    assert found(make_return(outcomes=[values]), period=period) == expected


# -- what a flag says, and where it points ----------------------------------------------

def test_overdue_flag_names_item_dates_and_cell() -> None:
    current = make_return(milestones=[ms(), ms(mid="M-004", baseline="2009-06-30")])
    (flag,) = flags(current, None, AS_OF, TOL, PERIOD)
    assert flag == Flag(lsp="LSPA", sheet="milestones", item_id="M-004", rule="overdue",
                        severity="high", days=92,
                        message="Milestone M-004 was due 30/06/2009 and is not achieved: "
                                "92 days overdue.",
                        file="returns/LSPA.xlsx", row=3, cell="D3",
                        description="Milestone M-004", parent="A-1")
    assert list(flag.as_dict()) == ["lsp", "sheet", "item_id", "rule", "severity", "days",
                                    "message", "file", "row", "cell", "description", "parent",
                                    "theme", "chain"]
    assert flag.as_dict()["days"] == 92


def test_every_flag_carries_its_outcomes_theme() -> None:
    outcomes = [{"outcome_id": "O-1", "theme": "Economic development and enterprise"},
                {"outcome_id": "O-2", "theme": "Healthier communities and older people"}]
    old = make_return(outcomes=outcomes, actions=[act(), act("A-2", due="2010-06-30")],
                      milestones=[ms(), ms("M-2", baseline="2009-06-30")])
    for row in old.sheets["actions"]:
        if row.get("action_id") == "A-2":
            row.values["outcome_id"] = "O-2"
    current = make_return(outcomes=outcomes, actions=[act()],
                          milestones=[ms(), ms("M-2", baseline="2009-06-30")])
    got = {(f.sheet, f.item_id, f.rule, f.theme)
           for f in flags(current, old, AS_OF, TOL, PERIOD)}
    assert ("milestones", "M-2", "overdue", "Economic development and enterprise") in got
    # A-2 is in the previous round only: its theme is found there.
    assert ("actions", "A-2", "dropped", "Healthier communities and older people") in got


@pytest.mark.parametrize("current, previous, rule, message", [
    (make_return(actions=[act(due="2009-08-31", forecast_date="2009-10-15", rag="Red")]), None,
     "overdue", "Action A-1 was due 31/08/2009 and is not complete: 30 days overdue "
     "(forecast 15/10/2009)."),
    (make_return(milestones=[ms(forecast_date="2010-01-01")]), None, "forecast-slip",
     "Milestone M-1 is forecast for 01/01/2010, 31 days after its baseline date of "
     "01/12/2009 (tolerance 14 days)."),
    (make_return(milestones=[ms(forecast_date="2009-12-10")]),
     make_return(milestones=[ms(forecast_date="2009-12-05")]), "slipped-since-last-round",
     "Milestone M-1 is now forecast for 10/12/2009, 5 days later than the forecast of "
     "05/12/2009 last round."),
    (make_return(actions=[act(due="2010-06-30")]), make_return(actions=[act(pct=45)]),
     "re-baselined",
     "Action A-1's due date changed from 31/03/2010 last round to 30/06/2010: 91 days "
     "later. Baselines are fixed once agreed; put the agreed date back and use Forecast "
     "date for the new expected date."),
    (make_return(actions=[act(rag="Red")]), make_return(actions=[act(pct=45)]),
     "rag-worsened", "Action A-1's RAG went from Amber last round to Red."),
    (make_return(actions=[act(pct=34)]), None, "behind-plan",
     "Action A-1 is 34% complete with 50% of its time gone (01/04/2009 to 31/03/2010): "
     "expected at least 35%."),
    (make_return(actions=[act(pct=40)]), make_return(actions=[act(pct=40)]), "stalled",
     "Action A-1 has not moved since last round: still 40% complete, no forecast date."),
    (make_return(milestones=[ms(status="On track", baseline="2009-09-20")]), None,
     "rag-inconsistent",
     "Milestone M-1 is marked On track but is 10 days overdue (due 20/09/2009). "
     "Review its status."),
    (make_return(), make_return(milestones=[ms()]), "dropped",
     "Milestone M-1 (baseline date 01/12/2009) was in last round's return, not achieved or "
     "cancelled, and is missing from this one. Put it back (marked Achieved or Cancelled if "
     "it is)."),
    (make_return(outcomes=[outcome(polarity="Lower", latest=8.2, target=7.5, unit="rate",
                                   latest_period="Q1 2009/10")]), None,
     "off-trajectory",
     "Outcome O-1 (NI 117): latest value 8.2 rate (Q1 2009/10) is worse than its 2009/10 "
     "target of 7.5 rate (lower is better)."),
])
def test_messages(current: Return, previous: Return | None, rule: str, message: str) -> None:
    assert [f.message for f in flags(current, previous, AS_OF, TOL, PERIOD)
            if f.rule == rule] == [message]


def test_dropped_points_at_this_return_not_last_rounds_row() -> None:
    previous = make_return(milestones=[ms(mid="M-7"), ms(mid="M-9")])
    previous.path = "rollup-2009-10-Q1.xlsx"
    current = make_return(milestones=[ms(mid="M-7")])
    (flag,) = flags(current, previous, AS_OF, TOL, PERIOD)
    assert (flag.rule, flag.item_id, flag.file, flag.row, flag.cell, flag.description,
            flag.parent) == ("dropped", "M-9", "returns/LSPA.xlsx", None, None,
                             "Milestone M-9", "A-1")


def test_cross_round_flags_point_at_this_rounds_cell() -> None:
    previous = make_return(actions=[act(rag="Green", pct=45)])
    current = make_return(actions=[act(aid="A-0"), act(rag="Red")])
    (flag,) = flags(current, previous, AS_OF, TOL, PERIOD)
    rag_col = [f.name for f in schemas.sheet("actions").fields].index("rag")
    assert (flag.rule, flag.row, flag.cell) == ("rag-worsened", 3, a1(3, rag_col))
    assert flag.parent == "O-1"


def test_a_row_without_an_id_is_still_checked() -> None:
    current = make_return(milestones=[ms(mid=None, baseline="2009-09-01")])  # type: ignore[arg-type]
    (flag,) = flags(current, None, AS_OF, TOL, PERIOD)
    assert (flag.rule, flag.item_id, flag.row) == ("overdue", "", 2)
    assert flag.message.startswith("The milestone in row 2 was due 01/09/2009")


def test_values_a_failed_validation_left_as_text_are_ignored() -> None:
    current = make_return(milestones=[ms(baseline="2009-06-30")],
                          actions=[act(pct="fifty")])  # type: ignore[arg-type]
    current.sheets["milestones"][0].values["baseline_date"] = "30/06/09"
    assert found(current) == []


# -- order and summary ------------------------------------------------------------------

def _round() -> list[Flag]:
    a = make_return("LSPA", milestones=[ms(mid="M-10", baseline="2009-09-20"),
                                        ms(mid="M-2", baseline="2009-09-20"),
                                        ms(mid="M-3", baseline="2009-05-01")],
                    actions=[act(pct=10)],
                    outcomes=[outcome(latest=50)])
    b = make_return("LSPB", milestones=[ms(mid="M-1", baseline="2009-09-20")],
                    actions=[act(due="2009-08-01")])
    return flags(a, None, AS_OF, TOL, PERIOD) + flags(b, None, AS_OF, TOL, PERIOD)


def test_sort_worst_first_and_deterministic() -> None:
    expected = [
        ("LSPA", "overdue", "M-3", 152, "high"),
        ("LSPB", "overdue", "A-1", 60, "medium"),
        ("LSPA", "overdue", "M-2", 10, "medium"),
        ("LSPA", "overdue", "M-10", 10, "medium"),
        ("LSPB", "overdue", "M-1", 10, "medium"),
        ("LSPA", "off-trajectory", "O-1", None, "medium"),
        ("LSPA", "behind-plan", "A-1", None, "low"),
    ]
    items = _round()
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert [(f.lsp, f.rule, f.item_id, f.days, f.severity)
                for f in sort_flags(shuffled)] == expected


def test_sort_breaks_ties_by_rule_order() -> None:
    base = dict(lsp="X", sheet="actions", item_id="A-1", severity="medium", days=5,
                message="", file="x.xlsx", row=2, cell="A2")
    made = [Flag(rule=r, **base) for r in reversed(RULES)]  # type: ignore[arg-type]
    assert [f.rule for f in sort_flags(made)] == list(RULES)


def test_summarise() -> None:
    summary = summarise(_round())
    assert summary["total"] == 7
    assert summary["by_severity"] == {"high": 1, "medium": 5, "low": 1}
    assert list(summary["by_rule"]) == list(RULES)
    assert {k: v for k, v in summary["by_rule"].items() if v} == {
        "overdue": 5, "behind-plan": 1, "off-trajectory": 1}
    assert summary["by_lsp"] == {"LSPA": 5, "LSPB": 2}
    assert summarise([]) == {"total": 0, "by_severity": {"high": 0, "medium": 0, "low": 0},
                             "by_rule": {r: 0 for r in RULES}, "by_lsp": {}}


def test_rules_table() -> None:
    assert list(RULES) == ["overdue", "forecast-slip", "slipped-since-last-round",
                           "re-baselined", "rag-worsened", "behind-plan", "stalled",
                           "rag-inconsistent", "dropped", "off-trajectory", "knock-on",
                           "over-budget", "advice-overdue", "persistent-slip"]
    for code, rule in RULES.items():
        assert rule.code == code and rule.severity and rule.sheets
        text = rule.describe()
        assert text.endswith(".") and "\n" not in text and "{" not in text, code
    produced = {rule for case in MILESTONE_CASES + ACTION_CASES for rule, *_ in case[2]}
    produced |= {rule for case in CROSS_CASES for rule, *_ in case[4]}
    produced |= {rule for case in OUTCOME_CASES for rule, *_ in case[3]}
    # knock-on and over-budget have their tables in tests/test_knock_on.py; advice-overdue
    # is a GO review's rule: tests/test_review.py; the rules that judge a round against
    # earlier ones: tests/test_persistent_slip.py
    assert produced == {code for code, r in RULES.items() if not r.needs_history} - {
        "knock-on", "over-budget", "advice-overdue"}


def test_a_rule_is_described_with_the_tolerances_it_is_given() -> None:
    assert RULES["forecast-slip"].describe(Tolerances(forecast_slip_days=21)) == (
        "The forecast date is later than the baseline or due date by more than the tolerance "
        "(21 days).")
    assert "under 60% (the region's ratio)" in RULES["behind-plan"].describe(
        Tolerances(behind_plan_ratio=0.6))
