"""The feedback workbook: the partner's own workbook, copied, with every problem cell marked
and explained, and an Issues sheet first that links to each one."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lo import convert, needs_libreoffice
from returns import (
    SAMPLE_REGION,
    build_return,
    rename_sheet,
    rewrite_parts,
    sheet_part,
    type_into,
)

from laa_xl.feedback import ERROR_FILL, WARNING_FILL, feedback_name, write_feedback
from laa_xl.rules import check_file

FORMULA_LOOKING = {"description": "=HYPERLINK(\"http://example.com\",\"click\")",
                   "progress": "+44 more mentors", "mitigation": "-cut in funding",
                   "resources": "@risk budget"}


def feedback_for(path: Path, out: Path, **kw: Any) -> tuple[Any, Path]:
    report = check_file(path, SAMPLE_REGION, **kw)
    written = write_feedback(report, out)
    assert written is not None
    return report, written


def issues_rows(ws: Any) -> list[tuple[Any, ...]]:
    return [row for row in ws.iter_rows(min_row=6, values_only=True) if any(row)]


@pytest.fixture(scope="module")
def feedback(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("feedback")
    src = build_return(folder / "anycity.xlsx", {
        "outcomes": [{"theme": "children and young people"}],
        "actions": [{"rag": "Gren", **FORMULA_LOOKING},
                    {"action_id": "A-02", "due_date": "01/03/2009", "rag": "=Red"}],
    })
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    report, out = feedback_for(src, folder / "out")
    return {"src": src, "digest": digest, "report": report, "out": out}


def test_one_feedback_workbook_named_after_the_return(feedback: dict[str, Any]) -> None:
    assert feedback["out"].name == feedback_name(feedback["src"]) == "anycity-feedback.xlsx"
    assert hashlib.sha256(feedback["src"].read_bytes()).hexdigest() == feedback["digest"]


def test_problem_cells_are_filled_and_commented(feedback: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(feedback["out"])
    marked = {}
    for ws in wb.worksheets[1:]:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    marked[(ws.title, cell.coordinate)] = (cell.fill.fgColor.rgb,
                                                           cell.comment.text, cell.comment.author)
    by_cell: dict[tuple[str, str], list[Any]] = {}
    for issue in feedback["report"].sorted_issues():
        by_cell.setdefault((issue.sheet, issue.cell), []).append(issue)
    assert set(marked) == set(by_cell) == {
        ("Outcomes", "D5"), ("Actions", "N5"), ("Actions", "I6"), ("Actions", "N6")}
    for where, (colour, text, author) in marked.items():
        found = by_cell[where]
        fill = ERROR_FILL if any(i.severity == "error" for i in found) else WARNING_FILL
        assert colour == fill.fgColor.rgb
        assert text == "\n".join(f"{i.severity.upper()}: {i.message}" for i in found)
        assert author == "laa-xl"
    assert marked[("Actions", "N5")][1] == (
        'ERROR: "Gren" is not one of Red, Amber or Green. Choose one from the dropdown.')
    assert marked[("Outcomes", "D5")][0] == WARNING_FILL.fgColor.rgb
    # a cell with an error and a warning: red, the error first
    assert marked[("Actions", "I6")][:2] == (ERROR_FILL.fgColor.rgb, (
        "ERROR: Due date (baseline) (01/03/2009) is before Start date (01/04/2009). Check both "
        'dates.\nWARNING: "01/03/2009" was read as 01/03/2009. Next time, enter it so that '
        "Excel stores a date, not text."))


def test_the_issues_sheet_comes_first_with_a_link_to_each_cell(feedback: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(feedback["out"])
    assert wb.sheetnames == ["Issues", "Guidance", "Outcomes", "Actions", "Milestones",
                             "Assurance", "Risks", "Recovery", "_lists", "_laa_xl"]
    ws = wb["Issues"]
    assert ws["A1"].value == "Feedback on your LAA delivery return — Anycity Partnership"
    assert ws["A2"].value == (
        "3 errors must be fixed before the return can be accepted; 2 warnings to look at. "
        "Problem cells are highlighted in the sheets (red: error, yellow: warning); hover over "
        "one to read why, or click its cell below to go there. Fix them in your own workbook "
        "and send it again.")
    assert ws["A3"].value == "File checked: anycity.xlsx"
    assert [c.value for c in ws[5]] == ["Severity", "Sheet", "Cell", "Column", "Value found",
                                        "What to do", "Code"]
    report = feedback["report"]
    assert issues_rows(ws) == [(i.severity, i.sheet, i.cell, i.field, i.value, i.message, i.code)
                               for i in report.sorted_issues()]
    assert [r[:3] for r in issues_rows(ws)] == [
        ("error", "Actions", "N5"), ("error", "Actions", "I6"), ("error", "Actions", "N6"),
        ("warning", "Outcomes", "D5"), ("warning", "Actions", "I6")]
    links = [ws.cell(row=r, column=3).hyperlink for r in range(6, 11)]
    assert [(h.location, h.target) for h in links] == [
        ("'Actions'!N5", None), ("'Actions'!I6", None), ("'Actions'!N6", None),
        ("'Outcomes'!D5", None), ("'Actions'!I6", None)]
    part = sheet_part(feedback["out"], "Issues")
    rels_name = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    with zipfile.ZipFile(feedback["out"]) as z:  # links within the workbook, not to a URL
        rels = z.read(rels_name) if rels_name in z.namelist() else b""
        assert b"relationships/hyperlink" not in rels
        assert len(re.findall(rb'<hyperlink ref="C[0-9]+" location="', z.read(part))) == 5
    assert list(ws.tables) == ["tblIssues"] and ws.tables["tblIssues"].ref == "A5:G10"


def test_only_the_issues_sheet_is_selected(feedback: dict[str, Any]) -> None:
    # Several selected tabs open in Excel as a group, where typing in one sheet types in all.
    wb = openpyxl.load_workbook(feedback["out"])
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Issues"]
    assert wb.active.title == "Issues"


def _cells_xml(path: Path, sheet: str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part(path, sheet))
    return {m.group(1).decode(): m.group(0)
            for m in re.finditer(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)', xml, re.S)}


def test_partner_text_that_looks_like_a_formula_stays_text(feedback: dict[str, Any]) -> None:
    out = feedback["out"]
    cells = _cells_xml(out, "Actions")
    for ref, text in (("C5", FORMULA_LOOKING["description"]), ("O5", "+44 more mentors"),
                      ("P5", "-cut in funding"), ("G5", "@risk budget"), ("N6", "=Red")):
        assert b"<f" not in cells[ref], cells[ref]
        assert text.replace('"', "&quot;").encode() in cells[ref] or text.encode() in cells[ref]
    issues = _cells_xml(out, "Issues")
    value_cells = [xml for ref, xml in issues.items() if ref.startswith("E")]
    assert any(b"=Red" in xml for xml in value_cells)
    assert not any(re.search(rb"<f[\s>]", xml) for xml in issues.values())
    wb = openpyxl.load_workbook(out)
    assert wb["Actions"]["N6"].data_type == "s" and wb["Actions"]["N6"].value == "=Red"


@needs_libreoffice
def test_it_opens_in_libreoffice(feedback: dict[str, Any], tmp_path: Path) -> None:
    pdf = convert(feedback["out"], "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_a_clean_return_gets_no_feedback(tmp_path: Path) -> None:
    report = check_file(build_return(tmp_path / "clean.xlsx"), SAMPLE_REGION)
    assert write_feedback(report, tmp_path / "out") is None
    assert not (tmp_path / "out").exists()


def test_a_file_that_cannot_be_read_gets_no_feedback(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("just text\n", encoding="utf-8")
    assert write_feedback(check_file(path), tmp_path / "out") is None


def test_a_sheet_name_with_a_quote_is_linked_correctly(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[rename_sheet("Actions", "Action's")])
    _, out = feedback_for(path, tmp_path / "out")
    ws = openpyxl.load_workbook(out)["Issues"]
    links = {ws.cell(row=r, column=3).value: ws.cell(row=r, column=3).hyperlink
             for r in range(6, 8)}
    assert links["N5"].location == "'Action''s'!N5"


def test_a_partners_own_issues_sheet_is_kept(tmp_path: Path) -> None:
    def own_issues(wb: Any) -> None:
        ws = wb.create_sheet("Issues")
        ws["A1"] = "Our own list of local issues"

    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[own_issues])
    _, out = feedback_for(path, tmp_path / "out")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Issues (2)"
    assert wb["Issues"]["A1"].value == "Our own list of local issues"


def test_feedback_sent_back_as_the_return_is_given_fresh_feedback(tmp_path: Path) -> None:
    # A partner fixes one problem in the feedback copy itself and returns that file.
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren", "cost": "lots"}]})
    _, first = feedback_for(path, tmp_path / "round1")
    wb = openpyxl.load_workbook(first)
    wb["Actions"]["N5"] = "Green"
    wb.save(tmp_path / "fixed.xlsx")
    report, second = feedback_for(tmp_path / "fixed.xlsx", tmp_path / "round2")
    assert [(i.sheet, i.cell, i.code) for i in report.issues] == [
        ("Actions", "F5", "not-a-number")]
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count("Issues") == 1 and wb.sheetnames[0] == "Issues"
    assert [r[:3] for r in issues_rows(wb["Issues"])] == [("error", "Actions", "F5")]


def test_a_partners_note_on_a_problem_cell_is_kept(tmp_path: Path) -> None:
    def note(wb: Any) -> None:
        wb["Actions"]["N5"].comment = openpyxl.comments.Comment("Checked with Sam", "Priya")

    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]}, mutations=[note])
    _, out = feedback_for(path, tmp_path / "out")
    comment = openpyxl.load_workbook(out)["Actions"]["N5"].comment
    assert comment.text == (
        'ERROR: "Gren" is not one of Red, Amber or Green. Choose one from the dropdown.\n\n'
        "(Your note: Checked with Sam)")


def test_a_workbook_openpyxl_cannot_copy_still_gets_its_issues(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]})
    rewrite_parts(path, {sheet_part(path, "Actions"): lambda xml: xml.replace(
        b"<sheetView ", b'<sheetView zoomScale="big" ', 1)})
    with pytest.raises(TypeError):
        openpyxl.load_workbook(path)
    _, out = feedback_for(path, tmp_path / "out")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Issues"]
    assert "Your workbook could not be copied into this file" in wb["Issues"]["A2"].value
    assert [r[:3] for r in issues_rows(wb["Issues"])] == [("error", "Actions", "N5")]


def test_feedback_never_overwrites_the_return(tmp_path: Path) -> None:
    from laa_xl.errors import WriteError

    path = build_return(tmp_path / "r-feedback.xlsx", {"actions": [{"rag": "Gren"}]})
    before = path.read_bytes()
    report = check_file(tmp_path / "r-feedback.xlsx", SAMPLE_REGION)
    # feedback on "r-feedback.xlsx" is "r-feedback-feedback.xlsx": a different file
    assert write_feedback(report, tmp_path) == tmp_path / "r-feedback-feedback.xlsx"
    assert path.read_bytes() == before
    with pytest.raises(WriteError):
        from laa_xl.xlsxout import atomic_output

        with atomic_output(path, refuse=(path,)):
            pass


def test_typed_dates_and_numbers_survive_the_copy(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[type_into("Actions", "F5", 12500.5)])
    _, out = feedback_for(path, tmp_path / "out")
    ws = openpyxl.load_workbook(out)["Actions"]
    assert ws["F5"].value == 12500.5
    assert ws["H5"].value.date().isoformat() == "2009-04-01"


def test_a_sheet_too_large_to_read_is_not_copied(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[type_into("Actions", "A1048576", "x")])
    report, out = feedback_for(path, tmp_path / "out")
    assert [i.code for i in report.issues] == ["too-many-rows"]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Issues"]
    assert [r[:2] for r in issues_rows(wb["Issues"])] == [("error", "Actions")]


def test_value_found_is_what_the_cell_holds(tmp_path: Path) -> None:
    # Southmoor's Q2 return: A-26 is Red with no recovery plan, at Actions!N30.
    src = Path(__file__).parent.parent / "samples" / "returns" / "2009-10-Q2" \
        / "LAA-return-2009-10-Q2-SMR.xlsx"
    from laa_xl.region import load_region
    region = load_region(Path(__file__).parent.parent / "samples" / "region.toml")
    report = check_file(src, region)
    out = write_feedback(report, tmp_path)
    assert out is not None
    wb = openpyxl.load_workbook(out)
    held = openpyxl.load_workbook(src)["Actions"]["N30"].value
    found = {(r[1], r[2], r[6]): r[4] for r in issues_rows(wb["Issues"])}
    assert held == found[("Actions", "N30", "recovery-missing")] == "Red"
    assert found[("Actions", "N14", "recovery-suggested")] == "Amber"
    assert wb["Actions"]["N30"].comment.text.startswith(
        "ERROR: Action A-26 is Red but has no complete recovery plan. Add a row for A-26")
