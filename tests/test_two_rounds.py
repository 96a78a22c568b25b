"""Two rounds in a row: round 1's roll-up prefills round 2's templates and is round 2's
previous round.

Round 1 (2009/10 Q1): Anycity and Northbridge return; Eastwold does not.  Round 2
(2009/10 Q2): each partnership fills in the template prefilled from roll-up 1, as a partner
would in Excel — Anycity moves two forecasts, changes a milestone's baseline date, rates an
action worse, deletes an open action's row, and closes what it had left open; Northbridge
changes nothing but its assurance answers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from returns import build_return, rewrite_parts, sheet_part

from laa_xl.cli import main
from laa_xl.errors import ReadError
from laa_xl.region import Region, load_region
from laa_xl.rollup_reader import prefills, read_rollup
from laa_xl.rules import check_file
from laa_xl.schemas import sheet

REGION = """\
region = "Testshire"
go_name = "Government Office for Testshire"
period = "{period}"
deadline = {deadline}

[[lsp]]
code = "ANY"
name = "Anycity Partnership"

[[lsp]]
code = "NBR"
name = "Northbridge Together"

[[lsp]]
code = "EWD"
name = "Eastwold Strategic Partnership"
"""

ANY_Q1 = {
    "outcomes": """
        | Outcome ID | Delivery confidence (RAG) | Commentary |
        | O-01       | Green                     |            |
        | O-02       | Amber                     | Behind     |
    """,
    "actions": """
        | Action ID | Outcome ID | Due date (baseline) | Forecast date | Completed date | Status      | % complete | RAG   | Issues and mitigation |
        | A-01      | O-01       | 2010-03-31          | 2010-03-31    |                | In progress | 40         | Green |                       |
        | A-02      | O-02       | 2010-01-31          |               |                | In progress | 20         | Red   | Late start            |
        | A-03      | O-02       | 2009-12-31          |               |                | Not started | 0          | Green |                       |
        | A-04      | O-01       | 2009-06-30          |               | 2009-06-20     | Complete    | 100        |       |                       |
        | A-05      | O-01       | 2009-06-30          |               |                | Cancelled   |            |       |                       |
    """,  # noqa: E501
    "milestones": """
        | Milestone ID | Action ID | Baseline date | Forecast date | Actual date | Status   |
        | M-001        | A-01      | 2009-09-01    | 2009-09-01    |             | On track |
        | M-002        | A-01      | 2009-12-01    | 2009-12-01    |             | On track |
        | M-003        | A-02      | 2009-11-01    |               |             | On track |
        | M-004        | A-04      | 2009-06-01    |               | 2009-06-01  | Achieved |
        | M-005        | A-04      | 2009-06-15    |               |             | Missed   |
    """,
    "risks": """
        | Risk ID | Linked outcome or action | Status |
        | R-01    | O-01                     | Open   |
        | R-02    | O-01                     | Closed |
        | R-03    | A-05                     | Open   |
    """,
    "recovery": """
        | Outcome or action ID | Scanning | Analysis | Response | Assessment | Main external factor |
        | A-02                 | s        | a        | r        | x          | Economic             |
        | O-02                 | s        | a        | r        | x          | Social               |
    """,
}

CROSS_ROUND = ("slipped-since-last-round", "re-baselined", "rag-worsened", "dropped")


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="laa-xl")


def _region(folder: Path, period: str, deadline: str) -> Path:
    path = folder / f"region-{period[-2:]}.toml"
    path.write_text(REGION.format(period=period, deadline=deadline), encoding="utf-8")
    return path


def _touch(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("two-rounds")


@pytest.fixture(scope="module")
def q1_file(work: Path) -> Path:
    return _region(work, "2009/10 Q1", "2009-07-15")


@pytest.fixture(scope="module")
def q2_file(work: Path) -> Path:
    return _region(work, "2009/10 Q2", "2009-10-15")


@pytest.fixture(scope="module")
def q2(q2_file: Path) -> Region:
    return load_region(q2_file)


@pytest.fixture(scope="module")
def rollup1(work: Path, q1_file: Path) -> Path:
    q1 = load_region(q1_file)
    folder = work / "returns-q1"
    folder.mkdir()
    build_return(folder / "any.xlsx", ANY_Q1, region=q1, lsp="ANY")
    build_return(folder / "nbr.xlsx", {}, region=q1, lsp="NBR")
    for p in folder.iterdir():
        _touch(p, datetime(2009, 7, 10, 12))
    out = work / "rollup-q1.xlsx"
    result = run("consolidate", folder, "--region", q1_file, "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def templates(work: Path, q2_file: Path, rollup1: Path) -> tuple[Any, Path]:
    out = work / "templates-q2"
    return run("template", "--region", q2_file, "--all", "--previous", rollup1, "-o", out), out


def _answer_assurance(wb: Any) -> None:
    ws = wb["Assurance"]
    for r in range(5, 15):
        ws.cell(r, 4).value = "Adequate"
        ws.cell(r, 5).value = "Reviewed at the board"


@pytest.fixture(scope="module")
def returns_q2(work: Path, templates: tuple[Any, Path]) -> Path:
    """Round 2's returns, filled in from the prefilled templates as a partner would."""
    _, folder = templates
    out = work / "returns-q2"
    out.mkdir()
    wb = openpyxl.load_workbook(folder / "LAA-return-2009-10-Q2-ANY.xlsx")
    actions, milestones, risks = wb["Actions"], wb["Milestones"], wb["Risks"]
    assert [actions.cell(r, 1).value for r in range(5, 10)] == ["A-01", "A-02", "A-03", "A-04",
                                                                "A-05"]
    actions["J5"] = datetime(2010, 5, 31)  # A-01 forecast: slips 61 days
    actions["N5"] = "Amber"  # A-01 RAG: Green → Amber
    actions["P5"] = "Recruitment slow"
    milestones["E5"] = datetime(2009, 10, 15)  # M-001 forecast: slips 44 days
    milestones["D6"] = datetime(2010, 1, 15)  # M-002 baseline: moved 45 days
    milestones["G9"] = "Cancelled"  # M-005, missed, now closed
    risks["I6"] = "Closed"
    actions.delete_rows(7)  # A-03, open, gone without a word
    _answer_assurance(wb)
    wb.save(out / "any.xlsx")
    wb.close()
    wb = openpyxl.load_workbook(folder / "LAA-return-2009-10-Q2-NBR.xlsx")
    _answer_assurance(wb)
    wb.save(out / "nbr.xlsx")
    wb.close()
    for p in out.iterdir():
        _touch(p, datetime(2009, 10, 12, 12))
    return out


