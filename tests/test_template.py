"""The workbook each partnership fills in, opened with openpyxl and checked cell by cell.

The published blank template, workbooks/laa-return-template.xlsx, is made by one command
(SOURCE_DATE_EPOCH fixes its generated-at time, 1 October 2009, so it can be remade exactly):

    SOURCE_DATE_EPOCH=1254355200 laa-xl template --blank --region samples/region.toml \\
        -o workbooks/laa-return-template.xlsx

`test_the_published_template_matches_the_generator` fails when it is out of date.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter
from sheetnames import RETURN_DATA_SHEETS, TEMPLATE_SHEETS
from xlsxcontent import differences, meta, workbook_content

from laa_xl import __version__
from laa_xl.cli import main
from laa_xl.region import Region
from laa_xl.schemas import SheetSpec, schema_version, sheet, sheets
from laa_xl.template import Prefill, TemplateBuilder, build_template, template_name, wrapped_lines

WHEN = datetime(2009, 10, 1, 9, 0, 0)
DATA_SHEETS = RETURN_DATA_SHEETS
SHEET_ORDER = TEMPLATE_SHEETS
# Header row plus data rows: x-rows empty rows, or one row per assurance question.
TABLE_REFS = {"Outcomes": "A4:W54", "Actions": "A4:S404", "Milestones": "A4:H1004",
              "Assurance": "A4:F14", "Risks": "A4:I104", "Recovery": "A4:K64"}
PUBLISHED = Path("workbooks") / "laa-return-template.xlsx"
PUBLISH_COMMAND = ("SOURCE_DATE_EPOCH=1254355200 laa-xl template --blank "
                   "--region samples/region.toml -o workbooks/laa-return-template.xlsx")
USAGE = "Usage: laa-xl template [OPTIONS]\nTry 'laa-xl template --help' for help.\n\n"


@pytest.fixture(scope="module")
def any_path(tmp_path_factory: pytest.TempPathFactory, sample_region: Region) -> Path:
    """Anycity's template for 2009/10 Q2, made at a fixed time."""
    out = tmp_path_factory.mktemp("template") / template_name(sample_region,
                                                              sample_region.lsp("ANY"))
    return build_template(out, sample_region, sample_region.lsp("ANY"), when=WHEN)


@pytest.fixture(scope="module")
def wb(any_path: Path) -> Any:
    book = openpyxl.load_workbook(any_path)
    yield book
    book.close()


@pytest.fixture(scope="module")
def content(any_path: Path) -> dict[str, Any]:
    return workbook_content(any_path)


def spec_of(name: str) -> SheetSpec:
    return next(s for s in sheets() if s.name == name)


