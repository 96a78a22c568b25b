"""The plan behind a partnership's returns: outcomes, actions and milestones as they really go."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..region import DEFAULT_ASSURANCE, Period
from .midshire import (
    AGENCIES,
    ASSURANCE_TEXT,
    FIRST_NAMES,
    FUNDING,
    INDICATORS,
    MILESTONE_LATE,
    MILESTONES,
    MITIGATION,
    OWN_AGENCIES,
    PLACES,
    Q1,
    Q2,
    SEED,
    SURNAMES,
    Indicator,
)

# -- the plan behind the returns -----------------------------------------------------------


@dataclass
class Milestone:
    mid: str
    description: str
    baseline: date
    true: date  # when it is (or will be) reached
    rebaselined: dict[str, date] = field(default_factory=dict)  # period -> baseline typed
    comment_late: str = ""

    def base(self, period: str) -> date:
        return self.rebaselined.get(period, self.baseline)


@dataclass
class Action:
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
    milestones: list[Milestone] = field(default_factory=list)
    amber_recovery: bool = True
    tags: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)  # milestone wordings used
    mitigation: str = ""
    depends_on: tuple[str, ...] = ()  # the actions that must finish first
    outturn: int | None = None  # the forecast outturn, when it is not the cost


@dataclass
class Outcome:
    oid: str
    ind: Indicator
    lead_partner: str
    lead_officer: str
    baseline: float
    targets: tuple[float, float, float]
    latest: dict[str, tuple[float, str]]
    actions: list[Action] = field(default_factory=list)
    answers: dict[str, tuple[str, str, str]] = field(default_factory=dict)


@dataclass
class Plan:
    code: str
    outcomes: list[Outcome]
    assurance: list[dict[str, Any]]
    risks: list[dict[str, Any]]

    @property
    def actions(self) -> list[Action]:
        return [a for o in self.outcomes for a in o.actions]


def period_end(period: str) -> date:
    return Period.parse(period).end


def month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def quoted(value: float, ind: Indicator) -> str:
    """A value as a sentence quotes it: with its % sign, otherwise bare."""
    return fmt(value, ind.decimals) + ("%" if ind.unit == "%" else "")


class PlanMaker:
    """Makes one partnership's plan: outcomes, actions, milestones, assurance and risks."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.rng = random.Random(f"{SEED}/{code}")
        self.place, self.council, self.vcs, self.wards = PLACES[code]
        own = {"place": self.place, "council": self.council, "vcs": self.vcs}
        self.agencies = {key: name.format(**own)
                         for key, name in (AGENCIES | OWN_AGENCIES[code]).items()}
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

    def plan(self) -> Plan:
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
        return Plan(self.code, outcomes, self.assurance(), [])

    def outcome(self, oid: str, ind: Indicator) -> Outcome:
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
        return Outcome(oid, ind, self.agency(ind.lead), self.person(), b,
                        (targets[0], targets[1], targets[2]), latest)

    def action(self, aid: str, o: Outcome, desc: str, key: str) -> Action:
        rng = self.rng
        month = int(rng.triangular(0, 20, 3))  # months after April 2008
        start = add_months(date(2008, 4, 1), month)
        length = rng.choice((6, 9, 12, 12, 15, 18, 18, 24, 24, 30))
        last = add_months(start, length - 1)
        due = min(month_end(last.year, last.month), date(2011, 3, 31))
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
        a = Action(aid, o.oid, self.words(desc), agency, self.person(), cost, resources,
                    start, due, finish)
        a.amber_recovery = rng.random() < 0.8
        a.mitigation = self.words(rng.choice(MITIGATION), agency=agency,
                                  month=rng.choice(("July", "August", "September")))
        self.set_forecasts(a, slip, hidden_in_q1=rng.random() < 0.35)
        return a

    def set_forecasts(self, a: Action, slip: int, hidden_in_q1: bool = False) -> None:
        """The forecast each period shows: a slip may only be admitted in Q2."""
        a.finish = a.due + timedelta(days=slip) if slip else min(a.finish, a.due)
        shown = a.due + timedelta(days=slip) if slip else None
        a.forecast = {Q2: shown, Q1: shown}
        if slip and hidden_in_q1 and a.finish > period_end(Q1) and a.due > period_end(Q1):
            a.forecast[Q1] = None

    def milestones(self, plan: Plan) -> None:
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

    def milestone(self, mid: str, a: Action, frac: float, baseline: date | None = None
                  ) -> Milestone:
        rng = self.rng
        if baseline is None:
            d = a.start + timedelta(days=round(frac * (a.due - a.start).days))
            baseline = max(min(month_end(d.year, d.month), a.due), a.start)
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
        return Milestone(mid, text, baseline, true, comment_late=rng.choice(MILESTONE_LATE))

    def settle(self, a: Action) -> None:
        """A slip cannot stay hidden once a milestone is overdue or the action is late."""
        if a.forecast.get(Q1) is None and a.forecast.get(Q2) is not None:
            end = period_end(Q1)
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

    def risks(self, plan: Plan) -> list[dict[str, Any]]:
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

