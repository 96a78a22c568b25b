"""`laa-xl history`: the trends workbook from three quarters of roll-ups (tests/rounds.py),
its values checked cell by cell against the roll-ups they name, the order and refusals, the
DataFrames' columns and types, and LibreOffice opening and re-saving it."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from lo import convert, needs_libreoffice
from returns import build_return
from rounds import REGION, build_rounds, region_file, run

from laa_xl.errors import InputError
from laa_xl.history import COLUMNS, read_history
from laa_xl.region import load_region

# openpyxl reads the workbook's values but not its sparklines, and says so
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")

TRENDS_SHEETS = ["About", "Outcomes", "Charts", "Slippage", "Timeliness", "Outcome values",
                 "Partnerships", "Persistent slippage", "Re-baselining", "Ratings", "_laa_xl"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("history")


@pytest.fixture(scope="module")
def rollups(work: Path) -> dict[str, Path]:
    return build_rounds(work)


@pytest.fixture(scope="module")
def made(work: Path, rollups: dict[str, Path]) -> tuple[Any, Path]:
    out = work / "trends.xlsx"
    # newest first, and Q1 twice (as a file and in a folder): the periods set the order
    folder = work / "older"
    folder.mkdir()
    shutil.copy(rollups["Q1"], folder / rollups["Q1"].name)
    result = run("history", rollups["Q3"], rollups["Q2"], folder, "-o", out)
    return result, out


@pytest.fixture(scope="module")
def trends(made: tuple[Any, Path]) -> Any:
    result, out = made
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    yield wb
    wb.close()


def table(ws: Any) -> list[dict[str, Any]]:
    """The rows of the sheet's table (headers on row 4), as header -> value."""
    heads = [c.value for c in ws[4]]
    out = []
    for row in ws.iter_rows(min_row=5, max_col=len(heads)):
        values = [c.value for c in row]
        if values[0] is None:
            break
        out.append(dict(zip(heads, values, strict=True)))
    return out


_opened: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_sources() -> Any:
    yield
    for wb in _opened.values():
        wb.close()
    _opened.clear()


def source_value(file: str, cell: str) -> Any:
    """The value in the roll-up at `file`, cell `Sheet!A1` (each roll-up opened once)."""
    if file not in _opened:
        _opened[file] = openpyxl.load_workbook(file, read_only=True)
    sheet, ref = cell.split("!")
    return _opened[file][sheet][ref].value


def test_the_command_says_what_it_found(made: tuple[Any, Path]):
    result, out = made
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Testshire: 3 roll-up(s), 2009/10 Q1, 2009/10 Q2, 2009/10 Q3.\n"
        "  6 outcome values, 2 persistent slips, 1 re-baselined dates; late in two quarters "
        "or more: NBR.\n"
        f"Wrote {out}\n")


def test_the_rollups_are_read_in_period_order(trends: Any, work: Path):
    assert trends.sheetnames == TRENDS_SHEETS
    assert [(r["Period"], Path(r["Roll-up"]).name, r["As at"])
            for r in table(trends["About"])] == [
        ("2009/10 Q1", "rollup-2009-10-Q1.xlsx", "2009-06-30"),
        ("2009/10 Q2", "rollup-2009-10-Q2.xlsx", "2009-09-30"),
        ("2009/10 Q3", "rollup-2009-10-Q3.xlsx", "2009-12-31")]


def test_outcome_values_against_the_rollups_cell_by_cell(trends: Any):
    rows = table(trends["Outcome values"])
    assert [(r["Period"], r["LSP"], r["Outcome ID"], r["Latest value"], r["Target this year"],
             r["Trajectory"], r["Off trajectory"], Path(r["Source file"]).name,
             r["Source cell"]) for r in rows] == [
        ("2009/10 Q1", "ANY", "O-01", 7.9, 7.5, 7.875, "Yes", "rollup-2009-10-Q1.xlsx",
         "Outcomes!O5"),
        ("2009/10 Q1", "NBR", "O-01", 7.6, 7.5, 7.875, "No", "rollup-2009-10-Q1.xlsx",
         "Outcomes!O6"),
        ("2009/10 Q2", "ANY", "O-01", 7.7, 7.5, 7.75, "No", "rollup-2009-10-Q2.xlsx",
         "Outcomes!O5"),
        ("2009/10 Q3", "ANY", "O-01", 7.4, 7.5, 7.625, "No", "rollup-2009-10-Q3.xlsx",
         "Outcomes!O5"),
        ("2009/10 Q3", "NBR", "O-01", 7.2, 7.5, 7.625, "No", "rollup-2009-10-Q3.xlsx",
         "Outcomes!O6"),
        ("2009/10 Q3", "EWD", "O-01", 8.1, 7.5, 7.625, "Yes", "rollup-2009-10-Q3.xlsx",
         "Outcomes!O7"),
    ]
    for r in rows:  # each value is the one in the cell it names
        assert source_value(r["Source file"], r["Source cell"]) == r["Latest value"]


