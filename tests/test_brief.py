"""Briefing packs (`laa-xl brief`): what each PDF says, read back with poppler's pdftotext.

The packs are made from real roll-ups: Midshire's two sample rounds (2009/10 Q2 judged
against Q1), and a one-partnership round whose return is full of hostile text.  Every figure
checked against a pack is read from the roll-up workbook itself with openpyxl.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import zlib
from datetime import datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from returns import REPO_ROOT, SAMPLE_REGION, VALID, build_return

from laa_xl.brief import data
from laa_xl.brief.pdf import write_pack
from laa_xl.brief.source import read_source
from laa_xl.cli import main
from laa_xl.region import load_region
from laa_xl.rollup import consolidate, write_rollup
from laa_xl.rollup_reader import read_rollup
from laa_xl.round import collect, expand_inputs
from laa_xl.samples import Q1, Q2, SAMPLES_WHEN, write_samples

PDFTOTEXT = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(PDFTOTEXT is None, reason="poppler's pdftotext is not installed")


def pdf_text(path: Path, *args: str) -> str:
    assert PDFTOTEXT is not None
    return subprocess.run([PDFTOTEXT, *args, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def body(path: Path) -> str:
    """The pack's text in drawing order, without the running head and foot of each page (so
    that text continued onto the next page reads on)."""
    lines = pdf_text(path, "-raw").splitlines()
    return flat("\n".join(ln for ln in lines if " · as at " not in ln))


def flat(text: str) -> str:
    return " ".join(text.split())


def font_sizes(path: Path) -> set[float]:
    """Every font size set in the PDF's content streams (the `Tf` operator), each stream
    decoded as its /Filter says (ASCII85 and Flate)."""
    raw = path.read_bytes()
    sizes: set[float] = set()
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", raw, re.S):
        filters, body = m.group(1), m.group(2)
        if b"ASCII85Decode" in filters:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"FlateDecode" in filters:
            body = zlib.decompress(body)
        sizes |= {float(s) for s in re.findall(rb"/\S+\s+([\d.]+)\s+Tf", body)}
    return sizes


def word_heights(path: Path) -> list[float]:
    html = pdf_text(path, "-bbox")
    return [float(b) - float(a) for a, b in
            re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', html)]


def fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def sheet_records(path: Path, name: str) -> list[dict[str, Any]]:
    """A roll-up sheet's table (header on row 4) as dicts, read with openpyxl."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(wb[name].iter_rows(min_row=4, values_only=True))
    wb.close()
    header = [str(h) if h is not None else "" for h in rows[0]]
    out = []
    for r in rows[1:]:
        if r[0] in (None, "", "All"):  # the end of the table, or the Dashboard's region total
            break
        out.append(dict(zip(header, r, strict=False)))
    return out


def _round(root: Path, manifest: Any, period: str, previous: Path | None) -> Path:
    region = load_region(manifest.region_file(period))
    prev = read_rollup(previous) if previous else None
    slug = period.replace("/", "-").replace(" ", "-")
    result = collect(expand_inputs([root / "samples" / "returns" / slug]), region,
                     prev.returns if prev else None)
    rollup = consolidate(result, None, prev.returns if prev else None)
    return write_rollup(rollup, root / f"rollup-{slug}.xlsx")