def data_rows(name: str) -> tuple[int, int]:
    """First and last data row (1-based) of a data sheet."""
    last = int(TABLE_REFS[name].split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return 5, last


def expected_prompt(f: Any) -> str:
    return f.input_message + (" Required." if f.required else "")


def validations_at(ws: Any, sqref: str) -> list[Any]:
    return [dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == sqref]


# --------------------------------------------------------------------------------------
# Sheets


def test_sheet_order_and_hidden_sheets(wb: Any):
    assert wb.sheetnames == SHEET_ORDER
    assert {ws.title: ws.sheet_state for ws in wb} == {
        **{n: "visible" for n in ["Guidance", *DATA_SHEETS]},
        "_lists": "hidden", "_laa_xl": "hidden"}
    assert wb.active.title == "Guidance"


def test_every_sheet_is_protected(wb: Any):
    assert {ws.title: bool(ws.protection.sheet) for ws in wb} == dict.fromkeys(SHEET_ORDER, True)


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_title_and_about_rows(wb: Any, name: str):
    ws = wb[name]
    spec = spec_of(name)
    assert ws["A1"].value == f"{name} — Anycity Partnership — 2009/10 Q2"
    assert ws["A2"].value == f"{spec.description} Click any header or cell to see what to enter."
    assert ws.freeze_panes == "B5"
    assert ws.print_title_rows == "$4:$4"


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_header_row_is_the_schema_headers(wb: Any, name: str):
    ws = wb[name]
    row4 = [c.value for c in ws[4]]
    assert row4 == spec_of(name).headers
    assert all(ws.cell(4, c + 1).protection.locked for c in range(len(row4)))


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_required_optional_markers(wb: Any, name: str):
    spec = spec_of(name)
    expected = ["Required" if f.required else "Worked out" if f.formula else "Optional"
                for f in spec.fields]
    assert [c.value for c in wb[name][3]] == expected


def test_markers_on_risks_exactly(wb: Any):
    assert [c.value for c in wb["Risks"][3]] == [
        "Required", "Required", "Required", "Required", "Required", "Worked out", "Required",
        "Optional", "Required"]


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_each_data_sheet_is_one_table(wb: Any, name: str):
    tables = list(wb[name].tables.values())
    assert [(t.name, t.ref) for t in tables] == [(f"tbl{name}", TABLE_REFS[name])]
    assert [c.name for c in tables[0].tableColumns] == spec_of(name).headers
    assert tables[0].autoFilter.ref == TABLE_REFS[name]


def test_table_sizes_follow_the_schemas(sample_region: Region):
    expected = {s.name: s.template_rows for s in sheets()}
    expected["Assurance"] = len(sample_region.questions)
    assert {n: data_rows(n)[1] - 4 for n in DATA_SHEETS} == expected
    assert expected == {"Outcomes": 50, "Actions": 400, "Milestones": 1000, "Assurance": 10,
                        "Risks": 100, "Recovery": 60}


# --------------------------------------------------------------------------------------
# Cells: what is open, what is fixed, how it is formatted


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_input_cells_open_and_fixed_cells_locked(content: dict[str, Any], name: str):
    spec = spec_of(name)
    first, last = data_rows(name)
    formats = content[name]["formats"]
    for c, f in enumerate(spec.fields):
        letter = get_column_letter(c + 1)
        lock = "locked" if (f.locked or f.formula) else "unlocked"
        fmt = f.number_format or ("dd/mm/yyyy" if f.is_date else
                                  "0" if f.kind == "integer" else "General")
        if lock == "locked" and fmt == "General":
            assert letter not in formats, (name, f.name)  # plain, locked: like the headers
        else:
            assert formats[letter] == [(f"{first}:{last}", fmt, lock)], (name, f.name)


def test_formats_of_data_cells(content: dict[str, Any]):
    actions = content["Actions"]["formats"]
    assert {k: v[0][1] for k, v in actions.items() if v[0][1] != "General"} == {
        "F": "£#,##0", "H": "dd/mm/yyyy", "I": "dd/mm/yyyy", "J": "dd/mm/yyyy",
        "K": "dd/mm/yyyy", "M": "0", "R": "£#,##0", "S": "£#,##0"}
    milestones = content["Milestones"]["formats"]
    assert [milestones[c] for c in "DEF"] == [[("5:1004", "dd/mm/yyyy", "unlocked")]] * 3
    assert content["Risks"]["formats"]["F"] == [("5:104", "0", "locked")]


def test_every_date_field_is_dd_mm_yyyy(wb: Any):
    for spec in sheets():
        first, last = data_rows(spec.name)
        for c, f in enumerate(spec.fields, start=1):
            if f.is_date:
                for row in (first, last):
                    assert wb[spec.name].cell(row, c).number_format == "dd/mm/yyyy"


def test_assurance_is_prefilled_with_the_regions_questions(wb: Any, sample_region: Region):
    ws = wb["Assurance"]
    rows = list(ws.iter_rows(min_row=5, max_row=14))
    assert [(r[0].value, r[1].value, r[2].value) for r in rows] == [
        (q.id, q.area, q.question) for q in sample_region.questions]
    assert rows[0][0].value == "PA-01"
    assert rows[4][2].value == ("Is there project-management discipline so that every "
                                "eventuality is considered (plans, milestones, dependencies, "
                                "risks)?")
    for r in rows:
        assert [c.protection.locked for c in r] == [True, True, True, False, False, False]
        assert [c.value for c in r[3:]] == [None, None, None]
    assert ws["A15"].value is None


def test_risk_score_is_a_formula(wb: Any):
    ws = wb["Risks"]
    for row in (5, 6, 104):
        assert ws[f"F{row}"].value == (
            f'=IF(AND(ISNUMBER(D{row}),ISNUMBER(E{row})),D{row}*E{row},"")')
        assert ws[f"F{row}"].protection.locked
    assert ws["F105"].value is None


def test_empty_input_rows_hold_nothing(content: dict[str, Any]):
    for name in ("Outcomes", "Actions", "Milestones", "Recovery"):
        assert sorted({int(k.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                       for k in content[name]["cells"]}) == [1, 2, 3, 4]


def test_rag_columns_are_coloured(content: dict[str, Any]):
    rag = [("cellIs", "equal", ['"Red"']), ("cellIs", "equal", ['"Amber"']),
           ("cellIs", "equal", ['"Green"'])]
    assert content["Outcomes"]["conditional_formats"] == [("V5:V54", rag)]
    assert content["Actions"]["conditional_formats"] == [("N5:N404", rag)]
    for name in ("Milestones", "Assurance", "Risks", "Recovery"):
        assert content[name]["conditional_formats"] == []


# --------------------------------------------------------------------------------------
# Data validation


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_every_input_column_is_validated_over_exactly_its_data_rows(wb: Any, name: str):
    ws = wb[name]
    first, last = data_rows(name)
    for c, f in enumerate(spec_of(name).fields):
        letter = get_column_letter(c + 1)
        data = [dv for dv in ws.data_validations.dataValidation
                if any(r.min_col <= c + 1 <= r.max_col and r.max_row >= first
                       for r in dv.sqref.ranges)]
        if f.locked or f.formula:
            assert data == [], (name, f.name)
            continue
        assert [str(dv.sqref) for dv in data] == [f"{letter}{first}:{letter}{last}"], f.name
        dv = data[0]
        if len(f.header) <= 32:
            assert dv.promptTitle == f.header
        assert dv.prompt == expected_prompt(f)
        assert dv.showInputMessage and dv.showErrorMessage and dv.allow_blank


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_each_header_explains_its_column(wb: Any, name: str):
    ws = wb[name]
    for c, f in enumerate(spec_of(name).fields):
        (dv,) = validations_at(ws, f"{get_column_letter(c + 1)}4")
        assert dv.type is None  # any value: only the input message
        assert dv.prompt == expected_prompt(f)


def test_no_validation_outside_the_header_and_data_rows(wb: Any):
    for name in DATA_SHEETS:
        first, last = data_rows(name)
        for dv in wb[name].data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                assert (rng.min_row, rng.max_row) in ((4, 4), (first, last)), (name, str(rng))
    for name in ("Guidance", "_lists", "_laa_xl"):
        assert wb[name].data_validations.dataValidation == []


def test_lists_point_at_named_ranges_never_inline(wb: Any):
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    seen = 0
    for spec in sheets():
        for dv in wb[spec.name].data_validations.dataValidation:
            if dv.type == "list":
                seen += 1
                assert dv.formula1 in names, (spec.name, dv.formula1)
                assert '"' not in dv.formula1 and "," not in dv.formula1
    dropdowns = [f for s in sheets() for f in s.input_fields
                 if (f.enum or f.list_name or f.refs) and not f.locked]
    assert seen == len(dropdowns) == 16


def _list_values(wb: Any, name: str) -> list[Any]:
    target = wb.defined_names[name].attr_text
    sheet_name, ref = target.split("!")
    ws = wb[sheet_name.strip("'")]
    return [row[0].value for row in ws[ref.replace("$", "")]]


def _list_on(wb: Any, key: str, field: str) -> str:
    spec = sheet(key)
    col = get_column_letter([f.name for f in spec.fields].index(field) + 1)
    first, last = data_rows(spec.name)
    (dv,) = validations_at(wb[spec.name], f"{col}{first}:{col}{last}")
    assert dv.type == "list"
    return dv.formula1


def test_enum_dropdowns_hold_the_schema_lists(wb: Any):
    for spec in sheets():
        for f in spec.fields:
            if f.enum and not f.locked:
                assert tuple(_list_values(wb, _list_on(wb, spec.key, f.name))) == f.enum
    assert _list_on(wb, "actions", "rag") == _list_on(wb, "outcomes", "confidence") == "list_rag"
    assert _list_values(wb, "list_rag") == ["Red", "Amber", "Green"]


def test_enum_lists_stop_anything_else(wb: Any):
    ws = wb["Actions"]
    (dv,) = validations_at(ws, "L5:L404")
    assert (dv.type, dv.formula1, dv.errorStyle) == ("list", "list_actions_status", None)
    assert dv.error == "Choose Not started, In progress, Complete, On hold or Cancelled from " \
                       "the dropdown."


def test_theme_dropdown_holds_the_regions_themes(wb: Any, sample_region: Region):
    assert _list_on(wb, "outcomes", "theme") == "list_themes"
    assert tuple(_list_values(wb, "list_themes")) == sample_region.themes


def test_outcome_ids_dropdown_on_actions(wb: Any):
    assert _list_on(wb, "actions", "outcome_id") == "ids_outcomes"
    assert wb.defined_names["ids_outcomes"].attr_text == "'Outcomes'!$A$5:$A$54"
    (dv,) = validations_at(wb["Actions"], "B5:B404")
    assert dv.errorStyle == "warning"  # an ID may be typed before its outcome's row exists
    assert dv.error == "Enter an Outcome ID from the Outcomes sheet: the dropdown lists them."


def test_action_ids_dropdown_on_milestones(wb: Any):
    assert _list_on(wb, "milestones", "action_id") == "ids_actions"
    assert wb.defined_names["ids_actions"].attr_text == "'Actions'!$A$5:$A$404"


def test_outcome_and_action_ids_dropdown_on_risks_and_recovery(wb: Any):
    assert _list_on(wb, "risks", "linked_to") == "ids_outcomes_actions"
    assert _list_on(wb, "recovery", "item_id") == "ids_outcomes_actions"
    assert wb.defined_names["ids_outcomes_actions"].attr_text == "'_lists'!$H$2:$H$451"
    mirror = [c.value for (c,) in wb["_lists"]["H2:H451"]]
    assert mirror[0] == "=IF('Outcomes'!A5=\"\",\"\",'Outcomes'!A5)"
    assert mirror[49] == "=IF('Outcomes'!A54=\"\",\"\",'Outcomes'!A54)"
    assert mirror[50] == "=IF('Actions'!A5=\"\",\"\",'Actions'!A5)"
    assert mirror[449] == "=IF('Actions'!A404=\"\",\"\",'Actions'!A404)"


def test_date_validation(wb: Any):
    (dv,) = validations_at(wb["Actions"], "H5:H404")
    assert (dv.type, dv.operator, dv.formula1, dv.formula2, dv.errorStyle) == (
        "date", None, "36526", "47848", "warning")  # 01/01/2000 to 31/12/2030
    assert dv.error == "Enter a date between 01/01/2000 and 31/12/2030, as dd/mm/yyyy."


def test_number_and_length_validation(wb: Any):
    ws = wb["Risks"]
    (dv,) = validations_at(ws, "D5:D104")
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1.0", "5.0")
    assert dv.error == "Enter a whole number from 1 (rare) to 5 (almost certain)."
    (dv,) = validations_at(wb["Actions"], "M5:M404")
    assert (dv.type, dv.formula1, dv.formula2) == ("decimal", "0.0", "100.0")
    (dv,) = validations_at(wb["Outcomes"], "C5:C54")
    assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == (
        "textLength", "lessThanOrEqual", "300", "warning")
    assert dv.error == "Outcome / target holds at most 300 characters."


def test_messages_fit_excels_limits(wb: Any):
    """Excel refuses (and XlsxWriter drops) a title over 32 or a message over 255 characters."""
    count = 0
    for ws in wb:
        for dv in ws.data_validations.dataValidation:
            count += 1
            assert len(dv.promptTitle or "") <= 32, dv.promptTitle
            assert len(dv.prompt or "") <= 255, dv.prompt
            assert len(dv.errorTitle or "") <= 32, dv.errorTitle
            assert len(dv.error or "") <= 255, dv.error
    assert count == 148


def test_long_titles_are_cut_at_a_word(wb: Any):
    (dv,) = validations_at(wb["Outcomes"], "U5:U54")
    assert dv.promptTitle == "For long enough, with the right…"
    assert dv.errorTitle == "Check For long enough, with the…"
    (dv,) = validations_at(wb["Outcomes"], "V5:V54")
    assert (dv.promptTitle, dv.errorTitle) == ("Delivery confidence (RAG)",
                                               "Check Delivery confidence (RAG)")


def test_no_schema_message_is_cut_short():
    for spec in sheets():
        for f in spec.fields:
            assert len(expected_prompt(f)) <= 255, (spec.key, f.name)


# --------------------------------------------------------------------------------------
# The hidden sheets and the Guidance


def test_identity_sheet(any_path: Path, wb: Any):
    assert [tuple(r) for r in wb["_laa_xl"].iter_rows(values_only=True)] == [
        ("key", "value"),
        ("product", "laa-xl return"),
        ("schema_version", schema_version()),
        ("lsp_code", "ANY"),
        ("lsp_name", "Anycity Partnership"),
        ("region", "Midshire"),
        ("period", "2009/10 Q2"),
        ("deadline", "2009-10-15"),
        ("generated_at", "2009-10-01T09:00:00"),
        ("tool_version", __version__),
    ]
    assert schema_version() == "1.1"
    assert meta(any_path)["lsp_code"] == "ANY"


def _guidance(ws: Any) -> dict[str, Any]:
    return {r[0]: r[1] for r in ws.iter_rows(max_col=2, values_only=True) if r[0]}


def test_guidance_names_the_deadline_and_the_contact(wb: Any):
    ws = wb["Guidance"]
    assert ws["A1"].value == "LAA delivery return — 2009/10 Q2"
    g = _guidance(ws)
    assert g["Partnership"] == "Anycity Partnership"
    assert g["Region"] == "Midshire (Government Office for Midshire)"
    assert g["Period"] == "2009/10 Q2 (quarter ending 30 September 2009)"
    assert g["Return by"] == "Thursday 15 October 2009"
    assert g["Questions to"] == ("Sam Okafor, Performance Team, laa.returns@go-midshire.example, "
                                 "0121 496 0000")
    assert g["Send"] == "Email it to laa.returns@go-midshire.example by 15 October 2009."
    assert [k for k in g if k.startswith("Step ")] == [f"Step {i}" for i in range(1, 7)]
    assert g["Doing the right things?"] == sheet("outcomes").field("right_things").input_message
    for name in DATA_SHEETS:
        assert g[name] == spec_of(name).description


def test_guidance_without_a_contact_points_to_the_locality_manager(tmp_out: Path):
    region = Region(lsps=(), go_name="Government Office for Midshire")
    path = build_template(tmp_out / "t.xlsx", region, None, when=WHEN)
    book = openpyxl.load_workbook(path)
    g = _guidance(book["Guidance"])
    assert g["Questions to"] == "your Government Office for Midshire locality manager"
    assert g["Send"] == "Email it to your Government Office contact by 15 October 2009."
    assert g["Partnership"] == "(your partnership)"


def test_long_guidance_rows_are_tall_enough(wb: Any):
    ws = wb["Guidance"]
    for row in ws.iter_rows(max_col=2):
        if not any(c.alignment.wrap_text for c in row):
            continue  # the title and headings: one line each
        a, b = (c.value or "" for c in row)
        lines = max(wrapped_lines(a, 26), wrapped_lines(b, 95))
        height = ws.row_dimensions[row[0].row].height
        assert (height or 13) >= 13 * lines, (row[0].row, a)
    assert ws.row_dimensions[_row_of(ws, "Step 4")].height == 39  # three lines


def _row_of(ws: Any, label: str) -> int:
    return next(c.row for (c,) in ws.iter_rows(max_col=1) if c.value == label)


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("", 10, 1),
    ("one", 10, 1),
    ("twelve chars", 10, 1),  # 12 fit in 1.2 × 10
    ("thirteen char", 10, 2),
    ("a b c d e f g h i j k l m", 10, 3),
    ("unbreakablewordlongerthanaline", 10, 2),
])
def test_wrapped_lines(text: str, width: int, lines: int):
    assert wrapped_lines(text, width) == lines


