"""The GO's review workbook: `laa-xl review`, its sheets, locked facts equal to the roll-up's,
dropdowns, protection and print set-up, and the partnership with no return to review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from sheetnames import REVIEW_SHEETS
from test_consolidate import RECEIVED_CSV, REGION_TOML, build_round

from laa_xl.cli import main
from laa_xl.region import load_region


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="laa-xl")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("review")


@pytest.fixture(scope="module")
def rollup(work: Path) -> tuple[Path, Path]:
    """(region file, roll-up) of a small round: ANY and NBR valid, EWD not valid, SMR late,
    WHV missing."""
    region_file = work / "region.toml"
    region_file.write_text(REGION_TOML, encoding="utf-8")
    files = build_round(work / "returns", load_region(region_file))
    log = work / "received.csv"
    log.write_text(RECEIVED_CSV, encoding="utf-8")
    out = work / "rollup.xlsx"
    result = run("consolidate", files["ANY"].parent, "--region", region_file, "--received", log,
                 "-o", out)
    assert result.exit_code == 1, result.output
    return region_file, out


@pytest.fixture(scope="module")
def reviewed(work: Path, rollup: tuple[Path, Path]) -> tuple[Any, Path]:
    region_file, out = rollup
    folder = work / "reviews"
    return run("review", "--region", region_file, "--rollup", out, "--all", "-o", folder), folder


@pytest.fixture(scope="module")
def any_book(reviewed: tuple[Any, Path]) -> Any:
    wb = openpyxl.load_workbook(reviewed[1] / "GO-review-2009-10-Q2-ANY.xlsx")
    yield wb
    wb.close()


@pytest.fixture(scope="module")
def rollup_book(rollup: tuple[Path, Path]) -> Any:
    wb = openpyxl.load_workbook(rollup[1])
    yield wb
    wb.close()


def records(ws: Any, header_row: int = 4) -> list[dict[str, Any]]:
    """The rows below a sheet's header row, by header, up to the first empty first cell."""
    head = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row[0] in (None, ""):
            break
        out.append({h: v for h, v in zip(head, row, strict=False) if h})
    return out


def test_review_all_writes_one_workbook_per_partnership(reviewed: tuple[Any, Path]):
    result, folder = reviewed
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Wrote {folder / 'GO-review-2009-10-Q2-ANY.xlsx'} (2 outcomes)\n"
        f"Wrote {folder / 'GO-review-2009-10-Q2-NBR.xlsx'} (1 outcomes)\n"
        f"Wrote {folder / 'GO-review-2009-10-Q2-EWD.xlsx'} (return not in the roll-up)\n"
        f"Wrote {folder / 'GO-review-2009-10-Q2-SMR.xlsx'} (1 outcomes)\n"
        f"Wrote {folder / 'GO-review-2009-10-Q2-WHV.xlsx'} (no return)\n"
        "5 review workbook(s) for Testshire, 2009/10 Q2.\n")


def test_sheets_and_identity(any_book: Any):
    assert any_book.sheetnames == REVIEW_SHEETS
    assert [any_book[n].sheet_state for n in ("_lists", "_laa_xl")] == ["hidden", "hidden"]
    meta = {r[0]: r[1] for r in any_book["_laa_xl"].iter_rows(min_row=2, values_only=True)}
    assert meta["product"] == "laa-xl review"
    assert meta["schema_version"] == "1.0"
    assert (meta["lsp_code"], meta["period"], meta["region"], meta["rollup"]) == (
        "ANY", "2009/10 Q2", "Testshire", "rollup.xlsx")
    assert meta["about"].split() == ["General", "O-01", "O-02", "A-01", "A-02", "PA-01",
                                     "PA-02", "PA-03", "PA-04", "PA-05", "PA-06", "PA-07",
                                     "PA-08", "PA-09", "PA-10"]


