"""Where things sit on every roll-up sheet, and what marks a workbook as a roll-up."""

ROLLUP_PRODUCT = "laa-xl rollup"
TRENDS_PRODUCT = "laa-xl trends"  # the workbook `laa-xl history` writes
META_SHEET = "_laa_xl"
DATA_SHEETS = ("outcomes", "actions", "milestones", "risks", "recovery")
PROVENANCE = ("Source file", "Source sheet", "Source row")
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 3  # 0-based; data sheets' tables start at HEADER_ROW
EXCEL_MAX_ROWS = 1_048_576  # rows in a worksheet; XlsxWriter silently drops any beyond
