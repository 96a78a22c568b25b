"""File names as partners' machines leave them: bytes that are not UTF-8 (as unzip leaves
Windows names), a line break, a name near the file system's limit.  Every command reads and
reports such a file, and one file's name never stops the drafts or workbooks of the others."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from laa_xl.cli import main
from laa_xl.xlsxout import NAME_MAX, atomic_output, fit_name

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REGION = SAMPLES / "region.toml"
Q2 = SAMPLES / "returns" / "2009-10-Q2"
AS_OF = "2009-10-20"
DRAFTS = ["ANY-thanks.eml", "EWD-thanks.eml", "HCB-thanks.eml", "LDL-reminder.eml",
          "NBR-thanks.eml", "RVF-thanks.eml", "SMR-feedback.eml", "WHV-thanks.eml"]


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def attachment_name(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert len(names) == 1
    return str(names[0])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "returns"
    shutil.copytree(Q2, out)
    on_time = datetime(2009, 10, 14, 12).timestamp()
    for path in out.iterdir():
        os.utime(path, (on_time, on_time))
    return out


def rename(folder: Path, code: str, new: bytes) -> Path:
    old = folder / f"LAA-return-2009-10-Q2-{code}.xlsx"
    target = os.fsencode(folder) + b"/" + new
    os.rename(old, target)
    return Path(os.fsdecode(target))


def test_a_name_that_is_not_utf8_is_read_by_every_command(folder: Path, tmp_path: Path) -> None:
    valid = rename(folder, "ANY", b"LAA-return-2009-10-Q2-ANY caf\xe9.xlsx")
    rename(folder, "SMR", b"LAA-return-2009-10-Q2-SMR \xe9t\xe9.xlsx")

    checked = run("validate", valid, "--region", REGION)
    assert checked.exit_code == 0, checked.output
    assert "LAA-return-2009-10-Q2-ANY caf\\xe9.xlsx — Anycity Partnership (ANY): valid" \
        in checked.output

    exported = run("export", valid)
    assert exported.exit_code == 0 and '"lsp_code": "ANY"' in exported.output

    rollup = tmp_path / "rollup.xlsx"
    rolled = run("consolidate", folder, "--region", REGION, "-o", rollup, "--as-of", AS_OF)
    assert rolled.exit_code == 1, rolled.output  # Southmoor's return has errors, as always
    assert "Traceback" not in rolled.output
    completeness = CalamineWorkbook.from_path(str(rollup)).get_sheet_by_name(
        "Completeness").to_python()
    anycity = next(r for r in completeness if r and r[0] == "ANY")
    assert anycity[2:4] == ["Valid", "LAA-return-2009-10-Q2-ANY caf\\xe9.xlsx"]

    slipping = run("slipping", folder, "--region", REGION, "--as-of", AS_OF)
    assert slipping.exit_code == 1 and "Traceback" not in slipping.output

    emails, feedback = tmp_path / "emails", tmp_path / "feedback"
    chased = run("chase", folder, "--region", REGION, "--emails", emails, "--feedback", feedback,
                 "--as-of", AS_OF)
    assert chased.exit_code == 0, chased.output
    assert sorted(p.name for p in emails.iterdir()) == DRAFTS
    # The feedback workbook's name reads the stray bytes as the Windows letters they were.
    assert [p.name for p in feedback.iterdir()] == ["LAA-return-2009-10-Q2-SMR été-feedback.xlsx"]
    assert attachment_name(emails / "SMR-feedback.eml") == \
        "LAA-return-2009-10-Q2-SMR été-feedback.xlsx"


def test_a_line_break_in_a_name_stops_no_draft(folder: Path, tmp_path: Path) -> None:
    rename(folder, "SMR", b"LAA-return-2009-10-Q2-SMR\nfinal.xlsx")
    emails, feedback = tmp_path / "emails", tmp_path / "feedback"
    chased = run("chase", folder, "--region", REGION, "--emails", emails, "--feedback", feedback,
                 "--as-of", AS_OF)
    assert chased.exit_code == 0, chased.output
    assert sorted(p.name for p in emails.iterdir()) == DRAFTS
    assert [p.name for p in feedback.iterdir()] == ["LAA-return-2009-10-Q2-SMR final-feedback.xlsx"]
    assert attachment_name(emails / "SMR-feedback.eml") == \
        "LAA-return-2009-10-Q2-SMR final-feedback.xlsx"


def test_a_name_near_the_limit_still_gets_its_feedback(folder: Path, tmp_path: Path) -> None:
    stem = "LAA-return-2009-10-Q2-SMR-" + "y" * 220  # 246 characters with .xlsx: it fits
    rename(folder, "SMR", f"{stem}.xlsx".encode())
    emails, feedback = tmp_path / "emails", tmp_path / "feedback"
    chased = run("chase", folder, "--region", REGION, "--emails", emails, "--feedback", feedback,
                 "--as-of", AS_OF)
    assert chased.exit_code == 0, chased.output
    assert sorted(p.name for p in emails.iterdir()) == DRAFTS
    (written,) = feedback.iterdir()
    assert written.name == stem[:NAME_MAX - len("-feedback.xlsx")] + "-feedback.xlsx"
    assert len(written.name) == NAME_MAX
    assert attachment_name(emails / "SMR-feedback.eml") == written.name


def test_a_feedback_workbook_that_cannot_be_written_stops_no_draft(folder: Path,
                                                                  tmp_path: Path) -> None:
    emails, feedback = tmp_path / "emails", tmp_path / "feedback"
    feedback.mkdir()
    (feedback / "LAA-return-2009-10-Q2-SMR-feedback.xlsx").mkdir()  # in the way of the rename
    chased = run("chase", folder, "--region", REGION, "--emails", emails, "--feedback", feedback,
                 "--as-of", AS_OF)
    assert chased.exit_code == 1
    assert "LAA-return-2009-10-Q2-SMR.xlsx: no feedback workbook: Cannot write" in chased.output
    assert sorted(p.name for p in emails.iterdir()) == DRAFTS


def test_temporary_names_fit_wherever_the_final_name_does(tmp_path: Path) -> None:
    name = "r" * (NAME_MAX - 5) + ".xlsx"
    with atomic_output(tmp_path / name) as tmp:
        assert len(os.fsencode(tmp.name)) <= NAME_MAX
        tmp.write_bytes(b"done")
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).read_bytes() == b"done"


def test_fit_name_cuts_the_stem_at_a_character_never_the_ending() -> None:
    assert fit_name("a\r\nb", "-feedback.xlsx") == "a  b-feedback.xlsx"
    cut = fit_name("é" * 200, "-feedback.xlsx")
    assert cut.endswith("-feedback.xlsx") and len(cut.encode()) <= NAME_MAX
    assert cut == "é" * ((NAME_MAX - 14) // 2) + "-feedback.xlsx"


def test_drafts_into_a_folder_that_cannot_be_written_stop_before_any_output(
        folder: Path, tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    templates = tmp_path / "templates"
    made = run("template", "--region", REGION, "--all", "-o", templates,
               "--emails", in_the_way / "drafts")
    assert made.exit_code == 1
    assert made.output == f"Error: Cannot write to {in_the_way / 'drafts'}: Not a directory.\n"
    assert list(templates.iterdir()) == []  # no workbook written without its draft

    emails = tmp_path / "emails"
    chased = run("chase", folder, "--region", REGION, "--emails", emails,
                 "--feedback", in_the_way / "feedback", "--as-of", AS_OF)
    assert chased.exit_code == 1
    assert chased.output == f"Error: Cannot write to {in_the_way / 'feedback'}: Not a directory.\n"
    assert not emails.exists() or list(emails.iterdir()) == []
