"""`laa-xl demo` runs three quarters of the fictional region and its outputs hold the figures
the samples were made to show."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from laa_xl.cli import main
from laa_xl.rollup_reader import read_rollup

# openpyxl reads the trends workbook's values but not its sparklines, and says so
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("demo") / "laa-demo"
    result = CliRunner().invoke(main, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    return root, result.stdout


def _dashboard(path: Path) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path, read_only=True)["Dashboard"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    header = rows[0]
    out = {}
    for row in rows[1:]:
        if row[0] is None or row[0] == "All":  # the region's total ends the table
            break
        out[row[0]] = dict(zip(header, row, strict=False))
    return out


def test_summary_names_the_round(demo: tuple[Path, str]) -> None:
    root, out = demo
    assert "2009/10 Q1: 8 of 8 returns received, 8 valid." in out
    assert ("2009/10 Q2: 7 of 8 returns received (1 late: RVF), 6 valid; not valid: SMR; "
            "missing: LDL.") in out
    assert "2009/10 Q3: 8 of 8 returns received (1 late: RVF), 8 valid." in out
    assert f"Open {root / 'rollup-2009-10-Q3.xlsx'} and start with the Dashboard; then " \
           f"{root / 'trends-2009-10.xlsx'} for what is moving and what is stuck." in out
    assert "1 re-baselined dates; late twice: RVF." in out


def _body(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_q3_workbooks_come_from_each_partnerships_last_valid_return(
        demo: tuple[Path, str]) -> None:
    """Southmoor's Q2 return had errors and Lowdale sent none: theirs come from Q1."""
    root, _ = demo
    drafts = root / "emails" / "2009-10-Q3-templates"
    assert ("filled in from your 2009/10 Q1 return, your last valid one: your 2009/10 Q2 "
            "return was not valid.") in _body(drafts / "SMR-template.eml")
    assert ("filled in from your 2009/10 Q1 return, your last valid one: your 2009/10 Q2 "
            "return was missing.") in _body(drafts / "LDL-template.eml")
    assert "filled in from your 2009/10 Q2 return." in _body(drafts / "ANY-template.eml")
    q1 = read_rollup(root / "rollup-2009-10-Q1.xlsx")
    for code in ("SMR", "LDL"):
        wb = openpyxl.load_workbook(root / "templates" / "2009-10-Q3" /
                                    f"LAA-return-2009-10-Q3-{code}.xlsx", read_only=True)
        try:
            ids = [r[0] for r in wb["Actions"].iter_rows(min_row=5, values_only=True) if r[0]]
        finally:
            wb.close()
        open_q1 = [a.get("action_id") for a in q1.returns[code].sheets["actions"]
                   if a.get("status") not in ("Complete", "Cancelled")]
        assert set(open_q1) <= set(ids), code


def test_the_trends_workbook(demo: tuple[Path, str]) -> None:
    root, _ = demo
    wb = openpyxl.load_workbook(root / "trends-2009-10.xlsx", read_only=True)
    try:
        def rows(name: str) -> list[dict[str, object]]:
            got = list(wb[name].iter_rows(min_row=4, values_only=True))
            return [dict(zip(got[0], r, strict=False)) for r in got[1:] if r[0] is not None]

        persistent = rows("Persistent slippage")
        rebased = rows("Re-baselining")
        timeliness = {r["LSP"]: r for r in rows("Timeliness")}
    finally:
        wb.close()
    assert persistent and all(int(str(r["Quarters in a row"])) >= 2 for r in persistent)
    assert [(r["LSP"], r["Item"], r["Period"]) for r in rebased] == [
        ("HCB", "M-017", "2009/10 Q2")]
    assert [c for c, r in timeliness.items() if int(str(r["Late"])) >= 2] == ["RVF"]
    assert (timeliness["SMR"]["2009/10 Q2"], timeliness["LDL"]["2009/10 Q2"]) == (
        "Not valid", "Missing")


def test_q2_dashboard(demo: tuple[Path, str]) -> None:
    root, _ = demo
    dash = _dashboard(root / "rollup-2009-10-Q2.xlsx")
    assert list(dash) == ["ANY", "NBR", "EWD", "SMR", "WHV", "RVF", "HCB", "LDL"]
    assert dash["LDL"]["Return"] == "Missing"
    assert dash["RVF"]["Return"] == "Valid, 6 days late"
    assert dash["SMR"]["Return"] == "Not valid: 4 errors"
    assert dash["SMR"]["Outcomes Red"] is None  # its data is left out
    assert all(dash[c]["Return"] == "Valid" for c in ("ANY", "NBR", "EWD", "WHV", "HCB"))
    # 178 flags (the Slipping sheet and slipping-2009-10-Q2.csv list each) on 110 items:
    # 96 actions and milestones, 13 outcomes, one piece of advice.
    assert sum(dash[c]["Slipping items"] or 0 for c in dash) == 96


def test_q2_flags_show_the_partners_behaviour(demo: tuple[Path, str]) -> None:
    root, _ = demo
    ws = openpyxl.load_workbook(root / "rollup-2009-10-Q2.xlsx", read_only=True)["Slipping"]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] in
            ("high", "medium", "low")]
    found = {(r[1], r[4], r[7]) for r in rows}  # LSP, item, rule (Theme is column C)
    assert ("HCB", "M-017", "re-baselined") in found
    assert ("ANY", "A-12", "dropped") in found
    assert ("WHV", "A-27", "slipped-since-last-round") in found
    assert any(r[7] == "overdue" for r in rows)


