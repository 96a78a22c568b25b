"""Writes the GO's review workbook for a partnership, prefilled from the roll-up.

The facts (what the partnership's return said, what the roll-up found) are locked; the GO's
judgements are dropdowns from the review schemas (`schemas/review-*.schema.json`).  Each data
sheet is laid out as the return template's are (title, what the sheet is for, a mark row, the
header row of an Excel Table, then the rows), so the same reader reads a filled review back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .data import load_json
from .errors import InputError, ReadError
from .layout import (
    ABOUT_ROW,
    FIRST_DATA_ROW,
    GUIDANCE_SHEET,
    HEADER_ROW,
    LISTS_SHEET,
    MARK_ROW,
    META_SHEET,
    REVIEW_SUMMARY_SHEET,
    TITLE_ROW,
)
from .region import Lsp, Period, Region
from .rollup.layout import MISSING, VALID
from .rollup_reader import return_state
from .schemas import SheetSpec, review_product, review_schema_version, review_sheets, sheet
from .template import (
    GUIDE_WIDTHS,
    LINE_HEIGHT,
    DropdownLists,
    _Formats,
    _input_message,
    _validation,
    generated_at,
    wrapped_lines,
)
from .text import id_key
from .xlsxout import RAG_COLOURS, RATING_COLOURS, atomic_output, new_workbook, put

SUMMARY_SHEET = REVIEW_SUMMARY_SHEET
GENERAL = "General"  # what an Advice row is about when it is about no one item
# The four-point likelihood scale's colours, Green to Red.
LIKELIHOOD_COLOURS = {"Green": RAG_COLOURS["Green"], "Amber-Green": "#C6E0B4",
                      "Amber-Red": "#F4B183", "Red": RAG_COLOURS["Red"]}
_WORDS = load_json("review_guidance.json")
ONE_PAGE_WIDE = 165  # characters of column width that print at 8 pt or more on A4 landscape
_DASHBOARD, _SLIPPING, _MATRIX = "Dashboard", "Slipping", "Assurance"
_COMPLETENESS = "Completeness"


# --------------------------------------------------------------------------------------
# What a review is prefilled with, as plain data


@dataclass
class ReturnFacts:
    """What the roll-up says of one partnership's return (its Dashboard row and flags)."""

    returned: bool = False
    received: date | None = None
    on_time: str | None = None
    valid: str | None = None
    errors: int | None = None
    warnings: int | None = None
    in_rollup: bool = False  # its data is in the roll-up
    outcomes_by_rag: dict[str, int] = field(default_factory=dict)
    actions_by_rag: dict[str, int] = field(default_factory=dict)
    slipping_items: int = 0
    slipping_milestones: int = 0
    off_track: int = 0
    weak_areas: str = ""


@dataclass
class ReviewData:
    """Everything one partnership's review workbook is prefilled with."""

    lsp: Lsp
    period: str
    region: str
    go_name: str
    rollup: str  # the roll-up's file name
    as_of: str
    facts: ReturnFacts
    rows: dict[str, list[dict[str, Any]]]  # by review sheet key
    about: list[str]  # what an Advice row may be about: General, then the return's IDs
    carried_from: str = ""  # the previous review the open advice came from

    @property
    def status_line(self) -> str:
        """One sentence on the return, for the top of the Summary."""
        f, who = self.facts, self.lsp.name
        if not f.returned:
            return (f"No return was received from {who} for {self.period}: the outcomes and "
                    "assurance sheets below hold nothing from the partnership.")
        if not f.in_rollup:
            return (f"{who}'s return for {self.period} was not valid ({f.errors or 0} "
                    "error(s)), so its data is not in the roll-up: the outcomes and assurance "
                    "sheets below hold nothing from it.")
        if f.valid == "No":
            return (f"{who}'s return for {self.period} was not valid ({f.errors or 0} "
                    "error(s)); its data is in the roll-up, marked, and shown below.")
        late = "" if f.on_time != "No" else ", late,"
        return f"{who}'s return for {self.period} was received{late} and is valid."


