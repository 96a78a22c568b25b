"""Reading a workbook's zip parts safely, and the list of its sheets.

No part is unpacked past the size the zip declares for it, a part (or the zip as a whole)
over the limits is refused before it is unpacked, and a part holding a DTD is refused as an
entity attack: Excel never writes one.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ..errors import ReadError
from .limits import Limits

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# The same parts saved as "Strict Open XML" (an Excel save option) use these namespaces instead.
NS_STRICT = {NS_MAIN: "http://purl.oclc.org/ooxml/spreadsheetml/main",
             NS_REL: "http://purl.oclc.org/ooxml/officeDocument/relationships"}
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def read_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """A part's bytes, decompressed no further than it declares; refuses a DTD."""
    if info.file_size > limits.max_part_bytes:
        raise ReadError(f"{info.filename} would unpack to {info.file_size:,} bytes",
                        code="too-large")
    try:
        with z.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            ValueError) as err:
        raise ReadError(f"{info.filename} cannot be unpacked: {err}", code="damaged-file") from err
    except RuntimeError as err:  # zipfile raises this for encrypted members
        raise ReadError(str(err), code="password-protected") from err
    if len(data) != info.file_size:
        raise ReadError(f"{info.filename} is not the size the zip declares", code="damaged-file")
    refuse_dtd(data, info.filename)
    return data


_ROOT_START = re.compile(rb"<(?![?!])")


def refuse_dtd(data: bytes, name: str) -> None:
    """Excel never writes a DTD; one in a part can only be an entity attack (XXE, bombs)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:2] in (b"<\x00", b"\x00<"):
        # A part in UTF-16: look at it as UTF-8, so the DTD cannot hide between zero bytes.
        head = data[:1 << 20]
        enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else \
            ("utf-16-le" if head[:1] == b"<" else "utf-16-be")
        data = head.decode(enc, "replace").encode("utf-8")
    m = _ROOT_START.search(data)
    prolog = data[: m.start()] if m else data
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise ReadError(f"{name} declares a DTD or entities", code="hostile-xml")


def check_members(z: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The zip's parts by name, once their count, sizes and compression are within limits."""
    infos = z.infolist()
    if len(infos) > limits.max_members:
        raise ReadError(f"it holds {len(infos):,} parts", code="too-large")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            raise ReadError(f"{info.filename} would unpack to {info.file_size:,} bytes",
                            code="too-large")
        if info.file_size > 1024 * 1024 and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ReadError(f"{info.filename} is compressed {info.file_size // max(info.compress_size, 1):,} "
                            "to 1, like a zip bomb", code="too-large")
    if total > limits.max_total_bytes:
        raise ReadError(f"its parts would unpack to {total:,} bytes", code="too-large")
    return {i.filename: i for i in infos}