def test_q2_rollup_is_the_next_rounds_previous(demo: tuple[Path, str]) -> None:
    root, _ = demo
    prev = read_rollup(root / "rollup-2009-10-Q2.xlsx")
    assert sorted(prev.returns) == ["ANY", "EWD", "HCB", "NBR", "RVF", "WHV"]
    assert prev.meta["period"] == "2009/10 Q2"


def test_files_written(demo: tuple[Path, str]) -> None:
    root, _ = demo
    assert len(list((root / "templates" / "2009-10-Q2").glob("*.xlsx"))) == 8
    # one per return with issues: against Q1, ANY dropped an action and HCB moved a baseline
    assert sorted(p.name for p in (root / "feedback" / "2009-10-Q2").glob("*.xlsx")) == [
        f"LAA-return-2009-10-Q2-{code}-feedback.xlsx"
        for code in ("ANY", "EWD", "HCB", "NBR", "SMR", "WHV")]
    chase = {p.name for p in (root / "emails" / "2009-10-Q2-chase").glob("*.eml")}
    assert "LDL-reminder.eml" in chase and "SMR-feedback.eml" in chase
    assert "ANY-thanks.eml" in chase
    msg = email.message_from_bytes((root / "emails" / "2009-10-Q2-chase" /
                                    "SMR-feedback.eml").read_bytes(), policy=email.policy.default)
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["LAA-return-2009-10-Q2-SMR-feedback.xlsx"]


def test_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path} is not empty: choose another folder, or add --force" in result.output
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_go_reviews_are_in_the_demo_at_the_cells_the_samples_readme_says(
        demo: tuple[Path, str]) -> None:
    root, out = demo
    assert ("  GO reviews: 7 of 8 partnerships (not reviewed: LDL); 1 assurance "
            "disagreement(s), 4 open advice, 1 overdue.") in out
    readme = (Path(__file__).resolve().parent.parent / "samples" / "README.md").read_text(
        encoding="utf-8")
    section = readme[readme.index("## The GO's reviews"):]
    cases = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()
             if line.startswith("| 2009/10")]
    assert [c[2] for c in cases] == ["disagreement", "advice-overdue", "yes-with-improvements",
                                     "not reviewed"]
    for period, lsp, what, _item, cell, value, _note in cases:
        path = root / "reviews" / period.replace("/", "-").replace(" ", "-") / \
            f"GO-review-{period.replace('/', '-').replace(' ', '-')}-{lsp}.xlsx"
        if what == "not reviewed":
            assert not path.exists()
            continue
        sheet_name, ref = cell.split("!")
        assert openpyxl.load_workbook(path)[sheet_name][ref].value == value, cell
    go = openpyxl.load_workbook(root / "rollup-2009-10-Q2.xlsx", read_only=True)
    rows = list(go["GO assessment"].iter_rows(min_row=5, max_row=12, values_only=True))
    assert [(r[0], r[2]) for r in rows] == [("ANY", "Yes"), ("NBR", "Yes"), ("EWD", "Yes"),
                                            ("SMR", "Yes"), ("WHV", "Yes"), ("RVF", "Yes"),
                                            ("HCB", "Yes"), ("LDL", "No")]
    overdue = [r for r in go["Slipping"].iter_rows(min_row=5, values_only=True)
               if r[7] == "advice-overdue"]
    assert [(r[1], r[4], r[8]) for r in overdue] == [("ANY", "ADV-01", 30)]


def test_briefing_packs_written(demo: tuple[Path, str]) -> None:
    root, out = demo
    names = sorted(p.name for p in (root / "briefs").iterdir())
    codes = ("ANY", "NBR", "EWD", "SMR", "WHV", "RVF", "HCB", "LDL")
    themes = ("safer-and-stronger-communities", "healthier-communities-and-older-people",
              "economic-development-and-enterprise", "environment-and-sustainability",
              "children-and-young-people")
    assert names == sorted([f"brief-2009-10-Q2-{c}.pdf" for c in codes]
                           + [f"brief-2009-10-Q2-theme-{t}.pdf" for t in themes]
                           + ["brief-2009-10-Q2-region.pdf"])
    assert all((root / "briefs" / n).read_bytes().startswith(b"%PDF-") for n in names)
    assert ("briefs/                    14 PDF briefing packs for 2009/10 Q2: each partnership, "
            "each theme, the region") in out


def test_trends_hold_the_gos_assurance_ratings_beside_the_partnerships(
        demo: tuple[Path, str]) -> None:
    from laa_xl.history import read_history

    root, _ = demo
    history = read_history([root / "rollup-2009-10-Q1.xlsx", root / "rollup-2009-10-Q2.xlsx"])
    rows = [r for r in history.tables["ratings"] if r["sheet"] == "Assurance"]
    go = [r for r in rows if r["by"] == "GO"]
    # The GO reviewed two partnerships in Q1 and seven in Q2; the matrix holds the returns
    # rolled up, so not Southmoor's of Q2, which has errors.  The Refs are the questions' own.
    assert sorted({(r["period"], r["lsp"]) for r in go}) == sorted(
        [("2009/10 Q1", c) for c in ("ANY", "NBR")]
        + [("2009/10 Q2", c) for c in ("ANY", "NBR", "EWD", "WHV", "RVF", "HCB")])
    assert all(not r["item_id"].endswith("GO") for r in rows)
    first = go[0]
    ws = openpyxl.load_workbook(first["source_file"], read_only=True)["Assurance"]
    sheet_name, ref = first["source_cell"].split("!")
    assert ws[ref].value == first["rating"]
