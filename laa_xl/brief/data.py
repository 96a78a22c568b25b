"""What each pack shows, as plain data computed from a roll-up: testable without a PDF.

A pack is built from a `RollupSource`.  Two optional inputs plug in when they exist: the GO's
review judgements (`review`, `reviews` by LSP code) and earlier roll-ups (`history`, for a
partnership's trends); both default to nothing, and a pack without them is complete on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Return, Row
from ..reader.headers import suggest
from ..rollup.layout import MISSING, VALID
from ..rollup_reader import return_state
from ..schemas import sheet, target_years
from ..text import id_key
from ..themes import Themes
from .source import RollupSource

RAGS = ("Red", "Amber", "Green")
_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
# Options-appraisal answers that deserve a question.
_DOUBTFUL = ("No", "Partly")


@dataclass(frozen=True)
class Review:
    """The GO's judgement of one partnership, when a review is given (the review workbook's
    Conclusion and Assurance sheets): shown beside the partnership's own view."""

    fit_for_purpose: str = ""
    likelihood: str = ""
    conclusion: str = ""
    go_assurance: Mapping[str, str] = field(default_factory=dict)  # assurance ref -> rating
    outcome_judgements: Mapping[str, str] = field(default_factory=dict)  # outcome ID -> judgement


@dataclass
class Header:
    """What every page of every pack carries."""

    region: str
    period: str
    as_of: str  # 30/09/2009
    go_name: str
    source: str  # the roll-up's file name


@dataclass
class Status:
    """One partnership's line of the Dashboard, as the roll-up has it."""

    code: str
    name: str
    returned: bool
    received: str
    on_time: str
    valid: str
    errors: int | None
    warnings: int | None
    outcomes: dict[str, int]  # by RAG
    actions: dict[str, int]  # by RAG
    slipping_milestones: int | None
    off_track: int | None
    high_flags: int | None
    red_without_plan: int | None
    weak_areas: str
    file: str = ""  # the return's file name

    @property
    def in_rollup(self) -> bool:
        """Whether the roll-up holds this partnership's data (the Dashboard then counts it)."""
        return self.slipping_milestones is not None


@dataclass
class OutcomeLine:
    lsp: str
    outcome_id: str
    indicator: str
    title: str
    theme: str
    unit: str
    polarity: str
    latest: Any
    latest_period: str
    target: Any
    target_year: str
    rag: str
    off_track: bool
    slipping: int  # flagged actions and milestones serving it
    baseline: Any = None
    baseline_period: str = ""
    judgement: str = ""  # the GO's, when reviewed


@dataclass
class SlipItem:
    """A slipping item (counted once however many rules flag it), worst flag first."""

    lsp: str
    theme: str
    sheet: str
    item_id: str
    parent: str
    description: str
    severity: str
    days: int | None
    rules: list[str]
    message: str
    where: str  # the cell of the partner's return: Actions!J27
    file: str = ""  # the return's file name


@dataclass
class AssuranceLine:
    ref: str
    area: str
    question: str
    rating: str
    go_rating: str = ""


@dataclass
class RecoveryPlan:
    lsp: str
    item_id: str
    theme: str
    fields: list[tuple[str, str]]  # (header, text), in the sheet's order, only those filled
    main_factor: str
    factor_detail: str


@dataclass
class Question:
    """A question worth asking in the meeting, drawn from the data: about which item, and
    from which cell of the return."""

    kind: str
    item: str
    where: str  # the cell(s) of the partner's return: Outcomes!S6, T6
    text: str
    file: str = ""  # the return's file name


@dataclass
class AdviceLine:
    """A piece of the GO's advice still open (not Done or Dropped), from the roll-up's Advice
    sheet: what it is about, who owns it, when it is due, and how many days overdue."""

    advice_id: str
    about: str
    advice: str
    owner: str
    due: str
    status: str
    overdue: int | None


@dataclass
class RiskLine:
    lsp: str
    risk_id: str
    linked_to: str
    description: str
    score: Any
    owner: str
    mitigation: str
    status: str


