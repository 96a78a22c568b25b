"""What every writer shares: atomic output, safe text, and the house formats.

Partner-typed text is data, never a formula or a link: every workbook is opened with
xlsxwriter's string conversions off, and `put` writes each Python value by its type.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from .errors import WriteError

# Excel refuses a cell holding more than this many characters.
MAX_CELL_TEXT = 32767
NAME_MAX = 255  # bytes in one file name (ext4, APFS; NTFS allows 255 characters)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte os.fsdecode could not read as UTF-8
_TEMP_ROOM = len("..XXXXXXXX.scratch")  # what a temporary name adds to its key

FIXED_CREATED = datetime(2008, 4, 1)  # the start of the LAA: a fixed, honest document date

RAG_COLOURS = {"Red": "#FF5B5B", "Amber": "#FFC000", "Green": "#70C050"}
RATING_COLOURS = {"Strong": "#70C050", "Adequate": "#FFE699", "Weak": "#FF5B5B"}


# Rows do not grow to show wrapped text by themselves: LibreOffice lays out (and prints) a
# row at the height the file gives it, so a writer gives each row with wrapped text its height.
CHARS_PER_WIDTH = 1.1  # 10 pt Arial characters per unit of column width, erring on the low side
LINE_HEIGHT = 12.75  # points per line of 10 pt text


def text_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped, word by word, in a column `width` wide."""
    room = max(int(width * CHARS_PER_WIDTH), 1)
    lines = 0
    for part in text.split("\n"):
        lines += 1
        used = 0
        for word in part.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= room:
                used = need
                continue
            if used:
                lines += 1
            used = len(word)
            while used > room:  # a word longer than the line breaks where it must
                lines += 1
                used -= room
    return lines


def row_height(lines: int) -> float:
    """The height (points) of a row showing `lines` lines of text."""
    return LINE_HEIGHT * lines + 2


def fitting_height(texts: Iterable[tuple[Any, float]]) -> float | None:
    """The height a row needs to show each (text, column width) wrapped; None for one line."""
    lines = 1
    for text, width in texts:
        if isinstance(text, str) and (len(text) > width * CHARS_PER_WIDTH or "\n" in text):
            lines = max(lines, text_lines(text, width))
    return None if lines == 1 else row_height(lines)


def fit_row(ws: Any, row: int, texts: Iterable[tuple[Any, float]]) -> None:
    """Make an xlsxwriter row tall enough to show each (text, column width) wrapped; call it
    before the row's cells are written (constant-memory mode writes a row when the next one
    starts)."""
    height = fitting_height(texts)
    if height is not None:
        ws.set_row(row, height)


def is_one_of(target: str | Path, inputs: Iterable[str | Path]) -> bool:
    """Whether `target` is the same path as one of `inputs`: an output must never replace one."""
    resolved = Path(target).resolve()
    return any(Path(other).resolve() == resolved for other in inputs)