def test_outcomes_quarter_by_quarter_with_sparklines(trends: Any, made: tuple[Any, Path]):
    rows = table(trends["Outcomes"])
    assert [(r["LSP"], r["Outcome ID"], r["Latest 2009/10 Q1"], r["Latest 2009/10 Q2"],
             r["Latest 2009/10 Q3"], r["Trajectory 2009/10 Q3"], r["Off trajectory now"],
             r["Source cell"]) for r in rows] == [
        ("ANY", "O-01", 7.9, 7.7, 7.4, 7.625, "No", "Outcomes!O5"),
        ("EWD", "O-01", None, None, 8.1, 7.625, "Yes", "Outcomes!O7"),
        ("NBR", "O-01", 7.6, None, 7.2, 7.625, "No", "Outcomes!O6"),
    ]
    # how far from the baseline (8.5) to the 2009/10 target (7.5), lower being better
    assert [(r["Progress 2009/10 Q1 (%)"], r["Progress 2009/10 Q2 (%)"],
             r["Progress 2009/10 Q3 (%)"]) for r in rows] == [
        (60, 80, 110), (None, None, 40), (90, None, 130)]
    with zipfile.ZipFile(made[1]) as z:
        outcomes = z.read("xl/worksheets/sheet2.xml").decode()
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        theme_chart = z.read(charts[0]).decode()
    assert outcomes.count("<x14:sparkline>") == 3
    assert "<xm:f>'Outcomes'!G5:I5</xm:f>" in outcomes
    assert len(charts) == 2  # one theme, and the slippage chart
    assert "<c:lineChart>" in theme_chart and "Children and young people" in theme_chart
    assert "Outcomes!$M$6:$O$6" in theme_chart  # EWD's progress, Q1 to Q3


def test_partnerships_and_timeliness_against_the_completeness_sheets(trends: Any):
    rows = table(trends["Partnerships"])
    assert [(r["Period"], r["LSP"], r["Status"], r["Received"], r["On time"], r["Valid"],
             r["Slipping items"], r["Overdue items"], r["Off-track outcomes"], r["Source cell"])
            for r in rows] == [
        ("2009/10 Q1", "ANY", "Valid", datetime(2009, 7, 10), "Yes", "Yes", 2, 0, 1,
         "Completeness!C5"),
        ("2009/10 Q1", "NBR", "Valid, late", datetime(2009, 7, 20), "No", "Yes", 0, 0, 0,
         "Completeness!C6"),
        ("2009/10 Q1", "EWD", "Missing", None, None, None, None, None, None, "Completeness!C7"),
        ("2009/10 Q2", "ANY", "Valid, late", datetime(2009, 10, 20), "No", "Yes", 2, 1, 0,
         "Completeness!C5"),
        ("2009/10 Q2", "NBR", "Missing", None, None, None, None, None, None, "Completeness!C6"),
        ("2009/10 Q2", "EWD", "Not valid", datetime(2009, 10, 14), "Yes", "No", None, None,
         None, "Completeness!C7"),
        ("2009/10 Q3", "ANY", "Valid", datetime(2010, 1, 12), "Yes", "Yes", 2, 1, 0,
         "Completeness!C5"),
        ("2009/10 Q3", "NBR", "Valid, late", datetime(2010, 1, 20), "No", "Yes", 1, 0, 0,
         "Completeness!C6"),
        ("2009/10 Q3", "EWD", "Valid", datetime(2010, 1, 14), "Yes", "Yes", 3, 1, 1,
         "Completeness!C7"),
    ]
    for r in rows:
        assert source_value(r["Source file"], r["Source cell"]) == r["Status"]
    assert [(r["LSP"], r["2009/10 Q1"], r["2009/10 Q2"], r["2009/10 Q3"], r["Late"],
             r["Not valid"], r["Missing"]) for r in table(trends["Timeliness"])] == [
        ("ANY", "Valid", "Valid, late", "Valid", 1, 0, 0),
        ("NBR", "Valid, late", "Missing", "Valid, late", 2, 0, 1),  # late every time it sent
        ("EWD", "Missing", "Not valid", "Valid", 0, 1, 1),
    ]
    assert [(r["LSP"], r["Slipping 2009/10 Q1"], r["Slipping 2009/10 Q2"],
             r["Slipping 2009/10 Q3"]) for r in table(trends["Slippage"])] == [
        ("ANY", 2, 2, 2), ("NBR", 0, None, 1), ("EWD", None, None, 3)]


