"""LibreOffice opens the roll-up headless, saves it again as .xlsx and prints it to .pdf; the
re-saved roll-up keeps every sheet, table and chart, and still serves as the previous round.

The round is the one of test_consolidate.py (five partnerships, one missing, one with errors,
a file that is not a workbook), consolidated once; LibreOffice converts it once each way.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lo import convert, needs_libreoffice
from sheetnames import ROLLUP_SHEETS
from test_consolidate import REGION_TOML, build_round

from laa_xl.region import load_region
from laa_xl.rollup import consolidate, write_rollup
from laa_xl.rollup_reader import prefills, read_rollup
from laa_xl.round import collect, expand_inputs

pytestmark = [pytest.mark.libreoffice, needs_libreoffice]

SHEETS = ROLLUP_SHEETS


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lo-rollup")
    (work / "region.toml").write_text(REGION_TOML, encoding="utf-8")
    region = load_region(work / "region.toml")
    files = build_round(work / "returns", region)
    result = collect(expand_inputs([files["ANY"].parent]), region)
    return write_rollup(consolidate(result), work / "rollup-2009-10-Q2.xlsx")


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory, original: Path) -> Path:
    return convert(original, "xlsx", tmp_path_factory.mktemp("lo-rollup-xlsx"))


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory, original: Path) -> Path:
    return convert(original, "pdf", tmp_path_factory.mktemp("lo-rollup-pdf"))


@pytest.fixture(scope="module")
def books(original: Path, resaved: Path) -> Any:
    before, after = openpyxl.load_workbook(original), openpyxl.load_workbook(resaved)
    yield before, after
    before.close()
    after.close()


def test_both_conversions_succeed(original: Path, resaved: Path, pdf: Path):
    assert resaved.name == original.name and resaved != original
    assert zipfile.is_zipfile(resaved)
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)) >= 12  # a page per sheet


def test_every_sheet_survives(books: Any):
    before, after = books
    assert [(ws.title, ws.sheet_state) for ws in before] == SHEETS
    assert [(ws.title, ws.sheet_state) for ws in after] == SHEETS


def _tables(wb: Any) -> dict[str, list[tuple[str, str, list[str]]]]:
    return {ws.title: sorted((t.name, t.ref, [c.name for c in t.tableColumns])
                             for t in ws.tables.values()) for ws in wb}


def test_every_table_survives(books: Any):
    before, after = books
    assert _tables(after) == _tables(before)
    assert sum(len(v) for v in _tables(after).values()) == 14  # Assurance answers, GO, Advice
    assert all(t.autoFilter is not None for ws in after for t in ws.tables.values())


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))


def test_the_dashboards_charts_survive(original: Path, resaved: Path):
    assert len(_charts(original)) == len(_charts(resaved)) == 3
    assert _drawing_charts(original) == _drawing_charts(resaved) == 3


def _series_refs(path: Path) -> list[str]:
    """Every range the charts plot, spelt one way (LibreOffice drops the quotes, and writes
    series names as text formulas where XlsxWriter writes them as values)."""
    with zipfile.ZipFile(path) as z:
        refs = [ref for n in _charts(path) for ref in re.findall(r"<c:f>([^<]*)</c:f>",
                                                                  z.read(n).decode())]
    return sorted(r.replace("'", "").replace("$", "") for r in refs if "!" in r)


def test_the_charts_still_plot_the_dashboards_cells(original: Path, resaved: Path):
    refs = _series_refs(original)
    assert "Dashboard!J5:J9" in refs and "Dashboard!P14:P20" in refs
    assert _series_refs(resaved) == refs


def _drawing_charts(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(z.read(n).decode().count("<c:chart ") for n in z.namelist()
                   if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n))


def _values(ws: Any) -> dict[str, Any]:
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_every_value_survives(books: Any):
    before, after = books
    for name, _ in SHEETS:
        assert _values(after[name]) == _values(before[name]), name


def test_the_resaved_rollup_is_still_the_previous_round(original: Path, resaved: Path):
    a, b = read_rollup(original), read_rollup(resaved)
    assert b.meta == a.meta
    assert sorted(b.returns) == sorted(a.returns) == ["ANY", "NBR", "SMR"]
    for lsp, ret in a.returns.items():
        for key, rows in ret.sheets.items():
            assert [(r.row, r.values) for r in b.returns[lsp].sheets[key]] == \
                [(r.row, r.values) for r in rows], (lsp, key)
    region = load_region(original.parent / "region.toml")
    assert {k: p.rows for k, p in prefills(b, region).items()} == \
        {k: p.rows for k, p in prefills(a, region).items()}


def _page_setup(ws: Any) -> tuple[Any, ...]:
    fit = ws.sheet_properties.pageSetUpPr
    return (ws.page_setup.orientation, int(ws.page_setup.paperSize), ws.print_title_rows,
            ws.print_title_cols, bool(fit and fit.fitToPage), ws.oddFooter.left.text,
            ws.oddFooter.center.text, ws.oddFooter.right.text)


@needs_libreoffice
def test_every_sheet_prints_on_a4_landscape_with_headers_and_footer(books: Any):
    """Header row on each page, a footer saying what the page is, and only the narrow sheets
    fitted to one page wide: the others print at their own size, across pages."""
    narrow = {"About", "Completeness", "Assurance"}
    for wb in books:  # as written, and after LibreOffice has saved it again
        for ws in wb:
            title_cols = None if ws.title in narrow else "$A:$B"
            assert _page_setup(ws) == (
                "landscape", 9, "$4:$4", title_cols, ws.title in narrow,
                "Testshire, 2009/10 Q2", "&A", "Page &P of &N"), ws.title
