"""Cell checks: what a partner types is tidied up where the meaning is plain (a warning) and
refused where it is not (an error), each at its cell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from returns import SAMPLE_REGION, build_return, flat, type_into

from laa_xl.rules import check_file
from laa_xl.rules.cells import Bad, normalise, number_text, parse_date_text
from laa_xl.schemas import sheet

OUTCOMES, ACTIONS, RISKS = sheet("outcomes"), sheet("actions"), sheet("risks")


def check(path: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return check_file(path, SAMPLE_REGION, **kw)


def messages(report: Any) -> dict[tuple[str, str], str]:
    return {(i.sheet, i.cell): str(i) for i in report.sorted_issues()}


# --------------------------------------------------------------------------------------
# Pure helpers, table-driven


@pytest.mark.parametrize("text, expected", [
    ("31/03/2010", date(2010, 3, 31)),
    ("1/4/2009", date(2009, 4, 1)),
    ("31.03.2010", date(2010, 3, 31)),
    ("31-03-2010", date(2010, 3, 31)),
    ("31/03/10", date(2010, 3, 31)),
    ("01/04/99", date(1999, 4, 1)),  # as Excel reads a two-digit year, never 2099
    ("01/04/29", date(2029, 4, 1)),
    ("01/04/30", date(1930, 4, 1)),
    (" 31/03/2010 ", date(2010, 3, 31)),
    ("2010-03-31", date(2010, 3, 31)),
    ("31 March 2010", date(2010, 3, 31)),
    ("31 Mar 2010", date(2010, 3, 31)),
    ("31st March 2010", date(2010, 3, 31)),
    ("1 Sept 2009", date(2009, 9, 1)),
    ("30-Jun-2009", date(2009, 6, 30)),
])
def test_parse_date_text_reads_uk_dates(text: str, expected: date) -> None:
    assert parse_date_text(text) == expected


@pytest.mark.parametrize("text, code", [
    ("March 2010", "ambiguous-date"),  # which day?
    ("Mar-10", "ambiguous-date"),
    ("31/03", "ambiguous-date"),  # which year?
    ("03/31/2010", "not-a-date"),  # American order: there is no month 31
    ("30/02/2010", "not-a-date"),
    ("31 Sept 2010", "not-a-date"),
    ("1 Mayday 2010", "not-a-date"),  # a word starting like a month is not one
    ("2010-02-30", "not-a-date"),
    ("tomorrow", "not-a-date"),
    ("Q3 2009/10", "not-a-date"),
])
def test_parse_date_text_refuses_what_is_unclear(text: str, code: str) -> None:
    with pytest.raises(Bad) as err:
        parse_date_text(text)
    assert err.value.code == code


@pytest.mark.parametrize("sheet_key, name, raw, value, warned", [
    # codes and lists: stray spaces and case are tidied, with a warning
    ("actions", "action_id", " A-01 ", "A-01", True),
    ("actions", "rag", "green", "Green", True),
    ("actions", "rag", " Green ", "Green", True),
    ("actions", "rag", "Green", "Green", False),
    ("actions", "status", "in  progress", "In progress", True),
    # free text is trimmed silently
    ("actions", "description", "  Mentoring  \n", "Mentoring", False),
    ("actions", "description", "", None, False),
    ("actions", "description", "   ", None, False),
    # control characters go; Word's line break (a vertical tab) becomes a new line
    ("actions", "description", "Mentors\x0brecruited\x07", "Mentors\nrecruited", False),
    ("actions", "action_id", "A-01\x00", "A-01", False),
    # characters nobody can see, pasted from the web: tidied, with a warning, in a code
    ("actions", "rag", "Green\u200b", "Green", True),
    ("actions", "rag", "Green\u00a0", "Green", True),
    ("actions", "action_id", "A-01\u200b", "A-01", True),
    ("actions", "action_id", "\ufeffA-01", "A-01", True),
    ("actions", "description", "Mentoring\u200b", "Mentoring", False),
    ("actions", "start_date", "31/03/2010\u200b", date(2010, 3, 31), True),
    # numbers
    ("actions", "cost", 12500.0, 12500, False),
    ("actions", "cost", "£1,200", 1200, True),
    ("actions", "cost", "£ 1,234,567.50", 1234567.5, True),
    ("actions", "cost", "40", 40, True),
    ("actions", "percent_complete", "50%", 50, True),
    ("actions", "percent_complete", "0.5%", 0.5, True),
    ("actions", "percent_complete", 1.0, 1, False),
    # dates: a real date, text, an Excel day number, a date and time
    ("actions", "start_date", date(2009, 4, 1), date(2009, 4, 1), False),
    ("actions", "start_date", "31/03/2010", date(2010, 3, 31), True),
    ("actions", "start_date", "2010-03-31", date(2010, 3, 31), True),
    ("actions", "start_date", 40268, date(2010, 3, 31), True),
    ("actions", "start_date", datetime(2010, 3, 31, 14, 30), date(2010, 3, 31), True),
    # Excel turns "2007/08" typed into a General cell into 1 August 2007
    ("outcomes", "baseline_period", date(2007, 8, 1), "2007/08", True),
    ("outcomes", "baseline_period", "2007/08", "2007/08", False),
    ("outcomes", "indicator", 117.0, "117", False),
])
def test_normalise(sheet_key: str, name: str, raw: Any, value: Any, warned: bool) -> None:
    got, how = normalise(sheet(sheet_key).field(name), raw)
    assert got == value and type(got) is type(value)
    assert (how is not None) == warned


@pytest.mark.parametrize("sheet_key, name, raw, code", [
    ("actions", "cost", "1,2", "decimal-comma"),  # a decimal comma, or a typo?
    ("outcomes", "latest_value", "0,125", "decimal-comma"),  # never 125: 0 has no thousands
    ("outcomes", "latest_value", "-0,125", "decimal-comma"),
    ("actions", "cost", "1,2,3", "not-a-number"),
    ("actions", "cost", "1 200", "not-a-number"),
    ("actions", "cost", "twelve", "not-a-number"),
    ("actions", "cost", True, "not-a-number"),
    ("actions", "cost", date(2009, 4, 1), "not-a-number"),
    ("actions", "percent_complete", 0.5, "ambiguous-percent"),  # 0.5 % or 50 %?
    ("actions", "percent_complete", "0.5", "ambiguous-percent"),
    ("actions", "start_date", "March 2010", "ambiguous-date"),
    ("actions", "start_date", "31/03", "ambiguous-date"),
    ("actions", "start_date", 2010, "not-a-date"),  # a year, not an Excel day number
    ("actions", "start_date", True, "not-a-date"),
])
def test_normalise_refuses_to_guess(sheet_key: str, name: str, raw: Any, code: str) -> None:
    with pytest.raises(Bad) as err:
        normalise(sheet(sheet_key).field(name), raw)
    assert err.value.code == code


def test_normalise_checks_themes_against_the_regions_list() -> None:
    theme = OUTCOMES.field("theme")
    assert normalise(theme, "transport", ("Transport", "Housing")) == (
        "Transport", ("the choice", "pick it from the dropdown"))
    assert normalise(theme, "Anything at all") == ("Anything at all", None)  # no region


@pytest.mark.parametrize("value, text", [
    (1200, "1,200"), (7.5, "7.5"), (1e9, "1,000,000,000"), (12.299999999999999, "12.3"),
    (0.5, "0.5"), (-3, "-3"),
])
def test_number_text_never_uses_exponents(value: float, text: str) -> None:
    assert number_text(value) == text


# --------------------------------------------------------------------------------------
# In a workbook: the warning or error lands on the cell typed into


def test_tidied_values_are_warnings_at_their_cells(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": [{"outcome_id": " O-01", "theme": "children and young people",
                      "confidence": "green"}],
        "actions": [{"outcome_id": "O-01 ", "cost": "£1,200", "percent_complete": "50%",
                     "start_date": "01/04/2009", "due_date": "2010-03-31"}],
    }, mutations=[type_into("Actions", "J5", 40268, number_format="General")])
    report = check(path)
    assert flat(report) == [
        ("Outcomes", "A5", "normalised"),
        ("Outcomes", "D5", "normalised"),
        ("Outcomes", "V5", "normalised"),
        ("Actions", "B5", "normalised"),
        ("Actions", "F5", "normalised"),
        ("Actions", "H5", "normalised"),
        ("Actions", "I5", "normalised"),
        ("Actions", "J5", "normalised"),
        ("Actions", "M5", "normalised"),
    ]
    assert report.valid
    said = messages(report)
    assert said[("Outcomes", "V5")] == (
        'Outcomes!V5 (Delivery confidence (RAG)): "green" was read as "Green". Next time, pick '
        "it from the dropdown.")
    assert said[("Outcomes", "A5")] == (
        'Outcomes!A5 (Outcome ID): " O-01" was read as "O-01". Next time, type it without '
        "spaces.")
    assert said[("Actions", "F5")] == (
        'Actions!F5 (Cost (£)): "£1,200" was read as 1,200. Next time, type the number alone, '
        "with no £, % or commas.")
    assert said[("Actions", "H5")] == (
        'Actions!H5 (Start date): "01/04/2009" was read as 01/04/2009. Next time, enter it so '
        "that Excel stores a date, not text.")
    assert said[("Actions", "J5")] == (
        "Actions!J5 (Forecast date): 40268 was read as 31/03/2010. Next time, format the cell "
        "as a date (dd/mm/yyyy).")
    actions = report.data.to_document()["actions"][0]
    assert (actions["outcome_id"], actions["cost"], actions["percent_complete"]) == \
        ("O-01", 1200, 50)
    assert (actions["start_date"], actions["due_date"], actions["forecast_date"]) == \
        ("2009-04-01", "2010-03-31", "2010-03-31")


def test_unclear_values_are_errors_never_guesses(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "actions": [{"start_date": "March 2009", "due_date": "31/03", "cost": "1,2",
                     "percent_complete": 0.5}],
    })
    report = check(path)
    assert flat(report) == [
        ("Actions", "F5", "decimal-comma"),
        ("Actions", "H5", "ambiguous-date"),
        ("Actions", "I5", "ambiguous-date"),
        ("Actions", "M5", "ambiguous-percent"),
    ]
    said = messages(report)
    assert said[("Actions", "H5")] == (
        'Actions!H5 (Start date): "March 2009" could be read more than one way. Enter it as '
        "dd/mm/yyyy, such as 31/03/2010.")
    assert said[("Actions", "F5")] == (
        'Actions!F5 (Cost (£)): "1,2" has a comma that cannot separate thousands, so it is '
        "not clear what number is meant. If it is 1.2, enter it with a decimal point: 1.2.")
    assert said[("Actions", "M5")] == (
        "Actions!M5 (% complete): 0.5 could mean 0.5% or 50%. Enter the percentage as a number "
        "from 0 to 100, such as 50.")
    # An unreadable cell is one error: not also "required" or out of order.
    assert not report.valid


def test_required_and_required_when(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": '''
            | Outcome ID | Lead officer | Delivery confidence (RAG) | Commentary |
            | O-01       |              | Amber                     |            |
            | O-02       | Jo Bloggs    | Red                       |            |
        ''',
        "actions": '''
            | Action ID | Outcome ID | Status      | RAG   | Issues and mitigation |
            | A-01      | O-01       | In progress |       |                       |
            | A-02      | O-02       | On hold     | Amber |                       |
            | A-03      | O-02       | Not started | Red   |                       |
        ''',
        "milestones": '''
            | Milestone ID | Status   | Actual date |
            | M-001        | Achieved |             |
        ''',
        "assurance": '''
            | Ref   | Self-assessment | Improvement action |
            | PA-04 | Weak            |                    |
        ''',
        "recovery": '''
            | Outcome or action ID | Scanning | Analysis | Response | Assessment |
            | O-02                 | s        | a        | r        | a          |
            | A-03                 | s        | a        | r        | a          |
        ''',
    })
    report = check(path)
    assert [x for x in flat(report) if x[2].startswith("required")] == [
        ("Outcomes", "F5", "required"),
        ("Outcomes", "W5", "required-when"),
        ("Outcomes", "W6", "required-when"),
        ("Actions", "N5", "required-when"),
        ("Actions", "P6", "required-when"),
        ("Actions", "P7", "required-when"),
        ("Milestones", "F5", "required-when"),
        ("Assurance", "F8", "required-when"),
    ]
    said = messages(report)
    assert said[("Outcomes", "F5")] == (
        "Outcomes!F5 (Lead officer): Lead officer is empty. Enter text, up to 120 characters.")
    assert said[("Outcomes", "W5")] == (
        "Outcomes!W5 (Commentary): Commentary is empty but is needed when Delivery confidence "
        "(RAG) is Amber. Enter text, up to 2,000 characters.")
    assert said[("Actions", "N5")] == (
        "Actions!N5 (RAG): RAG is empty but is needed when Status is In progress. Choose one "
        "from the dropdown.")
    assert said[("Milestones", "F5")] == (
        "Milestones!F5 (Actual date): Actual date is empty but is needed when Status is "
        "Achieved. Enter a date between 01/01/2000 and 31/12/2030, as dd/mm/yyyy.")


def test_lists_numbers_dates_lengths_and_ids(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": [{"indicator": "NI 200", "theme": "Transport", "polarity": "Up",
                      "target_2010_11": "lots", "title": "x" * 301}],
        "actions": [{"status": "Done", "percent_complete": 150, "cost": -5,
                     "start_date": date(1999, 12, 31)}],
        "risks": [{"risk_id": "R 01", "likelihood": 0, "impact": 4.5}],
    })
    report = check(path)
    assert flat(report) == [
        ("Outcomes", "B5", "bad-format"),
        ("Outcomes", "C5", "too-long"),
        ("Outcomes", "D5", "not-in-list"),
        ("Outcomes", "G5", "not-in-list"),
        ("Outcomes", "M5", "not-a-number"),
        ("Actions", "F5", "out-of-range"),
        ("Actions", "H5", "date-out-of-range"),
        ("Actions", "L5", "not-in-list"),
        ("Actions", "M5", "out-of-range"),
        ("Risks", "A5", "bad-format"),
        ("Risks", "D5", "out-of-range"),
        ("Risks", "E5", "not-whole-number"),
    ]
    said = messages(report)
    assert said[("Outcomes", "D5")] == (
        'Outcomes!D5 (Theme): "Transport" is not one of Children and young people, Safer and '
        "stronger communities, Healthier communities and older people, Economic development "
        "and enterprise or Environment and sustainability. Choose one from the dropdown.")
    assert said[("Outcomes", "C5")] == (
        "Outcomes!C5 (Outcome / target): The text is 301 characters long; Outcome / target "
        "holds at most 300. Shorten it.")
    assert said[("Risks", "A5")] == (
        'Risks!A5 (Risk ID): "R 01" is not up to 12 letters, digits or hyphens, such as A-01.')
    assert said[("Actions", "H5")] == (
        "Actions!H5 (Start date): 31/12/1999 is outside 01/01/2000 to 31/12/2030. Check the "
        "year.")
    assert said[("Actions", "M5")] == (
        "Actions!M5 (% complete): 150 is more than 100. Enter a number from 0 to 100.")
    assert said[("Actions", "F5")] == (
        "Actions!F5 (Cost (£)): -5 is less than 0. Enter an amount in pounds, such as 12500.")
    assert said[("Risks", "E5")] == (
        "Risks!E5 (Impact (1-5)): 4.5 is not a whole number. Enter a whole number from 1 "
        "(negligible) to 5 (severe).")


def test_cost_limit_is_said_in_full(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"cost": 2_000_000_000}]})
    assert [str(i) for i in check(path).issues] == [
        "Actions!F5 (Cost (£)): 2000000000 is more than 1,000,000,000. Enter an amount in "
        "pounds, such as 12500."]


def test_theme_is_checked_against_the_region(tmp_path: Path) -> None:
    from dataclasses import replace

    path = build_return(tmp_path / "r.xlsx", {"outcomes": [{"theme": "Transport"}]})
    region = replace(SAMPLE_REGION, themes=("Transport", "Housing"))
    assert flat(check_file(path, region)) == []
    assert flat(check_file(path, None)) == []  # no region: any theme
    assert flat(check(path)) == [("Outcomes", "D5", "not-in-list")]


def test_each_return_gets_its_own_issues_for_a_value_judged_before(tmp_path: Path) -> None:
    # A value is judged once a round, whichever return it is in: the next return with the
    # same values is told the same things, at its own cells.
    tables = {"actions": [{"action_id": "A-01 ", "status": "in progress", "cost": "lots",
                           "start_date": "31/03/2009"}]}
    first = check(build_return(tmp_path / "first.xlsx", tables))
    second = check(build_return(tmp_path / "second.xlsx", tables))
    assert flat(first) == flat(second)
    assert {code for _, _, code in flat(second)} >= {"normalised", "not-a-number"}
    assert [i.file for i in second.issues] == [str(tmp_path / "second.xlsx")] * len(flat(second))


def test_duplicate_ids_and_withdrawn_indicator(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "outcomes": '''
            | Outcome ID | Indicator |
            | O-01       | NI 31     |
            | o-01       | L01       |
        ''',
    })
    report = check(path)
    assert flat(report) == [("Outcomes", "A6", "duplicate-id"),
                            ("Outcomes", "B5", "withdrawn-indicator")]
    assert messages(report)[("Outcomes", "A6")] == (
        'Outcomes!A6 (Outcome ID): "o-01" is also used in row 5. Each Outcome ID must be '
        "unique.")


def test_text_that_looks_like_a_formula_is_just_text(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "actions": [{"progress": "=1+1", "mitigation": "-not a sum", "resources": "@home"}]})
    report = check(path)
    assert flat(report) == []
    action = report.data.to_document()["actions"][0]
    assert (action["progress"], action["mitigation"], action["resources"]) == \
        ("=1+1", "-not a sum", "@home")


def test_a_cell_typed_over_keeps_its_reference(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[type_into("Actions", "N5", "Ambre")])
    report = check(path)
    assert [str(i) for i in report.issues] == [
        'Actions!N5 (RAG): "Ambre" is not one of Red, Amber or Green. Choose one from the '
        "dropdown."]
