"""Consolidation: one round's returns for a small region, rolled up and read back cell by cell.

The round (Testshire, 2009/10 Q2, returns due 15/10/2009, slippage as at 30/09/2009):

| LSP | what came in                                                                        |
|-----|-------------------------------------------------------------------------------------|
| ANY | valid, on time; a slipping action and milestone, an off-track outcome, text that     |
|     | looks like formulas, the region's highest risk, one Weak assurance answer            |
| NBR | valid; on time by its file's time, late by the received log; a Red action with its   |
|     | recovery plan                                                                        |
| EWD | two errors (a mistyped RAG, a Red outcome with no recovery plan), on time            |
| SMR | valid, late by its file's time; the small valid return as it stands                 |
| WHV | nothing                                                                              |
| —   | notes.txt, which is not a workbook at all                                            |
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from returns import build_return, rename_sheet, sheet_part
from sheetnames import ROLLUP_SHEETS

from laa_xl.cli import main
from laa_xl.region import Region, load_region
from laa_xl.rollup import SHEET_NAMES, consolidate, write_rollup
from laa_xl.rollup_reader import read_rollup
from laa_xl.round import collect, expand_inputs
from laa_xl.rules import check_file
from laa_xl.schemas import sheet

REGION_TOML = """\
region = "Testshire"
go_name = "Government Office for Testshire"
period = "2009/10 Q2"
deadline = 2009-10-15

[[lsp]]
code = "ANY"
name = "Anycity Partnership"
contact = "Priya Shah"
email = "priya.shah@anycity.example"

[[lsp]]
code = "NBR"
name = "Northbridge Together"
contact = "Tom Hughes"
email = "tom.hughes@northbridge.example"

[[lsp]]
code = "EWD"
name = "Eastwold Strategic Partnership"

[[lsp]]
code = "SMR"
name = "Southmoor Partnership Board"

[[lsp]]
code = "WHV"
name = "Westhaven LSP"
"""

HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULA_LOOKING = {  # roll-up sheet and field → text a partner typed
    ("Outcomes", "commentary"): "+1",
    ("Actions", "progress"): HYPERLINK,
    ("Actions", "mitigation"): "-1",
    ("Milestones", "comment"): "@SUM(A1)",
}

ANY_TABLES = {
    "outcomes": """
        | Outcome ID | Latest value | Delivery confidence (RAG) | Commentary |
        | O-01       | 7.4          | Green                     |            |
        | O-02       | 9            | Amber                     | "+1"       |
    """,
    "actions": [
        {"action_id": "A-01", "outcome_id": "O-01", "due_date": date(2010, 3, 31),
         "percent_complete": 40, "rag": "Green", "progress": HYPERLINK},
        {"action_id": "A-02", "outcome_id": "O-02", "due_date": date(2009, 8, 31),
         "forecast_date": date(2009, 11, 30), "percent_complete": 60, "rag": "Amber",
         "progress": "Delayed", "mitigation": "-1"},
    ],
    "milestones": """
        | Milestone ID | Action ID | Baseline date | Forecast date | Actual date | Status   | Comment  |
        | M-001        | A-01      | 2009-09-01    | 2009-10-20    |             | At risk  | @SUM(A1) |
        | M-002        | A-01      | 2009-12-01    |               |             | On track |          |
        | M-003        | A-02      | 2009-06-01    |               | 2009-06-05  | Achieved |          |
    """,
    "risks": """
        | Risk ID | Linked outcome or action | Likelihood (1-5) | Impact (1-5) | Status |
        | R-01    | O-01                     | 2                | 4            | Open   |
        | R-02    | A-02                     | 5                | 5            | Open   |
    """,
    "assurance": """
        | Ref   | Self-assessment | Improvement action |
        | PA-03 | Weak            | Recruit two staff  |
    """,
    "recovery": """
        | Outcome or action ID | Scanning   | Analysis   | Response | Assessment | Main external factor |
        | A-02                 | Late start | Staff gaps | Re-tender | Monthly    | Economic             |
    """,
}

NBR_TABLES = {
    "actions": """
        | Action ID | RAG | Issues and mitigation |
        | A-01      | Red | Contractor failed     |
    """,
    "milestones": """
        | Milestone ID | Actual date | Status   |
        | M-001        | 2009-08-28  | Achieved |
    """,
    "risks": """
        | Risk ID | Likelihood (1-5) | Impact (1-5) |
        | R-01    | 4                | 4            |
    """,
    "assurance": """
        | Ref   | Self-assessment | Improvement action |
        | PA-01 | Strong          |                    |
        | PA-05 | Weak            | Weekly board       |
    """,
    "recovery": """
        | Outcome or action ID | Scanning | Analysis | Response | Assessment | Main external factor |
        | A-01                 | s        | a        | r        | x          | Political            |
    """,
}

EWD_TABLES = {
    "outcomes": """
        | Outcome ID | Delivery confidence (RAG) | Commentary |
        | O-01       | Red                       | Off track  |
    """,
    "actions": """
        | Action ID | RAG  |
        | A-01      | Gren |
    """,
}

ON_TIME = datetime(2009, 10, 10, 12, 0)
LATE = datetime(2009, 10, 16, 9, 0)
RECEIVED_CSV = "file,received\nnbr.xlsx,20/10/2009\n"


def _touch(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_round(folder: Path, region: Region) -> dict[str, Path]:
    """The round's folder of returns, as the GO saved the attachments."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "ANY": build_return(folder / "any.xlsx", ANY_TABLES, region=region, lsp="ANY"),
        "NBR": build_return(folder / "nbr.xlsx", NBR_TABLES, region=region, lsp="NBR"),
        "EWD": build_return(folder / "ewd.xlsx", EWD_TABLES, region=region, lsp="EWD"),
        "SMR": build_return(folder / "smr.xlsx", {}, region=region, lsp="SMR"),
    }
    notes = folder / "notes.txt"
    notes.write_text("Notes from the locality manager.\n", encoding="utf-8")
    files["notes"] = notes
    for path in files.values():
        _touch(path, ON_TIME)
    _touch(files["SMR"], LATE)
    return files


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="laa-xl")


# --------------------------------------------------------------------------------------
# The round, consolidated once for the module


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("consolidate")


