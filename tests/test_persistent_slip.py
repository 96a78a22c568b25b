"""persistent-slip: an item flagged this quarter and in each of the N quarters before it
(N = persistent_quarters, 2 unless the region file says), judged against earlier roll-ups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rounds import build_rounds

from laa_xl.region import Period, Tolerances
from laa_xl.slippage import RULES, Flag, history_flags

Q3 = Period(2009, 3)


def _flag(rule: str = "overdue", severity: str = "low", days: int | None = 10,
          item: str = "M-001", sheet: str = "milestones") -> Flag:
    return Flag(lsp="ANY", sheet=sheet, item_id=item, rule=rule, severity=severity, days=days,
                message="", file="any.xlsx", row=5, cell="D5", description="Mentors recruited",
                parent="A-01", theme="Children and young people")


M1 = ("ANY", "milestones", "m-001")
A1 = ("ANY", "actions", "a-01")

CASES = [
    # (what, earlier flagged items by period, tolerances, this round's flags, expected)
    ("flagged in both quarters before", {"2009/10 Q1": {M1}, "2009/10 Q2": {M1}},
     Tolerances(), [_flag()], [("M-001", "medium", 10)]),
    ("not flagged in Q1", {"2009/10 Q1": set(), "2009/10 Q2": {M1}}, Tolerances(),
     [_flag()], []),
    ("no Q1 roll-up given", {"2009/10 Q2": {M1}}, Tolerances(), [_flag()], []),
    ("one quarter is enough when the region says so", {"2009/10 Q2": {M1}},
     Tolerances(persistent_quarters=1), [_flag()], [("M-001", "medium", 10)]),
    ("the worst of its flags, and its most days", {"2009/10 Q1": {M1}, "2009/10 Q2": {M1}},
     Tolerances(), [_flag("forecast-slip", "high", 120), _flag("overdue", "medium", 40)],
     [("M-001", "high", 120)]),
    ("each item once; another item not flagged before", {"2009/10 Q1": {M1, A1},
                                                         "2009/10 Q2": {M1}},
     Tolerances(), [_flag(), _flag("stalled", "medium", None, "A-01", "actions")],
     [("M-001", "medium", 10)]),
    ("nothing flagged this quarter", {"2009/10 Q1": {M1}, "2009/10 Q2": {M1}}, Tolerances(),
     [], []),
]


@pytest.mark.parametrize(("what", "earlier", "tol", "found", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_persistent_slip(what: str, earlier: dict[str, set[tuple[str, str, str]]],
                         tol: Tolerances, found: list[Flag], expected: list[tuple[Any, ...]]):
    got = history_flags(found, earlier, Q3, tol)
    assert [(f.item_id, f.severity, f.days) for f in got] == expected
    assert all(f.rule == "persistent-slip" for f in got)


def test_the_message_says_since_when():
    (flag,) = history_flags([_flag(), _flag("forecast-slip", "medium", 30)],
                            {"2009/10 Q1": {M1}, "2009/10 Q2": {M1}}, Q3)
    assert flag.message == ("Milestone M-001 (Mentors recruited) has been flagged every quarter "
                            "since 2009/10 Q1, 3 quarters in a row; this quarter: overdue, "
                            "forecast-slip.")
    assert (flag.cell, flag.theme, flag.parent) == ("D5", "Children and young people", "A-01")


def test_the_rule_is_declared_with_its_tolerance():
    rule = RULES["persistent-slip"]
    assert rule.needs_history and rule.tolerances == ("persistent_quarters",)
    assert rule.describe(Tolerances(persistent_quarters=3)) == (
        "Flagged this quarter and in each of the 3 quarters before it (those quarters' "
        "roll-ups given as --previous).")


def test_consolidate_with_several_previous_rollups_flags_it(tmp_path: Path):
    rollups = build_rounds(tmp_path)  # Q3 consolidated with --previous Q1 --previous Q2
    wb = openpyxl.load_workbook(rollups["Q3"])
    try:
        ws = wb["Slipping"]
        heads = [c.value for c in ws[4]]
        rows = [dict(zip(heads, (c.value for c in r), strict=True))
                for r in ws.iter_rows(min_row=5) if r[1].value]
    finally:
        wb.close()
    assert [(r["LSP"], r["Item"], r["Severity"], r["Days"], r["Cell"]) for r in rows
            if r["Rule"] == "persistent-slip"] == [("ANY", "M-001", "high", 138, "E5")]
    # Q2 had one earlier roll-up only: nothing persists two quarters back
    wb = openpyxl.load_workbook(rollups["Q2"])
    try:
        assert "persistent-slip" not in {c.value for c in wb["Slipping"]["H"]}
    finally:
        wb.close()
