"""The packs' charts, drawn as vector graphics (reportlab.graphics), from plain data.

Every chart is a set of labelled horizontal bars: one shape a reader learns once.  Labels are
IDs and short names; the tables beside each chart hold the full text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from . import style
from .data import RAGS, AssuranceLine, OutcomeLine, SlipItem

BAR, GAP, TOP, AXIS = 11.0, 5.0, 18.0, 16.0
FS = style.SMALL  # every label and figure in a chart


def _fit(text: str, width: float, font: str = style.FONT) -> str:
    """`text` shortened with an ellipsis to fit `width` (chart labels only)."""
    if stringWidth(text, font, FS) <= width:
        return text
    while text and stringWidth(text + "…", font, FS) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """A chart's title in lines that fit its width, broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * mag:
            return step * mag
    return 10 * mag


Bars = Sequence[tuple[str, Sequence[tuple[float, str]]]]


def hbars(title: str, rows: Bars, width: float,
          legend: Sequence[tuple[str, str]] = (), fmt: Callable[[float], str] | None = None,
          marker: float | None = None, marker_label: str = "", low: float = 0.0,
          high: float | None = None, texts: Sequence[str] | None = None,
          ticks: int | None = None, label_share: float = 0.32) -> Drawing:
    """Horizontal bars, one per row, each of coloured segments stacked left to right.

    `marker` draws a dashed line at that value (a target); `low` and `high` fix the scale;
    `texts` replaces the figure written at the end of each bar.
    """
    fmt = fmt or (lambda v: f"{v:,.0f}")
    label_w = min(width * label_share, max([stringWidth(r[0], style.FONT, FS) for r in rows] + [20]) + 6)
    value_w = 34.0
    plot_w = max(width - label_w - value_w, 40.0)
    totals = [sum(v for v, _ in segs) for _, segs in rows]
    top = high if high is not None else _nice_max(max(totals + [marker or 0, 0]))
    span = (top - low) or 1.0
    legend_h = 14.0 if legend else 0.0
    heads = _wrap(title, width, style.BOLD, style.H3 - 1)
    # A marker's label has a line of its own above the bars, clear of the title.
    top_h = TOP + 11 * (len(heads) - 1) + (10 if marker_label else 0)
    height = top_h + legend_h + len(rows) * (BAR + GAP) + AXIS
    # The drawing starts in the packs' font, so that no unembedded font is named in the PDF.
    d = Drawing(width, height, initialFontName=style.FONT, initialFontSize=FS)
    for n, head in enumerate(heads):
        d.add(String(0, height - 11 - 11 * n, head, fontName=style.BOLD, fontSize=style.H3 - 1,
                     fillColor=colors.HexColor(style.HEAD_FILL)))
    x0 = label_w

    def x_of(v: float) -> float:
        return x0 + max(0.0, min(1.0, (v - low) / span)) * plot_w

    if legend:
        lx = 0.0
        for name, colour in legend:
            d.add(Rect(lx, height - top_h - 10, 8, 8, fillColor=colors.HexColor(colour),
                       strokeColor=None))
            d.add(String(lx + 11, height - top_h - 9, name, fontName=style.FONT, fontSize=FS))
            lx += 11 + stringWidth(name, style.FONT, FS) + 12
    y = height - top_h - legend_h - BAR
    for n, ((label, segs), total) in enumerate(zip(rows, totals, strict=False)):
        d.add(String(x0 - 4, y + 2, _fit(label, label_w - 6), fontName=style.FONT, fontSize=FS,
                     textAnchor="end"))
        start = low
        for value, colour in segs:
            if value <= 0:
                continue
            a, b = x_of(start), x_of(start + value)
            d.add(Rect(a, y, max(b - a, 0.5), BAR, fillColor=colors.HexColor(colour),
                       strokeColor=colors.white, strokeWidth=0.5))
            start += value
        d.add(String(x_of(low + total) + 3, y + 2, texts[n] if texts else fmt(total),
                     fontName=style.FONT,
                     fontSize=FS))
        y -= BAR + GAP
    base = AXIS - 4
    d.add(Line(x0, base, x0 + plot_w, base, strokeColor=colors.HexColor(style.GRID)))
    if ticks is None:  # as many as make whole steps: 0, 5, 10, 15, 20 rather than 0, 2.5 ...
        ticks = next((n for n in (4, 5, 2) if (span / n).is_integer()), 4)
    for i in range(ticks + 1):
        v = low + span * i / ticks
        x = x_of(v)
        d.add(Line(x, base, x, base - 3, strokeColor=colors.HexColor(style.GRID)))
        d.add(String(x, 0, fmt(v), fontName=style.FONT, fontSize=FS, textAnchor="middle",
                     fillColor=colors.HexColor(style.MUTED)))
    if marker is not None:
        x = x_of(marker)
        d.add(Line(x, base, x, height - top_h - legend_h + 2, strokeColor=colors.black,
                   strokeDashArray=[2, 2], strokeWidth=0.8))
        if marker_label:
            d.add(String(x + 2, height - top_h - legend_h + 3, marker_label, fontName=style.FONT,
                         fontSize=FS))
    return d