@pytest.fixture(scope="module")
def region_file(work: Path) -> Path:
    path = work / "region.toml"
    path.write_text(REGION_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def region(region_file: Path) -> Region:
    return load_region(region_file)


@pytest.fixture(scope="module")
def files(work: Path, region: Region) -> dict[str, Path]:
    return build_round(work / "returns", region)


@pytest.fixture(scope="module")
def checksums(files: dict[str, Path]) -> dict[str, str]:
    return {k: sha256(p) for k, p in files.items()}


@pytest.fixture(scope="module")
def received_log(work: Path) -> Path:
    path = work / "received.csv"
    path.write_text(RECEIVED_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def consolidated(work: Path, region_file: Path, files: dict[str, Path], checksums: dict[str, str],
                 received_log: Path) -> tuple[Any, Path]:
    out = work / "rollup.xlsx"
    result = run("consolidate", files["ANY"].parent, "--region", region_file,
                 "--received", received_log, "-o", out)
    return result, out


@pytest.fixture(scope="module")
def rollup_path(consolidated: tuple[Any, Path]) -> Path:
    result, out = consolidated
    assert result.exit_code == 1, result.output
    return out


@pytest.fixture(scope="module")
def book(rollup_path: Path) -> Any:
    wb = openpyxl.load_workbook(rollup_path)
    yield wb
    wb.close()


def table(ws: Any, name: str | None = None) -> list[tuple[Any, ...]]:
    """The data rows of a sheet's table (its only one, or the one named), as tuples."""
    tables = {t.name: t for t in ws.tables.values()}
    t = tables[name] if name else next(iter(tables.values()))
    cells = ws[t.ref]
    return [tuple(c.value for c in row) for row in cells[1:]
            if any(c.value is not None for c in row)]


def headers(ws: Any, name: str | None = None) -> list[str]:
    tables = {t.name: t for t in ws.tables.values()}
    t = tables[name] if name else next(iter(tables.values()))
    return [c.value for c in ws[t.ref][0]]


def records(ws: Any) -> list[dict[str, Any]]:
    return [dict(zip(headers(ws), row, strict=True)) for row in table(ws)]


def d(y: int, m: int, day: int) -> datetime:
    return datetime(y, m, day)


# --------------------------------------------------------------------------------------
# What the command says


def test_the_summary_names_who_is_missing_late_and_not_valid(consolidated: tuple[Any, Path]):
    result, out = consolidated
    assert result.exit_code == 1
    assert result.stdout == (
        "Testshire, 2009/10 Q2: 4 of 5 returns received (2 late), 3 valid.\n"
        "Missing: WHV.\n"
        "Not valid: EWD (left out).\n"
        "1 file(s) match no partnership of this round: see the Completeness sheet.\n"
        "Slipping or off track: 9 flags as at 30/09/2009 (1 high, 7 medium, 1 low).\n"
        f"Wrote {out}\n")


def test_every_sheet_in_order(book: Any):
    assert [(ws.title, ws.sheet_state) for ws in book] == ROLLUP_SHEETS
    assert list(SHEET_NAMES) == [name for name, _ in ROLLUP_SHEETS]


# --------------------------------------------------------------------------------------
# Dashboard


def test_dashboard_one_row_per_partnership(book: Any):
    ws = book["Dashboard"]
    assert headers(ws) == [
        "LSP", "Partnership", "Return", "Received", "Outcomes Red", "Outcomes Amber",
        "Outcomes Green", "Slipping items", "Slipping milestones", "Off-track outcomes",
        "High-severity flags", "Red items without a recovery plan", "Assurance areas rated Weak"]
    blank9 = (None,) * 9
    assert table(ws) == [
        ("ANY", "Anycity Partnership", "Valid", d(2009, 10, 10), 0, 1, 1, 2, 1, 1, 1, 0,
         "Capacity"),
        ("NBR", "Northbridge Together", "Valid, 5 days late", d(2009, 10, 20), 0, 0, 1, 0, 0, 1,
         0, 0, "Project management"),
        ("EWD", "Eastwold Strategic Partnership", "Not valid: 2 errors", d(2009, 10, 10),
         *blank9),
        ("SMR", "Southmoor Partnership Board", "Valid, 1 day late", d(2009, 10, 16), 0, 0, 1, 1,
         1, 1, 0, 0, None),
        ("WHV", "Westhaven LSP", "Missing", None, *blank9),
    ]
    # Missing and not valid in red, late in amber; the rest as they are.
    fills = [ws.cell(r, 3).fill.fgColor.rgb for r in range(5, 10)]
    assert fills == ["00000000", "FFFFC000", "FFFF5B5B", "FFFFC000", "FFFF5B5B"]


def test_dashboard_shows_cost_spend_and_outturn(book: Any):
    """Returns from the 1.0 template have costs but no spend or outturn: blank, not £0."""
    ws = book["Dashboard"]
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value ==
                 "Cost, spend and forecast outturn (actions not cancelled)")
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 3).value,
             ws.cell(r, 4).value, ws.cell(r, 6).value, ws.cell(r, 8).value)
            for r in range(start + 1, start + 7)]
    assert rows == [
        ("LSP", "Partnership or theme", "Cost (£)", "Spent to date (£)", "Forecast outturn (£)",
         "Actions over budget"),
        ("ANY", "Anycity Partnership", 25000, None, None, 0),
        ("NBR", "Northbridge Together", 12500, None, None, 0),
        ("SMR", "Southmoor Partnership Board", 12500, None, None, 0),
        ("Children and young people", None, 50000, None, None, 0),
        ("All themes", None, 50000, None, None, 0)]
    assert ws.cell(start + 2, 3).number_format == "£#,##0"


def _rows_from(ws: Any, first: int, last: int) -> list[tuple[Any, ...]]:
    return [tuple(c.value for c in row[:13]) for row in ws.iter_rows(min_row=first, max_row=last)]


def test_dashboard_region_total_row_sums_the_partnerships(book: Any):
    ws = book["Dashboard"]
    assert _rows_from(ws, 10, 10) == [
        ("All", "Region (5 partnerships)", "4 of 5 received, 2 late, 3 valid, 1 missing", None,
         0, 1, 3, 3, 2, 3, 1, 0, "2 partnership(s)")]
    assert ws["A10"].font.b and ws["A10"].border.top.style == "thin"


def test_dashboard_lists_the_off_track_outcomes_and_marks_green_ones(book: Any):
    ws = book["Dashboard"]
    assert ws["A12"].value == "Off-track outcomes (3)"
    assert [r[:7] for r in _rows_from(ws, 13, 16)] == [
        ("LSP", "Outcome", "Theme", "Latest", "Target", "RAG", "Why it is listed"),
        ("ANY", "O-02 NI 117: Fewer young people NEET", "Children and young people", 9, 7.875,
         "Amber", "Off trajectory, rated Amber"),
        ("NBR", "O-01 NI 117: Fewer young people NEET", "Children and young people", 7.9, 7.875,
         "Green", "Off trajectory, but rated Green"),
        ("SMR", "O-01 NI 117: Fewer young people NEET", "Children and young people", 7.9, 7.875,
         "Green", "Off trajectory, but rated Green")]
    assert ws["G15"].font.color.rgb == "FFC00000" and ws["G15"].font.b
    assert not ws["G14"].font.b


