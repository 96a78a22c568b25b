"""Scanning a sheet's XML before calamine lays it out.

Calamine lays a sheet out as a dense grid out to its furthest cell, and reads an error cell
(#REF!) or a formula never calculated as blank.  So each sheet is scanned first: its extent
is bounded, so that a sheet too large to lay out is refused before any grid is allocated,
and its problem cells are found, so that they become issues rather than silent blanks.

The bound is found one of two ways.  A sheet written as the template's are (as Excel,
LibreOffice and openpyxl write them) is proved small by a few byte searches (`fast_bound`);
any other sheet is parsed, cell by cell (`parsed_bound`).  Neither builds a tree, nor holds
a list of the sheet's cells.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any

from ..errors import ReadError
from ..issues import IssueCode
from ..model import col_index
from .limits import DEFAULT_LIMITS, Limits


class Percentage(float):
    """A number in a cell formatted as a percentage: 1 there shows as 100%."""

    __slots__ = ()


class CellProblem:
    """A cell whose value cannot be read: an error such as #REF!, or an uncalculated formula."""

    __slots__ = ("code", "text")

    def __init__(self, code: IssueCode, text: str = "") -> None:
        self.code = code
        self.text = text

    def __repr__(self) -> str:
        return f"CellProblem({self.code!r}, {self.text!r})"


@dataclass
class Scan:
    max_row: int  # 1-based; 0 for an empty sheet; never less than the furthest cell's row
    max_col: int  # 0-based; never less than the furthest cell's column
    problems: dict[tuple[int, int], CellProblem]
    # (1-based row, 0-based column) of cells in a percentage format: calamine gives values only
    percent: frozenset[tuple[int, int]] = frozenset()
    # merged ranges as (first row, first column, last row, last column), rows 1-based
    merges: tuple[tuple[int, int, int, int], ...] = ()
    # cells holding a negative number, by (1-based row, 0-based column): in a date format,
    # calamine reads one as a time of day, and the number typed would be lost
    negative: dict[tuple[int, int], float] = field(default_factory=dict)


def scan_sheet(xml: bytes, limits: Limits, percent_styles: frozenset[int] = frozenset()
               ) -> Scan:
    """Bound the sheet's extent, locate cells calamine would read as blank, and those
    formatted as a percentage (`percent_styles`, their style indexes)."""
    prefixed = _PREFIXED_TAG.search(xml) is not None
    max_row, max_col = bounds(xml, limits, prefixed)
    if not limits.within(max_row, max_col):
        return Scan(max_row, max_col, {})
    return Scan(max_row, max_col, _problems(xml, prefixed), _percent_cells(xml, percent_styles),
                _merges(xml), _negatives(xml))


_MERGE = re.compile(rb'<(?:[^\s<>/:!?="\']+:)?mergeCell\s[^<>]*?ref\s*=\s*["\']'
                    rb'([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})["\']')


def _merges(xml: bytes) -> tuple[tuple[int, int, int, int], ...]:
    """The sheet's merged ranges; most sheets have none."""
    if b"mergeCell" not in xml:
        return ()
    return tuple((int(m.group(2)), col_index(m.group(1).decode()), int(m.group(4)),
                  col_index(m.group(3).decode())) for m in _MERGE.finditer(xml))


_CELL_TAG = re.compile(rb'<(?:[^\s<>/:!?="\']+:)?c(\s[^<>]*)>')
_NEGATIVE_CELL = re.compile(rb'<(?:[^\s<>/:!?="\']+:)?c(\s[^<>]*)>\s*<(?:[^\s<>/:!?="\']+:)?v>'
                            rb'(-[0-9.Ee+-]{1,30})<')


def _negatives(xml: bytes) -> dict[tuple[int, int], float]:
    """The cells holding a negative number; most sheets have none."""
    if b"<v>-" not in xml and b":v>-" not in xml:  # most sheets hold no negative number
        return {}
    found = {}
    for m in _NEGATIVE_CELL.finditer(xml):
        r = _ATTR_R.search(m.group(1))
        if r is None:
            continue
        try:
            found[(int(r.group(2)), col_index(r.group(1).decode()))] = float(m.group(2))
        except ValueError:
            continue
    return found
_ATTR_S = re.compile(rb'\ss\s*=\s*["\']([0-9]{1,9})["\']')


def _percent_cells(xml: bytes, styles: frozenset[int]) -> frozenset[tuple[int, int]]:
    """The cells whose style shows a percentage.  Most sheets use no such style, and are
    not looked at cell by cell."""
    wanted = [s for s in styles if re.search(rb's\s*=\s*["\']%d["\']' % s, xml)]
    if not wanted:
        return frozenset()
    found = set()
    for tag in _CELL_TAG.finditer(xml):
        attrs = tag.group(1)
        s = _ATTR_S.search(attrs)
        if s is None or int(s.group(1)) not in styles:
            continue
        m = _ATTR_R.search(attrs)
        if m is not None:
            found.add((int(m.group(2)), col_index(m.group(1).decode())))
    return frozenset(found)