@pytest.fixture(scope="module")
def consolidated2(work: Path, q2_file: Path, rollup1: Path, returns_q2: Path) -> tuple[Any, Path]:
    out = work / "rollup-q2.xlsx"
    return run("consolidate", returns_q2, "--region", q2_file, "--previous", rollup1,
               "-o", out), out


@pytest.fixture(scope="module")
def rollup2(consolidated2: tuple[Any, Path]) -> Path:
    result, out = consolidated2
    assert result.exit_code == 0, result.output
    return out


def records(ws: Any) -> list[dict[str, Any]]:
    t = next(iter(ws.tables.values()))
    cells = ws[t.ref]
    heads = [c.value for c in cells[0]]
    return [dict(zip(heads, (c.value for c in row), strict=True)) for row in cells[1:]
            if any(c.value is not None for c in row)]


def _sheet_records(path: Path, name: str) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    try:
        return records(wb[name])
    finally:
        wb.close()


# --------------------------------------------------------------------------------------
# Round 1's roll-up prefills round 2's templates


def test_template_previous_says_what_it_carried(templates: tuple[Any, Path]):
    result, out = templates
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote {out / 'LAA-return-2009-10-Q2-ANY.xlsx'} (prefilled from 2009/10 Q1, "
        "rollup-q1.xlsx: 2 outcomes, 5 actions, 5 milestones, 2 risks)\n"
        f"Wrote {out / 'LAA-return-2009-10-Q2-NBR.xlsx'} (prefilled from 2009/10 Q1, "
        "rollup-q1.xlsx: 1 outcomes, 1 actions, 1 milestones, 1 risks)\n"
        f"Wrote {out / 'LAA-return-2009-10-Q2-EWD.xlsx'} (blank: its 2009/10 Q1 return is "
        "not in rollup-q1.xlsx: it was missing)\n"
        "3 workbook(s) for Testshire, 2009/10 Q2, due 15 October 2009.\n")
    assert result.stderr == ("Note: EWD's workbook is blank: its 2009/10 Q1 return is not in "
                             "rollup-q1.xlsx: it was missing.\n")


