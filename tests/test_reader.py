"""The reader: sheets by name, columns by header text, every row whatever the file claims,
every kind of wrong file with its own message, and hostile files refused before parsing."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lo import convert, needs_libreoffice
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from returns import (
    SAMPLE_REGION,
    build_return,
    delete_column,
    delete_sheet,
    duplicate_column,
    flat,
    formula_into,
    hide_sheet,
    move_column,
    mutate,
    push_header_down,
    rename_column,
    rename_sheet,
    rewrite_parts,
    sheet_part,
    type_into,
)

from laa_xl.reader import Limits, read_return
from laa_xl.rules import check_file

HERE = Path(__file__).resolve().parent


def check(path: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return check_file(path, SAMPLE_REGION, **kw)


def said(report: Any) -> list[str]:
    return [str(i) for i in report.sorted_issues()]


def only_issue(path: Path) -> tuple[str, str]:
    """The one issue of a file that cannot be read: (code, message)."""
    report = check(path)
    assert not report.readable
    assert len(report.issues) == 1, report.issues
    return report.issues[0].code, report.issues[0].message


# --------------------------------------------------------------------------------------
# Sheets


def test_a_valid_return_reads_clean(tmp_path: Path) -> None:
    report = check(build_return(tmp_path / "r.xlsx"))
    assert report.issues == [] and report.valid
    assert report.data.lsp_code == "ANY" and report.data.period == "2009/10 Q2"
    assert len(report.data.sheets["assurance"]) == len(SAMPLE_REGION.questions)


def test_a_misspelt_sheet_is_read_with_did_you_mean(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[rename_sheet("Actions", "Action")])
    report = check(path)
    assert flat(report) == [("Actions", "", "missing-sheet"), ("Action", "N5", "not-in-list")]
    assert said(report)[0] == (
        'The Actions sheet is missing. The workbook has a sheet "Action": did you mean '
        '"Actions"? It was read in its place: rename it "Actions".')


def test_a_renamed_sheet_is_found_by_its_headers(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[rename_sheet("Actions", "Our plan")])
    report = check(path)
    assert said(report) == [
        'The Actions sheet is missing. The sheet "Our plan" has its columns. It was read in '
        'its place: rename it "Actions".']
    assert [r.get("action_id") for r in report.data.sheets["actions"]] == ["A-01"]


def test_a_deleted_sheet_is_one_error_with_no_cascade(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[delete_sheet("Actions")])
    assert said(check(path)) == [
        "The Actions sheet is missing. Put it back with its original name, from the template "
        "you were sent."]


def test_a_hidden_sheet_is_read_with_a_warning(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"risks": [{"status": "open"}]},
                        mutations=[hide_sheet("Risks")])
    report = check(path)
    assert flat(report) == [("Risks", "", "hidden-sheet"), ("Risks", "I5", "normalised")]
    assert said(report)[0] == (
        "The Risks sheet is hidden. It was read, but unhide it (right-click a sheet tab > "
        "Unhide) so the data is visible.")
    assert report.valid


# --------------------------------------------------------------------------------------
# Headers and columns


def test_header_row_moved_down_two_rows(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[push_header_down("Actions", 2)])
    report = check(path)
    assert flat(report) == [("Actions", "N7", "not-in-list")]
    assert report.data.sheets["actions"][0].row == 7


def test_columns_are_found_by_header_in_any_order(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[move_column("Actions", "RAG", before="Action ID")])
    report = check(path)
    assert said(report) == [
        'Actions!A5 (RAG): "Gren" is not one of Red, Amber or Green. Choose one from the '
        "dropdown."]
    assert report.data.sheets["actions"][0].get("action_id") == "A-01"


def test_headers_tolerate_case_and_stray_spaces(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[
        rename_column("Actions", "Lead officer", "  lead   OFFICER "),
        rename_column("Outcomes", "Delivery confidence (RAG)", "Delivery confidence (rag) ")])
    report = check(path)
    assert report.issues == []
    assert report.data.sheets["actions"][0].get("lead_officer") == "Sam Lee"


def test_a_missing_column_is_one_error_by_name_with_no_cascade(tmp_path: Path) -> None:
    # RAG is needed for an action in progress: without the column that is not said per row.
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": None}, {"action_id": "A-02"}]},
                        mutations=[delete_column("Actions", "RAG")])
    report = check(path)
    assert said(report) == [
        'The column "RAG" is missing from Actions. Restore the header text exactly as in the '
        "template."]


def test_a_renamed_column_is_read_with_a_warning(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx",
                        mutations=[rename_column("Actions", "Lead officer", "Lead officers")])
    report = check(path)
    assert said(report) == [
        'Actions!E4 (Lead officer): The column "Lead officer" is headed "Lead officers". It was '
        "read as Lead officer, but put the header back exactly as in the template."]
    assert report.valid and report.data.sheets["actions"][0].get("lead_officer") == "Sam Lee"


@pytest.mark.parametrize("typed", ["Due date", "Baseline due date", "due date (BASELINE)"])
def test_a_header_shortened_or_reordered_is_read_as_renamed(tmp_path: Path, typed: str) -> None:
    path = build_return(tmp_path / "r.xlsx",
                        mutations=[rename_column("Actions", "Due date (baseline)", typed)])
    report = check(path)
    if typed.casefold() == "due date (baseline)":
        assert said(report) == []
    else:
        assert flat(report) == [("Actions", "I4", "renamed-column")]
    assert report.valid
    assert report.data.sheets["actions"][0].get("due_date") == date(2010, 3, 31)


def test_a_column_renamed_beyond_recognition_is_missing_and_extra(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx",
                        mutations=[rename_column("Actions", "Lead officer", "Who")])
    report = check(path)
    assert flat(report) == [("Actions", "", "missing-column"), ("Actions", "E4", "extra-column")]
    assert said(report)[1] == (
        'Actions!E4: The column "Who" is not part of the return and was ignored. Move anything '
        "important into Commentary or Progress update.")


def test_a_duplicated_column_is_reported_once(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[duplicate_column("Actions", "RAG")])
    report = check(path)
    assert said(report) == [
        'Actions!T4 (RAG): The column "RAG" appears twice in Actions (columns N and T). Delete '
        "one of them."]


def test_no_header_row(tmp_path: Path) -> None:
    def wipe_headers(wb: Any) -> None:
        for cell in wb["Risks"][4]:
            cell.value = None

    report = check(build_return(tmp_path / "r.xlsx", mutations=[wipe_headers]))
    assert said(report) == [
        'The Risks sheet has no header row: none of its top rows holds the column headers '
        '(such as "Risk ID", "Linked outcome or action", "Risk"). Restore the headers from the '
        "template."]


# --------------------------------------------------------------------------------------
# Rows


def _dimension(ref: str) -> Any:
    return lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(),
                              xml)


def test_every_row_is_read_whatever_the_dimension_tag_says(tmp_path: Path) -> None:
    rows = [{"action_id": f"A-{i:04d}", "outcome_id": "O-01"} for i in range(1, 3001)]
    path = build_return(tmp_path / "r.xlsx", {"actions": rows,
                                              "milestones": [{"action_id": "A-3000"}]},
                        spare_rows=0)
    part = sheet_part(path, "Actions")
    with zipfile.ZipFile(path) as z:
        assert b'<dimension ref="A1:S3004"/>' in z.read(part)
    rewrite_parts(path, {part: _dimension("A1")})
    with zipfile.ZipFile(path) as z:
        assert b'<dimension ref="A1"/>' in z.read(part)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["Actions"].max_row == 1  # what a reader that trusts the tag would see
    wb.close()
    report = check(path)
    assert report.issues == []
    actions = report.data.sheets["actions"]
    assert len(actions) == 3000
    assert (actions[-1].row, actions[-1].get("action_id")) == (3004, "A-3000")


def test_wholly_empty_rows_are_skipped(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [
        {"action_id": "A-01"},
        dict.fromkeys(("action_id", "outcome_id", "description", "lead_agency", "lead_officer",
                       "cost", "resources", "start_date", "due_date", "status",
                       "percent_complete", "rag", "progress")),
        {"action_id": "A-02", "rag": "Gren"},
    ]}, mutations=[type_into("Actions", "C6", "   ")])  # spaces alone are empty too
    report = check(path)
    assert [r.row for r in report.data.sheets["actions"]] == [5, 7]
    assert flat(report) == [("Actions", "N7", "not-in-list")]


# --------------------------------------------------------------------------------------
# What a cell can hold


def test_the_1904_date_system(tmp_path: Path) -> None:
    def mac(wb: Any) -> None:
        wb.epoch = CALENDAR_MAC_1904

    path = build_return(tmp_path / "r.xlsx", mutations=[mac])
    with zipfile.ZipFile(path) as z:
        assert b'date1904="1"' in z.read("xl/workbook.xml")
        # 1 April 2009 is day 39904 from 1900 but 38442 from 1904
        assert b"<v>38442</v>" in z.read(sheet_part(path, "Actions"))
    report = check(path)
    assert report.issues == []
    action = report.data.sheets["actions"][0]
    assert (action.get("start_date"), action.get("due_date")) == \
        (date(2009, 4, 1), date(2010, 3, 31))


def _inline_strings(path: Path) -> None:
    """Rewrite every shared-string cell of the data sheets as an inline string."""
    with zipfile.ZipFile(path) as z:
        shared = re.findall(rb"<si>(.*?)</si>", z.read("xl/sharedStrings.xml"), re.S)

    def inline(xml: bytes) -> bytes:
        return re.sub(rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="s"><v>([0-9]+)</v></c>',
                      lambda m: b'<c r="' + m.group(1) + b'"' + (m.group(2) or b"")
                      + b' t="inlineStr"><is>' + shared[int(m.group(3))] + b"</is></c>", xml)

    rewrite_parts(path, {sheet_part(path, name): inline
                         for name in ("Outcomes", "Actions", "Milestones", "Assurance", "Risks",
                                      "Recovery")})


def test_inline_strings(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]})
    _inline_strings(path)
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part(path, "Actions"))
    assert b't="inlineStr"><is><t>Gren</t></is>' in xml and b't="s"' not in xml
    report = check(path)
    assert flat(report) == [("Actions", "N5", "not-in-list")]
    assert report.data.sheets["outcomes"][0].get("title") == "Fewer young people NEET"


def test_formula_with_no_value_is_reported_at_its_cell(tmp_path: Path) -> None:
    # openpyxl saves formulas with no calculated value, as a program that never calculates
    # would; the risk score's own formula (on every row) is worked out, not reported.
    path = build_return(tmp_path / "r.xlsx",
                        mutations=[formula_into("Actions", "M5", "=20+20")])
    with zipfile.ZipFile(path) as z:
        risks = z.read(sheet_part(path, "Risks"))
    assert re.search(rb'<c r="F5"[^>]*><f>[^<]+</f><v\s*/></c>', risks)
    report = check(path)
    assert said(report) == [
        "Actions!M5 (% complete): The cell holds a formula with no calculated value, so it "
        "cannot be read. Open the workbook in Excel, press Ctrl+Alt+F9, save it, and send it "
        "again."]
    assert report.data.sheets["risks"][0].get("score") == 8


def test_error_cells_are_reported_not_read_as_blank(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[
        type_into("Actions", "F5", 0), type_into("Outcomes", "I5", 0)])
    part_a, part_o = sheet_part(path, "Actions"), sheet_part(path, "Outcomes")

    def error(ref: str, text: bytes, formula: bytes = b"") -> Any:
        f = b"<f>" + formula + b"</f>" if formula else b""
        return lambda xml: re.sub(rb'<c r="' + ref.encode() + rb'"( s="[0-9]+")?[^>]*>.*?</c>',
                                  lambda m: b'<c r="' + ref.encode() + b'"' + (m.group(1) or b"")
                                  + b' t="e">' + f + b"<v>" + text + b"</v></c>", xml)

    rewrite_parts(path, {part_a: error("F5", b"#REF!"),
                         part_o: error("I5", b"#DIV/0!", b"1/0")})
    report = check(path)
    assert said(report) == [
        'Outcomes!I5 (Baseline): The cell shows the error "#DIV/0!". Replace it with a value.',
        'Actions!F5 (Cost (£)): The cell shows the error "#REF!". Replace it with a value.',
    ]
    assert "cost" not in report.data.sheets["actions"][0].values


def test_a_formula_calculated_to_empty_text_is_blank(tmp_path: Path) -> None:
    # LibreOffice saves the template's unused risk rows with the score formula calculated to
    # "" (t="str", an empty <v>): those rows are empty, not rows missing their risk.
    path = build_return(tmp_path / "r.xlsx", spare_rows=3)
    part = sheet_part(path, "Risks")
    rewrite_parts(path, {part: lambda xml: re.sub(
        rb'(<c r="F[6-8]" s="[0-9]+")>', rb'\1 t="str">', xml)})
    with zipfile.ZipFile(path) as z:
        assert len(re.findall(rb't="str"><f>[^<]*</f><v></v>', z.read(part))) == 3
    report = check(path)
    assert report.issues == []
    assert len(report.data.sheets["risks"]) == 1


# --------------------------------------------------------------------------------------
# Files that are not returns, each with its own message


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (the container of .xls files and of password-protected
    .xlsx files) holding the given streams, each at least 4,096 bytes."""
    end, free, fatsect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    sectors: list[bytes] = []
    fat = [fatsect, end]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for data in streams.values():
        assert len(data) >= 4096
        data += b"\0" * (-len(data) % 512)
        n = len(data) // 512
        first = 2 + len(sectors)
        starts.append(first)
        fat += [first + i + 1 for i in range(n - 1)] + [end]
        sectors += [data[i * 512:(i + 1) * 512] for i in range(n)]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free, right,
                                                   child)
                + b"\0" * 36 + struct.pack("<IQ", start, size))

    names = list(streams)
    directory = entry("Root Entry", 5, 1, free, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else free
        directory += entry(name, 2, free, right, starts[i], len(streams[name]))
    directory = directory.ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + b"".join(sectors)


def test_a_password_protected_workbook(tmp_path: Path) -> None:
    # Excel saves a workbook with a password to open as an OLE2 file holding the encrypted
    # package, whatever its name says.
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    path = tmp_path / "protected.xlsx"
    path.write_bytes(_cfb({"EncryptionInfo": info.ljust(4096, b"\0"),
                           "EncryptedPackage": os.urandom(8192)}))
    assert only_issue(path) == ("password-protected", (
        "The workbook is protected with a password to open, so it cannot be read. Remove the "
        "password (File > Info > Protect Workbook > Encrypt with Password, clear it) and send "
        "it again."))


def test_an_ole_file_without_encryption_is_an_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(_cfb({"Workbook": os.urandom(4096)}))
    assert only_issue(path)[0] == "xls-file"


@pytest.mark.parametrize("name, data, code, message", [
    ("empty.xlsx", b"", "empty-file",
     "The file is empty (0 bytes). Send the workbook again, saved as .xlsx."),
    ("list.xlsx", b"Action ID,Outcome ID\r\nA-01,O-01\r\n", "csv-file",
     "The file is plain text or CSV, not a workbook: the sheets, dropdowns and checks are "
     "lost. Fill in the workbook you were sent and return it as .xlsx."),
    ("unicode.xlsx", "Action ID\tOutcome ID\r\nA-01\t£5\r\n".encode("utf-16"), "csv-file",
     "The file is plain text or CSV, not a workbook: the sheets, dropdowns and checks are "
     "lost. Fill in the workbook you were sent and return it as .xlsx."),
    ("page.xlsx", b"<!DOCTYPE html><html><body><table><tr><td>A-01</td></tr></table>",
     "html-file",
     "The file is a web page (HTML) saved with an .xlsx name. Fill in the workbook you were "
     "sent and return it as .xlsx."),
    ("noise.xlsx", bytes(range(256)) * 40, "not-xlsx",
     "The file is not an Excel workbook (.xlsx): its contents are not a workbook. Open the "
     "return in Excel and use File > Save As > Excel Workbook (*.xlsx)."),
    ("scan.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "pdf-file",
     "The file is a PDF: a printout of the return, whose figures cannot be checked or rolled "
     "up. Send the workbook itself (the .xlsx you filled in), not a printout of it."),
])
def test_files_that_are_not_workbooks(tmp_path: Path, name: str, data: bytes, code: str,
                                      message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert only_issue(path) == (code, message)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "random.xlsx"
    path.write_bytes(os.urandom(20000))
    assert only_issue(path)[0] == "not-xlsx"


@pytest.mark.parametrize("cut", [0.5, 0.98])
def test_a_truncated_zip(tmp_path: Path, cut: float) -> None:
    good = build_return(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: int(len(good) * cut)])
    assert only_issue(path) == ("damaged-file", (
        "The workbook is damaged and cannot be read (it is a truncated or broken zip archive). "
        "Open it in Excel; if it opens, save it again as .xlsx, otherwise send the last good "
        "copy."))


def test_a_workbook_not_made_from_the_template(tmp_path: Path) -> None:
    path = tmp_path / "own.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Actions"  # a data sheet's name, but nothing of ours
    wb.active.append(["Action", "Who", "When"])
    wb.save(path)
    assert only_issue(path) == ("not-our-template", (
        "This workbook was not made from the laa-xl return template. Copy your data into the "
        "template you were sent."))


def test_an_identity_sheet_that_is_not_ours(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx",
                        mutations=[type_into("_laa_xl", "B2", "something else")])
    assert only_issue(path) == ("not-our-template", (
        "This workbook was not made from the laa-xl return template (its identity sheet is "
        "not ours). Copy your data into the template you were sent."))


def test_data_copied_into_a_workbook_without_the_identity_sheet(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"actions": [{"rag": "Gren"}]},
                        mutations=[delete_sheet("_laa_xl")])
    report = check(path)
    assert flat(report) == [("", "", "not-our-template"), ("Actions", "N5", "not-in-list")]
    assert said(report)[0] == (
        "This workbook was not made from the laa-xl return template (its hidden identity sheet "
        "is missing, so its partnership and period are unknown). Copy your data into the "
        "template you were sent.")