def test_outcome_facts_are_the_rollups(any_book: Any, rollup_book: Any):
    got = records(any_book["Outcomes"])
    theirs = [r for r in records(rollup_book["Outcomes"]) if r["LSP"] == "ANY"]
    flags = [r for r in records(rollup_book["Slipping"]) if r["LSP"] == "ANY"]
    off = {r["Item"] for r in flags if r["Rule"] == "off-trajectory"}
    assert [o["Outcome ID"] for o in got] == [o["Outcome ID"] for o in theirs] == ["O-01", "O-02"]
    for mine, rolled in zip(got, theirs, strict=True):
        assert mine["Indicator"] == rolled["Indicator"]
        assert mine["Outcome / target"] == rolled["Outcome / target"]
        assert mine["Theme"] == rolled["Theme"]
        assert mine["Latest value"] == rolled["Latest value"]
        assert mine["Target this year"] == rolled["Target 2009/10"]
        assert mine["Partnership's RAG"] == rolled["Delivery confidence (RAG)"]
        assert mine["Off trajectory"] == ("Yes" if mine["Outcome ID"] in off else "No")
        assert mine["GO judgement"] is None
    # A-02 (O-02) is slipping (forecast three months late); milestone M-001 of A-01 (O-01) too.
    slipping = {(r["Sheet"], r["Item"], r["Belongs to"]) for r in flags
                if r["Sheet"] != "Outcomes"}
    assert ("Actions", "A-02", "O-02") in slipping and ("Milestones", "M-001", "A-01") in slipping
    by_outcome = {"O-01": {i for s, i, p in slipping if p == "O-01" or p == "A-01"},
                  "O-02": {i for s, i, p in slipping if p == "O-02" or p == "A-02"}}
    assert [o["Slipping items"] for o in got] == [len(by_outcome["O-01"]), len(by_outcome["O-02"])]


def test_assurance_answers_with_their_evidence(any_book: Any, rollup_book: Any):
    got = records(any_book["Assurance"])
    theirs = {r["Ref"]: r for r in records(rollup_book["Assurance answers"]) if r["LSP"] == "ANY"}
    assert [r["Ref"] for r in got] == [f"PA-{i:02d}" for i in range(1, 11)]
    for row in got:
        assert row["Self-assessment"] == theirs[row["Ref"]]["Self-assessment"]
        assert row["Evidence"] == theirs[row["Ref"]]["Evidence"]
        assert row["GO assessment"] is None
    assert got[2]["Self-assessment"] == "Weak"


def test_facts_locked_judgements_open(any_book: Any):
    ws = any_book["Outcomes"]
    assert ws.protection.sheet
    assert [ws.cell(5, c).protection.locked for c in range(1, 14)] == [True] * 9 + [False] * 4
    ass = any_book["Assurance"]
    assert [ass.cell(5, c).protection.locked for c in range(1, 8)] == [True] * 5 + [False] * 2
    assert [any_book["Delivery"].cell(r, 1).value for r in (5, 6, 7)] == [
        "Quality of planning", "Capacity to drive progress", "Evidence of progress"]
    assert any_book["Delivery"]["A5"].protection.locked
    assert not any_book["Delivery"]["B5"].protection.locked
    for name in ("Summary", "Guidance", "Delivery", "Conclusion", "Advice"):
        assert any_book[name].protection.sheet, name


def _validation(ws: Any, cell: str) -> Any:
    hits = [dv for dv in ws.data_validations.dataValidation
            if cell in dv.sqref and dv.type is not None]
    assert len(hits) == 1, (ws.title, cell)
    return hits[0]


def _list_values(book: Any, name: str) -> list[str]:
    ref = book.defined_names[name].attr_text
    sheet, cells = ref.split("!")
    col = cells.split(":")[0].replace("$", "").rstrip("0123456789")
    ws = book[sheet.strip("'")]
    return [c.value for c in ws[col][1:] if c.value is not None]


