"""Ready-to-send email drafts (.eml): templates out, then reminders, feedback and thanks.

The tool never sends mail; each draft opens in Outlook or Thunderbird as an unsent message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from .issues import ERROR, FileReport, Issue
from .region import Lsp, Region
from .round import LspStatus, shown_path
from .schemas import sheets
from .xlsxout import atomic_output, escape_surrogates

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LISTED = 15  # issues quoted in a feedback body; the workbook holds the rest

TEMPLATE, REMINDER, FEEDBACK, THANKS = "template", "reminder", "feedback", "thanks"
NONE = "none"  # no draft this time: the return is not due yet
CHASE_KINDS = (REMINDER, FEEDBACK, THANKS)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")


@dataclass
class DraftResult:
    """What a run wrote: the drafts, one line per LSP saying who gets what, and problems."""

    written: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    code: str
    kind: str
    to: str
    note: str


def long_date(day: date) -> str:
    """``15 October 2009``: no leading zero, and the same whatever the machine's locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _weekday_date(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {long_date(day)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_line(text: str) -> str:
    """Text on one line: a partner's line breaks or control characters cannot shape the mail."""
    return _CONTROL.sub(" ", text).strip()


def _address(name: str, email: str) -> Address:
    """An RFC 5322 address; raises ValueError when `email` is not an address."""
    addr = Address(display_name=_one_line(name), addr_spec=_one_line(email))
    if not addr.username or not addr.domain:
        raise ValueError(email)
    return addr


def _subject_base(region: Region, lsp: Lsp) -> str:
    return f"LAA delivery return {region.period} — {_one_line(lsp.name)}"


def _greeting(lsp: Lsp) -> str:
    return f"Dear {_one_line(lsp.contact)}," if lsp.contact.strip() else "Dear colleague,"


def _contact(region: Region) -> str:
    """The GO contact in one phrase, for "ask ..." sentences."""
    ways = ", ".join(x for x in (region.contact_email, region.contact_phone) if x)
    if region.contact_name and ways:
        return f"{region.contact_name} ({ways})"
    return region.contact_name or ways or f"your {region.go_name} locality manager"


def _sign_off(region: Region) -> list[str]:
    lines = ["", "Kind regards,", ""]
    if region.contact_name:
        lines.append(region.contact_name)
    lines.append(region.go_name)
    ways = " · ".join(x for x in (region.contact_email, region.contact_phone) if x)
    if ways:
        lines.append(ways)
    return lines


_HOW_TO_RETURN = ("Reply to this email with the completed workbook attached, saved as an Excel "
                  "workbook (.xlsx) — not .xls, .ods, .csv or PDF. Keep the sheet names and "
                  "column headers exactly as they are: we read the workbook by them.")


def _issue_lines(issues: list[Issue], more_hint: str) -> list[str]:
    """Errors then warnings, worst first, at most MAX_LISTED of them, as ``- where: message``."""
    shown = issues[:MAX_LISTED]
    out: list[str] = []
    errors = [i for i in shown if i.severity == ERROR]
    warnings = [i for i in shown if i.severity != ERROR]
    if errors:
        out.append("Errors (these must be fixed):")
        out.extend(f"- {_one_line(str(i))}" for i in errors)
    if warnings:
        if errors:
            out.append("")
        out.append("Warnings (please check these):")
        out.extend(f"- {_one_line(str(i))}" for i in warnings)
    if len(issues) > MAX_LISTED:
        out.append(f"and {len(issues) - MAX_LISTED} more — {more_hint}")
    return out


# -- the message ----------------------------------------------------------------------------


def _message(region: Region, lsp: Lsp, to: Address, subject: str, body: list[str],
             when: datetime, kind: str, attachment: tuple[str, bytes] | None) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    if region.contact_email:
        try:
            msg["From"] = _address(region.contact_name, region.contact_email)
        except ValueError:
            pass  # reported once per run by _check_sender; the mail client fills it in
    msg["To"] = to
    msg["Subject"] = _one_line(escape_surrogates(subject))
    msg["Date"] = when
    # No Message-ID: the client adds a fresh one on sending.  One derived from the LSP and
    # kind would repeat when a reminder is sent twice, and some mail services silently drop
    # a message whose Message-ID they have already seen.
    msg["X-Unsent"] = "1"
    # Partner-typed text (quoted in issue messages) is only ever plain text, never HTML.
    msg.set_content(escape_surrogates("\n".join(body)) + "\n", subtype="plain", charset="utf-8",
                    cte="quoted-printable")
    if attachment is not None:
        name, data = attachment
        maintype, subtype = XLSX_TYPE.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype,
                           filename=_one_line(escape_surrogates(name)))
        # A fixed boundary keeps the file identical run to run.  "=_" can never occur in
        # quoted-printable or base64 text, so it cannot collide with a part's content.
        period = str(region.period).replace("/", "-").replace(" ", "-")
        msg.set_boundary(f"=_laa-xl_{lsp.code}_{kind}_{period}")
    return msg


