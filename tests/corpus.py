"""Every bad input the hostile-file tests use, each built by a small function from a valid return.

No binary is kept in the repository: each case writes its file at test time, from a return
built by `returns.build_return` (or from nothing), the way a partner, a mail system or an
attacker would have made it.  A case knows what laa-xl must say about its file::

    Case("truncated-zip", truncated, [("", "", "damaged-file")],
         damaged("it is a truncated or broken zip archive"))

`issues` is the whole report of the bad file, flattened to (sheet, cell, code) in report
order; `message` (when given) is the exact text of its first issue.  `nasty` cases could kill
a careless process (memory or time): they are run only in a subprocess with a memory limit.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils.datetime import CALENDAR_MAC_1904
from returns import (
    delete_column,
    duplicate_column,
    formula_into,
    hide_sheet,
    move_column,
    mutate,
    push_header_down,
    rename_sheet,
    rewrite_parts,
    sheet_part,
    type_into,
)

from laa_xl.issues import CATALOGUE, make_issue

Build = Callable[[Path, Path], None]  # (a valid return, where to write the bad file)
Flat = tuple[str, str, str]  # (sheet, cell, code)

GIB = 1 << 30
BOMB_BYTES = GIB  # what the zip bomb unpacks to


@dataclass(frozen=True)
class Case:
    """A bad input and what laa-xl must say about it."""

    name: str
    build: Build
    issues: list[Flat]  # the file's whole report, flattened, in report order
    # The first issue's exact text, or a function of the bad file giving it (for a size or
    # a count read from the file), or None when `starts` says how it begins.
    message: str | Callable[[Path], str] | None = None
    starts: str = ""  # how the first issue's text begins, where the rest is a library's words
    readable: bool = False  # the workbook is read (its data is in the report)
    nasty: bool = False  # could exhaust memory or time: run only under a memory limit
    needs: str = ""  # "libreoffice" when the case is made by converting with LibreOffice

    @property
    def file(self) -> str:
        return f"{self.name}.xlsx"

    @property
    def valid(self) -> bool:
        return self.readable and all(CATALOGUE[c].severity != "error" for _, _, c in self.issues)

    def expected_message(self, path: Path) -> str | None:
        return self.message(path) if callable(self.message) else self.message


def say(code: str, **kw: Any) -> str:
    """The catalogue's message for `code`, its blanks filled as laa-xl fills them."""
    return make_issue(code, **kw).message


def damaged(detail: str) -> str:
    return say("damaged-file", detail=detail)


def too_large(detail: str) -> str:
    return say("too-large", detail=detail)


def hostile(part: str) -> str:
    return say("hostile-xml", detail=f"{part} declares a DTD or entities")


# --------------------------------------------------------------------------------------
# Zip and XML helpers


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_zip(out: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def without(*names: str) -> Build:
    def build(src: Path, out: Path) -> None:
        write_zip(out, {n: d for n, d in members(src).items() if n not in names})
    return build


def edit_part(part: str, edit: Callable[[bytes], bytes]) -> Build:
    """Pass one part (a zip path, or a sheet name) through `edit`."""
    def build(src: Path, out: Path) -> None:
        name = part if "/" in part or part.startswith("[") else sheet_part(src, part)
        with zipfile.ZipFile(src) as z:
            assert name in z.namelist(), name
        rewrite_parts(src, {name: edit}, out=out)
    return build


def edit_sheets(names: Iterable[str], edit: Callable[[bytes], bytes]) -> Build:
    def build(src: Path, out: Path) -> None:
        rewrite_parts(src, {sheet_part(src, n): edit for n in names}, out=out)
    return build


def openpyxl_edit(*mutations: Callable[[Any], None]) -> Build:
    """As a partner would in Excel: open the return, change it, save it."""
    def build(src: Path, out: Path) -> None:
        mutate(src, *mutations, out=out)
    return build


def append_rows(xml: bytes, rows: bytes) -> bytes:
    return xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)


def _prolog_and_body(xml: bytes) -> tuple[bytes, bytes]:
    if xml.startswith(b"<?xml"):
        head, body = xml.split(b"?>", 1)
        return head + b"?>", body
    return b"", xml


def with_dtd(dtd: bytes, ref: bytes) -> Callable[[bytes], bytes]:
    """Declare `dtd` before the root element and use the entity `ref` in the first text."""
    def edit(xml: bytes) -> bytes:
        prolog, body = _prolog_and_body(xml)
        root = re.match(rb"\s*<([A-Za-z:]+)", body)
        assert root is not None
        body = body.replace(b"</t>", ref + b"</t>", 1) if b"</t>" in body else \
            re.sub(rb'name="Guidance"', b'name="Guidance' + ref + b'"', body, count=1)
        return prolog + b"\n<!DOCTYPE " + root.group(1) + b" [" + dtd + b"]>" + body
    return edit


