"""Checks against the previous round: baselines are fixed once agreed, and nothing vanishes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..issues import Issue, shown
from ..schemas import Field, sheet
from . import Context, id_index
from .cells import Bad, normalise


def check(ctx: Context) -> Iterator[Issue]:
    if ctx.previous is None:
        return
    for key in ("outcomes", "actions", "milestones"):
        spec = sheet(key)
        if not ctx.has(key, spec.key_field):
            continue
        now = id_index(ctx.rows(key), spec.key_field)
        before = id_index(ctx.previous.sheets.get(key, []), spec.key_field)
        baselines = [f for f in spec.fields if f.baseline and f.name != spec.key_field]
        for item_key, old in before.items():
            row = now.get(item_key)
            if row is None:
                # An item closed last round may leave the return without a word.
                if old.get("status") not in spec.closed and \
                        item_key not in ctx.refused_ids.get(key, set()):
                    yield ctx.about(key, "item-disappeared", value=old.get(spec.key_field),
                                    what=spec.noun)
                continue
            for f in baselines:
                a, b = _normal(f, old.get(f.name)), row.get(f.name)
                if a is not None and b is not None and not _same(a, b) \
                        and ctx.has(key, f.name):
                    yield ctx.at(row, f.name, "baseline-changed", expected=_quote(a))


def _normal(f: Field, value: Any) -> Any:
    """Last round's value as this round's is checked: a return read but never checked, or
    a roll-up, may hold a date typed as text or a number with a £ sign."""
    if not isinstance(value, (str, int, float, date)):
        return None  # nothing readable there last round (an error cell, say): nothing to hold to
    try:
        return normalise(f, value)[0]
    except Bad:
        return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return a == b


def _quote(v: Any) -> str:
    return v.strftime("%d/%m/%Y") if isinstance(v, date) else shown(v)
