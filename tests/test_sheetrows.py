"""The roll-up's big sheets are written as XML by laa_xl.sheetrows, not cell by cell by
xlsxwriter: every value must read back, in Excel's readers, exactly as xlsxwriter's own
cells do, and partner text that xlsxwriter would mangle must survive.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from returns import SAMPLE_REGION, build_return

from laa_xl.cli import main
from laa_xl.rollup_reader import read_rollup
from laa_xl.rules import check_file
from laa_xl.sheetrows import BigSheet, RowWriter, splice, xml_text
from laa_xl.xlsxout import style_index, write_text


def _pair_workbook(path: Path, values: list[Any]) -> None:
    """Column A: each value written by xlsxwriter (text by `write_text`); column B: the same
    value as a spliced row.  Row 1 is a header written by xlsxwriter."""
    frame = io.BytesIO()
    wb = xlsxwriter.Workbook(frame, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Data")
    fmt = wb.add_format({"font_name": "Arial"})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_string(0, 0, "xlsxwriter")
    ws.write_string(0, 1, "spliced")
    for r, v in enumerate(values, start=1):
        if isinstance(v, str):
            write_text(ws, r, 0, v, fmt)
        elif isinstance(v, date):
            ws.write_datetime(r, 0, v, date_fmt)
        else:
            ws.write(r, 0, v, fmt)
    styles = {str: style_index(fmt), date: style_index(date_fmt)}

    def rows() -> Any:
        w = RowWriter(2)
        for r, v in enumerate(values, start=2):
            yield w.row(r, [None, v], [0, styles.get(type(v), styles[str])])

    wb.close()
    frame.seek(0)
    splice(frame, path, [BigSheet("Data", 2, 2, rows, len(values))])


def _pairs_agree(path: Path, values: list[Any]) -> tuple[list[list[Any]], list[list[Any]]]:
    """Write `values` both ways, read them back with calamine and openpyxl, check each
    spliced cell reads as xlsxwriter's does, and give both readings (row 0 the header)."""
    _pair_workbook(path, values)
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python(
        skip_empty_area=False)
    ws = openpyxl.load_workbook(path)["Data"]
    opx = [[c.value for c in row] for row in ws.iter_rows(max_col=2)]
    for i, v in enumerate(values, start=1):
        assert cal[i][1] == cal[i][0], v
        assert opx[i][1] == opx[i][0], v
    return cal, opx


AWKWARD = ["<r>boom</r>", "<r><t>x</t></r>", "a & b < c > d", "  leading", "trailing  ",
           "_x0041_ stays", "tab\there", "line\nbreak", "cr\rhere", "bell\x07", "\x00nul",
           "non\ufffechar", "£12,500", "=SUM(A1:A2)", "http://example.org", "ünïcödé ✓",
           "emoji 😀", "x" * 40000, '"quoted"', "'apos"]


def test_awkward_text_reads_back_as_xlsxwriter_writes_it(tmp_path: Path):
    cal, opx = _pairs_agree(tmp_path / "pair.xlsx", AWKWARD)
    # What a reader sees is what the partner typed (cut to Excel's limit), control
    # characters aside, which travel as Excel's _xHHHH_ escape.
    same = ["<r>boom</r>", "<r><t>x</t></r>", "a & b < c > d", "  leading", "trailing  ",
            "_x0041_ stays", "tab\there", "line\nbreak", "£12,500", "=SUM(A1:A2)", '"quoted"']
    for text in same:
        row = AWKWARD.index(text) + 1
        assert cal[row][1] == text
        if text != "_x0041_ stays":  # openpyxl leaves Excel's escape of "_x0041_" undone
            assert opx[row][1] == text
    assert cal[AWKWARD.index("x" * 40000) + 1][1] == "x" * 32766 + "…"


def test_numbers_dates_and_booleans(tmp_path: Path):
    values: list[Any] = [0, 85, 85.5, -3.25, 1e-7, 12500.0, 10**15, date(2009, 9, 30),
                         date(1900, 3, 1), True, False]
    cal, opx = _pairs_agree(tmp_path / "pair.xlsx", values)
    assert cal[8][1] == date(2009, 9, 30)
    assert opx[7][1] == 10**15