@pytest.fixture(scope="module")
def any_template(templates: tuple[Any, Path]) -> Any:
    wb = openpyxl.load_workbook(templates[1] / "LAA-return-2009-10-Q2-ANY.xlsx")
    yield wb
    wb.close()


def _column(ws: Any, rows: range, col: int = 1) -> list[Any]:
    return [ws.cell(r, col).value for r in rows]


def test_what_is_carried(any_template: Any):
    wb = any_template
    assert _column(wb["Outcomes"], range(5, 8)) == ["O-01", "O-02", None]
    # open actions; A-04 (complete) and A-05 (cancelled) while something open refers to them
    assert _column(wb["Actions"], range(5, 11)) == ["A-01", "A-02", "A-03", "A-04", "A-05", None]
    assert _column(wb["Actions"], range(5, 10), 12) == ["In progress", "In progress",
                                                        "Not started", "Complete", "Cancelled"]
    assert _column(wb["Milestones"], range(5, 11)) == ["M-001", "M-002", "M-003", "M-004",
                                                       "M-005", None]
    assert _column(wb["Risks"], range(5, 8)) == ["R-01", "R-03", None]  # R-02 was closed
    assert _column(wb["Risks"], range(5, 7), 6) == [
        '=IF(AND(ISNUMBER(D5),ISNUMBER(E5)),D5*E5,"")',
        '=IF(AND(ISNUMBER(D6),ISNUMBER(E6)),D6*E6,"")']
    # recovery rows for what is still Red or Amber (O-02)
    assert [(r[0].value, r[9].value) for r in wb["Recovery"].iter_rows(5, 7)] == [
        ("A-02", "Economic"), ("O-02", "Social"), (None, None)]
    assert wb["Actions"]["J5"].value == datetime(2010, 3, 31)
    assert wb["Milestones"]["D6"].value == datetime(2009, 12, 1)


def _locked(ws: Any, row: int) -> dict[str, bool]:
    heads = [c.value for c in ws[4]]
    return {h: ws.cell(row, c).protection.locked for c, h in enumerate(heads, start=1)}


def test_baselines_locked_forecasts_and_progress_open(any_template: Any):
    outcomes = _locked(any_template["Outcomes"], 5)
    assert [h for h, locked in outcomes.items() if locked] == [
        sheet("outcomes").field(n).header for n in (
            "outcome_id", "indicator", "title", "polarity", "unit", "baseline_value",
            "baseline_period", "target_2008_09", "target_2009_10", "target_2010_11")]
    actions = _locked(any_template["Actions"], 5)
    assert [h for h, locked in actions.items() if locked] == ["Action ID", "Due date (baseline)"]
    milestones = _locked(any_template["Milestones"], 5)
    assert [h for h, locked in milestones.items() if locked] == ["Milestone ID", "Baseline date"]
    assert not _locked(any_template["Risks"], 5)["Likelihood (1-5)"]
    assert _locked(any_template["Risks"], 5)["Score"]
    assert not any(_locked(any_template["Recovery"], 5).values())
    assert all(ws.protection.sheet for ws in any_template)
    # the first empty row stays open for new items
    assert not _locked(any_template["Actions"], 10)["Action ID"]


def test_a_partnership_missing_last_round_gets_a_blank_template(templates: tuple[Any, Path]):
    wb = openpyxl.load_workbook(templates[1] / "LAA-return-2009-10-Q2-EWD.xlsx")
    assert wb["Actions"]["A5"].value is None and wb["Outcomes"]["A5"].value is None
    wb.close()