BILLION_LAUGHS = (b'<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                            else b"&lol;") * 10)
                             for i in range(1, 10)))
QUADRATIC = b'<!ENTITY a "' + b"a" * 50_000 + b'">'  # used 50,000 times: 2.5 GB of text
XXE = b'<!ENTITY xxe SYSTEM "file:///etc/passwd">'


def quadratic(xml: bytes) -> bytes:
    return with_dtd(QUADRATIC, b"&a;" * 50_000)(xml)


# --------------------------------------------------------------------------------------
# Big members, written a chunk at a time so that the test itself stays small


def _deflated(head: bytes, filler: bytes, times: int, tail: bytes
              ) -> tuple[list[tuple[bytes, int]], int, int]:
    """head + filler × times + tail as raw deflate, in (piece, repeat) runs, with its CRC-32
    and size.  After a full flush the compressor starts afresh, so every filler compresses to
    the same bytes: a gigabyte is one megabyte-long piece compressed once and written 1,024
    times."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    piece = comp.compress(filler) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.compress(tail) + comp.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(filler, crc)
    crc = zlib.crc32(tail, crc)
    return [(first, 1), (piece, times), (last, 1)], crc, len(head) + len(filler) * times + \
        len(tail)


def write_zip_streamed(out: Path, parts: dict[str, bytes], big: str, head: bytes,
                       filler: bytes, times: int, tail: bytes,
                       declared: int | None = None) -> None:
    """A zip of `parts`, with the member `big` made of head + filler × times + tail, written
    without ever holding it; its central-directory entry declares `declared` bytes unpacked
    (default: the truth), as a zip that lies about its sizes would."""
    runs, big_crc, big_size = _deflated(head, filler, times, tail)
    centrals = []
    with out.open("wb") as fh:
        for name, data in {**parts, big: b""}.items():
            if name == big:
                pieces, crc, size = runs, big_crc, big_size
            else:
                comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                pieces, crc, size = [(comp.compress(data) + comp.flush(), 1)], \
                    zlib.crc32(data), len(data)
            packed = sum(len(p) * n for p, n in pieces)
            said = size if name != big or declared is None else declared
            raw = name.encode()
            offset = fh.tell()
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed,
                                 said, len(raw), 0) + raw)
            for piece, n in pieces:
                for _ in range(n):
                    fh.write(piece)
            centrals.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0,
                                        0x21, crc, packed, said, len(raw), 0, 0, 0, 0, 0,
                                        offset) + raw)
        start = fh.tell()
        directory = b"".join(centrals)
        fh.write(directory)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(centrals), len(centrals),
                             len(directory), start, 0))


def sheet_bomb(sheet: str, declared: Callable[[int], int] | None = None) -> Build:
    """The sheet's part replaced by a worksheet of a gigabyte of whitespace (about 1 MB
    packed); `declared` gives the size the zip claims from the part's real earlier size."""
    def build(src: Path, out: Path) -> None:
        name = sheet_part(src, sheet)
        parts = members(src)
        old = parts.pop(name)
        head, _, _ = old.partition(b"<sheetData>")
        write_zip_streamed(out, parts, name, head + b"<sheetData>", b" " * (1 << 20),
                           BOMB_BYTES >> 20, b"</sheetData></worksheet>",
                           declared=declared(len(old)) if declared else None)
    return build



DENSE_BYTES = 110_000_000


def dense_cells(src: Path, out: Path) -> None:
    """A return under the 50 MB limit whose Actions sheet unpacks to 110 MB of small cells
    (four and a half million of them, out to column EZ and down to row 40,000): one block of
    rows, written again and again."""
    from openpyxl.utils import get_column_letter

    cols = [get_column_letter(c).encode() for c in range(1, 157)]
    block = b"".join(b'<row r="%d">' % n + b"".join(
        b'<c r="%s%d"><v>%d</v></c>' % (c, n, (n * 7919 + i * 104729) % 1000003)
        for i, c in enumerate(cols)) + b"</row>" for n in (*range(10, 280), 40_000))
    name = sheet_part(src, "Actions")
    parts = members(src)
    head = parts.pop(name).partition(b"</sheetData>")[0]
    write_zip_streamed(out, parts, name, head, block, DENSE_BYTES // len(block),
                       b"</sheetData></worksheet>")