def test_dashboard_lists_the_worst_slipping_items_each_once(book: Any):
    ws = book["Dashboard"]
    assert ws["A18"].value == "Worst slipping items (3 of 3; Slipping lists every flag)"
    assert [r[:6] for r in _rows_from(ws, 19, 22)] == [
        ("LSP", "Item", "Theme", "Days late", "Severity", "What is wrong"),
        ("ANY", "A-02 Mentoring scheme", "Children and young people", 91, "high",
         "Action A-02 is forecast for 30/11/2009, 91 days after its due date of 31/08/2009 "
         "(tolerance 14 days). Also flagged: overdue."),
        ("ANY", "M-001 Mentors recruited", "Children and young people", 49, "medium",
         "Milestone M-001 is forecast for 20/10/2009, 49 days after its baseline date of "
         "01/09/2009 (tolerance 14 days). Also flagged: overdue."),
        ("SMR", "M-001 Mentors recruited", "Children and young people", 29, "medium",
         "Milestone M-001 was due 01/09/2009 and is not achieved: 29 days overdue. Also "
         "flagged: rag-inconsistent.")]
    # Five flags on these three items (and three on outcomes): the Slipping sheet keeps each.
    assert len(table(book["Slipping"])) == 9
    assert "F20:M20" in {str(m) for m in ws.merged_cells.ranges}


def _beside(ws: Any, title: str) -> list[tuple[Any, Any]]:
    """The two-column list under a title written beside the dashboard's table."""
    for row in ws.iter_rows():
        for c in row:
            if c.value == title:
                out = []
                r = c.row + 2
                while ws.cell(r, c.column).value is not None:
                    out.append((ws.cell(r, c.column).value, ws.cell(r, c.column + 1).value))
                    r += 1
                return out
    raise AssertionError(f"no {title!r} on the Dashboard")


def test_dashboard_counts_pestelo_factors_and_slipping_themes(book: Any):
    ws = book["Dashboard"]
    assert _beside(ws, "External factors (PESTELO)") == [
        ("Political", 1), ("Economic", 1), ("Social", 0), ("Technological", 0),
        ("Environmental", 0), ("Legal", 0), ("Organisational", 0)]
    assert _beside(ws, "Slipping items by theme") == [("Children and young people", 6)]


def test_dashboard_has_its_three_charts(rollup_path: Path):
    with zipfile.ZipFile(rollup_path) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        titles = [re.findall(r"<a:t>([^<]*)</a:t>", z.read(c).decode()) for c in charts]
    assert len(charts) == 3
    assert drawing.count("<c:chart ") == 3
    assert [t[0] for t in titles] == ["Outcomes by delivery confidence (RAG)",
                                      "Slipping items by theme",
                                      "Which external factors hold delivery back"]


def test_dashboard_header_row_is_tall_enough_for_its_wrapped_headers(book: Any):
    ws = book["Dashboard"]
    assert ws.row_dimensions[4].height == 45
    assert ws["L4"].alignment.wrap_text


# --------------------------------------------------------------------------------------
# Completeness and About


def test_completeness_table_and_summary(book: Any, files: dict[str, Path]):
    ws = book["Completeness"]
    assert table(ws) == [
        ("ANY", "Anycity Partnership", "Valid", "any.xlsx", d(2009, 10, 10), "Yes", 0, 1,
         "Priya Shah", "priya.shah@anycity.example"),
        ("NBR", "Northbridge Together", "Valid, late", "nbr.xlsx", d(2009, 10, 20), "No", 0, 0,
         "Tom Hughes", "tom.hughes@northbridge.example"),
        ("EWD", "Eastwold Strategic Partnership", "Not valid", "ewd.xlsx", d(2009, 10, 10),
         "Yes", 2, 0, None, None),
        ("SMR", "Southmoor Partnership Board", "Valid, late", "smr.xlsx", d(2009, 10, 16), "No",
         0, 0, None, None),
        ("WHV", "Westhaven LSP", "Missing", None, None, None, None, None, None, None),
    ]
    # Below the table, so that the sheet prints one page wide at a readable size.
    summary = [(ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(11, 20)]
    assert summary == [("Round summary", None), ("Expected", 5), ("Received", 4), ("On time", 2),
                       ("Late", 2), ("Valid", 3), ("Not valid", 1), ("Missing", 1),
                       ("Missing LSPs", "Westhaven LSP (WHV)")]
    assert ws["A2"].value == "Returns were due by 15 October 2009."
    assert (ws["B21"].value, ws["B22"].value, ws["C22"].value) == (
        "Files that match no partnership of this round", "notes.txt",
        "The file is plain text or CSV, not a workbook: the sheets, dropdowns and checks are "
        "lost. Fill in the workbook you were sent and return it as .xlsx.")


def test_about_lists_every_source_file_with_its_checksum(book: Any, files: dict[str, Path],
                                                         checksums: dict[str, str]):
    ws = book["About"]
    assert table(ws) == [
        (str(files["ANY"]), "ANY", checksums["ANY"], d(2009, 10, 10), "Yes", "Yes", 0, 1, "Yes"),
        (str(files["NBR"]), "NBR", checksums["NBR"], d(2009, 10, 20), "No", "Yes", 0, 0, "Yes"),
        (str(files["EWD"]), "EWD", checksums["EWD"], d(2009, 10, 10), "Yes", "No", 2, 0, "No"),
        (str(files["SMR"]), "SMR", checksums["SMR"], d(2009, 10, 16), "No", "Yes", 0, 0, "Yes"),
        (str(files["notes"]), None, checksums["notes"], None, None, "No", 1, 0, "No"),
    ]


def test_about_states_the_rounds_settings(book: Any, region_file: Path):
    ws = book["About"]
    settings = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(4, 20)}
    assert settings == {
        "Region": "Testshire", "Government Office": "Government Office for Testshire",
        "Period": "2009/10 Q2", "Quarter ends": d(2009, 9, 30),
        "Return deadline": d(2009, 10, 15), "Slippage as at": d(2009, 9, 30),
        "Forecast slip tolerance (days)": 14, "Behind plan below (share of time elapsed)": 0.7,
        "Low severity up to (days late)": 30, "Medium severity up to (days late)": 90,
        "Over budget above (share of cost)": 0.1,
        "Persistent slip: also flagged in each of the last (quarters)": 2,
        "Returns with errors": "left out", "Previous round": "none given",
        "Region file": str(region_file), "laa-xl version": ws["B19"].value}


