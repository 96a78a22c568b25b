"""Lays a pack out as an A4 PDF: one function per section, each taking the pack's plain data.

Text from partners always goes in escaped (`para`), so nothing in it is read as markup;
tables repeat their header row on every page and split tall rows rather than cut them; the
period, "as at" and the page number are on every page.  Sizes and colours come from style.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .. import __version__
from ..xlsxout import atomic_output
from . import charts, style
from .data import (
    RAGS,
    Header,
    OutcomeLine,
    Pack,
    PartnershipPack,
    RecoveryPlan,
    RegionPack,
    SlipItem,
    ThemePack,
)

MARGIN = 15 * mm
PAGE_W, PAGE_H = A4
WIDTH = PAGE_W - 2 * MARGIN
# A printed pack lists the worst slipping items; the roll-up lists them all.
SLIPPING_SHOWN = 30
SLIPPING_PER_LSP = 10
# A chart is one drawing and cannot run onto a second page: at most this many bars, the worst.
BARS_SHOWN = 30
# Characters of text above which a table row might be taller than a page.
TALL_TEXT = 1200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def para(text: Any, kind: str = "cell") -> Paragraph:
    """A paragraph of plain text: escaped, so `<b>`, `&` or `]]>` show as typed; line breaks
    kept; right-to-left words in reading order; characters no PDF can carry dropped."""
    s = "" if text is None else str(text)
    s = "\n".join(visual(line) for line in _CONTROL.sub("", s).replace("\r\n", "\n").split("\n"))
    return Paragraph(escape(s).replace("\n", "<br/>"), style.styles()[kind])


def _rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def visual(line: str) -> str:
    """A line with each run of right-to-left text (Hebrew, Arabic, and the spaces and
    punctuation between its words) in the order it is read, right to left: PDF text is
    drawn left to right.  A run that wraps onto a second line is not reordered across it;
    Arabic letters keep their isolated forms."""
    if not any(_rtl(c) for c in line):
        return line
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if not _rtl(line[i]):
            out.append(line[i])
            i += 1
            continue
        j = last = i
        while j < n and (_rtl(line[j]) or unicodedata.bidirectional(line[j])
                         in ("WS", "ON", "CS", "NSM", "BN")):
            if _rtl(line[j]) or unicodedata.bidirectional(line[j]) == "NSM":
                last = j
            j += 1
        out.append(line[i:last + 1][::-1])
        i = last + 1
    return "".join(out)


def num(value: Any) -> str:
    """A figure as the roll-up holds it: 15.8, 1,131, 16.4."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value)


# -- tables ---------------------------------------------------------------------------------

def _base(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A table style that starts from the packs' font (a table names its own otherwise)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), style.FONT),
                       ("FONTSIZE", (0, 0), (-1, -1), style.SMALL), *commands])


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
          fills: Callable[[int, int, Any], str | None] | None = None) -> Table:
    """A table with its header repeated on every page; every cell wraps its text.

    `widths` are shares of the page width; `fills(row, col, value)` may colour a cell.
    """
    col_w = _widths(headers, rows, widths)
    data = [[para(h, "head") for h in headers]]
    data += [[v if hasattr(v, "wrapOn") else para(v) for v in row] for row in rows]
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(style.HEAD_FILL)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor(style.GRID)),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for r in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor(style.ZEBRA)))
    if fills:
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                colour = fills(r, c, v)
                if colour:
                    commands.append(("BACKGROUND", (c, r), (c, r), colors.HexColor(colour)))
    # A row is split across pages only when it may not fit on one (a long text): reportlab's
    # splitting inside rows can start a table's second part on the page its first part ends.
    tall = any(len(str(v)) > TALL_TEXT for row in rows for v in row if not hasattr(v, "wrapOn"))
    t = Table(data, colWidths=col_w, repeatRows=1, splitInRow=1 if tall else 0, hAlign="LEFT")
    t.setStyle(_base(commands))
    return t


