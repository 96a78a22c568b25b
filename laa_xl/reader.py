"""The only module that opens a workbook.

It recognises what the file really is, refuses hostile or oversize files before parsing them,
reads the template's identity, finds each sheet by name and each column by its header text,
and returns rows whose values remember their cell.  Values are as the cell holds them; the
cell rules (`rules/cells.py`) normalise and check them.

Cell values are read with python-calamine (about ten times faster than openpyxl).  Calamine
lays a sheet out as a dense grid and reports error cells as blank, so each sheet's XML is
scanned first: its extent is bounded before calamine sees it, and error cells and formulas
with no cached value are located so that they become issues, never silent blanks.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import heapq
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine as pc
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from .errors import ReadError
from .issues import Issue, make_issue
from .layout import GUIDANCE_SHEET, LISTS_SHEET, META_SHEET, PRODUCT
from .model import Return, Row, a1, col_index, col_letter
from .schemas import SheetSpec, schema_version, sheets

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Limits:
    """What a return may be before it is refused unread.  See the README's "Limits"."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_part_bytes: int = 200 * 1024 * 1024  # one XML part, uncompressed
    max_total_bytes: int = 500 * 1024 * 1024  # every part, uncompressed
    max_ratio: int = 200  # uncompressed ÷ compressed, for parts over 1 MB
    max_members: int = 5000
    max_rows: int = 100_000  # per sheet
    max_columns: int = 200
    max_cells: int = 5_000_000  # rows × columns calamine lays out for one sheet


DEFAULT_LIMITS = Limits()


class CellProblem:
    """A cell whose value cannot be read: an error such as #REF!, or an uncalculated formula."""

    __slots__ = ("code", "text")

    def __init__(self, code: str, text: str = "") -> None:
        self.code = code
        self.text = text

    def __repr__(self) -> str:
        return f"CellProblem({self.code!r}, {self.text!r})"


class SheetReadError(ReadError):
    """One sheet of a return cannot be read (its part missing, damaged or hostile)."""

    def __init__(self, sheet: str, err: ReadError) -> None:
        super().__init__(str(err), code=err.code, path=err.path)
        self.sheet = sheet


@dataclass
class ReadResult:
    """The return as read (values raw), plus every identity and structure issue found."""

    data: Return | None
    issues: list[Issue] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# What is this file?


def _sniff(head: bytes) -> tuple[str, str] | None:
    """(code, detail) for a file that is plainly not an .xlsx, from its first bytes."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ("ole", "")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" is UTF-16
        body = head[2: len(head) - len(head) % 2]
        head = body.decode("utf-16-le" if head[0] == 0xFF else "utf-16-be",
                           "replace").encode("utf-8")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        if b"<html" in text or b"<!doctype html" in text or b"<table" in text:
            return ("html-file", "")
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            return ("not-xlsx", ": it is an Excel 2003 XML spreadsheet")
        return ("not-xlsx", ": it is an XML file")
    if head.startswith(b"%PDF"):
        return ("not-xlsx", ": it is a PDF")
    if head.startswith(b"{\\rtf"):
        return ("not-xlsx", ": it is a Word (RTF) document")
    if _looks_like_text(head):
        return ("csv-file", "")
    return ("not-xlsx", ": its contents are not a workbook")


def _looks_like_text(head: bytes) -> bool:
    """Mostly printable characters, read as UTF-8 (or, failing that, Windows Latin-1)."""
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError as err:
        # The sample may end part-way through a character: judge what comes before it.
        if err.start >= len(head) - 3:
            sample = head[: err.start].decode("utf-8", "replace")
        else:
            sample = head.decode("cp1252", "replace")
    sample = sample.lstrip("\ufeff")
    if not sample:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable >= 0.95 * len(sample) and "\ufffd" not in sample


def _ole_kind(path: Path, limits: Limits) -> str:
    """An OLE2 file is an old .xls, or an .xlsx encrypted with a password to open."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        data = fh.read(limits.max_file_bytes)
    return "password-protected" if marker in data else "xls-file"


# --------------------------------------------------------------------------------------
# Reading zip parts safely


def _read_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """A part's bytes, decompressed no further than it declares; refuses a DTD."""
    if info.file_size > limits.max_part_bytes:
        raise ReadError(f"{info.filename} would unpack to {info.file_size:,} bytes",
                        code="too-large")
    try:
        with z.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            ValueError) as err:
        raise ReadError(f"{info.filename} cannot be unpacked: {err}", code="damaged-file") from err
    except RuntimeError as err:  # zipfile raises this for encrypted members
        raise ReadError(str(err), code="password-protected") from err
    if len(data) != info.file_size:
        raise ReadError(f"{info.filename} is not the size the zip declares", code="damaged-file")
    _refuse_dtd(data, info.filename)
    return data


_ROOT_START = re.compile(rb"<(?![?!])")