@dataclass
class PartnershipPack:
    header: Header
    status: Status
    outcomes: list[OutcomeLine]
    slipping: list[SlipItem]
    assurance: list[AssuranceLine]
    recovery: list[RecoveryPlan]
    questions: list[Question]
    review: Review | None = None
    advice: list[AdviceLine] = field(default_factory=list)  # the GO's, still open
    # With history (earlier roll-ups): the periods, oldest first, and each outcome's latest
    # value in each.  Plain values, so that a pack is small to hand to another process.
    trend_periods: list[str] = field(default_factory=list)
    trends: list[tuple[str, list[Any]]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.status.code

    @property
    def kind(self) -> str:
        return "partnership"


@dataclass
class ThemePack:
    header: Header
    theme: str
    outcomes: list[OutcomeLine]
    slipping: list[SlipItem]
    risks: list[RiskLine]
    factors: list[tuple[str, int]]  # PESTELO factor -> recovery plans naming it
    recovery: list[RecoveryPlan]
    names: dict[str, str]  # LSP code -> partnership name

    @property
    def kind(self) -> str:
        return "theme"


@dataclass
class Concern:
    code: str
    name: str
    reasons: list[str]


@dataclass
class RegionPack:
    header: Header
    statuses: list[Status]
    completeness: list[tuple[str, int]]  # Expected, Received, On time, Late, Valid, ...
    outcomes: dict[str, int]  # region RAG totals
    actions: dict[str, int]
    slipping_by_theme: list[tuple[str, int]]
    by_severity: dict[str, int]  # flagged items, by their worst flag
    concerns: list[Concern]
    reviews: Mapping[str, Review] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "region"


Pack = PartnershipPack | ThemePack | RegionPack


# -- building blocks ------------------------------------------------------------------------

def header(src: RollupSource) -> Header:
    return Header(src.region, str(src.period), f"{src.as_of:%d/%m/%Y}", src.go_name,
                  Path(src.path).name)


def status(src: RollupSource, code: str) -> Status:
    for d in src.dashboard:
        if d["LSP"] == code:
            return _status(src, d)
    raise InputError(_unknown_lsp(src, code))


def _status(src: RollupSource, d: dict[str, Any]) -> Status:
    has = d.get("Outcomes Red") is not None
    # Whether it came, when, and whether it is valid: the Completeness sheet's row.
    comp = src.completeness.get(str(d["LSP"]), {})
    state = return_state(str(comp.get("Status") or MISSING))
    returned = state != MISSING
    ret = src.returns.get(str(d["LSP"]))
    actions = Counter(str(a.values.get("rag") or "") for a in
                      (ret.sheets.get("actions", []) if ret is not None else []))
    return Status(
        code=str(d["LSP"]), name=str(d.get("Partnership") or d["LSP"]),
        returned=returned, received=_dmy(comp.get("Received")),
        on_time=str(comp.get("On time") or ""),
        valid=("Yes" if state == VALID else "No") if returned else "",
        errors=comp.get("Errors"), warnings=comp.get("Warnings"),
        outcomes={r: int(d.get(f"Outcomes {r}") or 0) for r in RAGS} if has else {},
        actions={r: actions[r] for r in RAGS} if has else {},
        slipping_milestones=d.get("Slipping milestones"), off_track=d.get("Off-track outcomes"),
        high_flags=d.get("High-severity flags"),
        red_without_plan=d.get("Red items without a recovery plan"),
        weak_areas=str(d.get("Assurance areas rated Weak") or ""),
        file=str(comp.get("File") or ""))


def _unknown_lsp(src: RollupSource, code: str) -> str:
    codes = src.lsp_codes
    near = suggest(code, codes)
    hint = f' Did you mean "{near}"?' if near else ""
    return (f'The roll-up {Path(src.path).name} has no partnership "{code}".{hint} '
            f"Its partnerships are {', '.join(codes)}.")


def _dmy(value: Any) -> str:
    if hasattr(value, "strftime"):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)


def _text(row: Row, name: str) -> str:
    v = row.get(name)
    return "" if v is None else str(v)


def _where(sheet_name: str, cell: str | None) -> str:
    return f"{sheet_name}!{cell}" if cell else sheet_name


def slip_items(src: RollupSource, lsp: str | None = None, theme: str | None = None,
               sheets: tuple[str, ...] = ("Actions", "Milestones")) -> list[SlipItem]:
    """Flagged items of `sheets`, each once, worst first (the Slipping sheet's order)."""
    seen: dict[tuple[str, str, str], SlipItem] = {}
    for f in (src.slipping if lsp is None else src.flags_of(lsp)):
        if theme is not None and not _same(f.get("Theme"), theme):
            continue
        if f.get("Sheet") not in sheets:
            continue
        key = (str(f.get("LSP")), str(f.get("Sheet")), id_key(str(f.get("Item"))))
        item = seen.get(key)
        days = f.get("Days") if isinstance(f.get("Days"), int) else None
        if item is None:
            cell = f.get("Cell")
            file = Path(str(f.get("Source file") or "")).name
            seen[key] = SlipItem(
                lsp=str(f.get("LSP")), theme=str(f.get("Theme") or ""), sheet=str(f.get("Sheet")),
                item_id=str(f.get("Item")), parent=str(f.get("Belongs to") or ""),
                description=str(f.get("Description") or ""), severity=str(f.get("Severity")),
                days=days, rules=[str(f.get("Rule"))], message=str(f.get("What is wrong") or ""),
                where=_where(str(f.get("Source sheet") or f.get("Sheet")), cell), file=file)
        else:
            if f.get("Rule") not in item.rules:
                item.rules.append(str(f.get("Rule")))
            if days is not None and (item.days is None or days > item.days):
                item.days = days
    return list(seen.values())


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.strip().casefold() == b.strip().casefold()


