"""Prefill from the last good return: several roll-ups as --previous, each partnership taken
from the most recent round in which its return was valid (the rounds of tests/rounds.py)."""

from __future__ import annotations

import email
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rounds import build_rounds, region_file, run

from laa_xl.errors import InputError
from laa_xl.region import load_region
from laa_xl.rollup_reader import prefills, read_previous_rounds


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rounds")


@pytest.fixture(scope="module")
def rollups(work: Path) -> dict[str, Path]:
    return build_rounds(work, ("Q1", "Q2"))


@pytest.fixture(scope="module")
def q3_templates(work: Path, rollups: dict[str, Path]) -> tuple[Any, Path]:
    out = work / "templates-q3"
    # the newer roll-up first: the order of the options does not matter, the periods do
    result = run("template", "--region", region_file(work, "Q3"), "--all", "--previous",
                 rollups["Q2"], "--previous", rollups["Q1"], "-o", out, "--emails",
                 work / "emails-q3")
    return result, out


def test_the_command_says_where_each_workbook_comes_from(q3_templates: tuple[Any, Path]):
    result, out = q3_templates
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == [
        f"Wrote {out / 'LAA-return-2009-10-Q3-ANY.xlsx'} (prefilled from 2009/10 Q2, "
        "rollup-2009-10-Q2.xlsx: 1 outcomes, 1 actions, 1 milestones, 1 risks)",
        f"Wrote {out / 'LAA-return-2009-10-Q3-NBR.xlsx'} (prefilled from 2009/10 Q1, "
        "rollup-2009-10-Q1.xlsx: 1 outcomes, 1 actions, 1 milestones, 1 risks)",
        f"Wrote {out / 'LAA-return-2009-10-Q3-EWD.xlsx'} (blank: none of the 2 roll-ups given "
        "holds a valid return of it: its 2009/10 Q1 return was missing, its 2009/10 Q2 "
        "return not valid)",
        "3 workbook(s) for Testshire, 2009/10 Q3, due 15 January 2010."]
    assert result.stderr.splitlines()[:2] == [
        "Note: NBR's workbook is prefilled from its 2009/10 Q1 return, its last valid one: its "
        "2009/10 Q2 return was missing.",
        "Note: EWD's workbook is blank: none of the 2 roll-ups given holds a valid return of "
        "it: its 2009/10 Q1 return was missing, its 2009/10 Q2 return not valid."]


def _rows(path: Path, sheet: str, columns: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path)
    try:
        ws = wb[sheet]
        out = []
        for r in range(5, ws.max_row + 1):
            values = tuple(ws[f"{c}{r}"].value for c in columns)
            if any(v is not None for v in values):
                out.append(values)
        return out
    finally:
        wb.close()


def test_each_partnership_prefilled_from_its_last_valid_return(q3_templates: tuple[Any, Path]):
    _, out = q3_templates
    any_, nbr, ewd = (out / f"LAA-return-2009-10-Q3-{c}.xlsx" for c in ("ANY", "NBR", "EWD"))
    # Milestones: ID, action, baseline, forecast, status; ANY's from Q2 (re-baselined, at
    # risk), NBR's from Q1 (missing in Q2), EWD's blank (no valid return in either)
    assert _rows(any_, "Milestones", "ABDEG") == [
        ("M-001", "A-01", datetime(2009, 9, 15), datetime(2009, 11, 30), "At risk")]
    assert _rows(nbr, "Milestones", "ABDEG") == [
        ("M-001", "A-01", datetime(2009, 9, 1), None, "On track")]
    assert _rows(ewd, "Milestones", "ABDEG") == []
    assert _rows(ewd, "Outcomes", "A") == []
    # Outcomes: ID and latest value, period
    assert _rows(any_, "Outcomes", "ANO") == [("O-01", 7.7, "Q2 2009/10")]
    assert _rows(nbr, "Outcomes", "ANO") == [("O-01", 7.6, "Q1 2009/10")]


def test_baselines_stay_locked_in_a_workbook_from_an_older_round(
        q3_templates: tuple[Any, Path]):
    _, out = q3_templates
    wb = openpyxl.load_workbook(out / "LAA-return-2009-10-Q3-NBR.xlsx")
    try:
        ws = wb["Milestones"]
        assert (ws["A5"].protection.locked, ws["D5"].protection.locked,
                ws["E5"].protection.locked) == (True, True, False)
    finally:
        wb.close()


def _body(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes())
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    text = part.get_payload(decode=True)
    assert isinstance(text, bytes)
    return text.decode("utf-8")


def test_the_email_drafts_say_where_each_workbook_comes_from(work: Path,
                                                             q3_templates: tuple[Any, Path]):
    folder = work / "emails-q3"
    assert ("The workbook is filled in from your 2009/10 Q2 return. Please bring every row up "
            "to date.") in _body(folder / "ANY-template.eml")
    assert ("The workbook is filled in from your 2009/10 Q1 return, your last valid one: your "
            "2009/10 Q2 return was missing. Please bring every row up to date."
            ) in _body(folder / "NBR-template.eml")
    assert ("The workbook is blank, not filled in from last quarter: none of the 2 roll-ups "
            "given holds a valid return of it: its 2009/10 Q1 return was missing, its 2009/10 "
            "Q2 return not valid.") in _body(folder / "EWD-template.eml")