def _write(out_dir: Path, lsp: Lsp, kind: str, msg: EmailMessage) -> Path:
    path = out_dir / f"{lsp.code}-{kind}.eml"
    with atomic_output(path) as tmp:
        tmp.write_bytes(msg.as_bytes())
    return path


def _recipient(lsp: Lsp, problems: list[str]) -> Address | None:
    """The LSP's contact as an address, or None with the reason added to `problems`."""
    who = f"{_one_line(lsp.name)} ({lsp.code})"
    if not lsp.email.strip():
        problems.append(f"{who} has no contact email in the region file: no draft written.")
        return None
    try:
        return _address(lsp.contact, lsp.email)
    except ValueError:
        problems.append(f"{who} has contact email {lsp.email!r} in the region file, which is "
                        "not an email address: no draft written.")
        return None


def _check_sender(region: Region, problems: list[str]) -> None:
    if not region.contact_email:
        problems.append("The region file has no [contact] email: the drafts have no From "
                        "address, so your mail client will send them from your own account.")
        return
    try:
        _address(region.contact_name, region.contact_email)
    except ValueError:
        problems.append(f"The region file's [contact] email {region.contact_email!r} is not an "
                        "email address: the drafts have no From address.")


def _table(rows: list[_Row]) -> list[str]:
    """One aligned line per LSP: code, kind, recipient, note."""
    if not rows:
        return []
    w_code = max(len(r.code) for r in rows)
    w_kind = max(len(r.kind) for r in rows)
    w_to = max(len(r.to) for r in rows)
    return [f"{r.code:<{w_code}}  {r.kind:<{w_kind}}  {r.to:<{w_to}}  {r.note}".rstrip()
            for r in rows]


# -- sending the templates out --------------------------------------------------------------


def _template_body(region: Region, lsp: Lsp, filename: str, blank_why: str = "",
                   prefilled_from: str = "") -> list[str]:
    period = region.period
    body = [
        _greeting(lsp),
        "",
        f"Please find attached {_one_line(lsp.name)}'s workbook for the LAA delivery return "
        f"for {period} (the quarter ending {long_date(period.end)}): {filename}.",
        "",
    ]
    if blank_why:
        body += [f"The workbook is blank, not filled in from last quarter: {blank_why}. "
                 "Please enter your outcomes, actions, milestones and risks in full.", ""]
    elif prefilled_from:
        body += [f"The workbook is filled in from {prefilled_from.replace('its ', 'your ')}. "
                 "Please bring every row up to date.", ""]
    body += [
        f"Please return it by {_weekday_date(region.due)}.",
        "",
        "What to fill in:",
        "Work through the sheets in this order. The Guidance sheet explains each one, and "
        "clicking any column header or cell shows what to enter.",
    ]
    body.extend(f"- {spec.name}: {spec.description}" for spec in sheets())
    body += [
        "",
        "How to return it:",
        _HOW_TO_RETURN,
        "If anything needs fixing, we will send you a copy with each problem cell highlighted "
        "and explained.",
        "",
        "Questions:",
        f"Please ask {_contact(region)}.",
    ]
    return body + _sign_off(region)


