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
        f"Wrote {folder / 'GO-review-2009-10-Q2-NBR.xlsx'} (1 outcome)\n"
        f"Wrote {folder / 'GO-review-2009-10-Q2-EWD.xlsx'} (return not in the roll-up)\n"
        f"Wrote {folder / 'GO-review-2009-10-Q2-SMR.xlsx'} (1 outcome)\n"
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
    # Outcomes is too wide for one page at a readable size: it runs across pages, its ID
    # column on each; the others fit one page wide.
    assert any_book["Outcomes"].print_title_cols == "$A:$A"
    assert not any_book["Outcomes"].sheet_properties.pageSetUpPr.fitToPage
    for name in ("Assurance", "Delivery", "Conclusion", "Advice"):
        assert any_book[name].sheet_properties.pageSetUpPr.fitToPage, name


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


# --------------------------------------------------------------------------------------
# Checking a filled review: `laa-xl validate` knows it by its identity


def _filled(src: Path, out: Path, *edits: tuple[str, str, Any]) -> Path:
    """The review at `src`, filled in as a GO officer would (`edits`: sheet, cell, value)."""
    from datetime import date

    from returns import mutate, type_into

    base = [("Outcomes", "J5", "On track to meet or exceed"), ("Outcomes", "K5", "Yes"),
            ("Assurance", "F5", "Strong"), ("Delivery", "B5", "Amber-Green"),
            ("Delivery", "C5", "A sound plan"), ("Conclusion", "A5", "Yes, with improvements"),
            ("Conclusion", "B5", "Amber-Green"), ("Conclusion", "C5", "Mostly sound."),
            ("Conclusion", "E5", date(2009, 11, 2)),
            ("Advice", "A5", "ADV-01"), ("Advice", "B5", "O-02"),
            ("Advice", "C5", "Re-tender the contract"), ("Advice", "E5", "Partnership"),
            ("Advice", "F5", date(2009, 12, 31)), ("Advice", "H5", "Open")]
    cells = {(s, c): v for s, c, v in [*base, *edits]}
    return mutate(src, *[type_into(s, c, v) for (s, c), v in cells.items() if v is not None],
                  out=out)


def _flat(report: Any) -> list[tuple[str, str, str]]:
    return [(i.sheet, i.cell, i.code) for i in report.sorted_issues()]


@pytest.fixture(scope="module")
def any_review(reviewed: tuple[Any, Path]) -> Path:
    return reviewed[1] / "GO-review-2009-10-Q2-ANY.xlsx"


def test_a_filled_review_is_valid(work: Path, any_review: Path, rollup: tuple[Path, Path]):
    from laa_xl.rules import check_file

    path = _filled(any_review, work / "filled.xlsx")
    report = check_file(path, load_region(rollup[0]))
    assert _flat(report) == []
    assert report.valid
    advice = report.data.sheets["review-advice"]
    assert [(r.values["advice_id"], r.values["due_date"].isoformat()) for r in advice] == [
        ("ADV-01", "2009-12-31")]
    result = run("validate", path, "--region", rollup[0])
    assert result.exit_code == 0, result.output
    assert "filled.xlsx — Anycity Partnership (ANY), GO review: valid, 0 errors, 0 warnings" \
        in result.output