def bounds(xml: bytes, limits: Limits = DEFAULT_LIMITS, prefixed: bool = True
           ) -> tuple[int, int]:
    """The furthest row (1-based) and column (0-based) calamine can lay out for this sheet,
    never less: for a sheet shaped as the template's are, a bound that shows it is within
    limits; for any other, the furthest cell that holds something.

    `prefixed` False says no prefixed cell or formula tag (`<x:c`, `<x:f`) is in the sheet.
    """
    fast = fast_bound(xml, limits, prefixed)
    return fast if fast is not None else parsed_bound(xml)


# --------------------------------------------------------------------------------------
# The fast path: a sheet shaped as the template's are

# The furthest cell a sheet can hold when every cell holding something says so in a reference
# of one column letter and at most this many row digits: row 99,999 (or 999,999), column Z.
# A return's sheets seldom reach column AA or row 100,000; a roll-up's seldom row 1,000,000.
_SMALL_BOUNDS = ((99_999, 25, 5), (999_999, 25, 6))


def _odd_cell(digits: int) -> re.Pattern[bytes]:
    """A cell tag that is neither `<c r="A1"` (one letter, at most `digits` digits, first in
    the tag as Excel writes it) nor self-closed with every attribute written ` name="value"`
    (a formatted blank, which calamine gives no room: it may be anywhere)."""
    return re.compile(rb'<c(?! r="[A-Z][0-9]{1,%d}"' % digits
                      + rb'| r="[^"<>]*"(?: [^\s=<>/"\']+="[^"<>]*")*/>)[\s/>]')


_ODD_CELLS = tuple((max_row, max_col, _odd_cell(digits))
                   for max_row, max_col, digits in _SMALL_BOUNDS)
# An attribute named r, other than the one that opens `<c r` or `<row r`.  A tag with two is
# not XML, but calamine places the cell (or row) by the last; such a sheet is parsed, and the
# parser refuses it.  An attribute needs a space (or, to calamine, a closing quote) before
# its name, and its name is followed by "=" (spaces allowed); `xmlns:r`, which every sheet
# declares, names no attribute r.  Text that reads " r=" is merely parsed the slow way.
_OTHER_R = re.compile(rb'r(?<=[\s"\']r)(?<!<c r)(?<!<row r)\s*=')
# A prefixed cell tag, such as `<x:c`: it is a cell to calamine, and not searched for above.
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")
# Anything but tags and text: a comment, CDATA or processing instruction could hide a tag
# from the searches here (or show one calamine never reads), and a DTD could declare one.
_OTHER_MARKUP = re.compile(rb"<[!?]")


def fast_bound(xml: bytes, limits: Limits = DEFAULT_LIMITS, prefixed: bool = True
               ) -> tuple[int, int] | None:
    """`bounds` for a sheet whose cells are written as the template's are, or None.

    Every cell holding something is `<c r="A1" …>`, reference first, with one column letter
    and few row digits; a cell holding nothing is self-closed and takes no room.  Then
    no cell lies beyond the matching small bound, and nothing else need be looked at: no
    cell is looked at one by one.  Such a sheet holds no comment, CDATA or processing
    instruction, no prefixed cell tag, and no tag with a second r attribute.
    """
    start = xml.find(b">") + 1 if xml.startswith(b"<?") else 0  # past the XML declaration
    if _other_markup(xml, start) or _OTHER_R.search(xml, start) or \
            (prefixed and _PREFIXED_CELL_TAG.search(xml, start)):
        return None
    for max_row, max_col, odd_cell in _ODD_CELLS:
        if not limits.within(max_row, max_col):
            return None
        if odd_cell.search(xml, start) is None:
            return max_row, max_col
    return None


def _other_markup(xml: bytes, start: int) -> bool:
    """Does the sheet hold `<!` or `<?` (past its prolog)?  A search for one byte runs many
    times faster than a search for a pair, and most sheets hold no "!" and no "?" at all."""
    if xml.find(b"!", start) < 0 and xml.find(b"?", start) < 0:
        return False
    return _OTHER_MARKUP.search(xml, start) is not None


# --------------------------------------------------------------------------------------
# Every other sheet: parsed

_REFERENCE = re.compile(r"([A-Za-z]+)([0-9]+)")
_FAR = 10 ** 9  # further than any limit: a reference too long to be a cell calamine can hold


