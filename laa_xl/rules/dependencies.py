"""Checks on the order and the budget of actions (template version 1.1): each Depends on
cell names actions that exist, other than itself, with no circle; spend agrees with the
forecast outturn and the status.

Runs after the ID family, so IDs compare in one form.  A return made from an older template
has no such columns, so these checks are silent for it (the engine marks them missing).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..dependencies import circles, parse
from ..issues import Issue
from ..model import Row
from ..schemas import sheet
from ..text import id_key
from . import Context, id_index, iter_rows


def check(ctx: Context) -> Iterator[Issue]:
    yield from _order(ctx)
    yield from _budget(ctx)


def _order(ctx: Context) -> Iterator[Issue]:
    spec = sheet("actions")
    deps = spec.role("x-predecessors")
    if deps is None or not ctx.has("actions", deps.name) or not ctx.has("actions", "action_id"):
        return
    name = deps.name
    actions = id_index(ctx.rows("actions"), spec.key_field)
    known = ctx.known_ids("actions")
    graph: dict[str, list[str]] = {}
    cells: dict[str, Row] = {}
    for row in iter_rows(ctx, "actions"):
        value = row.values.get(name)
        own = row.values.get(spec.key_field)
        if not isinstance(value, str):
            continue
        got = parse(value)
        if got is None:
            yield ctx.at(row, name, "unclear-dependencies")
            continue
        # Each ID in the form of the action it names, as the ID family does for references.
        forms = [actions[id_key(i)].values[spec.key_field] if id_key(i) in actions else i
                 for i in got.ids]
        text = ", ".join(dict.fromkeys(forms))
        if text != value:
            row.values[name] = text
            # Spaces round the commas are put right without a word; another separator, or
            # an ID in another case, is said.
            if got.tidied or forms != list(got.ids):
                yield ctx.at(row, name, "normalised", value=value, result=f'"{text}"',
                             fix="separate the Action IDs with commas, each as on the Actions "
                                 "sheet")
        item = own if isinstance(own, str) else f"on row {row.row}"
        waits: list[str] = []
        for dep in dict.fromkeys(forms):
            if isinstance(own, str) and id_key(dep) == id_key(own):
                yield ctx.at(row, name, "self-dependency", item=item)
            elif id_key(dep) not in known:
                yield ctx.at(row, name, "unknown-dependency", value=dep, item=item)
            else:
                waits.append(id_key(dep))
        if isinstance(own, str) and id_key(own) not in graph:
            graph[id_key(own)] = waits
            cells[id_key(own)] = row
    for circle in circles(graph, list(graph)):
        ids = [cells[k].values[spec.key_field] for k in circle]
        first = cells[circle[0]]
        chain = f"{ids[0]} waits for {ids[1 % len(ids)]}" + "".join(
            f", which waits for {ids[(i + 1) % len(ids)]}" for i in range(1, len(ids)))
        yield ctx.at(first, name, "circular-dependency", cycle=_and(ids), chain=chain)


def _budget(ctx: Context) -> Iterator[Issue]:
    spec = sheet("actions")
    spent_f, outturn_f = spec.role("x-spent"), spec.role("x-outturn")
    status_f = spec.status
    if spent_f is None or not ctx.has("actions", spent_f.name):
        return
    not_started = status_f.schema.get("x-not-started") if status_f else None
    for row in iter_rows(ctx, "actions"):
        spent = _amount(row.values.get(spent_f.name))
        if spent is None or spent <= 0:
            continue
        item = row.values.get(spec.key_field) or f"on row {row.row}"
        outturn = _amount(row.values.get(outturn_f.name)) if outturn_f is not None else None
        if outturn_f is not None and ctx.has("actions", outturn_f.name) and outturn is not None \
                and spent > outturn:
            yield ctx.at(row, spent_f.name, "spent-over-outturn", item=item,
                         spent=money(spent), outturn=money(outturn))
        if status_f is not None and not_started and row.values.get(status_f.name) == not_started:
            yield ctx.at(row, spent_f.name, "spend-not-started", item=item, spent=money(spent))


def _amount(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def money(v: float) -> str:
    """An amount as a person writes it: £12,500 (pence only when there are any)."""
    return f"£{v:,.0f}" if float(v).is_integer() else f"£{v:,.2f}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