def test_each_check_at_its_cell(work: Path, any_review: Path, rollup: tuple[Path, Path]):
    from laa_xl.rules import check_file

    path = _filled(any_review, work / "checks.xlsx",
                   ("Outcomes", "J6", "On trak"),                 # a typo in a judgement
                   ("Assurance", "F7", "Strong"),                 # PA-03 is Weak: two grades
                   ("Conclusion", "B5", "Red"), ("Conclusion", "C5", None),
                   ("Advice", "A6", "ADV-02"), ("Advice", "B6", "O-99"),
                   ("Advice", "C6", "Check the data"), ("Advice", "H6", "Open"),
                   ("Advice", "F6", date_(2010, 1, 31)),
                   ("Advice", "A7", "ADV-03"), ("Advice", "B7", "general"),
                   ("Advice", "C7", "Agree a date"), ("Advice", "H7", "Open"))
    report = check_file(path, load_region(rollup[0]))
    assert _flat(report) == [
        ("Outcomes", "J6", "not-in-list"),
        ("Conclusion", "C5", "required-when"),
        ("Advice", "B6", "unknown-about"),
        ("Advice", "F7", "advice-no-due-date"),
        ("Assurance", "F7", "go-comment-missing"),
    ]
    text = {i.cell + i.sheet: str(i) for i in report.issues}
    assert text["J6Outcomes"] == (
        'Outcomes!J6 (GO judgement): "On trak" is not one of On track to meet or exceed, Off '
        "track, expected to recover, At risk, No target set yet or Too early to judge. Choose "
        "one from the dropdown.")
    assert text["C5Conclusion"] == (
        "Conclusion!C5 (Conclusion): Conclusion is empty but is needed when Overall likelihood "
        "of delivery is Red. Enter text, up to 2,000 characters.")
    assert text["B6Advice"] == (
        'Advice!B6 (About): "O-99" is not an Outcome ID, Action ID or assurance Ref of Anycity '
        "Partnership's return, nor General. Choose one from the dropdown.")
    assert text["F7Advice"] == (
        "Advice!F7 (Due date): Advice ADV-03 has no due date. Every piece of advice needs one, "
        "so that it can be followed up: enter it as dd/mm/yyyy.")
    assert text["F7Assurance"] == (
        'Assurance!F7 (GO assessment): The GO assessment "Strong" is two grades from the '
        'self-assessment "Weak" of PA-03. Say why in GO comment.')
    assert report.errors == 4 and report.warnings == 1


def date_(y: int, m: int, d: int) -> Any:
    from datetime import date

    return date(y, m, d)


def test_a_review_read_as_a_return_gets(work: Path, any_review: Path):
    """Renamed sheet, moved column: the same reader and messages as a return's."""
    from returns import move_column, mutate, rename_sheet

    from laa_xl.rules import check_file

    filled = _filled(any_review, work / "moved.xlsx")
    mutate(filled, rename_sheet("Advice", "Advise"), move_column("Assurance", "GO comment",
                                                                  before="Ref"))
    report = check_file(filled)
    assert _flat(report) == [("Advice", "", "missing-sheet")]
    (issue,) = report.issues
    assert str(issue) == ('The Advice sheet is missing. The workbook has a sheet "Advise": did '
                          'you mean "Advice"? It was read in its place: rename it "Advice".')
    assert [r.values.get("go_rating") for r in report.data.sheets["review-assurance"]][:1] == [
        "Strong"]


def test_a_review_is_never_taken_for_a_return(work: Path, any_review: Path,
                                              rollup: tuple[Path, Path]):
    import shutil

    from laa_xl.round import collect

    folder = work / "mixed"
    shutil.copytree(rollup[1].parent / "returns", folder)
    shutil.copy(any_review, folder / "GO-review-2009-10-Q2-ANY.xlsx")
    result = collect(sorted(folder.glob("*.xlsx")), load_region(rollup[0]))
    assert [s.report.file for s in result.statuses if s.lsp.code == "ANY"] == [
        str(folder / "any.xlsx")]
    (review,) = [r for r in result.unmatched if r.file.endswith("GO-review-2009-10-Q2-ANY.xlsx")]
    assert [i.code for i in review.issues] == ["review-not-return"]
    assert str(review.issues[0]) == (
        "This is the GO's review workbook of Anycity Partnership, 2009/10 Q2, not a "
        "partnership's return, so it was left out of the returns. Keep reviews in their own "
        "folder and give it with --reviews.")
    # The roll-up's Completeness lists it among the files that match no partnership, saying so.
    from laa_xl.rollup import consolidate, write_rollup

    out = write_rollup(consolidate(result), work / "mixed-rollup.xlsx")
    ws = openpyxl.load_workbook(out)["Completeness"]
    listed = {r[1]: r[2] for r in ws.iter_rows(values_only=True) if r[1] and r[2]}
    assert listed["GO-review-2009-10-Q2-ANY.xlsx"] == str(review.issues[0].message)


