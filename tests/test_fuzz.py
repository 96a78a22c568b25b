"""Fuzzing the reader and the checks: a valid return, mutated, always ends in a FileReport.

Three kinds of mutation, each from the same small valid return:

- random bytes of the zip: changed, cut, repeated or inserted;
- random edits to the XML inside it (sheets mostly, and the parts that say what the sheets
  are): an element cut off, repeated or deleted, an attribute such as r=, t= or s= given
  another value, odd characters put in;
- random cell values of every type (text, numbers, dates, booleans, errors, shared-string
  indexes, formulas, blanks) in every column of a data row.

Whatever the file, `check_file` returns a FileReport (never raises), within a deadline, every
issue is in the catalogue, and the report renders as text, JSON and CSV.  Memory: the cases
stay small (a 30 KB return), and while these tests run the process may not grow by more than
2 GiB, so a runaway allocation fails here instead of taking the machine down.

CI runs a short, derandomized pass (a fixed seed: the same examples every time).  A longer,
random run, for finding new bugs:

    LAA_FUZZ_EXAMPLES=5000 python3 -m pytest tests/test_fuzz.py

Every failure hypothesis finds is a bug in laa-xl: add the file it prints to
tests/corpus.py as a case, then fix it.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import string
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns import SAMPLE_REGION, build_return, sheet_part

from laa_xl import render
from laa_xl.issues import CATALOGUE, FileReport, Report
from laa_xl.rules import check_file
from laa_xl.schemas import sheets

LONG_RUN = int(os.environ.get("LAA_FUZZ_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=LONG_RUN or 60,
    derandomize=not LONG_RUN,  # CI: the same examples on every run
    database=None,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
    print_blob=True,
)
DATA_SHEETS = [s.name for s in sheets()]
# Every blank a message template has, such as "{field}": none may be left unfilled.
BLANKS = {"{" + name for c in CATALOGUE.values()
          for _, name, _, _ in string.Formatter().parse(c.template) if name}
HEADROOM = 2 << 30


@pytest.fixture(scope="module", autouse=True)
def bounded_memory() -> Iterator[None]:
    """No example may make the process grow by more than HEADROOM."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as fh:
        now = int(fh.read().split()[0]) * resource.getpagesize()
    limit = now + HEADROOM if hard == resource.RLIM_INFINITY else min(now + HEADROOM, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Base(dict):  # type: ignore[type-arg]
    """The valid return every example starts from (a short repr: hypothesis prints it)."""

    def __repr__(self) -> str:
        return f"Base({self['path'].name})"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("fuzz")
    path = build_return(folder / "valid.xlsx", {
        "actions": [{}, {"action_id": "A-02", "rag": "Amber", "mitigation": "More mentors."}],
        "milestones": [{}, {"milestone_id": "M-002", "action_id": "A-02"}],
    })
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    return Base(path=path, bytes=path.read_bytes(), parts=parts, out=folder / "x.xlsx",
                sheets={name: sheet_part(path, name) for name in [*DATA_SHEETS, "_laa_xl"]})


def checked(path: Path) -> FileReport:
    """The report of a file, with everything a report must be."""
    report = check_file(path)
    assert isinstance(report, FileReport)
    assert report.issues or report.readable
    for issue in report.issues:
        assert issue.code in CATALOGUE
        assert issue.severity == CATALOGUE[issue.code].severity or issue.code == "normalised"
        assert issue.message and not any(blank in issue.message for blank in BLANKS), issue
        if issue.cell:
            assert re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", issue.cell), issue
            assert issue.sheet, issue
    if not report.readable:
        assert report.errors >= 1
    whole = Report([report])
    render.report_text(whole)
    render.report_json(whole)
    render.report_csv(whole)
    return report


def zipped(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


# --------------------------------------------------------------------------------------
# Random bytes of the zip

byte_edits = st.lists(st.tuples(
    st.sampled_from(["set", "cut", "repeat", "insert", "truncate"]),
    st.floats(0, 1, exclude_max=True), st.integers(1, 64), st.binary(min_size=1, max_size=16)),
    min_size=1, max_size=4)


def edit_bytes(data: bytes, edits: list[tuple[str, float, int, bytes]]) -> bytes:
    for op, where, n, junk in edits:
        at = int(where * len(data)) if data else 0
        if op == "set":
            data = data[:at] + junk + data[at + len(junk):]
        elif op == "cut":
            data = data[:at] + data[at + n:]
        elif op == "repeat":
            data = data[:at] + data[at:at + n] * 3 + data[at:]
        elif op == "insert":
            data = data[:at] + junk + data[at:]
        else:
            data = data[:at]
    return data


@SETTINGS
@given(edits=byte_edits)
def test_random_bytes_of_the_zip(base: dict[str, Any], edits: Any) -> None:
    base["out"].write_bytes(edit_bytes(base["bytes"], edits))
    checked(base["out"])


# --------------------------------------------------------------------------------------
# Random edits to the XML

ODD = [b"&", b"<", b">", b"&amp;", b"&#0;", b"&#x1F600;", b"&bogus;", b"\x00", b"\x0b",
       b"\xef\xbb\xbf", b"]]>", b"<!--", b"-->", b"<![CDATA[x]]>", b"<?pi x?>", b"\xff\xfe",
       b"\xc3", b"\xed\xa0\x80", b'"', b"'", b"_x0007_", b"=1+1", b"<c>", b"</c>", b"<row>",
       b"</row>", b"<v>", b"</v>", b"<f>1+1</f>", b' r="XFD1048576"', b' t="e"']
ATTRIBUTE_VALUES = st.one_of(
    st.sampled_from(["A1", "XFD1048576", "A0", "AAAA1", "1", "", "ZZZ99999999", "a5", "B",
                     "A1048577", "IV65536", "s", "n", "e", "str", "inlineStr", "b", "d", "x",
                     "-1", "0", "99999", "1e9", "hidden", "veryHidden", "rId99", "../x.xml",
                     "/xl/worksheets/sheet1.xml", "1:16", "A1:XFD1048576"]),
    st.text(max_size=12))
ATTRIBUTE = re.compile(rb'(\s[A-Za-z:]+\s*=\s*")([^"]*)(")')
START_TAG = re.compile(rb"<([A-Za-z][A-Za-z0-9:]*)\b[^<>]*?(/?)>")

xml_edits = st.lists(st.tuples(
    st.sampled_from(["truncate", "repeat", "delete", "attribute", "odd", "text"]),
    st.floats(0, 1, exclude_max=True), st.integers(1, 3),
    st.one_of(st.sampled_from(ODD), ATTRIBUTE_VALUES.map(lambda s: s.encode("utf-8")))),
    min_size=1, max_size=4)


def element(xml: bytes, where: float) -> tuple[int, int] | None:
    """The span of an element chosen by `where` (from its start tag to its end tag)."""
    tags = list(START_TAG.finditer(xml))
    if not tags:
        return None
    tag = tags[int(where * len(tags))]
    if tag.group(2):
        return tag.span()
    close = xml.find(b"</" + tag.group(1) + b">", tag.end())
    return (tag.start(), close + len(tag.group(1)) + 3) if close >= 0 else tag.span()


def edit_xml(xml: bytes, edits: list[tuple[str, float, int, bytes]]) -> bytes:
    for op, where, n, value in edits:
        if op == "truncate":
            xml = xml[: int(where * len(xml))]
        elif op in ("repeat", "delete"):
            span = element(xml, where)
            if span:
                lo, hi = span
                xml = xml[:lo] + (xml[lo:hi] * (n + 1) if op == "repeat" else b"") + xml[hi:]
        elif op == "attribute":
            attrs = list(ATTRIBUTE.finditer(xml))
            if attrs:
                m = attrs[int(where * len(attrs))]
                xml = xml[:m.start(2)] + value.replace(b'"', b"&quot;") + xml[m.end(2):]
        else:  # odd characters, anywhere, or inside the text of an element
            at = int(where * len(xml))
            if op == "text":
                at = xml.find(b">", at) + 1 or at
            xml = xml[:at] + value * n + xml[at:]
    return xml


PARTS = st.one_of(
    st.sampled_from([*DATA_SHEETS, "_laa_xl"]),  # a sheet, by name, most often
    st.sampled_from(["xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml",
                     "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]))


@SETTINGS
@given(edits=st.lists(st.tuples(PARTS, xml_edits), min_size=1, max_size=2))
def test_random_edits_to_the_xml(base: dict[str, Any], edits: Any) -> None:
    parts = dict(base["parts"])
    for part, part_edits in edits:
        name = base["sheets"].get(part, part)
        parts[name] = edit_xml(parts[name], part_edits)
    base["out"].write_bytes(zipped(parts))
    checked(base["out"])


# --------------------------------------------------------------------------------------
# Random cell values of every type in every column

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "Green", "green ", "GREEN", "Red", "Complete", "O-01", "A-01",
                     "M-001", "o-01", "NI 117", "NI 31", "L01", "31/03/2010", "2010-03-31",
                     "31/02/2010", "03/31/2010", "March 2010", "1/4", "50%", "£1,200", "1,2",
                     "1e5", "-0", "N/A", "TBC", "=1+1", "@SUM(A1)", "+44", "-1", "Yes", "no",
                     "Higher", "Strong", "Open", "2007/08", "Q1 2009/10", "x" * 2001,
                     "line one\nline two", "\u00a0Green\u00a0", "_x0007_", "\U0001F600"]))
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10 ** 20, 10 ** 20).map(str),
    st.sampled_from(["0", "-0", "1", "100", "101", "0.5", "39904", "40268", "60", "2958465",
                     "2958466", "-1", "1e308", "-1e308", "1e-300", "NaN", "INF", "1E+2", "",
                     " 1", "0x10", "١"]))
