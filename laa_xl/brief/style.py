"""The packs' one style sheet: fonts, sizes and colours.  Nothing on paper is below MIN_SIZE.

The font is DejaVu Sans, embedded in every PDF, so that text in any script a partner types
prints as typed (Debian and Ubuntu package it as fonts-dejavu-core).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ..errors import WriteError

MIN_SIZE = 8.0  # points: the smallest text on any page
BODY, SMALL, H1, H2, H3 = 9.0, 8.0, 16.0, 12.0, 10.0

FONT, BOLD = "LaaSans", "LaaSans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
              "/usr/share/fonts/TTF", "/usr/local/share/fonts", "/Library/Fonts",
              "C:/Windows/Fonts")

RAG_COLOURS = {"Red": "#FF5B5B", "Amber": "#FFC000", "Green": "#70C050"}
RATING_COLOURS = {"Strong": "#70C050", "Adequate": "#FFE699", "Weak": "#FF5B5B"}
SEVERITY_COLOURS = {"high": "#C00000", "medium": "#ED7D31", "low": "#FFD966"}
# Lighter fills for table cells, so that black text on them stays readable.
SEVERITY_FILLS = {"high": "#FF9999", "medium": "#F8CBAD", "low": "#FFF2CC"}
HEAD_FILL = "#1F3864"  # table header rows: white on dark blue
ZEBRA = "#F2F2F2"
GRID = "#BFBFBF"
INK = "#000000"
MUTED = "#404040"


def font_file(name: str) -> Path:
    """The TTF file for one of the packs' fonts; WriteError naming the package if missing."""
    wanted = _FONT_FILES[name]
    for folder in _FONT_DIRS:
        path = Path(folder) / wanted
        if path.is_file():
            return path
    for path in Path("/usr/share/fonts").rglob(wanted) if Path("/usr/share/fonts").is_dir() else ():
        return path
    raise WriteError(f"Cannot write a briefing pack: the font {wanted} is not installed. "
                     "Install the DejaVu fonts (on Debian or Ubuntu: apt-get install "
                     "fonts-dejavu-core).")


@functools.lru_cache(maxsize=1)
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name in (FONT, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(font_file(name))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, BOLD)


@functools.lru_cache(maxsize=1)
def styles() -> dict[str, Any]:
    """Paragraph styles by name: body, small, cell, head (table header), h1, h2, h3."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=BODY, leading=BODY * 1.25,
                          textColor=colors.HexColor(INK), splitLongWords=1, spaceAfter=3,
                          bulletFontName=FONT)
    return {
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=SMALL, leading=SMALL * 1.25,
                                textColor=colors.HexColor(MUTED)),
        "cell": ParagraphStyle("cell", base, fontSize=SMALL, leading=SMALL * 1.2, spaceAfter=0),
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=SMALL, leading=SMALL * 1.2,
                               textColor=colors.white, spaceAfter=0),
        "h1": ParagraphStyle("h1", base, fontName=BOLD, fontSize=H1, leading=H1 * 1.2,
                             spaceAfter=4, textColor=colors.HexColor(HEAD_FILL)),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=H2, leading=H2 * 1.2,
                             spaceBefore=10, spaceAfter=4, textColor=colors.HexColor(HEAD_FILL)),
        "h3": ParagraphStyle("h3", base, fontName=BOLD, fontSize=H3, leading=H3 * 1.2,
                             spaceBefore=6, spaceAfter=2),
    }
