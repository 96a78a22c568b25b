"""Identity checks: is this return for a partnership of the region, and for this round?"""

from __future__ import annotations

from collections.abc import Iterator

from ..issues import Issue, make_issue
from . import Context


def check(ctx: Context) -> Iterator[Issue]:
    meta = ctx.ret.meta
    if not meta:
        return  # the reader has already said the identity sheet is missing
    code = meta.get("lsp_code", "")
    file = ctx.ret.path
    if ctx.expected_lsp and code and code.casefold() != ctx.expected_lsp.casefold():
        yield make_issue("wrong-lsp", file=file, value=f"{meta.get('lsp_name') or code} ({code})",
                         expected=ctx.expected_lsp)
    if ctx.region is None:
        return
    if code and code.casefold() not in {x.code.casefold() for x in ctx.region.lsps}:
        yield make_issue("unknown-lsp", file=file, value=code)
    period = meta.get("period", "")
    if period and period != str(ctx.region.period):
        yield make_issue("wrong-period", file=file, value=period,
                         expected=str(ctx.region.period))