def outcome_lines(src: RollupSource, lsp: str, theme: str | None = None,
                  review: Review | None = None) -> list[OutcomeLine]:
    ret = src.returns.get(lsp)
    if ret is None:
        return []
    label = src.period.year_label
    target_field = target_years().get(label)
    off = {id_key(str(f.get("Item"))) for f in src.flags_of(lsp)
           if f.get("Rule") == "off-trajectory"}
    serving: Counter = Counter()
    actions = {id_key(_text(a, "action_id")): id_key(_text(a, "outcome_id"))
               for a in ret.sheets["actions"]}
    for item in slip_items(src, lsp):
        oid = item.parent if item.sheet == "Actions" else actions.get(id_key(item.parent), "")
        serving[id_key(oid)] += 1
    out = []
    for row in ret.sheets["outcomes"]:
        if theme is not None and not _same(row.get("theme"), theme):
            continue
        oid = _text(row, "outcome_id")
        out.append(OutcomeLine(
            lsp=lsp, outcome_id=oid, indicator=_text(row, "indicator"), title=_text(row, "title"),
            theme=_text(row, "theme"), unit=_text(row, "unit"), polarity=_text(row, "polarity"),
            latest=row.get("latest_value"), latest_period=_text(row, "latest_period"),
            target=row.get(target_field.name) if target_field else None, target_year=label,
            rag=_text(row, "confidence"), off_track=id_key(oid) in off,
            slipping=serving[id_key(oid)], baseline=row.get("baseline_value"),
            baseline_period=_text(row, "baseline_period"),
            judgement=(review.outcome_judgements.get(oid, "") if review else "")))
    return out


def recovery_plans(src: RollupSource, lsp: str, theme: str | None = None,
                   only_red: bool = True) -> list[RecoveryPlan]:
    ret = src.returns.get(lsp)
    if ret is None:
        return []
    spec = sheet("recovery")
    red = _red_items(ret)
    found = Themes(ret)
    out = []
    for row in ret.sheets["recovery"]:
        item = _text(row, "item_id")
        if only_red and id_key(item) not in red:
            continue
        th = found.of_item(item)
        if theme is not None and not _same(th, theme):
            continue
        fields = [(f.header, _text(row, f.name)) for f in spec.fields
                  if f.name not in ("item_id", "main_factor", "factor_detail") and row.get(f.name)]
        out.append(RecoveryPlan(lsp, item, th, fields, _text(row, "main_factor"),
                                _text(row, "factor_detail")))
    return out


def _red_items(ret: Return) -> dict[str, Row]:
    closed = sheet("actions").closed
    red = {id_key(_text(o, "outcome_id")): o for o in ret.sheets["outcomes"]
           if o.get("confidence") == "Red"}
    red.update({id_key(_text(a, "action_id")): a for a in ret.sheets["actions"]
                if a.get("rag") == "Red" and a.get("status") not in closed})
    return red


