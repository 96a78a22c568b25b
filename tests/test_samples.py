"""The sample region: the committed files are what the generator makes, every return is as
plausible as a real one, and each partner behaviour sits where the Manifest says it does."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from laa_xl.issues import FileReport
from laa_xl.layout import META_SHEET
from laa_xl.region import DEFAULT_THEMES, load_region
from laa_xl.rules import check_file
from laa_xl.samples import (
    NATIONAL_INDICATORS,
    Q1,
    Q2,
    SAMPLES_WHEN,
    Manifest,
    main,
    region_toml,
    sample_rows,
    write_samples,
)
from laa_xl.schemas import sheet

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# What SMR's Q2 return gets wrong, cell by cell: a RAG typed "Ambre", an action pointing at an
# outcome that does not exist, a due date typed before its start date, and a Red action with
# no Recovery row.
SMR_ERRORS = [
    ("Actions", "B26", "unknown-outcome"),
    ("Actions", "I6", "date-order"),
    ("Actions", "N30", "recovery-missing"),
    ("Actions", "N5", "not-in-list"),
]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return write_samples(tmp_path_factory.mktemp("samples"), when=SAMPLES_WHEN)


@pytest.fixture(scope="module")
def reports(fresh: Manifest) -> dict[tuple[str, str], FileReport]:
    """Every return checked against its own round's region file."""
    regions = {p: load_region(fresh.region_file(p)) for p in (Q1, Q2)}
    return {(r.period, r.lsp): check_file(r.path, regions[r.period]) for r in fresh.returns}