def _widths(headers: Sequence[str], rows: Sequence[Sequence[Any]], shares: Sequence[float]
            ) -> list[float]:
    """Column widths from shares of the page, widened so that no header word and no short
    value (an ID, a cell reference, a RAG) is broken mid-word; the widest columns give way."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad = 7.0
    mins = []
    for c, h in enumerate(headers):
        need = max(stringWidth(w, style.BOLD, style.SMALL) for w in (h.split() or [""]))
        values = [str(r[c]) for r in rows if c < len(r) and not hasattr(r[c], "wrapOn")]
        if values and max(len(v) for v in values) <= 16:
            need = max([need] + [stringWidth(v, style.FONT, style.SMALL) for v in values])
        mins.append(need + pad)
    total = sum(shares)
    col_w = [WIDTH * w / total for w in shares]
    for _ in range(len(col_w)):
        short = sum(max(m - w, 0) for m, w in zip(mins, col_w, strict=False))
        if short <= 0.01:
            break
        col_w = [max(w, m) for w, m in zip(col_w, mins, strict=False)]
        spare = [max(w - m, 0) for w, m in zip(col_w, mins, strict=False)]
        room = sum(spare)
        if room <= 0:
            break
        take = min(short, room)
        col_w = [w - take * sp / room for w, sp in zip(col_w, spare, strict=False)]
    return col_w


def _rag_fill(columns: set[int]) -> Callable[[int, int, Any], str | None]:
    def fill(r: int, c: int, v: Any) -> str | None:
        if c in columns and isinstance(v, str):
            return {**style.RAG_COLOURS, **style.RATING_COLOURS}.get(v) or \
                style.SEVERITY_FILLS.get(v)
        return None
    return fill


def key_figures(rows: Sequence[tuple[str, Any]]) -> Table:
    """Two columns of label and figure: the "at a glance" box."""
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:]
    data = []
    for i in range(half):
        line: list[Any] = [para(left[i][0], "body"), para(left[i][1], "body")]
        if i < len(right):
            line += [para(right[i][0], "body"), para(right[i][1], "body")]
        else:
            line += [para(""), para("")]
        data.append(line)
    t = Table(data, colWidths=[WIDTH * 0.27, WIDTH * 0.23, WIDTH * 0.27, WIDTH * 0.23],
              hAlign="LEFT")
    t.setStyle(_base([
        ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor(style.HEAD_FILL)),
        ("LINEBELOW", (0, 0), (-1, -2), 0.3, colors.HexColor(style.GRID)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor(style.ZEBRA)),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor(style.ZEBRA)),
    ]))
    return t


def rag_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(r, 0)} {r}" for r in RAGS)


# -- sections -------------------------------------------------------------------------------

def outcomes_table(outcomes: Sequence[OutcomeLine], with_lsp: bool = False,
                   with_judgement: bool = False) -> Table:
    headers = (["LSP"] if with_lsp else []) + [
        "Outcome ID", "Indicator", "Outcome / target", "Baseline", "Latest value",
        f"Target {outcomes[0].target_year}" if outcomes else "Target", "RAG", "Off trajectory",
        "Slipping items"] + (["GO judgement"] if with_judgement else [])
    rows = []
    for o in outcomes:
        unit = f" {o.unit}" if o.unit and o.unit != "%" else (o.unit or "")
        latest = f"{num(o.latest)}{unit}" + (f" ({o.latest_period})" if o.latest_period else "")
        base = num(o.baseline) + (f" ({o.baseline_period})" if o.baseline_period else "")
        rows.append(([o.lsp] if with_lsp else []) + [
            o.outcome_id, o.indicator, f"{o.title} ({o.polarity.lower()} is better)"
            if o.polarity else o.title, base, latest, num(o.target), o.rag,
            "Yes" if o.off_track else "No", str(o.slipping)]
            + ([o.judgement] if with_judgement else []))
    widths = ([6] if with_lsp else []) + [9, 8, 24, 11, 16, 9, 7, 8, 8] + \
        ([12] if with_judgement else [])
    rag_col = 7 + (1 if with_lsp else 0)
    return table(headers, rows, widths, _rag_fill({rag_col}))


def slipping_table(items: Sequence[SlipItem], with_lsp: bool = False) -> Table:
    headers = (["LSP"] if with_lsp else []) + [
        "Severity", "Item", "Belongs to", "Description", "Days late", "Rules", "What is wrong",
        "Cell"]
    rows = [([i.lsp] if with_lsp else []) + [
        i.severity, i.item_id, i.parent, i.description, "" if i.days is None else str(i.days),
        ", ".join(i.rules), i.message, i.where] for i in items]
    widths = ([6] if with_lsp else []) + [8, 7, 8, 18, 6, 17, 27, 11]
    return table(headers, rows, widths, _rag_fill({1 if with_lsp else 0}))


def recovery_section(plans: Sequence[RecoveryPlan], with_lsp: bool = False) -> list[Any]:
    out: list[Any] = []
    for p in plans:
        who = f"{p.lsp} " if with_lsp else ""
        rows = [[h, t] for h, t in p.fields]
        if p.main_factor:
            rows.append(["Main external factor", p.main_factor])
        if p.factor_detail:
            rows.append(["How it affects delivery", p.factor_detail])
        out.append(para(f"{who}{p.item_id}" + (f" — {p.theme}" if p.theme else ""), "h3"))
        out.append(table(["Recovery plan", "What the partnership says"], rows, [20, 80]))
    return out


def questions_section(questions: Sequence[Any]) -> list[Any]:
    if not questions:
        return [para("Nothing in the data raises a question: no Red item without a recovery "
                     "plan, no options-appraisal answer of No or Partly, no outcome off "
                     "trajectory but rated Green and no baseline moved.", "body")]
    rows = [[str(n), q.item, q.text, q.where] for n, q in enumerate(questions, start=1)]
    return [_in_file({q.file for q in questions}),
            table(["#", "Item", "Question worth asking", "Cell"], rows, [4, 8, 70, 18])]


def _in_file(files: set[str]) -> Any:
    """The note that says which return the cells of a table are in."""
    names = sorted(f for f in files if f)
    if len(names) == 1:
        return para(f"Cells are in the partnership's return, {names[0]}.", "small")
    return para("Cells are in each partnership's return (the roll-up's Completeness sheet "
                "names each file).", "small")


def _worst_rag(rows: list[tuple[str, dict[str, int]]], what: str) -> tuple[str, list[Any]]:
    """A RAG chart's title and rows: every row, or the BARS_SHOWN with most Red, then Amber."""
    if len(rows) <= BARS_SHOWN:
        return f"Outcomes by RAG, per {what}", rows
    worst = sorted(rows, key=lambda r: (-r[1].get("Red", 0), -r[1].get("Amber", 0)))
    return (f"Outcomes by RAG: the {BARS_SHOWN} {what}s with most Red, then Amber (of "
            f"{len(rows)})", worst[:BARS_SHOWN])