def test_a_number_that_is_not_finite_is_written_as_text():
    w = RowWriter(2)
    assert w.row(7, [math.nan, math.inf], [1, 1]) == (
        '<row r="7"><c r="A7" s="1" t="inlineStr"><is><t>nan</t></is></c>'
        '<c r="B7" s="1" t="inlineStr"><is><t>inf</t></is></c></row>')


def test_blank_values_leave_no_cell():
    assert RowWriter(3).row(5, [None, "", "x"], [0, 0, 2]) == (
        '<row r="5"><c r="C5" s="2" t="inlineStr"><is><t>x</t></is></c></row>')


def test_xml_text_escapes():
    assert xml_text("a & <b>") == "a &amp; &lt;b&gt;"
    assert xml_text("\x01_x0041_") == "_x0001__x005F_x0041_"
    assert xml_text("plain_text") == "plain_text"


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=8))
def test_any_text_reads_back_as_xlsxwriter_writes_it(tmp_path_factory: Any, texts: list[str]):
    path = tmp_path_factory.mktemp("fuzz") / "pair.xlsx"
    texts = [t.encode("utf-8", "ignore").decode("utf-8") or "x" for t in texts]
    _pairs_agree(path, texts)


def test_rows_go_between_the_header_and_whatever_is_below(tmp_path: Path):
    frame = io.BytesIO()
    wb = xlsxwriter.Workbook(frame)
    ws = wb.add_worksheet("Data")
    ws.write_string(0, 0, "Title")
    ws.write_string(2, 0, "ID")
    ws.write_string(2, 1, "Value")
    ws.add_table(2, 0, 3, 1, {"name": "tblData", "columns": [{"header": "ID"},
                                                             {"header": "Value"}]})
    ws.write_string(9, 0, "Legend below")
    wb.close()
    frame.seek(0)

    def rows() -> Any:
        w = RowWriter(2)
        for n in range(4, 9):
            yield w.row(n, [f"ID-{n}", n * 10], [0, 0])

    path = tmp_path / "spliced.xlsx"
    splice(frame, path, [BigSheet("Data", 4, 2, rows, 5, table="tblData")])
    ws = openpyxl.load_workbook(path)["Data"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=1, max_row=10, max_col=2)] == [
        ["Title", None], [None, None], ["ID", "Value"], ["ID-4", 40], ["ID-5", 50],
        ["ID-6", 60], ["ID-7", 70], ["ID-8", 80], [None, None], ["Legend below", None]]
    assert ws.tables["tblData"].ref == "A3:B8"
    assert ws.tables["tblData"].autoFilter.ref == "A3:B8"
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<dimension ref="A1:B10"/>', xml)


# --------------------------------------------------------------------------------------
# Through the whole round: partner text xlsxwriter would have written as raw XML


PARTNER_TEXT = {"title": "<r>boom</r>", "lead_officer": "  Jo & <Bloggs>  ",
                "commentary": "see _x0041_ and\nnext line"}


def test_partner_text_survives_the_template_and_the_rollup(tmp_path: Path):
    returns = tmp_path / "returns"
    returns.mkdir()
    path = build_return(returns / "any.xlsx", {"outcomes": [PARTNER_TEXT]})
    report = check_file(path, SAMPLE_REGION)
    assert report.valid, [i.message for i in report.issues]
    assert report.data is not None
    outcome = report.data.sheets["outcomes"][0]
    # What the template wrote is what the checks read: nothing lost on the way in ...
    assert {k: outcome.get(k) for k in PARTNER_TEXT} == {
        "title": "<r>boom</r>", "lead_officer": "Jo & <Bloggs>",
        "commentary": "see _x0041_ and\nnext line"}
    rollup = tmp_path / "rollup.xlsx"
    from click.testing import CliRunner
    result = CliRunner().invoke(main, ["consolidate", str(returns), "--region",
                                       str(SAMPLE_REGION.source), "-o", str(rollup)])
    assert result.exit_code == 0, result.output
    # ... nor on the way out, for our reader and for openpyxl.
    back = read_rollup(rollup).returns["ANY"].sheets["outcomes"][0]
    assert {k: back.get(k) for k in PARTNER_TEXT} == {k: outcome.get(k) for k in PARTNER_TEXT}
    ws = openpyxl.load_workbook(rollup)["Outcomes"]
    headers = [c.value for c in ws[4]]
    row = {h: c.value for h, c in zip(headers, ws[5], strict=True)}
    assert row["Outcome / target"] == "<r>boom</r>"