STYLES = st.sampled_from([None, "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
                          "0", "999", "-1", "x"])


def escape(text: str) -> bytes:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .encode("utf-8", "surrogatepass"))


CELL = st.one_of(
    st.tuples(st.just("inlineStr"), TEXT.map(lambda t: b"<is><t xml:space=\"preserve\">"
                                             + escape(t) + b"</t></is>")),
    st.tuples(st.just("str"), TEXT.map(lambda t: b"<f>A1</f><v>" + escape(t) + b"</v>")),
    st.tuples(st.sampled_from([None, "n"]), NUMBER.map(lambda v: b"<v>" + v.encode() + b"</v>")),
    st.tuples(st.just("b"), st.sampled_from([b"<v>0</v>", b"<v>1</v>", b"<v>2</v>", b"<v/>"])),
    st.tuples(st.just("e"), st.sampled_from(["#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?",
                                             "#NUM!", "#NULL!", "", "#BOGUS"])
              .map(lambda e: b"<v>" + e.encode() + b"</v>")),
    st.tuples(st.just("s"), st.integers(-1, 400).map(lambda i: b"<v>%d</v>" % i)),
    st.tuples(st.just("d"), st.sampled_from([b"<v>2010-03-31</v>", b"<v>2010-03-31T12:00:00</v>",
                                             b"<v>31/03/2010</v>", b"<v>9999-12-31</v>",
                                             b"<v>0001-01-01</v>", b"<v>x</v>"])),
    st.tuples(st.sampled_from([None, "n", "str"]), st.sampled_from([b"<f>1/0</f>", b"<f/>",
                                                                    b"<f>A1</f><v></v>"])),
    st.tuples(st.none(), st.just(b"")),  # a formatted blank
)


