"""Writing the samples: region files, both rounds of returns, and their README."""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..layout import HEADER_ROW
from ..model import a1
from ..region import Region, load_region
from ..schemas import sheet
from ..template import Prefill, build_template, template_name
from ..xlsxout import atomic_output
from .behaviour import make_plan, rename_header, typed_rows
from .manifest import Manifest, Quirk, ReturnFile
from .midshire import (
    CONTACT,
    DEADLINES,
    GO_NAME,
    LATE,
    LSPS,
    MISSING,
    PERIODS,
    Q1,
    Q2,
    REGION_NAME,
    RENAMED_FIELD,
    RENAMED_LSP,
    RENAMED_TO,
    SAMPLES_WHEN,
    SEED,
    TOLERANCES,
)

# -- writing -------------------------------------------------------------------------------


def region_toml(period: str) -> str:
    """The text of the region file for one round."""
    name, email, phone = CONTACT
    lines = [
        "# A fictional region for trying laa-xl: Anycity and its neighbours.",
        f'region = "{REGION_NAME}"',
        f'go_name = "{GO_NAME}"',
        f'period = "{period}"',
        f"deadline = {DEADLINES[period].isoformat()}",
        "",
        "[contact]",
        f'name = "{name}"',
        f'email = "{email}"',
        f'phone = "{phone}"',
    ]
    for code, lsp_name, contact, lsp_email in LSPS:
        lines += ["", "[[lsp]]", f'code = "{code}"', f'name = "{lsp_name}"',
                  f'contact = "{contact}"', f'email = "{lsp_email}"']
    lines += ["", "[tolerances]"] + [f"{k} = {v}" for k, v in TOLERANCES.items()]
    return "\n".join(lines) + "\n"


def _write_text(path: Path, text: str) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _received(rng: random.Random, period: str, code: str) -> date:
    if (period, code) in LATE:
        return LATE[(period, code)]
    return DEADLINES[period] - timedelta(days=rng.randint(0, 7))


Rows = dict[str, list[dict[str, Any]]]


def sample_rows() -> tuple[dict[tuple[str, str], Rows], list[Quirk]]:
    """Every return's rows as its partner typed them, by (period, LSP code), and the quirks.

    Pure: no files are written, and every call gives the same answer.
    """
    plans = {code: make_plan(code) for code, *_ in LSPS}
    returns: dict[tuple[str, str], Rows] = {}
    quirks: list[Quirk] = []
    for period in PERIODS:
        for code, *_ in LSPS:
            if (period, code) in MISSING:
                quirks.append(Quirk("missing", period, code, note="no return received"))
                continue
            maker, plan = plans[code]
            returns[(period, code)] = typed_rows(maker, plan, period, quirks)
            if (period, code) in LATE:
                got = LATE[(period, code)]
                quirks.append(Quirk("late", period, code, value=got.isoformat(),
                                    note=f"received {got:%d/%m/%Y}, deadline "
                                         f"{DEADLINES[period]:%d/%m/%Y}"))
            if (period, code) == (Q2, RENAMED_LSP):
                key, name = RENAMED_FIELD
                col = [f.name for f in sheet(key).fields].index(name)
                quirks.append(Quirk("renamed-column", period, code, "", sheet(key).name,
                                    a1(HEADER_ROW + 1, col), RENAMED_TO, "renamed-column",
                                    "warning",
                                    note=f'header "{sheet(key).field(name).header}" renamed'))
    quirks.sort(key=lambda q: (PERIODS.index(q.period), q.lsp, q.kind, natural_order(q.item)))
    return returns, quirks


def natural_order(item: str) -> tuple[str, int]:
    head, _, tail = item.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (item, 0)