def _most(rows: list[tuple[str, int]], title: str, what: str) -> tuple[str, list[Any]]:
    if len(rows) <= BARS_SHOWN:
        return title, rows
    return (f"{title}: the {BARS_SHOWN} {what}s with most (of {len(rows)})",
            sorted(rows, key=lambda r: -r[1])[:BARS_SHOWN])


def _h2(text: str) -> list[Any]:
    # A heading never sits alone at the foot of a page.
    return [CondPageBreak(40 * mm), para(text, "h2")]


# -- the packs ------------------------------------------------------------------------------

def partnership_story(p: PartnershipPack) -> list[Any]:
    st, h = p.status, p.header
    story: list[Any] = [
        para(f"{st.name} ({st.code})", "h1"),
        para(f"Briefing pack for {h.region}, {h.period}. Slippage as at {h.as_of}. "
             f"From the roll-up {h.source}.", "small"),
        Spacer(1, 4)]
    glance: list[tuple[str, Any]] = [
        ("Returned", (f"Yes, {st.received}" + (" (late)" if st.on_time == "No" else " (on time)"))
         if st.returned else "No"),
        ("Valid", (f"{st.valid} ({st.errors} errors, {st.warnings} warnings)")
         if st.returned else "—"),
    ]
    if st.in_rollup:
        glance += [
            ("Outcomes by RAG", rag_text(st.outcomes)),
            ("Actions by RAG", rag_text(st.actions)),
            ("Slipping milestones", st.slipping_milestones),
            ("Off-track outcomes", st.off_track),
            ("High-severity flags", st.high_flags),
            ("Red items without a recovery plan", st.red_without_plan),
            ("Assurance areas rated Weak", st.weak_areas or "none"),
            ("Questions worth asking", len(p.questions)),
        ]
    if p.review is not None:
        glance += [("GO: fit for purpose?", p.review.fit_for_purpose or "—"),
                   ("GO: likelihood of delivery", p.review.likelihood or "—")]
    story += [para("At a glance", "h2"), key_figures([(k, num(v)) for k, v in glance])]
    if not st.in_rollup:
        why = ("no return was received. Chase it (`laa-xl chase` writes the reminder)"
               if not st.returned else
               "its return was not valid, so its data was left out of the roll-up. Send the "
               "feedback workbook and ask for a corrected return (`laa-xl consolidate "
               "--include-invalid` rolls it up in the meantime, marked)")
        story.append(Spacer(1, 6))
        story.append(para(f"The roll-up holds none of this partnership's data: {why}. The rest "
                          "of this pack follows once its data is in the roll-up.", "body"))
        return story
    half = (WIDTH - 6 * mm) / 2
    progress = [(o, v) for o in p.outcomes if (v := charts.progress_value(o)) is not None]
    row1 = [charts.rag_chart("Delivery confidence (RAG)",
                             [("Outcomes", st.outcomes), ("Actions", st.actions)], half),
            charts.ratings_chart(p.assurance, half) if p.assurance else para("")]
    story += [Spacer(1, 6), _side_by_side(row1)]
    if progress:
        story += [Spacer(1, 6), charts.progress_chart(progress, WIDTH)]
    if any(i.days for i in p.slipping):
        story += [Spacer(1, 6), charts.slipping_chart(p.slipping, WIDTH)]
    story += _h2("Outcomes")
    story.append(para("Latest value against this year's target; RAG is the partnership's "
                      "delivery confidence.", "small"))
    story.append(outcomes_table(p.outcomes, with_judgement=any(o.judgement for o in p.outcomes)))
    if p.trends:
        by_id = {o.outcome_id: o for o in p.outcomes}
        story.append(Spacer(1, 6))
        story.append(charts.trend_chart(p.trend_periods,
                                        [(by_id[oid], values) for oid, values in p.trends
                                         if oid in by_id], WIDTH))
        story.append(para("Latest value, round by round", "h3"))
        story.append(table(["Outcome ID", *p.trend_periods],
                           [[oid, *(num(v) if v is not None else "—" for v in values)]
                            for oid, values in p.trends],
                           [12] + [88 / len(p.trend_periods)] * len(p.trend_periods)))
    story += _h2(f"Slipping items, worst first ({len(p.slipping)})")
    if p.slipping:
        shown = p.slipping[:SLIPPING_SHOWN]
        story += [_in_file({i.file for i in p.slipping}), slipping_table(shown)]
        if len(p.slipping) > len(shown):
            story.append(para(f"The worst {len(shown)} of {len(p.slipping)} are listed; the "
                              "roll-up's Slipping sheet has every one.", "small"))
    else:
        story.append(para("Nothing is slipping.", "body"))
    story += _h2("Assurance self-assessment")
    with_go = any(a.go_rating for a in p.assurance)
    rows = [[a.ref, a.area, a.question, a.rating] + ([a.go_rating] if with_go else [])
            for a in p.assurance]
    story.append(table(["Ref", "Area", "Question", "Self-assessment"]
                       + (["GO assessment"] if with_go else []), rows,
                       [6, 16, 56, 12] + ([12] if with_go else []), _rag_fill({3, 4})))
    story += _h2(f"Recovery plans of Red items ({len(p.recovery)})")
    story += recovery_section(p.recovery) or [para("No Red item has a recovery plan.", "body")]
    if p.advice or p.review is not None:
        story += _h2(f"The GO's open advice ({len(p.advice)})")
        story += [table(["ID", "About", "Advice", "Owner", "Due", "Status", "Overdue"],
                        [[a.advice_id, a.about, a.advice, a.owner, a.due, a.status,
                          f"{a.overdue} days" if a.overdue else ""] for a in p.advice],
                        [8, 9, 45, 11, 10, 8, 9], _overdue_fill)] if p.advice else \
            [para("No advice is still open.", "body")]
    story += _h2(f"Questions worth asking ({len(p.questions)})")
    story += questions_section(p.questions)
    return story


