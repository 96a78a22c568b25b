"""Matching what arrived to its partnership: files in the wrong format, returns filled in the
blank template, returns in a folder inside the returns folder, feedback copies among the
returns, and the same --use for every command that matches."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from lo import convert, needs_libreoffice
from python_calamine import CalamineWorkbook

from laa_xl.cli import main
from laa_xl.issues import make_issue

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REGION = SAMPLES / "region.toml"
Q2 = SAMPLES / "returns" / "2009-10-Q2"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def sheet_rows(path: Path, name: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def row_of(rows: list[list[Any]], code: str) -> list[Any]:
    return next(r for r in rows if r and r[0] == code)


def body(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    part = msg.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def subject(path: Path) -> str:
    return str(email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
               ["Subject"])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "returns"
    shutil.copytree(Q2, out)
    return out


def test_a_pdf_named_with_its_code_is_received_cannot_be_read(folder: Path,
                                                               tmp_path: Path) -> None:
    (folder / "LAA-return-2009-10-Q2-SMR.xlsx").unlink()
    (folder / "LAA-return-2009-10-Q2-SMR.pdf").write_bytes(PDF)
    out = tmp_path / "rollup.xlsx"
    result = run("consolidate", folder, "--region", REGION, "-o", out)
    assert result.exit_code == 1, result.output
    assert row_of(sheet_rows(out, "Completeness"), "SMR")[2:4] == [
        "Received, cannot be read, late", "LAA-return-2009-10-Q2-SMR.pdf"]  # file times: now
    assert row_of(sheet_rows(out, "Dashboard"), "SMR")[2].startswith(
        "Received, cannot be read; ")  # and how late, by its file time

    drafts = tmp_path / "drafts"
    result = run("chase", folder, "--region", REGION, "--emails", drafts, "--as-of",
                 "20/10/2009")
    assert result.exit_code == 0, result.output
    assert not (drafts / "SMR-reminder.eml").exists()
    assert subject(drafts / "SMR-feedback.eml") == (
        "LAA delivery return 2009/10 Q2 — Southmoor Partnership Board: received, cannot be read")
    text = body(drafts / "SMR-feedback.eml")
    assert "It reached us as LAA-return-2009-10-Q2-SMR.pdf, which we cannot read as your " \
           "return, so we cannot accept it yet:" in text
    assert ("- The file is a PDF: a printout of the return, whose figures cannot be checked or "
            "rolled up. Send the workbook itself (the .xlsx you filled in), not a printout of "
            "it.") in text


def test_a_file_that_names_no_partnership_is_not_matched(folder: Path, tmp_path: Path) -> None:
    (folder / "LAA-return-2009-10-Q2-SMR.xlsx").unlink()
    (folder / "scan.pdf").write_bytes(PDF)
    drafts = tmp_path / "drafts"
    result = run("chase", folder, "--region", REGION, "--emails", drafts, "--as-of",
                 "20/10/2009")
    assert result.exit_code == 0, result.output
    assert (drafts / "SMR-reminder.eml").exists()


@needs_libreoffice
def test_an_xls_holding_our_identity_is_matched_by_its_content(folder: Path,
                                                               tmp_path: Path) -> None:
    source = folder / "LAA-return-2009-10-Q2-SMR.xlsx"
    made = convert(source, "xls", tmp_path / "lo")
    source.unlink()
    made.replace(folder / "our return.xls")
    drafts = tmp_path / "drafts"
    result = run("chase", folder, "--region", REGION, "--emails", drafts, "--as-of",
                 "20/10/2009")
    assert result.exit_code == 0, result.output
    text = body(drafts / "SMR-feedback.eml")
    assert "It reached us as our return.xls" in text
    assert f"- {make_issue('xls-file').message}" in text
    assert make_issue("xls-file").message == (
        "The file is saved in the old Excel 97-2003 format (.xls), which laa-xl cannot check. "
        "Open it in Excel and use File > Save As > Excel Workbook (*.xlsx), then send the .xlsx.")


def _blank_identity(path: Path, out: Path) -> Path:
    """The return as if filled in the published blank template: no LSP in its identity."""
    wb = openpyxl.load_workbook(path)
    for row in wb["_laa_xl"].iter_rows(min_row=2):
        if row[0].value in ("lsp_code", "lsp_name"):
            row[1].value = None
    wb.save(out)
    return out


def test_a_return_in_the_blank_template_is_matched_by_its_file_name(folder: Path,
                                                                    tmp_path: Path) -> None:
    source = folder / "LAA-return-2009-10-Q2-ANY.xlsx"
    named = _blank_identity(source, folder / "ANY return.xlsx")
    source.unlink()
    result = run("validate", named, "--region", REGION)
    assert result.exit_code == 0, result.output
    assert ("The workbook was filled in the blank template, which names no partnership; it was "
            "taken as Anycity Partnership (ANY)'s return from its file name. Next time, fill in "
            "the workbook made for your partnership.") in " ".join(result.stdout.split())
    out = tmp_path / "rollup.xlsx"
    result = run("consolidate", folder, "--region", REGION, "-o", out)
    assert row_of(sheet_rows(out, "Completeness"), "ANY")[2:4] == ["Valid, late", "ANY return.xlsx"]
    drafts = tmp_path / "drafts"
    run("chase", folder, "--region", REGION, "--emails", drafts, "--as-of", "20/10/2009")
    assert (drafts / "ANY-thanks.eml").exists()
    assert not (drafts / "ANY-reminder.eml").exists()


def test_a_return_in_the_blank_template_named_for_no_one_is_an_error(folder: Path,
                                                                     tmp_path: Path) -> None:
    source = folder / "LAA-return-2009-10-Q2-ANY.xlsx"
    named = _blank_identity(source, tmp_path / "return.xlsx")
    result = run("validate", named, "--region", REGION)
    assert result.exit_code == 1
    assert ("The workbook was filled in the blank template, which names no partnership, and "
            "its file name does not say whose it is either. Copy your data into the workbook "
            "made for your partnership (such as LAA-return-2009-10-Q2-ANY.xlsx), or name the "
            "file with your partnership's code, and send it again.") in \
        " ".join(result.stdout.split())


def test_a_return_in_a_folder_inside_the_returns_folder_is_read(folder: Path,
                                                                tmp_path: Path) -> None:
    (folder / "NBR").mkdir()
    (folder / "LAA-return-2009-10-Q2-NBR.xlsx").rename(
        folder / "NBR" / "LAA-return-2009-10-Q2-NBR.xlsx")
    (folder / "NBR" / "covering note.txt").write_text("see attached\n")
    (folder / "NBR" / "old").mkdir()
    drafts = tmp_path / "drafts"
    result = run("chase", folder, "--region", REGION, "--emails", drafts, "--as-of",
                 "20/10/2009")
    assert result.exit_code == 0, result.output
    assert (drafts / "NBR-thanks.eml").exists()
    assert not (drafts / "NBR-reminder.eml").exists()
    assert f"Note: {folder / 'NBR' / 'covering note.txt'}: not a workbook, so not checked.\n" \
        in result.stderr
    assert (f"Note: {folder / 'NBR' / 'old'}: a folder two levels down, not looked in: put "
            "returns in the folder given or a folder inside it.\n") in result.stderr


def test_feedback_written_into_the_returns_folder_is_never_a_second_return(
        folder: Path, tmp_path: Path) -> None:
    result = run("validate", folder, "--region", REGION, "--feedback", folder)
    copy = folder / "LAA-return-2009-10-Q2-SMR-feedback.xlsx"
    assert copy.exists(), result.output
    out = tmp_path / "rollup.xlsx"
    result = run("consolidate", folder, "--region", REGION, "-o", out)
    assert result.exit_code == 1, result.output  # SMR's return has errors, as before
    assert (f"Note: {copy}: the feedback workbook for {folder / 'LAA-return-2009-10-Q2-SMR.xlsx'}"
            ", not a return: left out.\n") in result.stderr
    assert row_of(sheet_rows(out, "Completeness"), "SMR")[3] == "LAA-return-2009-10-Q2-SMR.xlsx"
    result = run("validate", folder, "--region", REGION)
    assert str(copy) not in result.stdout
    # Alone, without the return it is about, the copy is read as the partner's return.
    (folder / "LAA-return-2009-10-Q2-SMR.xlsx").unlink()
    result = run("consolidate", folder, "--region", REGION, "-o", out)
    assert row_of(sheet_rows(out, "Completeness"), "SMR")[3] == copy.name


@pytest.mark.parametrize("command", ["chase", "slipping", "consolidate"])
def test_every_command_that_matches_takes_use(folder: Path, tmp_path: Path,
                                              command: str) -> None:
    extra = folder / "anycity-again.xlsx"
    shutil.copy2(folder / "LAA-return-2009-10-Q2-ANY.xlsx", extra)
    more = {"chase": ["--emails", tmp_path / "drafts", "--as-of", "20/10/2009"],
            "slipping": [], "consolidate": ["-o", tmp_path / "r.xlsx"]}[command]
    result = run(command, folder, "--region", REGION, *more)
    assert result.exit_code == 2
    assert "Remove one, or choose one with --use FILE." in result.stderr
    result = run(command, folder, "--region", REGION, "--use", extra, *more)
    assert "No such option" not in result.stderr
    assert result.exit_code in (0, 1), result.output


def test_a_rollup_among_the_returns_is_named_for_what_it_is(folder: Path,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "rollup.xlsx"
    run("consolidate", folder, "--region", REGION, "-o", out)
    shutil.copy2(out, folder / "rollup.xlsx")
    result = run("validate", folder / "rollup.xlsx")
    assert result.exit_code == 1
    assert ("This is a laa-xl roll-up workbook (the region's consolidated returns), not a "
            "partnership's return. Move it out of the returns folder; to compare with a "
            "previous round, give it with --previous.") in " ".join(result.stdout.split())
