"""Row, cross-sheet, identity, previous-round and recovery checks, each at its cell.

Each case is a few rows typed into a return that is otherwise valid, beside the issues it
must give: (sheet, cell, code), in report order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from returns import (
    SAMPLE_REGION,
    build_return,
    delete_row,
    flat,
    formula_into,
    type_into,
)

from laa_xl.reader import read_return
from laa_xl.region import Period
from laa_xl.rules import check_file


def check(path: Path, region: Any = SAMPLE_REGION, **kw: Any):  # type: ignore[no-untyped-def]
    return check_file(path, region, **kw)


def said(report: Any) -> dict[tuple[str, str, str], str]:
    return {(i.sheet, i.cell, i.code): str(i) for i in report.sorted_issues()}


def test_the_acceptance_case(tmp_path: Path) -> None:
    """A typo in a RAG cell, a due date before its start, and an action pointing at a missing
    outcome: exactly three errors, at exactly those cells, and nothing else."""
    path = build_return(tmp_path / "r.xlsx", {"actions": '''
        | Action ID | Outcome ID | Start date | Due date (baseline) | RAG   |
        | A-01      | O-01       | 2009-04-01 | 2010-03-31          | Gren  |
        | A-02      | O-01       | 2009-04-01 | 2009-03-01          | Green |
        | A-03      | O-09       | 2009-04-01 | 2010-03-31          | Green |
    '''})
    report = check(path)
    assert flat(report) == [
        ("Actions", "N5", "not-in-list"),
        ("Actions", "I6", "date-order"),
        ("Actions", "B7", "unknown-outcome"),
    ]
    assert [str(i) for i in report.sorted_issues()] == [
        'Actions!N5 (RAG): "Gren" is not one of Red, Amber or Green. Choose one from the '
        "dropdown.",
        "Actions!I6 (Due date (baseline)): Due date (baseline) (01/03/2009) is before Start "
        "date (01/04/2009). Check both dates.",
        'Actions!B7 (Outcome ID): Outcome ID "O-09" is not on the Outcomes sheet. Choose an '
        "Outcome ID from the dropdown, or add the outcome.",
    ]
    assert (report.errors, report.warnings, report.valid) == (3, 0, False)


# --------------------------------------------------------------------------------------
# Rows


ROW_CASES = [
    pytest.param({"actions": [
        {"action_id": "A-01", "forecast_date": date(2009, 3, 1)},  # before its start
        {"action_id": "A-02", "completed_date": date(2009, 1, 1), "status": "Complete",
         "percent_complete": 100, "rag": None},
    ]}, [("Actions", "J5", "date-order"), ("Actions", "K6", "date-order")], id="date-order"),
    pytest.param({"actions": '''
        | Action ID | Status      | % complete | Completed date | RAG   |
        | A-01      | Complete    | 90         |                |       |
        | A-02      | In progress | 100        |                | Green |
        | A-03      | Not started | 0          | 2009-06-01     | Green |
        | A-04      | Complete    | 100        | 2009-09-01     |       |
        | A-05      | Cancelled   | 20         |                |       |
        | A-06      | Complete    |            | 2009-09-01     |       |
    '''}, [("Actions", "K5", "complete-mismatch"), ("Actions", "M5", "complete-mismatch"),
           ("Actions", "L6", "complete-mismatch"), ("Actions", "L7", "complete-mismatch")],
        id="complete-iff-date-and-100"),
    pytest.param({"actions": '''
        | Action ID | Status    | % complete | Completed date | RAG   |
        | A-01      | Complete  | 100        | 2009-09-01     | Green |
        | A-02      | Cancelled |            |                | Red   |
        | A-03      | On hold   | 10         |                |       |
    '''}, [("Actions", "N7", "required-when"), ("Actions", "N5", "rag-on-closed"),
           ("Actions", "N6", "rag-on-closed")], id="rag-on-closed"),
    pytest.param({"actions": '''
        | Action ID | RAG   | Issues and mitigation |
        | A-01      | Red   |                       |
        | A-02      | Amber |                       |
        | A-03      | Amber | Short of staff        |
    ''', "recovery": '''
        | Outcome or action ID | Scanning | Analysis | Response | Assessment |
        | A-01                 | s        | a        | r        | a          |
        | A-02                 | s        |          |          |            |
        | A-03                 | s        |          |          |            |
    '''}, [("Actions", "P5", "required-when"), ("Actions", "P6", "required-when")],
        id="red-amber-need-mitigation"),
]


@pytest.mark.parametrize("tables, expected", ROW_CASES)
def test_row_checks(tmp_path: Path, tables: dict[str, Any], expected: list[Any]) -> None:
    assert flat(check(build_return(tmp_path / "r.xlsx", tables))) == expected


def test_row_check_messages(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": '''
        | Action ID | Status      | % complete | Completed date | RAG   |
        | A-01      | Complete    | 90         |                |       |
        | A-02      | In progress | 100        |                | Green |
        | A-03      | Not started | 0          | 2009-06-01     | Green |
        | A-04      | Complete    | 100        | 2009-09-01     | Green |
    '''})
    assert list(said(check(path)).values()) == [
        "Actions!K5 (Completed date): The action is Complete but has no Completed date. Enter "
        "the date it was completed.",
        "Actions!M5 (% complete): The action is Complete but is 90% complete. Enter 100, or "
        "change the status.",
        "Actions!L6 (Status): The action is 100% complete but its status is In progress. Set "
        "Status to Complete and enter the completed date.",
        "Actions!L7 (Status): A Completed date (01/06/2009) is entered but the status is Not "
        "started. Set Status to Complete, or clear the date.",
        "Actions!N8 (RAG): The action is Complete, so it carries no RAG. Clear the RAG cell.",
    ]


def test_risk_score(tmp_path: Path) -> None:
    # The template works the score out; a partner who types over the formula must agree
    # with likelihood x impact.
    path = build_return(tmp_path / "r.xlsx", {"risks": '''
        | Risk ID | Likelihood (1-5) | Impact (1-5) |
        | R-01    | 2                | 4            |
        | R-02    | 3                | 3            |
        | R-03    | 5                | 5            |
    '''}, mutations=[type_into("Risks", "F5", 9), type_into("Risks", "F6", 9)])
    report = check(path)
    assert list(said(report).values()) == [
        "Risks!F5 (Score): Score 9 is not likelihood × impact (8). Put the formula back or "
        "enter 8."]
    assert [r.get("score") for r in report.data.sheets["risks"]] == [8, 9, 25]


# --------------------------------------------------------------------------------------
# Across sheets


def test_references_across_sheets(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": '''
            | Outcome ID |
            | O-01       |
            | O-02       |
        ''',
        "actions": '''
            | Action ID | Outcome ID |
            | A-01      | o-01       |
            | A-02      | O-03       |
        ''',
        "milestones": '''
            | Milestone ID | Action ID | Baseline date | Forecast date |
            | M-001        | A-01      | 2009-09-01    |               |
            | M-002        | A-09      | 2009-09-01    |               |
            | M-003        | A-01      | 2008-09-01    |               |
            | M-004        | A-01      | 2009-09-01    | 2010-06-01    |
        ''',
        "risks": '''
            | Risk ID | Linked outcome or action |
            | R-01    | A-01                     |
            | R-02    | X-99                     |
        ''',
    })
    report = check(path)
    assert flat(report) == [
        ("Outcomes", "A6", "outcome-without-actions"),
        ("Actions", "B6", "unknown-outcome"),
        ("Milestones", "B6", "unknown-action"),
        ("Actions", "B5", "normalised"),  # o-01 is O-01, tidied to one form
        ("Milestones", "D7", "milestone-outside-action"),
        ("Milestones", "E8", "milestone-outside-action"),
        ("Risks", "B6", "unknown-link"),
    ]
    msgs = said(report)
    assert msgs[("Actions", "B5", "normalised")] == (
        'Actions!B5 (Outcome ID): "o-01" was read as "O-01". Next time, type the ID exactly as '
        "on the Outcomes sheet.")
    assert report.data.sheets["actions"][0].get("outcome_id") == "O-01"
    assert msgs[("Outcomes", "A6", "outcome-without-actions")] == (
        "Outcomes!A6 (Outcome ID): Outcome O-02 has no actions on the Actions sheet. A plan "
        "without actions is not a plan: add at least one action for it.")
    assert msgs[("Milestones", "D7", "milestone-outside-action")] == (
        "Milestones!D7 (Baseline date): Baseline date 01/09/2008 falls outside action A-01's "
        "dates (01/04/2009 to 31/03/2010). Check the dates.")
    assert msgs[("Risks", "B6", "unknown-link")] == (
        'Risks!B6 (Linked outcome or action): "X-99" is not an Outcome ID or Action ID in this '
        "workbook. Check the reference.")
    assert msgs[("Milestones", "B6", "unknown-action")] == (
        'Milestones!B6 (Action ID): Action ID "A-09" is not on the Actions sheet. Choose an '
        "Action ID from the dropdown, or add the action.")


def test_a_milestone_forecast_may_follow_the_actions_forecast(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "actions": [{"forecast_date": date(2010, 6, 30)}],
        "milestones": [{"baseline_date": date(2010, 3, 1), "forecast_date": date(2010, 6, 1)}],
    })
    assert flat(check(path)) == []


def test_a_refused_id_is_reported_once_not_at_every_reference(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": [{"outcome_id": "O_01"}],
        "actions": [{"outcome_id": "O_01"}],
        "risks": [{"linked_to": "O_01"}],
    })
    assert flat(check(path)) == [("Outcomes", "A5", "bad-format"), ("Actions", "B5", "bad-format"),
                                 ("Risks", "B5", "bad-format")]


@pytest.mark.parametrize("sheet_key, what", [("outcomes", "outcome"), ("actions", "action")])
def test_an_empty_outcomes_or_actions_sheet(tmp_path: Path, sheet_key: str, what: str) -> None:
    tables: dict[str, Any] = {sheet_key: [], "milestones": [], "risks": []}
    if sheet_key == "outcomes":
        tables["actions"] = []
    report = check(build_return(tmp_path / "r.xlsx", tables))
    name = sheet_key.capitalize()
    # No cascade: with no actions, no outcome is said to lack them one by one.
    assert flat(report) == [("Outcomes", "", "empty-sheet"), ("Actions", "", "empty-sheet")] \
        if sheet_key == "outcomes" else [("Actions", "", "empty-sheet")]
    assert said(report)[(name, "", "empty-sheet")] == (
        f"The {name} sheet has no rows filled in. A return needs at least one {what}.")


def test_assurance_questions_against_the_region(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"assurance": [
        {"question_id": "PA-99", "area": "Extra", "question": "Is this asked?",
         "rating": "Strong", "evidence": "Yes"}]},
        mutations=[delete_row("Assurance", 7)])  # the row of PA-03
    report = check(path)
    assert flat(report) == [("Assurance", "", "missing-question"),
                            ("Assurance", "A14", "unknown-question")]
    msgs = said(report)
    assert msgs[("Assurance", "", "missing-question")] == (
        "Assurance question PA-03 is missing. Put back the row from the template and answer "
        "it.")
    assert msgs[("Assurance", "A14", "unknown-question")] == (
        'Assurance!A14 (Ref): Question "PA-99" is not one of the region\'s assurance questions '
        "and was ignored.")
    assert flat(check(path, None)) == []  # without a region nothing is known to be asked


# --------------------------------------------------------------------------------------
# Identity


def test_identity_against_the_region(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx")
    other_lsps = replace(SAMPLE_REGION, lsps=SAMPLE_REGION.lsps[1:])
    assert [str(i) for i in check(path, other_lsps).issues] == [
        "The workbook is for LSP ANY, which is not in the region file. Check the file."]
    next_round = replace(SAMPLE_REGION, period=Period(2009, 3))
    assert [str(i) for i in check(path, next_round).issues] == [
        "The workbook is for 2009/10 Q2 but this round collects 2009/10 Q3. Fill in the "
        "template for 2009/10 Q3."]
    assert [str(i) for i in check(path, expected_lsp="NBR").issues] == [
        "The workbook is for Anycity Partnership (ANY) but NBR was expected. Check you sent "
        "the right partnership's return."]
    assert check(path, expected_lsp="any").issues == []


# --------------------------------------------------------------------------------------
# Against the previous round


@pytest.fixture
def last_round(tmp_path: Path) -> Path:
    return build_return(tmp_path / "last.xlsx", {
        "outcomes": [{"target_2010_11": 7}],
        "actions": '''
            | Action ID | Due date (baseline) | Status      | Completed date | % complete | RAG   |
            | A-01      | 2010-03-31          | In progress |                | 40         | Green |
            | A-02      | "31/12/2009"        | In progress |                | 40         | Green |
            | A-03      | 2009-09-01          | Complete    | 2009-09-01     | 100        |       |
            | A-04      | 2010-01-31          | In progress |                | 10         | Green |
        ''',
        "milestones": '''
            | Milestone ID | Status   | Actual date |
            | M-001        | On track |             |
            | M-002        | Achieved | 2009-08-01  |
            | M-003        | At risk  |             |
        ''',
    })


@pytest.mark.parametrize("previous_from", ["checked", "read"])
def test_against_the_previous_round(tmp_path: Path, last_round: Path,
                                    previous_from: str) -> None:
    # Last round read straight from its workbook holds the due date of A-02 as text; it is
    # read the way this round's values are, so it is not a change.
    previous = check(last_round).data if previous_from == "checked" else \
        read_return(last_round).data
    path = build_return(tmp_path / "now.xlsx", {
        "outcomes": [{"target_2010_11": 6.5}],
        "actions": '''
            | Action ID | Due date (baseline) |
            | A-01      | 2010-06-30          |
            | a-02      | 2009-12-31          |
        ''',
    })
    report = check(path, previous=previous)
    assert flat(report) == [
        ("Outcomes", "M5", "baseline-changed"),
        ("Actions", "", "item-disappeared"),
        ("Actions", "I5", "baseline-changed"),
        ("Actions", "A6", "normalised"),  # a-02 is last round's A-02, tidied to its form
        ("Milestones", "", "item-disappeared"),
    ]
    msgs = [str(i) for i in report.sorted_issues()]
    assert msgs == [
        "Outcomes!M5 (Target 2010/11): Target 2010/11 was 7 last round and is now 6.5. "
        "Baselines are fixed once agreed: put back 7 and use the forecast instead, or explain "
        "the agreed change to the Government Office.",
        "Action A-04 was in last round's return but is missing now, and was neither completed "
        "nor cancelled. Put it back, or mark it Cancelled and say why.",
        "Actions!I5 (Due date (baseline)): Due date (baseline) was 31/03/2010 last round and is "
        "now 30/06/2010. Baselines are fixed once agreed: put back 31/03/2010 and use the "
        "forecast instead, or explain the agreed change to the Government Office.",
        'Actions!A6 (Action ID): "a-02" was read as "A-02". Next time, keep the ID as it was '
        "last round.",
        "Milestone M-003 was in last round's return but is missing now, and was neither "
        "completed nor cancelled. Put it back, or mark it Cancelled and say why.",
    ]
    assert report.valid  # warnings: the GO should look, the return is accepted


def test_previous_round_by_lsp(tmp_path: Path, last_round: Path) -> None:
    previous = check(last_round).data
    path = build_return(tmp_path / "now.xlsx", {"actions": [{"due_date": date(2010, 6, 30)}]})
    assert ("Actions", "I5", "baseline-changed") in flat(check(path, previous={"ANY": previous}))
    assert flat(check(path, previous={"NBR": previous})) == []


# --------------------------------------------------------------------------------------
# Recovery


def test_recovery(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": '''
            | Outcome ID | Delivery confidence (RAG) | Commentary |
            | O-01       | Red                       | Behind     |
            | O-02       | Amber                     | Slipping   |
            | O-03       | Green                     |            |
            | O-04       | Amber                     | Slipping   |
        ''',
        "actions": '''
            | action_id | outcome_id | status      | rag   | mitigation | percent_complete |
            | A-01      | O-01       | In progress | Red   | Late       | 40               |
            | A-02      | O-02       | Complete    |       |            | 100              |
            | A-03      | O-03       | In progress | Green |            | 40               |
            | A-04      | O-04       | In progress | Red   | Late       | 40               |
        ''',
        "recovery": '''
            | Outcome or action ID | Scanning | Analysis | Response | Assessment |
            | O-01                 | Problem  | Causes   |          |            |
            | A-01                 | Problem  | Causes   | Plan     | Measure    |
            | A-02                 | Problem  |          |          |            |
            | O-03                 | Problem  |          |          |            |
            | Z-99                 | Problem  |          |          |            |
            | O-04                 | Problem  |          |          |            |
        ''',
    }, mutations=[type_into("Actions", "K6", date(2009, 9, 1))])  # A-02's completed date
    report = check(path)
    assert flat(report) == [
        ("Outcomes", "V5", "recovery-missing"),
        ("Actions", "N8", "recovery-missing"),
        ("Outcomes", "V6", "recovery-suggested"),
        ("Recovery", "A7", "recovery-not-needed"),
        ("Recovery", "A8", "recovery-not-needed"),
        ("Recovery", "A9", "recovery-unknown-item"),
    ]
    msgs = said(report)
    assert msgs[("Outcomes", "V5", "recovery-missing")] == (
        "Outcomes!V5 (Delivery confidence (RAG)): Outcome O-01 is Red but has no complete "
        "recovery plan. Add a row for O-01 on the Recovery sheet with Response and Assessment.")
    assert msgs[("Actions", "N8", "recovery-missing")] == (
        "Actions!N8 (RAG): Action A-04 is Red but has no complete recovery plan. Add a row for "
        "A-04 on the Recovery sheet with Scanning, Analysis, Response and Assessment.")
    assert msgs[("Outcomes", "V6", "recovery-suggested")] == (
        "Outcomes!V6 (Delivery confidence (RAG)): Outcome O-02 is Amber. Consider adding a row "
        "for it on the Recovery sheet (Scanning, Analysis, Response, Assessment).")
    assert msgs[("Recovery", "A7", "recovery-not-needed")] == (
        'Recovery!A7 (Outcome or action ID): "A-02" is Complete, so it needs no recovery plan. '
        "Remove the row or update the RAG.")
    assert msgs[("Recovery", "A8", "recovery-not-needed")] == (
        'Recovery!A8 (Outcome or action ID): "O-03" is Green, so it needs no recovery plan. '
        "Remove the row or update the RAG.")
    assert msgs[("Recovery", "A9", "recovery-unknown-item")] == (
        'Recovery!A9 (Outcome or action ID): "Z-99" is not an Outcome ID or Action ID in this '
        "workbook. Check the reference.")
    # an error: a Red item without its recovery plan is not accepted
    assert report.errors == 2 and not report.valid


def test_an_unreadable_cell_last_round_is_not_a_change(tmp_path: Path) -> None:
    last = build_return(tmp_path / "last.xlsx",
                        mutations=[formula_into("Outcomes", "M5", "=7")])  # never calculated
    previous = read_return(last).data
    assert type(previous.sheets["outcomes"][0].get("target_2010_11")).__name__ == "CellProblem"
    path = build_return(tmp_path / "now.xlsx")
    assert flat(check(path, previous=previous)) == []


def test_no_milestone_warning_when_its_actions_own_dates_are_reversed(tmp_path: Path) -> None:
    """The action's due date before its start is one error; its milestones are not then
    each said to fall outside an impossible span."""
    path = build_return(tmp_path / "r.xlsx", {
        "actions": '''
            | Action ID | Start date | Due date (baseline) |
            | A-01      | 2009-04-01 | 2008-03-31          |
        ''',
        "milestones": '''
            | Milestone ID | Action ID | Baseline date |
            | M-001        | A-01      | 2009-09-01    |
        ''',
    })
    assert flat(check(path)) == [("Actions", "I5", "date-order")]