# --------------------------------------------------------------------------------------
# Blank and prefilled templates


def test_blank_template(tmp_out: Path, sample_region: Region):
    path = build_template(tmp_out / "blank.xlsx", sample_region, None, when=WHEN)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEET_ORDER
    assert book["Outcomes"]["A1"].value == "Outcomes — 2009/10 Q2"
    identity = dict(book["_laa_xl"].iter_rows(min_row=2, values_only=True))
    assert identity["lsp_code"] == identity["lsp_name"] == ""
    assert identity["period"] == "2009/10 Q2"
    assert _guidance(book["Guidance"])["Partnership"] == "(your partnership)"
    assert book.properties.title == "LAA delivery return 2009/10 Q2 — Blank template"


def test_prefilled_rows_lock_their_baselines(tmp_out: Path, sample_region: Region):
    prefill = Prefill({
        "outcomes": [{"outcome_id": "O-01", "indicator": "NI 117", "title": "Fewer NEETs",
                      "baseline_value": 7.2, "target_2010_11": 5.0, "confidence": "Amber"}],
        "actions": [{"action_id": "A-01", "outcome_id": "O-01", "description": "Mentoring",
                     "start_date": date(2009, 4, 1), "due_date": date(2010, 3, 31),
                     "status": "In progress", "percent_complete": 40}],
        "assurance": [{"question_id": "PA-02", "rating": "Weak", "evidence": "Budget late",
                       "improvement": "Agree it by June", "question": "An old question"}],
    })
    path = build_template(tmp_out / "p.xlsx", sample_region, sample_region.lsp("ANY"),
                          prefill, when=WHEN)
    book = openpyxl.load_workbook(path)
    ws = book["Outcomes"]
    assert ws.tables["tblOutcomes"].ref == "A4:W55"  # the prefilled row, then 50 empty ones
    assert [(c.coordinate, c.value, c.protection.locked) for c in ws[5] if c.value] == [
        ("A5", "O-01", True), ("B5", "NI 117", True), ("C5", "Fewer NEETs", True),
        ("I5", 7.2, True), ("M5", 5, True), ("V5", "Amber", False)]
    assert ws["D5"].protection.locked is False  # empty and not a baseline: open
    assert ws["K5"].protection.locked is False  # an empty baseline can still be filled in
    ws = book["Actions"]
    assert ws.tables["tblActions"].ref == "A4:S405"
    assert [(c.coordinate, c.value, c.protection.locked) for c in ws[5] if c.value] == [
        ("A5", "A-01", True), ("B5", "O-01", False), ("C5", "Mentoring", False),
        ("H5", datetime(2009, 4, 1), False), ("I5", datetime(2010, 3, 31), True),
        ("L5", "In progress", False), ("M5", 40, False)]
    assert book.defined_names["ids_outcomes"].attr_text == "'Outcomes'!$A$5:$A$55"
    assert book.defined_names["ids_outcomes_actions"].attr_text == "'_lists'!$H$2:$H$453"
    ws = book["Assurance"]
    assert [c.value for c in ws[6]] == [
        "PA-02", "Resources", sample_region.questions[1].question, "Weak", "Budget late",
        "Agree it by June"]  # this round's question text, last round's answers