def test_a_prefilled_template_answered_is_valid_against_the_previous_round(
        work: Path, templates: tuple[Any, Path], rollup1: Path, q2: Region):
    """Nothing the tool carries (or leaves out) makes the partner's return wrong."""
    src = templates[1] / "LAA-return-2009-10-Q2-ANY.xlsx"
    wb = openpyxl.load_workbook(src)
    _answer_assurance(wb)
    path = work / "answered.xlsx"
    wb.save(path)
    wb.close()
    report = check_file(path, q2, read_rollup(rollup1).returns)
    assert [(i.sheet, i.cell, i.code) for i in report.sorted_issues()] == []


def test_prefills_leave_the_previous_round_as_it_was(rollup1: Path, q2: Region):
    previous = read_rollup(rollup1)
    scores = [r.get("score") for r in previous.returns["ANY"].sheets["risks"]]
    rows = prefills(previous, q2)
    assert [r.get("score") for r in previous.returns["ANY"].sheets["risks"]] == scores == [8, 8, 8]
    assert [r.get("risk_id") for r in rows["ANY"].rows["risks"]] == ["R-01", "R-03"]
    assert all("score" not in r for r in rows["ANY"].rows["risks"])


# --------------------------------------------------------------------------------------
# Round 2 against round 1


def test_round_two_summary(consolidated2: tuple[Any, Path]):
    result, out = consolidated2
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Testshire, 2009/10 Q2: 2 of 3 returns received (0 late), 2 valid.\n"
        "Missing: EWD.\n"
        "Slipping or off track: 17 flags as at 30/09/2009 (0 high, 16 medium, 1 low).\n"
        f"Wrote {out}\n")


def test_cross_round_flags(rollup2: Path):
    got = [(r["LSP"], r["Item"], r["Rule"], r["Days"], r["Severity"])
           for r in _sheet_records(rollup2, "Slipping") if r["Rule"] in CROSS_ROUND]
    assert got == [
        ("ANY", "A-01", "slipped-since-last-round", 61, "medium"),
        ("ANY", "M-002", "re-baselined", 45, "medium"),
        ("ANY", "M-001", "slipped-since-last-round", 44, "medium"),
        ("ANY", "A-01", "rag-worsened", None, "medium"),
        ("ANY", "A-03", "dropped", None, "medium"),
    ]


def test_every_flag_of_round_two(rollup2: Path, returns_q2: Path):
    rows = _sheet_records(rollup2, "Slipping")
    assert [(r["LSP"], r["Sheet"], r["Item"], r["Rule"], r["Days"], r["Severity"])
            for r in rows] == [
        ("ANY", "Actions", "A-01", "forecast-slip", 61, "medium"),
        ("ANY", "Actions", "A-01", "slipped-since-last-round", 61, "medium"),
        ("ANY", "Milestones", "M-002", "re-baselined", 45, "medium"),
        ("ANY", "Milestones", "M-001", "forecast-slip", 44, "medium"),
        ("ANY", "Milestones", "M-001", "slipped-since-last-round", 44, "medium"),
        ("ANY", "Milestones", "M-001", "overdue", 29, "medium"),
        ("ANY", "Milestones", "M-001", "rag-inconsistent", 29, "medium"),
        ("NBR", "Milestones", "M-001", "overdue", 29, "medium"),
        ("NBR", "Milestones", "M-001", "rag-inconsistent", 29, "medium"),
        ("ANY", "Outcomes", "O-01", "off-trajectory", None, "medium"),
        ("ANY", "Outcomes", "O-02", "off-trajectory", None, "medium"),
        ("ANY", "Actions", "A-01", "rag-worsened", None, "medium"),
        ("ANY", "Actions", "A-02", "stalled", None, "medium"),
        ("ANY", "Actions", "A-03", "dropped", None, "medium"),
        ("NBR", "Outcomes", "O-01", "off-trajectory", None, "medium"),
        ("NBR", "Actions", "A-01", "stalled", None, "medium"),
        ("ANY", "Actions", "A-02", "behind-plan", None, "low"),
    ]
    dropped = next(r for r in rows if r["Rule"] == "dropped")
    assert (dropped["Source file"], dropped["Source row"], dropped["Cell"],
            dropped["Description"]) == (str(returns_q2 / "any.xlsx"), None, None,
                                        "Mentoring scheme")
    rebased = next(r for r in rows if r["Rule"] == "re-baselined")
    assert (rebased["Source row"], rebased["Cell"]) == (6, "D6")


