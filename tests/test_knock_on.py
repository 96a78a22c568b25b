"""Slippage rules of template version 1.1: knock-on along Depends on, and over-budget."""

from __future__ import annotations

from typing import Any

import pytest
from test_slippage import AS_OF, PERIOD, TOL, act, make_return

from laa_xl.region import Tolerances
from laa_xl.slippage import RULES, flags


def knock(*actions: dict[str, Any], tol: Tolerances = TOL) -> list[tuple[Any, ...]]:
    ret = make_return(actions=list(actions))
    return [(f.item_id, f.days, f.severity, f.chain) for f in flags(ret, None, AS_OF, tol, PERIOD)
            if f.rule == "knock-on"]


A1_LATE = act("A-1", due="2009-12-31", forecast_date="2010-02-28")  # 59 days late


@pytest.mark.parametrize(("actions", "expected"), [
    # not started: pushed past its start date, by how far its predecessor finishes after it
    ([A1_LATE, act("A-2", start="2010-01-04", due="2010-03-31", status="Not started", pct=0,
                   depends_on="A-1")],
     [("A-2", 55, "medium", "A-1")]),
    # a chain: A-2 is pushed 55 days, so it now finishes 25/05/2010, 54 days after A-3's start
    ([A1_LATE,
      act("A-2", start="2010-01-04", due="2010-03-31", status="Not started", pct=0,
          depends_on="A-1"),
      act("A-3", start="2010-04-01", due="2010-06-30", status="Not started", pct=0,
          depends_on="A-2")],
     [("A-2", 55, "medium", "A-1"), ("A-3", 54, "medium", "A-1, A-2")]),
    # under way: pushed past its own expected finish (here its due date)
    ([act("A-4", due="2009-12-31", forecast_date="2010-01-30"),
      act("A-5", due="2009-12-31", depends_on="A-4")],
     [("A-5", 30, "low", "A-4")]),
    # its own forecast is what it is judged against
    ([act("A-4", due="2009-12-31", forecast_date="2010-01-30"),
      act("A-5", due="2009-12-31", forecast_date="2010-01-29", depends_on="A-4")],
     [("A-5", 1, "low", "A-4")]),
    # the worst of two predecessors names the flag
    ([act("A-4", due="2009-12-31", forecast_date="2010-01-30"), A1_LATE,
      act("A-5", due="2009-12-31", depends_on="A-4, A-1")],
     [("A-5", 59, "medium", "A-1")]),
    # a long push is high
    ([act("A-1", due="2009-12-31", forecast_date="2010-06-30"),
      act("A-2", start="2010-01-04", due="2010-03-31", status="Not started", pct=0,
          depends_on="A-1")],
     [("A-2", 177, "high", "A-1")]),
])
def test_knock_on(actions: list[dict[str, Any]], expected: list[tuple[Any, ...]]) -> None:
    assert knock(*actions) == expected


@pytest.mark.parametrize("actions", [
    # the predecessor finishes before this one starts
    [A1_LATE, act("A-2", start="2010-03-01", due="2010-06-30", status="Not started", pct=0,
                  depends_on="A-1")],
    # finishing on the day it starts is in time
    [A1_LATE, act("A-2", start="2010-02-28", due="2010-06-30", status="Not started", pct=0,
                  depends_on="A-1")],
    # the predecessor is complete, or cancelled
    [act("A-1", due="2009-09-01", status="Complete", pct=100, rag=None,
         completed_date="2009-09-01"),
     act("A-2", due="2009-09-30", depends_on="A-1")],
    [act("A-1", due="2010-06-30", status="Cancelled", rag=None),
     act("A-2", due="2009-12-31", depends_on="A-1")],
    # this action is complete: nothing left to push
    [A1_LATE, act("A-2", due="2009-09-01", status="Complete", pct=100, rag=None,
                  completed_date="2009-09-01", depends_on="A-1")],
    # what the checks refuse is no flag, and no endless loop
    [act("A-2", due="2009-12-31", depends_on="A-9")],
    [act("A-2", due="2009-12-31", depends_on="A-2")],
    [act("A-1", due="2009-12-31", forecast_date="2010-01-31", depends_on="A-2"),
     act("A-2", due="2009-12-31", forecast_date="2010-01-31", depends_on="A-1")],
])
def test_no_knock_on(actions: list[dict[str, Any]]) -> None:
    assert knock(*actions) == []