def test_builder_defaults(sample_region: Region):
    builder = TemplateBuilder(None, None)
    assert builder.region.lsps == ()
    assert builder.prefill.rows == {}


def test_template_name(sample_region: Region):
    assert template_name(sample_region, sample_region.lsp("NBR")) == \
        "LAA-return-2009-10-Q2-NBR.xlsx"


# --------------------------------------------------------------------------------------
# Determinism


def test_same_time_same_bytes(tmp_out: Path, sample_region: Region, any_path: Path):
    again = build_template(tmp_out / "again.xlsx", sample_region, sample_region.lsp("ANY"),
                           when=WHEN)
    assert again.read_bytes() == any_path.read_bytes()


def test_another_time_changes_only_generated_at(tmp_out: Path, sample_region: Region,
                                                any_path: Path, content: dict[str, Any]):
    later = build_template(tmp_out / "later.xlsx", sample_region, sample_region.lsp("ANY"),
                           when=datetime(2009, 10, 2, 14, 30, 5))
    assert workbook_content(later) == content
    assert meta(later)["generated_at"] == "2009-10-02T14:30:05"
    assert meta(any_path)["generated_at"] == "2009-10-01T09:00:00"
    # Inside the zip: the document dates, and the one string that holds the time.
    with zipfile.ZipFile(any_path) as a, zipfile.ZipFile(later) as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
        assert changed == ["xl/sharedStrings.xml", "docProps/core.xml"]
        assert a.read("xl/sharedStrings.xml").replace(
            b"2009-10-01T09:00:00", b"2009-10-02T14:30:05") == b.read("xl/sharedStrings.xml")


