"""`laa-xl chase` and `laa-xl template --emails`: drafts for every partnership, from the CLI."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from laa_xl.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REGION = SAMPLES / "region.toml"
RETURNS = SAMPLES / "returns" / "2009-10-Q2"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _draft(path: Path) -> email.message.EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


@pytest.fixture
def returns(tmp_path: Path) -> tuple[Path, Path]:
    """The sample Q2 returns, and a log of when each arrived (RVF late)."""
    folder = tmp_path / "returns"
    shutil.copytree(RETURNS, folder)
    log = tmp_path / "received.csv"
    lines = ["file,received"]
    for p in sorted(folder.glob("*.xlsx")):
        lines.append(f"{p.name},{'21/10/2009' if '-RVF' in p.name else '14/10/2009'}")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, log


def test_chase_writes_the_right_draft_for_each_partnership(returns: tuple[Path, Path],
                                                           tmp_path: Path) -> None:
    folder, log = returns
    out, feedback = tmp_path / "drafts", tmp_path / "feedback"
    result = CliRunner().invoke(main, [
        "chase", str(folder), "--region", str(REGION), "--emails", str(out),
        "--feedback", str(feedback), "--as-of", "20/10/2009", "--received", str(log)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    kinds = {line.split()[0]: line.split()[1] for line in lines[:-1]}
    assert kinds == {"ANY": "thanks", "NBR": "thanks", "EWD": "thanks", "SMR": "feedback",
                     "WHV": "thanks", "RVF": "thanks", "HCB": "thanks", "LDL": "reminder"}
    assert lines[-1] == (f"8 email draft(s) in {out}: open each in your mail program, check "
                         "it, and send it.")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{code}-{kind}.eml" for code, kind in kinds.items())

    reminder = _draft(out / "LDL-reminder.eml")
    assert reminder["To"] == "David Osei <david.osei@lowdale.example>"
    assert reminder["X-Unsent"] == "1"
    assert reminder["Subject"] == ("Reminder: LAA delivery return 2009/10 Q2 — Lowdale Together "
                                   "was due 15 October 2009")

    fb = _draft(out / "SMR-feedback.eml")
    (attachment,) = list(fb.iter_attachments())
    assert attachment.get_filename() == "LAA-return-2009-10-Q2-SMR-feedback.xlsx"
    assert attachment.get_content_type() == XLSX
    assert attachment.get_content() == (
        feedback / "LAA-return-2009-10-Q2-SMR-feedback.xlsx").read_bytes()
    body = fb.get_body(("plain",)).get_content()
    assert '- Actions!N5 (RAG): "Ambre" is not one of Red, Amber or Green.' in body

    late = _draft(out / "RVF-thanks.eml").get_body(("plain",)).get_content()
    assert "It reached us after the deadline of 15 October 2009." in late


def test_chase_before_the_deadline_sends_no_reminder(returns: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    folder, log = returns
    out = tmp_path / "drafts"
    result = CliRunner().invoke(main, [
        "chase", str(folder), "--region", str(REGION), "--emails", str(out),
        "--as-of", "2009-10-12", "--received", str(log)])
    assert result.exit_code == 0, result.output
    assert not (out / "LDL-reminder.eml").exists()
    ldl = next(line for line in result.stdout.splitlines() if line.split()[0] == "LDL")
    assert ldl.split()[1] == "none"


def test_chase_needs_a_folder_for_the_drafts(returns: tuple[Path, Path]) -> None:
    folder, _ = returns
    result = CliRunner().invoke(main, ["chase", str(folder), "--region", str(REGION)])
    assert result.exit_code == 2
    assert "Missing option '--emails'" in result.output


def test_template_emails_attach_each_workbook(tmp_path: Path) -> None:
    out, drafts = tmp_path / "templates", tmp_path / "drafts"
    result = CliRunner().invoke(main, ["template", "--all", "--region", str(REGION), "-o",
                                       str(out), "--emails", str(drafts)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"8 email draft(s) in {drafts}: open each in your mail program, check it, and send it.")
    msg = _draft(drafts / "ANY-template.eml")
    assert msg["Subject"] == ("LAA delivery return 2009/10 Q2 — Anycity Partnership: due "
                              "15 October 2009")
    assert msg["From"] == "\"Sam Okafor, Performance Team\" <laa.returns@go-midshire.example>"
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "LAA-return-2009-10-Q2-ANY.xlsx"
    assert attachment.get_content() == (out / "LAA-return-2009-10-Q2-ANY.xlsx").read_bytes()


def test_a_blank_template_has_no_one_to_email(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", "--blank", "-o", str(tmp_path / "b.xlsx"),
                                       "--emails", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "--emails goes with --lsp or --all" in result.output


def test_chase_with_nothing_returned_yet_reminds_every_partnership(tmp_path: Path) -> None:
    empty, out = tmp_path / "returns", tmp_path / "drafts"
    empty.mkdir()
    result = CliRunner().invoke(main, [
        "chase", str(empty), "--region", str(REGION), "--emails", str(out),
        "--as-of", "20/10/2009"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"{code}-reminder.eml" for code in sorted(
            ["ANY", "NBR", "EWD", "SMR", "WHV", "RVF", "HCB", "LDL"])]
    body = _draft(out / "ANY-reminder.eml").get_body(("plain",)).get_content()
    assert "we have not received it yet" in body


def test_drafts_into_a_folder_that_cannot_be_written_is_a_clean_error(
        returns: tuple[Path, Path], tmp_path: Path) -> None:
    folder, log = returns
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    result = CliRunner().invoke(main, [
        "chase", str(folder), "--region", str(REGION), "--emails", str(blocked / "drafts"),
        "--as-of", "20/10/2009", "--received", str(log)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot write to {blocked / 'drafts'}")
    assert "Traceback" not in result.output
