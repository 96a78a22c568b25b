"""The Government Office's own reviews of the sample region, as its locality managers fill
them in: the judgements as data, laid into review workbooks prefilled from each round's
roll-up by the tool itself (`laa_xl.review`).

The cases the demo shows: in Q2 a GO assessment two grades from a Strong self-assessment
(ANY, PA-01), a partnership fit for purpose "Yes, with improvements" with advice (NBR),
advice from the Q1 review left open past its due date (ANY, ADV-01), and one partnership
not reviewed (LDL, whose return is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..review import ReviewData
from .midshire import Q1, Q2


@dataclass(frozen=True)
class GoReview:
    """One filled review: what the GO judged of one partnership in one round."""

    period: str
    lsp: str
    fit: str
    overall: str
    conclusion: str
    elements: tuple[str, str, str]  # likelihood of: planning, capacity, evidence of progress
    why: tuple[str, str, str]
    judgement: str = "On track to meet or exceed"  # of every outcome not named below
    judgements: dict[str, str] = field(default_factory=dict)  # outcome ID -> judgement
    assurance: dict[str, tuple[str, str]] = field(default_factory=dict)  # Ref -> (GO, comment)
    advice: tuple[dict[str, Any], ...] = ()  # new advice, by field name
    follow_up: dict[str, tuple[str, str]] = field(default_factory=dict)  # carried ID -> (status, note)
    by: str = "Sam Okafor"
    on: date = date(2009, 10, 27)
    cases: tuple[tuple[str, str, str, str], ...] = ()  # (what, sheet, item, note) for the README


_PLAN_OK = ("Plans hold the current position, the challenge and the options appraised.",
            "Leads are in post for every action; two vacancies are being filled.",
            "Most milestones are on track; slippage is known and managed.")

REVIEWS: tuple[GoReview, ...] = (
    GoReview(Q1, "ANY", "Yes", "Amber-Green", "Sound arrangements; the mortality plan needs "
             "firmer milestones.", ("Amber-Green", "Green", "Amber-Green"), _PLAN_OK,
             judgements={"O-03": "Off track, expected to recover"},
             advice=({"advice_id": "ADV-01", "about": "O-03",
                      "advice": "Add quarterly milestones to the mortality plan and name a lead "
                                "for each practice-level action.",
                      "agreed_with": "Priya Shah", "owner": "Partnership",
                      "due_date": date(2009, 8, 31), "riep": "No", "status": "Open"},),
             on=date(2009, 7, 28)),
    GoReview(Q1, "NBR", "Yes", "Amber-Green", "On course.", ("Green", "Amber-Green", "Green"),
             _PLAN_OK, on=date(2009, 7, 28)),
    GoReview(Q2, "ANY", "Yes, with improvements", "Amber-Red",
             "Delivery machinery is weaker than the partnership says: actions wait on the "
             "board. The Q1 advice on the mortality plan is still open.",
             ("Amber-Red", "Amber-Green", "Amber-Red"),
             ("The mortality plan still has no quarterly milestones.", _PLAN_OK[1],
              "Three actions are more than 90 days late."),
             judgements={"O-03": "At risk"},
             assurance={"PA-01": ("Weak", "Blockages wait for the quarterly board: the "
                                          "performance clinic has not met since June.")},
             follow_up={"ADV-01": ("Open", "Chased on 15/09/2009: a draft is promised for "
                                           "the November board.")},
             cases=(("disagreement", "Assurance", "PA-01", "GO assessment Weak against a "
                     "Strong self-assessment, two grades apart, with its GO comment"),
                    ("advice-overdue", "Advice", "ADV-01", "Q1 advice carried in, still Open "
                     "past its due date of 31/08/2009"))),
    GoReview(Q2, "NBR", "Yes, with improvements", "Amber-Green",
             "Fit for purpose once partnership working at theme level is strengthened.",
             ("Green", "Amber-Red", "Amber-Green"), _PLAN_OK,
             assurance={"PA-07": ("Weak", "Theme groups are poorly attended.")},
             advice=({"advice_id": "ADV-01", "about": "PA-07",
                      "advice": "Agree terms of reference and attendance for each theme group.",
                      "agreed_with": "Tom Hughes", "owner": "Partnership",
                      "due_date": date(2009, 12, 31), "riep": "Yes", "status": "Open"},
                     {"advice_id": "ADV-02", "about": "General",
                      "advice": "GO to broker a peer visit from Anycity's performance clinic.",
                      "owner": "GO", "due_date": date(2009, 11, 30), "riep": "No",
                      "status": "Open"}),
             cases=(("yes-with-improvements", "Conclusion", "", "fit for purpose \"Yes, with "
                     "improvements\", with two pieces of advice on Advice"),)),
    GoReview(Q2, "EWD", "Yes", "Green", "Strong delivery.", ("Green", "Green", "Green"),
             _PLAN_OK),
    GoReview(Q2, "SMR", "No", "Red", "The return could not be accepted and the plan cannot be "
             "judged from it: a meeting with the board is arranged.",
             ("Amber-Red", "Amber-Red", "Red"),
             ("Not judged: the return was not valid.",) * 2 + ("Red actions lack recovery "
                                                               "plans.",),
             advice=({"advice_id": "ADV-01", "about": "General",
                      "advice": "Resubmit the Q2 return with the four errors fixed.",
                      "owner": "Partnership", "due_date": date(2009, 11, 6), "riep": "No",
                      "status": "Open"},)),
    GoReview(Q2, "WHV", "Yes", "Amber-Green", "Recovering well.",
             ("Amber-Green", "Green", "Amber-Green"), _PLAN_OK),
    GoReview(Q2, "RVF", "Yes", "Amber-Green", "Late return; delivery sound.",
             ("Green", "Amber-Green", "Amber-Green"), _PLAN_OK),
    GoReview(Q2, "HCB", "Yes", "Green", "On course.", ("Green", "Green", "Amber-Green"),
             _PLAN_OK),
)
NOT_REVIEWED = {Q2: ("LDL",)}


def reviews_of(period: str) -> tuple[GoReview, ...]:
    return tuple(r for r in REVIEWS if r.period == period)


def fill(data: ReviewData, go: GoReview) -> ReviewData:
    """The review prefilled from the roll-up, with the GO's judgements laid in."""
    rows = data.rows
    for o in rows["review-outcomes"]:
        o["judgement"] = go.judgements.get(o["outcome_id"], go.judgement)
        o["plan_fit"] = "Partly" if o["outcome_id"] in go.judgements else "Yes"
        o["known"] = "Yes"
    for a in rows["review-assurance"]:
        rating, comment = go.assurance.get(a["question_id"], (a.get("rating"), None))
        a["go_rating"] = rating or "Adequate"
        if comment:
            a["go_comment"] = comment
    for d, likelihood, why in zip(rows["review-delivery"], go.elements, go.why, strict=True):
        d["likelihood"], d["why"] = likelihood, why
    rows["review-conclusion"] = [{"fit_for_purpose": go.fit, "overall": go.overall,
                                  "conclusion": go.conclusion, "assessed_by": go.by,
                                  "assessed_on": go.on}]
    for a in rows["review-advice"]:
        if a.get("advice_id") in go.follow_up:
            a["status"], a["follow_up"] = go.follow_up[a["advice_id"]]
    rows["review-advice"] += [dict(a) for a in go.advice]
    return data