def _refuse_dtd(data: bytes, name: str) -> None:
    """Excel never writes a DTD; one in a part can only be an entity attack (XXE, bombs)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:2] in (b"<\x00", b"\x00<"):
        # A part in UTF-16: look at it as UTF-8, so the DTD cannot hide between zero bytes.
        head = data[:1 << 20]
        enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else \
            ("utf-16-le" if head[:1] == b"<" else "utf-16-be")
        data = head.decode(enc, "replace").encode("utf-8")
    m = _ROOT_START.search(data)
    prolog = data[: m.start()] if m else data
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise ReadError(f"{name} declares a DTD or entities", code="hostile-xml")


def _check_members(z: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    infos = z.infolist()
    if len(infos) > limits.max_members:
        raise ReadError(f"it holds {len(infos):,} parts", code="too-large")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            raise ReadError(f"{info.filename} would unpack to {info.file_size:,} bytes",
                            code="too-large")
        if info.file_size > 1024 * 1024 and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ReadError(f"{info.filename} is compressed {info.file_size // max(info.compress_size, 1):,} "
                            "to 1, like a zip bomb", code="too-large")
    if total > limits.max_total_bytes:
        raise ReadError(f"its parts would unpack to {total:,} bytes", code="too-large")
    return {i.filename: i for i in infos}


def _xml(data: bytes, name: str) -> Any:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as err:
        raise ReadError(f"{name}: {err}", code="hostile-xml") from err
    except SafeET.ParseError as err:
        raise ReadError(f"{name} is not well-formed XML ({err})", code="damaged-file") from err
    except LookupError as err:  # an encoding Python does not know, such as encoding="A1"
        raise ReadError(f"{name} is not readable XML ({err})", code="damaged-file") from err


@dataclass
class _SheetInfo:
    name: str
    state: str
    part: str


def _workbook_sheets(z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
                     limits: Limits) -> list[_SheetInfo]:
    """Sheet names, visibility and part paths, from workbook.xml and its relationships."""
    wb_name = "xl/workbook.xml"
    if "[Content_Types].xml" not in members:
        raise ReadError("the part [Content_Types].xml is missing", code="damaged-file")
    if wb_name not in members:
        if "xl/workbook.bin" in members:
            raise ReadError("", code="xlsb-file")
        raise ReadError("the workbook part xl/workbook.xml is missing", code="damaged-file")
    _read_part(z, members["[Content_Types].xml"], limits)
    root = _xml(_read_part(z, members[wb_name], limits), wb_name)
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in members:
        rels = _xml(_read_part(z, members[rels_name], limits), rels_name)
        for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else \
                str(PurePosixPath("xl") / target)
            targets[rel.get("Id", "")] = _normpath(path)
    out = []
    for el in root.iter(f"{{{NS_MAIN}}}sheet"):
        rid = el.get(f"{{{NS_REL}}}id", "")
        out.append(_SheetInfo(el.get("name", ""), el.get("state", "visible"),
                              targets.get(rid, "")))
    if not out:
        raise ReadError("the workbook lists no sheets", code="damaged-file")
    return out


def _head_of(z: zipfile.ZipFile, info: zipfile.ZipInfo, n: int = 100) -> bytes:
    """The first bytes of a part, unpacking no more than that."""
    try:
        with z.open(info) as fh:
            return fh.read(n)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as err:
        raise ReadError(f"{info.filename} cannot be unpacked: {err}",
                        code="damaged-file") from err


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


# --------------------------------------------------------------------------------------
# Scanning a sheet's XML before calamine lays it out

# A start tag's attributes, quoted values taken whole: a value may hold ">" or "/".
_ATTRS = rb'(?:[^"\'>]|"[^"]*"|\'[^\']*\')*?'
# The same where no attribute value holds ">" (as Excel, LibreOffice and openpyxl write),
# which the regular-expression engine runs several times faster.
_PLAIN_ATTRS = rb"[^>]*?"
_PREFIX = rb'<(?:[^\s<>/:!?="\']+:)?'
_R_VALUE = rb'\sr\s*=\s*(?:"([A-Za-z]*)([0-9]*)"|\'([A-Za-z]*)([0-9]*)\')'


def _tag_patterns(attrs: bytes) -> tuple[re.Pattern[bytes], ...]:
    return (
        # cells holding something (not self-closed) that say where they are ...
        re.compile(_PREFIX + rb"c(?=\s)" + attrs + _R_VALUE + attrs + rb"(?<!/)>"),
        # ... and all cells holding something, with or without a reference
        re.compile(_PREFIX + rb"c(?=[\s>])" + attrs + rb"(?<!/)>"),
        re.compile(_PREFIX + rb"row(?=\s)" + attrs + _R_VALUE),
        re.compile(_PREFIX + rb"row(?=[\s/>])"),
    )


_EXACT_TAGS = _tag_patterns(_ATTRS)
_PLAIN_TAGS = _tag_patterns(_PLAIN_ATTRS)
# Two ">" with no "<" between: a ">" in an attribute value (or raw in text, which Excel never
# writes), so the plain patterns could end a tag too soon.
_LOOSE_GT = re.compile(rb">[^<]*>")
# One whole cell element: its attributes and its content.  Neither runs past the start of
# the next cell, so a cell left open (never closed by </c>) costs no more than its length:
# otherwise each of a hundred thousand open cells would be searched to the end of the sheet.
_CELL = re.compile(_PREFIX + rb'c(?=[\s>])((?:[^"\'<>]|"[^"<]*"|\'[^\'<]*\')*?)(?<!/)>'
                   rb"((?:[^<]|<(?!(?:[^\s<>/:!?]+:)?c[\s/>]))*?)</(?:[^\s<>/:!?]+:)?c>")
_ATTR_R = re.compile(rb'\sr\s*=\s*["\']([A-Za-z]{1,3})([0-9]{1,7})["\']')
_ATTR_T = re.compile(rb'\st\s*=\s*["\']([a-zA-Z]*)["\']')
_HAS_ERROR = re.compile(rb't\s*=\s*["\']e["\']')  # may overfind: it only decides to look
_CELL_START = re.compile(_PREFIX + rb"c(?=[\s>])")  # where a `_CELL` can start
_FORMULA = re.compile(rb"<(?:[^\s<>/:!?]+:)?f[\s/>]")
_PLAIN_FORMULA = re.compile(rb"<f[ />]")  # the tags Excel writes, as <f>, <f t=".."> or <f/>
_PREFIXED_FORMULA = re.compile(rb":f[ />]")  # the same with a prefix, such as <x:f>
# Where a prefixed cell or formula tag (`<x:c`, `<x:f`) may be: most sheets have none, and
# then one search spares the search for each.
_PREFIXED_TAG = re.compile(rb":[cf][\s/>]")
_VALUE = re.compile(rb"<(?:[^\s<>/:!?]+:)?v\s*(?:/>|>([^<]*)<)")
# Anything but tags and text: a comment, CDATA or processing instruction could hide a tag
# from the patterns above, so a sheet holding one is scanned by an XML parser instead.
_OTHER_MARKUP = re.compile(rb"<[!?]")
_SPACES = re.compile(rb"\s*")


@dataclass
class _Scan:
    max_row: int  # 1-based; 0 for an empty sheet; never less than the furthest cell's row
    max_col: int  # 0-based; never less than the furthest cell's column
    problems: dict[tuple[int, int], CellProblem]


def _refs(found: list[tuple[bytes, ...]]) -> tuple[int, int]:
    """The furthest row and column among (letters, digits[, letters, digits]) tuples: the
    first pair from double quotes, the second (if any) from single quotes."""
    if not found:
        return 0, 0
    pairs = [(0, 1)] if len(found[0]) == 2 else [(0, 1), (2, 3)]
    rows: set[bytes] = set()
    cols: set[bytes] = set()
    for a, d in pairs:  # sets built by map: a sheet has tens of thousands of cells
        rows.update(map(itemgetter(d), found))
        cols.update(map(itemgetter(a), found))
    rows.discard(b"")
    cols.discard(b"")
    huge = 10 ** 9
    max_row = max((int(r) if len(r) <= 9 else huge for r in rows), default=0)
    max_col = max((col_index(c.decode()) if len(c) <= 4 else huge
                   for c in {c.upper() for c in cols}), default=0)
    return max_row, max_col


# A sheet is scanned a slice at a time, so that the matches of a pattern are never all held
# at once: a 50 MB return can unpack to 200 MB of XML holding ten million cells.  A slice
# ends just before a "<", and every pattern below matches within one tag (one "<"), so no
# match is cut in two.
_SLICE = 4 << 20


def _slices(xml: bytes, start: int = 0) -> Iterator[tuple[int, int]]:
    lo = start
    while lo < len(xml):
        hi = xml.find(b"<", lo + _SLICE)
        hi = len(xml) if hi < 0 else hi
        yield lo, hi
        lo = hi


def _bounds(xml: bytes, limits: Limits = DEFAULT_LIMITS, prefixed: bool = True
            ) -> tuple[int, int]:
    """The furthest row and column calamine can lay out for this sheet, never less.

    Calamine builds a dense grid out to the furthest cell that holds anything, taking a
    cell's place from its reference, or for a cell (or row) without one, from the one
    before it.  Cells that hold nothing (`<c r="X9" s="1"/>`, a formatted blank) take no
    room, so a sheet formatted down to row 1,048,576 is not counted as that long.
    `prefixed` False says `_PREFIXED_TAG` is nowhere in the sheet.
    """
    start = xml.find(b">") + 1 if xml.startswith(b"<?") else 0
    # Past the line break after the prolog too: it holds no tag, and a sheet with no other
    # line break, tab or carriage return spares `_stray_r` a copy of the whole sheet.
    start = _SPACES.match(xml, start).end()  # type: ignore[union-attr]  # \s* always matches
    if _other_markup(xml, start) or _stray_r(xml, start):
        return _bounds_parsed(xml, limits)
    if _within_small_bound(xml, limits, start, prefixed):
        return _SMALL_BOUND
    loose = _LOOSE_GT.search(xml, start) is not None
    if not loose:
        fast = _bounds_fast(xml, limits, start)
        if fast is not None:
            return fast
    if not _every_lt_starts_a_tag(xml, start):
        return _bounds_parsed(xml, limits)
    value_cell_r, value_cell, row_r, row = _EXACT_TAGS if loose else _PLAIN_TAGS
    max_row = max_col = rows_max = n_cells = n_value_cells = n_rows = 0
    for lo, hi in _slices(xml, start):
        cells = value_cell_r.findall(xml, lo, hi)
        r, c = _refs(cells)
        max_row, max_col, n_cells = max(max_row, r), max(max_col, c), n_cells + len(cells)
        n_value_cells += _count(value_cell, xml, lo, hi)
        rows_max = max(rows_max, _refs(row_r.findall(xml, lo, hi))[0])
        n_rows += _count(row, xml, lo, hi)
    if n_value_cells > n_cells:
        # Cells without a reference follow the one before them: at worst each one moves a
        # column further right, in a row as far down as any row goes.
        max_row = max(max_row, rows_max + n_rows)
        max_col += n_value_cells
    return max_row, max_col


_XML_SPACE = bytes.maketrans(b"\t\n\r", b"   ")


def _other_markup(xml: bytes, start: int) -> bool:
    """Does the sheet hold `<!` or `<?` (past its prolog)?  A search for one byte runs many
    times faster than a search for a pair, and most sheets hold no "!" and no "?" at all."""
    if xml.find(b"!", start) < 0 and xml.find(b"?", start) < 0:
        return False
    return _OTHER_MARKUP.search(xml, start) is not None


def _stray_r(xml: bytes, start: int) -> bool:
    """Might a tag hold an `r` attribute other than the one that opens `<c r=` or `<row r=`?

    A second one (`<c r="A1" r="XFD1048576">`) is not well-formed XML, and Excel never
    writes it, but calamine places the cell by the last where the patterns here read the
    first: such a sheet goes to the parser, which refuses it.  Counting is enough: every
    `<c r=` and `<row r=` holds one " r=", so any other " r=" (or an r with space before its
    "=") is a stray.  Text in a sheet that reads " r=" merely takes the parser's slower path.
    """
    if xml.find(b"\t", start) >= 0 or xml.find(b"\n", start) >= 0 or \
            xml.find(b"\r", start) >= 0:
        xml = xml.translate(_XML_SPACE)  # then every space between attributes is " "
    stray = xml.count(b" r=", start) - xml.count(b"<c r=", start) - xml.count(b"<row r=", start)
    return stray != 0 or xml.find(b" r ", start) >= 0


def _count(pattern: re.Pattern[bytes], xml: bytes, lo: int, hi: int) -> int:
    return len(pattern.findall(xml, lo, hi))


# Every tag a sheet can hold, attribute values quoted and free of "<" as XML requires.
_NAME = rb'[^\s<>/="\'!?]+'
_TAG = re.compile(rb"</" + _NAME + rb"\s*>|<" + _NAME + rb'(?:\s+' + _NAME
                  + rb'\s*=\s*(?:"[^"<]*"|\'[^\'<]*\'))*\s*/?>')


def _every_lt_starts_a_tag(xml: bytes, start: int) -> bool:
    """Is every "<" the start of a tag?  Only then can the sheet be cut into slices before a
    "<" with no tag cut in two (no "<" hides in an attribute value).  Not so only in XML that
    is not well-formed, which the parser then refuses."""
    return _TAG.subn(b"", xml)[1] == xml.count(b"<", start)  # the prolog is no tag


_COMMON_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,9})"')
_ANY_CELL_TAG = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")
_COMMON_VALUE_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,9})"[^<>]*?(?<!/)>')
_COMMON_BLANK_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,9}"[^<>]*?/>')


# A cell tag that does not start `<c r="A1"`: one column letter, at most five row digits.
_ODD_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,5}")[\s/>]')
# The furthest such a cell can be: row 99,999, column Z.
_SMALL_BOUND = (99_999, 25)


def _within_small_bound(xml: bytes, limits: Limits, start: int = 0,
                        prefixed: bool = True) -> bool:
    """Is every cell tag `<c r="A1"` (one column letter, at most five row digits), so that
    `_SMALL_BOUND` bounds the sheet, and is that bound within the limits?

    A return's sheets seldom reach column AA or row 100,000: two searches prove that none
    of this one's cells does, and no cell is looked at one by one.  No ">" inside an
    attribute value can spoil this: every cell calamine reads opens with the bytes `<c`
    (a prefixed `<x:c` is searched for), each of them is searched for wherever it is, and
    `_stray_r` has already made sure no cell holds a second `r`.
    """
    max_row, max_col = _SMALL_BOUND
    return max_row <= limits.max_rows and max_col < limits.max_columns and \
        max_row * (max_col + 1) <= limits.max_cells and \
        not (prefixed and _PREFIXED_CELL_TAG.search(xml, start)) and \
        not _ODD_CELL.search(xml, start)


def _bounds_fast(xml: bytes, limits: Limits, start: int = 0) -> tuple[int, int] | None:
    """`_bounds` for a sheet as Excel, LibreOffice and openpyxl write it (every cell
    `<c r="A1" …>`, reference first, no namespace prefix), or None if this one is not.

    Every cell's reference is read (the sheet is past `_SMALL_BOUND`, or some cell is
    written otherwise), but by searches that trust no ">" to sit inside an attribute value.
    """
    if _PREFIXED_CELL_TAG.search(xml, start):
        return None  # some cell is written otherwise: the careful patterns must find it
    max_row = max_col = 0
    n_cells = 0
    for lo, hi in _slices(xml, start):
        cells = _COMMON_CELL.findall(xml, lo, hi)
        if len(cells) != _count(_ANY_CELL_TAG, xml, lo, hi):
            return None  # some cell is written otherwise: the careful patterns must find it
        r, c = _refs(cells)
        max_row, max_col, n_cells = max(max_row, r), max(max_col, c), n_cells + len(cells)
    if max_row <= limits.max_rows and max_col < limits.max_columns:
        return max_row, max_col  # even counting formatted blanks, it is within bounds
    # Formatted blank cells (self-closed) take no room: count only cells holding something.
    max_row = max_col = 0
    for lo, hi in _slices(xml, start):
        found = _COMMON_VALUE_CELL.findall(xml, lo, hi)
        n_cells -= len(found) + _count(_COMMON_BLANK_CELL, xml, lo, hi)
        r, c = _refs(found)
        max_row, max_col = max(max_row, r), max(max_col, c)
    # Every cell is either kind, unless a tag holds a stray "<": then look again, carefully.
    return (max_row, max_col) if n_cells == 0 else None


class _Beyond(Exception):
    """The parse has seen enough: the sheet is past a limit."""


def _bounds_parsed(xml: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[int, int]:
    """`_bounds` for a sheet holding comments or CDATA: parsed, every cell counted, and
    stopped as soon as the sheet is past a limit."""
    import xml.parsers.expat as expat

    state = {"row": 0, "col": -1, "max_row": 0, "max_col": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "row":
            r = attrs.get("r", "")
            state["row"] = int(r) if r.isdigit() and len(r) <= 9 else state["row"] + 1
            state["col"] = -1
        elif local == "c":
            m = re.fullmatch(r"([A-Za-z]{1,4})([0-9]{1,9})", attrs.get("r", ""))
            if m:
                state["row"] = max(state["row"], int(m.group(2)))
                state["col"] = col_index(m.group(1))
                row = int(m.group(2))
            else:
                state["col"] += 1
                row = state["row"]
            state["max_row"] = max(state["max_row"], row)
            state["max_col"] = max(state["max_col"], state["col"])
            if state["max_row"] > limits.max_rows or state["max_col"] >= limits.max_columns \
                    or state["max_row"] * (state["max_col"] + 1) > limits.max_cells:
                raise _Beyond

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EntityDeclHandler = _no_entities
    try:
        parser.Parse(xml, True)
    except _Beyond:
        pass
    except expat.ExpatError as err:
        raise ReadError(f"a sheet is not well-formed XML ({err})", code="damaged-file") from err
    return state["max_row"], state["max_col"]


def _no_entities(*_: Any) -> None:
    raise ReadError("a sheet declares entities", code="hostile-xml")


def _problems(xml: bytes, prefixed: bool = True) -> dict[tuple[int, int], CellProblem]:
    """Cells calamine would read as blank: error values, and formulas never calculated.

    A formula whose cached value is an empty string (`t="str"` with an empty `<v>`) was
    calculated, to "": such a cell is blank, not a problem.  `prefixed` False says
    `_PREFIXED_TAG` is nowhere in the sheet.
    """
    problems: dict[tuple[int, int], CellProblem] = {}
    # Each search starts with a literal, which the regular-expression engine skips to: far
    # faster than one search for all of them, or a `tag in xml` per tag.
    formulas = _PLAIN_FORMULA.search(xml) is not None or (
        prefixed and _PREFIXED_FORMULA.search(xml) is not None
        and _FORMULA.search(xml) is not None)
    if not formulas and _HAS_ERROR.search(xml) is None:
        return problems
    for cell in _cells_with_clues(xml, prefixed):
        attrs, content = cell.groups()
        m = _ATTR_R.search(attrs)
        if m is None:
            continue
        where = (int(m.group(2)), col_index(m.group(1).decode()))
        t = _ATTR_T.search(attrs)
        kind = t.group(1) if t else b"n"
        v = _VALUE.search(content)
        text = v.group(1) if v and v.group(1) is not None else b""
        if kind == b"e":
            problems[where] = CellProblem("error-value", _unescape(text) or "#N/A")
        elif _FORMULA.search(content) and not text.strip() and kind != b"str":
            problems[where] = CellProblem("formula-no-value")
    return problems


def _cells_with_clues(xml: bytes, prefixed: bool = True) -> Iterator[re.Match[bytes]]:
    """The cells (`_CELL` matches) holding a formula or t="e", in order, each once: the only
    cells that can be problems.  A sheet may hold millions of cells and a few formulas.

    No cell holds the start of another (neither its attributes nor its content can), so the
    cell holding a clue, if any, is the one at the last cell start before the clue.  Clues
    are visited in order, the stretch of the sheet between two clues is searched for cell
    starts once, and each cell start is tried at most once: a cell left open costs no more
    than its length, however many clues follow.
    """
    clues = heapq.merge(_FORMULA.finditer(xml), _HAS_ERROR.finditer(xml), key=_start)
    plain = not prefixed or _PREFIXED_CELL_TAG.search(xml) is None
    last_start = _last_cell_start if plain else \
        _cell_start_walk(xml)
    start = tried = -1
    lo = 0
    for clue in clues:
        at = clue.start()
        found = last_start(xml, lo, at)
        if found >= 0:
            start = found
        lo = at
        if start < 0 or start == tried:
            continue
        tried = start
        cell = _CELL.match(xml, start)
        if cell is not None and cell.end() > at:
            yield cell


# What may follow `<c` in a cell's start tag (the `(?=[\s>])` of `_CELL_START`).
_AFTER_CELL_NAME = frozenset(b" \t\n\r\f\v>")


def _last_cell_start(xml: bytes, lo: int, at: int) -> int:
    """The last cell start in xml[lo:at], or -1, for a sheet where every cell start is a
    plain `<c` (no `:c` tag anywhere, so no prefixed one).  Searched backwards from the
    clue, it costs a few bytes per clue, not a step per cell of the sheet.  The search
    stops at `lo`, the previous clue: the range is searched only once however many clues
    follow, so a cell left open costs no more than its length."""
    while True:
        at = xml.rfind(b"<c", lo, at)
        if at < 0 or xml[at + 2] in _AFTER_CELL_NAME:  # a clue follows: at + 2 is in xml
            return at


def _cell_start_walk(xml: bytes) -> Callable[[bytes, int, int], int]:
    """`_last_cell_start` for any sheet: every cell start is visited in order, once."""
    starts = _CELL_START.finditer(xml)
    following = next(starts, None)

    def last_start(_: bytes, lo: int, at: int) -> int:
        nonlocal following
        found = -1
        while following is not None and following.start() < at:
            found = following.start()
            following = next(starts, None)
        return found

    return last_start


def _start(match: re.Match[bytes]) -> int:
    return match.start()


def _unescape(text: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text.decode("utf-8", "replace"))


def _scan_sheet(xml: bytes, limits: Limits) -> _Scan:
    """Bound the sheet's extent and locate cells calamine would read as blank."""
    prefixed = _PREFIXED_TAG.search(xml) is not None
    max_row, max_col = _bounds(xml, limits, prefixed)
    problems = _problems(xml, prefixed) if max_row <= limits.max_rows and \
        max_col < limits.max_columns and max_row * (max_col + 1) <= limits.max_cells else {}
    return _Scan(max_row, max_col, problems)