def test_a_template_version_this_tool_does_not_read(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[type_into("_laa_xl", "B3", "2.0")])
    assert said(check(path)) == [
        "The template is version 2.0; this tool reads version 1.0 or 1.1. Copy your data into the "
        "current template."]


def test_an_xlsb_workbook(tmp_path: Path) -> None:
    path = tmp_path / "binary.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert only_issue(path)[0] == "xlsb-file"


# --------------------------------------------------------------------------------------
# Hostile files: refused before anything parses them


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    good = build_return(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["xl/media/image1.png"] = b"\0" * (20 << 20)  # 20 MB of zeros packs to ~20 KB
    path = _zip(tmp_path / "bomb.xlsx", members)
    assert path.stat().st_size < 1 << 20
    code, message = only_issue(path)
    assert code == "too-large"
    assert message.startswith("The workbook is too large to check safely (xl/media/image1.png "
                              "is compressed ")
    assert "to 1, like a zip bomb)" in message


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """Change the uncompressed size a zip's central directory declares for one member."""
    name = member.encode()
    at = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    return data[: at + 24] + struct.pack("<I", size) + data[at + 28:]


def test_a_part_declared_too_large_is_refused_unread(tmp_path: Path) -> None:
    good = build_return(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "declared.xlsx"
    path.write_bytes(_declare_size(good, "xl/sharedStrings.xml", 3_000_000_000))
    assert only_issue(path) == ("too-large", (
        "The workbook is too large to check safely (xl/sharedStrings.xml would unpack to "
        "3,000,000,000 bytes). A return should be well under these limits: remove pasted "
        "images or stray data far below or to the right of the tables."))


def test_a_part_that_unpacks_larger_than_declared_is_damaged(tmp_path: Path) -> None:
    good = build_return(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "lying.xlsx"
    path.write_bytes(_declare_size(good, "xl/sharedStrings.xml", 100))
    code, message = only_issue(path)
    assert code == "damaged-file"
    assert message.startswith("The workbook is damaged and cannot be read "
                              "(xl/sharedStrings.xml cannot be unpacked: Bad CRC-32")


def test_limits_can_be_set(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx")
    result = read_return(path, Limits(max_file_bytes=1000))
    assert result.data is None and result.issues[0].code == "too-large"
    result = read_return(path, Limits(max_rows=12))  # Assurance: 4 + 10 rows
    assert result.data is not None
    assert {(i.code, i.sheet) for i in result.issues} >= {("too-many-rows", "Assurance")}


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1
                                                   else b"&lol;" * 10) for i in range(1, 10))
          + b"]>\n")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "Actions"])
