"""Hostile and broken workbooks (tests/corpus.py), each checked beside a good return.

For every case `laa-xl validate` names the bad file with its exact issues (sheet, cell, code
and message), exits 1 (0 for the files that are only unusual), prints no traceback, still
finds the good return valid, changes neither file, and leaves no temporary file behind in the
feedback folder.  The cases that could kill a careless process (bombs, lying sizes, far-away
cells, a million rows, entity expansion) run only in a subprocess limited to 1 GiB of address
space, with a timeout: a regression there fails this test, not the test run.
"""

from __future__ import annotations

import hashlib
import json
import re
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from corpus import BY_NAME, CASES, LONG_TEXT, Case
from lo import SOFFICE
from returns import REPO_ROOT, SAMPLE_REGION, build_return

from laa_xl.cli import main
from laa_xl.issues import CATALOGUE
from laa_xl.rules import check_file
from laa_xl.schemas import sheet

REGION = str(REPO_ROOT / "samples" / "region.toml")
GOOD = "anycity.xlsx"
MEMORY_LIMIT = 1 << 30
TIMEOUT = 240  # seconds, for every process-killing file together; a few seconds in fact

CALM = [c for c in CASES if not c.nasty]
NASTY = [c for c in CASES if c.nasty]
ERROR_CODES = {code for code, c in CATALOGUE.items() if c.severity == "error"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flat(issues: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(i["sheet"], i["cell"], i["code"]) for i in issues]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`made(case)`: the case's bad file, built once for the module; `made.good`, `made.src`:
    the good return beside it (Anycity) and the valid return the bad ones start from
    (Northbridge)."""
    folder = tmp_path_factory.mktemp("corpus")
    good = build_return(folder / GOOD, lsp="ANY")
    src = build_return(folder / "northbridge.xlsx", lsp="NBR")
    cache: dict[str, Path] = {}

    def make(case: Case) -> Path:
        if case.needs == "libreoffice" and SOFFICE is None:
            pytest.skip("LibreOffice (soffice) is not installed")
        if case.name not in cache:
            out = folder / "cases" / case.file
            out.parent.mkdir(exist_ok=True)
            case.build(src, out)
            cache[case.name] = out
        return cache[case.name]

    make.good, make.src = good, src  # type: ignore[attr-defined]
    return make


def returns_folder(tmp_path: Path, made: Any, cases: list[Case]) -> tuple[Path, dict[Path, str]]:
    """A folder holding the good return and each case's bad file, and their checksums."""
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(made.good, folder / GOOD)
    for case in cases:
        shutil.copy(made(case), folder / case.file)
    return folder, {p: sha256(p) for p in folder.iterdir()}


def feedback_expected(cases: list[Case]) -> list[str]:
    """Feedback workbooks: one for each readable return with issues, none for the others."""
    return sorted(f"{c.name}-feedback.xlsx" for c in cases if c.readable and c.issues)


def check_reported(case: Case, files: dict[str, Any], folder: Path) -> None:
    got = files[case.file]
    assert flat(got["issues"]) == case.issues, case.name
    assert got["valid"] is case.valid, case.name
    message = case.expected_message(folder / case.file)
    if message is not None:
        assert got["issues"][0]["message"] == message, case.name
    if case.starts:
        assert got["issues"][0]["message"].startswith(case.starts), case.name


def check_left_alone(folder: Path, before: dict[Path, str], feedback: Path,
                     cases: list[Case]) -> None:
    assert {p: sha256(p) for p in folder.iterdir()} == before  # nothing changed or added
    written = sorted(p.name for p in feedback.iterdir()) if feedback.exists() else []
    assert written == feedback_expected(cases)  # and no .*.part left behind


# --------------------------------------------------------------------------------------
# Each case beside a good return


@pytest.mark.parametrize("case", CALM, ids=lambda c: c.name)
def test_a_bad_file_beside_a_good_one(case: Case, made: Any, tmp_path: Path) -> None:
    folder, before = returns_folder(tmp_path, made, [case])
    feedback = tmp_path / "feedback"
    result = CliRunner().invoke(main, ["validate", str(folder), "--region", REGION,
                                       "--format", "json", "--feedback", str(feedback)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    assert result.stderr == ""
    assert result.exit_code == (0 if case.valid else 1)
    files = {Path(f["file"]).name: f for f in json.loads(result.stdout)["files"]}
    assert list(files) == sorted(files)  # the folder's files, in order
    assert set(files) == {GOOD, case.file}
    assert files[GOOD]["valid"] is True and files[GOOD]["issues"] == []
    check_reported(case, files, folder)
    check_left_alone(folder, before, feedback, [case])


def test_the_report_a_person_reads(made: Any, tmp_path: Path) -> None:
    """Every bad file in one folder: each named, with its first problem, and the good one
    still valid."""
    cases = [c for c in CALM if c.needs != "libreoffice" or SOFFICE is not None]
    folder, before = returns_folder(tmp_path, made, cases)
    result = CliRunner().invoke(main, ["validate", str(folder), "--region", REGION])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Checked against Midshire, 2009/10 Q2", "",
                         "anycity.xlsx — Anycity Partnership (ANY): valid, 0 errors, 0 warnings"]
    for case in cases:
        errors = sum(1 for *_, code in case.issues if code in ERROR_CODES)
        warnings = len(case.issues) - errors
        who = " — Northbridge Together (NBR)" if case.readable else ""
        state = ("valid" if case.valid else "NOT VALID") if case.readable else "CANNOT BE READ"
        heading = (f"{case.file}{who}: {state}, {errors} error{'' if errors == 1 else 's'}, "
                   f"{warnings} warning{'' if warnings == 1 else 's'}")
        assert heading in lines, heading
        at = lines.index(heading)
        if case.issues:
            label, text = lines[at + 1][:11], lines[at + 1][11:]
            assert label in ("  error    ", "  warning  ")
            message = case.expected_message(folder / case.file)
            if message is not None:
                assert text.endswith(message), (case.name, text)
            if case.starts:
                assert case.starts in text, (case.name, text)
    n_bad = sum(1 for c in cases if not c.valid)
    assert lines[-1].startswith(f"{len(cases) + 1} files: {len(cases) + 1 - n_bad} valid, "
                                f"{n_bad} not valid ")
    assert {p: sha256(p) for p in folder.iterdir()} == before


# --------------------------------------------------------------------------------------
# Files that could kill the process: a real process, 1 GiB of address space, a timeout


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_process_killing_files_in_bounded_memory_and_time(made: Any, tmp_path: Path) -> None:
    folder, before = returns_folder(tmp_path, made, NASTY)
    feedback = tmp_path / "feedback"
    proc = subprocess.run([sys.executable, "-m", "laa_xl", "validate", str(folder),
                           "--region", REGION, "--format", "json", "--feedback", str(feedback)],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          preexec_fn=_limit_memory, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stderr == ""
    assert proc.returncode == 1
    files = {Path(f["file"]).name: f for f in json.loads(proc.stdout)["files"]}
    assert set(files) == {GOOD} | {c.file for c in NASTY}
    assert files[GOOD]["valid"] is True and files[GOOD]["issues"] == []
    for case in NASTY:
        check_reported(case, files, folder)
    check_left_alone(folder, before, feedback, NASTY)


def test_the_memory_limit_is_real(tmp_path: Path) -> None:
    """The limit the test above runs under stops a process that asks for more."""
    proc = subprocess.run([sys.executable, "-c", "b = bytearray(2 << 30)"],
                          capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory)
    assert proc.returncode == 1 and "MemoryError" in proc.stderr


# --------------------------------------------------------------------------------------
# What is read from the files that are only unusual


SAME_AS_SOURCE = ["no-dimension", "styled-blanks-to-xfd", "macros", "external-link",
                  "date-1904", "inline-strings", "hidden-sheets", "columns-reordered",
                  "header-moved-down"]


@pytest.mark.parametrize("name", SAME_AS_SOURCE)
def test_an_unusual_file_reads_as_the_return_it_was_made_from(name: str, made: Any) -> None:
    report = check_file(made(BY_NAME[name]), SAMPLE_REGION)
    assert report.valid
    assert report.data.to_document() == check_file(made.src, SAMPLE_REGION).data.to_document()


def test_every_row_is_read_under_a_dimension_tag_of_a1(made: Any) -> None:
    report = check_file(made(BY_NAME["dimension-a1-10000-rows"]), SAMPLE_REGION)
    actions = report.data.sheets["actions"]
    assert len(actions) == 10_000
    assert [(a.row, a.get("action_id")) for a in (actions[0], actions[1], actions[-1])] == \
        [(5, "A-01"), (6, "A-00002"), (10_004, "A-10000")]
    assert {a.get("description") for a in actions} == {"Mentoring scheme"}


def test_control_characters_are_not_kept(made: Any) -> None:
    report = check_file(made(BY_NAME["control-characters"]), SAMPLE_REGION)
    progress = report.data.sheets["actions"][0].get("progress")
    # the bell goes; Word's line break (a vertical tab) is kept as a new line
    assert progress == "Forty mentors\nrecruited."


# --------------------------------------------------------------------------------------
# The feedback workbook for the awkward ones


def feedback_for(case: Case, made: Any, tmp_path: Path) -> Any:
    from laa_xl.feedback import write_feedback

    report = check_file(made(case), SAMPLE_REGION)
    out = write_feedback(report, tmp_path / "feedback")
    assert out is not None
    return openpyxl.load_workbook(out)


def test_feedback_on_cells_hidden_under_a_merge(made: Any, tmp_path: Path) -> None:
    """D5 and E5 are inside the merged C5:E5: their problems are told on C5."""
    wb = feedback_for(BY_NAME["merged-over-data"], made, tmp_path)
    assert wb["Actions"]["C5"].comment.text == (
        "ERROR: D5: Lead agency is empty. Enter text, up to 120 characters.\n"
        "ERROR: E5: Lead officer is empty. Enter text, up to 120 characters.")
    assert [r[1:3] for r in wb["Issues"].iter_rows(min_row=6, values_only=True)] == \
        [("Actions", "D5"), ("Actions", "E5")]


def test_feedback_on_a_header_holding_a_control_character(made: Any, tmp_path: Path) -> None:
    wb = feedback_for(BY_NAME["control-character-header"], made, tmp_path)
    rows = list(wb["Issues"].iter_rows(min_row=6, values_only=True))
    assert [r[:5] for r in rows] == [("error", "Actions", "N5", "RAG", "Gren"),
                                     ("warning", "Risks", "J4", None, "Notes")]
    assert rows[1][5].startswith('The column "Notes" is not part of the return')
    assert wb["Risks"]["J4"].comment.text.startswith('WARNING: The column "Notes" is not')


def test_feedback_on_text_longer_than_a_cell_holds(made: Any, tmp_path: Path) -> None:
    wb = feedback_for(BY_NAME["text-over-32767"], made, tmp_path)
    assert wb["Actions"]["O5"].value == LONG_TEXT[:32_766] + "…"


# --------------------------------------------------------------------------------------
# Partner text is data, never a formula or a link, in everything laa-xl writes

FORMULA_LIKE = {  # (sheet key, field): text a partner typed into a text cell
    ("actions", "description"): '=HYPERLINK("http://x","y")',
    ("actions", "resources"): "{=1+1}",
    ("actions", "progress"): "@SUM(A1)",
    ("actions", "mitigation"): "+1",
    ("actions", "lead_agency"): "-1",
    ("actions", "lead_officer"): "\tSam Lee",
    ("outcomes", "commentary"): "http://example.com",
    ("milestones", "description"): '=HYPERLINK("http://x","y")',
    ("milestones", "comment"): "-2+3",
    ("risks", "mitigation"): "=1+1",
}
EXTRA_HEADER = "@SUM(A1)"  # a column a partner added: reported, with its header, as a warning


def typed(key: str) -> dict[str, Any]:
    return {f: t for (k, f), t in FORMULA_LIKE.items() if k == key}


def as_read(text: str) -> str:
    """What laa-xl keeps of typed text: a leading tab is stray space, trimmed."""
    return text.strip()


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A valid return whose text cells hold formula-like text and whose IDs start with "-"
    (allowed: letters, digits and hyphens), and everything laa-xl writes from it."""
    from returns import type_into

    root = tmp_path_factory.mktemp("injection")
    folder = root / "returns"
    folder.mkdir()
    path = build_return(folder / GOOD, {
        "actions": [{"action_id": "-A1", **typed("actions")}],
        "milestones": [{"milestone_id": "-1", "action_id": "-A1", **typed("milestones")}],
        "outcomes": [typed("outcomes")],
        "risks": [typed("risks")],
    }, mutations=[type_into("Risks", "J4", EXTRA_HEADER)])
    runner = CliRunner()
    out: dict[str, Any] = {"root": root, "path": path,
                           "report": check_file(path, SAMPLE_REGION)}
    for name, args in {
        "consolidate": ["consolidate", folder, "--region", REGION, "-o", root / "rollup.xlsx"],
        "feedback": ["validate", folder, "--region", REGION, "--feedback", root / "feedback"],
        "export": ["export", path, "--format", "csv", "-o", root / "export"],
        "validate": ["validate", folder, "--region", REGION, "--format", "csv"],
        "slipping": ["slipping", folder, "--region", REGION, "--format", "csv"],
    }.items():
        out[name] = runner.invoke(main, [str(a) for a in args])
    return out


def test_the_formula_like_return_is_valid_and_read_as_typed(injected: dict[str, Any]) -> None:
    report = injected["report"]
    assert [(i.sheet, i.cell, i.code, i.value) for i in report.issues] == [
        ("Risks", "J4", "extra-column", EXTRA_HEADER)]
    for (key, field), text in FORMULA_LIKE.items():
        assert report.data.sheets[key][0].get(field) == as_read(text), field
    assert [r.get("milestone_id") for r in report.data.sheets["milestones"]] == ["-1"]


def worksheet_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def hyperlink_relationships(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.endswith(".rels")
                and b"/relationships/hyperlink" in z.read(n)]


def cell_element(xml: bytes, ref: str) -> bytes:
    m = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    assert m is not None, ref
    return m.group(0)


def test_roll_up_holds_partner_text_as_text(injected: dict[str, Any]) -> None:
    result = injected["consolidate"]
    assert result.exit_code == 0, result.output
    rollup = injected["root"] / "rollup.xlsx"
    assert not any(re.search(rb"<f[\s>/]", xml) for xml in worksheet_xml(rollup).values())
    assert hyperlink_relationships(rollup) == []
    wb = openpyxl.load_workbook(rollup)
    for key in ("actions", "outcomes", "milestones", "risks"):
        ws = wb[key.capitalize()]
        headers = [c.value for c in ws[4]]
        (row,) = [r for r in ws.iter_rows(min_row=5) if r[0].value == "ANY"]
        for field, text in typed(key).items():
            header = sheet(key).field(field).header
            cell = row[headers.index(header)]
            assert (cell.value, cell.data_type) == (as_read(text), "s"), (key, field)
    issues = wb["Issues"]
    column = [c.value for c in issues[4]].index("Value")
    values = [r[column] for r in issues.iter_rows(min_row=5, values_only=True)]
    assert EXTRA_HEADER in values
    assert {c.data_type for r in issues.iter_rows(min_row=5) for c in r} <= {"s", "n"}


def test_feedback_holds_partner_text_as_text(injected: dict[str, Any]) -> None:
    result = injected["feedback"]
    assert result.exit_code == 0, result.output  # a warning only
    workbook = injected["root"] / "feedback" / "anycity-feedback.xlsx"
    assert hyperlink_relationships(workbook) == []  # its links go to cells, not addresses
    xml = worksheet_xml(workbook)
    wb = openpyxl.load_workbook(workbook)
    from returns import cell_ref, sheet_part

    for (key, field), text in FORMULA_LIKE.items():
        ref = cell_ref(key, field, 1)
        sheet_name = key.capitalize()
        cell = wb[sheet_name][ref]
        assert (cell.value, cell.data_type) == (text, "s"), (key, field)
        assert b"<f" not in cell_element(xml[sheet_part(workbook, sheet_name)], ref)
    issues = list(wb["Issues"].iter_rows(min_row=6, values_only=True))
    assert [r[:5] for r in issues] == [("warning", "Risks", "J4", None, EXTRA_HEADER)]
    assert wb["Issues"]["E6"].data_type == "s"


def read_csv(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def quoted(text: str) -> str:
    """Text as a CSV cell must hold it for a spreadsheet to show it as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_every_csv_holds_partner_text_as_text(injected: dict[str, Any]) -> None:
    export, validate, slipping = (injected[k] for k in ("export", "validate", "slipping"))
    assert export.exit_code == 0, export.output
    folder = injected["root"] / "export"
    for key in ("actions", "outcomes", "milestones", "risks"):
        header, row = read_csv((folder / f"{key}.csv").read_text(encoding="utf-8"))
        for field, text in typed(key).items():
            assert row[header.index(field)] == quoted(as_read(text)), (key, field)
    header, action = read_csv((folder / "actions.csv").read_text(encoding="utf-8"))
    assert action[header.index("action_id")] == "'-A1"

    assert validate.exit_code == 0
    (header, issue) = read_csv(validate.stdout)
    assert (issue[header.index("code")], issue[header.index("value")]) == \
        ("extra-column", "'" + EXTRA_HEADER)

    assert slipping.exit_code == 0
    header, *flags = read_csv(slipping.stdout)
    milestone = [f for f in flags if f[header.index("sheet")] == "milestones"]
    assert milestone and {(f[header.index("item_id")], f[header.index("parent")])
                          for f in milestone} == {("'-1", "'-A1")}


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_spreadsheet_opens_every_csv_with_the_text_as_text(injected: dict[str, Any],
                                                             tmp_path: Path) -> None:
    """LibreOffice, which runs a formula it meets in a CSV, opens each one with no formula,
    and the partner's text shown as text."""
    from lo import profile_dir

    csvs = []
    for name in ("validate", "slipping"):
        csvs.append(tmp_path / f"{name}.csv")
        csvs[-1].write_text(injected[name].stdout, encoding="utf-8")
    csvs += [injected["root"] / "export" / f"{k}.csv" for k in ("actions", "outcomes", "milestones", "risks")]
    out = tmp_path / "opened"
    subprocess.run([SOFFICE, "--headless", "--norestore",
                    f"-env:UserInstallation={profile_dir().as_uri()}", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, csvs)],
                   capture_output=True, timeout=180, check=True)
    shown: set[str] = set()
    for csv_path in csvs:
        ws = openpyxl.load_workbook(out / f"{csv_path.stem}.xlsx").active
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], csv_path.name
        shown |= {c.value for c in cells if c.data_type == "s"}
    expected = {quoted(as_read(t)) for t in FORMULA_LIKE.values()} | {"'-1", "'-A1",
                                                                       "'" + EXTRA_HEADER}
    assert expected <= shown


def test_next_rounds_template_holds_last_rounds_text_as_text(injected: dict[str, Any],
                                                              tmp_path: Path) -> None:
    """The roll-up seeds next quarter's templates: the partner's text goes back out as text."""
    text = Path(REGION).read_text(encoding="utf-8")
    region = tmp_path / "region.toml"
    region.write_text(text.replace('period = "2009/10 Q2"', 'period = "2009/10 Q3"')
                      .replace("deadline = 2009-10-15", "deadline = 2010-01-15"),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "--region", str(region), "--lsp", "ANY",
                                       "--previous", str(injected["root"] / "rollup.xlsx"),
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (template,) = (tmp_path / "out").iterdir()
    assert hyperlink_relationships(template) == []
    wb = openpyxl.load_workbook(template)
    from returns import cell_ref

    for (key, field), typed_text in FORMULA_LIKE.items():
        cell = wb[key.capitalize()][cell_ref(key, field, 1)]
        assert (cell.value, cell.data_type) == (as_read(typed_text), "s"), (key, field)


def test_a_number_in_a_cell_formatted_as_a_date_is_read_as_that_number(made: Any) -> None:
    """Calamine gives 0.5 in a date-formatted cell as the time 12:00."""
    report = check_file(made(BY_NAME["time-in-a-date-cell"]), SAMPLE_REGION)
    action = report.data.sheets["actions"][0]
    assert (action.get("description"), action.get("start_date")) == ("0.5", None)