def test_the_hidden_identity_sheet(book: Any):
    ws = book["_laa_xl"]
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert {k: meta[k] for k in ("product", "region", "period", "as_of")} == {
        "product": "laa-xl rollup", "region": "Testshire", "period": "2009/10 Q2",
        "as_of": "2009-09-30"}


# --------------------------------------------------------------------------------------
# Slipping


def test_slipping_rows_worst_first(book: Any):
    ws = book["Slipping"]
    got = [(r["Severity"], r["LSP"], r["Sheet"], r["Item"], r["Rule"], r["Days"])
           for r in records(ws)]
    assert {r["Theme"] for r in records(ws)} == {"Children and young people"}
    assert got == [
        ("high", "ANY", "Actions", "A-02", "forecast-slip", 91),
        ("medium", "ANY", "Milestones", "M-001", "forecast-slip", 49),
        ("medium", "ANY", "Milestones", "M-001", "overdue", 29),
        ("medium", "SMR", "Milestones", "M-001", "overdue", 29),
        ("medium", "SMR", "Milestones", "M-001", "rag-inconsistent", 29),
        ("medium", "ANY", "Outcomes", "O-02", "off-trajectory", None),
        ("medium", "NBR", "Outcomes", "O-01", "off-trajectory", None),
        ("medium", "SMR", "Outcomes", "O-01", "off-trajectory", None),
        ("low", "ANY", "Actions", "A-02", "overdue", 30),
    ]


def test_slipping_rows_point_at_their_cell(book: Any, files: dict[str, Path]):
    rows = records(book["Slipping"])
    first = rows[0]
    assert (first["Belongs to"], first["Description"], first["Source file"],
            first["Source sheet"], first["Source row"], first["Cell"]) == (
        "O-02", "Mentoring scheme", str(files["ANY"]), "Actions", 6, "J6")
    assert first["What is wrong"] == ("Action A-02 is forecast for 30/11/2009, 91 days after its "
                                      "due date of 31/08/2009 (tolerance 14 days).")
    assert [(r["Source file"], r["Source row"], r["Cell"]) for r in rows[1:3]] == [
        (str(files["ANY"]), 5, "E5"), (str(files["ANY"]), 5, "D5")]


# --------------------------------------------------------------------------------------
# Data sheets: every row of every accepted return, with its provenance


def _expected_rows(files: dict[str, Path], region: Region, key: str,
                   lsps: tuple[str, ...] = ("ANY", "NBR", "SMR")) -> list[dict[str, Any]]:
    spec = sheet(key)
    out = []
    for lsp in lsps:
        report = check_file(files[lsp], region)
        sheets = report.data.sheets
        theme = {o.get("outcome_id"): o.get("theme") for o in sheets["outcomes"]}
        theme.update({a.get("action_id"): theme.get(a.get("outcome_id"))
                      for a in sheets["actions"]})
        for row in report.data.sheets[key]:
            values = {f.header: _cell(row.get(f.name)) for f in spec.fields}
            link = {"actions": "outcome_id", "milestones": "action_id", "risks": "linked_to",
                    "recovery": "item_id"}.get(key)
            lead = {"Theme": theme.get(row.get(link))} if link else {}
            out.append({"LSP": lsp, **lead, **values, "Source file": str(files[lsp]),
                        "Source sheet": spec.name, "Source row": row.row,
                        "Return valid": "Yes" if report.valid else "No"})
    return out


def _cell(v: Any) -> Any:
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    return v


@pytest.mark.parametrize("key", ["outcomes", "actions", "milestones", "recovery"])
def test_data_sheets_hold_every_row_of_every_valid_return(book: Any, files: dict[str, Path],
                                                          region: Region, key: str):
    ws = book[sheet(key).name]
    lead = ["LSP"] if key == "outcomes" else ["LSP", "Theme"]
    assert headers(ws) == [*lead, *sheet(key).headers, "Source file", "Source sheet",
                           "Source row", "Return valid"]
    assert records(ws) == _expected_rows(files, region, key)


def test_data_sheet_rows_by_lsp_and_source_row(book: Any):
    got = [(r["LSP"], r["Action ID"], r["Source row"], r["RAG"]) for r in records(book["Actions"])]
    assert got == [("ANY", "A-01", 5, "Green"), ("ANY", "A-02", 6, "Amber"),
                   ("NBR", "A-01", 5, "Red"), ("SMR", "A-01", 5, "Green")]
    assert [(r["LSP"], r["Milestone ID"], r["Source row"]) for r in records(book["Milestones"])] \
        == [("ANY", "M-001", 5), ("ANY", "M-002", 6), ("ANY", "M-003", 7), ("NBR", "M-001", 5),
            ("SMR", "M-001", 5)]


def test_risks_highest_score_first(book: Any, files: dict[str, Path], region: Region):
    rows = records(book["Risks"])
    assert [(r["LSP"], r["Risk ID"], r["Likelihood (1-5)"], r["Impact (1-5)"], r["Score"],
             r["Source row"]) for r in rows] == [
        ("ANY", "R-02", 5, 5, 25, 6), ("NBR", "R-01", 4, 4, 16, 5), ("ANY", "R-01", 2, 4, 8, 5),
        ("SMR", "R-01", 2, 4, 8, 5)]
    assert sorted(rows, key=lambda r: (r["LSP"], r["Risk ID"])) == sorted(
        _expected_rows(files, region, "risks"), key=lambda r: (r["LSP"], r["Risk ID"]))


def test_recovery_rows(book: Any, files: dict[str, Path]):
    assert [(r["LSP"], r["Outcome or action ID"], r["Main external factor"], r["Source row"])
            for r in records(book["Recovery"])] == [("ANY", "A-02", "Economic", 5),
                                                    ("NBR", "A-01", "Political", 5)]