def parse_xml(data: bytes, name: str) -> Any:
    """A small part (the workbook, its relationships) as an element tree."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as err:
        raise ReadError(f"{name}: {err}", code="hostile-xml") from err
    except SafeET.ParseError as err:
        raise ReadError(f"{name} is not well-formed XML ({err})", code="damaged-file") from err
    except LookupError as err:  # an encoding Python does not know, such as encoding="A1"
        raise ReadError(f"{name} is not readable XML ({err})", code="damaged-file") from err


def percent_styles(styles: bytes) -> frozenset[int]:
    """The cell styles (their indexes in cellXfs) whose number format shows a percentage:
    Excel's built-in 0% and 0.00%, or a format of the file's own with a % in it."""
    root = parse_xml(styles, "xl/styles.xml")
    main = _namespaces(root)[0]
    percent = {9, 10}
    for fmt in root.iter(f"{{{main}}}numFmt"):
        code = re.sub(r'"[^"]*"|\\.', "", fmt.get("formatCode", ""))  # quoted text aside
        if "%" in code and (fmt.get("numFmtId") or "").isdigit():
            percent.add(int(fmt.get("numFmtId") or 0))
    xfs = root.find(f"{{{main}}}cellXfs")
    if xfs is None:
        return frozenset()
    return frozenset(i for i, xf in enumerate(xfs.iter(f"{{{main}}}xf"))
                     if (xf.get("numFmtId") or "").isdigit()
                     and int(xf.get("numFmtId") or 0) in percent)


@dataclass
class SheetInfo:
    """One sheet as the workbook lists it: its name, visibility and the part holding it."""

    name: str
    state: str
    part: str


def workbook_sheets(z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
                    limits: Limits) -> list[SheetInfo]:
    """Sheet names, visibility and part paths, from workbook.xml and its relationships."""
    wb_name = "xl/workbook.xml"
    if "[Content_Types].xml" not in members:
        raise ReadError("the part [Content_Types].xml is missing", code="damaged-file")
    if wb_name not in members:
        if "xl/workbook.bin" in members:
            raise ReadError("", code="xlsb-file")
        raise ReadError("the workbook part xl/workbook.xml is missing", code="damaged-file")
    read_part(z, members["[Content_Types].xml"], limits)
    root = parse_xml(read_part(z, members[wb_name], limits), wb_name)
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in members:
        rels = parse_xml(read_part(z, members[rels_name], limits), rels_name)
        for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else \
                str(PurePosixPath("xl") / target)
            targets[rel.get("Id", "")] = _normpath(path)
    out = []
    main, rel_ns = _namespaces(root)
    for el in root.iter(f"{{{main}}}sheet"):
        rid = el.get(f"{{{rel_ns}}}id", "")
        out.append(SheetInfo(el.get("name", ""), el.get("state", "visible"),
                             targets.get(rid, "")))
    if not out:
        raise ReadError("the workbook lists no sheets", code="damaged-file")
    return out


def _namespaces(root: Any) -> tuple[str, str]:
    """The spreadsheet and relationship namespaces a part uses: Transitional's, or Strict's."""
    if root.tag.startswith(f"{{{NS_STRICT[NS_MAIN]}}}"):
        return NS_STRICT[NS_MAIN], NS_STRICT[NS_REL]
    return NS_MAIN, NS_REL


def totals_rows(z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], sheet_part: str,
                limits: Limits) -> frozenset[int]:
    """The rows (1-based) of a sheet that are an Excel Table's Total Row, from the table parts
    the sheet's relationships name."""
    folder = PurePosixPath(sheet_part).parent
    rels_name = f"{folder}/_rels/{PurePosixPath(sheet_part).name}.rels"
    if rels_name not in members:
        return frozenset()
    data = read_part(z, members[rels_name], limits)
    if b"/table" not in data:  # most sheets' relationships name no table
        return frozenset()
    rels = parse_xml(data, rels_name)
    rows: set[int] = set()
    for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship"):
        if not rel.get("Type", "").endswith("/table"):
            continue
        target = rel.get("Target", "")
        name = _normpath(target.lstrip("/") if target.startswith("/") else f"{folder}/{target}")
        if name not in members:
            continue
        part = read_part(z, members[name], limits)
        if b"totalsRowCount" not in part:  # a table without a Total Row, as most are
            continue
        table = parse_xml(part, name)
        count = int(table.get("totalsRowCount") or 0) if \
            (table.get("totalsRowCount") or "0").isdigit() else 0
        last = re.search(r"(\d+)$", table.get("ref", ""))
        if count and last:
            end = int(last[1])
            rows.update(range(end - count + 1, end + 1))
    return frozenset(rows)


def head_of(z: zipfile.ZipFile, info: zipfile.ZipInfo, n: int = 100) -> bytes:
    """The first bytes of a part, unpacking no more than that."""
    try:
        with z.open(info) as fh:
            return fh.read(n)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as err:
        raise ReadError(f"{info.filename} cannot be unpacked: {err}",
                        code="damaged-file") from err


def _normpath(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)
