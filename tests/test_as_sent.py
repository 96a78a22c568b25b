"""Files as people really send them: tabs retyped or copied, invisible characters pasted
from the web, numbers and dates typed the European or the short way, percentages, Excel's
Total Row and merged cells.  Each is judged the same way by every command."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from returns import REPO_ROOT, SAMPLE_REGION, build_return, flat, rewrite_parts, type_into

from laa_xl.cli import main
from laa_xl.rollup_reader import prefills, read_rollup
from laa_xl.rules import check_file

REGION = str(REPO_ROOT / "samples" / "region.toml")


def check(path: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return check_file(path, SAMPLE_REGION, **kw)


def said(report: Any) -> list[str]:
    return [str(i) for i in report.sorted_issues()]


# --------------------------------------------------------------------------------------
# Sheet tabs retyped or copied


@pytest.mark.parametrize("tab, detail", [
    ("actions", ""),
    ("Actions ", " (with a space at the end)"),
    ("Actions\u00a0", " (it holds a no-break space)"),
    ("Actions\u200b", " (it holds a zero-width space)"),
])
def test_a_tab_retyped_in_case_or_with_a_space_is_read_with_a_warning(
        tmp_path: Path, tab: str, detail: str) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]})
    # As Excel renames a tab (openpyxl refuses a name that differs only in case).
    rewrite_parts(path, {"xl/workbook.xml": lambda xml: xml.replace(
        b'name="Actions"', f'name="{tab}"'.encode())})
    report = check(path)
    assert flat(report) == [(tab, "N5", "not-in-list"), ("Actions", "", "renamed-sheet")]
    assert said(report)[1] == (
        f'The Actions sheet\'s tab is named "{tab}"{detail}. It was read as Actions, but '
        'rename the tab "Actions" exactly.')
    assert report.errors == 1  # the cell alone: the tab is a warning
    assert [r.get("action_id") for r in report.data.sheets["actions"]] == ["A-01"]


def _copy_sheet(name: str, title: str, edit: tuple[str, Any] | None = None) -> Any:
    def apply(wb: Any) -> None:
        copy = wb.copy_worksheet(wb[name])
        copy.title = title
        if edit is not None:
            copy[edit[0]].value = edit[1]
    return apply


def test_an_identical_copy_of_a_sheet_is_a_warning_naming_both(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[_copy_sheet("Actions", "Actions (2)")])
    report = check(path)
    assert flat(report) == [("Actions", "", "copied-sheet")]
    assert said(report) == [
        'The workbook has two copies of the Actions sheet, "Actions" and "Actions (2)", holding '
        'the same data. "Actions" was read: delete "Actions (2)".']
    assert report.valid


@pytest.mark.parametrize("title", ["Actions (2)", "Actions_2", "Copy of Actions"])
def test_a_copy_of_a_sheet_edited_by_the_partner_is_an_error_naming_both(
        tmp_path: Path, title: str) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[
        _copy_sheet("Actions", title, ("M5", "Complete"))])
    report = check(path)
    assert flat(report) == [("Actions", "", "copied-sheet-differs")]
    assert said(report) == [
        f'The workbook has two copies of the Actions sheet, "Actions" and "{title}", and they '
        f'hold different data. Only "Actions" was read, so what was changed in "{title}" is '
        f'not in the return: copy it into "Actions", delete "{title}", and send the workbook '
        'again.']
    assert not report.valid


def test_a_copied_sheet_does_not_stop_the_copy_being_read_as_the_original(
        tmp_path: Path) -> None:
    # The original gone, its copy stands in for it, as any renamed sheet does.
    path = build_return(tmp_path / "r.xlsx", mutations=[
        _copy_sheet("Actions", "Actions (2)"), lambda wb: wb.remove(wb["Actions"])])
    report = check(path)
    assert flat(report) == [("Actions", "", "missing-sheet")]
    assert [r.get("action_id") for r in report.data.sheets["actions"]] == ["A-01"]


# --------------------------------------------------------------------------------------
# Characters nobody can see, pasted from the web


def test_a_zero_width_space_in_a_dropdown_value_is_tidied_and_named(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Green\u200b"}]})
    report = check(path)
    assert flat(report) == [("Actions", "N5", "normalised")]
    assert said(report) == [
        'Actions!N5 (RAG): "Green\u200b" was read as "Green". Next time, type it rather than '
        'paste it (it held a zero-width space).']
    assert report.valid and report.data.sheets["actions"][0].get("rag") == "Green"


def test_a_zero_width_space_in_an_id_is_one_warning_not_one_error_per_milestone(
        tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "actions": [{"action_id": "A-01\u200b"}],
        "milestones": [{"milestone_id": f"M-00{n}"} for n in range(1, 4)],
    })
    report = check(path)
    assert flat(report) == [("Actions", "A5", "normalised")]
    assert said(report) == [
        'Actions!A5 (Action ID): "A-01\u200b" was read as "A-01". Next time, type it rather '
        'than paste it (it held a zero-width space).']
    assert [r.get("action_id") for r in report.data.sheets["actions"]] == ["A-01"]


# --------------------------------------------------------------------------------------
# IDs that differ only in case


def test_an_id_typed_in_another_case_stays_with_its_item_into_next_round(
        tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    build_return(folder / "any.xlsx", {
        "actions": [{"action_id": "A-01", "status": "Complete", "percent_complete": 100,
                     "completed_date": date(2009, 9, 1), "rag": None}],
        "milestones": [{"milestone_id": "M-001", "action_id": "a-01", "status": "On track"}],
        "recovery": [],
    })
    report = check(folder / "any.xlsx")
    assert ("Milestones", "B5", "normalised") in flat(report)
    assert said(report)[flat(report).index(("Milestones", "B5", "normalised"))] == (
        'Milestones!B5 (Action ID): "a-01" was read as "A-01". Next time, type the ID exactly '
        "as on the Actions sheet.")
    out = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "--region", REGION,
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = prefills(read_rollup(out), SAMPLE_REGION)["ANY"].rows
    # The open milestone carries its complete action with it, under the one form of its ID.
    assert [(m.get("milestone_id"), m.get("action_id")) for m in rows["milestones"]] == [
        ("M-001", "A-01")]
    assert [a.get("action_id") for a in rows["actions"]] == ["A-01"]


# --------------------------------------------------------------------------------------
# Percentages as Excel stores them


@pytest.mark.parametrize("stored, number_format, status, read", [
    (1, "0%", "Complete", 100),  # "100%" typed: Excel stores 1, formatted 0%
    (0.4, "0%", "In progress", 40),
    (0.125, "0.0%", "In progress", 12.5),
    (0.4, '0.00"%"', "In progress", None),  # a % sign as quoted text is no percentage
])
def test_a_percentage_formatted_cell_is_read_as_the_partner_sees_it(
        tmp_path: Path, stored: float, number_format: str, status: str,
        read: float | None) -> None:
    done = {"completed_date": date(2009, 9, 1), "rag": None} if status == "Complete" else {}
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"status": status, **done}]},
                        mutations=[type_into("Actions", "M5", stored, number_format)])
    report = check(path)
    if read is None:
        assert flat(report) == [("Actions", "M5", "ambiguous-percent")]
        return
    assert report.issues == []
    assert report.data.sheets["actions"][0].get("percent_complete") == read


# --------------------------------------------------------------------------------------
# Merged cells


def test_cells_merged_down_a_column_are_read_as_the_partner_sees_them(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {
        "actions": [{}, {"action_id": "A-02", "description": None}, {"action_id": "A-03"}],
    }, mutations=[lambda wb: wb["Actions"].merge_cells("C5:C6")])
    report = check(path)
    assert flat(report) == [("Actions", "C5", "merged-cells")]
    assert said(report) == [
        'Actions!C5: Cells C5:C6 are merged, so only the first holds a value; '
        'each row was read as "Mentoring scheme". Unmerge them (Home > Merge & Center > '
        "Unmerge Cells) and fill in each cell."]
    assert [r.get("description") for r in report.data.sheets["actions"]] == [
        "Mentoring scheme"] * 3
    assert report.valid