def _overdue_fill(row: int, col: int, value: Any) -> str | None:
    """Overdue advice's days in red."""
    return style.RAG_COLOURS["Red"] if col == 6 and value else None


def theme_story(t: ThemePack) -> list[Any]:
    h = t.header
    lsps = sorted({o.lsp for o in t.outcomes}, key=list(t.names).index)
    counts = {r: sum(o.rag == r for o in t.outcomes) for r in RAGS}
    story: list[Any] = [
        para(t.theme, "h1"),
        para(f"Theme briefing for {h.region}, {h.period}. Slippage as at {h.as_of}. "
             f"From the roll-up {h.source}.", "small"), Spacer(1, 4),
        para("At a glance", "h2"),
        key_figures([("Partnerships with outcomes in this theme", str(len(lsps))),
                     ("Outcomes", str(len(t.outcomes))), ("Outcomes by RAG", rag_text(counts)),
                     ("Off-track outcomes", str(sum(o.off_track for o in t.outcomes))),
                     ("Slipping items", str(len(t.slipping))), ("Risks", str(len(t.risks)))])]
    half = (WIDTH - 6 * mm) / 2
    by_lsp = [(code, {r: sum(o.rag == r and o.lsp == code for o in t.outcomes) for r in RAGS})
              for code in lsps]
    slip_by = [(code, sum(i.lsp == code for i in t.slipping)) for code in t.names
               if any(i.lsp == code for i in t.slipping)]
    rag_title, rag_rows = _worst_rag(by_lsp, "partnership")
    slip_title, slip_rows = _most(slip_by, "Slipping items per partnership", "partnership")
    row = [charts.rag_chart(rag_title, rag_rows, half) if by_lsp else para(""),
           charts.count_chart(slip_title, slip_rows, half, style.SEVERITY_COLOURS["high"])
           if slip_by else para("")]
    story += [Spacer(1, 6), _side_by_side(row)]
    progress = [(o, v) for o in t.outcomes if (v := charts.progress_value(o)) is not None]
    total = len(progress)
    if total > BARS_SHOWN:  # the furthest from their target
        progress = sorted(progress, key=lambda ov: ov[1])[:BARS_SHOWN]
    if progress:
        story += [Spacer(1, 6), charts.progress_chart(
            progress, WIDTH, with_lsp=True, of=total if total > BARS_SHOWN else None)]
    if any(i.days for i in t.slipping):
        story += [Spacer(1, 6), charts.slipping_chart(t.slipping, WIDTH, with_lsp=True)]
    story += _h2(f"Outcomes across the partnerships ({len(t.outcomes)})")
    story.append(outcomes_table(t.outcomes, with_lsp=True) if t.outcomes
                 else para("No outcome in this theme.", "body"))
    story += _h2(f"Slipping items by partnership ({len(t.slipping)})")
    if t.slipping:
        shown: list[SlipItem] = []
        per: dict[str, int] = {}
        for i in t.slipping:
            per[i.lsp] = per.get(i.lsp, 0) + 1
            if per[i.lsp] <= SLIPPING_PER_LSP:
                shown.append(i)
        story += [_in_file({i.file for i in t.slipping}), slipping_table(shown, with_lsp=True)]
        if len(shown) < len(t.slipping):
            story.append(para(f"The worst {SLIPPING_PER_LSP} of each partnership are listed "
                              f"({len(shown)} of {len(t.slipping)}); the roll-up's Slipping "
                              "sheet, filtered by its Theme column, has every one.", "small"))
    else:
        story.append(para("Nothing in this theme is slipping.", "body"))
    story += _h2(f"Risks, highest score first ({len(t.risks)})")
    story.append(table(["LSP", "Risk ID", "Linked to", "Risk", "Score", "Owner", "Mitigation",
                        "Status"],
                       [[r.lsp, r.risk_id, r.linked_to, r.description, num(r.score), r.owner,
                         r.mitigation, r.status] for r in t.risks],
                       [6, 7, 8, 27, 6, 12, 27, 7]) if t.risks
                 else para("No risk is linked to this theme's outcomes or actions.", "body"))
    story += _h2("External factors holding delivery back")
    if t.factors:
        story.append(charts.count_chart("Recovery plans naming each main external factor",
                                        t.factors, WIDTH * 0.7))
        story.append(table(["LSP", "Item", "Main external factor", "How it affects delivery"],
                           [[p.lsp, p.item_id, p.main_factor, p.factor_detail]
                            for p in t.recovery if p.main_factor], [6, 8, 16, 70]))
    else:
        story.append(para("No recovery plan in this theme names an external factor.", "body"))
    return story


