"""What a file really is, told from its first bytes before it is opened as a workbook.

Returns arrive by email, and a file named .xlsx may be a CSV, an old .xls, a web page or a
PDF saved under that name, or an .ods or password-protected workbook: each is named for
what it is, so that the partner is told what to send instead.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

from ..errors import ReadError
from ..hashing import stream_sha256
from ..issues import IssueCode
from .archive import head_of
from .limits import Limits


def check_file(path: Path, limits: Limits) -> str:
    """The file's SHA-256; ReadError if it is empty, too large or plainly not an .xlsx."""
    size = path.stat().st_size
    if size == 0:
        raise ReadError("", code="empty-file")
    if size > limits.max_file_bytes:
        raise ReadError(f"the file is {size:,} bytes", code="too-large")
    with path.open("rb") as fh:
        head = fh.read(4096)
        fh.seek(0)
        digest = stream_sha256(fh)
    kind = sniff(head)
    if kind is not None:
        found, detail = kind
        code: IssueCode = ole_kind(path, limits) if found == "ole" else found
        raise ReadError(detail, code=code)
    return digest


def sniff(head: bytes) -> tuple[IssueCode | Literal["ole"], str] | None:
    """(code, detail) for a file that is plainly not an .xlsx, from its first bytes."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ("ole", "")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" is UTF-16
        body = head[2: len(head) - len(head) % 2]
        head = body.decode("utf-16-le" if head[0] == 0xFF else "utf-16-be",
                           "replace").encode("utf-8")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        if b"<html" in text or b"<!doctype html" in text or b"<table" in text:
            return ("html-file", "")
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            return ("not-xlsx", ": it is an Excel 2003 XML spreadsheet")
        return ("not-xlsx", ": it is an XML file")
    if head.startswith(b"%PDF"):
        return ("pdf-file", "")
    if head.startswith(b"{\\rtf"):
        return ("not-xlsx", ": it is a Word (RTF) document")
    if looks_like_text(head):
        return ("csv-file", "")
    return ("not-xlsx", ": its contents are not a workbook")


def looks_like_text(head: bytes) -> bool:
    """Mostly printable characters, read as UTF-8 (or, failing that, Windows Latin-1)."""
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError as err:
        # The sample may end part-way through a character: judge what comes before it.
        if err.start >= len(head) - 3:
            sample = head[: err.start].decode("utf-8", "replace")
        else:
            sample = head.decode("cp1252", "replace")
    sample = sample.lstrip("\ufeff")
    if not sample:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable >= 0.95 * len(sample) and "\ufffd" not in sample


def ole_kind(path: Path, limits: Limits) -> IssueCode:
    """An OLE2 file is an old .xls, or an .xlsx encrypted with a password to open."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        data = fh.read(limits.max_file_bytes)
    return "password-protected" if marker in data else "xls-file"


def refuse_other_zips(z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> None:
    """ReadError for a zip that is not an .xlsx to read: an OpenDocument spreadsheet, or one
    whose parts are encrypted."""
    if "mimetype" in members and b"opendocument" in head_of(z, members["mimetype"]):
        raise ReadError("", code="ods-file")
    if any(i.flag_bits & 0x1 for i in members.values()):
        raise ReadError("", code="password-protected")
