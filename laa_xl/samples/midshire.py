"""Midshire, the fictional region: its partnerships, indicators and the prose partners write.

The tables are in data/sample_region.json; this module turns them into typed constants and
says what each partnership does in the Q2 round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..data import load_json
from ..region import DEFAULT_THEMES

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
AGENCIES: dict[str, str] = dict(_DATA["agencies"])
OWN_AGENCIES: dict[str, dict[str, str]] = {p["code"]: dict(p.get("agencies", {}))
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
KNOCK_ON_LSP = "WHV"  # a chain of three actions, the first slipping (template 1.1)
OVER_BUDGET_LSP = "ANY"  # one action forecast over its cost (template 1.1)

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
    lead: str  # agency key (see `Maker.agency`)
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