@dataclass
class RollupSource:
    """A roll-up read for reviewing: its identity, each LSP's rows and its own tables."""

    path: str
    meta: dict[str, str]
    returns: dict[str, Any]  # LSP code -> model.Return
    dashboard: dict[str, dict[str, Any]]  # LSP code -> Dashboard row, by header
    slipping: list[dict[str, Any]]  # every Slipping row, by header
    answers: dict[str, list[dict[str, Any]]]  # LSP code -> its assurance answers, by header
    completeness: dict[str, dict[str, Any]] = field(default_factory=dict)  # LSP code -> row

    @property
    def period(self) -> str:
        return self.meta.get("period", "")


def read_rollup_source(path: str | Path, region: Region) -> RollupSource:
    """The roll-up to review from; InputError if it cannot serve, is another region's or is
    for another period than the region file's."""
    from .rollup.layout import ASSURANCE_ANSWERS
    from .rollup_reader import read_rollup, read_tables

    try:
        rollup = read_rollup(path)
        tables = read_tables(path, (_DASHBOARD, _COMPLETENESS, _SLIPPING, ASSURANCE_ANSWERS,
                                    _MATRIX))
    except ReadError as err:
        raise InputError(str(err).replace("as the previous round", "as the roll-up to "
                                          "review")) from err
    other = rollup.meta.get("region", "")
    if other and other != region.region:
        raise InputError(f"{path} is {other}'s roll-up, but the region file is for "
                         f"{region.region}: --rollup must be this region's roll-up.")
    if rollup.meta.get("period") and rollup.meta["period"] != str(region.period):
        raise InputError(f"{path} is the roll-up for {rollup.meta['period']}, but the region "
                         f"file is for {region.period}: review from this round's roll-up.")
    answers: dict[str, list[dict[str, Any]]] = {}
    for row in tables.get(ASSURANCE_ANSWERS, []):
        answers.setdefault(str(row.get("LSP") or "").strip(), []).append(row)
    if ASSURANCE_ANSWERS not in tables:  # a roll-up made before it had the answers: ratings
        for row in tables.get(_MATRIX, []):  # alone, from the matrix, without evidence
            answers[str(row.get("LSP") or "").strip()] = [
                {"Ref": q.id, "Self-assessment": row.get(q.id)} for q in region.questions]
    dashboard = {str(row.get("LSP") or "").strip(): row for row in tables.get(_DASHBOARD, [])}
    completeness = {str(row.get("LSP") or "").strip(): row
                    for row in tables.get(_COMPLETENESS, [])}
    return RollupSource(str(path), rollup.meta, rollup.returns, dashboard,
                        tables.get(_SLIPPING, []), answers, completeness)


def _int(v: Any) -> int:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def _date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    return v if isinstance(v, date) else None


