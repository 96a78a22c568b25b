"""The partner's workbooks on paper: the template and the feedback workbook, printed through
LibreOffice to A4.  Each page says whose it is and which sheet; the feedback's Issues sheet
prints one page wide at a readable size; the template prints the rows filled in and a few
empty ones, not every empty row of its tables."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from lo import convert, needs_libreoffice

from laa_xl.feedback import write_feedback
from laa_xl.region import load_region
from laa_xl.rules import check_file
from laa_xl.template import build_template

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REGION = SAMPLES / "region.toml"
SMR = SAMPLES / "returns" / "2009-10-Q2" / "LAA-return-2009-10-Q2-SMR.xlsx"


def pages(pdf: Path, every: bool = True) -> list[tuple[str, str]]:
    """Each page's footer: (its left part, the sheet's name); a page without one is an error,
    unless not `every` page need have one (a partner's own sheets, copied into feedback)."""
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    out = []
    for page in re.findall(r"<page .*?</page>", box, re.S):
        words = [(float(x), float(y), w) for x, y, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)]
        foot = max((y for _, y, w in words if w == "Page"), default=None)
        if foot is None and not every:
            out.append(("", ""))
            continue
        assert foot is not None, f"a page without its footer: {[w for *_, w in words][:8]}"
        line = " ".join(w for x, y, w in sorted(words) if abs(y - foot) < 1)
        m = re.fullmatch(r"(.+?) (\S+) Page \d+ of \d+", line)
        assert m is not None, line
        out.append((m.group(1), m.group(2)))
    return out


@pytest.fixture(scope="module")
def feedback(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = check_file(SMR, load_region(REGION))
    out = write_feedback(report, tmp_path_factory.mktemp("feedback"))
    assert out is not None
    return out


def test_the_issues_sheet_is_set_up_for_a4_one_page_wide(feedback: Path) -> None:
    ws = openpyxl.load_workbook(feedback)["Issues"]
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize), ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage) == (
        "landscape", 9, 1, 0, True)
    assert ws.print_title_rows == "$5:$5"
    assert ws.oddFooter.left.text == "Southmoor Partnership Board"
    # a message that wraps gets a row tall enough to show it
    assert ws.row_dimensions[6].height is not None and ws["F6"].alignment.wrap_text


@needs_libreoffice
def test_the_feedback_workbook_prints_its_issues_on_one_page_wide(feedback: Path,
                                                                  tmp_path: Path) -> None:
    pdf = convert(feedback, "pdf", tmp_path)
    printed = pages(pdf, every=False)
    issues = [i for i, (_, sheet) in enumerate(printed, start=1) if sheet == "Issues"]
    assert issues == [1]  # six issues: one page, every column on it
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert all(h in text for h in ("Severity", "Cell", "Value found", "What to do", "Code"))
    assert "recovery-suggested" in text  # the Code column is wide enough for its codes


def test_the_template_prints_its_rows_not_every_empty_one(tmp_path: Path) -> None:
    region = load_region(REGION)
    path = build_template(tmp_path / "blank.xlsx", region, region.lsps[0])
    wb = openpyxl.load_workbook(path)
    risks = wb["Risks"]
    assert risks.page_setup.scale == 80 and int(risks.page_setup.paperSize) == 9
    assert risks.print_title_rows == "$4:$4" and risks.print_title_cols == "$A:$A"
    # the header, and 15 rows to fill in, of the table's hundreds
    last = int(re.search(r"(\d+)$", str(risks.print_area)).group(1))  # type: ignore[union-attr]
    assert last == 4 + 15
    assert risks.oddFooter.left.text == f"{region.lsps[0].name}, {region.period}"


@needs_libreoffice
def test_the_templates_risks_sheet_prints_on_one_page_of_rows(tmp_path: Path) -> None:
    region = load_region(REGION)
    path = build_template(tmp_path / "blank.xlsx", region, region.lsps[0])
    printed = pages(convert(path, "pdf", tmp_path))
    # Its columns in two groups (at 80 %, the ID repeated), its rows on one page each.
    assert [sheet for _, sheet in printed].count("Risks") == 2
    assert {who for who, _ in printed} == {f"{region.lsps[0].name}, {region.period}"}
