"""The roll-up's view of template version 1.1: cost, spend and outturn per partnership and
theme, the Dependencies sheet and knock-on on the Timeline, for a round that mixes a 1.1
return with 1.0 ones."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from returns import SAMPLE_REGION, build_return

from laa_xl.rollup import consolidate, write_rollup
from laa_xl.rollup.consolidate import Budget, Rollup
from laa_xl.round import collect

FIXTURES = Path(__file__).parent / "fixtures" / "v1_0"
CYP = "Children and young people"


def act(aid: str, status: str, pct: int, start: str, due: str, forecast: str | None,
        depends_on: str | None, cost: int, spent: int | None, outturn: int | None
        ) -> dict[str, Any]:
    values = {"action_id": aid, "status": status, "percent_complete": pct,
              "start_date": date.fromisoformat(start), "due_date": date.fromisoformat(due),
              "forecast_date": date.fromisoformat(forecast) if forecast else None,
              "depends_on": depends_on, "cost": cost, "spent": spent, "outturn": outturn}
    return values


@pytest.fixture(scope="module")
def rollup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rollup, Path]:
    folder = tmp_path_factory.mktemp("round")
    build_return(folder / "ANY.xlsx", {
        "actions": [
            act("A-01", "In progress", 40, "2009-04-01", "2009-12-31", "2010-02-28", None,
                10000, 6000, 12000),
            act("A-02", "Not started", 0, "2010-01-04", "2010-03-31", None, "A-01", 5000,
                None, 5000),
            act("A-03", "Not started", 0, "2010-04-01", "2010-06-30", None, "A-02", 2000,
                None, None),
            act("A-04", "Cancelled", 0, "2009-04-01", "2010-06-30", None, None, 9000, 500, 500),
        ],
        "milestones": '''
        | Milestone ID | Action ID | Baseline date |
        | M-001        | A-01      | 2009-11-01    |
        | M-002        | A-02      | 2010-02-01    |
        ''',
    })
    for lsp in ("NBR", "RVF"):  # version 1.0: no spend, no dependencies
        shutil.copy(FIXTURES / f"LAA-return-2009-10-Q2-{lsp}.xlsx", folder)
    result = collect(sorted(folder.iterdir()), SAMPLE_REGION)
    r = consolidate(result)
    path = folder / "rollup.xlsx"
    write_rollup(r, path)
    return r, path


def test_cost_spend_and_outturn_per_partnership(rollup: tuple[Rollup, Path]) -> None:
    r, _ = rollup
    assert [s.lsp.code for s in r.included] == ["ANY", "NBR", "RVF"]
    # cancelled A-04 is left out; A-01's outturn is 20% over its cost
    assert r.figures["ANY"].budget == Budget(actions=3, cost=17000, spent=6000, outturn=17000,
                                             over_budget=1)
    # a 1.0 return has a cost but no spend or outturn: unknown, not £0
    nbr = r.figures["NBR"].budget
    assert (nbr.actions, nbr.spent, nbr.outturn, nbr.over_budget) == (24, None, None, 0)
    assert nbr.cost == sum(row.get("cost") or 0 for row in next(
        s for s in r.included if s.lsp.code == "NBR").report.data.sheets["actions"])
    assert r.figures["WHV"].budget == Budget()  # no return


def test_cost_spend_and_outturn_per_theme_and_in_all(rollup: tuple[Rollup, Path]) -> None:
    r, _ = rollup
    by_theme = dict(r.budget_by_theme)
    total = r.budget_total
    assert total.actions == sum(b.actions for b in by_theme.values()) == 3 + 24 + 21
    assert total.cost == sum(b.cost for b in by_theme.values())
    assert (total.spent, total.outturn, total.over_budget) == (6000, 17000, 1)
    assert by_theme[CYP].spent == 6000 and by_theme[CYP].over_budget == 1


def test_each_dependency_and_whether_it_is_late(rollup: tuple[Rollup, Path]) -> None:
    r, _ = rollup
    got = [(d.lsp, d.action_id, d.must_finish_by, d.predecessor, d.predecessor_status,
            d.predecessor_finish, d.predecessor_slipping, d.days_pushed, d.row)
           for d in r.dependencies]
    assert got == [
        ("ANY", "A-02", date(2010, 1, 4), "A-01", "In progress", date(2010, 2, 28), True, 55, 6),
        ("ANY", "A-03", date(2010, 4, 1), "A-02", "Not started", date(2010, 5, 25), False, 54,
         7),
    ]
    chain = [(f.item_id, f.days, f.chain) for f in r.flags if f.rule == "knock-on"]
    assert chain == [("A-02", 55, "A-01"), ("A-03", 54, "A-01, A-02")]


def _table(ws: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    (t,) = ws.tables.values()
    cells = ws[t.ref]
    return [c.value for c in cells[0]], [tuple(c.value for c in row) for row in cells[1:]]


def _budget_lines(ws: Any) -> dict[str, tuple[Any, ...]]:
    """The Dashboard's budget section: (cost, spent, outturn, over budget) by partnership
    code, or by theme for the lines below them."""
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value ==
                 "Cost, spend and forecast outturn (actions not cancelled)")
    assert [ws.cell(start + 1, c).value for c in (1, 2, 3, 4, 6, 8)] == [
        "LSP", "Partnership or theme", "Cost (£)", "Spent to date (£)", "Forecast outturn (£)",
        "Actions over budget"]
    out = {}
    r_ = start + 2
    while ws.cell(r_, 1).value:
        out[ws.cell(r_, 1).value] = tuple(ws.cell(r_, c).value for c in (3, 4, 6, 8))
        r_ += 1
    return out


def test_the_dashboard_shows_the_money(rollup: tuple[Rollup, Path]) -> None:
    _, path = rollup
    wb = openpyxl.load_workbook(path)
    ws = wb["Dashboard"]
    money = _budget_lines(ws)
    assert money["ANY"] == (17000, 6000, 17000, 1)
    assert money["NBR"][1:] == (None, None, 0)
    assert "WHV" not in money  # no return, no line
    assert list(money)[-1] == "All themes"
    assert money["All themes"][1:] == (6000, 17000, 1)
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "ANY"
                 and ws.cell(r, 3).number_format == "£#,##0")
    assert ws.cell(start, 4).number_format == "£#,##0"


def test_the_dependencies_sheet(rollup: tuple[Rollup, Path]) -> None:
    _, path = rollup
    ws = openpyxl.load_workbook(path)["Dependencies"]
    header, rows = _table(ws)
    assert header == ["LSP", "Theme", "Action ID", "Status", "Must be done by", "Waits for",
                      "Its expected finish", "Late for this action", "Days pushed",
                      "It is slipping", "Its status", "Action", "Source file", "Source sheet",
                      "Source row"]
    assert all(row[12].endswith("ANY.xlsx") for row in rows)
    assert [row[:12] + row[13:] for row in rows] == [
        ("ANY", CYP, "A-02", "Not started", datetime(2010, 1, 4), "A-01", datetime(2010, 2, 28),
         "Yes", 55, "Yes", "In progress", "Mentoring scheme", "Actions", 6),
        ("ANY", CYP, "A-03", "Not started", datetime(2010, 4, 1), "A-02", datetime(2010, 5, 25),
         "Yes", 54, "No", "Not started", "Mentoring scheme", "Actions", 7),
    ]
    # what is late is coloured Amber: both are late for their action; only A-01 slips itself
    amber = {c.coordinate for row in ws["H5:J6"] for c in row
             if c.fill.fill_type == "solid" and str(c.fill.fgColor.rgb).endswith("FFC000")}
    assert amber == {"H5", "H6", "J5"}


def test_the_timeline_marks_knock_on(rollup: tuple[Rollup, Path]) -> None:
    _, path = rollup
    ws = openpyxl.load_workbook(path)["Timeline"]
    header = [c.value for c in ws[4]][:9]
    assert header[-1] == "Knock-on"
    marks = {ws.cell(r, 3).value: ws.cell(r, 9).value for r in range(5, ws.max_row + 1)
             if ws.cell(r, 1).value == "ANY"}
    assert marks == {"M-001": None, "M-002": "waits for A-01, pushed 55 days"}
