"""Checks on the GO's review workbook: advice that can be followed up, about something in the
return, and disagreements with the self-assessment explained.

What a field means is read from its schema: the advice's due date (`x-due`), what it is about
(`x-about`), and a GO rating's self-assessment and comment (`x-compare-with`, `x-comment`).
A Red overall likelihood without a conclusion is the Conclusion schema's own if/then rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..issues import Issue
from ..schemas import sheet
from ..text import id_key
from . import Context, iter_rows

ADVICE = "review-advice"
# What an Advice row may be about, as the review workbook's identity sheet lists them.
ABOUT_KEY = "about"


def check(ctx: Context) -> Iterator[Issue]:
    yield from _advice(ctx)
    yield from _disagreements(ctx)


def _advice(ctx: Context) -> Iterator[Issue]:
    spec = sheet(ADVICE)
    due, about = spec.role("x-due"), spec.role("x-about")
    listed = ctx.ret.meta.get(ABOUT_KEY)
    known = {id_key(x) for x in listed.split()} if listed else None
    lsp = ctx.ret.meta.get("lsp_name") or ctx.ret.lsp_code or "the partnership"
    for row in iter_rows(ctx, ADVICE):
        ident = row.get(spec.key_field) or f"in row {row.row}"
        if due is not None and ctx.has(ADVICE, due.name) and row.get(due.name) is None \
                and not ctx.refused(row, due.name):
            yield ctx.at(row, due.name, "advice-no-due-date", value=None, advice=ident)
        if about is None or known is None or not ctx.has(ADVICE, about.name):
            continue
        value = row.get(about.name)
        if isinstance(value, str) and id_key(value) not in known:
            yield ctx.at(row, about.name, "unknown-about", lsp=lsp)


def _disagreements(ctx: Context) -> Iterator[Issue]:
    for spec in ctx.specs:
        for f in spec.fields:
            other, comment = f.schema.get("x-compare-with"), f.schema.get("x-comment")
            if not other or not comment or not f.enum or not ctx.has(spec.key, f.name):
                continue
            scale = list(f.enum)
            for row in iter_rows(ctx, spec.key):
                go, own = row.get(f.name), row.get(other)
                if go not in scale or own not in scale or row.get(comment) is not None:
                    continue
                if abs(scale.index(go) - scale.index(own)) >= 2:
                    yield ctx.at(row, f.name, "go-comment-missing", own=own,
                                 ref=row.get(spec.key_field) or f"row {row.row}")
