"""LibreOffice opens a filled GO review headless and saves it again as .xlsx: the re-saved
workbook is still a review (its identity, sheets, protection, dropdowns), and it is checked
exactly as the original was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lo import convert, needs_libreoffice
from sheetnames import REVIEW_SHEETS
from test_review import _filled, reviewed, rollup, work  # noqa: F401  (fixtures)

from laa_xl.region import load_region
from laa_xl.rules import check_file

pytestmark = [pytest.mark.libreoffice, needs_libreoffice]


@pytest.fixture(scope="module")
def original(work: Path, reviewed: tuple[Any, Path]) -> Path:  # noqa: F811
    return _filled(reviewed[1] / "GO-review-2009-10-Q2-ANY.xlsx", work / "lo-filled.xlsx",
                   ("Outcomes", "J6", "On trak"))


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory, original: Path) -> Path:
    return convert(original, "xlsx", tmp_path_factory.mktemp("lo-review"))


def _flat(path: Path, region_file: Path) -> list[tuple[str, str, str]]:
    report = check_file(path, load_region(region_file))
    return [(i.sheet, i.cell, i.code) for i in report.sorted_issues()]


def test_resaved_review_is_checked_as_the_original(original: Path, resaved: Path,
                                                   rollup: tuple[Path, Path]):  # noqa: F811
    assert _flat(original, rollup[0]) == [("Outcomes", "J6", "not-in-list")]
    assert _flat(resaved, rollup[0]) == _flat(original, rollup[0])
    data = check_file(resaved).data
    assert data.meta["product"] == "laa-xl review"
    assert [r.values["advice_id"] for r in data.sheets["review-advice"]] == ["ADV-01"]


def test_resaved_review_keeps_sheets_protection_and_dropdowns(resaved: Path):
    wb = openpyxl.load_workbook(resaved)
    assert wb.sheetnames == REVIEW_SHEETS
    assert [wb[n].sheet_state for n in ("_lists", "_laa_xl")] == ["hidden", "hidden"]
    for name in REVIEW_SHEETS[:-2]:
        assert wb[name].protection.sheet, name
    ws = wb["Outcomes"]
    assert ws["A5"].protection.locked and not ws["J5"].protection.locked
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert any("list_outcomes_judgement" in f or "_lists" in f for f in lists), lists