# --------------------------------------------------------------------------------------
# Headers


def _norm_header(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return _norm_text(text)


@functools.lru_cache(maxsize=4096)  # the header search meets the same texts in every return
def _norm_text(text: str) -> str:
    return " ".join(text.replace("*", " ").split()).casefold()


def _find_header_row(grid: list[list[Any]], spec: SheetSpec, top: int = 20,
                     share: float = 1 / 3) -> int | None:
    """The 0-based index of the row holding most of the sheet's headers, if any.

    The row must hold at least `share` of them (and two at least): a third finds a header
    row a partner has mangled; a sheet of some other name must hold more to stand in.
    """
    wanted = {_norm_header(h) for h in spec.headers}
    best, best_hits = None, 0
    for i, row in enumerate(grid[:top]):
        hits = sum(1 for v in row if _norm_header(v) in wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    needed = max(2, int(len(wanted) * share))
    return best if best_hits >= needed else None


def _suggest(name: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    low = {c.casefold(): c for c in candidates}
    hit = difflib.get_close_matches(name.casefold(), list(low), n=1, cutoff=cutoff)
    return low[hit[0]] if hit else None


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9£%]+", text.casefold()))


def _core(text: str) -> str:
    """A header without its bracketed part: "Due date (baseline)" → "due date"."""
    return " ".join(re.sub(r"\(.*?\)", " ", text).casefold().split())


def _renamed(header: str, candidates: list[str]) -> str | None:
    """The header a partner most likely renamed `header` to, if one is close enough.

    Close in spelling ("Lead officers"), the same words in another order ("Baseline due
    date"), or the same words without the bracketed part ("Due date").
    """
    near = _suggest(header, candidates, cutoff=0.75)
    if near is not None:
        return near
    words, core = _words(header), _core(header)
    for c in candidates:
        if _words(c) == words or (core != header.casefold() and _core(c) == core):
            return c
    return None


# --------------------------------------------------------------------------------------
# The reader


class _Reader:
    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.file = str(path)
        self.limits = limits
        self.issues: list[Issue] = []
        self.tables_found = 0  # data sheets whose header row was found
        self._others: dict[str, tuple[list[list[Any]], _Scan] | None] = {}  # stand-in sheets

    def issue(self, code: str, **kw: Any) -> None:
        self.issues.append(make_issue(code, file=self.file, **kw))

    def read(self) -> ReadResult:
        ret = Return(path=self.file)
        size = self.path.stat().st_size
        if size == 0:
            raise ReadError("", code="empty-file")
        if size > self.limits.max_file_bytes:
            raise ReadError(f"the file is {size:,} bytes", code="too-large")
        with self.path.open("rb") as fh:
            head = fh.read(4096)
            fh.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        ret.sha256 = digest.hexdigest()
        kind = _sniff(head)
        if kind is not None:
            code, detail = kind
            if code == "ole":
                code = _ole_kind(self.path, self.limits)
            raise ReadError(detail, code=code)
        try:
            z = zipfile.ZipFile(self.path)
        # A broken central directory can also claim a zip version from the future, or a
        # UTF-8 name that is not UTF-8.
        except (zipfile.BadZipFile, NotImplementedError, ValueError) as err:
            raise ReadError("it is a truncated or broken zip archive",
                            code="damaged-file") from err
        with z:
            members = _check_members(z, self.limits)
            if "mimetype" in members and b"opendocument" in _head_of(z, members["mimetype"]):
                raise ReadError("", code="ods-file")
            if any(i.flag_bits & 0x1 for i in members.values()):
                raise ReadError("", code="password-protected")
            infos = _workbook_sheets(z, members, self.limits)
            for extra in ("xl/sharedStrings.xml", "xl/styles.xml"):
                if extra in members:
                    _read_part(z, members[extra], self.limits)
            try:
                book = pc.CalamineWorkbook.from_path(str(self.path))
            except BaseException as err:  # calamine raises several types; all mean "damaged"
                if not _from_calamine(err):
                    raise
                raise ReadError(f"{type(err).__name__}: {err}", code="damaged-file") from err
            by_name = {i.name: i for i in infos}
            ret.meta = self._identity(z, members, book, by_name)
            for spec in sheets():
                self._sheet(z, members, book, by_name, spec, ret)
        if not ret.meta and not self.tables_found:
            # No identity and none of the tables: some other workbook, not a damaged return,
            # so one message says so rather than one per missing sheet.
            self.issues.clear()
            raise ReadError("", code="not-our-template")
        return ReadResult(ret, self.issues)

    # -- identity -------------------------------------------------------------------------

    def _grid(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
              book: Any, info: _SheetInfo, quiet: bool = False
              ) -> tuple[list[list[Any]], _Scan] | None:
        """The sheet's cells as a grid, or None (said as an issue) when it is too large.

        A sheet that cannot be read at all (its part missing, damaged or hostile) makes the
        return unreadable; the issue says which sheet.
        """
        try:
            return self._sheet_grid(z, members, book, info, quiet)
        except ReadError as err:
            raise SheetReadError(info.name, err) from err

    def _sheet_grid(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
                    book: Any, info: _SheetInfo, quiet: bool
                    ) -> tuple[list[list[Any]], _Scan] | None:
        part = members.get(info.part)
        if part is None:
            raise ReadError(f"the part for sheet {info.name!r} is missing", code="damaged-file")
        xml = _read_part(z, part, self.limits)
        scan = _scan_sheet(xml, self.limits)
        del xml  # up to 200 MB, not to be held while calamine lays the sheet out
        # Calamine lays the sheet out as a dense grid: one stray value at XFD1048576 would
        # ask for 17 billion cells and abort the process.  Such a sheet is not read.
        if scan.max_row > self.limits.max_rows:
            if quiet:
                return None
            self.issue("too-many-rows", sheet=info.name, value=scan.max_row,
                       expected=self.limits.max_rows)
            return None
        if scan.max_col >= self.limits.max_columns or \
                scan.max_row * (scan.max_col + 1) > self.limits.max_cells:
            if quiet:
                return None
            most = min(self.limits.max_columns, self.limits.max_cells // max(scan.max_row, 1))
            self.issue("too-large", sheet=info.name,
                       detail=f"the {info.name} sheet has data out to column "
                              f"{col_letter(min(scan.max_col, 16383))}; laa-xl reads at most "
                              f"{most:,} columns there, so that sheet was not read")
            return None
        try:
            grid = book.get_sheet_by_name(info.name).to_python(skip_empty_area=False)
        except BaseException as err:
            if not _from_calamine(err):
                raise
            raise ReadError(f"sheet {info.name!r}: {type(err).__name__}: {err}",
                            code="damaged-file") from err
        return grid, scan

    def _identity(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], book: Any,
                  by_name: dict[str, _SheetInfo]) -> dict[str, str]:
        info = by_name.get(META_SHEET)
        if info is None:
            if not {s.name for s in sheets()} & set(by_name):
                raise ReadError("", code="not-our-template")
            self.issue("not-our-template",
                       detail=" (its hidden identity sheet is missing, so its partnership and "
                              "period are unknown)")
            return {}
        got = self._grid(z, members, book, info)
        meta: dict[str, str] = {}
        for row in (got[0] if got else [])[1:]:
            if len(row) >= 2 and isinstance(row[0], str) and row[0]:
                meta[row[0]] = "" if row[1] is None else str(row[1])
        if meta.get("product") != PRODUCT:
            raise ReadError(" (its identity sheet is not ours)", code="not-our-template")
        version = meta.get("schema_version", "")
        expected = schema_version()
        if version.split(".")[0] != expected.split(".")[0]:
            self.issue("schema-version", value=version or "unknown", expected=expected)
        return meta

    # -- data sheets ----------------------------------------------------------------------

    def _sheet(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], book: Any,
               by_name: dict[str, _SheetInfo], spec: SheetSpec, ret: Return) -> None:
        info = by_name.get(spec.name)
        got = None
        if info is None:
            info, got = self._stand_in(z, members, book, by_name, spec, ret)
            if info is None:
                return
        if info.state != "visible":
            self.issue("hidden-sheet", sheet=info.name)
        if got is None:
            got = self._grid(z, members, book, info)
        ret.sheet_names[spec.key] = info.name
        if got is None:
            return
        grid, scan = got
        hdr = self._header_row(grid, spec, info.name)
        if hdr is None:
            return
        self.tables_found += 1
        columns = self._columns(grid[hdr], spec, info.name, hdr + 1)
        first_data = hdr + 1
        rows = ret.sheets[spec.key]
        items = list(columns.items())
        # A row is filled in when a partner typed something in it: a worked-out column (the
        # risk score's formula, on every row of the table) does not make a row count.
        typed = [name for name, _ in items if not spec.field(name).formula]
        # Cells calamine reads as blank that are not, by row: only their rows are patched.
        problems: dict[int, list[tuple[int, CellProblem]]] = {}
        for (r, c), problem in scan.problems.items():
            problems.setdefault(r - 1, []).append((c, problem))
        # What calamine gives that needs no conversion (a date is a date; a datetime or a
        # time of day needs `_plain`).
        plain_types = (str, int, float, bool, date)
        width = max(columns.values(), default=-1) + 1  # as wide as a row must be
        for i in range(first_data, len(grid)):
            line = grid[i]
            if len(line) < width:
                line = line + [""] * (width - len(line))
            if i in problems:  # put them in place (those past the row's end stay out)
                line = list(line)
                for col, problem in problems[i]:
                    if col < len(line):
                        line[col] = problem
            values: dict[str, Any] = {}
            for name, col in items:
                v = line[col]
                if v != "" and v is not None:
                    values[name] = v if type(v) in plain_types else _plain(v)
            if _filled_in(values, typed):
                rows.append(Row(spec.key, i + 1, values, columns))

    def _stand_in(self, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], book: Any,
                  by_name: dict[str, _SheetInfo], spec: SheetSpec, ret: Return
                  ) -> tuple[_SheetInfo | None, tuple[list[list[Any]], _Scan] | None]:
        """A missing sheet's stand-in: one renamed from it, found by name or by its headers.

        It is read in the missing sheet's place, so its data is still checked.
        """
        known = {s.name for s in sheets()} | {META_SHEET, LISTS_SHEET, GUIDANCE_SHEET}
        taken = set(ret.sheet_names.values())
        others = [n for n in by_name if n not in known and n not in taken]
        near = _suggest(spec.name, others)
        if near is not None:
            self.issue("missing-sheet", sheet=spec.name,
                       suggest=f' The workbook has a sheet "{near}": did you mean '
                               f'"{spec.name}"?',
                       fix=f' It was read in its place: rename it "{spec.name}".')
            return by_name[near], None
        for name in others:
            if name not in self._others:  # each other sheet is read once, whatever is missing
                self._others[name] = self._grid(z, members, book, by_name[name], quiet=True)
            got = self._others[name]
            if got is not None and _find_header_row(got[0], spec, share=0.5) is not None:
                self.issue("missing-sheet", sheet=spec.name,
                           suggest=f' The sheet "{name}" has its columns.',
                           fix=f' It was read in its place: rename it "{spec.name}".')
                return by_name[name], got
        self.issue("missing-sheet", sheet=spec.name,
                   fix=" Put it back with its original name, from the template you were sent.")
        return None, None

    def _header_row(self, grid: list[list[Any]], spec: SheetSpec, sheet_name: str) -> int | None:
        """The 0-based row of the sheet's headers; an issue, and None, when there is none."""
        hdr = _find_header_row(grid, spec)
        if hdr is None:
            self.issue("no-header-row", sheet=sheet_name,
                       expected=", ".join(f'"{h}"' for h in spec.headers[:3]))
        return hdr

    def _columns(self, header: list[Any], spec: SheetSpec, sheet_name: str,
                 row: int) -> dict[str, int]:
        by_header = {_norm_header(f.header): f for f in spec.fields}
        found: dict[str, int] = {}
        unmatched: list[tuple[int, str]] = []
        for col, text in enumerate(header):
            key = _norm_header(text)
            if not key:
                continue
            f = by_header.get(key)
            if f is None:
                unmatched.append((col, str(text).strip()))
            elif f.name in found:
                self.issue("duplicate-column", sheet=sheet_name, cell=a1(row, col),
                           field=f.header, value=f"{col_letter(found[f.name])} and "
                                                 f"{col_letter(col)}")
            else:
                found[f.name] = col
        for f in spec.fields:
            if f.name in found:
                continue
            near = _renamed(f.header, [t for _, t in unmatched])
            if near is not None:
                col = next(c for c, t in unmatched if t == near)
                unmatched = [(c, t) for c, t in unmatched if c != col]
                found[f.name] = col
                self.issue("renamed-column", sheet=sheet_name, cell=a1(row, col),
                           field=f.header, value=near)
            else:
                self.issue("missing-column", sheet=sheet_name, field=f.header)
        for col, text in unmatched:
            self.issue("extra-column", sheet=sheet_name, cell=a1(row, col), value=text)
        return dict(sorted(found.items(), key=lambda kv: kv[1]))


