"""The round trip a return makes: the template is made, a partner types into it, LibreOffice
saves it, and laa-xl reads back exactly what was typed."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from lo import convert, needs_libreoffice
from openpyxl.utils import get_column_letter
from returns import REPO_ROOT, SAMPLE_REGION

from laa_xl.cli import main
from laa_xl.schemas import sheet
from laa_xl.template import build_template

REGION = str(REPO_ROOT / "samples" / "region.toml")

# What the partner types, sheet by sheet, row by row, from the first data row (row 5).
TYPED: dict[str, list[dict[str, Any]]] = {
    "outcomes": [
        {"outcome_id": "O-01", "indicator": "NI 117", "title": "Fewer young people NEET",
         "theme": "Children and young people", "lead_partner": "Anycity Council",
         "lead_officer": "Jo Bloggs", "polarity": "Lower", "unit": "%",
         "baseline_value": 8.5, "baseline_period": "2007/08", "target_2008_09": 8,
         "target_2009_10": 7.5, "target_2010_11": 7, "latest_value": 7.9,
         "latest_period": "Q1 2009/10", "current_position": "Slightly ahead of plan.",
         "challenge": "Reach the hardest to help.", "options_appraised": "Three options.",
         "right_things": "Yes", "enough": "Partly", "long_enough": "Yes",
         "confidence": "Amber", "commentary": "Recruitment is slow — see A-02."},
        {"outcome_id": "O-02", "indicator": "L01", "title": "More local volunteering",
         "theme": "Safer and stronger communities", "lead_partner": "CVS",
         "lead_officer": "Ann Other", "polarity": "Higher", "baseline_value": 1200,
         "target_2010_11": 1500, "current_position": "On track.", "challenge": "Keep it up.",
         "options_appraised": "One.", "right_things": "Yes", "enough": "Yes",
         "long_enough": "Partly", "confidence": "Green"},
    ],
    "actions": [
        {"action_id": "A-01", "outcome_id": "O-01", "description": "Mentoring scheme",
         "lead_agency": "Connexions", "lead_officer": "Sam Lee", "cost": 12500,
         "resources": "Area Based Grant", "start_date": date(2009, 4, 1),
         "due_date": date(2010, 3, 31), "status": "In progress", "percent_complete": 40,
         "rag": "Green", "progress": "Forty mentors recruited."},
        {"action_id": "A-02", "outcome_id": "O-01", "description": "Employer pledges",
         "lead_agency": "Chamber", "lead_officer": "Raj Patel", "start_date": date(2009, 6, 1),
         "due_date": date(2009, 12, 31), "forecast_date": date(2010, 2, 28),
         "status": "In progress", "percent_complete": 25, "rag": "Red",
         "progress": "=Pledges are behind", "mitigation": "-Extra staff from October"},
        {"action_id": "A-03", "outcome_id": "O-02", "description": "Volunteer fair",
         "lead_agency": "CVS", "lead_officer": "Ann Other", "cost": 800.5,
         "start_date": date(2009, 5, 1), "due_date": date(2009, 7, 31),
         "completed_date": date(2009, 7, 18), "status": "Complete", "percent_complete": 100},
    ],
    "milestones": [
        {"milestone_id": "M-001", "action_id": "A-01", "description": "Mentors recruited",
         "baseline_date": date(2009, 9, 1), "actual_date": date(2009, 8, 28),
         "status": "Achieved"},
        {"milestone_id": "M-002", "action_id": "A-02", "description": "50 pledges",
         "baseline_date": date(2009, 10, 31), "forecast_date": date(2010, 1, 31),
         "status": "At risk", "comment": "@ risk until the new officer starts"},
    ],
    "risks": [
        {"risk_id": "R-01", "linked_to": "A-02", "description": "Employers withdraw",
         "likelihood": 3, "impact": 4, "owner": "Raj Patel", "mitigation": "Early contact",
         "status": "Open"},
    ],
    "recovery": [
        {"item_id": "A-02", "scanning": "Pledges are half of plan.",
         "analysis": "The recession: employers are cautious.",
         "response": "A second officer from October; by 31/01/2010.",
         "assessment": "Pledges tracked monthly.", "main_factor": "Economic",
         "factor_detail": "Local unemployment rose 2 points."},
        {"item_id": "O-01", "scanning": "NEET rate flat since April.",
         "analysis": "Pledges (A-02) are behind.", "strengths": "Strong mentoring offer.",
         "threats": "Further job losses."},
    ],
}
# The self-assessment, typed beside each question the template lists.
RATINGS = {q.id: ("Weak", "No data yet", "Data sharing protocol by March")
           if q.id == "PA-08" else ("Adequate", f"Board minutes for {q.id}", None)
           for q in SAMPLE_REGION.questions}


def type_return(template: Path, out: Path) -> Path:
    """Fill the template in with openpyxl, as a partner types into cells."""
    wb = openpyxl.load_workbook(template)
    for key, rows in TYPED.items():
        spec = sheet(key)
        ws = wb[spec.name]
        cols = {f.name: i + 1 for i, f in enumerate(spec.fields)}
        for n, row in enumerate(rows):
            for name, value in row.items():
                cell = ws.cell(row=5 + n, column=cols[name])
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # typed text, even "=…": Excel stores it as text
    ws = wb["Assurance"]
    for r in range(5, 5 + len(RATINGS)):
        rating, evidence, improvement = RATINGS[ws.cell(row=r, column=1).value]
        ws.cell(row=r, column=4).value = rating
        ws.cell(row=r, column=5).value = evidence
        ws.cell(row=r, column=6).value = improvement
    wb.save(out)
    return out


def expected_document() -> dict[str, Any]:
    def iso(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}

    doc = {key: [iso(r) for r in rows] for key, rows in TYPED.items()}
    doc["risks"] = [{**r, "score": r["likelihood"] * r["impact"]} for r in doc["risks"]]
    doc["assurance"] = [
        {"question_id": q.id, "area": q.area, "question": q.question,
         **{k: v for k, v in zip(("rating", "evidence", "improvement"), RATINGS[q.id],
                                 strict=True) if v is not None}}
        for q in SAMPLE_REGION.questions]
    return doc


def _sorted(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: [dict(sorted(r.items())) for r in v] for k, v in doc.items() if k != "meta"}


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real template for ANY, filled in with openpyxl."""
    folder = tmp_path_factory.mktemp("roundtrip")
    template = build_template(folder / "template" / "LAA-return-2009-10-Q2-ANY.xlsx",
                              SAMPLE_REGION, SAMPLE_REGION.lsp("ANY"))
    (folder / "typed").mkdir()
    return type_return(template, folder / "typed" / template.name)