@contextlib.contextmanager
def atomic_output(target: str | Path, refuse: tuple[str | Path, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only if the block succeeds.

    A failed or killed run leaves nothing at `target` (and any earlier file there untouched).
    `refuse` lists inputs the output must never replace.

    The temporary file is `.NAME.XXXXXXXX.part`, with a folder `.NAME.XXXXXXXX.scratch`
    beside it for xlsxwriter's own working files (see `new_workbook`).  A run that fails
    removes both; a run killed outright (SIGKILL, a power cut) cannot, and leaves them beside
    the target: the next run writing the same target removes them, and any others no running
    laa-xl is still writing (each run holds a lock on its own .part while it writes).
    """
    target = Path(target)
    if is_one_of(target, refuse):
        raise WriteError(f"Refusing to write {target}: it is one of the input files.")
    resolved = target.resolve()
    parent = resolved.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(parent, target.name)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{_temp_key(target.name)}.", suffix=".part",
                                        dir=parent)
    except OSError as err:
        raise WriteError(f"Cannot write to {parent}: {err.strerror}.") from err
    tmp = Path(tmp_name)
    _lock(fd)
    scratch = scratch_folder(tmp)
    try:
        scratch.mkdir()
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        if os.name == "nt":  # Windows renames no file that is open
            os.close(fd)
            fd = -1
        os.replace(tmp, resolved)
    except OSError as err:
        raise WriteError(f"Cannot write {target}: {err.strerror}.") from err
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp.exists():
            tmp.unlink()
        shutil.rmtree(scratch, ignore_errors=True)


def fit_name(stem: str, ending: str) -> str:
    """A file name made of `stem` and `ending` that any file system takes: line breaks and other
    control characters in the stem become spaces, bytes of a name that were not UTF-8 (as
    unzip leaves Windows names) are read as the Windows characters they most likely were, and
    the stem is cut (never the ending) so the name fits in one file name."""
    stem = _ESCAPED_BYTE.sub(lambda m: bytes([ord(m[0]) - 0xDC00]).decode("cp1252", "replace"),
                             stem)
    return _cut(_CONTROL.sub(" ", stem), NAME_MAX - len(os.fsencode(ending))) + ending


def _temp_key(name: str) -> str:
    """The part of a temporary file's name that says which output it becomes: the output's
    own name, or for a name too long to take the temporary ending, its start and a digest, so
    a name that fits as an output always fits as a temporary file too."""
    import hashlib

    raw = os.fsencode(name)
    if len(raw) + _TEMP_ROOM <= NAME_MAX:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:8]
    return _cut(name, NAME_MAX - _TEMP_ROOM - len(digest) - 1) + "~" + digest


def _cut(text: str, room: int) -> str:
    """`text` cut, at a character, to at most `room` bytes as a file name."""
    while len(os.fsencode(text)) > room:
        text = text[:-1]
    return text


def writable_folder(folder: str | Path) -> None:
    """Make `folder` and prove a file can be written there, before any output is: a command
    that cannot write all its outputs stops before it writes the first."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise WriteError(f"Cannot write to {folder}: {err.strerror}.") from err


def scratch_folder(part: Path) -> Path:
    """The working folder that goes with a temporary file: `.NAME.XXXXXXXX.scratch`.

    Writers put their own working files there too: a run killed outright leaves them where
    the next run finds and removes them."""
    return part.with_name(part.name.removesuffix(".part") + ".scratch")


ORPHAN_AGE = 24 * 3600  # seconds; where files cannot be locked, a day-old one is abandoned


def _lock(fd: int) -> bool:
    """Lock an open file for this process, without waiting; False if another holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; _remove_orphans goes by age
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _remove_orphans(folder: Path, name: str) -> None:
    """Remove the temporary files of earlier runs that were killed while writing `name`."""
    import glob
    import time

    pattern = f".{glob.escape(_temp_key(name))}.*"
    for scratch in folder.glob(pattern + ".scratch"):
        part = scratch.with_name(scratch.name.removesuffix(".scratch") + ".part")
        if not part.exists():  # its run was killed as it finished: nothing uses it
            shutil.rmtree(scratch, ignore_errors=True)
    for stale in folder.glob(pattern + ".part"):
        try:
            fd = os.open(stale, os.O_RDONLY)
        except OSError:
            continue
        try:
            if os.name == "nt":
                abandoned = time.time() - os.fstat(fd).st_mtime > ORPHAN_AGE
            else:
                abandoned = _lock(fd)  # the lock is free: the run that made it is gone
        finally:
            os.close(fd)
        if abandoned:
            with contextlib.suppress(OSError):
                stale.unlink()
            shutil.rmtree(scratch_folder(stale), ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_workbook(path: Path, *, constant_memory: bool = False,
                 created: datetime = FIXED_CREATED, title: str = "",
                 scratch: Path | None = None) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook that never turns text into formulas, links or numbers.

    Written to a temporary file of `atomic_output`, its working files (a constant-memory
    sheet's rows, each part before it is zipped) go in that file's scratch folder (or the
    `scratch` folder given), not the system's temporary folder: a run killed outright leaves
    them where the next run finds and removes them.
    """
    scratch = scratch or scratch_folder(Path(path))
    wb = xlsxwriter.Workbook(str(path), {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "constant_memory": constant_memory,
        "default_date_format": "dd/mm/yyyy",
        "tmpdir": str(scratch) if scratch.is_dir() else None,
    })
    wb.set_properties({"title": title, "author": "laa-xl", "created": created,
                       "comments": "Made by laa-xl"})
    return wb


# Day 0 of Excel's 1900 date system, counting back from 1 March 1900: Excel's day numbers
# include a 29 February 1900 that never was, so this holds for every later date.
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()


def excel_date(value: date) -> int:
    """A date as Excel's day number (1900 system): what a date cell holds, with a date format.

    Writing the number directly is several times quicker than xlsxwriter's write_datetime.
    """
    return value.toordinal() - _EXCEL_EPOCH


def date_from_excel(serial: int) -> date:
    """The date of an Excel day number (1900 system), as `excel_date` writes it."""
    return date.fromordinal(_EXCEL_EPOCH + serial)


def put(ws: Any, row: int, col: int, value: Any, fmt: Any = None,
        date_fmt: Any = None) -> None:
    """Write one value by its Python type; text is always text, however it starts."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, date_fmt or fmt)
    elif isinstance(value, date):
        ws.write_number(row, col, excel_date(value), date_fmt or fmt)
    else:
        write_text(ws, row, col, str(value), fmt)


_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """Text that can be written as UTF-8: a file name's bytes that were not UTF-8 (as unzip
    leaves a Windows name, read as lone surrogates) shown as escapes, such as \\xe9."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}"
                          if 0xDC80 <= ord(m.group()) <= 0xDCFF else "\ufffd", text)