def questions(src: RollupSource, lsp: str, file: str) -> list[Question]:
    """The questions worth asking, drawn from the data, each naming its item and cell."""
    ret = src.returns.get(lsp)
    if ret is None:
        return []
    out: list[Question] = []
    planned = {id_key(_text(r, "item_id")) for r in ret.sheets["recovery"]}
    for key, row in _red_items(ret).items():
        if key in planned:
            continue
        if row.sheet == "outcomes":
            item, field_name, noun = _text(row, "outcome_id"), "confidence", "Outcome"
        else:
            item, field_name, noun = _text(row, "action_id"), "rag", "Action"
        out.append(Question(
            "red-without-plan", item, _where(sheet(row.sheet).name, row.cell(field_name)),
            f"{noun} {item} is rated Red but has no recovery plan: what will bring it back "
            "on track, who will do it and by when?", file))
    outcomes_spec = sheet("outcomes")
    for row in ret.sheets["outcomes"]:
        oid = _text(row, "outcome_id")
        doubts = [(name, row.get(name)) for name in ("right_things", "enough", "long_enough")
                  if row.get(name) in _DOUBTFUL]
        if not doubts:
            continue
        cells = ", ".join(row.cell(name) for name, _ in doubts)
        answers = "; ".join(f'"{outcomes_spec.field(name).header}" {answer}'
                            for name, answer in doubts)
        out.append(Question(
            "options-appraisal", oid, _where(outcomes_spec.name, cells),
            f"Outcome {oid}'s options appraisal answers {answers}: what is missing, and what "
            "would it take to answer Yes?", file))
    rows = {id_key(_text(r, "outcome_id")): r for r in ret.sheets["outcomes"]}
    seen: set[str] = set()
    for f in src.flags_of(lsp):
        item = str(f.get("Item"))
        where = _where(str(f.get("Source sheet") or f.get("Sheet")), f.get("Cell"))
        if f.get("Rule") == "off-trajectory":
            outcome = rows.get(id_key(item))
            if outcome is not None and outcome.get("confidence") == "Green" and item not in seen:
                seen.add(item)
                out.append(Question(
                    "green-off-trajectory", item, where,
                    f"Outcome {item} is rated Green, but it is off trajectory: "
                    f"{f.get('What is wrong')} What makes the partnership confident it will "
                    "still be met?", file))
        elif f.get("Rule") == "re-baselined":
            out.append(Question(
                "baseline-moved", item, where,
                f"{f.get('What is wrong')} Who agreed the new date, and why?", file))
        elif f.get("Rule") == "advice-overdue":  # from the GO's own review, not the return
            out.append(Question(
                "advice-overdue", item, where,
                f"{f.get('What is wrong')} What stands in the way, and is the advice still "
                "the right one?", Path(str(f.get("Source file") or "")).name or file))
    return out


def open_advice(src: RollupSource, lsp: str) -> list[AdviceLine]:
    """The partnership's advice not Done or Dropped, overdue first, from the roll-up."""
    closed = sheet("review-advice").closed
    out = [AdviceLine(str(a.get("Advice ID") or ""), str(a.get("About") or ""),
                      str(a.get("Advice") or ""), str(a.get("Owner") or ""),
                      _dmy(a.get("Due date")), str(a.get("Status") or ""),
                      int(a["Overdue (days)"]) if isinstance(a.get("Overdue (days)"),
                                                             (int, float)) else None)
           for a in src.advice if str(a.get("LSP")) == lsp and a.get("Status") not in closed]
    return sorted(out, key=lambda a: -(a.overdue or 0))


def assurance_lines(src: RollupSource, lsp: str, review: Review | None = None
                    ) -> list[AssuranceLine]:
    ratings = src.assurance.get(lsp)
    if ratings is None:
        return []
    return [AssuranceLine(ref, area, q, ratings.get(ref, ""),
                          (review.go_assurance.get(ref, "") if review else ""))
            for ref, area, q in src.questions]


# -- the packs ------------------------------------------------------------------------------

def partnership_pack(src: RollupSource, code: str, review: Review | None = None,
                     history: Sequence[RollupSource] = ()) -> PartnershipPack:
    st = status(src, code)
    pack = PartnershipPack(
        header(src), st, outcome_lines(src, code, review=review), slip_items(src, code),
        assurance_lines(src, code, review), recovery_plans(src, code),
        questions(src, code, st.file), review, open_advice(src, code))
    if history and pack.outcomes:
        rounds = [*history, src]
        pack.trend_periods = [str(r.period) for r in rounds]
        for o in pack.outcomes:
            values = []
            for r in rounds:
                ret = r.returns.get(code)
                row = next((x for x in (ret.sheets["outcomes"] if ret else [])
                            if id_key(_text(x, "outcome_id")) == id_key(o.outcome_id)), None)
                values.append(row.get("latest_value") if row is not None else None)
            pack.trends.append((o.outcome_id, values))
    return pack


def themes(src: RollupSource) -> list[str]:
    """Every theme the roll-up's outcomes name, in first-seen order."""
    seen: dict[str, str] = {}
    for ret in src.returns.values():
        for row in ret.sheets["outcomes"]:
            t = _text(row, "theme").strip()
            if t and t.casefold() not in seen:
                seen[t.casefold()] = t
    return list(seen.values())