def readme_lines(questions: tuple[str, ...]) -> list[str]:
    """The samples README's section on the GO's reviews: each case at its cell.

    `questions` are the region's assurance Refs in order (the Assurance sheet's rows).
    """
    from ..layout import FIRST_DATA_ROW
    from ..model import a1
    from ..schemas import sheet

    def cell(key: str, name: str, index: int) -> str:
        col = [f.name for f in sheet(key).fields].index(name)
        return f"{sheet(key).name}!{a1(FIRST_DATA_ROW + 1 + index, col)}"

    lines = ["", "## The GO's reviews (`laa-xl demo` writes them into `reviews/`)", "",
             "The Government Office reviews each partnership from the roll-up "
             "(`laa-xl review`); the demo fills them in as a locality manager would "
             "(`laa_xl/samples/reviews.py`) and folds them into each roll-up "
             "(`consolidate --reviews`).", "",
             "| period | LSP | what | item | cell | value | note |", "|---|---|---|---|---|---|---|"]
    for go in REVIEWS:
        for what, where, item, note in go.cases:
            if where == "Assurance":
                at, value = cell("review-assurance", "go_rating", questions.index(item)), \
                    go.assurance[item][0]
            elif where == "Advice":
                before = [a["advice_id"] for r in REVIEWS if r.lsp == go.lsp
                          and r.period < go.period for a in r.advice
                          if a.get("status") == "Open"]
                at = cell("review-advice", "status", before.index(item))
                value = go.follow_up[item][0]
            else:
                at, value = cell("review-conclusion", "fit_for_purpose", 0), go.fit
            lines.append(f"| {go.period} | {go.lsp} | {what} | {item} | {at} | {value} | "
                         f"{note} |")
    for period, codes in NOT_REVIEWED.items():
        for code in codes:
            lines.append(f"| {period} | {code} | not reviewed |  |  |  | no review: its return "
                         "is missing, and the GO has not yet met it |")
    return lines