def cut_to_cell(text: str) -> str:
    """Text cut to the length an Excel cell holds, ending "…" where it was cut."""
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def write_text(ws: Any, row: int, col: int, text: str, fmt: Any = None) -> None:
    """Write text exactly as typed, cut to the length Excel allows.

    xlsxwriter copies text that starts with `<r>` and ends with `</r>` into the workbook as
    raw rich-text XML, unescaped: a partner's "<r>…</r>" would be lost, or break the file.
    Written as three rich-text runs in the same format instead, it is escaped like any text.
    """
    text = cut_to_cell(escape_surrogates(text))
    if text.startswith("<r>") and text.endswith("</r>"):
        runs = (text[:1], text[1:-1], text[-1:])
        if fmt is None:
            ws.write_rich_string(row, col, *runs)
        else:
            ws.write_rich_string(row, col, fmt, runs[0], fmt, runs[1], fmt, runs[2], fmt)
        return
    ws.write_string(row, col, text, fmt)


# -- xlsxwriter's private parts, used here and nowhere else -----------------------------
# xlsxwriter is capped below its next major version in pyproject.toml because of these.

def add_table_in_constant_memory(ws: Any, first_row: int, name: str, headers: list[str],
                                 nrows: int) -> None:
    """An Excel Table at `first_row` of a constant-memory worksheet, before any row below it.

    xlsxwriter refuses add_table() in constant-memory mode only because it writes the header
    cells, which that mode cannot do out of row order.  Called at the header row, before any
    data row, the order holds; the caller then writes the headers again as inline strings,
    which is how constant-memory mode stores text.  `Worksheet.constant_memory` is private.
    """
    last = first_row + max(nrows, 1)
    ws.constant_memory = False
    try:
        ws.add_table(first_row, 0, last, len(headers) - 1, {
            "name": name, "style": "Table Style Medium 2",
            "columns": [{"header": h} for h in headers]})
    finally:
        ws.constant_memory = True
    # `Worksheet.table_cells` (private) keeps an entry per cell of the table's range, only to
    # refuse overlapping tables or merges later; each sheet has one table and no merges, and
    # at national scale the map costs gigabytes.
    ws.table_cells.clear()


def style_index(fmt: Any) -> int:
    """The style number of an xlsxwriter Format, fixed now so rows written as XML can name it.

    xlsxwriter numbers a format the first time a cell uses it; asking is the same as using,
    so the number is the one its own cells get.  `Format._get_xf_index` is private.
    """
    return int(fmt._get_xf_index())
