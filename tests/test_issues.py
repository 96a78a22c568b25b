"""Issues carry their facts: codes are a closed set, the message is rendered from parameters."""

from __future__ import annotations

import pickle
from typing import get_args

import pytest

from laa_xl.issues import CATALOGUE, IssueCode, make_issue


def test_the_code_type_and_the_catalogue_hold_the_same_codes() -> None:
    assert list(get_args(IssueCode)) == list(CATALOGUE)


def test_an_issue_keeps_sheet_field_row_column_and_the_message_parameters() -> None:
    issue = make_issue("not-in-list", file="r.xlsx", sheet="Actions", cell="N30", field="RAG",
                       value="Ambre", choices="Red, Amber or Green", hint="a RAG rating")
    assert (issue.sheet, issue.field, issue.row, issue.column) == ("Actions", "RAG", 30, 14)
    params = dict(issue.params)
    assert params["value"] == "Ambre"
    assert params["shown"] == '"Ambre"'
    assert params["choices"] == "Red, Amber or Green"
    assert issue.message == CATALOGUE["not-in-list"].template.format(**params)
    assert str(issue) == f"Actions!N30 (RAG): {issue.message}"


def test_a_sheet_level_issue_has_no_row_or_column() -> None:
    issue = make_issue("missing-sheet", sheet="Risks")
    assert (issue.row, issue.column, issue.where) == (None, None, "")
    assert issue.message == "The Risks sheet is missing."


def test_columns_past_z_are_numbered_as_excel_numbers_them() -> None:
    issue = make_issue("required", sheet="Actions", cell="AB7", field="Lead officer",
                       hint_sentence="Fill it in.")
    assert (issue.row, issue.column) == (7, 28)


def test_issues_sort_by_row_then_column_not_by_the_text_of_the_cell() -> None:
    cells = ["B10", "AA2", "B2", "C9"]
    issues = [make_issue("required", sheet="Actions", cell=c, field="x", hint_sentence="")
              for c in cells]
    assert [i.cell for i in sorted(issues, key=lambda i: i.sort_key())] == ["B2", "AA2", "C9",
                                                                           "B10"]


def test_a_message_parameter_left_out_fails_where_the_issue_is_made() -> None:
    with pytest.raises(KeyError):
        make_issue("recovery-missing", sheet="Recovery", value="A-01")  # no {what}, {missing}


def test_an_issue_survives_being_sent_to_another_process() -> None:
    issue = make_issue("too-long", sheet="Outcomes", cell="M6", field="Current position",
                       value="x" * 9, length=9, limit=8)
    again = pickle.loads(pickle.dumps(issue))
    assert again == issue and again.message == issue.message