@pytest.fixture(scope="module")
def against_q1(fresh: Manifest, reports: dict[tuple[str, str], FileReport]
               ) -> dict[str, FileReport]:
    """Every Q2 return checked with its partnership's Q1 return as the previous round."""
    region = load_region(fresh.region_file(Q2))
    return {r.lsp: check_file(r.path, region, previous=reports[(Q1, r.lsp)].data)
            for r in fresh.returns_for(Q2)}


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _parts(path: Path) -> dict[str, bytes]:
    """The workbook's zip parts, less the document properties (they hold save times)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values, read with openpyxl, without the generated_at identity row."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                values = list(row)
                while values and values[-1] is None:
                    values.pop()
                rows.append(tuple(values))
            while rows and not rows[-1]:
                rows.pop()
            if ws.title == META_SHEET:
                rows = [r for r in rows if not (r and r[0] == "generated_at")]
            out[ws.title] = rows
        return out
    finally:
        wb.close()


def _same_content(a: Path, b: Path) -> bool:
    # identical parts are identical content; otherwise (another writer version, say) compare
    # what a person sees: the values of every cell
    return _parts(a) == _parts(b) or _cells(a) == _cells(b)


def _errors(report: FileReport) -> list[tuple[str, str, str]]:
    return sorted((i.sheet, i.cell, i.code) for i in report.issues if i.severity == "error")


# -- the committed samples ---------------------------------------------------------------


def test_committed_samples_are_what_the_generator_makes(fresh: Manifest) -> None:
    assert _files(SAMPLES) == _files(fresh.root)
    for name in ("region.toml", "region-q1.toml", "README.md"):
        assert (SAMPLES / name).read_text(encoding="utf-8") == \
            (fresh.root / name).read_text(encoding="utf-8"), name
    for r in fresh.returns:
        committed = SAMPLES / r.path.relative_to(fresh.root)
        assert _same_content(committed, r.path), committed


def test_generation_is_deterministic(fresh: Manifest) -> None:
    rows, quirks = sample_rows()
    again_rows, again_quirks = sample_rows()
    assert rows == again_rows
    assert quirks == again_quirks == fresh.quirks


def test_region_files() -> None:
    q2 = load_region(SAMPLES / "region.toml")
    q1 = load_region(SAMPLES / "region-q1.toml")
    assert (str(q2.period), q2.due) == ("2009/10 Q2", date(2009, 10, 15))
    assert (str(q1.period), q1.due) == ("2009/10 Q1", date(2009, 7, 15))
    for region in (q1, q2):
        assert region.region == "Midshire"
        assert region.go_name == "Government Office for Midshire"
        assert [x.code for x in region.lsps] == ["ANY", "NBR", "EWD", "SMR", "WHV", "RVF",
                                                 "HCB", "LDL"]
        assert all(x.contact and x.email for x in region.lsps)
        assert (region.tolerances.forecast_slip_days, region.tolerances.behind_plan_ratio) \
            == (14, 0.7)
    assert region_toml(Q1) == region_toml(Q2).replace('period = "2009/10 Q2"', 'period = '
                                                      '"2009/10 Q1"').replace(
        "deadline = 2009-10-15", "deadline = 2009-07-15")


def test_entry_point_wants_one_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: python -m laa_xl.samples OUTPUT_FOLDER" in capsys.readouterr().err


# -- the round -----------------------------------------------------------------------------


def test_who_returned_and_when(fresh: Manifest) -> None:
    assert [r.lsp for r in fresh.returns_for(Q1)] == ["ANY", "NBR", "EWD", "SMR", "WHV", "RVF",
                                                      "HCB", "LDL"]
    assert fresh.missing(Q1) == []
    assert fresh.missing(Q2) == ["LDL"]
    late = [(r.period, r.lsp, r.received) for r in fresh.returns if not r.on_time]
    assert late == [(Q2, "RVF", date(2009, 10, 21))]
    assert [(q.lsp, q.value) for q in fresh.quirks_of("late")] == [("RVF", "2009-10-21")]
    for r in fresh.returns:
        assert date.fromtimestamp(r.path.stat().st_mtime) == r.received
        assert r.path.name == f"LAA-return-{r.period.replace('/', '-').replace(' ', '-')}-" \
                              f"{r.lsp}.xlsx"


def test_every_q1_return_is_valid_with_few_warnings(
        fresh: Manifest, reports: dict[tuple[str, str], FileReport]) -> None:
    for r in fresh.returns_for(Q1):
        report = reports[(Q1, r.lsp)]
        assert report.valid and r.valid, (r.lsp, _errors(report))
        assert report.warnings <= 3, (r.lsp, [str(i) for i in report.issues])


def test_q2_returns_are_valid_but_southmoor(
        fresh: Manifest, reports: dict[tuple[str, str], FileReport]) -> None:
    for r in fresh.returns_for(Q2):
        report = reports[(Q2, r.lsp)]
        assert report.valid == r.valid == (r.lsp != "SMR"), (r.lsp, _errors(report))
    assert _errors(reports[(Q2, "SMR")]) == SMR_ERRORS
    assert fresh.expected_issues(Q2, "SMR") == SMR_ERRORS


def test_southmoor_quirks_are_in_their_cells(fresh: Manifest) -> None:
    path = fresh.return_file(Q2, "SMR")
    assert path is not None
    wb = openpyxl.load_workbook(path.path, read_only=True)
    ws = wb["Actions"]
    kinds = {q.kind: q for q in fresh.quirks_of(lsp="SMR", period=Q2) if q.code}
    assert ws[kinds["rag-typo"].cell].value == "Ambre"
    assert ws[kinds["recovery-missing"].cell].value == "Red"
    assert ws[kinds["unknown-outcome"].cell].value == kinds["unknown-outcome"].value
    row = kinds["date-order"].cell[1:]
    start_col = [f.name for f in sheet("actions").fields].index("start_date")
    assert ws[kinds["date-order"].cell].value < ws[f"{chr(65 + start_col)}{row}"].value
    red = kinds["recovery-missing"].item
    recovery = wb["Recovery"]
    assert red not in [row[0] for row in recovery.iter_rows(min_row=5, values_only=True)]
    wb.close()


def test_northbridge_typed_dates_as_text(fresh: Manifest,
                                         reports: dict[tuple[str, str], FileReport]) -> None:
    quirks = fresh.quirks_of("text-date", "NBR", Q2)
    assert len(quirks) >= 3
    warned = {(i.sheet, i.cell) for i in reports[(Q2, "NBR")].issues if i.code == "normalised"}
    assert warned == {(q.sheet, q.cell) for q in quirks}
    entry = fresh.return_file(Q2, "NBR")
    assert entry is not None
    wb = openpyxl.load_workbook(entry.path, read_only=True)
    for q in quirks:
        value = wb[q.sheet][q.cell].value
        assert isinstance(value, str) and value == q.value
        assert len(value) == 10 and value[2] == value[5] == "/"
    wb.close()


def test_eastwold_renamed_a_header(fresh: Manifest,
                                   reports: dict[tuple[str, str], FileReport]) -> None:
    renamed = [(i.sheet, i.cell, i.field, i.value) for i in reports[(Q2, "EWD")].issues
               if i.code == "renamed-column"]
    assert renamed == [("Actions", "I4", "Due date (baseline)", "Due date - baseline")]
    (q,) = fresh.quirks_of("renamed-column")
    assert (q.lsp, q.sheet, q.cell, q.value) == ("EWD", "Actions", "I4", "Due date - baseline")


def test_changes_since_q1_show_against_the_previous_round(
        fresh: Manifest, against_q1: dict[str, FileReport]) -> None:
    (rebased,) = fresh.quirks_of("re-baselined")
    assert rebased.lsp == "HCB"
    assert [(i.sheet, i.cell) for i in against_q1["HCB"].issues
            if i.code == "baseline-changed"] == [(rebased.sheet, rebased.cell)]
    (dropped,) = fresh.quirks_of("dropped")
    assert dropped.lsp == "ANY"
    assert [i.value for i in against_q1["ANY"].issues if i.code == "item-disappeared"] \
        == [dropped.item]
    for lsp, report in against_q1.items():
        assert _errors(report) == fresh.expected_issues(Q2, lsp, previous=True), lsp
        warnings = {(i.sheet, i.cell, i.code) for i in report.issues if i.severity == "warning"}
        assert set(fresh.expected_issues(Q2, lsp, "warning", previous=True)) <= warnings, lsp


def test_westhaven_action_turned_red_with_a_recovery_plan(
        fresh: Manifest, reports: dict[tuple[str, str], FileReport]) -> None:
    (q,) = fresh.quirks_of("rag-worsened")
    assert q.lsp == "WHV"
    before = {r.get("action_id"): r for r in reports[(Q1, "WHV")].data.sheets["actions"]}
    after = {r.get("action_id"): r for r in reports[(Q2, "WHV")].data.sheets["actions"]}
    assert before[q.item].get("rag") == "Green"
    assert after[q.item].get("rag") == "Red"
    assert after[q.item].cell("rag") == q.cell
    plan = [r for r in reports[(Q2, "WHV")].data.sheets["recovery"] if r.get("item_id") == q.item]
    assert len(plan) == 1
    assert all(plan[0].get(f) for f in ("scanning", "analysis", "response", "assessment",
                                        "strengths", "weaknesses", "opportunities", "threats",
                                        "main_factor", "factor_detail"))


def test_milestones_slip_in_several_partnerships(
        fresh: Manifest, reports: dict[tuple[str, str], FileReport]) -> None:
    as_at = date(2009, 9, 30)
    for kind in ("forecast-slip", "overdue"):
        assert len({q.lsp for q in fresh.quirks_of(kind, period=Q2)}) >= 4, kind
    for q in fresh.quirks_of(period=Q2):
        if q.kind not in ("forecast-slip", "overdue"):
            continue
        rows = reports[(Q2, q.lsp)].data.sheets["milestones"]
        row = next(r for r in rows if r.get("milestone_id") == q.item)
        assert row.get("status") not in ("Achieved", "Cancelled")
        if q.kind == "overdue":
            assert row.cell("baseline_date") == q.cell and row.get("baseline_date") < as_at
        else:
            assert row.cell("forecast_date") == q.cell
            assert (row.get("forecast_date") - row.get("baseline_date")).days > 14


# -- plausible plans -------------------------------------------------------------------------


def test_plans_are_plausible(fresh: Manifest,
                             reports: dict[tuple[str, str], FileReport]) -> None:
    for (period, lsp), report in reports.items():
        sheets = report.data.sheets
        outcomes, actions = sheets["outcomes"], sheets["actions"]
        assert 4 <= len(outcomes) <= 6
        assert 3 <= len(sheets["risks"]) <= 6
        assert len(sheets["assurance"]) == 10
        for o in outcomes:
            code = o.get("indicator")
            assert NATIONAL_INDICATORS[code] == o.get("title")
            assert o.get("theme") in DEFAULT_THEMES
            better = 1 if o.get("polarity") == "Higher" else -1
            b, t1, t2, t3 = (o.get(f) for f in ("baseline_value", "target_2008_09",
                                                "target_2009_10", "target_2010_11"))
            assert better * b < better * t1 < better * t2 < better * t3, (lsp, code)
            if code in ("NI 117", "NI 112", "NI 16", "NI 39"):
                assert o.get("polarity") == "Lower"
            if code in ("NI 192", "NI 40", "NI 155"):
                assert o.get("polarity") == "Higher"
            mine = [a for a in actions if a.get("outcome_id") == o.get("outcome_id")]
            assert 2 <= len(mine) <= 8
            if period == Q1:
                assert len(mine) >= 3
        ids = {a.get("action_id") for a in actions}
        for a in actions:
            assert date(2008, 4, 1) <= a.get("start_date") <= date(2011, 3, 31)
            done = a.get("status") == "Complete"
            assert done == (a.get("completed_date") is not None) == \
                (a.get("percent_complete") == 100)
            assert (a.get("rag") is None) == (a.get("status") in ("Complete", "Cancelled")) \
                or (lsp, period) == ("SMR", Q2)
            if a.get("rag") in ("Red", "Amber"):
                assert a.get("mitigation")
        per_action: dict[str, int] = {}
        for m in sheets["milestones"]:
            per_action[m.get("action_id")] = per_action.get(m.get("action_id"), 0) + 1
            assert (m.get("status") == "Achieved") == (m.get("actual_date") is not None)
        assert set(per_action) == ids
        assert all(1 <= n <= 3 for n in per_action.values())
        for q in sheets["assurance"]:
            assert q.get("rating") in ("Strong", "Adequate", "Weak")
            assert isinstance(q.get("evidence"), str) and len(q.get("evidence")) > 30
            assert q.get("rating") != "Weak" or q.get("improvement")
        planned = {r.get("item_id") for r in sheets["recovery"]}
        reds = {o.get("outcome_id") for o in outcomes if o.get("confidence") == "Red"} | \
            {a.get("action_id") for a in actions
             if a.get("rag") == "Red" and a.get("status") != "Complete"}
        missing = {q.item for q in fresh.quirks_of("recovery-missing", lsp, period)}
        assert reds - planned == missing, (lsp, period)