def region_story(r: RegionPack) -> list[Any]:
    h = r.header
    story: list[Any] = [
        para(f"Highlight report: {h.region}, {h.period}", "h1"),
        para(f"{h.go_name}. Slippage as at {h.as_of}. From the roll-up {h.source}.", "small"),
        Spacer(1, 4), para("Completeness and timeliness", "h2"),
        key_figures([(k, str(v)) for k, v in r.completeness] +
                    [("Outcomes by RAG", rag_text(r.outcomes)),
                     ("Actions by RAG", rag_text(r.actions)),
                     ("Slipping items (high, medium, low)",
                      ", ".join(str(r.by_severity.get(s, 0)) for s in ("high", "medium", "low")))])]
    half = (WIDTH - 6 * mm) / 2
    by_lsp = [(s.code, s.outcomes) for s in r.statuses if s.in_rollup]
    rag_title, rag_rows = _worst_rag(by_lsp, "partnership")
    row = [charts.rag_chart(rag_title, rag_rows, half) if by_lsp else para(""),
           charts.count_chart("Slipping items by theme", r.slipping_by_theme, half,
                              style.SEVERITY_COLOURS["high"], label_share=0.6)
           if r.slipping_by_theme
           else para("")]
    story += [Spacer(1, 6), _side_by_side(row)]
    story += _h2(f"Partnerships of concern ({len(r.concerns)})")
    story.append(table(["LSP", "Partnership", "Why"],
                       [[c.code, c.name, "; ".join(c.reasons)] for c in r.concerns],
                       [7, 25, 68]) if r.concerns else para("None.", "body"))
    story += _h2("Every partnership")
    rows = [[s.code, s.name, "Yes" if s.returned else "No", s.received, s.on_time, s.valid,
             rag_text(s.outcomes) if s.in_rollup else "—",
             num(s.slipping_milestones), num(s.off_track)] for s in r.statuses]
    story.append(table(["LSP", "Partnership", "Returned", "Received", "On time", "Valid",
                        "Outcomes by RAG", "Slipping milestones", "Off-track outcomes"], rows,
                       [6, 22, 8, 10, 7, 6, 19, 10, 10]))
    return story