def test_a_knock_on_flag_names_the_predecessor_and_the_days() -> None:
    ret = make_return(actions=[
        A1_LATE,
        act("A-2", start="2010-01-04", due="2010-03-31", status="Not started", pct=0,
            depends_on="A-1"),
        act("A-3", start="2010-04-01", due="2010-06-30", status="Not started", pct=0,
            depends_on="A-2"),
    ])
    got = [f for f in flags(ret, None, AS_OF, TOL, PERIOD) if f.rule == "knock-on"]
    assert [(f.message, f.cell) for f in got] == [
        ("Action A-2 waits for action A-1, which is now expected to finish 28/02/2010: 55 days "
         "after its start date of 04/01/2010. It is at risk through no fault of its own.", "Q3"),
        ("Action A-3 waits for action A-2, which is now expected to finish 25/05/2010 (pushed "
         "by A-1): 54 days after its start date of 01/04/2010. It is at risk through no fault "
         "of its own.", "Q4"),
    ]


def test_a_chain_is_listed_from_its_first_slipping_action_down() -> None:
    """Worst first would put A-3's high knock-on above A-1's own medium slip; the chain is
    kept together, after A-1's worst flag, in its order."""
    ret = make_return(actions=[
        act("A-1", due="2009-12-31", forecast_date="2010-02-28", rag="Amber"),
        act("A-2", start="2010-01-04", due="2010-03-31", status="Not started", pct=0,
            rag="Green", depends_on="A-1"),
        act("A-3", start="2010-01-15", due="2010-06-30", status="Not started", pct=0,
            rag="Green", depends_on="A-2"),
        act("A-7", due="2009-08-31", forecast_date="2010-05-31"),  # another, worse, item
    ])
    got = [(f.rule, f.item_id, f.days, f.severity)
           for f in flags(ret, None, AS_OF, TOL, PERIOD)]
    assert got == [
        ("forecast-slip", "A-7", 273, "high"),
        ("forecast-slip", "A-1", 59, "medium"),
        ("knock-on", "A-2", 55, "medium"),
        ("knock-on", "A-3", 130, "high"),  # 25/05/2010, A-2's finish pushed, less 15/01/2010
        ("overdue", "A-7", 30, "low"),
    ]


@pytest.mark.parametrize(("cost", "outturn", "tol", "expected"), [
    (10000, 11000, TOL, []),  # exactly 10% over: within the tolerance
    (10000, 11001, TOL, [("medium", "Action A-1's forecast outturn of £11,001 is £1,001 (10%) "
                          "over its cost of £10,000 (tolerance 10%).")]),
    (10000, 13000, TOL, [("medium", "Action A-1's forecast outturn of £13,000 is £3,000 (30%) "
                          "over its cost of £10,000 (tolerance 10%).")]),
    (10000, 13001, TOL, [("high", "Action A-1's forecast outturn of £13,001 is £3,001 (30%) "
                          "over its cost of £10,000 (tolerance 10%).")]),
    (10000, 13001, Tolerances(over_budget_ratio=0.5), []),
    (10000, 9000, TOL, []),  # under budget
    (None, 9000, TOL, []),  # no cost to judge against
    (10000, None, TOL, []),
])
def test_over_budget(cost: int | None, outturn: int | None, tol: Tolerances,
                     expected: list[tuple[str, str]]) -> None:
    ret = make_return(actions=[act("A-1", cost=cost, outturn=outturn)])
    got = [(f.severity, f.message) for f in flags(ret, None, AS_OF, tol, PERIOD)
           if f.rule == "over-budget"]
    assert got == expected


def test_a_complete_action_over_budget_is_still_flagged_a_cancelled_one_not() -> None:
    ret = make_return(actions=[
        act("A-1", status="Complete", pct=100, rag=None, completed_date="2009-09-01",
            due="2009-09-01", cost=10000, outturn=12000),
        act("A-2", status="Cancelled", rag=None, cost=10000, outturn=12000)])
    assert [(f.item_id, f.rule, f.cell) for f in flags(ret, None, AS_OF, TOL, PERIOD)] == [
        ("A-1", "over-budget", "S2")]


def test_the_rules_name_their_tolerances() -> None:
    assert RULES["over-budget"].tolerances == ("over_budget_ratio",)
    assert RULES["over-budget"].describe(Tolerances(over_budget_ratio=0.25)) == (
        "An action's forecast outturn is above its cost by more than the tolerance (25% of the "
        "cost).")
    assert RULES["knock-on"].tolerances == ("low_days", "medium_days")