def review_data(source: RollupSource, region: Region, lsp: Lsp,
                carried: Iterable[dict[str, Any]] = (), carried_from: str = "") -> ReviewData:
    """One partnership's review, prefilled from the roll-up (and last review's open advice)."""
    from .schemas import target_years

    dash = source.dashboard.get(lsp.code, {})
    # Whether it came, when, and whether it is valid: the Completeness sheet's row.
    comp = source.completeness.get(lsp.code, {})
    state = return_state(str(comp.get("Status") or MISSING))
    returned = state != MISSING
    ret = source.returns.get(lsp.code)
    facts = ReturnFacts(
        returned=returned, received=_date(comp.get("Received")),
        on_time=comp.get("On time"),
        valid=("Yes" if state == VALID else "No") if returned else None,
        errors=_int(comp.get("Errors")) if comp.get("Errors") is not None else None,
        warnings=_int(comp.get("Warnings")) if comp.get("Warnings") is not None else None,
        in_rollup=ret is not None)
    if ret is not None:
        facts.outcomes_by_rag = {k: _int(dash.get(f"Outcomes {k}")) for k in ("Red", "Amber",
                                                                                "Green")}
        from .slippage import kind

        rag = kind("actions").rag or "rag"
        actions = Counter(str(a.values.get(rag) or "") for a in ret.sheets.get("actions", []))
        facts.actions_by_rag = {k: actions[k] for k in ("Red", "Amber", "Green")}
        facts.slipping_milestones = _int(dash.get("Slipping milestones"))
        facts.off_track = _int(dash.get("Off-track outcomes"))
        facts.weak_areas = str(dash.get("Assurance areas rated Weak") or "")

    # Which outcome each flagged item serves, and which outcomes are off trajectory.
    action_outcome = {id_key(a.values["action_id"]): a.values.get("outcome_id")
                      for a in (ret.sheets["actions"] if ret else [])
                      if isinstance(a.values.get("action_id"), str)}
    items: set[tuple[str, str]] = set()
    slipping_by_outcome: dict[str, set[tuple[str, str]]] = {}
    off: set[str] = set()
    for flag in source.slipping:
        if str(flag.get("LSP") or "").strip() != lsp.code:
            continue
        where, item = str(flag.get("Sheet") or ""), str(flag.get("Item") or "")
        parent = flag.get("Belongs to")
        if where == sheet("outcomes").name:
            if flag.get("Rule") == "off-trajectory":
                off.add(id_key(item))
            continue
        items.add((where, id_key(item)))
        outcome = parent if where == sheet("actions").name else \
            action_outcome.get(id_key(str(parent or "")))
        if isinstance(outcome, str):
            slipping_by_outcome.setdefault(id_key(outcome), set()).add((where, id_key(item)))
    facts.slipping_items = len(items)

    year = target_years().get(Period.parse(source.period).year_label) if source.period else None
    outcomes = []
    for o in (ret.sheets["outcomes"] if ret else []):
        v = o.values
        oid = v.get("outcome_id")
        if not isinstance(oid, str):
            continue
        outcomes.append({
            "outcome_id": oid, "indicator": v.get("indicator"), "title": v.get("title"),
            "theme": v.get("theme"), "latest_value": v.get("latest_value"),
            "target": v.get(year.name) if year else None, "rag": v.get("confidence"),
            "off_trajectory": "Yes" if id_key(oid) in off else "No",
            "slipping": len(slipping_by_outcome.get(id_key(oid), ()))})

    answers = {id_key(str(a.get("Ref"))): a for a in source.answers.get(lsp.code, [])
               if a.get("Ref")}
    assurance = []
    for q in region.questions:
        a = answers.get(id_key(q.id), {})
        assurance.append({"question_id": q.id, "area": q.area, "question": q.question,
                          "rating": a.get("Self-assessment"), "evidence": a.get("Evidence")})
    delivery = [{"element": e} for e in sheet("review-delivery").field("element").enum or ()]

    about = [GENERAL, *[o["outcome_id"] for o in outcomes]]
    about += [a.values["action_id"] for a in (ret.sheets["actions"] if ret else [])
              if isinstance(a.values.get("action_id"), str)]
    about += [q.id for q in region.questions]
    once: dict[str, str] = {}
    for x in about:  # each ID once, in its first form
        once.setdefault(id_key(x), x)
    about = list(once.values())
    rows: dict[str, list[dict[str, Any]]] = {
        "review-outcomes": outcomes, "review-assurance": assurance,
        "review-delivery": delivery, "review-conclusion": [{}],
        "review-advice": [dict(a) for a in carried]}
    return ReviewData(lsp, source.period, region.region, region.go_name, Path(source.path).name,
                      source.meta.get("as_of", ""), facts, rows, about, carried_from)


# --------------------------------------------------------------------------------------
# Last review's open advice