def test_a_dtd_in_any_part_is_refused(tmp_path: Path, part: str) -> None:
    path = build_return(tmp_path / "r.xlsx")
    name = sheet_part(path, part) if part == "Actions" else part

    def entities(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return LAUGHS + body.replace(b"</t>", b"&lol9;</t>", 1)

    rewrite_parts(path, {name: entities})
    assert only_issue(path) == ("hostile-xml", (
        f"The workbook contains XML that laa-xl refuses to read ({name} declares a DTD or "
        "entities). Excel never writes this: copy your data into a fresh template."))


def test_a_dtd_in_a_utf16_part_is_refused(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx")
    rewrite_parts(path, {"xl/sharedStrings.xml": lambda xml: (
        LAUGHS.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
        + xml.split(b"?>", 1)[1]).decode().encode("utf-16")})
    assert only_issue(path)[0] == "hostile-xml"


# --------------------------------------------------------------------------------------
# Far-away cells: calamine would lay out a dense grid to them


def _append_row(xml: bytes, row: bytes) -> bytes:
    return xml.replace(b"</sheetData>", row + b"</sheetData>")


def test_values_out_to_the_limits_are_read(tmp_path: Path) -> None:
    # Past column Z or row 99,999 a sheet's extent is worked out cell by cell, not proved at
    # a glance: a value in column AB and one in row 100,000 (the last that is read) are
    # within the limits, so the sheet is read.
    plain = check(build_return(tmp_path / "plain.xlsx"))
    path = build_return(tmp_path / "r.xlsx", mutations=[
        type_into("Actions", "AB30", "note to self"), type_into("Actions", "A100000", "A-99")])
    report = check(path)
    assert "too-many-rows" not in {i.code for i in report.issues}
    assert [r.row for r in report.data.sheets["actions"]][-1] == 100_000
    assert report.data.sheets["actions"][-1].get("action_id") == "A-99"
    assert len(report.data.sheets["actions"]) == len(plain.data.sheets["actions"]) + 1


def test_a_far_away_value_leaves_the_rest_of_the_workbook_read(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", {"outcomes": [{"theme": "Transport"}]},
                        mutations=[type_into("Actions", "XFD1048576", "stray")])
    report = check(path)
    assert flat(report) == [("Outcomes", "D5", "not-in-list"),
                            ("Actions", "", "too-many-rows")]
    assert said(report)[1] == (
        "The Actions sheet has data down to row 1,048,576; laa-xl reads at most 100,000 rows, "
        "so the sheet was not read. Delete stray data below the table (Ctrl+End goes to the "
        "last cell that holds anything).")


def test_a_value_far_to_the_right(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx", mutations=[type_into("Risks", "XFD5", "x")])
    report = check(path)
    assert flat(report) == [("Risks", "", "too-large")]
    assert said(report) == [
        "The workbook is too large to check safely (the Risks sheet has data out to column XFD; "
        "laa-xl reads at most 200 columns there, so that sheet was not read). A return should be "
        "well under these limits: remove pasted images or stray data far below or to the right "
        "of the tables."]
    assert report.data.sheets["actions"]  # the rest of the workbook is read


def test_formatted_blank_cells_far_down_take_no_room(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx")
    part = sheet_part(path, "Actions")
    rewrite_parts(path, {part: lambda xml: _append_row(
        xml, b'<row r="1048576"><c r="XFD1048576" s="3"/></row>')})
    assert check(path).issues == []


# Each of these hides a value at XFD1048576 from a scan that reads the XML too simply; if
# calamine were let loose on one it would ask for 17 billion cells and abort the process.
FAR_CELLS = {
    "plain": b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    "space before the value": b'<row r="1048576"><c r="XFD1048576">\n  <v>1</v></c></row>',
    "> inside an attribute": b'<row r="1048576"><c x=">" r="XFD1048576"><v>1</v></c></row>',
    "'row ' in the text": b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>row 1</t>'
                          b"</is></c></row>",
    "lower-case reference": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "single quotes": b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "a new line after the tag name": b'<row r="1048576"><c\nr="XFD1048576"><v>1</v></c></row>',
    "a tab before the reference": b'<row r="1048576"><c s="1"\tr="XFD1048576"><v>1</v></c></row>',
    "reference after another attribute": b'<row r="1048576"><c s="1" r="XFD1048576"><v>1</v>'
                                         b"</c></row>",
    "a namespace prefix": b'<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.org/'
                          b'spreadsheetml/2006/main" r="XFD1048576"><x:v>1</x:v></x:c></row>',
    "rows out of order": b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                         b'<row r="8"><c r="A8"><v>1</v></c></row>',
    "no reference on the cell": b'<row r="1048576"><c><v>1</v></c></row>',
    "behind a comment": b'<!-- <c a=" --><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                        b'<!-- " -->',
    "a reference too long to count": b'<row r="9"><c r="A99999999999"><v>1</v></c></row>',
}

MEMORY_LIMIT = 1 << 30  # calamine asks for hundreds of gigabytes; the check needs far less

CHILD = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from laa_xl.rules import check_file
    for path in sys.argv[1:]:
        report = check_file(path)
        print(path, sorted((i.code, i.sheet) for i in report.issues), flush=True)
""")


def test_far_away_cells_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    good = build_return(tmp_path / "good.xlsx")
    part = sheet_part(good, "Actions")
    paths = []
    for i, (what, row) in enumerate(FAR_CELLS.items()):
        path = rewrite_parts(good, {part: lambda xml, row=row: _append_row(xml, row)},
                             out=tmp_path / f"far{i}.xlsx")
        paths.append((what, path))
    paths.append(("typed by openpyxl", build_return(
        tmp_path / "typed.xlsx", mutations=[type_into("Actions", "XFD1048576", "x")])))
    proc = subprocess.run([sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT),
                           *(str(p) for _, p in paths)],
                          capture_output=True, text=True, timeout=300, cwd=HERE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == len(paths)
    for (what, path), line in zip(paths, lines, strict=True):
        assert line == f"{path} [('too-many-rows', 'Actions')]", what


def test_values_off_the_end_of_a_row_without_references_are_read(tmp_path: Path) -> None:
    # Cells with no reference follow the one before them, as calamine places them.
    path = build_return(tmp_path / "r.xlsx")
    part = sheet_part(path, "Actions")
    rewrite_parts(path, {part: lambda xml: _append_row(
        xml, b'<row r="6"><c t="inlineStr"><is><t>A-02</t></is></c>'
             b'<c t="inlineStr"><is><t>O-01</t></is></c></row>')})
    report = check(path)
    assert [r.get("action_id") for r in report.data.sheets["actions"]] == ["A-01", "A-02"]
    assert ("Actions", "C6", "required") in flat(report)


# --------------------------------------------------------------------------------------
# LibreOffice: a return saved there reads the same; an .ods or .xls renamed is refused


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lo")
    src = build_return(folder / "return.xlsx", {
        "actions": [{"rag": "Gren"}, {"action_id": "A-02", "due_date": date(2009, 3, 1)}]},
        spare_rows=4)
    _inline_strings(src)  # LibreOffice reads inline strings too, and writes shared ones
    out = {"source": src}
    out["resaved"] = convert(src, "xlsx", folder / "resaved")
    for fmt in ("ods", "xls"):
        converted = convert(src, fmt, folder / fmt)
        out[fmt] = converted.rename(converted.with_suffix(".xlsx"))
    return out


@needs_libreoffice
def test_a_return_resaved_by_libreoffice_reads_the_same(libreoffice_files: dict[str, Path]
                                                        ) -> None:
    before = check(libreoffice_files["source"])
    after = check(libreoffice_files["resaved"])
    with zipfile.ZipFile(libreoffice_files["resaved"]) as z:
        assert b'<fileVersion appName="Calc"/>' in z.read("xl/workbook.xml")
    assert flat(after) == flat(before) == [
        ("Actions", "N5", "not-in-list"), ("Actions", "I6", "date-order")]
    assert after.data.to_document() == before.data.to_document()


@needs_libreoffice
@pytest.mark.parametrize("fmt, code, message", [
    ("ods", "ods-file",
     "The file is in LibreOffice's OpenDocument format (.ods), which laa-xl cannot check. In "
     "LibreOffice use File > Save As, choose Excel 2007-365 (.xlsx) and keep that format, "
     "then send the .xlsx."),
    ("xls", "xls-file",
     "The file is saved in the old Excel 97-2003 format (.xls), which laa-xl cannot check. "
     "Open it in Excel and use File > Save As > Excel Workbook (*.xlsx), then send the .xlsx."),
])
def test_other_spreadsheet_formats_renamed_xlsx(libreoffice_files: dict[str, Path], fmt: str,
                                                code: str, message: str) -> None:
    assert only_issue(libreoffice_files[fmt]) == (code, message)


def test_reading_never_changes_the_file(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    check(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    mutate(path, out=tmp_path / "copy.xlsx")
    assert path.read_bytes() == before[0]


def test_a_sheet_sharing_a_few_headers_does_not_stand_in(tmp_path: Path) -> None:
    def notes(wb: Any) -> None:
        ws = wb.create_sheet("Notes")
        ws.append(["Status", "Comment"])  # two of the Milestones headers
        ws.append(["Open", "Ask Sam"])

    path = build_return(tmp_path / "r.xlsx", mutations=[delete_sheet("Milestones"), notes])
    assert said(check(path)) == [
        "The Milestones sheet is missing. Put it back with its original name, from the "
        "template you were sent."]


def test_a_sheet_with_more_rows_than_the_limit(tmp_path: Path) -> None:
    path = build_return(tmp_path / "r.xlsx")
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
                    for n in range(10, 150_010))
    rewrite_parts(path, {sheet_part(path, "Milestones"): lambda xml: _append_row(xml, rows)})
    report = check(path)
    assert flat(report) == [("Milestones", "", "too-many-rows")]
    assert said(report) == [
        "The Milestones sheet has data down to row 150,009; laa-xl reads at most 100,000 rows, "
        "so the sheet was not read. Delete stray data below the table (Ctrl+End goes to the "
        "last cell that holds anything)."]
    assert report.data.sheets["actions"] and not report.data.sheets["milestones"]


STRICT = {"http://schemas.openxmlformats.org/spreadsheetml/2006/main":
          "http://purl.oclc.org/ooxml/spreadsheetml/main",
          "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
          "http://purl.oclc.org/ooxml/officeDocument/relationships"}


def as_strict(source: Path, target: Path) -> Path:
    """The same workbook as Excel saves it with "Strict Open XML Spreadsheet"."""
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                text = data.decode()
                for old, new in STRICT.items():
                    text = text.replace(old, new)
                data = text.encode()
            out.writestr(info, data)
    return target


@pytest.mark.parametrize("code", ["ANY", "SMR"])
def test_a_strict_open_xml_workbook_reads_as_the_same_workbook_saved_plainly(
        code: str, tmp_path: Path, sample_region: Any) -> None:
    plain = HERE.parent / "samples" / "returns" / "2009-10-Q2" / f"LAA-return-2009-10-Q2-{code}.xlsx"
    strict = as_strict(plain, tmp_path / plain.name)
    assert b"purl.oclc.org/ooxml/spreadsheetml/main" in zipfile.ZipFile(strict).read(
        "xl/workbook.xml")

    def found(path: Path) -> list[tuple[str, str, str, str]]:
        return [(i.code, i.sheet, i.cell, i.message)
                for i in check_file(path, sample_region).issues]

    assert found(strict) == found(plain)
    assert found(plain) if code == "SMR" else not found(plain)


def test_an_excel_table_total_row_is_left_out_with_one_warning(tmp_path: Path,
                                                               sample_region: Any) -> None:
    plain = HERE.parent / "samples" / "returns" / "2009-10-Q2" / "LAA-return-2009-10-Q2-ANY.xlsx"

    def total_row(wb: Any) -> None:
        ws = wb["Actions"]
        table = next(iter(ws.tables.values()))
        assert table.ref == "A4:S430"
        table.ref, table.totalsRowCount = "A4:S431", 1
        ws["A431"], ws["J431"] = "Total", 125000  # what Excel's Total Row puts there

    totalled = mutate(plain, total_row, out=tmp_path / plain.name)
    before = check_file(plain, sample_region)
    after = check_file(totalled, sample_region)
    assert [(i.code, i.severity, i.sheet, i.cell, i.message) for i in after.issues] == [
        ("total-row", "warning", "Actions", "A431",
         "Row 431 is the table's Total Row (its sums, not a row of data), so it was left out. "
         "To turn it off, click in the table and untick Total Row on the Table Design tab.")]
    assert after.data.sheets["actions"] == before.data.sheets["actions"]


@pytest.mark.parametrize("typed, quoted", [(-5, "-5"), (-0.5, "-0.5")])
def test_a_negative_date_serial_is_quoted_as_typed(typed: float, quoted: str, tmp_path: Path,
                                                   sample_region: Any) -> None:
    plain = HERE.parent / "samples" / "returns" / "2009-10-Q2" / "LAA-return-2009-10-Q2-ANY.xlsx"
    typed_in = mutate(plain, type_into("Milestones", "E5", typed, number_format="dd/mm/yyyy"),
                      out=tmp_path / plain.name)
    found = [(i.code, i.sheet, i.cell, i.message) for i in check_file(typed_in, sample_region).issues]
    assert found == [("not-a-date", "Milestones", "E5",
                      f"{quoted} is not a date. Enter it as dd/mm/yyyy, such as 31/03/2010.")]


def test_a_sheet_without_cell_references_is_measured_as_a_spreadsheet_lays_it_out(
        tmp_path: Path, sample_region: Any) -> None:
    """Cells without an r attribute (as some exporters write them) fall in the column after
    the one before: a row of 250 reaches column IP, and the message says so."""
    plain = HERE.parent / "samples" / "returns" / "2009-10-Q2" / "LAA-return-2009-10-Q2-ANY.xlsx"
    part = sheet_part(plain, "Actions")

    def no_references(xml: bytes) -> bytes:
        xml = re.sub(rb' r="[A-Z]+[0-9]+"', b"", xml)
        xml = re.sub(rb'<row r="[0-9]+"', b"<row", xml)
        wide = b'<c t="inlineStr"><is><t>x</t></is></c>' * 250
        return xml.replace(b"</sheetData>", b"<row>" + wide + b"</row></sheetData>")

    bare = rewrite_parts(plain, {part: no_references}, out=tmp_path / plain.name)
    (issue,) = [i for i in check_file(bare, sample_region).issues if i.code == "too-large"]
    assert "the Actions sheet has data out to column IP; laa-xl reads at most 200 columns" \
        in issue.message