def test_open_advice_past_its_due_date_is_flagged(work: Path, any_review: Path):
    from datetime import date

    from laa_xl.region import Period
    from laa_xl.rules import check_file
    from laa_xl.slippage import flags

    path = _filled(any_review, work / "overdue.xlsx",
                   ("Advice", "A6", "ADV-02"), ("Advice", "B6", "PA-03"),
                   ("Advice", "C6", "Recruit"), ("Advice", "F6", date(2009, 11, 30)),
                   ("Advice", "H6", "Done"),
                   ("Advice", "A7", "ADV-03"), ("Advice", "B7", "General"),
                   ("Advice", "C7", "Stop"), ("Advice", "F7", date(2009, 11, 30)),
                   ("Advice", "H7", "Dropped"))
    review = check_file(path).data
    assert flags(review, None, date(2009, 12, 31), period=Period(2009, 3)) == []
    (flag,) = flags(review, None, date(2010, 2, 15), period=Period(2009, 4))
    assert (flag.lsp, flag.sheet, flag.item_id, flag.rule, flag.severity, flag.days,
            flag.cell) == ("ANY", "review-advice", "ADV-01", "advice-overdue", "medium", 46, "F5")
    assert flag.message == ("Advice ADV-01 (about O-02) was due 31/12/2009 and is still Open: "
                            "46 days overdue.")


# --------------------------------------------------------------------------------------
# consolidate --reviews: the GO's assessment beside the partnerships' own


