"""Email drafts: each .eml parsed back and checked as a mail client would read it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from laa_xl.emails import (
    MAX_LISTED,
    XLSX_TYPE,
    DraftResult,
    chase_drafts,
    long_date,
    template_drafts,
)
from laa_xl.issues import FileReport, Issue, make_issue
from laa_xl.region import Lsp, Period, Region
from laa_xl.round import LspStatus
from laa_xl.schemas import sheets
from laa_xl.template import build_template, template_name

ANY = Lsp("ANY", "Anycity Partnership", "Priya Shah", "priya.shah@anycity.example")
NBR = Lsp("NBR", "Northbridge Together", "Tom Hughes", "tom.hughes@northbridge.example")
EWD = Lsp("EWD", "Eastwold Strategic Partnership", "Aisha Begum", "aisha.begum@eastwold.example")
SMR = Lsp("SMR", "Southmoor Partnership Board", "Gareth Jones", "gareth.jones@southmoor.example")
WHV = Lsp("WHV", "Westhaven LSP", "Helen Clarke", "")
RVF = Lsp("RVF", "Riverford Partnership", "", "marek.nowak@riverford.example")

REGION = Region(
    lsps=(ANY, NBR, EWD, SMR, WHV, RVF),
    region="Midshire",
    go_name="Government Office for Midshire",
    period=Period(2009, 2),
    deadline=date(2009, 10, 15),
    contact_name="Sam Okafor, Performance Team",
    contact_email="laa.returns@go-midshire.example",
    contact_phone="0121 496 0000",
)
DUE = date(2009, 10, 15)
AFTER = date(2009, 10, 22)
WHEN = datetime(2009, 10, 22, 9, 30, tzinfo=timezone(timedelta(hours=1)))
FROM = '"Sam Okafor, Performance Team" <laa.returns@go-midshire.example>'
READ = object()  # stands in for the data read from a workbook: the report is readable


def parse(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        msg = BytesParser(policy=policy.default).parse(fh)
    assert isinstance(msg, EmailMessage)
    return msg


def body_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def attachments(msg: EmailMessage) -> list[tuple[str | None, str, bytes]]:
    return [(p.get_filename(), p.get_content_type(), p.get_content())
            for p in msg.iter_attachments()]


def rag(cell: str, value: str = "Ambre") -> Issue:
    return make_issue("not-in-list", sheet="Actions", cell=cell, field="RAG", value=value,
                      choices="Red, Amber, Green")


def tidied(cell: str, value: str = " NI 5") -> Issue:
    return make_issue("normalised", sheet="Outcomes", cell=cell, field="Indicator", value=value,
                      result='"NI 5"', fix="leave out the spaces")


# -- templates out ----------------------------------------------------------------------------


@pytest.fixture
def workbooks(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for lsp in (ANY, NBR, WHV):
        path = tmp_path / "workbooks" / template_name(REGION, lsp)
        build_template(path, REGION, lsp, when=datetime(2009, 9, 1))
        out[lsp.code] = path
    return out


def test_template_draft_headers_attachment_and_body(tmp_path: Path,
                                                    workbooks: dict[str, Path]) -> None:
    out = tmp_path / "drafts"
    result = template_drafts(REGION, workbooks, out, WHEN)

    assert result.written == [out / "ANY-template.eml", out / "NBR-template.eml"]
    msg = parse(out / "ANY-template.eml")
    assert msg["To"] == "Priya Shah <priya.shah@anycity.example>"
    assert msg["To"].addresses[0].addr_spec == "priya.shah@anycity.example"
    assert msg["From"] == FROM
    assert msg["From"].addresses[0].display_name == "Sam Okafor, Performance Team"
    assert msg["Subject"] == ("LAA delivery return 2009/10 Q2 — Anycity Partnership: "
                              "due 15 October 2009")
    assert msg["X-Unsent"] == "1"
    assert msg["Date"].datetime == WHEN
    assert msg["Message-ID"] is None
    assert attachments(msg) == [("LAA-return-2009-10-Q2-ANY.xlsx", XLSX_TYPE,
                                 workbooks["ANY"].read_bytes())]

    body = body_of(msg)
    lines = body.splitlines()
    assert lines[0] == "Dear Priya Shah,"
    assert "Please return it by Thursday 15 October 2009." in lines
    for spec in sheets():
        assert f"- {spec.name}: {spec.description}" in lines
    assert any(line.startswith("Reply to this email with the completed workbook attached, "
                               "saved as an Excel workbook (.xlsx)") for line in lines)
    assert "Keep the sheet names and column headers exactly as they are" in body
    assert ("Please ask Sam Okafor, Performance Team (laa.returns@go-midshire.example, "
            "0121 496 0000).") in lines
    assert "Government Office for Midshire" in lines

    nbr = parse(out / "NBR-template.eml")
    assert nbr["To"] == "Tom Hughes <tom.hughes@northbridge.example>"
    assert nbr["Subject"] == ("LAA delivery return 2009/10 Q2 — Northbridge Together: "
                              "due 15 October 2009")
    assert attachments(nbr)[0][0] == "LAA-return-2009-10-Q2-NBR.xlsx"
    assert attachments(nbr)[0][2] == workbooks["NBR"].read_bytes()


def test_template_lsp_without_email_is_reported_not_skipped(tmp_path: Path,
                                                            workbooks: dict[str, Path]) -> None:
    out = tmp_path / "drafts"
    result = template_drafts(REGION, workbooks, out, WHEN)

    assert result.problems == [
        "Westhaven LSP (WHV) has no contact email in the region file: no draft written."]
    assert not (out / "WHV-template.eml").exists()
    assert result.lines == [
        "ANY  template  priya.shah@anycity.example      LAA-return-2009-10-Q2-ANY.xlsx attached",
        "NBR  template  tom.hughes@northbridge.example  LAA-return-2009-10-Q2-NBR.xlsx attached",
        "WHV  template  (no email)                      no draft written",
    ]


def test_template_only_for_the_lsps_given_and_unknown_codes_reported(
        tmp_path: Path, workbooks: dict[str, Path]) -> None:
    out = tmp_path / "drafts"
    result = template_drafts(REGION, {"nbr": workbooks["NBR"], "XYZ": workbooks["ANY"]}, out,
                             WHEN)
    assert result.written == [out / "NBR-template.eml"]
    assert result.problems == ["XYZ is not an LSP in the region file: no draft written."]
    assert sorted(p.name for p in out.iterdir()) == ["NBR-template.eml"]  # no temp files left


def test_template_missing_workbook_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "gone.xlsx"
    result = template_drafts(REGION, {"ANY": missing}, tmp_path / "drafts", WHEN)
    assert result.written == []
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"Cannot read the workbook {missing} for Anycity "
                                         "Partnership (ANY)")


def test_template_drafts_are_deterministic(tmp_path: Path, workbooks: dict[str, Path]) -> None:
    first = template_drafts(REGION, workbooks, tmp_path / "a", WHEN)
    second = template_drafts(REGION, workbooks, tmp_path / "b", WHEN)
    assert [p.name for p in first.written] == [p.name for p in second.written]
    for a, b in zip(first.written, second.written, strict=True):
        assert a.read_bytes() == b.read_bytes()


# -- chasing ----------------------------------------------------------------------------------


@pytest.fixture
def feedback_wb(tmp_path: Path) -> Path:
    path = tmp_path / "feedback" / "LAA-return-2009-10-Q2-SMR-feedback.xlsx"
    build_template(path, REGION, SMR, when=datetime(2009, 10, 20))
    return path


def round_statuses(feedback_wb: Path) -> list[LspStatus]:
    bad = FileReport("smr.xlsx", [tidied("B5"), rag("N7"), rag("N5")], data=READ)
    good = FileReport("ewd.xlsx", [], data=READ)
    return [
        LspStatus(ANY, FileReport("any.xlsx", [], data=READ), received=date(2009, 10, 20)),
        LspStatus(NBR),
        LspStatus(EWD, good, received=date(2009, 10, 12)),
        LspStatus(SMR, bad, received=date(2009, 10, 14), feedback=feedback_wb),
        LspStatus(WHV),
        LspStatus(RVF, FileReport("rvf.xlsx", [tidied("B6")], data=READ),
                  received=date(2009, 10, 15)),
    ]


def test_chase_chooses_reminder_feedback_or_thanks(tmp_path: Path, feedback_wb: Path) -> None:
    out = tmp_path / "drafts"
    result = chase_drafts(REGION, round_statuses(feedback_wb), out, AFTER, WHEN)

    assert [p.name for p in result.written] == [
        "ANY-thanks.eml", "NBR-reminder.eml", "EWD-thanks.eml", "SMR-feedback.eml",
        "RVF-thanks.eml"]
    assert [line.split()[:2] for line in result.lines] == [
        ["ANY", "thanks"], ["NBR", "reminder"], ["EWD", "thanks"], ["SMR", "feedback"],
        ["WHV", "reminder"], ["RVF", "thanks"]]
    assert result.problems == [
        "Westhaven LSP (WHV) has no contact email in the region file: no draft written."]


def test_chase_lines_are_aligned_and_say_who_gets_what(tmp_path: Path,
                                                       feedback_wb: Path) -> None:
    result = chase_drafts(REGION, round_statuses(feedback_wb), tmp_path / "d", AFTER, WHEN)
    assert result.lines == [
        "ANY  thanks    priya.shah@anycity.example      passed every check; late, received "
        "20 October 2009",
        "NBR  reminder  tom.hughes@northbridge.example  was due 15 October 2009; 7 days overdue",
        "EWD  thanks    aisha.begum@eastwold.example    passed every check",
        "SMR  feedback  gareth.jones@southmoor.example  2 errors, 1 warning; "
        "LAA-return-2009-10-Q2-SMR-feedback.xlsx attached",
        "WHV  reminder  (no email)                      no draft written",
        "RVF  thanks    marek.nowak@riverford.example   passed every check (1 warning)",
    ]


def test_reminder_draft(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    result = chase_drafts(REGION, [LspStatus(NBR)], out, AFTER, WHEN)
    assert result.written == [out / "NBR-reminder.eml"]
    msg = parse(out / "NBR-reminder.eml")
    assert msg["To"] == "Tom Hughes <tom.hughes@northbridge.example>"
    assert msg["From"] == FROM
    assert msg["Subject"] == ("Reminder: LAA delivery return 2009/10 Q2 — Northbridge Together "
                              "was due 15 October 2009")
    assert msg["X-Unsent"] == "1"
    assert msg["Date"].datetime == WHEN
    assert attachments(msg) == []
    assert not msg.is_multipart()
    assert msg.get_content_type() == "text/plain"
    lines = body_of(msg).splitlines()
    assert lines[0] == "Dear Tom Hughes,"
    assert ("Northbridge Together's LAA delivery return for 2009/10 Q2 was due on Thursday "
            "15 October 2009, and we have not received it yet.") in lines


@pytest.mark.parametrize("as_of, note", [
    (date(2009, 10, 1), "not due until 15 October 2009"),
    (DUE, "due today"),
])
def test_missing_but_not_yet_due_gets_no_draft(tmp_path: Path, as_of: date, note: str) -> None:
    out = tmp_path / "drafts"
    result = chase_drafts(REGION, [LspStatus(NBR)], out, as_of, WHEN)
    assert result.written == []
    assert result.lines == [f"NBR  none  tom.hughes@northbridge.example  no return yet; {note}"]
    assert not out.exists() or list(out.iterdir()) == []


def test_feedback_draft(tmp_path: Path, feedback_wb: Path) -> None:
    out = tmp_path / "drafts"
    report = FileReport("smr.xlsx", [tidied("B5"), rag("N7"), rag("N5")], data=READ)
    status = LspStatus(SMR, report, received=date(2009, 10, 14), feedback=feedback_wb)
    chase_drafts(REGION, [status], out, AFTER, WHEN)

    msg = parse(out / "SMR-feedback.eml")
    assert msg["To"] == "Gareth Jones <gareth.jones@southmoor.example>"
    assert msg["From"] == FROM
    assert msg["Subject"] == ("LAA delivery return 2009/10 Q2 — Southmoor Partnership Board: "
                              "2 errors to fix")
    assert msg["X-Unsent"] == "1"
    assert attachments(msg) == [(feedback_wb.name, XLSX_TYPE, feedback_wb.read_bytes())]

    lines = body_of(msg).splitlines()
    assert lines[0] == "Dear Gareth Jones,"
    assert ("Thank you for Southmoor Partnership Board's LAA delivery return for 2009/10 Q2, "
            "received on 14 October 2009. We have checked it and found 2 errors that must be "
            "fixed before we can accept it, and 1 warning to look at.") in lines
    # worst first: errors (in cell order) before the warning that comes first on the sheet
    start = lines.index("Errors (these must be fixed):")
    assert lines[start:start + 6] == [
        "Errors (these must be fixed):",
        f"- {rag('N5')}",
        f"- {rag('N7')}",
        "",
        "Warnings (please check these):",
        f"- {tidied('B5')}",
    ]
    assert lines[start + 1] == ('- Actions!N5 (RAG): "Ambre" is not one of Red, Amber, Green. '
                                'Choose one from the dropdown.')
    assert not any(line.startswith("and ") for line in lines)
    assert any(line.startswith("Please correct your workbook and send it again as soon as you "
                               "can (the deadline was 15 October 2009).") for line in lines)


def test_feedback_lists_fifteen_then_says_how_many_more(tmp_path: Path,
                                                        feedback_wb: Path) -> None:
    issues = [tidied(f"B{r}") for r in range(5, 10)] + [rag(f"N{r}") for r in range(5, 20)]
    report = FileReport("smr.xlsx", issues, data=READ)
    status = LspStatus(SMR, report, received=date(2009, 10, 14), feedback=feedback_wb)
    chase_drafts(REGION, [status], tmp_path, date(2009, 10, 14), WHEN)

    lines = body_of(parse(tmp_path / "SMR-feedback.eml")).splitlines()
    listed = [line for line in lines if line.startswith("- ")]
    assert listed == [f"- {rag(f'N{r}')}" for r in range(5, 5 + MAX_LISTED)]
    assert f"and {len(issues) - MAX_LISTED} more — see the attached workbook." in lines
    assert "Warnings (please check these):" not in lines  # the errors fill the list
    assert any(line.startswith("Please correct your workbook and send it again by Thursday "
                               "15 October 2009.") for line in lines)


def test_feedback_without_a_workbook_attaches_nothing_and_says_so(tmp_path: Path) -> None:
    issues = [rag(f"N{r}") for r in range(5, 25)]
    status = LspStatus(SMR, FileReport("smr.xlsx", issues, data=READ),
                       received=date(2009, 10, 14))
    result = chase_drafts(REGION, [status], tmp_path, AFTER, WHEN)

    msg = parse(tmp_path / "SMR-feedback.eml")
    assert attachments(msg) == []
    lines = body_of(msg).splitlines()
    assert "and 5 more — reply to this email for the full list." in lines
    assert not any("attached workbook" in line for line in lines)
    assert result.problems == [
        "Southmoor Partnership Board (SMR) has no feedback workbook: its feedback draft lists "
        f"the first {MAX_LISTED} issues only and attaches nothing."]
    assert result.lines[0].endswith("20 errors; nothing attached")


def test_unreadable_return_gets_feedback(tmp_path: Path) -> None:
    report = FileReport("smr.xlsx", [make_issue("ods-file")])  # no data: could not be read
    result = chase_drafts(REGION, [LspStatus(SMR, report, received=date(2009, 10, 14))],
                          tmp_path, AFTER, WHEN)
    assert result.problems == []  # nothing to mark up, so no feedback workbook is expected
    msg = parse(tmp_path / "SMR-feedback.eml")
    assert msg["Subject"] == ("LAA delivery return 2009/10 Q2 — Southmoor Partnership Board: "
                              "received, cannot be read")
    body = body_of(msg)
    assert ("Thank you for Southmoor Partnership Board's LAA delivery return for 2009/10 Q2, "
            "received on 14 October 2009. It reached us as smr.xlsx, which we cannot read as "
            "your return, so we cannot accept it yet:") in " ".join(body.split())
    assert f"- {make_issue('ods-file').message}" in body.splitlines()


def test_thanks_draft(tmp_path: Path) -> None:
    status = LspStatus(EWD, FileReport("ewd.xlsx", [], data=READ), received=date(2009, 10, 12))
    chase_drafts(REGION, [status], tmp_path, AFTER, WHEN)
    msg = parse(tmp_path / "EWD-thanks.eml")
    assert msg["To"] == "Aisha Begum <aisha.begum@eastwold.example>"
    assert msg["From"] == FROM
    assert msg["Subject"] == ("LAA delivery return 2009/10 Q2 — Eastwold Strategic Partnership: "
                              "received, thank you")
    assert msg["X-Unsent"] == "1"
    assert attachments(msg) == []
    body = body_of(msg)
    assert ("Thank you: your LAA delivery return for 2009/10 Q2 (Eastwold Strategic Partnership) "
            "was received on 12 October 2009 and passed every check.") in body.splitlines()
    assert "deadline" not in body
    assert "warning" not in body


def test_thanks_mentions_warnings_and_lateness(tmp_path: Path) -> None:
    report = FileReport("rvf.xlsx", [tidied("B6"), tidied("B7")], data=READ)
    status = LspStatus(RVF, report, received=date(2009, 10, 16))
    result = chase_drafts(REGION, [status], tmp_path, AFTER, WHEN)
    msg = parse(tmp_path / "RVF-thanks.eml")
    assert msg["To"] == "marek.nowak@riverford.example"  # no contact name in the region file
    lines = body_of(msg).splitlines()
    assert lines[0] == "Dear colleague,"
    assert "It reached us after the deadline of 15 October 2009." in lines
    assert any(line.startswith("It has 2 warnings:") for line in lines)
    assert f"- {tidied('B6')}" in lines and f"- {tidied('B7')}" in lines
    assert result.lines == ["RVF  thanks  marek.nowak@riverford.example  passed every check "
                            "(2 warnings); late, received 16 October 2009"]


def test_partner_text_stays_plain_text(tmp_path: Path, feedback_wb: Path) -> None:
    hostile = [
        rag("N5", '=HYPERLINK("http://x","y")'),
        rag("N6", "<script>alert(1)</script>"),
        rag("N7", "Amber\r\nBcc: someone@else.example\nPlease wire £500"),
    ]
    status = LspStatus(SMR, FileReport("smr.xlsx", hostile, data=READ),
                       received=date(2009, 10, 14), feedback=feedback_wb)
    chase_drafts(REGION, [status], tmp_path, AFTER, WHEN)
    msg = parse(tmp_path / "SMR-feedback.eml")

    types = [part.get_content_type() for part in msg.walk()]
    assert "text/html" not in types
    assert types == ["multipart/mixed", "text/plain", XLSX_TYPE]
    text_part = msg.get_body(preferencelist=("plain",))
    assert text_part is not None
    assert text_part.get_content_charset() == "utf-8"
    lines = body_of(msg).splitlines()
    assert ('- Actions!N5 (RAG): "=HYPERLINK("http://x","y")" is not one of Red, Amber, Green. '
            'Choose one from the dropdown.') in lines
    assert ('- Actions!N6 (RAG): "<script>alert(1)</script>" is not one of Red, Amber, Green. '
            'Choose one from the dropdown.') in lines
    # a partner's line breaks cannot start a line of their own in the mail
    assert ('- Actions!N7 (RAG): "Amber Bcc: someone@else.example Please wire £500" is not one '
            'of Red, Amber, Green. Choose one from the dropdown.') in lines
    assert not any(line.startswith(("Bcc:", "Please wire")) for line in lines)
    assert msg["Bcc"] is None
    assert msg["To"] == "Gareth Jones <gareth.jones@southmoor.example>"


def test_stale_draft_of_another_kind_is_reported(tmp_path: Path) -> None:
    chase_drafts(REGION, [LspStatus(EWD)], tmp_path, AFTER, WHEN)
    assert (tmp_path / "EWD-reminder.eml").exists()
    status = LspStatus(EWD, FileReport("ewd.xlsx", [], data=READ), received=date(2009, 10, 23))
    result = chase_drafts(REGION, [status], tmp_path, date(2009, 10, 23), WHEN)
    assert result.problems == [
        f"{tmp_path / 'EWD-reminder.eml'} is from an earlier run: Eastwold Strategic Partnership "
        "(EWD) now gets a thanks draft. Delete the old draft so it is not sent by mistake."]
    assert (tmp_path / "EWD-reminder.eml").exists()  # reported, never deleted


def test_missing_sender_is_reported(tmp_path: Path) -> None:
    region = Region(lsps=(NBR,), deadline=DUE)
    result = chase_drafts(region, [LspStatus(NBR)], tmp_path, AFTER, WHEN)
    assert result.problems == [
        "The region file has no [contact] email: the drafts have no From address, so your mail "
        "client will send them from your own account."]
    msg = parse(tmp_path / "NBR-reminder.eml")
    assert msg["From"] is None
    assert msg["To"] == "Tom Hughes <tom.hughes@northbridge.example>"


def test_chase_drafts_are_deterministic(tmp_path: Path, feedback_wb: Path) -> None:
    first = chase_drafts(REGION, round_statuses(feedback_wb), tmp_path / "a", AFTER, WHEN)
    second = chase_drafts(REGION, round_statuses(feedback_wb), tmp_path / "b", AFTER, WHEN)
    assert first.lines == second.lines
    for a, b in zip(first.written, second.written, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        p.name for p in first.written)


@pytest.mark.parametrize("day, text", [
    (date(2009, 10, 5), "5 October 2009"),
    (date(2009, 10, 15), "15 October 2009"),
    (date(2010, 3, 31), "31 March 2010"),
])
def test_long_date(day: date, text: str) -> None:
    assert long_date(day) == text


def test_empty_inputs_give_an_empty_result(tmp_path: Path) -> None:
    assert chase_drafts(REGION, [], tmp_path, AFTER, WHEN) == DraftResult()
    assert template_drafts(REGION, {}, tmp_path, WHEN) == DraftResult()
