"""Whose a file is when the workbook does not say: from its name, or from an identity sheet
read out of the wrong format.

A return names its partnership on its hidden identity sheet, and that always wins.  But a
return filled in the blank template names none, and a partner's .xls, .ods or PDF cannot be
read as a return at all: it still reached us, and the partnership is not to be chased as if
nothing had come.  Such a file is matched by the partnership code in its name
(``LAA-return-2009-10-Q2-ANY.pdf``, ``ANY return.xls``) or, for an .xls or .ods saved from
our template, by the identity sheet inside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from .layout import META_SHEET, PRODUCT
from .region import Lsp, Region

_WORD = re.compile(r"[^0-9a-z]+")


def lsp_from_name(name: str | Path, region: Region) -> Lsp | None:
    """The one partnership of the region whose code is a word of the file's name, or whose
    name the file's name holds; None when no partnership, or more than one, fits."""
    stem = Path(name).stem.casefold()
    words = set(_WORD.split(stem))
    spaced = " ".join(_WORD.split(stem))
    found = [lsp for lsp in region.lsps
             if lsp.code.casefold() in words
             or f" {' '.join(_WORD.split(lsp.name.casefold()))} " in f" {spaced} "]
    return found[0] if len(found) == 1 else None


# The issue codes of a file that is a spreadsheet in another format, whose sheets calamine
# can still read.
FOREIGN_SPREADSHEETS = ("xls-file", "ods-file", "xlsb-file")


def identity_in_foreign(path: Path) -> dict[str, str]:
    """The identity sheet of an .xls, .ods or .xlsb saved from our template; {} otherwise.

    Only its sheet names and the small identity sheet are read, and only to say whose the
    file is: its data is still not read, and the partner is still asked for an .xlsx.
    """
    from .reader.sheets import from_calamine, open_calamine

    try:
        book = open_calamine(path)
        if META_SHEET not in book.sheet_names:
            return {}
        rows = book.get_sheet_by_name(META_SHEET).to_python(nrows=50)
    except BaseException as err:  # noqa: BLE001 - calamine's panics are BaseException
        if not from_calamine(err):
            raise
        return {}
    meta = {str(r[0]): "" if r[1] is None else str(r[1])
            for r in rows[1:] if len(r) >= 2 and isinstance(r[0], str) and r[0]}
    return meta if meta.get("product") == PRODUCT else {}


def owner_of_unreadable(path: Path, codes: set[str], region: Region) -> Lsp | None:
    """The partnership a file that cannot be read as a return comes from, if anything says:
    the identity inside an .xls or .ods saved from our template, else the file's name.
    `codes` are the codes of the issues found in the file."""
    if codes & set(FOREIGN_SPREADSHEETS):
        meta = identity_in_foreign(path)
        if meta.get("lsp_code") and meta.get("period") in ("", str(region.period)):
            found = region.find_lsp(meta["lsp_code"])
            if found is not None:
                return found
    return lsp_from_name(path.name, region)
