"""`laa-xl validate`: the report a GO officer reads, its JSON and CSV forms, exit codes, a
folder of mixed files, parallel checking, and feedback workbooks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from returns import REPO_ROOT, build_return

from laa_xl.cli import main

REGION = str(REPO_ROOT / "samples" / "region.toml")

BROKEN = {"actions": '''
    | Action ID | Outcome ID | Start date | Due date (baseline) | RAG   |
    | A-01      | O-01       | 2009-04-01 | 2010-03-31          | Gren  |
    | A-02      | O-01       | 2009-04-01 | 2009-03-01          | Green |
    | A-03      | O-09       | 2009-04-01 | 2010-03-31          | Green |
'''}
TIDIED = {"actions": [{"rag": "green"}]}


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, ["validate", *map(str, args)], prog_name="laa-xl")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A folder holding a valid return, one with errors, one cut short in the post, and a
    CSV someone sent instead."""
    folder = tmp_path_factory.mktemp("returns")
    build_return(folder / "anycity.xlsx", TIDIED)
    build_return(folder / "broken.xlsx", BROKEN, lsp="NBR")
    whole = build_return(folder / "cut.xlsx", lsp="EWD").read_bytes()
    (folder / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    (folder / "notes.csv").write_text("Action ID,RAG\nA-01,Green\n", encoding="utf-8")
    return {"folder": folder, "good": folder / "anycity.xlsx", "broken": folder / "broken.xlsx",
            "cut": folder / "cut.xlsx", "csv": folder / "notes.csv"}


def test_a_valid_return_exits_0_even_with_warnings(returns: dict[str, Path]) -> None:
    result = run(returns["good"], "--region", REGION)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Checked against Midshire, 2009/10 Q2\n"
        "\n"
        "anycity.xlsx — Anycity Partnership (ANY): valid, 0 errors, 1 warning\n"
        '  warning  Actions!N5 (RAG): "green" was read as "Green". Next time, pick it from the '
        "dropdown.\n"
        "\n"
        "1 file: 1 valid, 0 not valid; 0 errors, 1 warning.\n")


def test_the_report_a_person_reads(returns: dict[str, Path]) -> None:
    result = run(returns["broken"], "--region", REGION)
    assert result.exit_code == 1
    assert result.output == (
        "Checked against Midshire, 2009/10 Q2\n"
        "\n"
        "broken.xlsx — Northbridge Together (NBR): NOT VALID, 3 errors, 0 warnings\n"
        '  error    Actions!N5 (RAG): "Gren" is not one of Red, Amber or Green. Choose one from '
        "the dropdown.\n"
        "  error    Actions!I6 (Due date (baseline)): Due date (baseline) (01/03/2009) is "
        "before Start date (01/04/2009). Check both dates.\n"
        '  error    Actions!B7 (Outcome ID): Outcome ID "O-09" is not on the Outcomes sheet. '
        "Choose an Outcome ID from the dropdown, or add the outcome.\n"
        "\n"
        "1 file: 0 valid, 1 not valid; 3 errors, 0 warnings.\n")


def test_a_file_that_cannot_be_read_exits_1(returns: dict[str, Path]) -> None:
    result = run(returns["csv"])
    assert result.exit_code == 1
    assert result.output == (
        "notes.csv: CANNOT BE READ, 1 error, 0 warnings\n"
        "  error    The file is plain text or CSV, not a workbook: the sheets, dropdowns and "
        "checks are lost. Fill in the workbook you were sent and return it as .xlsx.\n"
        "\n"
        "1 file: 0 valid, 1 not valid (1 cannot be read); 1 error, 0 warnings.\n")