@pytest.fixture(scope="module")
def resaved(typed: Path) -> Path:
    """The typed return opened and saved again by LibreOffice (converted once per module)."""
    return convert(typed, "xlsx", typed.parent.parent / "resaved")


def validate(path: Path) -> Any:
    return CliRunner().invoke(main, ["validate", str(path), "--region", REGION],
                              prog_name="laa-xl")


def export(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["export", str(path)], prog_name="laa-xl")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_typed_with_openpyxl_reads_back_what_was_typed(typed: Path) -> None:
    result = validate(typed)
    assert result.exit_code == 0, result.output
    assert "LAA-return-2009-10-Q2-ANY.xlsx — Anycity Partnership (ANY): valid, 0 errors, " \
           "0 warnings" in result.output
    assert _sorted(export(typed)) == _sorted(expected_document())


@needs_libreoffice
def test_saved_by_libreoffice_reads_back_what_was_typed(resaved: Path) -> None:
    with zipfile.ZipFile(resaved) as z:
        assert b'appName="Calc"' in z.read("xl/workbook.xml")
    result = validate(resaved)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Checked against Midshire, 2009/10 Q2\n\n"
        "LAA-return-2009-10-Q2-ANY.xlsx — Anycity Partnership (ANY): valid, 0 errors, "
        "0 warnings\n\n"
        "1 file: 1 valid, 0 not valid; 0 errors, 0 warnings.\n")
    doc = export(resaved)
    assert _sorted(doc) == _sorted(expected_document())
    assert doc["meta"]["lsp_code"] == "ANY" and doc["meta"]["period"] == "2009/10 Q2"


@needs_libreoffice
def test_libreoffice_calculated_the_score(resaved: Path) -> None:
    wb = openpyxl.load_workbook(resaved, data_only=True)
    col = get_column_letter([f.name for f in sheet("risks").fields].index("score") + 1)
    assert wb["Risks"][f"{col}5"].value == 12
    assert wb["Risks"][f"{col}6"].value in (None, "")  # an unused row stays empty