def open_advice(folder: str | Path, region: Region) -> tuple[dict[str, list[dict[str, Any]]],
                                                             dict[str, str], list[str]]:
    """The advice not Done or Dropped in the latest earlier review of each partnership in
    `folder`: (LSP code -> advice rows, LSP code -> the review's file name, notes).

    `folder` may instead be an earlier round's roll-up made with `--reviews`: its Advice
    sheet holds every review's advice."""
    from .rules import check_file

    folder = Path(folder)
    if folder.is_file():
        return _advice_from_rollup(folder, region)
    if not folder.is_dir():
        raise InputError(f"--previous-reviews {folder} is not a folder.")
    status = sheet("review-advice").status
    closed = status.closed if status else ()
    best: dict[str, tuple[tuple[int, int], Path, list[dict[str, Any]]]] = {}
    notes: list[str] = []
    for path in sorted(folder.glob("*.xlsx")):
        if path.name.startswith((".", "~$")):
            continue
        rep = check_file(path)
        data = rep.data
        if data is None or data.meta.get("product") != review_product():
            notes.append(f"{path.name} is not a GO review workbook: left out.")
            continue
        try:
            period = Period.parse(data.meta.get("period", ""))
        except ValueError:
            continue
        if (period.start_year, period.quarter) >= (region.period.start_year,
                                                   region.period.quarter):
            notes.append(f"{path.name} is the review for {period}, not an earlier one: left "
                         "out.")
            continue
        lsp = region.find_lsp(data.lsp_code)
        if lsp is None:
            continue
        if rep.errors:
            notes.append(f"{path.name} has {rep.errors} error(s) (run laa-xl validate on it); "
                         "its advice was still carried in.")
        rows = [dict(r.values) for r in data.sheets.get("review-advice", [])
                if r.values.get("status") not in closed and r.values.get("advice_id")]
        key = (period.start_year, period.quarter)
        if lsp.code not in best or best[lsp.code][0] < key:
            best[lsp.code] = (key, path, rows)
    return ({c: v[2] for c, v in best.items()}, {c: v[1].name for c, v in best.items()}, notes)


def _advice_from_rollup(path: Path, region: Region
                        ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str], list[str]]:
    """Open advice from an earlier round's roll-up (its Advice sheet, by the review's headers)."""
    from .rollup_reader import read_previous, read_tables
    from .rules.cells import Bad, normalise

    try:
        previous = read_previous(path, region)
        tables = read_tables(path, ("Advice",))
    except ReadError as err:
        raise InputError(str(err)) from err
    spec = sheet("review-advice")
    by_header = {f.header: f for f in spec.fields}
    closed = spec.closed
    out: dict[str, list[dict[str, Any]]] = {}
    for line in tables.get("Advice", []):
        lsp = region.find_lsp(str(line.get("LSP") or ""))
        if lsp is None:
            continue
        row: dict[str, Any] = {}
        for header, value in line.items():
            f = by_header.get(header)
            if f is None or value is None:
                continue
            try:
                row[f.name], _ = normalise(f, value)
            except Bad:
                row[f.name] = value
        if row.get("advice_id") and row.get("status") not in closed:
            out.setdefault(lsp.code, []).append(row)
    name = f"{path.name} ({previous.meta.get('period', 'the earlier round')})"
    return out, {code: name for code in out}, []


# --------------------------------------------------------------------------------------
# The workbook


def review_name(period: str, lsp: Lsp) -> str:
    """The file name of a partnership's review: ``GO-review-2009-10-Q2-ANY.xlsx``."""
    return f"GO-review-{period.replace('/', '-').replace(' ', '-')}-{lsp.code}.xlsx"


def _list_name(key: str, name: str) -> str:
    return f"list_{key.replace('review-', '')}_{name}"


