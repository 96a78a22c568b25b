"""Recovery checks: a Red item needs its problem worked through (SARA) on the Recovery sheet."""

from __future__ import annotations

from collections.abc import Iterator

from ..issues import Issue
from ..model import Row
from ..schemas import sheet
from ..text import id_key
from . import Context, iter_rows

SARA = ("scanning", "analysis", "response", "assessment")
_ITEMS = ("outcomes", "actions")  # the items a RAG can make Red


def check(ctx: Context) -> Iterator[Issue]:
    if not ctx.has("recovery", "item_id"):
        return
    plans: dict[str, list[Row]] = {}
    for row in ctx.rows("recovery"):
        item = row.get("item_id")
        if isinstance(item, str):
            plans.setdefault(id_key(item), []).append(row)
    states: dict[str, tuple[object, object]] = {}
    closed: set[str] = set()
    for key in _ITEMS:
        spec = sheet(key)
        assert spec.rag is not None
        id_field, rag_field, what = spec.key_field, spec.rag.name, spec.noun
        closed.update(spec.closed)
        for row in iter_rows(ctx, key):
            item = row.get(id_field)
            if not isinstance(item, str):
                continue
            rag = row.get(rag_field)
            states.setdefault(id_key(item), (rag, row.get("status")))
            if rag not in ("Red", "Amber") or row.get("status") in spec.closed:
                continue
            rows = plans.get(id_key(item), [])
            missing = _missing_sara(rows)
            if rag == "Red" and missing:
                yield ctx.at(row, rag_field, "recovery-missing", item=item, what=what,
                             missing=_sara_words(missing))
            elif rag == "Amber" and not rows:
                yield ctx.at(row, rag_field, "recovery-suggested", item=item,
                             what=what)
    if not (ctx.has("outcomes", "outcome_id") and ctx.has("actions", "action_id")):
        return
    known = ctx.known_ids("outcomes") | ctx.known_ids("actions")
    for item, rows in plans.items():
        if item not in known:
            for row in rows:
                yield ctx.at(row, "item_id", "recovery-unknown-item")
            continue
        rag, status = states.get(item, (None, None))
        if status in closed or rag == "Green":
            state = status if status in closed else "Green"
            for row in rows:
                yield ctx.at(row, "item_id", "recovery-not-needed", state=state)


def _missing_sara(rows: list[Row]) -> list[str]:
    """The SARA fields not filled in on the most complete recovery row (all four if none)."""
    best: list[str] = list(SARA)
    for row in rows:
        gaps = [f for f in SARA if not row.get(f)]
        if len(gaps) < len(best):
            best = gaps
    return best


def _sara_words(missing: list[str]) -> str:
    headers = [sheet("recovery").field(f).header for f in missing]
    return headers[0] if len(headers) == 1 else ", ".join(headers[:-1]) + " and " + headers[-1]