def write_samples(out: str | Path, when: datetime | None = None) -> Manifest:
    """Write the sample region files and both rounds of returns under `out`.

    `when` is when the Q2 templates went out (the Q1 ones three months before); it is written
    into each workbook's identity sheet.  Without it, now.
    """
    root = Path(out)
    when = when or datetime.now().replace(microsecond=0)
    rows, quirks = sample_rows()
    manifest = Manifest(root, when, {}, quirks=quirks)
    regions: dict[str, Region] = {}
    for period, name in ((Q2, "region.toml"), (Q1, "region-q1.toml")):
        path = root / name
        _write_text(path, region_toml(period))
        manifest.region_files[period] = path
        regions[period] = load_region(path)
    arrivals = random.Random(f"{SEED}/received")
    for period in PERIODS:
        region = regions[period]
        folder = root / "returns" / str(region.period).replace("/", "-").replace(" ", "-")
        sent = when if period == Q2 else when - timedelta(days=92)
        for lsp in region.lsps:
            received = _received(arrivals, period, lsp.code)
            if (period, lsp.code) not in rows:
                continue
            path = folder / template_name(region, lsp)
            build_template(path, region, lsp, prefill=Prefill(rows[(period, lsp.code)]),
                           when=sent)
            for q in manifest.quirks_of("renamed-column", lsp.code, period):
                key, name = RENAMED_FIELD
                rename_header(path, key, name, q.value)
            errors = any(q.severity == "error" and not q.previous
                         for q in manifest.quirks_of(lsp=lsp.code, period=period))
            manifest.returns.append(ReturnFile(period, lsp.code, path, received,
                                               DEADLINES[period], not errors))
    _write_text(root / "README.md", readme(manifest))
    manifest.set_received_times()
    return manifest


def readme(manifest: Manifest) -> str:
    """A page saying what the samples hold, so a person can find each behaviour."""
    lines = [
        "# Sample returns: Midshire, 2009/10 Q1 and Q2",
        "",
        "A fictional region, made by `python -m laa_xl.samples samples/` (the same files every",
        "run). `region-q1.toml` and `region.toml` are the region files of the two rounds;",
        "`returns/` holds the returns the Government Office received. Try:",
        "",
        "    laa-xl validate --region samples/region.toml samples/returns/2009-10-Q2",
        "",
        "| period | LSP | file | received | on time | valid |",
        "|---|---|---|---|---|---|",
    ]
    for r in manifest.returns:
        rel = r.path.relative_to(manifest.root).as_posix()
        lines.append(f"| {r.period} | {r.lsp} | {rel} | {r.received:%d/%m/%Y} | "
                     f"{'yes' if r.on_time else 'no'} | {'yes' if r.valid else 'no'} |")
    for period in PERIODS:
        for code in manifest.missing(period):
            lines.append(f"| {period} | {code} | (none) | | | |")
    lines += ["", "## What the partners did, and where to find it", "",
              "| period | LSP | what | item | cell | value | issue | note |",
              "|---|---|---|---|---|---|---|---|"]
    slipping = ("forecast-slip", "overdue")
    for q in manifest.quirks:
        if q.kind in slipping:
            continue
        cell = f"{q.sheet}!{q.cell}" if q.cell else q.sheet
        issue = f"{q.code} ({q.severity}{', against Q1' if q.previous else ''})" \
            if q.code else ""
        lines.append(f"| {q.period} | {q.lsp} | {q.kind} | {q.item} | {cell} | {q.value} | "
                     f"{issue} | {q.note} |")
    lines += ["", "## Slipping milestones at 30/09/2009 (Q2 returns)", "",
              "Forecast more than 14 days beyond the baseline date (forecast-slip), or baseline",
              "date passed and not achieved (overdue):", "",
              "| LSP | forecast-slip | overdue |", "|---|---|---|"]
    for code, *_ in LSPS:
        found = [", ".join(q.item for q in manifest.quirks_of(kind, code, Q2))
                 for kind in slipping]
        if any(found):
            lines.append(f"| {code} | {found[0]} | {found[1]} |")
    from ..region import load_region
    from .reviews import readme_lines

    questions = tuple(q.id for q in load_region(manifest.region_file(Q2)).questions)
    lines += readme_lines(questions)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m laa_xl.samples OUTPUT_FOLDER", file=sys.stderr)
        return 2
    manifest = write_samples(Path(args[0]), when=SAMPLES_WHEN)
    for r in manifest.returns:
        print(f"{r.path}  received {r.received:%d/%m/%Y}")
    print(f"{len(manifest.returns)} returns, {len(manifest.quirks)} behaviours listed in "
          f"{manifest.root / 'README.md'}")
    return 0