def _side_by_side(items: Sequence[Any]) -> Table:
    t = Table([list(items)], colWidths=[(WIDTH) / len(items)] * len(items), hAlign="LEFT")
    t.setStyle(_base([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([t])


# -- the document ---------------------------------------------------------------------------

def title_of(pack: Pack) -> str:
    if isinstance(pack, PartnershipPack):
        return f"{pack.status.name} ({pack.status.code}): briefing pack"
    if isinstance(pack, ThemePack):
        return f"{pack.theme}: theme briefing"
    return f"{pack.header.region}: highlight report"


def _canvas_class(head: Header, title: str) -> type[Canvas]:
    class PackCanvas(Canvas):
        """Draws the running head and foot once the page count is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # The first font a page sets is the packs' own, so no font is left unembedded.
            kwargs["initialFontName"] = style.FONT
            kwargs["initialFontSize"] = style.BODY
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            self.saveState()
            self.setFont(style.FONT, style.SMALL)
            self.setFillColor(colors.HexColor(style.MUTED))
            top = PAGE_H - MARGIN + 5 * mm
            self.drawString(MARGIN, top, _clip(visual(title), self, WIDTH * 0.6))
            self.drawRightString(PAGE_W - MARGIN, top, f"{head.period} · as at {head.as_of}")
            self.setStrokeColor(colors.HexColor(style.GRID))
            self.line(MARGIN, top - 2, PAGE_W - MARGIN, top - 2)
            bottom = MARGIN - 8 * mm
            self.drawString(MARGIN, bottom, _clip(f"{head.region} · {head.go_name} · "
                                                  f"laa-xl {__version__}", self, WIDTH * 0.6))
            self.drawRightString(PAGE_W - MARGIN, bottom,
                                 f"{head.period} · as at {head.as_of} · page "
                                 f"{self._pageNumber} of {total}")
            self.restoreState()

    return PackCanvas


def _clip(text: str, c: Canvas, width: float) -> str:
    if c.stringWidth(text, style.FONT, style.SMALL) <= width:
        return text
    while text and c.stringWidth(text + "…", style.FONT, style.SMALL) > width:
        text = text[:-1]
    return text + "…"


def build_pdf(pack: Pack, path: str | Path) -> None:
    """Write `pack` to `path` (no atomicity: see `write_pack`)."""
    style.register_fonts()
    story = (partnership_story(pack) if isinstance(pack, PartnershipPack)
             else theme_story(pack) if isinstance(pack, ThemePack) else region_story(pack))
    title = title_of(pack)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=title,
                            author=pack.header.go_name, creator=f"laa-xl {__version__}",
                            subject=f"{pack.header.region}, {pack.header.period}",
                            invariant=True)
    doc.build(story, canvasmaker=_canvas_class(pack.header, title))


def write_pack(pack: Pack, path: str | Path, refuse: tuple[str | Path, ...] = ()) -> Path:
    """Write `pack` as a PDF at `path`, atomically: a failed run leaves no half a file."""
    with atomic_output(path, refuse) as tmp:
        build_pdf(pack, tmp)
    return Path(path)