def test_judgements_are_dropdowns_with_input_messages(any_book: Any):
    dv = _validation(any_book["Outcomes"], "J5")
    assert (dv.type, dv.formula1, dv.promptTitle) == ("list", "list_outcomes_judgement",
                                                       "GO judgement")
    assert dv.prompt.startswith("Your judgement of the outcome")
    assert _list_values(any_book, "list_outcomes_judgement") == [
        "On track to meet or exceed", "Off track, expected to recover", "At risk",
        "No target set yet", "Too early to judge"]
    assert _list_values(any_book, "list_delivery_likelihood") == [
        "Green", "Amber-Green", "Amber-Red", "Red"]
    assert _validation(any_book["Assurance"], "F5").formula1 == "list_assurance_go_rating"
    assert _validation(any_book["Delivery"], "B5").formula1 == "list_delivery_likelihood"
    # Both likelihood fields share the scale: one list.
    assert _validation(any_book["Conclusion"], "B5").formula1 == "list_delivery_likelihood"
    assert _validation(any_book["Conclusion"], "A5").formula1 == "list_conclusion_fit_for_purpose"
    about = _validation(any_book["Advice"], "B5")
    assert (about.formula1, about.errorStyle) == ("list_about", "warning")
    assert _list_values(any_book, "list_about")[:3] == ["General", "O-01", "O-02"]
    assert _validation(any_book["Advice"], "F5").type == "date"
    assert _validation(any_book["Advice"], "H5").formula1 == "list_advice_status"


def test_print_setup(any_book: Any):
    for name in ("Outcomes", "Assurance", "Delivery", "Conclusion", "Advice"):
        ws = any_book[name]
        assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9), name
        assert ws.print_title_rows == "$4:$4", name
    assert any_book["Summary"].page_setup.orientation == "landscape"


def _summary(book: Any) -> dict[str, Any]:
    return {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}


def test_summary_facts(any_book: Any):
    s = _summary(any_book)
    assert s["The return"] == "Anycity Partnership's return for 2009/10 Q2 was received and is valid."
    assert (s["Returned"], s["On time"], s["Valid"]) == ("Yes", "Yes", "Yes")
    assert s["Outcomes by RAG"] == "Red 0, Amber 1, Green 1"
    assert s["Actions by RAG"] == "Red 0, Amber 1, Green 1"
    assert s["Assurance areas rated Weak"] == "Capacity"


def test_missing_and_not_valid_partnerships_still_get_a_workbook(reviewed: tuple[Any, Path]):
    folder = reviewed[1]
    whv = openpyxl.load_workbook(folder / "GO-review-2009-10-Q2-WHV.xlsx")
    s = _summary(whv)
    assert s["The return"] == ("No return was received from Westhaven LSP for 2009/10 Q2: the "
                               "outcomes and assurance sheets below hold nothing from the "
                               "partnership.")
    assert (s["Returned"], s["Valid"]) == ("No", "—")
    assert records(whv["Outcomes"]) == []
    assert [r["Self-assessment"] for r in records(whv["Assurance"])] == [None] * 10
    ewd = openpyxl.load_workbook(folder / "GO-review-2009-10-Q2-EWD.xlsx")
    assert _summary(ewd)["The return"] == (
        "Eastwold Strategic Partnership's return for 2009/10 Q2 was not valid (2 error(s)), so "
        "its data is not in the roll-up: the outcomes and assurance sheets below hold nothing "
        "from it.")
    smr = _summary(openpyxl.load_workbook(folder / "GO-review-2009-10-Q2-SMR.xlsx"))
    assert smr["The return"] == ("Southmoor Partnership Board's return for 2009/10 Q2 was "
                                 "received, late, and is valid.")


def test_one_lsp_and_usage_errors(work: Path, rollup: tuple[Path, Path]):
    region_file, out = rollup
    result = run("review", "--region", region_file, "--rollup", out, "--lsp", "nbr", "-o",
                 work / "one")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (work / "one").iterdir()] == ["GO-review-2009-10-Q2-NBR.xlsx"]
    result = run("review", "--region", region_file, "--rollup", out, "-o", work / "none")
    assert result.exit_code == 2
    assert "Say which reviews to make: --lsp CODE or --all." in result.output
    other = work / "q3.toml"
    other.write_text(REGION_TOML.replace("2009/10 Q2", "2009/10 Q3").replace(
        "2009-10-15", "2010-01-15"), encoding="utf-8")
    result = run("review", "--region", other, "--rollup", out, "--all", "-o", work / "q3")
    assert result.exit_code == 2
    assert (f"{out} is the roll-up for 2009/10 Q2, but the region file is for 2009/10 Q3: "
            "review from this round's roll-up.") in result.output
    result = run("review", "--region", region_file, "--rollup", region_file, "--all", "-o",
                 work / "x")
    assert result.exit_code == 2
    assert not (work / "x").exists() or not list((work / "x").iterdir())