@pytest.mark.parametrize("value", ["<r>x</r>", "<r></r>"])
def test_write_text_never_writes_raw_rich_text(tmp_path: Path, value: str):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    write_text(wb.add_worksheet("Data"), 0, 0, value)
    wb.close()
    with zipfile.ZipFile(path) as z:
        assert b"<r>x</r>" not in z.read("xl/sharedStrings.xml")
    assert openpyxl.load_workbook(path)["Data"]["A1"].value == value


def _frame() -> io.BytesIO:
    frame = io.BytesIO()
    wb = xlsxwriter.Workbook(frame)
    wb.add_worksheet("Data").write_string(0, 0, "ID")
    wb.close()
    frame.seek(0)
    return frame


def test_a_failure_while_writing_rows_is_the_error_raised(tmp_path: Path):
    def rows() -> Any:
        yield RowWriter(1).row(2, ["first"], [0])
        raise ValueError("the data ran out")

    with pytest.raises(ValueError, match="the data ran out"):
        splice(_frame(), tmp_path / "out.xlsx", [BigSheet("Data", 2, 1, rows, 2)])


def test_a_sheet_given_fewer_rows_than_its_table_was_made_for_is_refused(tmp_path: Path):
    def rows() -> Any:
        yield RowWriter(1).row(2, ["only one"], [0])

    with pytest.raises(RuntimeError, match="Data: 1 rows written, 2 expected"):
        splice(_frame(), tmp_path / "out.xlsx", [BigSheet("Data", 2, 1, rows, 2)])


def _renumbered(frame: io.BytesIO) -> io.BytesIO:
    """The frame with its two sheets' parts swapped in name, as another writer might number
    them: the workbook's relationships, not the order, say which part is which sheet."""
    out = io.BytesIO()
    swap = {"xl/worksheets/sheet1.xml": "xl/worksheets/sheet2.xml",
            "xl/worksheets/sheet2.xml": "xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(frame) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = (data.replace(b"worksheets/sheet1.xml", b"worksheets/sheetX.xml")
                        .replace(b"worksheets/sheet2.xml", b"worksheets/sheet1.xml")
                        .replace(b"worksheets/sheetX.xml", b"worksheets/sheet2.xml"))
            dst.writestr(swap.get(info.filename, info.filename), data)
    out.seek(0)
    return out


def test_a_big_sheet_is_found_by_its_relationship_not_its_position(tmp_path: Path):
    frame = io.BytesIO()
    wb = xlsxwriter.Workbook(frame, {"constant_memory": True})
    wb.add_worksheet("Cover").write_string(0, 0, "cover page")
    wb.add_worksheet("Data").write_string(0, 0, "ID")
    wb.close()
    frame.seek(0)

    def rows() -> Any:
        w = RowWriter(1)
        yield w.row(2, ["M-1"], [0])
        yield w.row(3, ["M-2"], [0])

    path = tmp_path / "out.xlsx"
    splice(_renumbered(frame), path, [BigSheet("Data", 2, 1, rows, 2)])
    book = openpyxl.load_workbook(path)
    assert [[c.value for c in r] for r in book["Data"].iter_rows()] == [["ID"], ["M-1"], ["M-2"]]
    assert [[c.value for c in r] for r in book["Cover"].iter_rows()] == [["cover page"]]
