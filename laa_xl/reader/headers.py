"""Finding a sheet's header row, and each column by its header text.

Partners retype, reorder and rename headers: a header is matched whatever its case, spacing
or asterisks, and one renamed is recognised when it is close enough to its original.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from ..schemas import SheetSpec


def norm_header(text: Any) -> str:
    """A header cell's text as headers are compared: case, spaces and asterisks aside; ""
    for a cell that holds no text."""
    if not isinstance(text, str):
        return ""
    return _norm_text(text)


@functools.lru_cache(maxsize=4096)  # the header search meets the same texts in every return
def _norm_text(text: str) -> str:
    return " ".join(text.replace("*", " ").split()).casefold()


def find_header_row(grid: list[list[Any]], spec: SheetSpec, top: int = 20,
                    share: float = 1 / 3) -> int | None:
    """The 0-based index of the row holding most of the sheet's headers, if any.

    The row must hold at least `share` of them (and two at least): a third finds a header
    row a partner has mangled; a sheet of some other name must hold more to stand in.
    """
    wanted = {norm_header(h) for h in spec.headers}
    best, best_hits = None, 0
    for i, row in enumerate(grid[:top]):
        hits = sum(1 for v in row if norm_header(v) in wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    needed = max(2, int(len(wanted) * share))
    return best if best_hits >= needed else None


def suggest(name: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    """The candidate closest in spelling to `name` (case aside), if any is close enough."""
    low = {c.casefold(): c for c in candidates}
    hit = difflib.get_close_matches(name.casefold(), list(low), n=1, cutoff=cutoff)
    return low[hit[0]] if hit else None


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9£%]+", text.casefold()))


def _core(text: str) -> str:
    """A header without its bracketed part: "Due date (baseline)" → "due date"."""
    return " ".join(re.sub(r"\(.*?\)", " ", text).casefold().split())


def renamed(header: str, candidates: list[str]) -> str | None:
    """The header a partner most likely renamed `header` to, if one is close enough.

    Close in spelling ("Lead officers"), the same words in another order ("Baseline due
    date"), or the same words without the bracketed part ("Due date").
    """
    near = suggest(header, candidates, cutoff=0.75)
    if near is not None:
        return near
    words, core = _words(header), _core(header)
    for c in candidates:
        if _words(c) == words or (core != header.casefold() and _core(c) == core):
            return c
    return None
