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
import resource
import shutil
import subprocess
import sys
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

REGION = str(REPO_ROOT / "samples" / "region.toml")
GOOD = "anycity.xlsx"
MEMORY_LIMIT = 1 << 30
TIMEOUT = 240  # seconds, for every process-killing file together; a few seconds in fact

CALM = [c for c in CASES if not c.nasty]
ERROR_CODES = {code for code, c in CATALOGUE.items() if c.severity == "error"}
NASTY = [c for c in CASES if c.nasty]


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
    assert progress.startswith("Forty") and progress.endswith("recruited.")
    assert progress.isprintable()


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