def _set_identity(path: Path, key: str, value: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["_laa_xl"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value
    wb.save(path)


@pytest.fixture(scope="module")
def with_reviews(work: Path, reviewed: tuple[Any, Path], rollup: tuple[Path, Path]
                 ) -> tuple[Any, Path, Path]:
    from datetime import date

    region_file, _ = rollup
    src = reviewed[1]
    folder = work / "filled"
    folder.mkdir()
    _filled(src / "GO-review-2009-10-Q2-ANY.xlsx", folder / "any-review.xlsx",
            ("Assurance", "F5", "Adequate"),                      # PA-01: as the partnership
            ("Assurance", "F7", "Adequate"), ("Assurance", "G7", "Better than it says"),
            ("Advice", "F5", date(2009, 9, 15)))                  # open, 15 days overdue
    _filled(src / "GO-review-2009-10-Q2-NBR.xlsx", folder / "nbr-review.xlsx",
            ("Outcomes", "J5", "Fine"), ("Advice", "B5", "A-01"))   # a typo: not valid
    q1 = _filled(src / "GO-review-2009-10-Q2-SMR.xlsx", folder / "smr-q1-review.xlsx",
                 ("Advice", "B5", "General"))
    _set_identity(q1, "period", "2009/10 Q1")
    out = work / "rollup-reviews.xlsx"
    result = run("consolidate", rollup[1].parent / "returns", "--region", region_file,
                 "--received", work / "received.csv", "--reviews", folder, "-o", out)
    return result, out, folder


def test_consolidate_with_reviews_says_what_it_used(with_reviews: tuple[Any, Path, Path]):
    result, out, folder = with_reviews
    assert result.exit_code == 1  # EWD's return and NBR's review are not valid
    assert result.stdout.splitlines()[-2:] == [
        "GO reviews: 1 used (ANY), 2 left out; 1 piece(s) of advice overdue.", f"Wrote {out}"]
    assert result.stderr.splitlines() == [
        "Note: nbr-review.xlsx is not valid (1 error(s)): left out; run laa-xl validate on it.",
        "Note: smr-q1-review.xlsx is the review of SMR for 2009/10 Q1, not of a partnership of "
        "Testshire for 2009/10 Q2: left out.",
    ]


@pytest.fixture(scope="module")
def reviewed_book(with_reviews: tuple[Any, Path, Path]) -> Any:
    wb = openpyxl.load_workbook(with_reviews[1])
    yield wb
    wb.close()


def test_go_assessment_sheet(reviewed_book: Any):
    ws = reviewed_book["GO assessment"]
    rows = records(ws)
    assert [r["LSP"] for r in rows] == ["ANY", "NBR", "EWD", "SMR", "WHV"]
    assert rows[0] == {
        "LSP": "ANY", "Partnership": "Anycity Partnership", "Reviewed": "Yes",
        "Fit for purpose?": "Yes, with improvements", "Overall likelihood of delivery": "Amber-Green",
        "Quality of planning": "Amber-Green", "Capacity to drive progress": None,
        "Evidence of progress": None, "Outcomes: On track to meet or exceed": 1,
        "Outcomes: Off track, expected to recover": 0, "Outcomes: At risk": 0,
        "Outcomes: No target set yet": 0, "Outcomes: Too early to judge": 0,
        "Assurance disagreements": 1, "Disagreeing on": "PA-03", "Open advice": 1,
        "Overdue advice": 1, "Review file": "any-review.xlsx"}
    assert [r["Reviewed"] for r in rows[1:]] == ["No"] * 4
    left = [(r[0], r[3]) for r in ws.iter_rows(min_row=11, values_only=True) if r[0]]
    assert left[0] == ("Reviews left out", None)
    assert left[1][0] == "nbr-review.xlsx"
    assert left[1][1].startswith("not valid: 1 error(s), listed on Issues; first: Outcomes!J5")
    assert left[2] == ("smr-q1-review.xlsx", "is the review of SMR for 2009/10 Q1, not of a "
                       "partnership of Testshire for 2009/10 Q2")


def test_advice_sheet_marks_overdue(reviewed_book: Any, with_reviews: tuple[Any, Path, Path]):
    ws = reviewed_book["Advice"]
    (row,) = records(ws)
    assert (row["LSP"], row["Advice ID"], row["About"], row["Owner"], row["Status"],
            row["Due date"].date().isoformat(), row["Overdue (days)"]) == (
        "ANY", "ADV-01", "O-02", "Partnership", "Open", "2009-09-15", 15)
    assert (row["Source file"], row["Source sheet"], row["Source row"]) == (
        str(with_reviews[2] / "any-review.xlsx"), "Advice", 5)
    assert ws["K5"].fill.fgColor.rgb.endswith("FF5B5B")


def test_assurance_matrix_has_the_go_rating_beside(reviewed_book: Any):
    ws = reviewed_book["Assurance"]
    head = [c.value for c in ws[4]]
    assert head[:8] == ["LSP", "Partnership", "PA-01", "PA-01 GO", "PA-02", "PA-02 GO", "PA-03",
                        "PA-03 GO"]
    assert head[-4:] == ["Weak", "Adequate", "Strong", "Disagreements"]
    any_row = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "ANY")
    by = dict(zip(head, any_row, strict=False))
    assert (by["PA-03"].value, by["PA-03 GO"].value) == ("Weak", "Adequate")
    assert by["PA-03 GO"].font.b and by["PA-03 GO"].border.left.style == "medium"
    assert (by["PA-01"].value, by["PA-01 GO"].value) == ("Adequate", "Adequate")
    assert not by["PA-01 GO"].font.b
    assert by["PA-02 GO"].value is None
    assert by["Disagreements"].value == 1
    # Twice as wide as without reviews: it runs across pages, its first columns repeated,
    # rather than shrunk to one page wide.
    assert ws.print_title_cols == "$A:$B"


def test_dashboard_has_the_gos_conclusions(reviewed_book: Any):
    ws = reviewed_book["Dashboard"]
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value ==
                 "The GO's assessment (see GO assessment and Advice)")
    assert [ws.cell(start + 1, c).value for c in (1, 2, 3, 8, 9)] == [
        "LSP", "Partnership", "GO conclusion", "Open advice", "Overdue advice"]
    rows = [(ws.cell(r, 1).value, ws.cell(r, 3).value, ws.cell(r, 8).value, ws.cell(r, 9).value)
            for r in range(start + 2, start + 7)]
    assert ws.cell(start + 2, 9).fill.fgColor.rgb == "FFFF5B5B"  # overdue advice in red
    assert rows == [
        ("ANY", "Fit for purpose: Yes, with improvements; likelihood Amber-Green", 1, 1),
        ("NBR", "not reviewed", None, None), ("EWD", "not reviewed", None, None),
        ("SMR", "not reviewed", None, None), ("WHV", "not reviewed", None, None)]