def test_baseline_changes_and_disappearances_are_warned(rollup2: Path, returns_q2: Path,
                                                        rollup1: Path, q2: Region):
    issues = [(r["LSP"], r["Severity"], r["Code"], r["Sheet"], r["Cell"], r["Value"])
              for r in _sheet_records(rollup2, "Issues")]
    assert issues == [
        ("ANY", "warning", "item-disappeared", "Actions", None, "A-03"),
        ("ANY", "warning", "recovery-suggested", "Actions", "N5", "Amber"),
        ("ANY", "warning", "baseline-changed", "Milestones", "D6", "15/01/2010"),
    ]
    report = check_file(returns_q2 / "any.xlsx", q2, read_rollup(rollup1).returns)
    assert [(i.sheet, i.cell, i.code) for i in report.sorted_issues()] == [
        ("Actions", "", "item-disappeared"), ("Actions", "N5", "recovery-suggested"),
        ("Milestones", "D6", "baseline-changed")]
    changed = next(i for i in report.issues if i.code == "baseline-changed")
    assert changed.message == (
        "Baseline date was 01/12/2009 last round and is now 15/01/2010. Baselines are fixed "
        "once agreed: put back 01/12/2009 and use the forecast instead, or explain the agreed "
        "change to the Government Office.")


def test_validate_previous_warns_at_the_cells(returns_q2: Path, q2_file: Path, rollup1: Path):
    path = returns_q2 / "any.xlsx"
    result = run("validate", path, "--region", q2_file, "--previous", rollup1)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Checked against Testshire, 2009/10 Q2\n\n"
        "any.xlsx — Anycity Partnership (ANY): valid, 0 errors, 3 warnings\n"
        "  warning  Action A-03 was in last round's return but is missing now, and was neither "
        "completed nor cancelled. Put it back, or mark it Cancelled and say why.\n"
        "  warning  Actions!N5 (RAG): Action A-01 is Amber. Consider adding a row for it on the "
        "Recovery sheet (Scanning, Analysis, Response, Assessment).\n"
        "  warning  Milestones!D6 (Baseline date): Baseline date was 01/12/2009 last round and is "
        "now 15/01/2010. Baselines are fixed once agreed: put back 01/12/2009 and use the "
        "forecast instead, or explain the agreed change to the Government Office.\n\n"
        "1 file: 1 valid, 0 not valid; 0 errors, 3 warnings.\n")
    result = run("validate", path, "--region", q2_file, "--previous", rollup1, "--format", "json")
    issues = json.loads(result.stdout)["files"][0]["issues"]
    assert [(i["code"], i["sheet"], i["cell"], i["field"], i["value"]) for i in issues] == [
        ("item-disappeared", "Actions", "", "", "A-03"),
        ("recovery-suggested", "Actions", "N5", "RAG", "Amber"),
        ("baseline-changed", "Milestones", "D6", "Baseline date", "15/01/2010")]


def test_about_names_the_previous_round(rollup2: Path, rollup1: Path):
    wb = openpyxl.load_workbook(rollup2)
    assert (wb["About"]["A17"].value, wb["About"]["B17"].value) == ("Previous round",
                                                                    str(rollup1))
    wb.close()


# --------------------------------------------------------------------------------------
# laa-xl slipping prints the same flags


def test_slipping_text(rollup2: Path, returns_q2: Path, q2_file: Path, rollup1: Path):
    result = run("slipping", returns_q2, "--region", q2_file, "--previous", rollup1)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SEVERITY", "LSP", "ITEM", "RULE", "DAYS", "WHAT"]
    rows = _sheet_records(rollup2, "Slipping")
    assert [line.split()[:4] for line in lines[1:len(rows) + 1]] == [
        [r["Severity"], r["LSP"], r["Item"], r["Rule"]] for r in rows]
    assert lines[1].endswith("Action A-01 is forecast for 31/05/2010, 61 days after its due "
                             "date of 31/03/2010 (tolerance 14 days).")
    assert lines[-1] == "17 flags (0 high)."