def test_persistent_slippage(trends: Any):
    rows = table(trends["Persistent slippage"])
    assert [(r["LSP"], r["Sheet"], r["Item"], r["Flagged since"], r["Last flagged"],
             r["Quarters in a row"], r["Still flagged"], r["Date when first flagged"],
             r["Date now"], r["Moved in all (days)"], r["Source cell"]) for r in rows] == [
        ("ANY", "Milestones", "M-001", "2009/10 Q1", "2009/10 Q3", 3, "Yes",
         datetime(2009, 10, 15), datetime(2010, 1, 31), 108, "Slipping!E5"),
        ("ANY", "Actions", "A-01", "2009/10 Q2", "2009/10 Q3", 2, "Yes",
         datetime(2010, 3, 31), datetime(2010, 3, 31), 0, "Slipping!E11"),
    ]
    for r in rows:
        assert source_value(r["Source file"], r["Source cell"]) == r["Item"]
    assert rows[0]["Rules (last quarter)"] == ("forecast-slip, persistent-slip, overdue, "
                                               "slipped-since-last-round")


def test_rebaselining_history(trends: Any):
    rows = table(trends["Re-baselining"])
    assert [(r["Period"], r["LSP"], r["Sheet"], r["Item"], r["Baseline"], r["Was"], r["Now"],
             r["Moved (days)"], Path(r["Previous roll-up"]).name, r["Source cell"])
            for r in rows] == [
        ("2009/10 Q2", "ANY", "Milestones", "M-001", "Baseline date", datetime(2009, 9, 1),
         datetime(2009, 9, 15), 14, "rollup-2009-10-Q1.xlsx", "Milestones!F5")]
    assert source_value(rows[0]["Source file"], rows[0]["Source cell"]) == rows[0]["Now"]


def test_ratings_over_time(trends: Any):
    rows = table(trends["Ratings"])
    assert [(r["Period"], r["LSP"], r["Item"], r["Rating"]) for r in rows
            if r["Sheet"] == "Actions"] == [
        ("2009/10 Q1", "ANY", "A-01", "Green"), ("2009/10 Q1", "NBR", "A-01", "Green"),
        ("2009/10 Q2", "ANY", "A-01", "Green"), ("2009/10 Q3", "ANY", "A-01", "Amber"),
        ("2009/10 Q3", "NBR", "A-01", "Green"), ("2009/10 Q3", "EWD", "A-01", "Green")]
    assert len([r for r in rows if r["Sheet"] == "Assurance"]) == 10 * 6
    for r in rows:
        assert source_value(r["Source file"], r["Source cell"]) == r["Rating"]


def test_every_sheet_prints_a4_landscape_with_its_header_repeated(trends: Any):
    for name in TRENDS_SHEETS[:-1]:
        ws = trends[name]
        assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9), name
        if name != "Charts":
            assert ws.print_title_rows == "$4:$4", name
            assert "Page &P of &N" in ws.oddFooter.right.text, name


def test_the_dataframes(rollups: dict[str, Path]):
    history = read_history(list(rollups.values()))
    frames = history.frames()
    assert list(frames) == ["outcomes", "partnerships", "persistent", "rebaselines", "ratings"]
    for name, df in frames.items():
        assert list(df.columns) == [c for c, _, _ in COLUMNS[name]]
    out = frames["outcomes"]
    assert out["period"].dtype == pd.CategoricalDtype(
        ["2009/10 Q1", "2009/10 Q2", "2009/10 Q3"], ordered=True)
    assert {c: str(out[c].dtype) for c in ("lsp", "latest_value", "trajectory",
                                           "off_trajectory")} == {
        "lsp": "string", "latest_value": "Float64", "trajectory": "Float64",
        "off_trajectory": "boolean"}
    assert out.sort_values("period")["latest_value"][out["lsp"] == "ANY"].tolist() == [
        7.9, 7.7, 7.4]
    parts = frames["partnerships"]
    assert str(parts["received"].dtype).startswith("datetime64")
    assert str(parts["slipping_items"].dtype) == "Int64"
    assert parts.loc[parts["on_time"] == False, "lsp"].value_counts().to_dict() == {  # noqa: E712
        "NBR": 2, "ANY": 1}
    assert frames["persistent"].loc[0, "moved_days"] == 108
    assert frames["rebaselines"].loc[0, "now"] == pd.Timestamp(date(2009, 9, 15))


