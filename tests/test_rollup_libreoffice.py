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
    assert sum(len(v) for v in _tables(after).values()) == 15  # Dependencies; Assurance answers, GO, Advice
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
    # Outcomes by RAG (the LSPs in A, Red, Amber and Green in E, F and G), slipping items by
    # theme (one theme, in B34 and C34) and the seven external factors (B38:C44), below the
    # lists and the budget.
    assert refs == ["Dashboard!A5:A9", "Dashboard!A5:A9", "Dashboard!A5:A9", "Dashboard!B34",
                    "Dashboard!B38:B44", "Dashboard!C34", "Dashboard!C38:C44",
                    "Dashboard!E5:E9", "Dashboard!F5:F9", "Dashboard!G5:G9"]
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
            title_cols = None if ws.title in narrow | {"Dashboard"} else "$A:$B"
            # The Dashboard's table fits on its first page: the lists and charts below it
            # have no use for its header row.
            title_rows = None if ws.title == "Dashboard" else "$4:$4"
            assert _page_setup(ws) == (
                "landscape", 9, title_rows, title_cols, ws.title in narrow,
                "Testshire, 2009/10 Q2", "&A", "Page &P of &N"), ws.title


def _pages_by_sheet(pdf: Path) -> dict[str, list[int]]:
    """Each sheet's printed pages, by the sheet name in each page's footer."""
    import subprocess

    out: dict[str, list[int]] = {}
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    for number, page in enumerate(re.findall(r"<page .*?</page>", box, re.S), start=1):
        words = [(float(x), float(y), w) for x, y, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)]
        # The footer's line: the words level with its "Page" (a chart drawn on the next page
        # leaves clipped words on this one).
        foot = max((y for _, y, w in words if w == "Page"), default=0.0)
        footer = re.search(r"Testshire, 2009/10 Q2 (.+?) Page (\d+) of",
                           " ".join(w for x, y, w in sorted(words) if abs(y - foot) < 1))
        assert footer is not None, f"page {number} has no footer"
        out.setdefault(footer.group(1), []).append(number)
    return out


def _title_scale(pdf: Path, page: int) -> float:
    """How the page is scaled: its 14 pt title's height against the height at full size."""
    import subprocess

    box = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    word = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', box)
    assert word is not None
    return (float(word.group(2)) - float(word.group(1))) / (14 * 1.3)  # 14 pt, as set


@needs_libreoffice
def test_the_rollup_prints_readably_on_sensible_pages(pdf: Path):
    pages = _pages_by_sheet(pdf)
    assert list(pages) == [name for name, state in ROLLUP_SHEETS if state == "visible"]
    # The narrow sheets on one page each; the Dashboard's table and lists, then its charts on
    # a page of their own.
    assert {k: len(v) for k, v in pages.items() if k in ("About", "Completeness", "Assurance")} \
        == {"About": 1, "Completeness": 1, "Assurance": 1}
    dashboard = [_page_text(pdf, p) for p in pages["Dashboard"]]
    assert all(code in dashboard[0] for code in ("ANY", "NBR", "EWD", "SMR", "WHV", "Region"))
    assert "Worst slipping items" in "".join(dashboard[:-1])
    assert "Slipping items by theme" in dashboard[-1] and "Worst slipping" not in dashboard[-1]
    assert len(dashboard) <= 3
    # Fitted one page wide, yet the text prints at 8 pt or more (the sheets are 10 pt).
    for name in ("About", "Dashboard", "Completeness", "Assurance"):
        assert _title_scale(pdf, pages[name][0]) >= 0.8, name
    # The wide sheets print at 80 %, Slipping's columns in two groups: what is wrong, then
    # where it came from.
    assert 0.78 <= _title_scale(pdf, pages["Slipping"][0]) <= 0.82
    texts = [_page_text(pdf, p) for p in pages["Slipping"]]
    assert "What is wrong" in texts[0] and "Source file" not in texts[0]
    assert "Source file" in texts[-1] and "What is wrong" not in texts[-1]
    assert len(texts) == 3  # the flags and the rules' legend, then where each flag came from


def _page_text(pdf: Path, page: int) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