def _rag_segments(counts: dict[str, int]) -> list[tuple[float, str]]:
    return [(float(counts.get(r, 0)), style.RAG_COLOURS[r]) for r in RAGS]


def rag_chart(title: str, rows: Sequence[tuple[str, dict[str, int]]], width: float) -> Drawing:
    """Items by RAG, one stacked bar per row (outcomes and actions; or per partnership)."""
    return hbars(title, [(label, _rag_segments(c)) for label, c in rows], width,
                 legend=[(r, style.RAG_COLOURS[r]) for r in RAGS])


def progress_value(o: OutcomeLine) -> float | None:
    """How far an outcome's latest value has come from its baseline towards this year's
    target, as a percentage (100 = target met); None when it cannot be said."""
    baseline = o.baseline
    nums = (o.latest, o.target, baseline)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in nums):
        return None
    if o.target == baseline:
        return None
    return (o.latest - baseline) / (o.target - baseline) * 100


def progress_chart(rows: Sequence[tuple[OutcomeLine, float]], width: float,
                   with_lsp: bool = False, of: int | None = None) -> Drawing:
    """Latest value against this year's target, per outcome: the share of the way from the
    baseline to the target, coloured by the outcome's RAG; `of`: how many there are in all,
    when `rows` are only the furthest behind."""
    bars = [((f"{o.lsp} " if with_lsp else "") + f"{o.outcome_id} {o.indicator}".strip(),
             [(max(0.0, min(p, 150.0)), style.RAG_COLOURS.get(o.rag, style.GRID))])
            for o, p in rows]
    year = rows[0][0].target_year if rows else ""
    return hbars(f"Latest value: % of the way from baseline to the {year} target"
                 + (f" (the {len(rows)} furthest from it, of {of})" if of else ""),
                 bars, width,
                 fmt=lambda v: f"{v:.0f}%", marker=100.0, marker_label="target",
                 high=150.0, texts=[f"{p:.0f}%" for _, p in rows], ticks=3)


def slipping_chart(items: Sequence[SlipItem], width: float, n: int = 10,
                   with_lsp: bool = False) -> Drawing:
    """The worst slipping items by weeks late, coloured by severity."""
    late = [i for i in items if i.days]
    late = sorted(late, key=lambda i: -(i.days or 0))[:n]
    rows = [((f"{i.lsp} " if with_lsp else "") + i.item_id,
             [((i.days or 0) / 7, style.SEVERITY_COLOURS.get(i.severity, style.GRID))])
            for i in late]
    return hbars(f"Slipping items by weeks late (worst {len(rows)})", rows, width,
                 legend=[(s, c) for s, c in style.SEVERITY_COLOURS.items()],
                 fmt=lambda v: f"{v:.0f} wk" if v >= 1 or v == 0 else f"{v:.1f} wk")