def test_a_folder_of_roll_ups_is_read_in_period_order(work: Path, rollups: dict[str, Path]):
    folder = work / "all-rollups"
    folder.mkdir()
    for p in rollups.values():
        shutil.copy(p, folder / p.name.replace("Q1", "z-Q1"))  # names sort against periods
    (folder / "notes.txt").write_text("not a workbook", encoding="utf-8")
    q3 = load_region(region_file(work, "Q3"))
    rounds = read_previous_rounds([folder], q3)
    assert [r.period for r in rounds.rounds] == ["2009/10 Q1", "2009/10 Q2"]
    assert {c: r.period for c in ("ANY", "NBR", "EWD")
            if (r := rounds.last_valid(c)) is not None} == {"ANY": "2009/10 Q2",
                                                            "NBR": "2009/10 Q1"}
    # the cross-round checks compare with the latest round that holds each partnership
    assert {c: ret.meta["period"] for c, ret in rounds.returns.items()} == {
        "ANY": "2009/10 Q2", "NBR": "2009/10 Q1"}
    filled = prefills(rounds, q3)
    assert sorted(filled) == ["ANY", "NBR"]
    assert [m["baseline_date"].isoformat() for m in filled["NBR"].rows["milestones"]] == [
        "2009-09-01"]


def test_two_roll_ups_of_one_period_are_refused_naming_both(work: Path,
                                                            rollups: dict[str, Path]):
    twin = work / "copy-of-q1.xlsx"
    shutil.copy(rollups["Q1"], twin)
    result = run("template", "--region", region_file(work, "Q3"), "--all", "--previous",
                 rollups["Q1"], "--previous", twin, "-o", work / "never")
    assert result.exit_code == 2
    assert (f"{rollups['Q1']} and {twin} are both roll-ups for 2009/10 Q1: give one roll-up "
            "per quarter.") in result.stderr
    assert not (work / "never").exists()


def test_an_empty_folder_is_a_usage_error(work: Path):
    empty = work / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="No roll-up workbooks"):
        read_previous_rounds([empty], None)


def test_consolidate_takes_several_previous_rounds(work: Path, rollups: dict[str, Path]):
    """NBR sent nothing in Q2: its Q3 return is compared with its Q1 one."""
    folder = work / "returns-q3-nbr"
    folder.mkdir()
    from returns import build_return

    q3 = region_file(work, "Q3")
    build_return(folder / "nbr.xlsx", {"milestones": """
        | Milestone ID | Action ID | Baseline date | Status   |
        | M-001        | A-01      | 2009-08-01    | On track |
    """}, region=load_region(q3), lsp="NBR")
    out = work / "rollup-q3-nbr.xlsx"
    result = run("consolidate", folder, "--region", q3, "--previous", rollups["Q1"],
                 "--previous", rollups["Q2"], "-o", out)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    try:
        issues = [(r[1].value, r[4].value, r[6].value) for r in wb["Issues"].iter_rows(5)
                  if r[0].value]
        about = {r[0].value: r[1].value for r in wb["About"].iter_rows(4, 30)}
    finally:
        wb.close()
    assert ("Children and young people", "baseline-changed", "D5") in issues
    assert about["Previous round"] == f"{rollups['Q1']}, {rollups['Q2']}"


def test_an_outcome_whose_actions_are_all_closed_keeps_them(work: Path):
    """Every outcome needs an action: one delivered in full keeps its closed actions."""
    from returns import build_return

    from laa_xl.rollup_reader import read_rollup

    q1 = region_file(work, "Q1")
    folder = work / "returns-closed"
    folder.mkdir()
    build_return(folder / "any.xlsx", {
        "outcomes": """
            | Outcome ID | Delivery confidence (RAG) |
            | O-01       | Green                     |
            | O-02       | Green                     |
        """,
        "actions": """
            | Action ID | Outcome ID | Completed date | Status      | % complete | RAG   |
            | A-01      | O-01       |                | In progress | 40         | Green |
            | A-02      | O-02       | 2009-06-20     | Complete    | 100        |       |
            | A-03      | O-02       |                | Cancelled   |            |       |
            | A-04      | O-01       | 2009-06-20     | Complete    | 100        |       |
        """,
        "milestones": """
            | Milestone ID | Action ID | Baseline date | Actual date | Status   |
            | M-001        | A-01      | 2009-09-01    |             | On track |
            | M-002        | A-02      | 2009-06-01    | 2009-06-01  | Achieved |
        """,
    }, region=load_region(q1), lsp="ANY")
    out = work / "rollup-closed.xlsx"
    assert run("consolidate", folder, "--region", q1, "-o", out).exit_code == 0
    filled = prefills(read_rollup(out), load_region(region_file(work, "Q2")))["ANY"]
    assert [a["action_id"] for a in filled.rows["actions"]] == ["A-01", "A-02", "A-03"]
    assert [m["milestone_id"] for m in filled.rows["milestones"]] == ["M-001", "M-002"]


@pytest.mark.parametrize(("status", "state", "why"), [
    ("Missing", "Missing", "missing"),
    ("Valid, late", "Valid", "missing or not valid"),
    ("Not valid, late", "Not valid", "not valid"),
    ("Received, cannot be read, late", "Received, cannot be read", "could not be read"),
])
def test_a_completeness_status_is_read_back_as_the_rollup_wrote_it(status: str, state: str,
                                                                  why: str) -> None:
    from laa_xl.rollup_reader import PreviousRound, return_state

    assert return_state(status) == state
    assert PreviousRound("r.xlsx", {}, statuses={"SMR": status}).why_not("SMR") == why