def match_theme(src: RollupSource, name: str) -> str:
    """The roll-up's theme that `name` names, case aside; InputError with "did you mean"."""
    known = themes(src)
    for t in known:
        if t.casefold() == name.strip().casefold():
            return t
    near = suggest(name.strip(), known, cutoff=0.5)
    if near is None:
        starts = [t for t in known if t.casefold().startswith(name.strip().casefold())]
        near = starts[0] if len(starts) == 1 else None
    hint = f' Did you mean "{near}"?' if near else ""
    listed = "; ".join(f'"{t}"' for t in known) or "none"
    raise InputError(f'No outcome in {Path(src.path).name} has the theme "{name}".{hint} '
                     f"Its themes are {listed}.")


def theme_pack(src: RollupSource, name: str) -> ThemePack:
    theme = match_theme(src, name)
    outcomes: list[OutcomeLine] = []
    risks: list[RiskLine] = []
    recovery: list[RecoveryPlan] = []
    for code in src.lsp_codes:
        outcomes += outcome_lines(src, code, theme)
        recovery += recovery_plans(src, code, theme, only_red=False)
        ret = src.returns.get(code)
        if ret is None:
            continue
        found = Themes(ret)
        for r in ret.sheets["risks"]:
            if not _same(found.of_item(_text(r, "linked_to")), theme):
                continue
            risks.append(RiskLine(code, _text(r, "risk_id"), _text(r, "linked_to"),
                                  _text(r, "description"), r.get("score"), _text(r, "owner"),
                                  _text(r, "mitigation"), _text(r, "status")))
    risks.sort(key=lambda r: -(r.score if isinstance(r.score, (int, float)) else 0))
    factor = sheet("recovery").field("main_factor")
    counts = Counter(p.main_factor for p in recovery if p.main_factor)
    factors = [(f, counts[f]) for f in factor.enum or () if counts[f]]
    slipping = slip_items(src, theme=theme)
    order = {c: i for i, c in enumerate(src.lsp_codes)}
    slipping.sort(key=lambda s: order.get(s.lsp, len(order)))  # stable: worst first within
    return ThemePack(header(src), theme, outcomes, slipping, risks, factors, recovery,
                     {c: src.lsp_name(c) for c in src.lsp_codes})


def region_pack(src: RollupSource, reviews: Mapping[str, Review] | None = None) -> RegionPack:
    statuses = [_status(src, d) for d in src.dashboard]
    returned = [s for s in statuses if s.returned]
    completeness = [
        ("Expected", len(statuses)), ("Received", len(returned)),
        ("On time", sum(s.on_time == "Yes" for s in returned)),
        ("Late", sum(s.on_time == "No" for s in returned)),
        ("Valid", sum(s.valid == "Yes" for s in returned)),
        ("Not valid", sum(s.valid == "No" for s in returned)),
        ("Missing", len(statuses) - len(returned))]
    outcomes = {r: sum(s.outcomes.get(r, 0) for s in statuses) for r in RAGS}
    actions = {r: sum(s.actions.get(r, 0) for s in statuses) for r in RAGS}
    items = slip_items(src, sheets=("Outcomes", "Actions", "Milestones"))
    by_theme: Counter = Counter(i.theme or "(theme unknown)" for i in items)
    order = themes(src)
    slipping_by_theme = sorted(by_theme.items(), key=lambda kv: (
        order.index(kv[0]) if kv[0] in order else len(order), kv[0]))
    by_severity = {s: sum(i.severity == s for i in items) for s in _SEVERITY_RANK}
    concerns = [c for c in (_concern(s) for s in statuses) if c.reasons]
    # Missing and invalid returns first (the roll-up holds nothing of theirs), then the most
    # reasons.
    concerns.sort(key=lambda c: (not c.reasons[0].startswith(("no return", "return not")),
                                 -len(c.reasons)))
    return RegionPack(header(src), statuses, completeness, outcomes, actions, slipping_by_theme,
                      by_severity, concerns, dict(reviews or {}))


def _concern(s: Status) -> Concern:
    why: list[str] = []
    if not s.returned:
        why.append("no return received")
    else:
        if s.on_time == "No":
            why.append(f"return late (received {s.received})")
        if s.valid == "No":
            why.append(f"return not valid ({s.errors} errors): its data is not in the roll-up")
    if s.outcomes.get("Red"):
        why.append(f"{s.outcomes['Red']} outcome(s) rated Red")
    if s.off_track:
        why.append(f"{s.off_track} outcome(s) off trajectory")
    if s.red_without_plan:
        why.append(f"{s.red_without_plan} Red item(s) without a recovery plan")
    if s.high_flags:
        why.append(f"{s.high_flags} high-severity slippage flag(s)")
    if s.weak_areas:
        why.append(f"assurance rated Weak: {s.weak_areas}")
    return Concern(s.code, s.name, why)