def test_assurance_matrix(book: Any, region: Region):
    ws = book["Assurance"]
    assert headers(ws) == ["LSP", "Partnership", *[q.id for q in region.questions], "Weak",
                           "Adequate", "Strong"]
    adequate = ["Adequate"] * 10
    any_row, nbr_row, smr_row = list(adequate), list(adequate), list(adequate)
    any_row[2] = "Weak"
    nbr_row[0], nbr_row[4] = "Strong", "Weak"
    assert table(ws) == [
        ("ANY", "Anycity Partnership", *any_row, 1, 9, 0),
        ("NBR", "Northbridge Together", *nbr_row, 1, 8, 1),
        ("SMR", "Southmoor Partnership Board", *smr_row, 0, 10, 0),
    ]
    fills = [ws.cell(5, c).fill.fgColor.rgb for c in (3, 5)]
    assert fills == ["FFFFE699", "FFFF5B5B"]  # Adequate yellow, Weak red
    questions = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(10, 20)]
    assert questions == [(q.id, q.area) for q in region.questions]


def test_issues_sheet_lists_every_issue_of_every_file(book: Any, files: dict[str, Path]):
    got = [(r["LSP"], r["File"], r["Severity"], r["Code"], r["Sheet"], r["Cell"], r["Column"],
            r["Value"]) for r in records(book["Issues"])]
    assert got == [
        ("ANY", str(files["ANY"]), "warning", "recovery-suggested", "Outcomes", "V6",
         "Delivery confidence (RAG)", "Amber"),
        ("EWD", str(files["EWD"]), "error", "recovery-missing", "Outcomes", "V5",
         "Delivery confidence (RAG)", "Red"),
        ("EWD", str(files["EWD"]), "error", "not-in-list", "Actions", "N5", "RAG", "Gren"),
        (None, str(files["notes"]), "error", "csv-file", None, None, None, None),
    ]
    assert [r["Theme"] for r in records(book["Issues"])] == [
        "Children and young people"] * 3 + [None]
    messages = [r["Message"] for r in records(book["Issues"])]
    assert messages[2] == '"Gren" is not one of Red, Amber or Green. Choose one from the dropdown.'


def test_timeline_lists_milestones_by_baseline(book: Any):
    ws = book["Timeline"]
    assert ws["A1"].value == ("Timeline — every milestone by month, baseline against forecast "
                              "(achieved ones in grey, cancelled ones left out)")
    rows = [tuple(ws.cell(r, c).value for c in range(1, 9)) for r in range(5, 10)]
    cyp = "Children and young people"
    assert rows == [
        ("ANY", cyp, "M-003", "A-02", "Mentors recruited", "Achieved", d(2009, 6, 1),
         d(2009, 6, 1)),
        ("ANY", cyp, "M-001", "A-01", "Mentors recruited", "At risk", d(2009, 9, 1),
         d(2009, 10, 20)),
        ("ANY", cyp, "M-002", "A-01", "Mentors recruited", "On track", d(2009, 12, 1),
         d(2009, 12, 1)),
        ("NBR", cyp, "M-001", "A-01", "Mentors recruited", "Achieved", d(2009, 9, 1),
         d(2009, 9, 1)),
        ("SMR", cyp, "M-001", "A-01", "Mentors recruited", "On track", d(2009, 9, 1),
         d(2009, 9, 1)),
    ]


# --------------------------------------------------------------------------------------
# Text typed by partners is never a formula


