"""Template version 1.1 on the Actions sheet: what a Depends on cell says, circles among
actions, and spend against the forecast outturn, each check at its cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from returns import SAMPLE_REGION, build_return, flat

from laa_xl.dependencies import Parsed, circles, parse
from laa_xl.rules import check_file


@pytest.mark.parametrize(("text", "expected"), [
    ("A-01", Parsed(("A-01",), False)),
    ("A-01, A-02", Parsed(("A-01", "A-02"), False)),
    ("A-01,A-02 ,A-03", Parsed(("A-01", "A-02", "A-03"), False)),
    ("A-01, A-01", Parsed(("A-01",), False)),
    ("A-01, ", Parsed(("A-01",), False)),
    ("A-01; A-02", Parsed(("A-01", "A-02"), True)),
    ("A-01 and A-02", Parsed(("A-01", "A-02"), True)),
    ("A-01 AND A-02", Parsed(("A-01", "A-02"), True)),
    ("A-01 & A-02; A-03", Parsed(("A-01", "A-02", "A-03"), True)),
    ("A-01 A-02", Parsed(("A-01", "A-02"), True)),
    ("A-01\nA-02", Parsed(("A-01", "A-02"), True)),
    ("A-01, A-02 and A-03", Parsed(("A-01", "A-02", "A-03"), True)),
    ("A-01 or A-02", None),
    ("A-01/A-02", None),
    ("A-01 to A-05", None),
    ("A-01 - A-05", None),
    ("after A-01", None),
    ("the mentoring scheme", None),
    ("A-0001-0000001", None),  # longer than an ID
])
def test_what_a_depends_on_cell_says(text: str, expected: Parsed | None) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("graph", "expected"), [
    ({"A": ["B"], "B": ["C"], "C": []}, []),
    ({"A": ["B"], "B": ["A"]}, [["A", "B"]]),
    ({"A": ["C"], "B": ["A"], "C": ["B"]}, [["A", "C", "B"]]),
    ({"A": ["A"]}, []),  # on itself: its own message
    ({"A": ["B"], "B": ["C"], "C": ["B"], "D": ["E"], "E": ["D"]}, [["B", "C"], ["D", "E"]]),
    # two circles through one action are one knot, walked by the shortest way round
    ({"A": ["B", "C"], "B": ["A"], "C": ["A"]}, [["A", "B"]]),
])
def test_circles_are_named_from_their_first_action(graph: dict[str, list[str]],
                                                   expected: list[list[str]]) -> None:
    assert circles(graph, sorted(graph)) == expected


def test_a_long_chain_is_no_circle_and_no_recursion() -> None:
    graph = {f"A{i}": [f"A{i + 1}"] for i in range(5000)}
    assert circles(graph, list(graph)) == []
    graph["A5000"] = ["A0"]
    (circle,) = circles(graph, list(graph))
    assert (len(circle), circle[:2]) == (5001, ["A0", "A1"])


def check(tmp_path: Path, actions: str) -> Any:
    path = build_return(tmp_path / "r.xlsx", {"actions": actions})
    return check_file(path, SAMPLE_REGION)


def messages(report: Any) -> list[str]:
    return [str(i) for i in report.sorted_issues()]


def test_unknown_self_and_circular_dependencies_are_errors_at_the_cell(tmp_path: Path) -> None:
    report = check(tmp_path, '''
        | Action ID | Depends on       |
        | A-01      |                  |
        | A-02      | A-01, A-09       |
        | A-03      | A-03             |
        | A-04      | A-06             |
        | A-05      | A-04             |
        | A-06      | A-05, A-01       |
    ''')
    assert flat(report) == [
        ("Actions", "Q6", "unknown-dependency"),
        ("Actions", "Q7", "self-dependency"),
        ("Actions", "Q8", "circular-dependency"),
    ]
    assert messages(report) == [
        'Actions!Q6 (Depends on): Action A-02 depends on "A-09", which is not an Action ID on '
        "the Actions sheet. Use the Action IDs of actions on this sheet, separated by commas, "
        "or add the action.",
        "Actions!Q7 (Depends on): Action A-03 depends on itself. Remove A-03 from its Depends on "
        "cell.",
        "Actions!Q8 (Depends on): Actions A-04, A-06 and A-05 depend on each other in a circle "
        "(A-04 waits for A-06, which waits for A-05, which waits for A-04), so none of them can "
        "finish first. Remove one of these dependencies.",
    ]
    assert not report.valid


def test_a_list_typed_another_way_is_tidied_with_a_warning(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": '''
        | Action ID | Depends on        |
        | A-01      |                   |
        | A-02      | A-01; a-03        |
        | A-03      | A-01 and A-02     |
        | A-04      | A-01,A-02         |
        | A-05      | A-01 or A-02      |
    '''})
    report = check_file(path, SAMPLE_REGION)
    assert flat(report) == [
        ("Actions", "Q6", "circular-dependency"),
        ("Actions", "Q9", "unclear-dependencies"),
        ("Actions", "Q6", "normalised"),
        ("Actions", "Q7", "normalised"),
    ]
    assert messages(report) == [
        "Actions!Q6 (Depends on): Actions A-02 and A-03 depend on each other in a circle (A-02 "
        "waits for A-03, which waits for A-02), so none of them can finish first. Remove one "
        "of these dependencies.",
        'Actions!Q9 (Depends on): "A-01 or A-02" cannot be read as a list of Action IDs. Enter '
        "the Action IDs of the actions that must finish first, separated by commas, such as "
        "A-01, A-03.",
        'Actions!Q6 (Depends on): "A-01; a-03" was read as "A-01, A-03". Next time, separate '
        "the Action IDs with commas, each as on the Actions sheet.",
        'Actions!Q7 (Depends on): "A-01 and A-02" was read as "A-01, A-02". Next time, separate '
        "the Action IDs with commas, each as on the Actions sheet.",
    ]
    # The tidied lists are what the rest of the tool reads; spaces alone are put right quietly.
    assert [r.values.get("depends_on") for r in report.data.sheets["actions"]] == [
        None, "A-01, A-03", "A-01, A-02", "A-01, A-02", "A-01 or A-02"]


def test_spend_above_the_outturn_or_before_the_start_is_a_warning(tmp_path: Path) -> None:
    report = check(tmp_path, '''
        | Action ID | Status      | % complete | Spent to date (£) | Forecast outturn (£) |
        | A-01      | In progress | 40         | 5000              | 12500                |
        | A-02      | In progress | 40         | 14000             | 12500                |
        | A-03      | Not started | 0          | 1500              | 12500                |
        | A-04      | Not started | 0          | 0                 | 12500                |
        | A-05      | In progress | 40         | 9000              |                      |
    ''')
    assert flat(report) == [("Actions", "R6", "spent-over-outturn"),
                            ("Actions", "R7", "spend-not-started")]
    assert messages(report) == [
        "Actions!R6 (Spent to date (£)): Action A-02 has spent £14,000, more than its forecast "
        "outturn of £12,500. Check both figures: the forecast outturn includes what has been "
        "spent.",
        "Actions!R7 (Spent to date (£)): Action A-03 is Not started but has spent £1,500. Check "
        "the status, or the spend.",
    ]
    assert report.valid


def test_the_guidance_and_the_input_messages_explain_the_new_columns(tmp_path: Path) -> None:
    import openpyxl

    from laa_xl.template import build_template

    path = build_template(tmp_path / "t.xlsx", SAMPLE_REGION)
    wb = openpyxl.load_workbook(path)
    guidance = [(r[0], r[1]) for r in wb["Guidance"].iter_rows(max_col=2, values_only=True)
                if r[0]]
    at = guidance.index(("In the right order, and within budget (Actions sheet)", None))
    assert guidance[at + 1:at + 5] == [
        ("Cost (£)", "The agreed budget for the action. Spent to date and Forecast outturn are "
                     "judged against it."),
        ("Depends on", "The actions that must finish before this one can, as Action IDs "
                       "separated by commas (A-01, A-03). Leave blank if none."),
        ("Spent to date (£)", "What has been spent on the action so far, in pounds. Leave "
                              "blank if nothing yet."),
        ("Forecast outturn (£)", "What you now expect the action to cost in all, in pounds, "
                                 "when it is finished."),
    ]
    ws = wb["Actions"]
    assert [ws.cell(4, c).value for c in (17, 18, 19)] == [
        "Depends on", "Spent to date (£)", "Forecast outturn (£)"]
    prompts = {str(dv.sqref).split(":")[0]: dv.prompt for dv in ws.data_validations.dataValidation
               if dv.prompt}
    assert prompts["Q5"].startswith("The actions that must finish before this one can")
    assert prompts["R5"].startswith("What has been spent on the action so far")