def test_two_rollups_of_one_period_are_refused_naming_both(work: Path,
                                                           rollups: dict[str, Path]):
    twin = work / "twin-q2.xlsx"
    shutil.copy(rollups["Q2"], twin)
    result = run("history", rollups["Q2"], twin, "-o", work / "never.xlsx")
    assert result.exit_code == 2
    assert (f"{rollups['Q2']} and {twin} are both roll-ups for 2009/10 Q2: give one roll-up "
            "per quarter.") in result.stderr
    assert not (work / "never.xlsx").exists()


def test_rollups_of_two_regions_are_refused_naming_both(work: Path, rollups: dict[str, Path]):
    other = work / "other"
    other.mkdir()
    rfile = other / "region.toml"
    rfile.write_text(REGION.format(period="2009/10 Q2", deadline="2009-10-15")
                     .replace("Testshire", "Otherland"), encoding="utf-8")
    build_return(other / "any.xlsx", {}, region=load_region(rfile), lsp="ANY")
    theirs = work / "otherland-q2.xlsx"
    assert run("consolidate", other / "any.xlsx", "--region", rfile, "-o", theirs
               ).exit_code == 0
    result = run("history", rollups["Q1"], theirs, "-o", work / "never.xlsx")
    assert result.exit_code == 2
    assert (f"{rollups['Q1']} is Testshire's roll-up but {theirs} is Otherland's: give the "
            "roll-ups of one region.") in result.stderr


def test_a_return_is_not_a_rollup(work: Path, rollups: dict[str, Path]):
    ret = work / "returns-q1" / "any.xlsx"
    result = run("history", rollups["Q1"], ret, "-o", work / "never.xlsx")
    assert result.exit_code == 2
    assert f"{ret} is a partnership's return, not a roll-up" in result.stderr


def test_the_output_must_be_xlsx_and_no_folder_may_be_empty(work: Path,
                                                            rollups: dict[str, Path]):
    result = run("history", rollups["Q1"], "-o", work / "trends.csv")
    assert result.exit_code == 2
    assert "the trends workbook is an Excel workbook" in result.stderr
    empty = work / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="No roll-up workbooks"):
        read_history([empty])


def test_a_trends_workbook_in_the_rollups_folder_is_left_out(work: Path,
                                                             rollups: dict[str, Path]):
    folder = work / "all"
    folder.mkdir()
    for p in rollups.values():
        shutil.copy(p, folder / p.name)
    out = folder / "trends.xlsx"
    assert run("history", folder, "-o", out).exit_code == 0
    shutil.copy(out, folder / "trends-last-quarter.xlsx")
    again = run("history", folder, "-o", out)
    assert again.exit_code == 0, again.output
    assert "Testshire: 3 roll-up(s)" in again.stdout
    # next quarter's templates from the same folder
    q4 = run("template", "--region", region_file(work, "Q4"), "--all", "--previous", folder,
             "-o", work / "templates-q4")
    assert q4.exit_code == 0, q4.output
    assert "prefilled from 2009/10 Q3, rollup-2009-10-Q3.xlsx" in q4.stdout
    # given by name, it is refused, saying what it is
    named = run("history", rollups["Q1"], out, "-o", work / "never.xlsx")
    assert named.exit_code == 2
    assert f"{out} is a trends workbook (from `laa-xl history`), not a roll-up" in named.stderr


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_opens_and_resaves_the_trends_workbook(made: tuple[Any, Path],
                                                            tmp_path: Path):
    resaved = convert(made[1], "xlsx", tmp_path)
    wb = openpyxl.load_workbook(resaved)
    try:
        assert wb.sheetnames == TRENDS_SHEETS
        assert [r["Latest value"] for r in table(wb["Outcome values"])] == [
            7.9, 7.6, 7.7, 7.4, 7.2, 8.1]
        assert [r["Item"] for r in table(wb["Persistent slippage"])] == ["M-001", "A-01"]
    finally:
        wb.close()
