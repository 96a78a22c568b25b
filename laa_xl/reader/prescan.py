"""Scanning a sheet's XML before calamine lays it out.

Calamine lays a sheet out as a dense grid out to its furthest cell, and reads an error cell
(#REF!) or a formula never calculated as blank.  So each sheet is scanned first: its extent
is bounded, so that a sheet too large to lay out is refused, and its problem cells are
found, so that they become issues rather than silent blanks.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ..errors import ReadError
from ..model import col_index
from .limits import DEFAULT_LIMITS, Limits


class CellProblem:
    """A cell whose value cannot be read: an error such as #REF!, or an uncalculated formula."""

    __slots__ = ("code", "text")

    def __init__(self, code: str, text: str = "") -> None:
        self.code = code
        self.text = text

    def __repr__(self) -> str:
        return f"CellProblem({self.code!r}, {self.text!r})"



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
class Scan:
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


def scan_sheet(xml: bytes, limits: Limits) -> Scan:
    """Bound the sheet's extent and locate cells calamine would read as blank."""
    prefixed = _PREFIXED_TAG.search(xml) is not None
    max_row, max_col = _bounds(xml, limits, prefixed)
    problems = _problems(xml, prefixed) if max_row <= limits.max_rows and \
        max_col < limits.max_columns and max_row * (max_col + 1) <= limits.max_cells else {}
    return Scan(max_row, max_col, problems)