def open_cells(xml: bytes) -> bytes:
    """An error cell, then 50,000 cells never closed (no </c>): under 1 MB of XML."""
    cells = b"".join(b'<c r="B%d"><v>%d</v>' % (n, n) for n in range(10, 50_010))
    return append_rows(xml, b'<row r="9"><c r="A9" t="e"><v>#REF!</v></c></row>' + cells)

# --------------------------------------------------------------------------------------
# Files that are not a return at all


def write_bytes(data: bytes) -> Build:
    def build(src: Path, out: Path) -> None:
        out.write_bytes(data)
    return build


def truncated(src: Path, out: Path) -> None:
    """Cut short in the post: the first half of a good return."""
    whole = src.read_bytes()
    out.write_bytes(whole[: len(whole) // 2])


def xlsb(src: Path, out: Path) -> None:
    """What Excel writes for File > Save As > Excel Binary Workbook: the same zip package,
    with binary parts where an .xlsx has XML."""
    ct = "application/vnd.ms-excel."
    write_zip(out, {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
            'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" '
            f'ContentType="{ct}sheet.binary.macroEnabled.main"/><Override PartName="/xl/'
            f'worksheets/sheet1.bin" ContentType="{ct}worksheet"/></Types>').encode(),
        "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       b'relationships"><Relationship Id="rId1" Type="http://schemas.'
                       b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                       b'Target="xl/workbook.bin"/></Relationships>',
        "xl/workbook.bin": bytes.fromhex("8301 00 9c0100 8401 00"),  # BrtBeginBook … records
        "xl/_rels/workbook.bin.rels": b"<Relationships/>",
        "xl/worksheets/sheet1.bin": bytes.fromhex("8101 00 9401 10") + b"\0" * 16,
    })


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file: the container of an .xls, and of an .xlsx saved with a
    password to open (streams EncryptionInfo and EncryptedPackage).  Each stream is padded
    to 4,096 bytes or more, so it lives in ordinary 512-byte sectors."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    sectors: list[bytes] = []
    fat = [fat_sector, end]  # sector 0 holds the FAT, sector 1 the directory
    entries = [(("Root Entry"), 5, 1, free, end, 0)]
    names = list(streams)
    for i, name in enumerate(names):
        data = streams[name].ljust(4096, b"\0")
        data += b"\0" * (-len(data) % 512)
        first, n = 2 + len(sectors), len(data) // 512
        fat += [first + k + 1 for k in range(n - 1)] + [end]
        sectors += [data[k * 512:(k + 1) * 512] for k in range(n)]
        right = i + 2 if i + 1 < len(names) else free
        entries.append((name, 2, free, right, first, len(streams[name].ljust(4096, b"\0"))))
    directory = b""
    for name, kind, child, right, start, size in entries:
        raw = (name + "\0").encode("utf-16-le")
        directory += (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free,
                                                         right, child)
                      + b"\0" * 36 + struct.pack("<IQ", start, size))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat += [free] * (128 - len(fat))
    return header + struct.pack("<128I", *fat) + directory.ljust(512, b"\0") + b"".join(sectors)


def password_protected(src: Path, out: Path) -> None:
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    # The encrypted package is the whole return, scrambled: its size is that of a real one.
    package = bytes(b ^ 0x5A for b in src.read_bytes())
    out.write_bytes(cfb({"EncryptionInfo": info, "EncryptedPackage": package}))


def converted(fmt: str) -> Build:
    """The return saved by LibreOffice in another format, then renamed .xlsx."""
    def build(src: Path, out: Path) -> None:
        from lo import convert

        made = convert(src, fmt, out.parent / f"lo-{fmt}")
        made.replace(out)
        made.parent.rmdir()
    return build


def sparse_over_50_mb(src: Path, out: Path) -> None:
    """A zip's first bytes, then a hole: 60 MB on paper, almost nothing on disk."""
    with out.open("wb") as fh:
        fh.write(src.read_bytes()[:4096])
        fh.truncate(60 << 20)


def central_directory(offset: int, value: bytes, member: str = "xl/workbook.xml") -> Build:
    """Overwrite bytes of one member's central-directory entry (at `offset` within it)."""
    def build(src: Path, out: Path) -> None:
        data = src.read_bytes()
        at = data.rindex(b"PK\x01\x02", 0, data.rindex(member.encode())) + offset
        out.write_bytes(data[:at] + value + data[at + len(value):])
    return build


def many_parts(src: Path, out: Path) -> None:
    parts = members(src)
    parts.update({f"customXml/item{i}.xml": b"<a/>" for i in range(5001)})
    write_zip(out, parts)