def test_a_folder_reports_every_file_and_one_broken_file_stops_nothing(
        returns: dict[str, Path]) -> None:
    result = run(returns["folder"], "--region", REGION)
    assert result.exit_code == 1
    headings = [line for line in result.output.splitlines() if line and line[0] != " "]
    assert headings == [
        "Checked against Midshire, 2009/10 Q2",
        "anycity.xlsx — Anycity Partnership (ANY): valid, 0 errors, 1 warning",
        "broken.xlsx — Northbridge Together (NBR): NOT VALID, 3 errors, 0 warnings",
        "cut.xlsx: CANNOT BE READ, 1 error, 0 warnings",
        "notes.csv: CANNOT BE READ, 1 error, 0 warnings",
        "4 files: 1 valid, 3 not valid (2 cannot be read); 5 errors, 1 warning.",
    ]


def test_json_report_shape(returns: dict[str, Path]) -> None:
    result = run(returns["folder"], "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert list(doc) == ["files"]
    assert [(Path(f["file"]).name, f["valid"], f["errors"], f["warnings"]) for f in doc["files"]] \
        == [("anycity.xlsx", True, 0, 1), ("broken.xlsx", False, 3, 0), ("cut.xlsx", False, 1, 0),
            ("notes.csv", False, 1, 0)]
    for f in doc["files"]:
        assert list(f) == ["file", "valid", "errors", "warnings", "issues"]
        for issue in f["issues"]:
            assert list(issue) == ["code", "severity", "sheet", "cell", "field", "value",
                                   "message"]
            assert all(isinstance(v, str) for v in issue.values())
    assert doc["files"][1]["issues"][1] == {
        "code": "date-order", "severity": "error", "sheet": "Actions", "cell": "I6",
        "field": "Due date (baseline)", "value": "01/03/2009",
        "message": "Due date (baseline) (01/03/2009) is before Start date (01/04/2009). Check "
                   "both dates."}
    assert doc["files"][2]["issues"][0]["code"] == "damaged-file"
    assert doc["files"][3]["issues"][0] == {
        "code": "csv-file", "severity": "error", "sheet": "", "cell": "", "field": "",
        "value": "", "message": "The file is plain text or CSV, not a workbook: the sheets, "
                                "dropdowns and checks are lost. Fill in the workbook you were "
                                "sent and return it as .xlsx."}


def test_csv_report(returns: dict[str, Path]) -> None:
    result = run(returns["broken"], returns["csv"], "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["file", "severity", "code", "sheet", "cell", "field", "value", "message"]
    assert [(Path(r[0]).name, r[2], r[3], r[4]) for r in rows[1:]] == [
        ("broken.xlsx", "not-in-list", "Actions", "N5"),
        ("broken.xlsx", "date-order", "Actions", "I6"),
        ("broken.xlsx", "unknown-outcome", "Actions", "B7"),
        ("notes.csv", "csv-file", "", ""),
    ]
    assert rows[1][5:] == ["RAG", "Gren", '"Gren" is not one of Red, Amber or Green. Choose one '
                                          "from the dropdown."]


def test_csv_report_keeps_partner_text_as_text(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "=HYPERLINK(\"x\")"}]})
    rows = list(csv.reader(io.StringIO(run(path, "--format", "csv").output)))
    assert rows[1][6] == "'=HYPERLINK(\"x\")"


def test_jobs_2_gives_the_same_report_as_jobs_1(returns: dict[str, Path]) -> None:
    one = run(returns["folder"], "--region", REGION, "--format", "json", "--jobs", "1")
    two = run(returns["folder"], "--region", REGION, "--format", "json", "--jobs", "2")
    assert (one.exit_code, two.exit_code) == (1, 1)
    assert two.output == one.output


def test_the_default_uses_every_core_for_a_big_round_and_one_process_for_a_small_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from laa_xl import round as round_

    monkeypatch.setattr(round_.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5})
    assert [round_.default_jobs(n) for n in (1, 7, 8, 150)] == [1, 1, 4, 4]
    monkeypatch.setattr(round_.os, "sched_getaffinity", lambda pid: {0, 1})
    assert round_.default_jobs(150) == 2