def _sheet_xml(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(sheet_part(path, name)).decode()


def _cell_xml(xml: str, ref: str) -> str:
    m = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert m, f"no cell {ref}"
    return m.group(0)


def test_formula_looking_text_is_written_as_text(rollup_path: Path, book: Any):
    for (name, field_name), text in FORMULA_LOOKING.items():
        ws = book[name]
        col = headers(ws).index(sheet(name.lower()).field(field_name).header) + 1
        hits = [c for c in next(ws.iter_cols(col, col)) if c.value == text]
        assert len(hits) == 1, (name, text)
        ref = hits[0].coordinate
        assert hits[0].data_type == "s"
        cell = _cell_xml(_sheet_xml(rollup_path, name), ref)
        assert "<f>" not in cell and "<f " not in cell
        assert 't="inlineStr"' in cell or 't="s"' in cell
    with zipfile.ZipFile(rollup_path) as z:
        for part in z.namelist():
            if part.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(part), part  # the roll-up holds no formulas at all


# --------------------------------------------------------------------------------------
# Nothing overwritten, same answer every time


def test_partners_files_are_unchanged(rollup_path: Path, files: dict[str, Path],
                                      checksums: dict[str, str]):
    assert {k: sha256(p) for k, p in files.items()} == checksums


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_two_runs_give_the_same_rollup(rollup_path: Path, region_file: Path,
                                       files: dict[str, Path], received_log: Path, work: Path):
    again = work / "again.xlsx"
    result = run("consolidate", files["ANY"].parent, "--region", region_file,
                 "--received", received_log, "-o", again)
    assert result.exit_code == 1
    assert _members(again) == _members(rollup_path)


def test_a_round_too_big_to_hold_as_objects_gives_the_same_rollup(
        rollup_path: Path, region_file: Path, region: Region, files: dict[str, Path],
        received_log: Path, work: Path, monkeypatch: pytest.MonkeyPatch):
    import laa_xl.round
    from laa_xl.model import PackedRows

    monkeypatch.setattr(laa_xl.round, "PACK_ROWS_ABOVE", 0)
    result = collect(expand_inputs([files["ANY"].parent]), region)
    assert all(isinstance(s.report.data.sheets, PackedRows) for s in result.statuses
               if s.report is not None and s.report.data is not None)
    packed = work / "packed.xlsx"
    outcome = run("consolidate", files["ANY"].parent, "--region", region_file,
                  "--received", received_log, "-o", packed)
    assert outcome.exit_code == 1
    assert _members(packed) == _members(rollup_path)


def test_the_rollup_reads_back_as_the_previous_round(rollup_path: Path, files: dict[str, Path],
                                                     region: Region):
    previous = read_rollup(rollup_path)
    assert previous.meta["period"] == "2009/10 Q2"
    assert sorted(previous.returns) == ["ANY", "NBR", "SMR"]
    for lsp in ("ANY", "NBR", "SMR"):
        report = check_file(files[lsp], region)
        for key in ("outcomes", "actions", "milestones", "risks", "recovery"):
            back = previous.returns[lsp].sheets[key]
            assert sorted((r.row, sorted(r.values.items())) for r in back) == sorted(
                (r.row, sorted(r.values.items())) for r in report.data.sheets[key]), (lsp, key)


# --------------------------------------------------------------------------------------
# The received date: the file's time, or the received log


def test_without_the_log_the_files_time_counts(region: Region, files: dict[str, Path]):
    result = collect(expand_inputs([files["ANY"].parent]), region)
    got = {s.lsp.code: (s.received, s.on_time(region.due)) for s in result.statuses}
    assert got == {"ANY": (date(2009, 10, 10), True), "NBR": (date(2009, 10, 10), True),
                   "EWD": (date(2009, 10, 10), True), "SMR": (date(2009, 10, 16), False),
                   "WHV": (None, None)}


@pytest.mark.parametrize("log", [
    "file,received\nnbr.xlsx,20/10/2009\n",
    "File name,Date received\r\nreturns/nbr.xlsx,2009-10-20\r\n",
    "\ufeffnbr.xlsx,20/10/2009\n",
    "nbr.xlsx,20/10/2009 09:15\n",
    "file,received\nsmr.xlsx,\nnbr.xlsx,20/10/2009\n",
], ids=["header", "own-header-path-iso", "bom-no-header", "with-time", "no-date-yet"])
def test_the_received_log_overrides_the_files_time(tmp_path: Path, region: Region,
                                                   files: dict[str, Path], log: str):
    path = tmp_path / "received.csv"
    path.write_text(log, encoding="utf-8")
    result = collect([files["NBR"], files["SMR"]], region, received_log=path)
    got = {s.lsp.code: s.received for s in result.statuses if s.returned}
    assert got == {"NBR": date(2009, 10, 20), "SMR": date(2009, 10, 16)}


def test_a_received_log_saved_by_excel_in_windows_encoding(tmp_path: Path, region: Region,
                                                          files: dict[str, Path]):
    path = tmp_path / "received.csv"
    path.write_bytes("Fichier reçu,Date\nnbr.xlsx,20/10/2009\n".encode("cp1252"))
    result = collect([files["NBR"]], region, received_log=path)
    assert result.statuses[1].received == date(2009, 10, 20)


def test_a_first_line_naming_a_file_is_data_not_a_header(tmp_path: Path, region: Region,
                                                         files: dict[str, Path]):
    from laa_xl.errors import InputError

    log = tmp_path / "received.csv"
    log.write_text("nbr.xlsx,next week\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: 'next week' is not a date"):
        collect([files["NBR"]], region, received_log=log)


def test_a_bad_date_in_the_received_log_is_a_usage_error(tmp_path: Path, region_file: Path,
                                                         files: dict[str, Path]):
    log = tmp_path / "received.csv"
    log.write_text("file,received\nnbr.xlsx,20/10/2009\nsmr.xlsx,next Tuesday\n",
                   encoding="utf-8")
    result = run("consolidate", files["NBR"], files["SMR"], "--region", region_file,
                 "--received", log, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: {log}, line 3: 'next Tuesday' is not a date (write it as 31/03/2010).\n")
    assert not (tmp_path / "r.xlsx").exists()


# --------------------------------------------------------------------------------------
# Returns with errors: left out, or included and marked


@pytest.fixture(scope="module")
def with_invalid(work: Path, region_file: Path, files: dict[str, Path],
                 received_log: Path) -> tuple[Any, Path]:
    out = work / "rollup-invalid.xlsx"
    result = run("consolidate", files["ANY"].parent, "--region", region_file,
                 "--received", received_log, "--include-invalid", "-o", out)
    return result, out


def test_include_invalid_summary(with_invalid: tuple[Any, Path]):
    result, out = with_invalid
    assert result.exit_code == 1
    assert result.stdout == (
        "Testshire, 2009/10 Q2: 4 of 5 returns received (2 late), 3 valid.\n"
        "Missing: WHV.\n"
        "Not valid: EWD (included, marked).\n"
        "1 file(s) match no partnership of this round: see the Completeness sheet.\n"
        "Slipping or off track: 12 flags as at 30/09/2009 (1 high, 10 medium, 1 low).\n"
        f"Wrote {out}\n")


def test_include_invalid_rows_are_marked(with_invalid: tuple[Any, Path], files: dict[str, Path]):
    wb = openpyxl.load_workbook(with_invalid[1])
    try:
        actions = [(r["LSP"], r["Action ID"], r["RAG"], r["Return valid"])
                   for r in records(wb["Actions"])]
        assert actions == [("ANY", "A-01", "Green", "Yes"), ("ANY", "A-02", "Amber", "Yes"),
                           ("NBR", "A-01", "Red", "Yes"), ("EWD", "A-01", None, "No"),
                           ("SMR", "A-01", "Green", "Yes")]
        dash = {r[0]: r for r in table(wb["Dashboard"])}
        assert dash["EWD"] == ("EWD", "Eastwold Strategic Partnership",
                               "Not valid: 2 errors (included)", d(2009, 10, 10),
                               1, 0, 0, 1, 1, 1, 0, 1, None)
        about = {ws_row[0]: ws_row for ws_row in table(wb["About"])}
        assert about[str(files["EWD"])][-1] == "Yes"
        assert wb["About"]["B16"].value == "included, marked"
        assert [r[0] for r in table(wb["Assurance"])] == ["ANY", "NBR", "EWD", "SMR"]
    finally:
        wb.close()


def test_include_invalid_with_an_unnamed_weak_assurance_row(tmp_path: Path, region: Region,
                                                           region_file: Path):
    """A row added below the questions, rated Weak with no Ref: an error, and no crash."""
    path = build_return(tmp_path / "any.xlsx", {"assurance": [
        {"question_id": "PA-02", "rating": "Weak", "improvement": "Agree budgets"},
        {"question_id": None, "rating": "Weak"}]}, region=region, lsp="ANY")
    out = tmp_path / "r.xlsx"
    result = run("consolidate", path, "--region", region_file, "--include-invalid", "-o", out)
    assert result.exit_code == 1, result.output
    wb = openpyxl.load_workbook(out)
    assert table(wb["Dashboard"])[0][-1] == "Resources"
    wb.close()


def test_a_renamed_sheet_is_named_as_the_partner_named_it(tmp_path: Path, region: Region,
                                                          region_file: Path):
    """Included with --include-invalid, a renamed sheet's rows and flags point at it."""
    path = build_return(tmp_path / "any.xlsx", {}, region=region, lsp="ANY",
                        mutations=[rename_sheet("Milestones", "Milestone")])
    out = tmp_path / "r.xlsx"
    result = run("consolidate", path, "--region", region_file, "--include-invalid", "-o", out)
    assert result.exit_code == 1, result.output
    wb = openpyxl.load_workbook(out)
    assert [(r["Milestone ID"], r["Source sheet"], r["Source row"])
            for r in records(wb["Milestones"])] == [("M-001", "Milestone", 5)]
    assert [(r["Sheet"], r["Item"], r["Rule"], r["Source sheet"], r["Cell"])
            for r in records(wb["Slipping"]) if r["Sheet"] == "Milestones"] == [
        ("Milestones", "M-001", "overdue", "Milestone", "D5"),
        ("Milestones", "M-001", "rag-inconsistent", "Milestone", "G5")]
    wb.close()


def test_a_rollup_too_long_for_a_sheet_is_refused_not_cut(monkeypatch: pytest.MonkeyPatch,
                                                          files: dict[str, Path],
                                                          region: Region, tmp_path: Path):
    """XlsxWriter drops rows past the last one a sheet holds; the roll-up refuses instead."""
    import laa_xl.rollup.writer as rollup_module
    from laa_xl.errors import WriteError

    rollup = consolidate(collect([files["ANY"], files["SMR"]], region))
    # Slipping is the longest sheet: 4 rows above its 8 flags, then 21 rows of legend (a line per rule)
    monkeypatch.setattr(rollup_module, "EXCEL_MAX_ROWS", 33)
    write_rollup(rollup, tmp_path / "fits.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "fits.xlsx")
    assert (wb["Slipping"].max_row, wb["Slipping"]["A33"].value) == (33, "low")
    wb.close()
    monkeypatch.setattr(rollup_module, "EXCEL_MAX_ROWS", 32)
    with pytest.raises(WriteError) as err:
        write_rollup(rollup, tmp_path / "r.xlsx")
    assert str(err.value) == ("The roll-up's Slipping sheet would need 33 rows, more than the 32 "
                              "a worksheet can hold. Consolidate the region's returns in smaller "
                              "groups.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fits.xlsx"]


# --------------------------------------------------------------------------------------
# Two returns for one LSP


@pytest.fixture
def twice(tmp_path: Path, files: dict[str, Path]) -> Path:
    folder = tmp_path / "twice"
    folder.mkdir()
    for name in ("smr.xlsx", "smr-v2.xlsx"):
        shutil.copy2(files["SMR"], folder / name)
    return folder


def test_two_returns_for_one_lsp_is_a_usage_error(twice: Path, region_file: Path, tmp_path: Path):
    out = tmp_path / "r.xlsx"
    result = run("consolidate", twice, "--region", region_file, "-o", out)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Two returns for Southmoor Partnership Board (SMR), 2009/10 Q2: "
        f"{twice / 'smr-v2.xlsx'} and {twice / 'smr.xlsx'}. Remove one, or choose one with "
        "--use FILE.\n")
    assert not out.exists()


def test_use_picks_one_of_two(twice: Path, region_file: Path, tmp_path: Path):
    out = tmp_path / "r.xlsx"
    result = run("consolidate", twice, "--region", region_file, "--use", twice / "smr.xlsx",
                 "-o", out)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    sources = [(r[0], r[1], r[-1]) for r in table(wb["About"])]
    assert sources == [(str(twice / "smr.xlsx"), "SMR", "Yes"),
                       (str(twice / "smr-v2.xlsx"), "SMR", "No")]
    assert {r["Source file"] for r in records(wb["Actions"])} == {str(twice / "smr.xlsx")}
    wb.close()


def test_use_picks_one_of_three(twice: Path, region_file: Path, tmp_path: Path):
    shutil.copy2(twice / "smr.xlsx", twice / "smr-v3.xlsx")
    out = tmp_path / "r.xlsx"
    result = run("consolidate", twice, "--region", region_file, "--use", twice / "smr.xlsx",
                 "-o", out)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert [(r[0], r[-1]) for r in table(wb["About"])] == [
        (str(twice / "smr.xlsx"), "Yes"), (str(twice / "smr-v2.xlsx"), "No"),
        (str(twice / "smr-v3.xlsx"), "No")]
    wb.close()


def test_three_returns_for_one_lsp_are_all_named(twice: Path, region_file: Path, tmp_path: Path):
    shutil.copy2(twice / "smr.xlsx", twice / "smr-v3.xlsx")
    result = run("consolidate", twice, "--region", region_file, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Three returns for Southmoor Partnership Board (SMR), 2009/10 Q2: "
        f"{twice / 'smr-v2.xlsx'}, {twice / 'smr-v3.xlsx'} and {twice / 'smr.xlsx'}. Remove all "
        "but one, or choose one with --use FILE.\n")


def test_use_naming_both_returns_is_a_usage_error(twice: Path, region_file: Path,
                                                  tmp_path: Path):
    result = run("consolidate", twice, "--region", region_file, "--use", twice / "smr.xlsx",
                 "--use", twice / "smr-v2.xlsx", "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: --use names 2 returns for Southmoor Partnership Board (SMR), 2009/10 Q2: "
        f"{twice / 'smr-v2.xlsx'} and {twice / 'smr.xlsx'}. Name only one of them.\n")


def test_use_naming_a_file_not_consolidated_is_a_usage_error(twice: Path, files: dict[str, Path],
                                                             region_file: Path, tmp_path: Path):
    result = run("consolidate", twice, "--region", region_file, "--use", files["SMR"],
                 "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: --use {files['SMR']} is not one of the files being consolidated.\n")


# --------------------------------------------------------------------------------------
# Exit codes and refusals


def test_all_valid_exits_0(files: dict[str, Path], region_file: Path, tmp_path: Path):
    out = tmp_path / "r.xlsx"
    result = run("consolidate", files["ANY"], files["SMR"], "--region", region_file, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Testshire, 2009/10 Q2: 2 of 5 returns received (1 late), 2 valid.\n"
        "Missing: NBR, EWD, WHV.\n"
        "Slipping or off track: 8 flags as at 30/09/2009 (1 high, 6 medium, 1 low).\n"
        f"Wrote {out}\n")


def test_an_output_that_is_an_input_is_refused(files: dict[str, Path], region_file: Path,
                                               checksums: dict[str, str]):
    result = run("consolidate", files["ANY"].parent, "--region", region_file,
                 "-o", files["SMR"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Refusing to write the roll-up to {files['SMR']}: it is one of the input "
        "files. Choose another name for -o.\n")
    assert sha256(files["SMR"]) == checksums["SMR"]


def test_write_rollup_refuses_an_input_however_its_path_is_spelled(
        files: dict[str, Path], region: Region, checksums: dict[str, str]):
    from laa_xl.errors import InputError

    rollup = consolidate(collect([files["ANY"]], region))
    folder = files["ANY"].parent
    spelled = folder / ".." / folder.name / files["ANY"].name  # the same file, another path
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(InputError) as caught:
        write_rollup(rollup, spelled, inputs=[files["ANY"]])
    assert str(caught.value) == (f"Refusing to write the roll-up to {spelled}: it is one of "
                                 "the input files. Choose another name for -o.")
    assert sha256(files["ANY"]) == checksums["ANY"]
    assert sorted(p.name for p in folder.iterdir()) == before  # no temporary file left


@pytest.mark.parametrize("args,message", [
    (["--region", "{region}"], "Error: Missing option '-o' / '--output'."),
    (["--region", "{missing}", "-o", "{out}"], "problem"),
    (["-o", "{out}"], "Error: Missing option '--region'."),
    (["--region", "{region}", "--as-of", "soon", "-o", "{out}"],
     "Error: --as-of 'soon' is not a date: write it as 31/03/2010 or 2010-03-31."),
], ids=["no-output", "no-region-file", "no-region", "bad-as-of"])
def test_usage_errors_exit_2(files: dict[str, Path], region_file: Path, tmp_path: Path,
                             args: list[str], message: str):
    fill = {"region": str(region_file), "missing": str(tmp_path / "nope.toml"),
            "out": str(tmp_path / "r.xlsx")}
    result = run("consolidate", files["ANY"], *[a.format(**fill) for a in args])
    assert result.exit_code == 2
    if message != "problem":
        assert result.stderr.rstrip().endswith(message)
    else:
        assert result.stderr.rstrip().endswith(f"Error: Region file {tmp_path / 'nope.toml'} "
                                               "does not exist.")
    assert not (tmp_path / "r.xlsx").exists()


def test_json_of_the_flags_matches_the_slipping_sheet(book: Any, files: dict[str, Path],
                                                      region_file: Path, received_log: Path):
    result = run("slipping", files["ANY"], files["NBR"], files["SMR"], "--region", region_file,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    flags = json.loads(result.stdout)["flags"]
    assert [(f["severity"], f["lsp"], f["item_id"], f["rule"], f["days"]) for f in flags] == [
        (r["Severity"], r["LSP"], r["Item"], r["Rule"], r["Days"])
        for r in records(book["Slipping"])]


def test_a_received_log_naming_files_not_among_the_returns_says_so(
        tmp_path: Path, region_file: Path, files: dict[str, Path]):
    log = tmp_path / "received.csv"
    log.write_text("file,received\nnbr.xlsx,20/10/2009\nnbr-v2.xlsx,21/10/2009\n"
                   "ghost.xlsx,22/10/2009\n", encoding="utf-8")
    result = run("consolidate", files["NBR"], files["SMR"], "--region", region_file,
                 "--received", log, "-o", tmp_path / "rollup.xlsx")
    assert result.exit_code == 0
    assert result.stderr == (f"Note: {log} gives a date for 2 file(s) not among the returns, "
                             "so those dates were not used: nbr-v2.xlsx, ghost.xlsx.\n")
    quiet = run("consolidate", files["NBR"], "--region", region_file,
                "--received", log.with_name("one.csv"), "-o", tmp_path / "again.xlsx")
    assert quiet.exit_code == 2  # the log must exist
    log.write_text("nbr.xlsx,20/10/2009\n", encoding="utf-8")
    clean = run("consolidate", files["NBR"], "--region", region_file, "--received", log,
                "-o", tmp_path / "again.xlsx")
    assert clean.stderr == ""


# --------------------------------------------------------------------------------------
# The round as GO staff meet it: one answer everywhere


def test_slipping_judges_the_returns_the_rollup_does(book: Any, files: dict[str, Path],
                                                     region_file: Path):
    """EWD's return has errors: the roll-up leaves it out, and so does `slipping`."""
    every = [files[k] for k in ("ANY", "NBR", "SMR", "EWD")]
    result = run("slipping", *every, "--region", region_file, "--format", "csv")
    assert result.exit_code == 1  # a return with errors, as consolidate exits
    assert result.stderr == ("Left out 1 return with errors, as the roll-up leaves them out: "
                             "ewd.xlsx. Use --include-invalid to count their flags.\n")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "EWD" not in {r["lsp"] for r in rows}
    assert [(r["lsp"], r["theme"], r["item_id"], r["rule"]) for r in rows] == [
        (r["LSP"], r["Theme"], r["Item"], r["Rule"]) for r in records(book["Slipping"])]
    assert list(rows[0])[:4] == ["severity", "lsp", "theme", "sheet"]
    counted = run("slipping", *every, "--region", region_file, "--format", "csv",
                  "--include-invalid")
    assert counted.exit_code == 1
    assert counted.stderr == "Included 1 return with errors: ewd.xlsx.\n"
    assert "EWD" in {r["lsp"] for r in csv.DictReader(io.StringIO(counted.stdout))}


def test_a_rollup_named_other_than_xlsx_is_refused(files: dict[str, Path], region_file: Path,
                                                    tmp_path: Path):
    result = run("consolidate", files["NBR"], "--region", region_file, "-o",
                 tmp_path / "out.csv")
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: -o {tmp_path / 'out.csv'}: the roll-up is an Excel "
                                  "workbook, so its name must end in .xlsx.\n")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("log_text,line,shown", [
    ("nbr.xlsx;20/10/2009\n", 1, "'nbr.xlsx;20/10/2009' is not a file name and a date"),
    ("file,received\nnbr.xlsx\n", 2, "'nbr.xlsx' is not a file name and a date"),
    ("file,received\nnbr.xlsx,next week\n", 2, "'next week' is not a date"),
], ids=["semicolons", "no-date-column", "no-date"])
def test_a_received_log_that_is_not_file_and_date_is_refused_by_line(
        tmp_path: Path, region_file: Path, files: dict[str, Path], log_text: str, line: int,
        shown: str):
    log = tmp_path / "received.csv"
    log.write_text(log_text, encoding="utf-8")
    result = run("consolidate", files["NBR"], "--region", region_file, "--received", log,
                 "-o", tmp_path / "rollup.xlsx")
    assert result.exit_code == 2
    assert f"Error: {log}, line {line}: {shown}" in result.stderr
    assert not (tmp_path / "rollup.xlsx").exists()


def test_file_times_long_after_the_deadline_are_warned_of(tmp_path: Path, region_file: Path,
                                                          files: dict[str, Path]):
    copy = tmp_path / "nbr.xlsx"
    copy.write_bytes(files["NBR"].read_bytes())  # copied now: its file time is today
    result = run("consolidate", copy, "--region", region_file, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Note: 1 return(s) have file times after 13/01/2010, long after the deadline of "
        f"15/10/2009 (such as nbr.xlsx, {date.today():%d/%m/%Y}): the files were probably "
        "copied, so their received dates and lateness are not to be trusted. Give the real "
        "dates with --received FILE (a CSV of file,date).\n")