def encrypted_member(src: Path, out: Path) -> None:
    """A zip whose members say they are encrypted (the flag bit zip tools set for a
    password): laa-xl never asks for a password."""
    data = bytearray(src.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        data[at + 8] |= 1
        at += 4
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:
        data[at + 6] |= 1
        at += 4
    out.write_bytes(bytes(data))


def million_rows(src: Path, out: Path) -> None:
    """1,048,577 rows on the Milestones sheet, each with a value: streamed into the zip."""
    name = sheet_part(src, "Milestones")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                      compresslevel=1) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info))
                continue
            head, _, tail = zin.read(info).partition(b"</sheetData>")
            with zout.open(name, "w") as fh:
                fh.write(head)
                for start in range(10, 1_048_578, 10_000):
                    fh.write(b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
                                      for n in range(start, min(start + 10_000, 1_048_578))))
                fh.write(b"</sheetData>" + tail)


def far_row(n: int, ref: bool = True) -> Callable[[bytes], bytes]:
    cell = b'<c r="A%d"><v>1</v></c>' % n if ref else b"<c><v>1</v></c>"
    return lambda xml: append_rows(xml, b'<row r="%d">%s</row>' % (n, cell))


def dimension(ref: bytes | None) -> Callable[[bytes], bytes]:
    """Set (or, with None, remove) the sheet's <dimension> tag."""
    if ref is None:
        return lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml)
    return lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>',
                              xml)


def many_actions(count: int) -> Build:
    """`count` actions, each a copy of the first with its own ID (A-01, then A-00002 …),
    under a dimension tag that says the sheet is one cell (A1)."""
    def edit(xml: bytes) -> bytes:
        first = re.search(rb'<row r="5".*?</row>', xml, re.S)
        assert first is not None
        # The first action's row, with {N} for its row number and {ID} for its action ID.
        template = re.sub(rb'(r="[A-Z]*)5"', rb'\1{N}"', first.group(0))
        template = re.sub(rb'<c r="A\{N\}"( s="\d+")? t="s"><v>\d+</v></c>',
                          rb'<c r="A{N}"\1 t="inlineStr"><is><t>{ID}</t></is></c>', template)
        assert b"{ID}" in template
        rows = b"".join(template.replace(b"{N}", b"%d" % n).replace(b"{ID}", b"A-%05d" % (n - 4))
                        for n in range(6, 5 + count))
        xml = re.sub(rb'<row r="[6-9]".*?</row>', b"", xml, flags=re.S)
        return dimension(b"A1")(append_rows(xml, rows))

    return edit_part("Actions", edit)


# --------------------------------------------------------------------------------------
# Cells


def inline_strings(xml: bytes, shared: list[bytes]) -> bytes:
    return re.sub(rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="s"><v>([0-9]+)</v></c>',
                  lambda m: b'<c r="' + m.group(1) + b'"' + (m.group(2) or b"")
                  + b' t="inlineStr"><is>' + shared[int(m.group(3))] + b"</is></c>", xml)


def all_inline(src: Path, out: Path) -> None:
    """Every shared-string cell of every sheet written as an inline string."""
    with zipfile.ZipFile(src) as z:
        shared = re.findall(rb"<si>(.*?)</si>", z.read("xl/sharedStrings.xml"), re.S)
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    rewrite_parts(src, {n: (lambda xml: inline_strings(xml, shared)) for n in sheets}, out=out)


def cell_xml(sheet: str, ref: str, content: bytes, style: bytes | None = None) -> Build:
    """Replace one cell's element with `content`, such as b't="e"><v>#REF!</v>' (everything
    after the cell's attributes r and s), keeping its style or giving it `style`."""
    def edit(xml: bytes) -> bytes:
        new, n = re.subn(rb'<c r="' + ref.encode() + rb'"( s="[0-9]+")?[^>]*?(?:/>|>.*?</c>)',
                         lambda m: b'<c r="' + ref.encode() + b'"'
                         + (b' s="' + style + b'"' if style else m.group(1) or b"")
                         + b" " + content + b"</c>", xml, count=1, flags=re.S)
        assert n == 1, ref
        return new
    return edit_part(sheet, edit)


def retext(old: bytes, new: bytes) -> Build:
    """Change one piece of text, wherever the workbook keeps it (shared strings, or inline in
    a sheet as openpyxl writes it), to `new`, written exactly as given (escapes and all)."""
    def build(src: Path, out: Path) -> None:
        parts = members(src)
        hits = [n for n, d in parts.items() if b"<t>" + old + b"</t>" in d]
        assert len(hits) == 1, (old, hits)
        parts[hits[0]] = parts[hits[0]].replace(
            b"<t>" + old + b"</t>", b'<t xml:space="preserve">' + new + b"</t>", 1)
        write_zip(out, parts)
    return build


