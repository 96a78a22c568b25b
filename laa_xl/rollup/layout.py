"""Where things sit on every roll-up sheet, and what marks a workbook as a roll-up."""

from ..layout import ROLLUP_PRODUCT as ROLLUP_PRODUCT

TRENDS_PRODUCT = "laa-xl trends"  # the workbook `laa-xl history` writes

META_SHEET = "_laa_xl"
DATA_SHEETS = ("outcomes", "actions", "milestones", "risks", "recovery")
PROVENANCE = ("Source file", "Source sheet", "Source row")
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 3  # 0-based; data sheets' tables start at HEADER_ROW
EXCEL_MAX_ROWS = 1_048_576  # rows in a worksheet; XlsxWriter silently drops any beyond
# The data sheet of every assurance answer with its evidence, beside the Assurance matrix.
ASSURANCE_ANSWERS = "Assurance answers"
# What the Completeness sheet's Status column begins with ("Valid, late" is valid and late):
# rollup/summary.py writes it, rollup_reader.return_state reads it back.
MISSING, VALID, NOT_VALID, UNREADABLE = ("Missing", "Valid", "Not valid",
                                         "Received, cannot be read")