def test_slipping_csv(rollup2: Path, returns_q2: Path, q2_file: Path, rollup1: Path):
    result = run("slipping", returns_q2, "--region", q2_file, "--previous", rollup1,
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    got = list(csv.DictReader(io.StringIO(result.stdout)))
    rows = _sheet_records(rollup2, "Slipping")
    assert [(g["severity"], g["lsp"], g["item_id"], g["rule"], g["days"], g["message"], g["cell"])
            for g in got] == [
        (r["Severity"], r["LSP"], r["Item"], r["Rule"], "" if r["Days"] is None else str(r["Days"]),
         r["What is wrong"], r["Cell"] or "") for r in rows]


def test_slipping_json(rollup2: Path, returns_q2: Path, q2_file: Path, rollup1: Path):
    result = run("slipping", returns_q2, "--region", q2_file, "--previous", rollup1,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    flags = json.loads(result.stdout)["flags"]
    rows = _sheet_records(rollup2, "Slipping")
    assert [(f["severity"], f["lsp"], f["sheet"], f["item_id"], f["parent"], f["rule"], f["days"],
             f["message"], f["row"], f["cell"]) for f in flags] == [
        (r["Severity"], r["LSP"], r["Sheet"].lower(), r["Item"], r["Belongs to"] or "", r["Rule"],
         r["Days"], r["What is wrong"], r["Source row"], r["Cell"]) for r in rows]
    assert [f for f in flags if f["rule"] in CROSS_ROUND][-1]["file"] == str(returns_q2 /
                                                                            "any.xlsx")


# --------------------------------------------------------------------------------------
# The wrong --previous


@pytest.mark.parametrize("command", ["consolidate", "slipping", "template"])
def test_this_rounds_own_rollup_as_previous_is_refused(command: str, rollup2: Path,
                                                        returns_q2: Path, q2_file: Path,
                                                        tmp_path: Path):
    args = {"consolidate": [returns_q2, "-o", tmp_path / "r.xlsx"],
            "slipping": [returns_q2],
            "template": ["--all", "-o", tmp_path / "t"]}[command]
    result = run(command, *args, "--region", q2_file, "--previous", rollup2)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: {rollup2} is the roll-up for 2009/10 Q2, but the region file is for 2009/10 Q2: "
        "--previous must be an earlier round's roll-up.\n")
    assert list(tmp_path.iterdir()) == []


def test_another_regions_rollup_as_previous_is_refused(rollup1: Path, returns_q2: Path,
                                                       q2_file: Path, tmp_path: Path):
    other = tmp_path / "other.toml"
    other.write_text(q2_file.read_text(encoding="utf-8").replace(
        'region = "Testshire"', 'region = "Eastshire"'), encoding="utf-8")
    result = run("consolidate", returns_q2, "-o", tmp_path / "r.xlsx", "--region", other,
                 "--previous", rollup1)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: {rollup1} is Testshire's roll-up, but the region file is for Eastshire: "
        "--previous must be this region's roll-up.\n")
    assert not (tmp_path / "r.xlsx").exists()