def test_source_date_epoch_sets_the_time(tmp_out: Path, sample_region: Region,
                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1254355200")
    a = build_template(tmp_out / "a.xlsx", sample_region, None)
    b = build_template(tmp_out / "b.xlsx", sample_region, None)
    assert meta(a)["generated_at"] == "2009-10-01T00:00:00"
    assert a.read_bytes() == b.read_bytes()


def test_the_published_template_matches_the_generator(repo_root: Path, tmp_out: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(repo_root)
    fresh = tmp_out / "laa-return-template.xlsx"
    result = CliRunner().invoke(
        main, ["template", "--blank", "--region", "samples/region.toml", "-o", str(fresh)],
        prog_name="laa-xl", env={"SOURCE_DATE_EPOCH": "1254355200"})
    assert result.exit_code == 0, result.output
    published = repo_root / PUBLISHED
    assert published.is_file(), f"{PUBLISHED} is missing; make it with:\n  {PUBLISH_COMMAND}"
    expected, found = workbook_content(fresh, volatile=True), workbook_content(published,
                                                                                volatile=True)
    assert found == expected, (
        f"{PUBLISHED} no longer matches what the generator makes; remake it with:\n"
        f"  {PUBLISH_COMMAND}\n" + "\n".join(differences(found, expected)))


# --------------------------------------------------------------------------------------
# The command


LSP_CODES = ["ANY", "NBR", "EWD", "SMR", "WHV", "RVF", "HCB", "LDL"]


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["template", *args], prog_name="laa-xl")


def test_template_all(tmp_out: Path, sample_region: Region):
    result = run("--all", "--region", sample_region.source, "-o", str(tmp_out))
    assert result.exit_code == 0, result.output
    names = [f"LAA-return-2009-10-Q2-{c}.xlsx" for c in LSP_CODES]
    assert result.stdout == "".join(f"Wrote {tmp_out / n}\n" for n in names) + \
        "8 workbook(s) for Midshire, 2009/10 Q2, due 15 October 2009.\n"
    assert sorted(p.name for p in tmp_out.iterdir()) == sorted(names)  # and no leftovers
    for code, name in zip(LSP_CODES, names, strict=True):
        assert meta(tmp_out / name)["lsp_code"] == code


def test_template_some_lsps(tmp_out: Path, sample_region: Region):
    result = run("--lsp", "nbr", "--lsp", "LDL", "--region", sample_region.source,
                 "-o", str(tmp_out / "new"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote {tmp_out / 'new' / 'LAA-return-2009-10-Q2-NBR.xlsx'}\n"
        f"Wrote {tmp_out / 'new' / 'LAA-return-2009-10-Q2-LDL.xlsx'}\n"
        "2 workbook(s) for Midshire, 2009/10 Q2, due 15 October 2009.\n")
    assert meta(tmp_out / "new" / "LAA-return-2009-10-Q2-NBR.xlsx")["lsp_name"] == \
        "Northbridge Together"


def test_template_blank(tmp_out: Path):
    path = tmp_out / "blank.xlsx"
    result = run("--blank", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote blank template {path}\n"
    assert meta(path)["region"] == "Region"  # no region file: the defaults
    assert [p.name for p in tmp_out.iterdir()] == ["blank.xlsx"]


@pytest.mark.parametrize(("args", "message"), [
    ([], "Say which workbooks to make: --lsp CODE, --all or --blank."),
    (["--all", "--blank"], "Say which workbooks to make: --lsp CODE, --all or --blank."),
    (["--lsp", "ANY", "--all"], "Say which workbooks to make: --lsp CODE, --all or --blank."),
    (["--all"], "--lsp and --all need --region FILE (the region's LSPs)."),
    (["--lsp", "ANY"], "--lsp and --all need --region FILE (the region's LSPs)."),
    (["--lsp", "ZZZ", "--region", "{region}"],
     "{region} has no LSP with code 'ZZZ'. Its LSPs are: ANY, NBR, EWD, SMR, WHV, RVF, HCB, "
     "LDL."),
], ids=["nothing chosen", "two chosen", "lsp and all", "all without region",
        "lsp without region", "unknown lsp"])
def test_template_usage_errors(tmp_out: Path, sample_region: Region, args: list[str],
                               message: str):
    args = [a.format(region=sample_region.source) for a in args]
    result = run(*args, "-o", str(tmp_out))
    assert result.exit_code == 2
    assert result.output == f"{USAGE}Error: {message.format(region=sample_region.source)}\n"
    assert list(tmp_out.iterdir()) == []


def test_template_needs_an_output(sample_region: Region):
    result = run("--all", "--region", sample_region.source)
    assert result.exit_code == 2
    assert result.output == f"{USAGE}Error: Missing option '-o' / '--output'.\n"