def test_invalid_review_listed_on_issues_and_overdue_on_slipping(reviewed_book: Any):
    ws = reviewed_book["Issues"]
    head = [c.value for c in ws[4]]
    issues = [dict(zip(head, r, strict=False)) for r in ws.iter_rows(min_row=5, values_only=True)
              if isinstance(r[2], str) and r[2].endswith("review.xlsx")]
    assert [(r["LSP"], r["Code"], r["Sheet"], r["Cell"]) for r in issues] == [
        ("NBR", "not-in-list", "Outcomes", "J5"), ("SMR", "wrong-period", None, None)]
    flags = [r for r in records(reviewed_book["Slipping"]) if r["Rule"] == "advice-overdue"]
    assert [(r["LSP"], r["Sheet"], r["Item"], r["Days"], r["Cell"]) for r in flags] == [
        ("ANY", "Advice", "ADV-01", 15, "F5")]


def test_slipping_with_reviews(with_reviews: tuple[Any, Path, Path], rollup: tuple[Path, Path]):
    result = run("slipping", rollup[1].parent / "returns", "--region", rollup[0],
                 "--reviews", with_reviews[2], "--format", "csv")
    lines = [ln for ln in result.stdout.splitlines() if "advice-overdue" in ln]
    assert len(lines) == 1 and ",ANY," in lines[0] and "ADV-01" in lines[0]
    assert "Advice ADV-01 (about O-02) was due 15/09/2009 and is still Open: 15 days overdue." \
        in lines[0]


# --------------------------------------------------------------------------------------
# Two rounds: Q1's advice comes forward into the Q2 review and, left open, is flagged