def cell_xml(ref: str, style: str | None, kind: str | None, content: bytes) -> bytes:
    attrs = f' r="{ref}"' + (f' s="{style}"' if style is not None else "") + \
        (f' t="{kind}"' if kind is not None else "")
    return b"<c" + attrs.encode() + (b">" + content + b"</c>" if content else b"/>")


@SETTINGS
@given(sheet=st.sampled_from(DATA_SHEETS), row=st.sampled_from([5, 6]),
       cells=st.lists(st.tuples(STYLES, CELL), min_size=1, max_size=23))
def test_random_cell_values_of_every_type(base: dict[str, Any], sheet: str, row: int,
                                          cells: Any) -> None:
    from openpyxl.utils import get_column_letter

    parts = dict(base["parts"])
    name = base["sheets"][sheet]
    values = b"".join(cell_xml(f"{get_column_letter(i + 1)}{row}", style, kind, content)
                      for i, (style, (kind, content)) in enumerate(cells))
    parts[name], n = re.subn(rb'<row r="%d"[^>]*>.*?</row>' % row,
                             lambda _: b'<row r="%d">' % row + values + b"</row>", parts[name],
                             count=1, flags=re.S)
    assert n == 1
    base["out"].write_bytes(zipped(parts))
    report = checked(base["out"])
    assert report.readable or report.issues[0].code == "damaged-file"