def template_drafts(region: Region, workbooks: Mapping[str, Path], out_dir: Path,
                    when: datetime, blanks: Mapping[str, str] | None = None,
                    prefilled_from: Mapping[str, str] | None = None) -> DraftResult:
    """One draft per LSP in `workbooks` (LSP code → its workbook), the workbook attached.

    `blanks` (LSP code → why) names the workbooks left blank though a previous round was
    given; their drafts say so and why.  `prefilled_from` (LSP code → "its 2009/10 Q1 return
    , its last valid one: ...") says which round each prefilled workbook comes from.

    Drafts go to ``out_dir/<code>-template.eml``; LSPs are taken in region order.
    """
    result = DraftResult()
    rows: list[_Row] = []
    by_code = {code.casefold(): Path(path) for code, path in workbooks.items()}
    known = {lsp.code.casefold() for lsp in region.lsps}
    for code in workbooks:
        if code.casefold() not in known:
            result.problems.append(f"{code} is not an LSP in the region file: no draft written.")
    _check_sender(region, result.problems)
    for lsp in region.lsps:
        path = by_code.get(lsp.code.casefold())
        if path is None:
            continue
        to = _recipient(lsp, result.problems)
        if to is None:
            rows.append(_Row(lsp.code, TEMPLATE, "(no email)", "no draft written"))
            continue
        try:
            data = path.read_bytes()
        except OSError as err:
            result.problems.append(f"Cannot read the workbook {path} for {_one_line(lsp.name)} "
                                   f"({lsp.code}): {err.strerror}. No draft written.")
            rows.append(_Row(lsp.code, TEMPLATE, to.addr_spec, "no draft written"))
            continue
        subject = f"{_subject_base(region, lsp)}: due {long_date(region.due)}"
        body = _template_body(region, lsp, path.name, (blanks or {}).get(lsp.code, ""),
                              (prefilled_from or {}).get(lsp.code, ""))
        msg = _message(region, lsp, to, subject, body, when, TEMPLATE, (path.name, data))
        result.written.append(_write(out_dir, lsp, TEMPLATE, msg))
        rows.append(_Row(lsp.code, TEMPLATE, to.addr_spec, f"{path.name} attached"))
    result.lines = _table(rows)
    return result


# -- chasing the returns --------------------------------------------------------------------


def _reminder_body(region: Region, lsp: Lsp) -> list[str]:
    return [
        _greeting(lsp),
        "",
        f"{_one_line(lsp.name)}'s LAA delivery return for {region.period} was due on "
        f"{_weekday_date(region.due)}, and we have not received it yet.",
        "",
        "Please send it as soon as you can. " + _HOW_TO_RETURN,
        "",
        "If you have already sent it, please send it again in reply to this email: it has not "
        "reached us.",
        "",
        f"If something is holding it up, or you need a fresh copy of the workbook, please "
        f"contact {_contact(region)}.",
    ] + _sign_off(region)


def _received_phrase(status: LspStatus) -> str:
    return f", received on {long_date(status.received)}" if status.received else ""


def _feedback_body(region: Region, status: LspStatus, report: FileReport, as_of: date,
                   attached: str | None) -> list[str]:
    lsp = status.lsp
    errors, warnings = report.errors, report.warnings
    body = [_greeting(lsp), ""]
    intro = (f"Thank you for {_one_line(lsp.name)}'s LAA delivery return for {region.period}"
             f"{_received_phrase(status)}.")
    if not report.readable:
        sent = _one_line(shown_path(Path(report.file).name))
        body.append(f"{intro} It reached us as {sent}, which we cannot read as your return, "
                    "so we cannot accept it yet:")
    else:
        found = f"We have checked it and found {_plural(errors, 'error')} that must be fixed " \
                "before we can accept it"
        found += f", and {_plural(warnings, 'warning')} to look at." if warnings else "."
        body.append(f"{intro} {found}")
    body.append("")
    if attached:
        body += [f"The attached workbook, {attached}, is a copy of your return with every "
                 "problem cell highlighted and explained.", ""]
    more = "see the attached workbook." if attached else "reply to this email for the full list."
    body += _issue_lines(report.sorted_issues(), more)
    when = (f"by {_weekday_date(region.due)}" if as_of <= region.due
            else f"as soon as you can (the deadline was {long_date(region.due)})")
    body += [
        "",
        f"Please correct your workbook and send it again {when}. " + _HOW_TO_RETURN,
        "",
        f"If anything is unclear, please contact {_contact(region)}.",
    ]
    return body + _sign_off(region)


def _thanks_body(region: Region, status: LspStatus, report: FileReport) -> list[str]:
    lsp = status.lsp
    received = f" on {long_date(status.received)}" if status.received else ""
    body = [
        _greeting(lsp),
        "",
        f"Thank you: your LAA delivery return for {region.period} ({_one_line(lsp.name)}) was "
        f"received{received} and passed every check.",
    ]
    if status.on_time(region.due) is False:
        body += ["", f"It reached us after the deadline of {long_date(region.due)}."]
    if report.warnings:
        them = "it" if report.warnings == 1 else "them"
        body += ["", f"It has {_plural(report.warnings, 'warning')}: nothing that stops us "
                 f"accepting it, but please look at {them} and put {them} right in next "
                 "quarter's return.", ""]
        body += _issue_lines(report.sorted_issues(),
                             "reply to this email for the full list.")
    body += ["", "Nothing more is needed from you this quarter.", "",
             f"If you have any questions, please contact {_contact(region)}."]
    return body + _sign_off(region)