@pytest.fixture(scope="module")
def midshire(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Midshire's roll-ups for 2009/10 Q1 and Q2 (Q2 judged against Q1)."""
    root = tmp_path_factory.mktemp("midshire")
    manifest = write_samples(root / "samples", when=SAMPLES_WHEN)
    for ret in manifest.returns:
        stamp = datetime.combine(ret.received, time(12)).timestamp()
        os.utime(ret.path, (stamp, stamp))
    q1 = _round(root, manifest, Q1, None)
    return q1, _round(root, manifest, Q2, q1)


@pytest.fixture(scope="module")
def packs(midshire: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every pack of the Q2 roll-up, through the command."""
    out = tmp_path_factory.mktemp("packs")
    rollup = str(midshire[1])
    runner = CliRunner()
    for args in (["--all", "-o", str(out / "all")],
                 ["--theme", "healthier communities AND older people", "-o", str(out / "theme.pdf")],
                 ["--region", "-o", str(out / "region.pdf")]):
        res = runner.invoke(main, ["brief", rollup, *args])
        assert res.exit_code == 0, res.output
    return out


# -- the command ----------------------------------------------------------------------------

def test_importing_the_cli_does_not_load_reportlab() -> None:
    code = ("import sys, laa_xl.cli, laa_xl.brief.data, laa_xl.brief.run; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                         check=True)
    assert got.stdout.strip() == "[]"


def test_all_writes_one_pack_per_partnership_named_by_period_and_code(
        packs: Path, midshire: tuple[Path, Path]) -> None:
    codes = [d["LSP"] for d in sheet_records(midshire[1], "Dashboard")]
    assert sorted(p.name for p in (packs / "all").iterdir()) == sorted(
        f"brief-2009-10-Q2-{c}.pdf" for c in codes)
    assert (packs / "all" / "brief-2009-10-Q2-ANY.pdf").read_bytes().startswith(b"%PDF-")


def test_one_lsp_writes_the_file_named_and_says_so(midshire: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "anycity.pdf"
    res = CliRunner().invoke(main, ["brief", str(midshire[1]), "--lsp", "any", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.output == f"Wrote {out}\n1 briefing pack(s).\n"
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["anycity.pdf"]  # no temporary file left


def test_several_lsps_go_into_a_folder(midshire: tuple[Path, Path], tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["brief", str(midshire[1]), "--lsp", "ANY", "--lsp", "NBR",
                                    "-o", str(tmp_path / "two")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "brief-2009-10-Q2-ANY.pdf", "brief-2009-10-Q2-NBR.pdf"]


@pytest.mark.parametrize(("args", "message"), [
    (["--theme", "Healthier comunities"],
     'No outcome in rollup-2009-10-Q2.xlsx has the theme "Healthier comunities". Did you mean '
     '"Healthier communities and older people"?'),
    (["--lsp", "ANX"], 'The roll-up rollup-2009-10-Q2.xlsx has no partnership "ANX". Did you '
                       'mean "ANY"? Its partnerships are ANY, NBR, EWD, SMR, WHV, RVF, HCB, LDL.'),
    ([], "Say which pack to make: --lsp CODE (one or more), --all, --theme NAME or --region."),
    (["--all", "--region"], "Say which pack to make"),
    (["--region", "--reviews", "reviews"], "--reviews reviews is not a folder."),
])
def test_usage_mistakes_exit_2_with_a_plain_message(midshire: tuple[Path, Path], tmp_path: Path,
                                                    args: list[str], message: str) -> None:
    res = CliRunner().invoke(main, ["brief", str(midshire[1]), *args,
                                    "-o", str(tmp_path / "x.pdf")])
    assert res.exit_code == 2
    assert message in flat(res.output)
    assert not (tmp_path / "x.pdf").exists()


def test_a_return_is_not_a_rollup(tmp_path: Path) -> None:
    ret = build_return(tmp_path / "r.xlsx")
    res = CliRunner().invoke(main, ["brief", str(ret), "--region", "-o", str(tmp_path / "x.pdf")])
    assert res.exit_code == 2
    assert (f"{ret} is a partnership's return, not a roll-up: laa-xl brief takes the roll-up "
            "workbook that `laa-xl consolidate` wrote.") in flat(res.output)


def test_history_must_be_earlier_rounds(midshire: tuple[Path, Path], tmp_path: Path) -> None:
    q1, q2 = midshire
    res = CliRunner().invoke(main, ["brief", str(q1), "--region", "--history", str(q2),
                                    "-o", str(tmp_path / "x.pdf")])
    assert res.exit_code == 2
    assert "is the roll-up for 2009/10 Q2, not earlier than 2009/10 Q1" in flat(res.output)


def test_a_pack_never_replaces_the_rollup(midshire: tuple[Path, Path]) -> None:
    before = midshire[1].read_bytes()
    res = CliRunner().invoke(main, ["brief", str(midshire[1]), "--region", "-o",
                                    str(midshire[1])])
    assert res.exit_code == 1
    assert "Refusing to write" in res.output
    assert midshire[1].read_bytes() == before


# -- what the packs say ---------------------------------------------------------------------

@needs_poppler
def test_partnership_pack_holds_name_period_outcomes_slipping_and_questions(
        packs: Path, midshire: tuple[Path, Path]) -> None:
    rollup = midshire[1]
    for code in ("ANY", "HCB", "EWD"):
        pdf = packs / "all" / f"brief-2009-10-Q2-{code}.pdf"
        text, layout = flat(pdf_text(pdf, "-raw")), pdf_text(pdf, "-layout")
        dash = next(d for d in sheet_records(rollup, "Dashboard") if d["LSP"] == code)
        assert f"{dash['Partnership']} ({code})" in text
        assert "2009/10 Q2 · as at 30/09/2009" in text
        outcomes = [o for o in sheet_records(rollup, "Outcomes") if o["LSP"] == code]
        assert outcomes
        table = layout[layout.index("Latest value against this year's target"):]
        for o in outcomes:
            line = next(ln for ln in table.splitlines() if re.match(
                rf"\s*{re.escape(o['Outcome ID'])}\s+{re.escape(o['Indicator'])}\b", ln))
            assert fmt(o["Latest value"]) in line and fmt(o["Target 2009/10"]) in line, line
        flagged: list[str] = []
        for f in sheet_records(rollup, "Slipping"):
            if f["LSP"] == code and f["Sheet"] != "Outcomes" and f["Item"] not in flagged:
                flagged.append(f["Item"])
        section = text[text.index("Slipping items, worst first"):]
        where = [section.index(f" {item} ") for item in flagged[:5]]
        assert where == sorted(where)  # worst first, as the roll-up lists them
        src = read_source(rollup)
        questions = data.partnership_pack(src, code).questions
        assert questions
        for q in questions:
            assert flat(q.text) in text
            assert q.where in text
        assert f"Questions worth asking ({len(questions)})" in text


def test_questions_are_drawn_from_the_data(midshire: tuple[Path, Path]) -> None:
    src = read_source(midshire[1])
    hcb = data.partnership_pack(src, "HCB").questions
    moved = [q for q in hcb if q.kind == "baseline-moved"]
    assert [(q.item, q.where, q.file) for q in moved] == [
        ("M-017", "Milestones!D21", "LAA-return-2009-10-Q2-HCB.xlsx")]
    assert moved[0].text.startswith("Milestone M-017's baseline date changed from 13/08/2009 "
                                    "last round to 31/10/2009")
    ewd = data.partnership_pack(src, "EWD").questions
    assert [(q.item, q.where) for q in ewd if q.kind == "green-off-trajectory"] == [
        ("O-01", "Outcomes!N5")]


@needs_poppler
def test_theme_pack_holds_that_themes_outcomes_from_every_partnership_and_no_other(
        packs: Path, midshire: tuple[Path, Path]) -> None:
    theme = "Healthier communities and older people"
    layout = pdf_text(packs / "theme.pdf", "-layout")
    codes = "|".join(d["LSP"] for d in sheet_records(midshire[1], "Dashboard"))
    shown = {(m.group(1), m.group(2)) for m in re.finditer(
        rf"^\s*({codes})\s+(O-\d+)\s+(NI \d+|L\w+)", layout, re.M)}
    outcomes = sheet_records(midshire[1], "Outcomes")
    assert shown == {(o["LSP"], o["Outcome ID"]) for o in outcomes if o["Theme"] == theme}
    assert len({lsp for lsp, _ in shown}) == 6  # every partnership in the roll-up
    text = flat(pdf_text(packs / "theme.pdf", "-raw"))
    assert text.startswith(theme) or f"{theme}: theme briefing" in text
    items = data.slip_items(read_source(midshire[1]), theme=theme)
    assert items and f"Slipping items by partnership ({len(items)})" in text
    pages = pdf_text(packs / "theme.pdf", "-raw").split("\f")
    heads = [flat(p).count("Outcome ID Indicator Outcome / target") for p in pages]
    assert sum(heads) >= 2 and max(heads) == 1  # the header on each page the table reaches


@needs_poppler
def test_region_report_is_two_pages_with_completeness_and_concerns(packs: Path,
                                                                  midshire: tuple[Path, Path]
                                                                  ) -> None:
    pdf = packs / "region.pdf"
    text = flat(pdf_text(pdf, "-raw"))
    assert "page 2 of 2" in text and "page 3 of" not in text
    assert "Highlight report: Midshire, 2009/10 Q2" in text
    for label, n in (("Expected", 8), ("Received", 7), ("On time", 6), ("Late", 1), ("Valid", 6),
                     ("Not valid", 1), ("Missing", 1)):
        assert f"{label} {n}" in text
    assert "LDL Lowdale Together no return received" in text
    assert "SMR Southmoor Partnership Board return not valid (4 errors)" in text
    assert "RVF Riverford Partnership return late (received 21/10/2009)" in text


def test_figures_equal_the_rollups(midshire: tuple[Path, Path]) -> None:
    rollup = midshire[1]
    src = read_source(rollup)
    dashboard = sheet_records(rollup, "Dashboard")
    actions = sheet_records(rollup, "Actions")
    region = data.region_pack(src)
    for d, st in zip(dashboard, region.statuses, strict=True):
        assert st.code == d["LSP"] and st.name == d["Partnership"]
        if d["Outcomes Red"] is None:
            assert not st.in_rollup
            continue
        assert st.outcomes == {r: d[f"Outcomes {r}"] for r in data.RAGS}
        assert st.actions == {r: sum(1 for a in actions if a["LSP"] == st.code and a["RAG"] == r)
                              for r in data.RAGS}
        assert (st.slipping_milestones, st.off_track, st.high_flags, st.red_without_plan) == (
            d["Slipping milestones"], d["Off-track outcomes"], d["High-severity flags"],
            d["Red items without a recovery plan"])
    assert region.outcomes == {r: sum(d[f"Outcomes {r}"] or 0 for d in dashboard)
                               for r in data.RAGS}
    wb = openpyxl.load_workbook(rollup, read_only=True, data_only=True)
    rows = list(wb["Completeness"].iter_rows(min_row=5, values_only=True))
    start = next(i for i, r in enumerate(rows) if r[1] == "Round summary")
    summary = {r[1]: r[2] for r in rows[start + 1:] if r[1]}
    wb.close()
    assert dict(region.completeness) == {k: summary[k] for k, _ in region.completeness}
    outcomes = [o for o in sheet_records(rollup, "Outcomes") if o["LSP"] == "ANY"]
    pack = data.partnership_pack(src, "ANY")
    assert [(o.outcome_id, o.latest, o.target, o.rag) for o in pack.outcomes] == [
        (o["Outcome ID"], o["Latest value"], o["Target 2009/10"], o["Delivery confidence (RAG)"])
        for o in outcomes]
    slipping = [f for f in sheet_records(rollup, "Slipping") if f["LSP"] == "ANY"
                and f["Sheet"] != "Outcomes"]
    assert len(pack.slipping) == len({(f["Sheet"], f["Item"]) for f in slipping})
    assert pack.status.slipping_milestones == len({f["Item"] for f in slipping
                                                   if f["Sheet"] == "Milestones"})


@needs_poppler
def test_a_partnership_whose_return_is_missing_gets_a_one_page_pack(packs: Path) -> None:
    text = flat(pdf_text(packs / "all" / "brief-2009-10-Q2-LDL.pdf", "-raw"))
    assert "page 1 of 1" in text
    assert ("The roll-up holds none of this partnership's data: no return was received.") in text


@needs_poppler
def test_no_text_below_8pt_and_every_font_embedded(packs: Path) -> None:
    pdfs = [packs / "theme.pdf", packs / "region.pdf", packs / "all" / "brief-2009-10-Q2-ANY.pdf"]
    for pdf in pdfs:
        sizes = font_sizes(pdf)
        assert sizes and min(sizes) >= 8.0, (pdf.name, sorted(sizes))
        assert min(word_heights(pdf)) >= 8.0 - 1e-6
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        assert fonts and all(" yes yes yes " in f for f in fonts), fonts


@needs_poppler
def test_every_page_names_period_as_at_and_page_number(packs: Path) -> None:
    pdf = packs / "all" / "brief-2009-10-Q2-ANY.pdf"
    pages = pdf_text(pdf).split("\f")[:-1]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert flat(page).count("2009/10 Q2 · as at 30/09/2009") == 2  # head and foot
        assert f"page {n} of {len(pages)}" in page


# -- hostile partner text -------------------------------------------------------------------

HOSTILE = "<b>bold?</b> & &amp; ]]> <!-- x --> <para>"
RTL = "مرحبا بالعالم שלום עולם"
EMOJI = "Delivered 🎉👍🏽 on time"
LONG = ("Partnership board minutes pasted from Word. " * 120)[:5000]
# The longest text a return's free-text cells hold (a longer one is an error, and its cell is
# left out of the roll-up); 5,000 characters are given to the layout directly below.
LONGEST = LONG[:2000]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A roll-up of one return whose text is hostile: markup, right-to-left, emoji, 5,000
    characters; with a Red action that has no recovery plan and a Red one that has."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "returns").mkdir()
    outcome = {**VALID["outcomes"][0], "title": f"{HOSTILE} {RTL}", "commentary": LONGEST,
               "current_position": LONGEST}
    actions = [
        {**VALID["actions"][0], "description": f"{HOSTILE} {EMOJI}", "rag": "Red",
         "mitigation": LONGEST, "forecast_date": datetime(2010, 9, 30).date()},
        {**VALID["actions"][0], "action_id": "A-02", "description": RTL, "rag": "Red",
         "mitigation": "Recovery plan agreed."},
    ]
    recovery = [{"item_id": "A-02", "scanning": LONGEST, "analysis": HOSTILE, "response": RTL,
                 "assessment": EMOJI, "main_factor": "Economic", "factor_detail": HOSTILE}]
    ret = build_return(folder / "returns" / "LAA-return-2009-10-Q2-ANY.xlsx", {
        "outcomes": [outcome], "actions": actions, "recovery": recovery,
        "risks": [{**VALID["risks"][0], "description": f"{HOSTILE} {RTL}"}]})
    region = SAMPLE_REGION
    result = collect([ret], region)
    # Its 5,000-character texts and the Red action without a plan are errors: the roll-up
    # holds it as `consolidate --include-invalid` does.
    return write_rollup(consolidate(result, None, None, include_invalid=True),
                        folder / "rollup.xlsx")


@needs_poppler
def test_hostile_text_is_shown_as_typed_and_whole(hostile: Path, tmp_path: Path) -> None:
    src = read_source(hostile)
    theme = VALID["outcomes"][0]["theme"]
    runner = CliRunner()
    for args, name in ((["--lsp", "ANY"], "any.pdf"), (["--theme", theme], "theme.pdf"),
                       (["--region"], "region.pdf")):
        res = runner.invoke(main, ["brief", str(hostile), *args, "-o", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    text = body(tmp_path / "any.pdf")
    assert flat(HOSTILE) in text  # markup shown as text, not obeyed
    assert "مرحبا" in text and "שלום" in text
    assert "Delivered" in text and "on time" in text
    squeezed = "".join(text.split())
    assert "".join(LONGEST.split()) in squeezed  # wrapped, none cut
    questions = data.partnership_pack(src, "ANY").questions
    assert [(q.kind, q.item, q.where) for q in questions] == [
        ("red-without-plan", "A-01", "Actions!N5"),
        ("options-appraisal", "O-01", "Outcomes!T5"),
        ("green-off-trajectory", "O-01", "Outcomes!N5")]
    for q in questions:
        assert flat(q.text) in text
    theme_text = body(tmp_path / "theme.pdf")
    assert "ANY R-01 O-01 <b>bold?</b> & &amp; ]]>" in theme_text  # the risk, as typed
    assert f"ANY A-02 Economic {flat(HOSTILE)}" in theme_text  # the factor, as typed
    assert min(font_sizes(tmp_path / "any.pdf")) >= 8.0


@needs_poppler
def test_5000_characters_in_one_cell_run_onto_the_next_page_whole(hostile: Path,
                                                                  tmp_path: Path) -> None:
    pack = data.partnership_pack(read_source(hostile), "ANY")
    word = "x" * 300  # one word wider than any column
    pack.recovery[0].fields[0] = ("Scanning", f"{LONG} {word}")
    out = write_pack(pack, tmp_path / "long.pdf")
    text = "".join(body(out).split())
    head = "RecoveryplanWhatthepartnershipsays"
    assert text.count(head) == 2  # the table's header, again on the page the row runs onto
    assert "".join(LONG.split()) + word in text.replace(head, "")


@needs_poppler
def test_history_adds_each_outcomes_latest_value_round_by_round(midshire: tuple[Path, Path],
                                                                 tmp_path: Path) -> None:
    q1, q2 = midshire
    out = tmp_path / "any.pdf"
    res = CliRunner().invoke(main, ["brief", str(q2), "--lsp", "ANY", "--history", str(q1),
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    layout = pdf_text(out, "-layout")
    assert ("Latest value round by round, 2009/10 Q1 to 2009/10 Q2, against this year's target "
            "(dashed)") in flat(layout)  # the trend panels' title
    section = layout[layout.index("Latest value, round by round"):]
    before = {o["Outcome ID"]: o["Latest value"] for o in sheet_records(q1, "Outcomes")
              if o["LSP"] == "ANY"}
    now = [o for o in sheet_records(q2, "Outcomes") if o["LSP"] == "ANY"]
    assert re.search(r"Outcome ID\s+2009/10 Q1\s+2009/10 Q2", section)
    for o in now:
        assert re.search(rf"{o['Outcome ID']}\s+{re.escape(fmt(before[o['Outcome ID']]))}\s+"
                         rf"{re.escape(fmt(o['Latest value']))}\b", section), o["Outcome ID"]


@needs_poppler
def test_charts_are_vector_graphics_not_pictures(packs: Path) -> None:
    pdf = packs / "all" / "brief-2009-10-Q2-ANY.pdf"
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    assert listed[2:] == []  # no raster image on any page
    text = flat(pdf_text(pdf, "-raw"))
    for title in ("Delivery confidence (RAG)", "Assurance questions by rating",
                  "Latest value: % of the way from baseline to the 2009/10 target",
                  "Slipping items by weeks late (worst 9)"):
        assert title in text  # drawn as text and shapes, so its words are in the PDF


def test_a_long_slipping_list_is_cut_to_the_worst_on_paper_with_a_note(
        midshire: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from laa_xl.brief import pdf as layout

    monkeypatch.setattr(layout, "SLIPPING_SHOWN", 5)
    pack = data.partnership_pack(read_source(midshire[1]), "WHV")
    assert len(pack.slipping) > layout.SLIPPING_SHOWN
    story = layout.partnership_story(pack)
    notes = [f.text for f in story if getattr(f, "text", "").startswith("The worst ")]
    assert notes == [f"The worst {layout.SLIPPING_SHOWN} of {len(pack.slipping)} are listed; the "
                     "roll-up's Slipping sheet has every one."]


def test_the_benchmark_runs_on_a_tiny_round(tmp_path: Path) -> None:
    got = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "briefs.py"),
                          "--out", str(tmp_path), "--returns", "2", "--runs", "1"],
                         capture_output=True, text=True, cwd=REPO_ROOT,
                         env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert got.returncode == 0, got.stderr
    assert re.fullmatch(r"\| `laa-xl brief --all`, 2 partnerships, \d+ cores \| [\d.]+ s wall \| "
                        r"[\d.]+ s CPU \(÷ \d+ = [\d.]+ s\) \| [\d.]+ MB of PDF \|\n", got.stdout)
    assert len(list((tmp_path / "realistic-2" / "work" / "briefs").glob("brief-*.pdf"))) == 2


@needs_poppler
def test_a_review_puts_the_gos_view_beside_the_partnerships(midshire: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    from laa_xl.brief.run import brief

    review = data.Review(fit_for_purpose="Yes, with improvements", likelihood="Amber-Green",
                         go_assurance={"PA-01": "Weak"},
                         outcome_judgements={"O-01": "Off track, expected to recover"})
    [w] = brief(midshire[1], tmp_path / "any.pdf", ["ANY"], reviews={"ANY": review})
    text = body(w.path)
    assert "GO: fit for purpose? Yes, with improvements" in text
    assert "GO: likelihood of delivery Amber-Green" in text
    assert "Self-assessment GO assessment" in text  # the assurance table's headers
    assert "GO judgement" in text and "Off track, expected to recover" in text
    assert "GO assessment" in pdf_text(w.path, "-raw").split("Assurance questions by rating")[1]


@needs_poppler
def test_a_chart_with_too_many_bars_for_a_page_shows_the_worst(
        midshire: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from laa_xl.brief import pdf as layout

    monkeypatch.setattr(layout, "BARS_SHOWN", 3)
    src = read_source(midshire[1])
    text = flat(pdf_text(write_pack(data.region_pack(src), tmp_path / "r.pdf"), "-raw"))
    assert "Outcomes by RAG: the 3 partnerships with most Red, then Amber (of 6)" in text
    theme = data.theme_pack(src, "Healthier communities and older people")
    text = flat(pdf_text(write_pack(theme, tmp_path / "t.pdf"), "-raw"))
    assert "Slipping items per partnership: the 3 partnerships with most (of 6)" in text
    assert ("Latest value: % of the way from baseline to the 2009/10 target (the 3 furthest "
            f"from it, of {len(theme.outcomes)})") in text
    # The outcomes table now starts near the foot of page 1: its header is on each page once.
    pages = pdf_text(tmp_path / "t.pdf", "-raw").split("\f")
    assert [flat(p).count("Outcome ID Indicator Outcome / target") for p in pages][:3] == [1, 1, 0]
