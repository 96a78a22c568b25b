"""One form for each ID: what differs only in case (or stray and invisible spaces) is tidied.

IDs are the same ID whatever their case (`text.id_key`), and the checks compare them so.
What is carried on from a return (the roll-up, next round's prefill, slipping) keeps the
ID as written, so an ID written two ways would come apart there: a milestone under `a-01`
would be left behind when action `A-01` is carried on.  So each ID is tidied, with a
warning, to one form: an item's own ID to the form it had last round, and a reference to
the form of the ID it names.  Runs after the cell checks, before anything compares IDs.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..issues import Issue
from ..model import Row
from ..schemas import sheet
from ..text import id_key
from . import Context, id_index


def check(ctx: Context) -> Iterator[Issue]:
    if ctx.previous is not None:
        for spec in ctx.specs:
            before = _forms(ctx.previous.sheets.get(spec.key, []), spec.key_field)
            if before and ctx.has(spec.key, spec.key_field):
                yield from _tidy(ctx, spec.key, spec.key_field, before,
                                 "keep the ID as it was last round")
    for spec in ctx.specs:
        for f in spec.fields:
            if not f.refs or f.name == spec.key_field or not ctx.has(spec.key, f.name):
                continue
            forms: dict[str, str] = {}
            names = []
            for ref in f.refs:
                key, name = ref.split(".")
                names.append(sheet(key).name)
                for k, v in _forms(ctx.rows(key), name).items():
                    forms.setdefault(k, v)
            yield from _tidy(ctx, spec.key, f.name, forms,
                             "type the ID exactly as on the " + " or ".join(names) + " sheet")


def _forms(rows: list[Row], name: str) -> dict[str, str]:
    """Each ID's form as first written, by its key."""
    return {k: r.values[name] for k, r in id_index(rows, name).items()}


def _tidy(ctx: Context, key: str, name: str, forms: dict[str, str], fix: str
          ) -> Iterator[Issue]:
    for row in ctx.rows(key):
        v = row.values.get(name)
        if not isinstance(v, str):
            continue
        form = forms.get(id_key(v))
        if form is not None and form != v:
            row.values[name] = form
            yield ctx.at(row, name, "normalised", value=v, result=f'"{form}"', fix=fix)
