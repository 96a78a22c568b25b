"""Text, JSON and CSV views of reports and flags.  No logic: only how things look."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .issues import ERROR, FileReport, Report
from .region import Tolerances
from .schemas import review_product
from .slippage import RULES

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|")


def csv_safe(value: Any) -> Any:
    """A value for a CSV cell that a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([csv_safe(v) for v in row])
    return buf.getvalue()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def file_heading(f: FileReport) -> str:
    name = Path(f.file).name
    meta = f.data.meta if f.data is not None else {}
    who = f" — {meta.get('lsp_name')} ({meta.get('lsp_code')})" if meta.get("lsp_code") else ""
    if meta.get("product") == review_product():
        who += ", GO review"
    if not f.readable:
        state = "CANNOT BE READ"
    else:
        state = "valid" if f.valid else "NOT VALID"
    return f"{name}{who}: {state}, {_plural(f.errors, 'error')}, {_plural(f.warnings, 'warning')}"


def report_text(report: Report, *, title: str = "") -> str:
    """The report a person reads in a terminal: by file, errors first, then a summary."""
    out: list[str] = []
    if title:
        out += [title, ""]
    for f in report.files:
        out.append(file_heading(f))
        for issue in f.sorted_issues():
            label = "error  " if issue.severity == ERROR else "warning"
            out.append(f"  {label}  {issue}")
        out.append("")
    n = len(report.files)
    valid = sum(1 for f in report.files if f.valid)
    unreadable = sum(1 for f in report.files if not f.readable)
    summary = f"{_plural(n, 'file')}: {valid} valid, {n - valid} not valid"
    if unreadable:
        summary += f" ({unreadable} cannot be read)"
    summary += f"; {_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}."
    out.append(summary)
    return "\n".join(out)


def report_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)


def report_csv(report: Report) -> str:
    header = ["file", "severity", "code", "sheet", "cell", "field", "value", "message"]
    rows = ([f.file, i.severity, i.code, i.sheet, i.cell, i.field, i.value, i.message]
            for f in report.files for i in f.sorted_issues())
    return csv_text(header, rows)


def flags_text(flags: Sequence[Any]) -> str:
    """Slippage flags as a terminal table: severity, LSP, item, rule, days, message."""
    if not flags:
        return "Nothing slipping."
    out = [f"{'SEVERITY':8}  {'LSP':5}  {'ITEM':10}  {'RULE':24}  {'DAYS':>5}  WHAT"]
    for f in flags:
        days = "" if f.days is None else str(f.days)
        out.append(f"{f.severity:8}  {f.lsp:5}  {f.item_id:10}  {f.rule:24}  {days:>5}  "
                   f"{f.message}")
    high = sum(1 for f in flags if f.severity == "high")
    out.append("")
    out.append(f"{_plural(len(flags), 'flag')} ({high} high).")
    return "\n".join(out)


FLAG_CSV_HEADER = ("severity", "lsp", "theme", "sheet", "item_id", "parent", "rule", "days", "message",
                   "file", "row", "cell")


def flags_csv(flags: Iterable[Any]) -> str:
    return csv_text(FLAG_CSV_HEADER, ([getattr(f, h) for h in FLAG_CSV_HEADER] for f in flags))


def flags_json(flags: Iterable[Any]) -> str:
    return json.dumps({"flags": [f.as_dict() for f in flags]}, indent=2, ensure_ascii=False,
                      default=str)


def left_out_text(invalid: Sequence[FileReport], unreadable: Sequence[FileReport],
                  include_invalid: bool) -> list[str]:
    """What `slipping` says on stderr about the returns whose flags it did not count."""
    lines = [f"{f.file}: cannot be read: {f.sorted_issues()[0].message}" if f.issues
             else f"{f.file}: cannot be read." for f in unreadable]
    if invalid and not include_invalid:
        names = ", ".join(Path(f.file).name for f in invalid)
        lines.append(f"Left out {_plural(len(invalid), 'return')} with errors, as the roll-up "
                     f"leaves them out: {names}. Use --include-invalid to count their flags.")
    elif invalid:
        names = ", ".join(Path(f.file).name for f in invalid)
        lines.append(f"Included {_plural(len(invalid), 'return')} with errors: {names}.")
    return lines


def rollup_summary(rollup: Any, out: Path) -> str:
    """What `consolidate` prints: who returned, who is missing or not valid, the flags."""
    from .slippage import summarise

    res = rollup.result
    region = res.region
    statuses = res.statuses
    returned = [s for s in statuses if s.returned]
    late = [s for s in returned if s.on_time(region.due) is False]
    valid = [s for s in returned if s.valid]
    missing = [s.lsp.code for s in statuses if not s.returned]
    counts = summarise(rollup.flags)
    sev = counts["by_severity"]
    lines = [
        f"{region.region}, {region.period}: {len(returned)} of {len(statuses)} returns received "
        f"({len(late)} late), {len(valid)} valid.",
    ]
    if missing:
        lines.append(f"Missing: {', '.join(missing)}.")
    invalid = [s.lsp.code for s in returned if not s.valid]
    if invalid:
        lines.append(f"Not valid: {', '.join(invalid)}"
                     + (" (included, marked)." if rollup.include_invalid else " (left out)."))
    if res.unmatched:
        lines.append(f"{len(res.unmatched)} file(s) match no partnership of this round: "
                     "see the Completeness sheet.")
    lines.append(f"Slipping or off track: {counts['total']} flags as at "
                 f"{rollup.as_of:%d/%m/%Y} ({sev['high']} high, {sev['medium']} medium, "
                 f"{sev['low']} low).")
    reviews = rollup.reviews
    if reviews is not None:
        used = ", ".join(reviews.used) or "none"
        overdue = sum(f.overdue_advice for f in rollup.review_figures.values())
        left = len(reviews.invalid) + len(reviews.strays)
        lines.append(f"GO reviews: {len(reviews.used)} used ({used}), {left} left out; "
                     f"{overdue} piece(s) of advice overdue.")
    lines.append(f"Wrote {out}")
    return "\n".join(lines)


def rules_markdown(tolerances: Tolerances | None = None) -> str:
    """The slippage rules as the README's table: made from the registry, never retyped."""
    tol = tolerances or Tolerances()
    lines = ["| rule | when | severity |", "|---|---|---|"]
    lines += [f"| `{r.code}` | {r.describe(tol)} | {r.severity[0].upper()}{r.severity[1:]}. |"
              for r in RULES.values()]
    return "\n".join(lines) + "\n"


def severity_markdown(tolerances: Tolerances | None = None) -> str:
    """The sentence above the README's rule table, from the default tolerances."""
    tol = tolerances or Tolerances()
    return (f"Computed as at a date (default: the period's end), with the region's tolerances. "
            f"Severity by days late: up to {tol.low_days} low, up to {tol.medium_days} medium, "
            "beyond that high.\n")


if __name__ == "__main__":  # python3 -m laa_xl.render: the README's rule section
    print(severity_markdown() + "\n" + rules_markdown(), end="")
