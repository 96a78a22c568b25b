"""What the template and the reader agree on: the sheets a return holds besides its data
sheets, the name that marks a workbook as a return, and where each data sheet's rows are.

The template writes these; the reader, the samples and the roll-up reader rely on them.
"""

from __future__ import annotations

# The hidden sheet holding the return's identity (product, schema version, LSP, period).
META_SHEET = "_laa_xl"
# The hidden sheet holding the dropdown lists.
LISTS_SHEET = "_lists"
# The visible sheet of instructions, first in the workbook.
GUIDANCE_SHEET = "Guidance"
# The identity sheet's "product", which says a workbook is a partnership's return.
PRODUCT = "laa-xl return"
# The identity key a feedback copy adds: the SHA-256 of the return it gives feedback on.
FEEDBACK_FOR = "feedback_for"
ROLLUP_PRODUCT = "laa-xl rollup"  # the roll-up's, so a roll-up among the returns is known
# The review workbook's sheet of facts about the return, beside its Guidance.
REVIEW_SUMMARY_SHEET = "Summary"

# Rows of every data sheet, 0-based as xlsxwriter counts: a title, what the sheet is for,
# Required / Optional above each column, then the header row of an Excel Table.
TITLE_ROW, ABOUT_ROW, MARK_ROW, HEADER_ROW = 0, 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