def parsed_bound(xml: bytes) -> tuple[int, int]:
    """`bounds` found by parsing the whole sheet, so that a sheet past a limit is said to
    reach as far as it does.

    Each cell is placed as calamine places it: by its reference, or (without one) in the
    column after the cell before it, in its row, which is the row after the one before
    unless it says otherwise.  A cell counts when it holds something (an element, or text
    other than spaces): calamine gives a formatted blank no room.  Not well-formed XML is
    refused.
    """
    row = 0
    col = -1
    max_row = max_col = 0
    waiting: tuple[int, int] | None = None  # the open cell, until it is seen to hold something

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, max_row, max_col, waiting
        if waiting is not None:  # an element inside the cell: it holds something
            max_row, max_col = max(max_row, waiting[0]), max(max_col, waiting[1])
            waiting = None
        local = name[name.rfind(" ") + 1:]  # the name without its namespace
        if local == "c":
            m = _REFERENCE.fullmatch(attrs.get("r", ""))
            if m is None:
                col += 1
            else:
                letters, digits = m.groups()
                here = int(digits) if len(digits) <= 9 else _FAR
                row = max(row, here)
                col = col_index(letters) if len(letters) <= 4 else _FAR
                waiting = (here, col)
                return
            waiting = (row, col)
        elif local == "row":
            r = attrs.get("r", "")
            row = (int(r) if len(r) <= 9 else _FAR) if r.isascii() and r.isdigit() else row + 1
            col = -1

    def end(name: str) -> None:
        nonlocal waiting
        waiting = None

    def text(data: str) -> None:
        nonlocal max_row, max_col, waiting
        if waiting is not None and not data.isspace():
            max_row, max_col = max(max_row, waiting[0]), max(max_col, waiting[1])
            waiting = None

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = _no_entities
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as err:
        raise ReadError(f"a sheet is not well-formed XML ({err})", code="damaged-file") from err
    return max_row, max_col


def _no_entities(*_: Any) -> None:
    raise ReadError("a sheet declares entities", code="hostile-xml")


# --------------------------------------------------------------------------------------
# Problem cells

_PREFIX = rb'<(?:[^\s<>/:!?="\']+:)?'
# One whole cell element: its attributes and its content.  Neither runs past the start of
# the next cell, so a cell left open (never closed by </c>) costs no more than its length:
# otherwise each of a hundred thousand open cells would be searched to the end of the sheet.
_CELL = re.compile(_PREFIX + rb'c(?=[\s>])((?:[^"\'<>]|"[^"<]*"|\'[^\'<]*\')*?)(?<!/)>'
                   rb"((?:[^<]|<(?!(?:[^\s<>/:!?]+:)?c[\s/>]))*?)</(?:[^\s<>/:!?]+:)?c>")
_ATTR_R = re.compile(rb'\sr\s*=\s*["\']([A-Za-z]{1,3})([0-9]{1,7})["\']')
_ATTR_T = re.compile(rb'\st\s*=\s*["\']([a-zA-Z]*)["\']')
_HAS_ERROR = re.compile(rb't\s*=\s*["\']e["\']')  # may overfind: it only decides to look
_FORMULA = re.compile(rb"<(?:[^\s<>/:!?]+:)?f[\s/>]")
_PLAIN_FORMULA = re.compile(rb"<f[ />]")  # the tags Excel writes, as <f>, <f t=".."> or <f/>
_PREFIXED_FORMULA = re.compile(rb":f[ />]")  # the same with a prefix, such as <x:f>
# Where a prefixed cell or formula tag (`<x:c`, `<x:f`) may be: most sheets have none, and
# then one search spares the search for each.
_PREFIXED_TAG = re.compile(rb":[cf][\s/>]")
_VALUE = re.compile(rb"<(?:[^\s<>/:!?]+:)?v\s*(?:/>|>([^<]*)<)")


def _problems(xml: bytes, prefixed: bool = True) -> dict[tuple[int, int], CellProblem]:
    """Cells calamine would read as blank: error values, and formulas never calculated.

    A formula whose cached value is an empty string (`t="str"` with an empty `<v>`) was
    calculated, to "": such a cell is blank, not a problem.  `prefixed` False says
    `_PREFIXED_TAG` is nowhere in the sheet.  Most sheets hold neither a formula nor an
    error, and are not looked at cell by cell.
    """
    problems: dict[tuple[int, int], CellProblem] = {}
    # Each search starts with a literal, which the regular-expression engine skips to: far
    # faster than one search for all of them, or a `tag in xml` per tag.
    formulas = _PLAIN_FORMULA.search(xml) is not None or (
        prefixed and _PREFIXED_FORMULA.search(xml) is not None
        and _FORMULA.search(xml) is not None)
    if not formulas and _HAS_ERROR.search(xml) is None:
        return problems
    for cell in _CELL.finditer(xml):
        attrs, content = cell.groups()
        if b"e" not in attrs and b"f" not in content:
            continue  # neither t="e" nor a formula tag: it cannot be a problem
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


def _unescape(text: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text.decode("utf-8", "replace"))