def both(*builds: Build) -> Build:
    """Several edits, one after the other."""
    def build(src: Path, out: Path) -> None:
        tmp = out.with_name(".step-" + out.name)
        current = src
        for b in builds:
            b(current, tmp)
            tmp.replace(out)
            current = out
    return build


def epoch_1904(wb: Any) -> None:
    wb.epoch = CALENDAR_MAC_1904


def merge(sheet: str, cells: str) -> Callable[[Any], None]:
    def apply(wb: Any) -> None:
        wb[sheet].merge_cells(cells)
    return apply


def very_hidden(name: str) -> Callable[[Any], None]:
    def apply(wb: Any) -> None:
        wb[name].sheet_state = "veryHidden"
    return apply


def styled_blanks_to_xfd(xml: bytes) -> bytes:
    """Every row of the sheet formatted (but empty) out to column XFD, as selecting whole
    rows and colouring them does."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c).encode() for c in range(17, 16385)]

    def row(m: re.Match[bytes]) -> bytes:
        n = m.group(1)
        return m.group(0)[:-6] + b"".join(b'<c r="%s%s" s="3"/>' % (c, n) for c in letters) \
            + b"</row>"
    return re.sub(rb'<row r="([0-9]+)"[^>]*>.*?</row>', row, xml, flags=re.S)


def macros(src: Path, out: Path) -> None:
    """Saved as a macro-enabled workbook (.xlsm) with a VBA project, then renamed .xlsx."""
    parts = members(src)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml").replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                     b'vbaProject"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/'
                             b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                             b"</Relationships>")
    # A VBA project is an OLE2 file; this one's module would run Shell on opening.
    parts["xl/vbaProject.bin"] = cfb({"VBA": b'Sub Workbook_Open()\r\nShell "calc.exe"\r\n'
                                             b"End Sub\r\n", "PROJECT": b'Name="VBAProject"'})
    write_zip(out, parts)


def external_link(src: Path, out: Path) -> None:
    """A cell whose value comes from another workbook (Data > Edit Links): its formula points
    at [1], xl/externalLinks/externalLink1.xml, with the last value Excel saw cached."""
    parts = members(src)
    part = sheet_part(src, "Actions")
    parts[part] = re.sub(rb'<c r="G5"( s="[0-9]+")? t="s"><v>[0-9]+</v></c>',
                         lambda m: b'<c r="G5"' + (m.group(1) or b"") + b' t="str"><f>[1]Funding!'
                                   b"$A$1</f><v>Area Based Grant</v></c>", parts[part])
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://'
        b'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1">'
        b'<sheetNames><sheetName val="Funding"/></sheetNames><sheetDataSet><sheetData sheetId='
        b'"0"><row r="1"><cell r="A1" t="str"><v>Area Based Grant</v></cell></row></sheetData>'
        b"</sheetDataSet></externalBook></externalLink>")
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http:'
        b'//schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'externalLinkPath" Target="file:///C:/Finance/funding.xlsx" TargetMode="External"/>'
        b"</Relationships>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="'
                     b'application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+'
                     b'xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId98" Type="http://schemas.openxmlformats.org'
                             b'/officeDocument/2006/relationships/externalLink" Target="'
                             b'externalLinks/externalLink1.xml"/></Relationships>')
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"<definedNames>", b'<externalReferences><externalReference r:id="rId98"/>'
                           b"</externalReferences><definedNames>")
    write_zip(out, parts)


# --------------------------------------------------------------------------------------
# The cases

WB = "xl/workbook.xml"
SST = "xl/sharedStrings.xml"
LONG_TEXT = "Forty mentors recruited. " * 1600  # 40,000 characters

def part_size(part: str) -> Callable[[Path], str]:
    """The zip-bomb message: the size the zip declares for `part`, read from the file."""
    def message(path: Path) -> str:
        with zipfile.ZipFile(path) as z:
            size = z.getinfo(part).file_size
        return too_large(f"{part} would unpack to {size:,} bytes")
    return message


def part_count(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return too_large(f"it holds {len(z.infolist()):,} parts")


ACTIONS_PART = "xl/worksheets/sheet3.xml"  # the template's Actions sheet
CALAMINE_SAYS = "The workbook is damaged and cannot be read (sheet 'Actions': "
NOT_WELL_FORMED = "The workbook is damaged and cannot be read (a sheet is not well-formed XML ("


def too_many_rows(sheet: str, row: int) -> str:
    return say("too-many-rows", sheet=sheet, value=row, expected=100_000)


CASES: list[Case] = [
    # -- not a workbook, or not an .xlsx ---------------------------------------------------
    Case("empty", write_bytes(b""), [("", "", "empty-file")], say("empty-file")),
    Case("csv-renamed", write_bytes(b"Action ID,Outcome ID,RAG\r\nA-01,O-01,Green\r\n"),
         [("", "", "csv-file")], say("csv-file")),
    Case("html-renamed", write_bytes(
        b"<html><head><meta charset=utf-8></head><body><table><tr><td>Action ID</td><td>RAG"
        b"</td></tr><tr><td>A-01</td><td>Green</td></tr></table></body></html>"),
         [("", "", "html-file")], say("html-file")),
    Case("xls-renamed", converted("xls"), [("", "", "xls-file")], say("xls-file"),
         needs="libreoffice"),
    Case("ods-renamed", converted("ods"), [("", "", "ods-file")], say("ods-file"),
         needs="libreoffice"),
    Case("xlsb-renamed", xlsb, [("", "", "xlsb-file")], say("xlsb-file")),
    Case("password", password_protected, [("", "", "password-protected")],
         say("password-protected")),
    Case("random-bytes", write_bytes(bytes((i * 7919 + 13) % 251 for i in range(20_000))),
         [("", "", "not-xlsx")], say("not-xlsx", detail=": its contents are not a workbook")),
    Case("over-50mb", sparse_over_50_mb, [("", "", "too-large")],
         too_large("the file is 62,914,560 bytes")),
    # -- a damaged zip -----------------------------------------------------------------------
    Case("truncated-zip", truncated, [("", "", "damaged-file")],
         damaged("it is a truncated or broken zip archive")),
    Case("no-content-types", without("[Content_Types].xml"), [("", "", "damaged-file")],
         damaged("the part [Content_Types].xml is missing")),
    Case("no-workbook-part", without(WB), [("", "", "damaged-file")],
         damaged("the workbook part xl/workbook.xml is missing")),
    Case("no-sheet-part", without(ACTIONS_PART), [("Actions", "", "damaged-file")],
         damaged("the part for sheet 'Actions' is missing")),
    Case("malformed-sheet-xml", edit_part("Actions", lambda x: x.replace(b"</sheetData>",
                                                                           b"</sheetDat>")),
         [("Actions", "", "damaged-file")], starts=CALAMINE_SAYS + "XmlError"),
    Case("cut-sheet-xml", edit_part("Actions", lambda x: x[: len(x) // 2]),
         [("Actions", "", "damaged-file")], starts=CALAMINE_SAYS + "XmlError"),
    Case("encrypted-members", encrypted_member, [("", "", "password-protected")],
         say("password-protected")),
    Case("too-many-parts", many_parts, [("", "", "too-large")], part_count),
    # "Version needed to extract: 6.4", which no zip tool of the day reads.
    Case("zip-version-from-the-future", central_directory(6, struct.pack("<H", 64)),
         [("", "", "damaged-file")], damaged("it is a truncated or broken zip archive")),
    # The UTF-8 flag set on a name that is not UTF-8.
    Case("zip-name-not-utf8", both(
        central_directory(8, struct.pack("<H", 0x800)),
        central_directory(46, b"\xff", member="xl/workbook.xml")),
         [("", "", "damaged-file")], damaged("it is a truncated or broken zip archive")),
    Case("unknown-xml-encoding", edit_part(WB, lambda x: x.replace(b'encoding="UTF-8"',
                                                                   b'encoding="A1"', 1)),
         [("", "", "damaged-file")], damaged("xl/workbook.xml is not readable XML (unknown "
                                             "encoding: A1)")),
    # -- hostile XML -------------------------------------------------------------------------
    Case("laughs-shared-strings", edit_part(SST, with_dtd(BILLION_LAUGHS, b"&lol9;")),
         [("", "", "hostile-xml")], hostile(SST), nasty=True),
    Case("laughs-workbook", edit_part(WB, with_dtd(BILLION_LAUGHS, b"&lol9;")),
         [("", "", "hostile-xml")], hostile(WB), nasty=True),
    Case("quadratic-shared-strings", edit_part(SST, quadratic), [("", "", "hostile-xml")],
         hostile(SST), nasty=True),
    Case("quadratic-workbook", edit_part(WB, quadratic), [("", "", "hostile-xml")],
         hostile(WB), nasty=True),
    Case("xxe-shared-strings", edit_part(SST, with_dtd(XXE, b"&xxe;")),
         [("", "", "hostile-xml")], hostile(SST)),
    Case("xxe-workbook", edit_part(WB, with_dtd(XXE, b"&xxe;")), [("", "", "hostile-xml")],
         hostile(WB)),
    Case("xxe-sheet", edit_part("Actions", with_dtd(XXE, b"&xxe;")),
         [("Actions", "", "hostile-xml")], hostile(ACTIONS_PART)),
    # -- too big, or claiming to be ----------------------------------------------------------
    Case("zip-bomb", sheet_bomb("Actions"), [("", "", "too-large")], part_size(ACTIONS_PART),
         nasty=True),
    Case("lying-sizes", sheet_bomb("Actions", declared=lambda n: n),
         [("Actions", "", "damaged-file")],
         damaged(f"{ACTIONS_PART} cannot be unpacked: Bad CRC-32 for file '{ACTIONS_PART}'"),
         nasty=True),
    Case("dense-cells", dense_cells, [("Actions", "", "too-large")], too_large(
        "the Actions sheet has data out to column EZ; laa-xl reads at most 125 columns there, "
        "so that sheet was not read"), readable=True, nasty=True),
    Case("open-cells", edit_part("Actions", open_cells), [("Actions", "", "damaged-file")],
         starts=CALAMINE_SAYS, nasty=True),
    Case("xfd1048576", openpyxl_edit(type_into("Actions", "XFD1048576", "stray")),
         [("Actions", "", "too-many-rows")], too_many_rows("Actions", 1_048_576),
         readable=True, nasty=True),
    Case("rows-past-1048576", edit_part("Milestones", far_row(2_000_000)),
         [("Milestones", "", "too-many-rows")], too_many_rows("Milestones", 2_000_000),
         readable=True, nasty=True),
    # Cells with no reference are placed as calamine places them: in the row they are in.
    Case("rows-past-1048576-unnumbered-cells", edit_part("Milestones", far_row(
        1_048_577, ref=False)), [("Milestones", "", "too-many-rows")],
         too_many_rows("Milestones", 1_048_577), readable=True, nasty=True),
    # A repeated r attribute: calamine would place the cell (or row) by the last one, far
    # beyond what the first one says.  XML forbids it; the sheet is refused as damaged.
    Case("repeated-r-on-a-cell", edit_part("Actions", lambda x: x.replace(
        b'<c r="B5"', b'<c r="B5" r="XFD1048576"', 1)), [("Actions", "", "damaged-file")],
         starts=NOT_WELL_FORMED + "duplicate attribute", nasty=True),
    Case("repeated-r-spaced-out", edit_part("Actions", lambda x: x.replace(
        b'<c r="B5"', b"<c r=\"B5\"\n\tr = 'A200000'", 1)), [("Actions", "", "damaged-file")],
         starts=NOT_WELL_FORMED + "duplicate attribute", nasty=True),
    # No space before the second: not XML either, but calamine reads it (as XFD1048576).
    Case("repeated-r-with-no-space", edit_part("Actions", lambda x: x.replace(
        b'<c r="B5"', b'<c r="B5"r="XFD1048576"', 1)), [("Actions", "", "damaged-file")],
         starts=NOT_WELL_FORMED + "not well-formed", nasty=True),
    Case("repeated-r-on-a-row", edit_part("Actions", lambda x: x.replace(
        b'<row r="5"', b'<row r="5" r="1048576"', 1)), [("Actions", "", "damaged-file")],
         starts=NOT_WELL_FORMED + "duplicate attribute", nasty=True),
    Case("million-rows", million_rows, [("Milestones", "", "too-many-rows")],
         too_many_rows("Milestones", 1_048_577), readable=True, nasty=True),
    # -- read whatever the file claims -------------------------------------------------------
    Case("dimension-a1-10000-rows", many_actions(10_000), [], readable=True),
    Case("no-dimension", edit_sheets(("Outcomes", "Actions", "Milestones", "Assurance",
                                      "Risks", "Recovery", "_laa_xl"), dimension(None)), [],
         readable=True),
    Case("styled-blanks-to-xfd", edit_part("Actions", styled_blanks_to_xfd), [],
         readable=True),
    # -- what else a workbook can hold -------------------------------------------------------
    Case("macros", macros, [], readable=True),
    Case("external-link", external_link, [], readable=True),
    Case("formula-no-value", openpyxl_edit(formula_into("Actions", "M5", "=20+20")),
         [("Actions", "M5", "formula-no-value")], say("formula-no-value"), readable=True),
    Case("error-cells", both(cell_xml("Actions", "F5", b't="e"><v>#REF!</v>'),
                             cell_xml("Outcomes", "I5", b't="e"><f>1/0</f><v>#DIV/0!</v>')),
         [("Outcomes", "I5", "error-value"), ("Actions", "F5", "error-value")],
         'The cell shows the error "#DIV/0!". Replace it with a value.', readable=True),
    Case("date-1904", openpyxl_edit(epoch_1904), [], readable=True),
    # A number under 1 in a date cell is a time of day to calamine: read as the number it is.
    # (C5, the action's text, formatted as a date by mistake, is read as the text "0.5".)
    Case("time-in-a-date-cell", both(cell_xml("Actions", "H5", b"><v>0.5</v>"),
                                     cell_xml("Actions", "C5", b"><v>0.5</v>", style=b"21")),
         [("Actions", "H5", "not-a-date")], "0.5 is not a date. Enter it as dd/mm/yyyy, such "
         "as 31/03/2010.", readable=True),
    # A date no calendar holds makes calamine panic (in Rust); the sheet cannot be read.
    Case("date-beyond-any-calendar", cell_xml("Actions", "H5", b"><v>-1e308</v>"),
         [("Actions", "", "damaged-file")], starts=CALAMINE_SAYS + "PanicException: "),
    Case("inline-strings", all_inline, [], readable=True),
    # Excel cannot make this (it stops at 32,767 characters, as openpyxl does); a program
    # writing the XML can.
    Case("text-over-32767", retext(b"Forty mentors recruited.", LONG_TEXT.encode()),
         [("Actions", "O5", "too-long")], "The text is 39,999 characters long; Progress update "
         "holds at most 2,000. Shorten it.", readable=True),
    Case("control-characters", retext(b"Forty mentors recruited.",
                                      b"Forty_x0007_ mentors_x000B_recruited.\t"), [],
         readable=True),
    Case("control-character-header", both(
        openpyxl_edit(type_into("Risks", "J4", "Notes"), type_into("Actions", "N5", "Gren")),
        retext(b"Notes", b"No_x0007_tes")),
         [("Actions", "N5", "not-in-list"), ("Risks", "J4", "extra-column")],
         '"Gren" is not one of Red, Amber or Green. Choose one from the dropdown.',
         readable=True),
    # -- what a partner does to the sheets ---------------------------------------------------
    Case("hidden-sheets", openpyxl_edit(hide_sheet("Risks"), very_hidden("Milestones")),
         [("Milestones", "", "hidden-sheet"), ("Risks", "", "hidden-sheet")],
         say("hidden-sheet", sheet="Milestones"), readable=True),
    Case("sheet-renamed", openpyxl_edit(rename_sheet("Actions", "Action plan")),
         [("Actions", "", "missing-sheet")],
         say("missing-sheet", sheet="Actions", suggest=' The workbook has a sheet "Action plan":'
             ' did you mean "Actions"?', fix=' It was read in its place: rename it "Actions".'),
         readable=True),
    Case("columns-reordered", openpyxl_edit(
        move_column("Actions", "RAG", before="Action ID"),
        move_column("Outcomes", "Outcome / target", None)), [], readable=True),
    Case("column-missing", openpyxl_edit(delete_column("Actions", "Lead officer")),
         [("Actions", "", "missing-column")],
         say("missing-column", sheet="Actions", field="Lead officer"), readable=True),
    Case("column-duplicated", openpyxl_edit(duplicate_column("Milestones", "Status")),
         [("Milestones", "I4", "duplicate-column")],
         say("duplicate-column", sheet="Milestones", field="Status", value="G and I"),
         readable=True),
    Case("column-extra", openpyxl_edit(type_into("Risks", "J4", "Notes"),
                                       type_into("Risks", "J5", "Ask Sam")),
         [("Risks", "J4", "extra-column")], say("extra-column", value="Notes"),
         readable=True),
    Case("header-moved-down", openpyxl_edit(push_header_down("Actions", 3)), [],
         readable=True),
    # Merging C5:E5 keeps C5's value and empties D5 and E5, in Excel as in openpyxl.
    Case("merged-over-data", openpyxl_edit(merge("Actions", "C5:E5")),
         [("Actions", "D5", "required"), ("Actions", "E5", "required")],
         "Lead agency is empty. Enter text, up to 120 characters.", readable=True),
    Case("schema-0.9", openpyxl_edit(type_into("_laa_xl", "B3", "0.9")),
         [("", "", "schema-version")], say("schema-version", value="0.9", expected="1.0 or 1.1"),
         readable=True),
]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES)