def ratings_chart(lines: Sequence[AssuranceLine], width: float) -> Drawing:
    """Assurance ratings: the partnership's self-assessment, and the GO's when reviewed."""
    rows = []
    for who, get in (("Self-assessment", lambda a: a.rating), ("GO assessment", lambda a: a.go_rating)):
        got = [get(a) for a in lines]
        if not any(got):
            continue
        rows.append((who, [(float(got.count(r)), c) for r, c in style.RATING_COLOURS.items()]))
    return hbars("Assurance questions by rating", rows, width,
                 legend=list(style.RATING_COLOURS.items()))


def count_chart(title: str, rows: Sequence[tuple[str, int]], width: float,
                colour: str = style.HEAD_FILL, label_share: float = 0.32) -> Drawing:
    return hbars(title, [(label, [(float(n), colour)]) for label, n in rows], width,
                 label_share=label_share)


def trend_chart(periods: Sequence[str], rows: Sequence[tuple[OutcomeLine, Sequence[object]]],
                width: float, per_row: int = 3) -> Drawing:
    """Each outcome's latest value round by round, against this year's target (dashed): one
    small panel per outcome."""
    gap, panel_h = 10.0, 70.0
    panel_w = (width - gap * (per_row - 1)) / per_row
    lines = (len(rows) + per_row - 1) // per_row
    height = 16 + lines * (panel_h + gap)
    d = Drawing(width, height, initialFontName=style.FONT, initialFontSize=FS)
    d.add(String(0, height - 11, f"Latest value round by round, {periods[0]} to {periods[-1]}, "
                 "against this year's target (dashed)", fontName=style.BOLD,
                 fontSize=style.H3 - 1, fillColor=colors.HexColor(style.HEAD_FILL)))
    for n, (o, values) in enumerate(rows):
        col, line = n % per_row, n // per_row
        _panel(d, o, values, col * (panel_w + gap),
               height - 16 - (line + 1) * (panel_h + gap) + gap, panel_w, panel_h)
    return d


def _panel(d: Drawing, o: OutcomeLine, values: Sequence[object], x0: float, y0: float,
           w: float, h: float) -> None:
    """One outcome's small trend panel: its values as a line, its target dashed."""
    d.add(Rect(x0, y0, w, h, fillColor=None, strokeColor=colors.HexColor(style.GRID),
               strokeWidth=0.5))
    d.add(String(x0 + 3, y0 + h - 10, _fit(f"{o.outcome_id} {o.indicator}", w - 6),
                 fontName=style.BOLD, fontSize=FS))
    points = [(i, float(v)) for i, v in enumerate(values)
              if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not points:
        return
    target = float(o.target) if isinstance(o.target, (int, float)) else None
    seen = [v for _, v in points] + ([target] if target is not None else [])
    lo_v, span = min(seen), (max(seen) - min(seen)) or 1.0
    px0, px1, py0, py1 = x0 + 6, x0 + w - 40, y0 + 6, y0 + h - 18
    steps = max(len(values) - 1, 1)

    def at(i: int, v: float) -> tuple[float, float]:
        return px0 + (px1 - px0) * i / steps, py0 + (py1 - py0) * (v - lo_v) / span

    if target is not None:
        ty = at(0, target)[1]
        d.add(Line(px0, ty, px1, ty, strokeColor=colors.black, strokeDashArray=[2, 2],
                   strokeWidth=0.6))
    colour = colors.HexColor(style.RAG_COLOURS.get(o.rag, style.HEAD_FILL))
    for (i, v), (j, u) in zip(points, points[1:], strict=False):
        (xa, ya), (xb, yb) = at(i, v), at(j, u)
        d.add(Line(xa, ya, xb, yb, strokeColor=colour, strokeWidth=1.5))
    for i, v in points:
        x, y = at(i, v)
        d.add(Rect(x - 1.5, y - 1.5, 3, 3, fillColor=colour, strokeColor=None))
    last_x, last_y = at(*points[-1])
    d.add(String(last_x + 4, last_y - 3, f"{points[-1][1]:,g}", fontName=style.FONT,
                 fontSize=FS))