def test_q1_advice_comes_forward_and_left_open_is_flagged(work: Path,
                                                         rollup: tuple[Path, Path]):
    from datetime import date

    from returns import type_into

    q2_region, q2_rollup = rollup
    q1_region = work / "region-q1.toml"
    q1_region.write_text(REGION_TOML.replace("2009/10 Q2", "2009/10 Q1").replace(
        "2009-10-15", "2009-07-15"), encoding="utf-8")
    files = build_round(work / "returns-q1", load_region(q1_region))
    q1_rollup = work / "rollup-q1.xlsx"
    assert run("consolidate", files["ANY"].parent, "--region", q1_region, "-o",
               q1_rollup).exit_code == 1
    assert run("review", "--region", q1_region, "--rollup", q1_rollup, "--lsp", "ANY",
               "--lsp", "NBR", "-o", work / "q1-blank").exit_code == 0
    q1 = work / "q1-reviews"
    q1.mkdir()
    _filled(work / "q1-blank" / "GO-review-2009-10-Q1-ANY.xlsx", q1 / "any-q1.xlsx",
            ("Advice", "F5", date(2009, 8, 31)),                  # ADV-01, left open
            ("Advice", "A6", "ADV-02"), ("Advice", "B6", "PA-03"),
            ("Advice", "C6", "Recruit two officers"), ("Advice", "F6", date(2009, 8, 31)),
            ("Advice", "H6", "Done"))
    _filled(work / "q1-blank" / "GO-review-2009-10-Q1-NBR.xlsx", q1 / "nbr-q1.xlsx",
            ("Advice", "B5", "A-01"), ("Advice", "H5", "Dropped"))

    result = run("review", "--region", q2_region, "--rollup", q2_rollup, "--lsp", "ANY",
                 "--lsp", "NBR", "--previous-reviews", q1, "-o", work / "q2-blank")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"Wrote {work / 'q2-blank' / 'GO-review-2009-10-Q2-ANY.xlsx'} (2 outcomes, 1 open "
        "advice carried in)")
    assert result.stdout.splitlines()[1].endswith("GO-review-2009-10-Q2-NBR.xlsx (1 outcome)")
    q2_any = work / "q2-blank" / "GO-review-2009-10-Q2-ANY.xlsx"
    wb = openpyxl.load_workbook(q2_any)
    advice = wb["Advice"]
    (carried,) = records(advice)
    assert (carried["Advice ID"], carried["About"], carried["Advice"], carried["Status"],
            carried["Due date"].date()) == ("ADV-01", "O-02", "Re-tender the contract", "Open",
                                            date(2009, 8, 31))
    # Its ID and text are locked; its status and follow-up open to update.
    assert [advice.cell(5, c).protection.locked for c in range(1, 10)] == [
        True, False, True, False, False, False, False, False, False]
    assert not advice["A6"].protection.locked  # a new row's ID is the GO's to type
    assert _summary(wb)["Advice carried in"] == (
        "1 piece(s) of advice still open in any-q1.xlsx: see Advice.")

    # The Q1 roll-up made with the Q1 reviews carries the same advice forward.
    q1_reviewed = work / "rollup-q1-reviewed.xlsx"
    run("consolidate", files["ANY"].parent, "--region", q1_region, "--reviews", q1, "-o",
        q1_reviewed)
    result = run("review", "--region", q2_region, "--rollup", q2_rollup, "--lsp", "ANY",
                 "--previous-reviews", q1_reviewed, "-o", work / "q2-from-rollup")
    assert result.exit_code == 0, result.output
    again = openpyxl.load_workbook(work / "q2-from-rollup" / "GO-review-2009-10-Q2-ANY.xlsx")
    assert records(again["Advice"]) == [carried]
    assert again["Advice"]["A5"].protection.locked
    assert _summary(again)["Advice carried in"] == (
        "1 piece(s) of advice still open in rollup-q1-reviewed.xlsx (2009/10 Q1): see Advice.")

    # The GO leaves it Open: as at the end of Q2, it is 30 days overdue.
    q2 = work / "q2-reviews"
    q2.mkdir()
    from returns import mutate

    mutate(q2_any, type_into("Advice", "I5", "Chased on 15/09"),
           out=q2 / "any-q2.xlsx")
    out = work / "rollup-q2-reviewed.xlsx"
    result = run("consolidate", q2_rollup.parent / "returns", "--region", q2_region,
                 "--reviews", q2, "-o", out)
    assert "GO reviews: 1 used (ANY), 0 left out; 1 piece(s) of advice overdue." in result.stdout
    book = openpyxl.load_workbook(out)
    (row,) = records(book["Advice"])
    assert (row["Advice ID"], row["Status"], row["Follow-up"], row["Overdue (days)"]) == (
        "ADV-01", "Open", "Chased on 15/09", 30)
    flags = [r for r in records(book["Slipping"]) if r["Rule"] == "advice-overdue"]
    assert [(r["LSP"], r["Item"], r["Days"], r["Severity"]) for r in flags] == [
        ("ANY", "ADV-01", 30, "low")]


def test_a_hostile_review_gets_a_returns_answer(work: Path, any_review: Path):
    """Entity expansion in a review's sheet: refused, as in a return, and named."""
    from returns import rewrite_parts, sheet_part

    from laa_xl.rules import check_file

    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    part = sheet_part(any_review, "Advice")
    path = rewrite_parts(any_review, {part: lambda data: bomb + data.split(b"?>", 1)[1]},
                         out=work / "hostile.xlsx")
    report = check_file(path)
    assert [(i.sheet, i.code) for i in report.issues] == [("Advice", "hostile-xml")]
    assert not report.readable