def test_without_rows_a_report_keeps_its_issues_and_identity(returns: dict[str, Path]) -> None:
    from laa_xl.region import load_region
    from laa_xl.round import check_files, expand_inputs

    paths = expand_inputs([returns["folder"]])
    region = load_region(REGION)
    full = check_files(paths, region)
    lean = check_files(paths, region, jobs=2, keep_rows=False)
    assert [r.issues for r in lean] == [r.issues for r in full]
    assert [r.data.meta if r.data else None for r in lean] == [
        r.data.meta if r.data else None for r in full]
    assert any(r.data and any(r.data.sheets.values()) for r in full)
    assert all(not any(r.data.sheets.values()) for r in lean if r.data is not None)
    assert [{k: r.data.count(k) for k in r.data.sheets} for r in lean if r.data] == [
        {k: len(v) for k, v in r.data.sheets.items()} for r in full if r.data]


@pytest.mark.parametrize("args, message", [
    (["no-such-file.xlsx"], "No such file or folder: no-such-file.xlsx"),
    ([], "Missing argument 'FILE_OR_DIR...'"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_region_file_exits_2(returns: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "region.toml"
    bad.write_text('region = "Midshire"\nperiod = 2009\n', encoding="utf-8")
    result = run(returns["good"], "--region", bad)
    assert result.exit_code == 2
    assert f"Region file {bad} has" in result.output


def test_returns_of_one_name_in_two_folders_get_a_feedback_workbook_each(tmp_path: Path
                                                                         ) -> None:
    (tmp_path / "north").mkdir()
    (tmp_path / "south").mkdir()
    north = build_return(tmp_path / "north" / "return.xlsx", {"actions": [{"rag": "Gren"}]})
    south = build_return(tmp_path / "south" / "return.xlsx", {"actions": [{"rag": "Rd"}]})
    out = tmp_path / "feedback"
    result = run(north, south, "--region", REGION, "--feedback", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["north-return-xlsx-feedback.xlsx",
                                                      "south-return-xlsx-feedback.xlsx"]
    for name, typed in (("north", "Gren"), ("south", "Rd")):
        issues = openpyxl.load_workbook(out / f"{name}-return-xlsx-feedback.xlsx")["Issues"]
        assert typed in [row[4] for row in issues.iter_rows(min_row=6, values_only=True)]


def test_feedback_names_are_distinct() -> None:
    from laa_xl.feedback import feedback_names

    assert feedback_names(["a/any.xlsx", "b/nbr.xlsx", "a/any.xlsm", "c/a/any.xlsx",
                           "d/a/any.xlsx"]) == {
        "a/any.xlsx": "a-any-xlsx-feedback.xlsx", "b/nbr.xlsx": "nbr-feedback.xlsx",
        "a/any.xlsm": "a-any-xlsm-feedback.xlsx", "c/a/any.xlsx": "a-any-xlsx-2-feedback.xlsx",
        "d/a/any.xlsx": "a-any-xlsx-3-feedback.xlsx"}


def test_feedback_workbooks_for_returns_with_issues_only(returns: dict[str, Path],
                                                         tmp_path: Path) -> None:
    clean = build_return(tmp_path / "clean.xlsx")
    before = {p: sha256(p) for p in (returns["good"], returns["broken"], clean)}
    out = tmp_path / "feedback"
    result = run(returns["good"], returns["broken"], returns["cut"], returns["csv"], clean,
                 "--region", REGION, "--feedback", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["anycity-feedback.xlsx",
                                                      "broken-feedback.xlsx"]
    assert result.output.endswith(
        f"Feedback workbook: {out / 'anycity-feedback.xlsx'}\n"
        f"Feedback workbook: {out / 'broken-feedback.xlsx'}\n")
    assert {p: sha256(p) for p in before} == before  # the partners' files are untouched
    wb = openpyxl.load_workbook(out / "broken-feedback.xlsx")
    assert wb.sheetnames[0] == "Issues"
    assert [row[:3] for row in wb["Issues"].iter_rows(min_row=6, values_only=True)] == [
        ("error", "Actions", "N5"), ("error", "Actions", "I6"), ("error", "Actions", "B7")]
