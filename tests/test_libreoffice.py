"""LibreOffice opens a partnership's template headless and saves it again, as .xlsx and .pdf,
and the re-saved workbook still holds everything a partner relies on.

What a headless re-save loses, and why it does not matter:

- Freeze panes (and the tab colours and the Guidance's hidden gridlines).  LibreOffice keeps
  these as settings of a window's view; converting with no window there is no view, so it
  writes a default one.  Opened in LibreOffice with a window they are there, so the test does
  not hold the template to them.
- Table styles (banded rows).  LibreOffice has no table styles: it reads a table as a
  database range with its autofilter and writes it back without the style.  The table, its
  range, its headers and its autofilter survive, and so do the header and cell colours, which
  the template sets on the cells themselves.

Everything else compares equal, content for content (see tests/xlsxcontent.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lo import convert, needs_libreoffice
from sheetnames import TEMPLATE_SHEETS
from xlsxcontent import differences, workbook_content

from laa_xl.region import Region
from laa_xl.schemas import sheets
from laa_xl.template import build_template, template_name

pytestmark = [pytest.mark.libreoffice, needs_libreoffice]

WHEN = datetime(2009, 10, 1, 9, 0, 0)
SHEETS = TEMPLATE_SHEETS
LOST_HEADLESS = ("freeze_panes",)  # view settings: see the module docstring


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory, sample_region: Region) -> Path:
    lsp = sample_region.lsp("ANY")
    out = tmp_path_factory.mktemp("lo-src") / template_name(sample_region, lsp)
    return build_template(out, sample_region, lsp, when=WHEN)


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory, original: Path) -> Path:
    return convert(original, "xlsx", tmp_path_factory.mktemp("lo-xlsx"))


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory, original: Path) -> Path:
    return convert(original, "pdf", tmp_path_factory.mktemp("lo-pdf"))


@pytest.fixture(scope="module")
def book(resaved: Path) -> Any:
    wb = openpyxl.load_workbook(resaved)
    yield wb
    wb.close()


def test_both_conversions_succeed(original: Path, resaved: Path, pdf: Path):
    assert resaved.name == original.name and resaved != original
    assert resaved.stat().st_size > 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.read_bytes().rstrip().endswith(b"%%EOF")


def test_the_pdf_has_a_page_for_every_visible_sheet(pdf: Path):
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())
    assert len(pages) >= 7  # Guidance and six data sheets, each on at least one page


def test_every_sheet_survives_hidden_ones_hidden(book: Any):
    assert book.sheetnames == SHEETS
    assert [ws.sheet_state for ws in book] == ["visible"] * 7 + ["hidden", "hidden"]


def test_every_header_survives(book: Any):
    for spec in sheets():
        assert [c.value for c in book[spec.name][4]] == spec.headers


def test_tables_survive(book: Any):
    for spec in sheets():
        tables = list(book[spec.name].tables.values())
        assert [t.name for t in tables] == [f"tbl{spec.name}"]
        assert [c.name for c in tables[0].tableColumns] == spec.headers
        assert tables[0].autoFilter is not None


def test_protection_survives(book: Any):
    assert all(ws.protection.sheet for ws in book)
    ws = book["Actions"]
    assert ws["A4"].protection.locked and not ws["A5"].protection.locked
    assert book["Risks"]["F5"].protection.locked  # the score formula


def test_list_validations_still_point_at_the_lists(book: Any):
    names = {n: d.attr_text for n, d in book.defined_names.items()}
    lists = [(ws.title, str(dv.sqref), dv.formula1) for ws in book
             for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 16
    for _, _, formula in lists:
        assert formula in names
    assert ("Actions", "B5:B404", "ids_outcomes") in lists
    assert ("Milestones", "B5:B1004", "ids_actions") in lists
    assert names["ids_outcomes"] == "Outcomes!$A$5:$A$54"
    assert names["list_rag"] == "_lists!$D$2:$D$4"


def test_everything_else_compares_equal(original: Path, resaved: Path):
    before, after = workbook_content(original), workbook_content(resaved)
    for content in (before, after):
        for name in SHEETS:
            for key in LOST_HEADLESS:
                content[name].pop(key)
    assert after == before, "\n".join(differences(before, after))