def test_a_review_with_errors_gets_a_feedback_workbook(work: Path, any_review: Path,
                                                       rollup: tuple[Path, Path]):
    (work / "fb").mkdir()
    path = _filled(any_review, work / "fb" / "typo.xlsx", ("Outcomes", "J6", "On trak"))
    result = run("validate", path, "--region", rollup[0], "--feedback", work / "fb-out")
    assert result.exit_code == 1
    assert "typo.xlsx — Anycity Partnership (ANY), GO review: NOT VALID, 1 error, 0 warnings" \
        in result.output
    wb = openpyxl.load_workbook(work / "fb-out" / "typo-feedback.xlsx")
    assert wb.sheetnames[0] == "Issues" and wb.sheetnames[1:] == REVIEW_SHEETS
    assert wb["Outcomes"]["J6"].comment.text.startswith('ERROR: "On trak" is not one of')


def test_previous_reviews_leave_out_what_is_not_an_earlier_review(work: Path,
                                                                  reviewed: tuple[Any, Path],
                                                                  rollup: tuple[Path, Path]):
    import shutil

    folder = work / "not-reviews"
    folder.mkdir()
    shutil.copy(rollup[1].parent / "returns" / "any.xlsx", folder / "any.xlsx")
    shutil.copy(reviewed[1] / "GO-review-2009-10-Q2-NBR.xlsx", folder / "nbr-q2.xlsx")
    result = run("review", "--region", rollup[0], "--rollup", rollup[1], "--lsp", "ANY",
                 "--previous-reviews", folder, "-o", work / "none-carried")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Note: any.xlsx is not a GO review workbook: left out.",
        "Note: nbr-q2.xlsx is the review for 2009/10 Q2, not an earlier one: left out."]
    assert "open advice carried in" not in result.stdout


def test_export_of_a_review_is_the_review_schemas_document(work: Path, any_review: Path):
    import json

    path = _filled(any_review, work / "export.xlsx")
    result = run("export", path)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["meta", "review-outcomes", "review-assurance", "review-delivery",
                         "review-conclusion", "review-advice"]
    assert doc["review-advice"] == [{"advice_id": "ADV-01", "about": "O-02",
                                     "advice": "Re-tender the contract", "owner": "Partnership",
                                     "due_date": "2009-12-31", "status": "Open"}]
    assert doc["review-conclusion"][0]["assessed_on"] == "2009-11-02"
    csv_out = work / "export-csv"
    assert run("export", path, "--format", "csv", "-o", csv_out).exit_code == 0
    assert sorted(p.name for p in csv_out.iterdir()) == [
        "review-advice.csv", "review-assurance.csv", "review-conclusion.csv",
        "review-delivery.csv", "review-outcomes.csv"]


def test_a_rollup_without_assurance_answers_gives_the_ratings_alone(work: Path,
                                                                     rollup: tuple[Path, Path]):
    """A roll-up made before it carried each answer's evidence: the matrix's ratings."""
    wb = openpyxl.load_workbook(rollup[1])
    del wb["Assurance answers"]
    older = work / "older-rollup.xlsx"
    wb.save(older)
    result = run("review", "--region", rollup[0], "--rollup", older, "--lsp", "ANY", "-o",
                 work / "from-older")
    assert result.exit_code == 0, result.output
    got = records(openpyxl.load_workbook(work / "from-older" /
                                         "GO-review-2009-10-Q2-ANY.xlsx")["Assurance"])
    assert [(r["Ref"], r["Self-assessment"], r["Evidence"]) for r in got][2] == (
        "PA-03", "Weak", None)


def test_reviews_folder_strays_are_each_named(work: Path, reviewed: tuple[Any, Path],
                                              rollup: tuple[Path, Path]):
    import shutil

    folder = work / "strays"
    folder.mkdir()
    first = _filled(reviewed[1] / "GO-review-2009-10-Q2-ANY.xlsx", folder / "a-any.xlsx")
    shutil.copy(first, folder / "b-any-again.xlsx")
    shutil.copy(rollup[1].parent / "returns" / "nbr.xlsx", folder / "c-nbr-return.xlsx")
    (folder / "d-notes.txt").write_text("notes\n", encoding="utf-8")
    result = run("consolidate", rollup[1].parent / "returns", "--region", rollup[0],
                 "--reviews", folder, "-o", work / "strays.xlsx")
    assert "GO reviews: 1 used (ANY), 3 left out; 0 piece(s) of advice overdue." in result.stdout
    assert result.stderr.splitlines() == [
        "Note: b-any-again.xlsx is a second review of ANY (the first found, a-any.xlsx, is "
        "used): left out.",
        "Note: c-nbr-return.xlsx is not a GO review workbook (a partnership's return?): left "
        "out.",
        "Note: d-notes.txt cannot be read: left out."]