def test_a_return_as_previous_is_refused_by_name(returns_q2: Path, q2_file: Path,
                                                 tmp_path: Path):
    wrong = returns_q2 / "nbr.xlsx"
    result = run("consolidate", returns_q2 / "any.xlsx", "--region", q2_file, "--previous", wrong,
                 "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2  # a usage error, as README's exit codes say
    assert result.stderr.endswith(
        f"Error: {wrong} is a partnership's return, not a roll-up: --previous takes the roll-up "
        "workbook that `laa-xl consolidate` wrote for the last round.\n")


def test_a_file_that_is_no_workbook_as_previous_is_refused_by_name(tmp_path: Path):
    notes = tmp_path / "notes.xlsx"
    notes.write_text("Round 1 went well.\n", encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_rollup(notes)
    assert str(err.value) == (
        f"{notes} cannot be read as the previous round: text or CSV file. --previous takes the "
        "roll-up workbook that `laa-xl consolidate` wrote for the last round.")


# --------------------------------------------------------------------------------------
# Round 3: what was closed in round 2 stops being carried


def test_round_three_carries_only_what_is_still_open(rollup2: Path, work: Path):
    q3 = load_region(_region(work, "2009/10 Q3", "2010-01-15"))
    rows = prefills(read_rollup(rollup2), q3)
    assert [a["action_id"] for a in rows["ANY"].rows["actions"]] == ["A-01", "A-02"]
    assert [m["milestone_id"] for m in rows["ANY"].rows["milestones"]] == ["M-001", "M-002",
                                                                           "M-003"]
    assert [r["risk_id"] for r in rows["ANY"].rows["risks"]] == ["R-01"]
    assert [r["item_id"] for r in rows["ANY"].rows["recovery"]] == ["A-02", "O-02"]


# --------------------------------------------------------------------------------------
# A national roll-up is longer than any return


def test_a_rollup_longer_than_a_return_may_be_still_reads(rollup1: Path, tmp_path: Path):
    """150 partnerships × 900 milestones is a realistic national round: far more rows than
    the 100,000 a return may hold."""
    n = 100_050
    heads = ["LSP", *sheet("milestones").headers, "Source file", "Source sheet", "Source row"]

    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def milestones(xml: bytes) -> bytes:
        head = "".join(cell(f"{chr(65 + i)}4", h) for i, h in enumerate(heads))
        body = "".join(f'<row r="{r}">{cell(f"A{r}", "ANY")}{cell(f"B{r}", f"M-{r}")}'
                       f'{cell(f"C{r}", "A-01")}<c r="N{r}"><v>{r}</v></c></row>'
                       for r in range(5, 5 + n))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<sheetData><row r="4">{head}</row>{body}</sheetData></worksheet>').encode()

    big = rewrite_parts(rollup1, {sheet_part(rollup1, "Milestones"): milestones},
                        out=tmp_path / "national.xlsx")
    previous = read_rollup(big)
    rows = previous.returns["ANY"].sheets["milestones"]
    assert len(rows) == n
    assert (rows[-1].row, rows[-1].values) == (n + 4, {"milestone_id": f"M-{n + 4}",
                                                       "action_id": "A-01"})


def test_a_copy_of_the_rollup_elsewhere_reads_the_same(rollup1: Path, tmp_path: Path):
    copy = shutil.copy2(rollup1, tmp_path / "copy.xlsx")
    a, b = read_rollup(rollup1), read_rollup(copy)
    assert a.meta == b.meta
    assert {k: {s: [(r.row, r.values) for r in v.sheets[s]] for s in v.sheets}
            for k, v in a.returns.items()} == \
        {k: {s: [(r.row, r.values) for r in v.sheets[s]] for s in v.sheets}
         for k, v in b.returns.items()}
    assert date.fromisoformat(a.meta["as_of"]) == date(2009, 6, 30)


def test_flags_worked_out_as_each_file_is_checked_are_those_consolidate_works_out(
        q2: Region, rollup1: Path, returns_q2: Path):
    from laa_xl.rollup import consolidate
    from laa_xl.round import collect, expand_inputs

    previous = read_rollup(rollup1).returns
    paths = expand_inputs([returns_q2])
    plain = consolidate(collect(paths, q2, previous), q2.period.end, previous)
    early = collect(paths, q2, previous, jobs=2, slippage_as_of=q2.period.end)
    assert all(s.report.flags is not None for s in early.statuses if s.report is not None)
    assert consolidate(early, q2.period.end, previous).flags == plain.flags
    assert any(f.rule == "slipped-since-last-round" for f in plain.flags)
    # Asked for another date, or another previous round, consolidate works them out again.
    later = date(2010, 3, 31)
    assert consolidate(early, later, previous).flags == consolidate(
        collect(paths, q2, previous), later, previous).flags != plain.flags
    assert consolidate(early, q2.period.end, {}).flags == consolidate(
        collect(paths, q2), q2.period.end, {}).flags != plain.flags
