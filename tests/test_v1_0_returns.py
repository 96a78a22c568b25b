"""Returns made from a version 1.0 template, by the tool as it was before version 1.1: they
are kept in tests/fixtures/v1_0/ and must still read and check exactly as they did then."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from laa_xl.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "v1_0"
REGION = FIXTURES / "region.toml"
PREVIOUS = FIXTURES / "rollup-2009-10-Q1.xlsx"

# What `validate` said about each return when it was made, issue by issue: (code, sheet, cell,
# message).
EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "LAA-return-2009-10-Q2-EWD.xlsx": [
        ("renamed-column", "Actions", "I4",
         'The column "Due date (baseline)" is headed "Due date - baseline". It was read as Due '
         "date (baseline), but put the header back exactly as in the template."),
    ],
    "LAA-return-2009-10-Q2-NBR.xlsx": [
        ("normalised", "Actions", "J9",
         '"13/04/2010" was read as 13/04/2010. Next time, enter it so that Excel stores a date, '
         "not text."),
        ("normalised", "Actions", "K11",
         '"19/09/2009" was read as 19/09/2009. Next time, enter it so that Excel stores a date, '
         "not text."),
        ("recovery-suggested", "Actions", "N13",
         "Action A-09 is Amber. Consider adding a row for it on the Recovery sheet (Scanning, "
         "Analysis, Response, Assessment)."),
        ("normalised", "Milestones", "F16",
         '"29/07/2009" was read as 29/07/2009. Next time, enter it so that Excel stores a date, '
         "not text."),
        ("normalised", "Milestones", "F17",
         '"19/09/2009" was read as 19/09/2009. Next time, enter it so that Excel stores a date, '
         "not text."),
    ],
    "LAA-return-2009-10-Q2-RVF.xlsx": [],
    "LAA-return-2009-10-Q2-SMR.xlsx": [
        ("not-in-list", "Actions", "N5",
         '"Ambre" is not one of Red, Amber or Green. Choose one from the dropdown.'),
        ("date-order", "Actions", "I6",
         "Due date (baseline) (30/11/2008) is before Start date (01/12/2008). Check both dates."),
        ("unknown-outcome", "Actions", "B26",
         'Outcome ID "O-06" is not on the Outcomes sheet. Choose an Outcome ID from the dropdown, '
         "or add the outcome."),
        ("recovery-missing", "Actions", "N30",
         "Action A-26 is Red but has no complete recovery plan. Add a row for A-26 on the Recovery "
         "sheet with Scanning, Analysis, Response and Assessment."),
        ("baseline-changed", "Actions", "I6",
         "Due date (baseline) was 28/02/2010 last round and is now 30/11/2008. Baselines are fixed "
         "once agreed: put back 28/02/2010 and use the forecast instead, or explain the agreed "
         "change to the Government Office."),
        ("recovery-suggested", "Actions", "N14",
         "Action A-10 is Amber. Consider adding a row for it on the Recovery sheet (Scanning, "
         "Analysis, Response, Assessment)."),
        ("recovery-suggested", "Actions", "N21",
         "Action A-17 is Amber. Consider adding a row for it on the Recovery sheet (Scanning, "
         "Analysis, Response, Assessment)."),
    ],
}


OLDER = ("older-template", "", "",
         "The workbook was made from version 1.0 of the template; the current one is version 1.1. "
         "It was read and checked as before, without the columns added since (Depends on, Spent "
         "to date (£), Forecast outturn (£) on Actions). Next round, fill in the new template you "
         "are sent.")


def validate(*args: Any) -> Any:
    return CliRunner().invoke(main, ["validate", *map(str, args)], prog_name="laa-xl")


def test_version_1_0_returns_check_exactly_as_they_did() -> None:
    files = sorted(FIXTURES.glob("LAA-return-*.xlsx"))
    result = validate("--region", REGION, "--previous", PREVIOUS, "--format", "json", *files)
    assert result.exit_code == 1, result.output  # SMR has errors
    report = json.loads(result.output)
    got = {Path(f["file"]).name: [(i["code"], i["sheet"], i["cell"], i["message"]) for i in f["issues"]]
           for f in report["files"]}
    # Exactly what it said then, and once, as the first warning, that the return uses the
    # older template.
    errors = {"not-in-list", "date-order", "unknown-outcome", "recovery-missing"}
    assert got == {name: [i for i in issues if i[0] in errors] + [OLDER]
                   + [i for i in issues if i[0] not in errors]
                   for name, issues in EXPECTED.items()}
    assert {f["warnings"] for f in report["files"]} >= {1}
    assert {Path(f["file"]).name: f["valid"] for f in report["files"]} == {
        name: name != "LAA-return-2009-10-Q2-SMR.xlsx" for name in EXPECTED}


def test_a_version_1_0_return_reads_without_the_new_fields() -> None:
    from laa_xl.reader import read_return

    result = read_return(FIXTURES / "LAA-return-2009-10-Q2-RVF.xlsx")
    assert result.data is not None
    assert result.data.meta["schema_version"] == "1.0"
    assert [i.code for i in result.issues] == ["older-template"]
    actions = result.data.sheets["actions"]
    assert actions and all(r.columns.keys().isdisjoint({"depends_on", "spent", "outturn"})
                           for r in actions)
    # Columns as the 1.0 template laid them out: RAG in N, the last one in P.
    assert (actions[0].cell("rag"), actions[0].cell("mitigation")) == ("N5", "P5")


def test_a_round_of_1_0_and_1_1_returns_consolidates_side_by_side(tmp_path: Path) -> None:
    import shutil

    import openpyxl

    from laa_xl.region import load_region
    from laa_xl.rollup_reader import prefills, read_rollup

    folder = tmp_path / "returns"
    folder.mkdir()
    for f in FIXTURES.glob("LAA-return-*.xlsx"):  # EWD, NBR, RVF, SMR: version 1.0
        shutil.copy(f, folder)
    newer = Path(__file__).parent.parent / "samples" / "returns" / "2009-10-Q2"
    for lsp in ("ANY", "WHV"):  # version 1.1
        shutil.copy(newer / f"LAA-return-2009-10-Q2-{lsp}.xlsx", folder)
    out = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(main, ["consolidate", "--region", str(REGION), str(folder),
                                       "-o", str(out)], prog_name="laa-xl")
    assert result.exit_code == 1, result.output  # SMR has errors, as it always had
    ws = openpyxl.load_workbook(out, read_only=True)["Actions"]
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "LSP")
    header = list(rows[header_at])
    col = {h: header.index(h) for h in ("LSP", "Action ID", "Cost (£)", "Spent to date (£)",
                                         "Forecast outturn (£)", "Depends on")}
    data = [r for r in rows[header_at + 1:] if r[col["LSP"]]]
    by_lsp: dict[str, list[Any]] = {}
    for r in data:
        by_lsp.setdefault(r[col["LSP"]], []).append(r)
    assert sorted(by_lsp) == ["ANY", "EWD", "NBR", "RVF", "WHV"]  # SMR is not valid
    # The 1.0 returns' rows are all there, with the columns they never had left blank ...
    for lsp in ("EWD", "NBR", "RVF"):
        assert all(r[col["Spent to date (£)"]] is None and r[col["Forecast outturn (£)"]] is None
                   for r in by_lsp[lsp])
    # ... beside the 1.1 returns' rows with their spend.
    assert any(isinstance(r[col["Spent to date (£)"]], (int, float)) for r in by_lsp["ANY"])
    issues = [r for r in openpyxl.load_workbook(out, read_only=True)["Issues"].iter_rows(
        values_only=True) if "older-template" in r]
    assert len(issues) == 4  # once for each 1.0 return, none for the 1.1 ones

    # The next round's templates carry the spend and dependencies forward.
    region = load_region(REGION)
    prefill = prefills(read_rollup(out), region)
    any_rows = {r["action_id"]: r for r in prefill["ANY"].rows["actions"]}
    sample = next(r for r in any_rows.values() if r.get("spent"))
    assert isinstance(sample["spent"], (int, float)) and "outturn" in sample


def test_prefilling_carries_dependencies_and_spend_into_a_1_1_template(tmp_path: Path) -> None:
    import openpyxl

    from laa_xl.region import load_region
    from laa_xl.rollup_reader import prefills, read_rollup
    from laa_xl.template import build_template

    samples = Path(__file__).parent.parent / "samples"
    region = load_region(samples / "region.toml")
    out = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(main, ["consolidate", "--region", str(samples / "region.toml"),
                                       str(samples / "returns" / "2009-10-Q2"), "-o", str(out)],
                                prog_name="laa-xl")
    assert result.exit_code == 1, result.output  # SMR, as always
    prefill = prefills(read_rollup(out), region)["WHV"]
    rows = {r["action_id"]: r for r in prefill.rows["actions"]}
    assert (rows["A-04"]["depends_on"], rows["A-01"]["depends_on"]) == ("A-02", "A-04")
    path = build_template(tmp_path / "WHV.xlsx", region, region.lsp("WHV"), prefill)
    ws = openpyxl.load_workbook(path)["Actions"]
    header = [c.value for c in ws[4]]
    at = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value}
    col = {h: header.index(h) + 1 for h in ("Depends on", "Spent to date (£)",
                                            "Forecast outturn (£)", "Cost (£)")}
    a01 = {h: ws.cell(at["A-01"], c).value for h, c in col.items()}
    assert a01["Depends on"] == "A-04"
    assert a01["Forecast outturn (£)"] == a01["Cost (£)"] and a01["Spent to date (£)"] > 0
    # carried forward, and still the partner's to change: not locked like a baseline
    assert ws.cell(at["A-01"], col["Depends on"]).protection.locked is False


def test_the_version_is_the_switch_declared_once() -> None:
    from laa_xl import schemas

    assert schemas.schema_version() == "1.1"
    assert schemas.readable_versions() == ("1.0", "1.1")
    assert [(schemas.is_older_version(v)) for v in ("1.0", "1.1", "1.5", "0.9", "")] == [
        True, False, False, False, False]
    actions = schemas.sheet("actions")
    assert [f.name for f in actions.fields if f.since == "1.1"] == [
        "depends_on", "spent", "outturn"]
    assert [f.name for f in actions.at_version("1.0").fields] == [
        f.name for f in actions.fields][:-3]
    # the current version, and one this tool does not know, read every field
    assert actions.at_version("1.1") is actions and actions.at_version("1.5") is actions
    assert [(s.key, f.name) for s, f in schemas.added_since("1.0")] == [
        ("actions", "depends_on"), ("actions", "spent"), ("actions", "outturn")]