def test_review_of_an_invalid_return_included_and_of_another_region(
        work: Path, rollup: tuple[Path, Path], reviewed: tuple[Any, Path]):
    region_file, _ = rollup
    out = work / "rollup-included.xlsx"
    run("consolidate", rollup[1].parent / "returns", "--region", region_file,
        "--include-invalid", "-o", out)
    result = run("review", "--region", region_file, "--rollup", out, "--lsp", "EWD",
                 "--previous-reviews", work / "not-a-folder-yet", "-o", work / "inc")
    assert result.exit_code == 2  # no such folder
    earlier = work / "earlier"
    earlier.mkdir()
    q1 = _filled(reviewed[1] / "GO-review-2009-10-Q2-EWD.xlsx", earlier / "ewd-q1.xlsx",
                 ("Advice", "B5", "General"), ("Advice", "H5", "Maybe"))
    _set_identity(q1, "period", "2009/10 Q1")
    result = run("review", "--region", region_file, "--rollup", out, "--lsp", "EWD",
                 "--previous-reviews", earlier, "-o", work / "inc")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("Note: ewd-q1.xlsx has 2 error(s) (run laa-xl validate on it); its "
                             "advice was still carried in.\n")
    s = _summary(openpyxl.load_workbook(work / "inc" / "GO-review-2009-10-Q2-EWD.xlsx"))
    assert s["The return"] == ("Eastwold Strategic Partnership's return for 2009/10 Q2 was not "
                               "valid (2 error(s)); its data is in the roll-up, marked, and "
                               "shown below.")
    other = work / "other-region.toml"
    other.write_text(REGION_TOML.replace('region = "Testshire"', 'region = "Otherland"'),
                     encoding="utf-8")
    result = run("review", "--region", other, "--rollup", out, "--all", "-o", work / "o")
    assert result.exit_code == 2
    assert (f"{out} is Testshire's roll-up, but the region file is for Otherland: --rollup "
            "must be this region's roll-up.") in result.output


def test_slipping_reviews_needs_the_region(work: Path, rollup: tuple[Path, Path]):
    folder = work / "empty-reviews"
    folder.mkdir()
    result = run("slipping", rollup[1].parent / "returns", "--reviews", folder)
    assert result.exit_code == 2
    assert "--reviews needs --region FILE (the round the reviews are of)." in result.output


def test_a_briefing_pack_shows_the_gos_judgement_from_the_reviews(
        with_reviews: tuple[Any, Path, Path], tmp_path: Path):
    """brief --reviews: the valid review of this round is used, the others are named."""
    import subprocess

    _, out, folder = with_reviews
    pack = tmp_path / "any.pdf"
    result = run("brief", out, "--lsp", "ANY", "--reviews", folder, "-o", pack)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Note: nbr-review.xlsx: 1 error(s); check it with laa-xl validate: left out.",
        "Note: smr-q1-review.xlsx: a review of Testshire, 2009/10 Q1, not of this roll-up's "
        "Testshire, 2009/10 Q2: left out."]
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pack), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "GO: fit for purpose? Yes, with improvements" in text
    assert "GO: likelihood of delivery Amber-Green" in text
    # The advice left open past its due date is a question worth asking, at its review cell.
    assert "Advice ADV-01 (about O-02) was due 15/09/2009 and is still Open: 15 days overdue." \
        in text
    assert "Advice!F5" in text
    # and the GO's open advice has a section of its own, with how overdue it is
    assert "The GO's open advice (1) ID About Advice Owner Due Status Overdue ADV-01 O-02 " \
        "Re-tender the contract Partnership 15/09/2009 Open 15 days" in text