def _from_calamine(err: BaseException) -> bool:
    """Is `err` calamine failing on the file?  It raises ordinary exceptions, and a panic in
    its Rust code (a date-formatted cell holding -1e308, a date no calendar has) arrives as
    PanicException, which derives from BaseException alone."""
    return isinstance(err, Exception) or type(err).__name__ == "PanicException"


def _filled_in(values: dict[str, Any], typed: list[str]) -> bool:
    """Does the row hold something other than spaces in any of these fields?"""
    for name in typed:
        v = values.get(name)
        if v is not None and not (isinstance(v, str) and not v.strip()):
            return True
    return False


def _plain(v: Any) -> Any:
    """Calamine's value as the cell rules expect it: dates as date, whole floats kept.

    A number under 1 in a cell formatted as a date comes back as a time of day, and one
    formatted as a duration as a timedelta: the cell holds a number, so it is read as one
    (0.5 for noon), never as a date.
    """
    if isinstance(v, datetime):
        return v.date() if v.time() == time(0) else v
    if isinstance(v, time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if isinstance(v, timedelta):
        return v.total_seconds() / 86400
    return v


def read_return(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read one returned workbook.  Never raises for a bad file: that becomes an issue."""
    p = Path(path)
    reader = _Reader(p, limits)
    try:
        return reader.read()
    except ReadError as err:
        sheet = err.sheet if isinstance(err, SheetReadError) else ""
        return ReadResult(None, reader.issues + [make_issue(err.code, file=str(p), sheet=sheet,
                                                            detail=str(err))])
    except OSError as err:
        return ReadResult(None, [make_issue(
            "damaged-file", file=str(p), detail=f"it cannot be opened: {err.strerror}")])



def open_for_copy(path: str | Path) -> Any:
    """The workbook as openpyxl keeps it, for writing a marked-up copy (feedback).

    Only called on a file `read_return` has already read, so it is known to be safe to parse.
    """
    import openpyxl

    try:
        return openpyxl.load_workbook(path, rich_text=False, keep_links=False)
    except Exception as err:  # openpyxl raises many types for files calamine accepted
        raise ReadError(f"{type(err).__name__}: {err}", code="damaged-file",
                        path=str(path)) from err