class ReviewBuilder:
    """Builds one review workbook.  `build()` is the only entry point."""

    def __init__(self, data: ReviewData, when: datetime | None = None) -> None:
        self.d = data
        self.when = when or generated_at()
        self.specs = review_sheets()

    def build(self, path: Path) -> None:
        d = self.d
        wb = new_workbook(path, created=self.when,
                          title=f"GO review {d.period} — {d.lsp.name}")
        self.fmt = _Formats(wb)
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.f_like = {k: wb.add_format({**base, "bold": True, "bg_color": v, "border": 1})
                       for k, v in LIKELIHOOD_COLOURS.items()}
        self.cf = {**{k: wb.add_format({"bg_color": v}) for k, v in LIKELIHOOD_COLOURS.items()},
                   **{k: wb.add_format({"bg_color": v}) for k, v in RATING_COLOURS.items()}}
        self.f_alert = wb.add_format({**base, "bold": True, "text_wrap": True,
                                      "bg_color": "#FFE699", "border": 1})
        self._guidance(wb.add_worksheet(GUIDANCE_SHEET))
        self._summary(wb.add_worksheet(SUMMARY_SHEET))
        data_ws = {s.key: wb.add_worksheet(s.name) for s in self.specs}
        lists_ws = wb.add_worksheet(LISTS_SHEET)
        meta_ws = wb.add_worksheet(META_SHEET)
        lists = self._lists(wb, lists_ws)
        for spec in self.specs:
            self._data_sheet(data_ws[spec.key], spec, lists)
        self._meta(meta_ws)
        for ws in (lists_ws, meta_ws):
            ws.hide()
            ws.protect()
        wb.close()

    # -- hidden sheets --------------------------------------------------------------------

    def _meta(self, ws: Any) -> None:
        """The review's identity: a review workbook, never a return."""
        d = self.d
        items = [("product", review_product()), ("schema_version", review_schema_version()),
                 ("lsp_code", d.lsp.code), ("lsp_name", d.lsp.name), ("region", d.region),
                 ("period", d.period), ("rollup", d.rollup), ("as_of", d.as_of),
                 ("generated_at", self.when.isoformat(timespec="seconds")),
                 ("tool_version", __version__),
                 # What an Advice row may be about (General and the return's IDs), for the
                 # check of a filled review.
                 ("about", " ".join(d.about))]
        ws.write_string(0, 0, "key")
        ws.write_string(0, 1, "value")
        for i, (k, v) in enumerate(items, start=1):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)

    def _lists(self, wb: Any, ws: Any) -> dict[tuple[str, str], str]:
        """Every dropdown list on the hidden sheet, each a defined name: (sheet key, field)
        → name."""
        out: dict[tuple[str, str], str] = {}
        add = DropdownLists(wb, ws).add

        for spec in self.specs:
            for f in spec.fields:
                if f.locked:
                    continue
                if f.enum:
                    out[(spec.key, f.name)] = add(_list_name(spec.key, f.name), f.enum)
                elif f.list_name == "about":
                    out[(spec.key, f.name)] = add("list_about", tuple(self.d.about))
        return out

    # -- data sheets ----------------------------------------------------------------------

    def _data_sheet(self, ws: Any, spec: SheetSpec, lists: dict[tuple[str, str], str]) -> None:
        fmt, d = self.fmt, self.d
        if spec.tab_color:
            ws.set_tab_color(spec.tab_color)
        ws.write_string(TITLE_ROW, 0, f"{spec.title} — {d.lsp.name} — {d.period}", fmt.title)
        ws.write_string(ABOUT_ROW, 0, spec.description + " Grey cells are the facts, locked; "
                        "click any header or cell to see what to enter.", fmt.about)
        ws.set_row(HEADER_ROW, 45)
        rows = d.rows.get(spec.key, [])
        nrows = len(rows) + spec.template_rows
        last = HEADER_ROW + max(nrows, 1)
        columns = []
        for c, f in enumerate(spec.fields):
            ws.set_column(c, c, f.width)
            ws.write_string(MARK_ROW, c, "Fact" if f.locked else "GO fills in",
                            fmt.optional if f.locked else fmt.required)
            columns.append({"header": f.header,
                            "header_format": fmt.header_opt if f.locked else fmt.header_req})
        ws.add_table(HEADER_ROW, 0, last, len(spec.fields) - 1, {
            "name": f"tbl{spec.name}", "columns": columns, "style": "Table Style Light 1",
            "autofilter": True})
        for i in range(nrows):
            r = FIRST_DATA_ROW + i
            values = rows[i] if i < len(rows) else {}
            carried = i < len(rows) and spec.key == "review-advice"
            for c, f in enumerate(spec.fields):
                locked = f.locked or (carried and f.means("x-carried")
                                      and values.get(f.name) is not None)
                put(ws, r, c, values.get(f.name), fmt.cell(f, locked))
            # LibreOffice prints wrapped text over the next row unless the row has a height.
            lines = max((wrapped_lines(v, f.width) for f in spec.fields
                         if isinstance(v := values.get(f.name), str)), default=1)
            if lines > 1:
                ws.set_row(r, LINE_HEIGHT * lines)
        for c, f in enumerate(spec.fields):
            title, message = _input_message(f)
            ws.data_validation(HEADER_ROW, c, HEADER_ROW, c, {
                "validate": "any", "input_title": title, "input_message": message})
            if f.locked and not f.means("x-carried"):
                continue
            names = {f.name: lists[(spec.key, f.name)]} if (spec.key, f.name) in lists else {}
            dv = _validation(f, names)
            if f.list_name == "about":
                dv["error_type"] = "warning"  # a new ID may be typed before the next return
                dv["error_message"] = f"Enter {f.hint}: the dropdown lists them."[:255]
            ws.data_validation(FIRST_DATA_ROW, c, last, c, dv)
        self._colours(ws, spec, last)
        ws.freeze_panes(FIRST_DATA_ROW, 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        # A sheet that prints at 8 pt or more on one A4 page wide is fitted to it; a wider
        # one runs across pages, its ID column repeated, rather than shrink out of reading.
        if sum(f.width for f in spec.fields) <= ONE_PAGE_WIDE:
            ws.fit_to_pages(1, 0)
        else:
            ws.repeat_columns(0, 0)
        ws.repeat_rows(HEADER_ROW)
        ws.set_footer(f"&L{_footer(d.lsp.name)}, {_footer(d.period)}&C&A&RPage &P of &N")
        ws.protect("", {"autofilter": True, "sort": True, "format_columns": True,
                        "format_rows": True, "insert_rows": spec.key == "review-advice",
                        "delete_rows": spec.key == "review-advice"})

    def _colours(self, ws: Any, spec: SheetSpec, last: int) -> None:
        for c, f in enumerate(spec.fields):
            scale: dict[str, Any] = {}
            if f.rag or f.means("x-likelihood"):
                scale = {k: self.cf[k] for k in (f.enum or ()) if k in self.cf}
            elif f.enum == tuple(RATING_COLOURS):
                scale = {k: self.cf[k] for k in RATING_COLOURS}
            for value, cf in scale.items():
                ws.conditional_format(FIRST_DATA_ROW, c, last, c, {
                    "type": "cell", "criteria": "==", "value": f'"{value}"', "format": cf})

    # -- Summary and Guidance -------------------------------------------------------------

    def _lines(self, ws: Any) -> Any:
        fmt = self.fmt
        ws.set_column(0, 0, GUIDE_WIDTHS[0])
        ws.set_column(1, 1, GUIDE_WIDTHS[1])
        ws.hide_gridlines(2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        state = {"r": 0}

        def line(a: str, b: Any = "", fa: Any = None, fb: Any = None) -> None:
            r = state["r"]
            ws.write_string(r, 0, a, fa or fmt.bold)
            if b not in ("", None):
                put(ws, r, 1, b, fb or fmt.para, fmt.para)
            text = b if isinstance(b, str) else ""
            lines = max(wrapped_lines(a, GUIDE_WIDTHS[0]), wrapped_lines(text, GUIDE_WIDTHS[1]))
            if lines > 1:
                ws.set_row(r, LINE_HEIGHT * lines)
            state["r"] = r + 1

        def heading(text: str, h: Any = None) -> None:
            state["r"] += 1 if h is None else 0
            ws.write_string(state["r"], 0, text, h or fmt.h2)
            state["r"] += 2 if h is not None else 1

        return line, heading

    def _summary(self, ws: Any) -> None:
        d, f, fmt = self.d, self.d.facts, self.fmt
        ws.set_tab_color("#1F4E79")
        line, heading = self._lines(ws)
        heading(f"GO review — {d.lsp.name} ({d.lsp.code}), {d.period}", fmt.h1)
        line("The return", d.status_line, fb=self.f_alert if not f.in_rollup
             or f.valid == "No" else None)
        line("Region", f"{d.region} ({d.go_name})")
        line("Roll-up", f"{d.rollup}, slippage as at {_as_of(d.as_of)}")
        heading("The return, as the roll-up has it")
        line("Returned", "Yes" if f.returned else "No")
        line("Received", f"{f.received:%d/%m/%Y}" if f.received else "—")
        line("On time", f.on_time or "—")
        line("Valid", f.valid or "—")
        line("Errors and warnings", "—" if f.errors is None else
             f"{f.errors} error(s), {f.warnings or 0} warning(s)")
        if f.in_rollup:
            for what, counts in (("Outcomes", f.outcomes_by_rag), ("Actions", f.actions_by_rag)):
                line(f"{what} by RAG", ", ".join(f"{k} {counts.get(k, 0)}"
                                                 for k in ("Red", "Amber", "Green")))
            line("Slipping items", f"{f.slipping_items} (actions and milestones flagged; "
                                   f"{f.slipping_milestones} of them milestones)")
            line("Off-track outcomes", str(f.off_track))
            line("Assurance areas rated Weak", f.weak_areas or "none")
        if d.carried_from:
            n = len(d.rows.get("review-advice", []))
            line("Advice carried in", f"{n} piece(s) of advice still open in {d.carried_from}: "
                                      "see Advice.")
        heading("What to fill in")
        for spec in self.specs:
            line(spec.name, spec.description)
        ws.protect()

    def _guidance(self, ws: Any) -> None:
        fmt, d, words = self.fmt, self.d, _WORDS
        ws.set_tab_color("#404040")
        line, heading = self._lines(ws)
        heading(f"GO review — {d.period}", fmt.h1)
        line("Partnership", f"{d.lsp.name} ({d.lsp.code})")
        line("Region", f"{d.region} ({d.go_name})")
        heading(words["use"]["heading"])
        for i, s in enumerate(words["use"]["steps"], start=1):
            line(f"Step {i}", s)
        heading(words["judgement"]["heading"])
        for k in sheet("review-outcomes").field("judgement").enum or ():
            line(k, words["judgement"]["levels"][k])
        heading(words["challenge"]["heading"])
        for label, text in words["challenge"]["questions"]:
            line(label, text)
        heading(words["likelihood"]["heading"])
        for k in sheet("review-conclusion").field("overall").enum or ():
            line(k, words["likelihood"]["levels"][k], self.f_like[k])
        heading(words["fit"]["heading"])
        for k in sheet("review-conclusion").field("fit_for_purpose").enum or ():
            line(k, words["fit"]["levels"][k])
        for part in ("assurance", "advice"):
            heading(words[part]["heading"])
            for label, text in words[part]["lines"]:
                line(label, text)
        ws.protect()


def _footer(text: str) -> str:
    return text.replace("&", "&&")


def _as_of(text: str) -> str:
    try:
        return f"{date.fromisoformat(text):%d/%m/%Y}"
    except ValueError:
        return text or "the period's end"


def build_review(path: str | Path, data: ReviewData, when: datetime | None = None,
                 refuse: tuple[str | Path, ...] = ()) -> Path:
    """Write one review workbook to `path` (atomically) and return the path."""
    target = Path(path)
    with atomic_output(target, refuse=refuse) as tmp:
        ReviewBuilder(data, when).build(tmp)
    return target


@dataclass
class Written:
    """One review written, and what it was prefilled with."""

    lsp: Lsp
    path: Path
    data: ReviewData


def write_reviews(region: Region, rollup: str | Path, lsps: Iterable[Lsp], folder: str | Path,
                  previous_reviews: str | Path | None = None,
                  when: datetime | None = None) -> tuple[list[Written], list[str]]:
    """Write the review workbook of each of `lsps` into `folder`: (what was written, notes)."""
    source = read_rollup_source(rollup, region)
    carried: dict[str, list[dict[str, Any]]] = {}
    carried_from: dict[str, str] = {}
    notes: list[str] = []
    if previous_reviews is not None:
        carried, carried_from, notes = open_advice(previous_reviews, region)
    out = []
    for lsp in lsps:
        data = review_data(source, region, lsp, carried.get(lsp.code, ()),
                           carried_from.get(lsp.code, ""))
        path = build_review(Path(folder) / review_name(source.period, lsp), data, when,
                            refuse=(rollup,))
        out.append(Written(lsp, path, data))
    return out, notes


# --------------------------------------------------------------------------------------
# Filled reviews, folded into the roll-up


@dataclass
class ReviewsRead:
    """A folder of filled reviews, sorted for the round: those used, by LSP code; those with
    errors (listed with their issues, left out); and those not for this round, with why."""

    used: dict[str, Any] = field(default_factory=dict)  # LSP code -> FileReport
    invalid: list[Any] = field(default_factory=list)  # FileReport
    strays: list[tuple[Any, str]] = field(default_factory=list)  # (FileReport, why)

    @property
    def reports(self) -> list[Any]:
        """Every review read, used or not, in the order found."""
        return [*self.used.values(), *self.invalid, *(r for r, _ in self.strays)]

    @property
    def notes(self) -> list[str]:
        """What the command says of the reviews it did not use."""
        out = [f"{Path(r.file).name} is not valid ({r.errors} error(s)): left out; run "
               "laa-xl validate on it." for r in self.invalid]
        out += [f"{Path(r.file).name} {why}: left out." for r, why in self.strays]
        return out


def read_reviews(folder: str | Path, region: Region) -> ReviewsRead:
    """Check every file in `folder` as a review of this round's partnerships."""
    from .round import expand_inputs
    from .rules import check_file

    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"--reviews {folder} is not a folder.")
    out = ReviewsRead()
    for p in expand_inputs([path]):
        rep = check_file(p, region)
        meta = rep.data.meta if rep.data is not None else {}
        lsp = region.find_lsp(meta.get("lsp_code", ""))
        if rep.data is None:
            out.strays.append((rep, "cannot be read"))
        elif meta.get("product") != review_product():
            out.strays.append((rep, "is not a GO review workbook (a partnership's return?)"))
        elif lsp is None or meta.get("period") != str(region.period):
            out.strays.append((rep, f"is the review of {meta.get('lsp_code') or 'no partnership'}"
                                    f" for {meta.get('period') or 'no period'}, not of a "
                                    f"partnership of {region.region} for {region.period}"))
        elif not rep.valid:
            out.invalid.append(rep)
        elif lsp.code in out.used:
            out.strays.append((rep, f"is a second review of {lsp.code} (the first found, "
                                    f"{Path(out.used[lsp.code].file).name}, is used)"))
        else:
            out.used[lsp.code] = rep
    return out


@dataclass
class ReviewFigures:
    """One partnership's GO assessment, as the roll-up shows it."""

    file: str
    fit: str | None = None
    overall: str | None = None
    elements: dict[str, str | None] = field(default_factory=dict)
    judgements: dict[str, int] = field(default_factory=dict)  # outcomes by GO judgement
    go_ratings: dict[str, str] = field(default_factory=dict)  # assurance Ref -> GO rating
    disagreements: list[str] = field(default_factory=list)  # Refs where GO differs from self
    open_advice: int = 0
    overdue_advice: int = 0

    @property
    def conclusion(self) -> str:
        """The GO's conclusion in a few words: fit for purpose, and the overall likelihood."""
        parts = [f"Fit for purpose: {self.fit}" if self.fit else "",
                 f"likelihood {self.overall}" if self.overall else ""]
        return "; ".join(p for p in parts if p) or "not concluded"


def review_figures(report: Any, flags: Iterable[Any] = ()) -> ReviewFigures:
    """A used review's figures; `flags` are its advice-overdue flags."""
    data = report.data
    fig = ReviewFigures(report.file)
    (con, *_) = data.sheets.get("review-conclusion") or [None]
    if con is not None:
        fig.fit, fig.overall = con.get("fit_for_purpose"), con.get("overall")
    for row in data.sheets.get("review-delivery", []):
        if row.get("element"):
            fig.elements[row.get("element")] = row.get("likelihood")
    judgement = sheet("review-outcomes").field("judgement")
    fig.judgements = {k: 0 for k in judgement.enum or ()}
    for row in data.sheets.get("review-outcomes", []):
        if row.get("judgement") in fig.judgements:
            fig.judgements[row.get("judgement")] += 1
    for row in data.sheets.get("review-assurance", []):
        ref, go, own = row.get("question_id"), row.get("go_rating"), row.get("rating")
        if ref and go:
            fig.go_ratings[id_key(ref)] = go
            if own and go != own:
                fig.disagreements.append(ref)
    status = sheet("review-advice").status
    closed = status.closed if status else ()
    fig.open_advice = sum(1 for r in data.sheets.get("review-advice", [])
                          if r.get("status") not in closed)
    fig.overdue_advice = len({f.item_id for f in flags if f.rule == "advice-overdue"})
    return fig