# --------------------------------------------------------------------------------------
# What laa-xl writes from whatever it could read

WRITERS = settings(SETTINGS, max_examples=LONG_RUN // 10 or 15)


@WRITERS
@given(sheet=st.sampled_from(DATA_SHEETS),
       cells=st.lists(st.tuples(STYLES, CELL), min_size=1, max_size=23))
def test_every_writer_takes_whatever_was_read(base: dict[str, Any], sheet: str,
                                              cells: Any) -> None:
    """The JSON document, the feedback workbook and the roll-up (returns with errors
    included) are written from any return that could be read."""
    from openpyxl.utils import get_column_letter

    from laa_xl.export import export_json
    from laa_xl.feedback import write_feedback
    from laa_xl.rollup import SHEET_NAMES, consolidate, write_rollup
    from laa_xl.round import collect

    parts = dict(base["parts"])
    name = base["sheets"][sheet]
    values = b"".join(cell_xml(f"{get_column_letter(i + 1)}5", style, kind, content)
                      for i, (style, (kind, content)) in enumerate(cells))
    parts[name] = re.sub(rb'<row r="5"[^>]*>.*?</row>', lambda _: b'<row r="5">' + values
                         + b"</row>", parts[name], count=1, flags=re.S)
    path = base["out"]
    path.write_bytes(zipped(parts))
    report = checked(path)
    if not report.readable:
        return
    out = path.parent / "written"
    data = report.data
    export_json(data, out / "return.json", check=report.valid)
    doc = json.loads((out / "return.json").read_text(encoding="utf-8"))
    assert {k: len(doc[k]) for k in data.sheets} == {k: len(v) for k, v in data.sheets.items()}
    feedback = write_feedback(report, out / "feedback")
    if report.issues:  # one row on the Issues sheet for each issue, in the order reported
        assert feedback is not None
        ws = openpyxl.load_workbook(feedback, read_only=True)["Issues"]
        listed = [r[:3] for r in ws.iter_rows(min_row=6, values_only=True) if any(r)]
        assert listed == [(i.severity, i.sheet, i.cell or None) for i in report.sorted_issues()]
    result = collect([path], SAMPLE_REGION)
    rollup = consolidate(result, include_invalid=True)
    write_rollup(rollup, out / "rollup.xlsx", inputs=[path])
    book = openpyxl.load_workbook(out / "rollup.xlsx", read_only=True)
    assert book.sheetnames == list(SHEET_NAMES)
    actions = [r for r in book["Actions"].iter_rows(values_only=True) if r[0] == data.lsp_code]
    assert len(actions) == len(data.sheets["actions"])  # every action read is rolled up
