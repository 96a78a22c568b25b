"""`laa-xl export`: the return as one JSON document (DESIGN.md §3) or one CSV per sheet."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from returns import SAMPLE_REGION, VALID, build_return

from laa_xl.cli import main
from laa_xl.export import document, export_csv, export_json
from laa_xl.rules import check_file
from laa_xl.schemas import SHEET_KEYS, return_validator, sheets

TYPED = {
    "outcomes": [{"latest_value": None, "latest_period": None, "commentary": "On plan",
                  "target_2008_09": None}],
    "actions": [
        {"forecast_date": date(2010, 2, 28), "cost": 1250.5},
        {"action_id": "A-02", "description": "=SUM(A1:A9) is not a formula here",
         "progress": "+1 mentor", "mitigation": "-", "resources": "@council", "cost": None,
         "status": "Complete", "percent_complete": 100, "completed_date": date(2009, 9, 1),
         "rag": None},
    ],
    "milestones": [{"comment": "Line one\nline two"}],
    "risks": [{"mitigation": "Lobby for funding"}],
    "recovery": [],
}


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, ["export", *map(str, args)], prog_name="laa-xl")


def typed_rows(key: str) -> list[dict[str, Any]]:
    """What was typed into a sheet, as the document holds it: ISO dates, no empty cells."""
    base = VALID[key][0] if VALID[key] else {}
    out = []
    for row in TYPED[key]:
        merged = {**base, **row}
        out.append({k: v.isoformat() if isinstance(v, date) else v
                    for k, v in merged.items() if v is not None})
    return out


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_return(tmp_path_factory.mktemp("export") / "anycity.xlsx", TYPED)


def test_the_document_is_what_was_typed(typed: Path) -> None:
    result = run(typed)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["meta", *SHEET_KEYS]
    assert {k: doc["meta"][k] for k in ("schema_version", "lsp_code", "lsp_name", "period",
                                        "region")} == {
        "schema_version": "1.1", "lsp_code": "ANY", "lsp_name": "Anycity Partnership",
        "period": "2009/10 Q2", "region": "Midshire"}
    assert doc["outcomes"] == typed_rows("outcomes")
    assert doc["actions"] == typed_rows("actions")
    assert doc["milestones"] == typed_rows("milestones")
    # the template fills in each question; the score is worked out
    assert doc["risks"] == [{**typed_rows("risks")[0], "score": 8}]
    assert doc["assurance"] == [
        {"question_id": q.id, "area": q.area, "question": q.question, "rating": "Adequate",
         "evidence": f"Evidence for {q.id}"} for q in SAMPLE_REGION.questions]
    assert doc["recovery"] == []
    assert list(return_validator().iter_errors(doc)) == []


def test_numbers_are_numbers_and_empty_cells_absent(typed: Path) -> None:
    doc = json.loads(run(typed).stdout)
    first, second = doc["actions"]
    assert first["cost"] == 1250.5 and isinstance(first["percent_complete"], int)
    assert "cost" not in second and "rag" not in second and "forecast_date" not in second
    assert doc["outcomes"][0]["target_2009_10"] == 7.5
    assert doc["outcomes"][0]["target_2010_11"] == 7 and \
        isinstance(doc["outcomes"][0]["target_2010_11"], int)


def test_json_to_a_file(typed: Path, tmp_path: Path) -> None:
    out = tmp_path / "anycity.json"
    result = run(typed, "-o", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(run(typed).stdout)


def test_csv_one_file_per_sheet(typed: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = run(typed, "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.csv" for k in SHEET_KEYS)
    doc = json.loads(run(typed).stdout)
    for spec in sheets():
        with (out / f"{spec.key}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == [f.name for f in spec.fields]
        assert len(rows) == 1 + len(doc[spec.key])
    with (out / "actions.csv").open(encoding="utf-8", newline="") as fh:
        actions = list(csv.DictReader(fh))
    # text a spreadsheet would run as a formula is prefixed so that it stays text
    assert (actions[1]["description"], actions[1]["progress"], actions[1]["mitigation"],
            actions[1]["resources"]) == ("'=SUM(A1:A9) is not a formula here", "'+1 mentor",
                                         "'-", "'@council")
    assert (actions[0]["cost"], actions[0]["start_date"], actions[1]["cost"]) == \
        ("1250.5", "2009-04-01", "")
    with (out / "milestones.csv").open(encoding="utf-8", newline="") as fh:
        assert list(csv.DictReader(fh))[0]["comment"] == "Line one\nline two"


def test_a_return_with_errors_is_exported_as_far_as_it_reads(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren", "cost": "lots"}]})
    result = run(path)
    assert result.exit_code == 1
    assert result.stderr == f"{path} has 2 error(s): run `laa-xl validate` to see them.\n"
    action = json.loads(result.stdout)["actions"][0]
    assert "rag" not in action and "cost" not in action
    assert action["action_id"] == "A-01"


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("A-01,Green\n", encoding="utf-8")
    result = run(path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"{path}: The file is plain text or CSV, not a workbook")


def test_csv_needs_a_folder(typed: Path) -> None:
    result = run(typed, "--format", "csv")
    assert result.exit_code == 2
    assert "--format csv needs -o FOLDER for the CSV files." in result.output


def test_library_calls_match_the_command(typed: Path, tmp_path: Path) -> None:
    report = check_file(typed)
    assert json.loads(export_json(report.data)) == document(report.data) == \
        json.loads(run(typed).stdout)
    written = export_csv(report.data, tmp_path / "lib")
    assert [p.name for p in written] == [f"{k}.csv" for k in SHEET_KEYS]
    with pytest.raises(Exception, match="refusing|Refusing"):
        export_json(report.data, typed)  # never over the return itself