def _feedback_attachment(status: LspStatus, problems: list[str]) -> tuple[str, bytes] | None:
    lsp, report = status.lsp, status.report
    who = f"{_one_line(lsp.name)} ({lsp.code})"
    if status.feedback is None:
        if report is not None and report.readable:
            problems.append(f"{who} has no feedback workbook: its feedback draft lists the "
                            f"first {MAX_LISTED} issues only and attaches nothing.")
        return None
    try:
        return status.feedback.name, status.feedback.read_bytes()
    except OSError as err:
        problems.append(f"Cannot read the feedback workbook {status.feedback} for {who} "
                        f"({err.strerror}): its feedback draft attaches nothing.")
        return None


def _stale_drafts(out_dir: Path, lsp: Lsp, kind: str, problems: list[str]) -> None:
    """Warn about an earlier run's draft of another kind, lest both be sent."""
    for other in CHASE_KINDS:
        old = out_dir / f"{lsp.code}-{other}.eml"
        if other != kind and old.exists():
            now = "no draft" if kind == NONE else f"a {kind} draft"
            problems.append(f"{old} is from an earlier run: {_one_line(lsp.name)} ({lsp.code}) "
                            f"now gets {now}. Delete the old draft so it is not sent by "
                            "mistake.")


def _counts(report: FileReport) -> str:
    text = _plural(report.errors, "error")
    return text + (f", {_plural(report.warnings, 'warning')}" if report.warnings else "")


def chase_drafts(region: Region, statuses: Sequence[LspStatus], out_dir: Path, as_of: date,
                 when: datetime) -> DraftResult:
    """For each LSP: a reminder (missing and overdue), feedback (invalid) or thanks (valid).

    A missing return that is not yet overdue gets no draft, and a line saying so.
    """
    result = DraftResult()
    rows: list[_Row] = []
    _check_sender(region, result.problems)
    due = region.due
    for status in statuses:
        lsp, report = status.lsp, status.report
        shown_to = _one_line(lsp.email) or "(no email)"
        if report is None and as_of <= due:
            note = "due today" if as_of == due else f"not due until {long_date(due)}"
            rows.append(_Row(lsp.code, NONE, shown_to, f"no return yet; {note}"))
            _stale_drafts(out_dir, lsp, NONE, result.problems)
            continue
        attachment: tuple[str, bytes] | None = None
        if report is None:
            kind = REMINDER
            late = (as_of - due).days
            note = f"was due {long_date(due)}; {_plural(late, 'day')} overdue"
        elif not report.valid:
            kind = FEEDBACK
            note = _counts(report)
        else:
            kind = THANKS
            note = "passed every check"
            if report.warnings:
                note += f" ({_plural(report.warnings, 'warning')})"
            if status.on_time(due) is False:
                note += f"; late, received {long_date(status.received)}" \
                    if status.received else "; late"
        _stale_drafts(out_dir, lsp, kind, result.problems)
        to = _recipient(lsp, result.problems)
        if to is None:
            rows.append(_Row(lsp.code, kind, shown_to, "no draft written"))
            continue
        if kind == REMINDER:
            subject = f"Reminder: {_subject_base(region, lsp)} was due {long_date(due)}"
            body = _reminder_body(region, lsp)
        elif kind == FEEDBACK:
            assert report is not None
            attachment = _feedback_attachment(status, result.problems)
            what = ("received, cannot be read" if not report.readable
                    else f"{_plural(report.errors, 'error')} to fix")
            subject = f"{_subject_base(region, lsp)}: {what}"
            body = _feedback_body(region, status, report, as_of,
                                  attachment[0] if attachment else None)
            note += f"; {attachment[0]} attached" if attachment else "; nothing attached"
        else:
            assert report is not None
            subject = f"{_subject_base(region, lsp)}: received, thank you"
            body = _thanks_body(region, status, report)
        msg = _message(region, lsp, to, subject, body, when, kind, attachment)
        result.written.append(_write(out_dir, lsp, kind, msg))
        rows.append(_Row(lsp.code, kind, to.addr_spec, note))
    result.lines = _table(rows)
    return result
