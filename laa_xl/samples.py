"""A fictional region's two quarters of LAA returns, made the same way every run.

`write_samples(out)` writes Midshire's region files and its eight partnerships' returns for
2009/10 Q1 and Q2.  The Q2 round holds what partners really do (a RAG typed "Ambre", dates
typed as text, a renamed header, slipping milestones, a late and a missing return), each
placed at a known cell and listed in the `Manifest` that the demo and the tests read.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .data import load_json
from .layout import FIRST_DATA_ROW, HEADER_ROW
from .model import a1
from .region import DEFAULT_ASSURANCE, DEFAULT_THEMES, Period, Region, load_region
from .schemas import sheet
from .template import Prefill, build_template, template_name
from .xlsxout import atomic_output

Q1, Q2 = "2009/10 Q1", "2009/10 Q2"
PERIODS = (Q1, Q2)
SAMPLES_WHEN = datetime(2009, 10, 1, 9, 0)  # when the Q2 templates went out
SEED = "Midshire LAA returns 2009/10"

# -- the region ----------------------------------------------------------------------------
# The tables (the region, its partnerships, the indicators and the prose the partners write)
# are in data/sample_region.json; what is made of them is decided here.

_DATA = load_json("sample_region.json")
_REGION = _DATA["region"]
_PARTNERSHIPS: list[dict[str, Any]] = _DATA["partnerships"]

REGION_NAME: str = _REGION["name"]
GO_NAME: str = _REGION["go_name"]
CONTACT: tuple[str, str, str] = (_REGION["contact"]["name"], _REGION["contact"]["email"],
                                 _REGION["contact"]["phone"])
DEADLINES = {period: date.fromisoformat(day) for period, day in _REGION["deadlines"].items()}
TOLERANCES: dict[str, float] = dict(_REGION["tolerances"])

# code, name, contact, email
LSPS: tuple[tuple[str, str, str, str], ...] = tuple(
    (p["code"], p["name"], p["contact"], p["email"]) for p in _PARTNERSHIPS)

# code: place, council, voluntary-sector body, wards
PLACES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    p["code"]: (p["place"], p["council"], p["vcs"], tuple(p["wards"])) for p in _PARTNERSHIPS}

# The agencies partners name, by key; "{place}", "{council}" and "{vcs}" are each
# partnership's own.  A partnership may name its own agency for a key (a unitary council is
# its own county).
_AGENCIES: dict[str, str] = dict(_DATA["agencies"])
_OWN_AGENCIES: dict[str, dict[str, str]] = {p["code"]: dict(p.get("agencies", {}))
                                            for p in _PARTNERSHIPS}

# What each partnership does in the Q2 round (see the Manifest for the exact cells).
LATE = {(Q2, "RVF"): date(2009, 10, 21)}
MISSING = {(Q2, "LDL")}
RAG_TYPO_LSP = "SMR"
TEXT_DATES_LSP = "NBR"
RENAMED_LSP = "EWD"
RENAMED_FIELD, RENAMED_TO = ("actions", "due_date"), "Due date - baseline"
REBASELINE_LSP = "HCB"
WORSENED_LSP = "WHV"
DROPPED_LSP = "ANY"
SLIPPING_LSPS = ("ANY", "NBR", "SMR", "WHV", "RVF")
CANCELLED_LSP = "RVF"

# -- National Indicators: the rows of the reference list these samples use -----------------

NATIONAL_INDICATORS: dict[str, str] = dict(_DATA["national_indicators"])


@dataclass(frozen=True)
class Indicator:
    """How an indicator behaves in a plan: direction, scale, and what partners do about it."""

    code: str
    theme: str
    polarity: str  # Higher / Lower
    unit: str
    baseline: float  # a typical 2007/08 value
    step: float  # a typical agreed improvement a year
    decimals: int
    lead: str  # agency key (see `_Maker.agency`)
    quarterly: bool  # is there an in-year figure?
    context: str
    challenge: str
    options: str
    cause: str
    fix: str
    actions: tuple[tuple[str, str], ...]  # (description, agency key)
    risks: tuple[tuple[str, str], ...]  # (risk, mitigation)

    @property
    def title(self) -> str:
        return NATIONAL_INDICATORS[self.code]


def _indicator(row: dict[str, Any]) -> Indicator:
    """An indicator from its row of the data file; its theme must be one a region has."""
    if row["theme"] not in DEFAULT_THEMES:
        raise ValueError(f"{row['code']}: {row['theme']!r} is not one of the themes")
    return Indicator(**row | {"actions": tuple((d, k) for d, k in row["actions"]),
                              "risks": tuple((r, m) for r, m in row["risks"])})


INDICATORS: tuple[Indicator, ...] = tuple(_indicator(row) for row in _DATA["indicators"])

# -- people and prose ----------------------------------------------------------------------
# Sentences are templates: "{place}", "{ward}" (one chosen at random), "{w0}" and "{w1}" (the
# first two wards), "{pct}" and "{vcs}" are the partnership's own; the rest are filled where
# each is used.

_PROSE = _DATA["prose"]
FIRST_NAMES: tuple[str, ...] = tuple(_DATA["people"]["first_names"])
SURNAMES: tuple[str, ...] = tuple(_DATA["people"]["surnames"])
FUNDING: tuple[str, ...] = tuple(_PROSE["funding"])
MILESTONES: tuple[tuple[str, ...], ...] = tuple(tuple(phase) for phase in _PROSE["milestones"])
PROGRESS: tuple[str, ...] = tuple(_PROSE["progress"])
PREPARATION: tuple[str, ...] = tuple(_PROSE["preparation"])
CLOSING: tuple[str, ...] = tuple(_PROSE["closing"])
MITIGATION: tuple[str, ...] = tuple(_PROSE["mitigation"])
MILESTONE_LATE: tuple[str, ...] = tuple(_PROSE["milestone_late"])
STRENGTHS: tuple[str, ...] = tuple(_PROSE["strengths"])
WEAKNESSES: tuple[str, ...] = tuple(_PROSE["weaknesses"])
OPPORTUNITIES: tuple[str, ...] = tuple(_PROSE["opportunities"])
THREATS: tuple[str, ...] = tuple(_PROSE["threats"])
FACTORS: dict[str, str] = dict(_PROSE["factors"])

# The evidence partners give in the self-assessment, by question: (Strong, Adequate, Weak,
# improvement when Weak).
ASSURANCE_TEXT: dict[str, tuple[str, str, str, str]] = {
    qid: (text["Strong"], text["Adequate"], text["Weak"], text["improvement"])
    for qid, text in _DATA["assurance"].items()}

# -- the manifest --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnFile:
    """One return as the GO received it."""

    period: str  # "2009/10 Q2"
    lsp: str  # LSP code
    path: Path
    received: date
    deadline: date
    valid: bool  # should `laa-xl validate` accept it (no errors)?

    @property
    def on_time(self) -> bool:
        return self.received <= self.deadline


@dataclass(frozen=True)
class Quirk:
    """One thing a partnership did that the tool should notice, and exactly where it is.

    `kind` names the behaviour; `code` is the issue code `check_file` reports for it ("" when
    it is not a validation matter, such as a late return or a slipping milestone, which the
    slippage rules flag by `kind`); `previous` is true when it only shows against the previous
    round's return.
    """

    kind: str
    period: str
    lsp: str
    item: str = ""  # outcome, action or milestone ID
    sheet: str = ""
    cell: str = ""
    value: str = ""  # what the cell holds, as typed
    code: str = ""
    severity: str = ""
    previous: bool = False
    note: str = ""


@dataclass
class Manifest:
    """Everything `write_samples` wrote, and where each partner behaviour can be found."""

    root: Path
    when: datetime
    region_files: dict[str, Path]  # period -> region file
    returns: list[ReturnFile] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)

    def region_file(self, period: str = Q2) -> Path:
        return self.region_files[period]

    def returns_for(self, period: str) -> list[ReturnFile]:
        return [r for r in self.returns if r.period == period]

    def return_file(self, period: str, lsp: str) -> ReturnFile | None:
        return next((r for r in self.returns if r.period == period and r.lsp == lsp), None)

    def missing(self, period: str) -> list[str]:
        """LSP codes with no return in `period`."""
        got = {r.lsp for r in self.returns_for(period)}
        return [code for code, *_ in LSPS if code not in got]

    def quirks_of(self, kind: str | None = None, lsp: str | None = None,
                  period: str | None = None) -> list[Quirk]:
        return [q for q in self.quirks if (kind is None or q.kind == kind)
                and (lsp is None or q.lsp == lsp) and (period is None or q.period == period)]

    def expected_issues(self, period: str, lsp: str, severity: str = "error",
                        previous: bool = False) -> list[tuple[str, str, str]]:
        """(sheet, cell, code) of the issues the quirks of one return should raise, sorted."""
        return sorted((q.sheet, q.cell, q.code) for q in self.quirks_of(lsp=lsp, period=period)
                      if q.code and q.severity == severity and (previous or not q.previous))

    def set_received_times(self) -> None:
        """Give each return the modification time it would have had on arrival (10:00)."""
        for r in self.returns:
            stamp = datetime.combine(r.received, time(10, 0)).timestamp()
            os.utime(r.path, (stamp, stamp))

    def as_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, Path):
                return v.relative_to(self.root).as_posix()
            if isinstance(v, (date, datetime)):
                return v.isoformat()
            return v

        return {
            "root": str(self.root), "when": self.when.isoformat(),
            "region_files": {k: plain(v) for k, v in self.region_files.items()},
            "returns": [{k: plain(v) for k, v in asdict(r).items()} | {"on_time": r.on_time}
                        for r in self.returns],
            "missing": {p: self.missing(p) for p in PERIODS},
            "quirks": [asdict(q) for q in self.quirks],
        }


# -- the plan behind the returns -----------------------------------------------------------


@dataclass
class _Milestone:
    mid: str
    description: str
    baseline: date
    true: date  # when it is (or will be) reached
    rebaselined: dict[str, date] = field(default_factory=dict)  # period -> baseline typed
    comment_late: str = ""

    def base(self, period: str) -> date:
        return self.rebaselined.get(period, self.baseline)


@dataclass
class _Action:
    aid: str
    oid: str
    description: str
    agency: str
    officer: str
    cost: int | None
    resources: str
    start: date
    due: date
    finish: date  # when it is (or will be) complete
    forecast: dict[str, date | None] = field(default_factory=dict)  # as reported each period
    hold: set[str] = field(default_factory=set)
    cancelled: str = ""  # the period from which it is cancelled
    dropped: str = ""  # the period from which it is left out of the return
    milestones: list[_Milestone] = field(default_factory=list)
    amber_recovery: bool = True
    tags: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)  # milestone wordings used
    mitigation: str = ""


@dataclass
class _Outcome:
    oid: str
    ind: Indicator
    lead_partner: str
    lead_officer: str
    baseline: float
    targets: tuple[float, float, float]
    latest: dict[str, tuple[float, str]]
    actions: list[_Action] = field(default_factory=list)
    answers: dict[str, tuple[str, str, str]] = field(default_factory=dict)


@dataclass
class _Plan:
    code: str
    outcomes: list[_Outcome]
    assurance: list[dict[str, Any]]
    risks: list[dict[str, Any]]

    @property
    def actions(self) -> list[_Action]:
        return [a for o in self.outcomes for a in o.actions]


def _end(period: str) -> date:
    return Period.parse(period).end


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _val(value: float, ind: Indicator) -> str:
    """A value as a sentence quotes it: with its % sign, otherwise bare."""
    return _fmt(value, ind.decimals) + ("%" if ind.unit == "%" else "")


class _Maker:
    """Makes one partnership's plan, and its rows as at the end of each period."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.rng = random.Random(f"{SEED}/{code}")
        self.place, self.council, self.vcs, self.wards = PLACES[code]
        own = {"place": self.place, "council": self.council, "vcs": self.vcs}
        self.agencies = {key: name.format(**own)
                         for key, name in (_AGENCIES | _OWN_AGENCIES[code]).items()}
        self.people: list[str] = []

    # -- words ----------------------------------------------------------------------------

    def agency(self, key: str) -> str:
        return self.agencies[key]

    def words(self, text: str, **kw: Any) -> str:
        ward = self.rng.choice(self.wards)
        values = {"place": self.place, "w0": self.wards[0], "w1": self.wards[1],
                  "ward": ward, "pct": self.agency("pct"), "vcs": self.vcs, **kw}
        return text.format(**values)

    def person(self) -> str:
        if self.people and self.rng.random() < 0.3:
            return self.rng.choice(self.people)
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"
        self.people.append(name)
        return name

    # -- the plan -------------------------------------------------------------------------

    def plan(self) -> _Plan:
        rng = self.rng
        count = rng.choice((4, 5, 5, 6))
        chosen = rng.sample(INDICATORS, count)
        outcomes = [self.outcome(f"O-{i:02d}", ind) for i, ind in enumerate(chosen, start=1)]
        n = 0
        for o in outcomes:
            pool = list(o.ind.actions)
            k = min(len(pool), rng.choice((3, 4, 4, 5, 5, 6, 8)))
            for desc, key in rng.sample(pool, k):
                n += 1
                o.actions.append(self.action(f"A-{n:02d}", o, desc, key))
        return _Plan(self.code, outcomes, self.assurance(), [])

    def outcome(self, oid: str, ind: Indicator) -> _Outcome:
        rng = self.rng
        scale = rng.uniform(0.85, 1.15)
        b = round(ind.baseline * scale, ind.decimals)
        sign = 1 if ind.polarity == "Higher" else -1
        step = ind.step * scale * rng.uniform(0.8, 1.2)
        targets = tuple(round(b + sign * step * k, ind.decimals) for k in (1, 2, 3))
        perf1 = rng.choice((1.3, 1.2, 1.1, 1.05, 1.0, 0.9, 0.8, 0.6, 0.35))
        perf2 = max(perf1 + rng.uniform(-0.2, 0.2), -0.2)
        t1, t2 = targets[0], targets[1]
        # the 2008/09 outturn against its target; an in-year figure against this year's
        latest = {Q1: (round(b + perf1 * (t1 - b), ind.decimals), "2008/09")}
        if ind.quarterly:
            latest[Q2] = (round(b + perf2 * (t2 - b), ind.decimals), "Q1 2009/10")
        else:
            latest[Q2] = latest[Q1]
        return _Outcome(oid, ind, self.agency(ind.lead), self.person(), b,
                        (targets[0], targets[1], targets[2]), latest)

    def action(self, aid: str, o: _Outcome, desc: str, key: str) -> _Action:
        rng = self.rng
        month = int(rng.triangular(0, 20, 3))  # months after April 2008
        start = _add_months(date(2008, 4, 1), month)
        length = rng.choice((6, 9, 12, 12, 15, 18, 18, 24, 24, 30))
        last = _add_months(start, length - 1)
        due = min(_month_end(last.year, last.month), date(2011, 3, 31))
        r = rng.random()
        slip = 0 if r < 0.75 else rng.randint(15, 45) if r < 0.88 else \
            rng.randint(46, 100) if r < 0.96 else rng.randint(101, 200)
        finish = due + timedelta(days=slip) if slip else due - timedelta(days=rng.randint(0, 21))
        cost = None if rng.random() < 0.15 else int(rng.choice(
            (2500, 5000, 8000, 12000, 15000, 25000, 40000, 60000, 85000, 120000, 250000))
            * rng.uniform(0.8, 1.2) // 500 * 500)
        agency = self.agency(key)
        resources = "Existing staff time" if cost is None else \
            rng.choice(FUNDING).format(agency=agency)
        a = _Action(aid, o.oid, self.words(desc), agency, self.person(), cost, resources,
                    start, due, finish)
        a.amber_recovery = rng.random() < 0.8
        a.mitigation = self.words(rng.choice(MITIGATION), agency=agency,
                                  month=rng.choice(("July", "August", "September")))
        self.set_forecasts(a, slip, hidden_in_q1=rng.random() < 0.35)
        return a

    def set_forecasts(self, a: _Action, slip: int, hidden_in_q1: bool = False) -> None:
        """The forecast each period shows: a slip may only be admitted in Q2."""
        a.finish = a.due + timedelta(days=slip) if slip else min(a.finish, a.due)
        shown = a.due + timedelta(days=slip) if slip else None
        a.forecast = {Q2: shown, Q1: shown}
        if slip and hidden_in_q1 and a.finish > _end(Q1) and a.due > _end(Q1):
            a.forecast[Q1] = None

    def milestones(self, plan: _Plan) -> None:
        n = 0
        for a in plan.actions:
            count = self.rng.choice((1, 2, 2, 3, 3))
            for frac in self.fractions(count):
                n += 1
                a.milestones.append(self.milestone(f"M-{n:03d}", a, frac))
            a.milestones.sort(key=lambda m: m.baseline)
            self.settle(a)

    def fractions(self, count: int) -> list[float]:
        fr = sorted(self.rng.uniform(0.15, 0.95) for _ in range(count - 1))
        return fr + [1.0 if self.rng.random() < 0.6 else self.rng.uniform(0.6, 0.95)]

    def milestone(self, mid: str, a: _Action, frac: float, baseline: date | None = None
                  ) -> _Milestone:
        rng = self.rng
        if baseline is None:
            d = a.start + timedelta(days=round(frac * (a.due - a.start).days))
            baseline = max(min(_month_end(d.year, d.month), a.due), a.start)
        frac = (baseline - a.start).days / max((a.due - a.start).days, 1)
        slip = (a.finish - a.due).days
        if slip > 0:
            true = baseline + timedelta(days=round(slip * frac))
        else:
            true = max(baseline - timedelta(days=rng.randint(0, 7)), a.start)
        true = min(true, a.finish)
        phase = 0 if frac <= 0.3 else 1 if frac < 0.8 else 2
        options = [t for t in MILESTONES[phase] if t not in a.templates] \
            or list(MILESTONES[phase])
        template = rng.choice(options)
        a.templates.add(template)
        text = self.words(template, n=rng.choice((12, 20, 25, 40, 60, 100)))
        return _Milestone(mid, text, baseline, true, comment_late=rng.choice(MILESTONE_LATE))

    def settle(self, a: _Action) -> None:
        """A slip cannot stay hidden once a milestone is overdue or the action is late."""
        if a.forecast.get(Q1) is None and a.forecast.get(Q2) is not None:
            end = _end(Q1)
            if any(m.baseline < end < m.true for m in a.milestones) or a.due < end:
                a.forecast[Q1] = a.forecast[Q2]

    def assurance(self) -> list[dict[str, Any]]:
        rng = self.rng
        quality = rng.uniform(0.3, 0.8) if self.code != "SMR" else 0.2
        out = []
        for qid, _, _ in DEFAULT_ASSURANCE:
            strong, adequate, weak, improve = ASSURANCE_TEXT[qid]
            r = rng.random()
            weak_above = 0.75 if self.code == "SMR" else 0.95
            rating = "Strong" if r < quality * 0.6 else "Weak" if r > weak_above \
                else "Adequate"
            row: dict[str, Any] = {"question_id": qid, "rating": rating}
            row["evidence"] = {"Strong": strong, "Adequate": adequate, "Weak": weak}[rating]
            if rating == "Weak":
                row["improvement"] = improve
            out.append(row)
        return out

    def risks(self, plan: _Plan) -> list[dict[str, Any]]:
        rng = self.rng
        linkable = [a for a in plan.actions if not a.tags and not a.dropped]
        pool: list[tuple[str, str, str, str]] = []  # link, risk, mitigation, owner agency
        for o in plan.outcomes:
            for risk, mitigation in o.ind.risks:
                pool.append((o.oid, risk, mitigation, o.lead_partner))
        for a in rng.sample(linkable, min(3, len(linkable))):
            pool.append((a.aid, f"Lead officer for '{a.description}' leaves and the post is "
                         "not filled quickly", "Deputy named and handover notes kept up to "
                         "date; partners agree to second staff if needed.", a.agency))
        count = rng.randint(3, 6)
        out = []
        for i, (link, risk, mitigation, owner) in enumerate(rng.sample(pool, count), start=1):
            out.append({"risk_id": f"R-{i:02d}", "linked_to": link, "description": risk,
                        "likelihood": rng.randint(2, 4), "impact": rng.randint(2, 5),
                        "owner": f"{self.person()}, {owner}", "mitigation": mitigation,
                        "status": "Open"})
        return out

    # -- rows as at the end of a period ---------------------------------------------------

    def action_state(self, a: _Action, period: str) -> dict[str, Any]:
        end = _end(period)
        forecast = a.forecast.get(period)
        row: dict[str, Any] = {
            "action_id": a.aid, "outcome_id": a.oid, "description": a.description,
            "lead_agency": a.agency, "lead_officer": a.officer, "cost": a.cost,
            "resources": a.resources, "start_date": a.start, "due_date": a.due,
            "forecast_date": forecast,
        }
        achieved = [m for m in a.milestones if m.true <= end]
        upcoming = [m for m in a.milestones if m.true > end]
        month = f"{end:%B}"
        if a.cancelled and PERIODS.index(period) >= PERIODS.index(a.cancelled):
            row.update(status="Cancelled", forecast_date=None,
                       percent_complete=self.percent(a, end),
                       progress=f"Cancelled by the theme group in {month}: the funding was "
                                "withdrawn and the work is covered by another action.")
            return row
        if a.start > end:
            row.update(status="Not started", percent_complete=0, rag=self.rag(a, period),
                       progress=f"Due to start in {a.start:%B %Y}; "
                                + self.words(self.rng.choice(PREPARATION), month=month) + ".")
        elif a.finish <= end:
            row.update(status="Complete", completed_date=a.finish, percent_complete=100,
                       progress=f"Completed on {a.finish:%d/%m/%Y}. "
                                + self.rng.choice(CLOSING))
        else:
            status = "On hold" if period in a.hold else "In progress"
            paused = Period.parse(min(a.hold, key=PERIODS.index)).start if a.hold else end
            row.update(status=status, percent_complete=self.percent(a, min(paused, end)),
                       rag=self.rag(a, period))
            parts = []
            if achieved:
                m = achieved[-1]
                parts.append(f"'{m.description}' achieved on {m.true:%d/%m/%Y}.")
            if upcoming:
                m = upcoming[0]
                if m.base(period) < end:
                    parts.append(f"'{m.description}' (due {m.base(period):%d/%m/%Y}) now "
                                 f"expected {m.true:%d/%m/%Y}.")
                else:
                    parts.append(f"Next: '{m.description}' by {m.base(period):%d/%m/%Y}.")
            if status == "On hold":
                parts.insert(0, "Paused until 2010/11 funding is confirmed.")
            else:
                pct = row["percent_complete"]
                spend = round((a.cost or 0) * pct / 100, -2)
                options = PROGRESS if a.cost else PROGRESS[:1] + PROGRESS[2:]
                parts.append(self.words(self.rng.choice(options),
                                        n=self.rng.randint(8, 60), m=self.rng.randint(30, 80),
                                        spend=int(spend), month=month))
            row["progress"] = " ".join(parts)
        if row.get("rag") in ("Red", "Amber") or row["status"] == "On hold":
            row["mitigation"] = a.mitigation
        return row

    def percent(self, a: _Action, end: date) -> int:
        done = (end - a.start).days / max((a.finish - a.start).days, 1)
        return int(min(max(round(done * 20) * 5, 5), 95))

    def rag(self, a: _Action, period: str) -> str:
        end = _end(period)
        forecast = a.forecast.get(period)
        slip = (forecast - a.due).days if forecast else 0
        if period in a.hold:
            return "Red" if slip > 90 else "Amber"
        if slip > 90:
            return "Red"
        if slip > 14 or a.due < end:
            return "Amber"
        return "Green"

    def milestone_row(self, m: _Milestone, a: _Action, period: str, state: str
                      ) -> dict[str, Any]:
        end = _end(period)
        base = m.base(period)
        row: dict[str, Any] = {"milestone_id": m.mid, "action_id": a.aid,
                               "description": m.description, "baseline_date": base}
        if m.true <= end:
            row.update(status="Achieved", actual_date=m.true)
            if (m.true - base).days > 14:
                row["comment"] = "Achieved late: " + m.comment_late[0].lower() \
                    + m.comment_late[1:]
            return row
        if state == "Cancelled":
            row.update(status="Cancelled", comment="Cancelled with the action.")
            return row
        known = base < end or a.forecast.get(period) is not None
        if known and m.true != base:
            row["forecast_date"] = m.true
        late = (m.true - base).days if "forecast_date" in row else 0
        if base < end:
            row["status"] = "Missed" if late > 60 else "At risk"
        else:
            row["status"] = "At risk" if late > 14 else "On track"
        if late > 14:
            row["comment"] = m.comment_late
        return row

    def outcome_row(self, o: _Outcome, period: str, action_rows: list[dict[str, Any]]
                    ) -> dict[str, Any]:
        ind = o.ind
        value, latest_period = o.latest[period]
        b, (t1, t2, t3) = o.baseline, o.targets
        year = "2008/09" if latest_period == "2008/09" else "2009/10"
        expected = t1 if year == "2008/09" else t2
        progress = (value - b) / (expected - b) if expected != b else 1.0
        reds = sum(1 for r in action_rows if r.get("outcome_id") == o.oid
                   and r.get("rag") == "Red")
        confidence = "Green" if progress >= 0.9 else "Amber" if progress >= 0.55 else "Red"
        if confidence == "Green" and reds:
            confidence = "Amber"
        if progress >= 1.0:
            verdict = f"At or better than the {year} target."
        elif progress >= 0.9:
            verdict = f"Close to the {year} target: on trajectory."
        else:
            verdict = f"{_val(abs(expected - value), ind)} short of the {year} target of " \
                      f"{_val(expected, ind)}."
        unit = "" if ind.unit in ("%", "number") else f" ({ind.unit})"
        position = (f"The {latest_period} figure is {_val(value, ind)}{unit}, against a 2007/08 "
                    f"baseline of {_val(b, ind)} and a 2009/10 target of {_val(t2, ind)}. "
                    f"{verdict} " + self.words(ind.context))
        row: dict[str, Any] = {
            "outcome_id": o.oid, "indicator": ind.code, "title": ind.title,
            "theme": ind.theme, "lead_partner": o.lead_partner, "lead_officer": o.lead_officer,
            "polarity": ind.polarity, "unit": ind.unit, "baseline_value": b,
            "baseline_period": "2007/08", "target_2008_09": t1, "target_2009_10": t2,
            "target_2010_11": t3, "latest_value": value, "latest_period": latest_period,
            "current_position": position,
            "challenge": self.words(ind.challenge, t3=_val(t3, ind)),
            "options_appraised": self.words(ind.options),
            "confidence": confidence,
        }
        if period not in o.answers:
            pick = {"Green": ("Yes", "Yes", "Yes", "Yes", "Partly"),
                    "Amber": ("Yes", "Partly", "Partly", "Yes"),
                    "Red": ("Partly", "No", "Partly")}[confidence]
            o.answers[period] = (self.rng.choice(pick), self.rng.choice(pick),
                                 self.rng.choice(pick))
        row["right_things"], row["enough"], row["long_enough"] = o.answers[period]
        if confidence != "Green":
            row["commentary"] = (self.words(ind.cause) + " The partnership will "
                                 + self.words(ind.fix) + ".")
        elif progress >= 1.0:
            row["commentary"] = "Ahead of trajectory; the theme group keeps the plan under " \
                                "review."
        return row

    def recovery_row(self, item: str, what: str, cause: str, fix: str, who: str,
                     measure: str) -> dict[str, Any]:
        rng = self.rng
        factor = rng.choice(tuple(FACTORS))
        return {
            "item_id": item,
            "scanning": f"{what}",
            "analysis": cause,
            "response": f"{who} to {fix} by {rng.choice(('December 2009', 'January 2010'))}; "
                        "the theme group reviews progress monthly.",
            "assessment": f"{measure} by the 2009/10 Q3 return.",
            "strengths": self.words(rng.choice(STRENGTHS)),
            "weaknesses": self.words(rng.choice(WEAKNESSES)),
            "opportunities": self.words(rng.choice(OPPORTUNITIES)),
            "threats": self.words(rng.choice(THREATS)),
            "main_factor": factor,
            "factor_detail": self.words(FACTORS[factor]),
        }

    def rows(self, plan: _Plan, period: str) -> dict[str, list[dict[str, Any]]]:
        actions, milestones = [], []
        live = [a for a in plan.actions
                if not (a.dropped and PERIODS.index(period) >= PERIODS.index(a.dropped))]
        for a in live:
            row = self.action_state(a, period)
            actions.append(row)
            for m in a.milestones:
                milestones.append(self.milestone_row(m, a, period, row["status"]))
        outcomes = [self.outcome_row(o, period, actions) for o in plan.outcomes]
        recovery = []
        for o, row in zip(plan.outcomes, outcomes, strict=True):
            if row["confidence"] in ("Red", "Amber"):
                value, latest_period = o.latest[period]
                recovery.append(self.recovery_row(
                    o.oid,
                    f"{o.ind.code} {o.ind.title}: {_val(value, o.ind)} in {latest_period} "
                    f"against a 2009/10 target of {_val(o.targets[1], o.ind)}.",
                    self.words(o.ind.cause), self.words(o.ind.fix), o.lead_partner,
                    f"{o.ind.code} back on trajectory"))
        for a, row in zip(live, actions, strict=True):
            rag = row.get("rag")
            if rag == "Red" and "no-recovery" in a.tags and period == Q2:
                continue
            if rag == "Red" or (rag == "Amber" and a.amber_recovery):
                forecast = row.get("forecast_date")
                late = f"forecast {forecast:%d/%m/%Y} against a due date of " \
                       f"{a.due:%d/%m/%Y}" if forecast else f"due {a.due:%d/%m/%Y}"
                recovery.append(self.recovery_row(
                    a.aid, f"{a.description}: {late}.", a.mitigation,
                    "agree a revised delivery plan with named actions", a.agency,
                    f"Next milestone met by its forecast date and action {a.aid} rated Amber "
                    "or better"))
        return {"outcomes": outcomes, "actions": actions, "milestones": milestones,
                "assurance": plan.assurance, "risks": plan.risks, "recovery": recovery}


# -- partner behaviour ----------------------------------------------------------------------


def _cell(key: str, name: str, index: int) -> str:
    """The A1 cell of field `name` in the `index`-th data row of a sheet."""
    col = [f.name for f in sheet(key).fields].index(name)
    return a1(FIRST_DATA_ROW + 1 + index, col)


def _in_progress(a: _Action, *periods: str) -> bool:
    return all(a.start <= _end(p) < a.finish and p not in a.hold and not a.cancelled
               for p in periods)


def _pick(rng: random.Random, actions: Iterable[_Action], why: str) -> _Action:
    candidates = [a for a in actions if not a.tags]
    if not candidates:
        raise RuntimeError(f"no action is free for {why}")  # the generator's own bug
    chosen = rng.choice(candidates)
    chosen.tags.add(why)
    return chosen


def _big_outcome_actions(plan: _Plan, keep: int = 3) -> list[_Action]:
    return [a for o in plan.outcomes if len(o.actions) >= keep for a in o.actions]


def _shape_plan(maker: _Maker, plan: _Plan) -> None:
    """Plan-level behaviour that spans both rounds: set it before milestones are made."""
    code = plan.code
    rng = random.Random(f"{SEED}/{code}/partner")  # apart from the prose, so rewording
    # a sentence does not move a quirk to another row
    long_running = [a for a in plan.actions
                    if a.start <= _end(Q1) - timedelta(days=60) and a.due > _end(Q2) + timedelta(
                        days=90)]
    if code == WORSENED_LSP:  # Green in Q1, Red in Q2
        a = _pick(rng, long_running, "worsened")
        maker.set_forecasts(a, 150, hidden_in_q1=True)
    if code == DROPPED_LSP:
        _pick(rng, [a for a in long_running if a in _big_outcome_actions(plan)], "dropped")
    if code in SLIPPING_LSPS:
        a = _pick(rng, long_running, "slipping")
        maker.set_forecasts(a, rng.randint(75, 140), hidden_in_q1=code in ("NBR", "RVF"))
    if code == REBASELINE_LSP:
        a = _pick(rng, long_running, "rebaseline")
        maker.set_forecasts(a, 75)
    if code == RAG_TYPO_LSP:
        in_q2 = [a for a in plan.actions if a.start <= _end(Q1) and a.due > _end(Q2) + timedelta(
            days=60)]
        maker.set_forecasts(_pick(rng, in_q2, "ambre"), 35)
        a = _pick(rng, in_q2, "no-recovery")
        maker.set_forecasts(a, 120, hidden_in_q1=True)
        _pick(rng, [a for a in in_q2 if a in _big_outcome_actions(plan)], "unknown-outcome")
        _pick(rng, in_q2, "date-order")
    for a in plan.actions:
        if a.tags:
            continue
        if rng.random() < 0.03 and a.finish > _end(Q2) and a.start <= _end(Q1):
            a.hold = {Q2} if rng.random() < 0.7 else {Q1, Q2}
    if code == CANCELLED_LSP:
        free = [a for a in plan.actions if _in_progress(a, Q1, Q2) and not a.tags]
        _pick(rng, free, "cancelled").cancelled = Q2


def _shape_milestones(maker: _Maker, plan: _Plan) -> None:
    """Milestones that must show a behaviour: overdue, re-baselined, or all met."""
    q1 = _end(Q1)
    for a in plan.actions:
        if "dropped" in a.tags:  # its milestones were all met in Q1, the action was not
            a.dropped = Q2
            span = (q1 - timedelta(days=20) - a.start).days
            for i, m in enumerate(a.milestones, start=1):
                m.baseline = m.true = a.start + timedelta(days=i * span // len(a.milestones))
        if "worsened" in a.tags:  # on time until Q1: the slip came in the summer
            for m in a.milestones:
                if m.baseline <= q1:
                    m.true = m.baseline
        if a.tags & {"slipping", "rebaseline", "worsened"}:
            # a milestone due between the two returns, not met by the second
            base = q1 + timedelta(days=maker.rng.randint(30, 70))
            slip = (a.finish - a.due).days
            m = maker.milestone(a.milestones[0].mid + "x", a, 0.5, baseline=base)
            m.true = min(base + timedelta(days=slip), a.finish)
            a.milestones[0] = m
            a.milestones.sort(key=lambda x: x.baseline)
            if "rebaseline" in a.tags:
                new = m.true if m.true.day == 1 else _month_end(m.true.year, m.true.month)
                m.rebaselined[Q2] = min(new, a.forecast[Q2] or a.due)
                m.comment_late = "Date moved: revised timetable agreed by the theme group in " \
                                 "August."
        maker.settle(a)
        if a.tags & {"slipping", "rebaseline"}:
            a.milestones = [m for m in a.milestones if m.true <= a.finish]
    n = 0
    for a in plan.actions:  # keep milestone IDs in order after the changes
        for m in a.milestones:
            n += 1
            m.mid = f"M-{n:03d}"


def _make_plan(code: str) -> tuple[_Maker, _Plan]:
    maker = _Maker(code)
    plan = maker.plan()
    _shape_plan(maker, plan)
    maker.milestones(plan)
    _shape_milestones(maker, plan)
    plan.risks = maker.risks(plan)
    return maker, plan


def _typed_rows(maker: _Maker, plan: _Plan, period: str, quirks: list[Quirk]
                ) -> dict[str, list[dict[str, Any]]]:
    """The rows as the partner typed them, with this round's slips of the keyboard."""
    rows = maker.rows(plan, period)
    code = plan.code
    index = {r["action_id"]: i for i, r in enumerate(rows["actions"])}
    by_tag = {t: a for a in plan.actions for t in a.tags}

    def note(kind: str, item: str, key: str, name: str, i: int, value: Any, code_: str = "",
             severity: str = "", previous: bool = False, text: str = "") -> None:
        shown = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
        quirks.append(Quirk(kind, period, code, item, sheet(key).name, _cell(key, name, i),
                            shown, code_, severity, previous, text))

    if period == Q2 and code == RAG_TYPO_LSP:
        a = by_tag["ambre"]
        i = index[a.aid]
        rows["actions"][i]["rag"] = "Ambre"
        note("rag-typo", a.aid, "actions", "rag", i, "Ambre", "not-in-list", "error",
             text="RAG typed \"Ambre\" for Amber")
        a = by_tag["date-order"]
        i = index[a.aid]
        row = rows["actions"][i]
        try:
            typo = a.due.replace(year=a.due.year - 1)
        except ValueError:  # 29 February
            typo = a.due - timedelta(days=365)
        if typo >= a.start:
            typo = a.start - timedelta(days=1)
        row["due_date"] = typo
        note("date-order", a.aid, "actions", "due_date", i, typo, "date-order", "error",
             text=f"due date typed a year early, before the start date {a.start:%d/%m/%Y}")
        a = by_tag["unknown-outcome"]
        i = index[a.aid]
        wrong = f"O-{len(plan.outcomes) + 1:02d}"
        rows["actions"][i]["outcome_id"] = wrong
        note("unknown-outcome", a.aid, "actions", "outcome_id", i, wrong, "unknown-outcome",
             "error", text=f"action points at outcome {wrong}, which does not exist")
        a = by_tag["no-recovery"]
        i = index[a.aid]
        note("recovery-missing", a.aid, "actions", "rag", i, rows["actions"][i]["rag"],
             "recovery-missing", "error", text="Red action with no Recovery row")
    if period == Q2 and code == TEXT_DATES_LSP:
        typed = 0
        for key, names in (("actions", ("forecast_date", "completed_date")),
                           ("milestones", ("actual_date",))):
            for i, row in enumerate(rows[key]):
                for name in names:
                    v = row.get(name)
                    if not isinstance(v, date) or v <= _end(Q1):
                        continue  # only dates typed this quarter
                    if typed < 2 + (key == "milestones") * 2:
                        row[name] = v.strftime("%d/%m/%Y")
                        typed += 1
                        item = row["action_id" if key == "actions" else "milestone_id"]
                        note("text-date", item, key, name, i, row[name], "normalised",
                             "warning", text="date typed as text")
        if typed < 3:
            raise RuntimeError(f"{code} has too few dates to type as text")
    if period == Q2 and code == REBASELINE_LSP:
        for i, row in enumerate(rows["milestones"]):
            m = next(m for a in plan.actions for m in a.milestones if m.mid == row["milestone_id"])
            if Q2 in m.rebaselined:
                note("re-baselined", m.mid, "milestones", "baseline_date", i,
                     m.rebaselined[Q2], "baseline-changed", "warning", previous=True,
                     text=f"baseline moved from {m.baseline:%d/%m/%Y} since Q1")
    if period == Q2 and code == WORSENED_LSP:
        a = by_tag["worsened"]
        i = index[a.aid]
        note("rag-worsened", a.aid, "actions", "rag", i, rows["actions"][i]["rag"],
             text="Green in Q1, Red in Q2, with a Recovery row")
        r = next(j for j, row in enumerate(rows["recovery"]) if row["item_id"] == a.aid)
        note("recovery-plan", a.aid, "recovery", "item_id", r, a.aid,
             text="the Recovery row for the action that turned Red")
    if period == Q1 and code == DROPPED_LSP:
        a = by_tag["dropped"]
        i = index[a.aid]
        quirks.append(Quirk("dropped", Q2, code, a.aid, "Actions", "", a.aid,
                            "item-disappeared",
                            "warning", True, f"in progress in Q1 (Actions row {5 + i}), "
                            "left out of the Q2 return without being completed or cancelled"))
    if period == Q2:
        _slipping(rows, period, code, quirks)
    return rows


def _slipping(rows: dict[str, list[dict[str, Any]]], period: str, code: str,
              quirks: list[Quirk]) -> None:
    """Record every milestone that is overdue or forecast well beyond its baseline."""
    end = _end(period)
    tolerance = TOLERANCES["forecast_slip_days"]
    for i, row in enumerate(rows["milestones"]):
        if row["status"] in ("Achieved", "Cancelled"):
            continue
        base = row["baseline_date"]
        forecast = row.get("forecast_date")
        if isinstance(forecast, str):
            continue
        if isinstance(forecast, date) and (forecast - base).days > tolerance:
            quirks.append(Quirk("forecast-slip", period, code, row["milestone_id"],
                                "Milestones", _cell("milestones", "forecast_date", i),
                                f"{forecast:%d/%m/%Y}",
                                note=f"{(forecast - base).days} days beyond its baseline "
                                     f"{base:%d/%m/%Y}"))
        if base < end:
            quirks.append(Quirk("overdue", period, code, row["milestone_id"], "Milestones",
                                _cell("milestones", "baseline_date", i), f"{base:%d/%m/%Y}",
                                note=f"not achieved at {end:%d/%m/%Y} ({row['status']})"))


def _rename_header(path: Path, key: str, name: str, new: str) -> str:
    """Change one column header as a partner would in Excel (the table column with it)."""
    import openpyxl

    spec = sheet(key)
    col = [f.name for f in spec.fields].index(name)
    ref = a1(HEADER_ROW + 1, col)
    wb = openpyxl.load_workbook(path)
    ws = wb[spec.name]
    ws[ref] = new
    table = ws.tables[f"tbl{spec.name}"]
    table.tableColumns[col].name = new
    with atomic_output(path) as tmp:
        wb.save(tmp)
    wb.close()
    return ref


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
    plans = {code: _make_plan(code) for code, *_ in LSPS}
    returns: dict[tuple[str, str], Rows] = {}
    quirks: list[Quirk] = []
    for period in PERIODS:
        for code, *_ in LSPS:
            if (period, code) in MISSING:
                quirks.append(Quirk("missing", period, code, note="no return received"))
                continue
            maker, plan = plans[code]
            returns[(period, code)] = _typed_rows(maker, plan, period, quirks)
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
    quirks.sort(key=lambda q: (PERIODS.index(q.period), q.lsp, q.kind, _natural(q.item)))
    return returns, quirks


def _natural(item: str) -> tuple[str, int]:
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
                _rename_header(path, key, name, q.value)
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


if __name__ == "__main__":
    sys.exit(main())
