"""The roll-up's big tables, written as worksheet XML and spliced into xlsxwriter's workbook.

xlsxwriter lays out everything else (formats, tables, validations, charts, the small sheets)
but spends about 10 µs on each cell, and a national roll-up has millions of cells.  So a big
sheet is made in two parts:

1. xlsxwriter writes its frame: title, header row, the Table over the rows to come, column
   widths, conditional formats, anything below the table (such as a legend);
2. `splice` copies that workbook into the output, and as it copies the sheet inserts the
   table's rows after the header row, one `<row>` string at a time, from a generator.

Cells are written as xlsxwriter writes them in constant-memory mode (inline strings, numbers,
booleans; dates as day numbers with a date style), with two differences: text is always
escaped, even text that looks like rich-text XML (which xlsxwriter passes through raw, so a
partner's `<r>…</r>` would break the workbook), and a number that is not finite is written
as text rather than refused.  Text is never a formula: there is no way to write one here.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from .model import col_index, col_letter
from .xlsxout import (
    CHARS_PER_WIDTH,
    MAX_CELL_TEXT,
    cut_to_cell,
    escape_surrogates,
    excel_date,
    row_height,
    text_lines,
)

# Text holding none of these characters is copied as it is: XML's own characters, control
# characters and the two non-characters (Excel's _xHHHH_ escape), and the underscore, which
# starts text that looks like that escape.  One character class is several times quicker
# to search than the exact patterns, and most text has none of them.  Lone surrogates are a
# file name's bytes that were not UTF-8: shown as escapes (xlsxout.escape_surrogates).
_MAYBE_SPECIAL = re.compile("[&<>_\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPED_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
BIG_PART_LEVEL = 3
_ROW_TAG = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def xml_text(text: str) -> str:
    """Text as the content of an inline string's <t>: escaped exactly as Excel expects."""
    text = cut_to_cell(text)
    if _MAYBE_SPECIAL.search(text):
        text = escape_surrogates(text)
        text = _ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class RowWriter:
    """Turns rows of Python values into worksheet `<row>` XML, for one table's columns."""

    def __init__(self, ncols: int, wrap: Sequence[tuple[int, float]] = ()) -> None:
        self.letters = [col_letter(c) for c in range(ncols)]
        # (column, width) of the columns whose text wraps: a row is made as tall as they need
        self.wrap = [(c, w, w * CHARS_PER_WIDTH) for c, w in wrap]
        # Short text already found to need no escaping: statuses, RAGs, IDs, LSP codes and
        # file names repeat down a sheet, and looking one up is quicker than checking it.
        self.plain: set[str] = set()

    def row(self, number: int, values: Sequence[Any], styles: Sequence[int]) -> str:
        """One `<row>` of the sheet: `number` is 1-based; None and '' leave a cell out."""
        r = str(number)
        lines = 1
        for c, width, room in self.wrap:
            v = values[c] if c < len(values) else None
            if type(v) is str and (len(v) > room or "\n" in v):
                lines = max(lines, text_lines(v, width))
        parts = [f'<row r="{r}" ht="{row_height(lines):g}" customHeight="1">' if lines > 1
                 else f'<row r="{r}">']
        add = parts.append
        plain = self.plain
        special = _MAYBE_SPECIAL.search
        for letter, v, s in zip(self.letters, values, styles, strict=False):
            kind = type(v)
            if kind is str:
                if v not in plain:
                    if not v:
                        continue
                    if (special(v) or len(v) > MAX_CELL_TEXT or v[0].isspace()
                            or v[-1].isspace()):
                        add(self._text(f"{letter}{r}", s, v))
                        continue
                    if len(v) <= 40 and len(plain) < 100_000:
                        plain.add(v)
                # most text: nothing to escape, no space to keep
                add(f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is><t>{v}</t></is></c>')
            elif v is None:
                continue
            elif kind is int or kind is float:
                if kind is float and not math.isfinite(v):
                    add(self._text(f"{letter}{r}", s, str(v)))
                else:
                    add(f'<c r="{letter}{r}" s="{s}"><v>{v:.16G}</v></c>')
            elif kind is date:
                add(f'<c r="{letter}{r}" s="{s}"><v>{excel_date(v)}</v></c>')
            elif kind is bool:
                add(f'<c r="{letter}{r}" s="{s}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, datetime):
                day = datetime.combine(v.date(), datetime.min.time())
                serial = excel_date(v.date()) + (v - day).total_seconds() / 86400
                add(f'<c r="{letter}{r}" s="{s}"><v>{serial:.16G}</v></c>')
            else:  # anything else reads as its text
                add(self._text(f"{letter}{r}", s, str(v)))
        add("</row>")
        return "".join(parts)

    @staticmethod
    def _text(ref: str, style: int, text: str) -> str:
        if not text:
            return ""
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        return (f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{xml_text(text)}</t>'
                "</is></c>")


@dataclass
class BigSheet:
    """A sheet whose table rows go in at `first_row` (1-based), after xlsxwriter's frame."""

    name: str  # the worksheet's name; `splice` finds its part through the relationships
    first_row: int
    ncols: int
    rows: Callable[[], Iterable[str]]  # yields each `<row>` string, in row order
    nrows: int  # how many the generator yields
    table: str | None = None  # the Table above the rows, which `splice` widens to cover them


_SHEET_ENTRY = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"'
                           rb'|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def sheet_parts(src: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's part by its name, as the workbook and its relationships say."""
    import html

    rels: dict[bytes, str] = {}
    for m in _RELATIONSHIP.finditer(src.read("xl/_rels/workbook.xml.rels")):
        rid, target = (m[1], m[2]) if m[1] is not None else (m[4], m[3])
        target_text = target.decode()
        rels[rid] = target_text.lstrip("/") if target_text.startswith("/") \
            else f"xl/{target_text}"
    return {html.unescape(name.decode()): rels[rid]
            for name, rid in _SHEET_ENTRY.findall(src.read("xl/workbook.xml")) if rid in rels}


def splice(frame: IO[bytes], target: Path, sheets: Sequence[BigSheet],
           scratch: Path | None = None) -> None:
    """Write `target`: the workbook `frame` (from xlsxwriter) with each big sheet's rows in.

    Every other part is copied as it is, with its name, order, date and compression.  A big
    sheet's XML goes to a temporary file first, so the zip knows the part's size before it is
    deflated and uses the ZIP64 form only for a part that needs it.  Deflating runs in a
    second thread (zlib lets go of the interpreter while it works), one part after another,
    while this one writes the next sheet's rows.
    """
    tables = {s.table: s for s in sheets if s.table}
    with zipfile.ZipFile(frame) as src, zipfile.ZipFile(target, "w") as out, \
            ThreadPoolExecutor(max_workers=1) as deflate:
        parts = sheet_parts(src)
        by_part = {parts[s.name]: s for s in sheets}
        pending = []
        made: list[Path] = []  # the big sheets' XML files, gone by the time splice returns
        try:
            for info in src.infolist():
                data = src.read(info)
                big = by_part.get(info.filename)
                if big is None:
                    if info.filename.startswith("xl/tables/"):
                        data = _widen_table(data, tables)
                    pending.append(deflate.submit(out.writestr, _copy_info(info), data))
                    continue
                fd, name = tempfile.mkstemp(suffix=".xml", dir=scratch)
                tmp = Path(name)
                made.append(tmp)
                try:
                    with os.fdopen(fd, "wb") as fh:
                        for chunk in _spliced(data, big):
                            fh.write(chunk)
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
                # A big sheet is deflated at level 3, not zlib's default 6: 2.5 times quicker
                # for a file about 10% bigger.
                pending.append(deflate.submit(_add_part, out, _copy_info(info), tmp))
            for job in pending:  # in order; the first failure is the one reported
                job.result()
        except BaseException:
            for job in pending:  # what has not started need not: the output is abandoned
                job.cancel()
            raise
        finally:
            deflate.shutdown(wait=True)
            for tmp in made:
                tmp.unlink(missing_ok=True)


def _add_part(out: zipfile.ZipFile, info: zipfile.ZipInfo, tmp: Path) -> None:
    """Deflate the big sheet's XML from its file into the zip, with the frame part's date."""
    try:
        stamp = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(tmp, (stamp, stamp))  # ZipFile.write dates the part by the file's time
        out.write(tmp, info.filename, compress_type=info.compress_type,
                  compresslevel=BIG_PART_LEVEL)
    finally:
        tmp.unlink(missing_ok=True)


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.external_attr = info.external_attr
    return new


def _spliced(xml: bytes, big: BigSheet) -> Iterator[bytes]:
    """The sheet's XML with its rows inserted before the first row below the header."""
    if big.nrows:
        last_row = big.first_row + big.nrows - 1
        xml = _widen_dimension(xml, last_row, big.ncols)
    at = len(xml)
    for m in _ROW_TAG.finditer(xml):
        if int(m.group(1)) >= big.first_row:
            at = m.start()
            break
    else:
        empty = xml.find(b"<sheetData/>")
        if empty >= 0:
            xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
            at = empty + len(b"<sheetData>")
        else:
            at = xml.index(b"</sheetData>")
    yield xml[:at]
    batch: list[str] = []
    written = 0
    for row in big.rows():
        batch.append(row)
        if len(batch) == 2000:
            written += len(batch)
            yield "".join(batch).encode("utf-8")
            batch.clear()
    written += len(batch)
    yield "".join(batch).encode("utf-8")
    if written != big.nrows:  # the Table and the dimension were made for nrows
        raise RuntimeError(f"{big.name}: {written} rows written, {big.nrows} "
                           "expected")
    yield xml[at:]


_TABLE_NAME = re.compile(rb'<table [^>]*\bname="([^"]+)"')
_REF = re.compile(rb'\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _widen_table(xml: bytes, tables: dict[str, BigSheet]) -> bytes:
    """A Table part with its range (and its filter's) reaching the last inserted row."""
    m = _TABLE_NAME.search(xml)
    big = tables.get(m.group(1).decode()) if m else None
    if big is None:
        return xml
    last = str(big.first_row - 1 + max(big.nrows, 1)).encode()
    return _REF.sub(lambda r: b'ref="%s%s:%s%s"' % (r[1], r[2], r[3], last), xml)


def _widen_dimension(xml: bytes, last_row: int, ncols: int) -> bytes:
    """Make the sheet's <dimension> cover the inserted rows as well as what was there."""
    m = _DIMENSION.search(xml)
    if m is None:
        return xml
    ref = m.group()[len(b'<dimension ref="'):-3].decode()
    end = ref.split(":")[-1]
    col = "".join(ch for ch in end if ch.isalpha())
    row = int("".join(ch for ch in end if ch.isdigit()) or 1)
    width = max(col_index(col) + 1, ncols)
    new = f'<dimension ref="A1:{col_letter(width - 1)}{max(row, last_row)}"/>'.encode()
    return xml[:m.start()] + new + xml[m.end():]
