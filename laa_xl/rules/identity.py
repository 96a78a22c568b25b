"""Identity checks: is this return for a partnership of the region, and for this round?"""

from __future__ import annotations

from collections.abc import Iterator

from ..issues import Issue, make_issue
from ..model import Return
from ..region import Region
from . import Context


def from_file_name(ret: Return, region: Region | None) -> list[Issue]:
    """A return filled in the blank template names no partnership: take it from the file's
    name (writing it into the return's identity, so every command matches it the same way),
    or an error asking for the partnership's own workbook when the name does not say."""
    meta = ret.meta
    if region is None or not meta or meta.get("lsp_code", "").strip():
        return []
    from pathlib import Path

    from ..matching import lsp_from_name
    from ..template import template_name

    lsp = lsp_from_name(Path(ret.path).name, region)
    if lsp is None:
        return [make_issue("no-partnership", file=ret.path,
                           expected=template_name(region, region.lsps[0]))]
    meta["lsp_code"], meta["lsp_name"] = lsp.code, lsp.name
    meta["period"] = meta.get("period") or str(region.period)
    return [make_issue("blank-template", file=ret.path, value=f"{lsp.name} ({lsp.code})")]


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
