"""The roll-up's sheets of the GO's own assessment: GO assessment and Advice.

Both are written from the reviews `consolidate --reviews` used (`Rollup.reviews`), with the
figures worked out beforehand (`Rollup.review_figures`); without reviews each says so.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..schemas import sheet
from ..xlsxout import put
from .layout import HEADER_ROW, PROVENANCE
from .sheets import RollupSheet

if TYPE_CHECKING:
    from .consolidate import Rollup
    from .writer import RollupWriter

NO_REVIEWS = "No GO reviews were given: run consolidate with --reviews FOLDER to fold them in."


def _elements() -> tuple[str, ...]:
    return sheet("review-delivery").field("element").enum or ()


def _judgements() -> tuple[str, ...]:
    return sheet("review-outcomes").field("judgement").enum or ()


def go_assessment_headers() -> list[str]:
    return ["LSP", "Partnership", "Reviewed", "Fit for purpose?", "Overall likelihood of delivery",
            *_elements(), *[f"Outcomes: {j}" for j in _judgements()],
            "Assurance disagreements", "Disagreeing on", "Open advice", "Overdue advice",
            "Review file"]


class GOAssessment(RollupSheet):
    """One row per partnership: the GO's conclusion, its three elements, its outcomes by GO
    judgement and where it disagrees with the self-assessment."""

    name = "GO assessment"

    def size(self, r: Rollup) -> int:
        return len(r.result.statuses) + (len(r.reviews.reports) if r.reviews else 0) + 3

    def write(self, w: RollupWriter, ws: Any) -> None:
        r, region = w.r, w.region
        w.title(ws, f"GO assessment — {region.region}, {region.period}",
                "The Government Office's own judgement of each partnership, from its review "
                "workbook; see Assurance for each rating beside the self-assessment, and Advice."
                if r.reviews is not None else NO_REVIEWS)
        headers = go_assessment_headers()
        n_el, n_j = len(_elements()), len(_judgements())
        w.table(ws, "tblGOAssessment", headers, len(r.result.statuses),
                widths=[7, 30, 9, 22, 14, *[14] * n_el, *[11] * n_j, 12, 24, 9, 9, 34],
                header_format=w.f_head_wrap)
        ws.set_row(HEADER_ROW, 58)
        like = {**w.f_rag, "Amber-Green": w.f_like_ag, "Amber-Red": w.f_like_ar}
        row = HEADER_ROW + 1
        for s in r.result.statuses:
            fig = r.review_figures.get(s.lsp.code)
            values: list[Any] = [s.lsp.code, s.lsp.name, "Yes" if fig else "No"]
            if fig is not None:
                values += [fig.fit, fig.overall, *[fig.elements.get(e) for e in _elements()],
                           *[fig.judgements.get(j, 0) for j in _judgements()],
                           len(fig.disagreements), ", ".join(fig.disagreements),
                           fig.open_advice, fig.overdue_advice, Path(fig.file).name]
            for c, v in enumerate(values):
                fmt = like.get(str(v), w.f_text) if 4 <= c < 5 + n_el else w.f_text
                if headers[c] == "Overdue advice" and v:
                    fmt = w.f_rag["Red"]
                put(ws, row, c, v, fmt)
            row += 1
        if r.reviews is not None and (r.reviews.invalid or r.reviews.strays):
            row += 1
            ws.write_string(row, 0, "Reviews left out", w.f_bold)
            for rep in r.reviews.invalid:
                row += 1
                first = rep.sorted_issues()[0] if rep.issues else None
                put(ws, row, 0, Path(rep.file).name, w.f_text)
                put(ws, row, 3, f"not valid: {rep.errors} error(s), listed on Issues"
                    + (f"; first: {first}" if first else ""), w.f_text)
            for rep, why in r.reviews.strays:
                row += 1
                put(ws, row, 0, Path(rep.file).name, w.f_text)
                put(ws, row, 3, why, w.f_text)


class Advice(RollupSheet):
    """Every piece of advice of every review used, its owner and status; open advice past
    its due date marked."""

    name = "Advice"

    def size(self, r: Rollup) -> int:
        return sum(len(rep.data.sheets.get("review-advice", []))
                   for rep in (r.reviews.used.values() if r.reviews else ()))

    def write(self, w: RollupWriter, ws: Any) -> None:
        r = w.r
        spec = sheet("review-advice")
        w.title(ws, f"Advice — every review, as at {r.as_of:%d/%m/%Y}",
                "Open advice past its due date is marked in red in Overdue (days)."
                if r.reviews is not None else NO_REVIEWS)
        headers = ["LSP", *spec.headers, "Overdue (days)", *PROVENANCE]
        overdue = {(f.lsp, f.file, f.row): f.days for f in r.flags if f.rule == "advice-overdue"}
        entries = []
        for code, rep in (r.reviews.used.items() if r.reviews else ()):
            name = rep.data.sheet_names.get(spec.key, spec.name)
            for row in rep.data.sheets.get(spec.key, []):
                entries.append((code, rep.file, name, row))
        w.table(ws, "tblAdvice", headers, len(entries),
                widths=[7, *[min(f.width, 30) for f in spec.fields], 9, 30, 11, 8],
                header_format=w.f_head_wrap)
        ws.set_row(HEADER_ROW, 30)
        out = HEADER_ROW + 1
        for code, file, name, row in entries:
            days = overdue.get((code, file, row.row))
            values = [code, *[row.get(f.name) for f in spec.fields], days, file, name, row.row]
            for c, v in enumerate(values):
                fmt = w.f_date if isinstance(v, date) else w.f_text
                if c == len(spec.fields) + 1 and days:
                    fmt = w.f_rag["Red"]
                put(ws, out, c, v, fmt)
            out += 1
