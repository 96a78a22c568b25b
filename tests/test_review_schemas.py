"""The review workbook's schemas: the header texts and scales of the contract, its identity."""

from __future__ import annotations

from laa_xl import schemas

REVIEW_HEADERS = {
    "review-outcomes": ["Outcome ID", "Indicator", "Outcome / target", "Theme", "Latest value",
                        "Target this year", "Partnership's RAG", "Off trajectory",
                        "Slipping items", "GO judgement", "Plan fit for purpose?",
                        "Known and being acted on?", "Challenge to put to the partnership"],
    "review-assurance": ["Ref", "Area", "Question", "Self-assessment", "Evidence",
                         "GO assessment", "GO comment"],
    "review-delivery": ["Element", "Likelihood of delivery", "Why"],
    "review-conclusion": ["Fit for purpose?", "Overall likelihood of delivery", "Conclusion",
                          "Assessed by", "Assessed on"],
    "review-advice": ["Advice ID", "About", "Advice", "Agreed with", "Owner", "Due date",
                      "Referred to the RIEP?", "Status", "Follow-up"],
}


def test_review_sheets_in_order_with_their_headers() -> None:
    specs = schemas.review_sheets()
    assert [s.name for s in specs] == ["Outcomes", "Assurance", "Delivery", "Conclusion",
                                       "Advice"]
    assert {s.key: s.headers for s in specs} == REVIEW_HEADERS
    assert tuple(schemas.load_schema("review")["x-sheets"]) == schemas.REVIEW_KEYS


def test_review_scales() -> None:
    out = schemas.sheet("review-outcomes")
    assert out.field("judgement").enum == (
        "On track to meet or exceed", "Off track, expected to recover", "At risk",
        "No target set yet", "Too early to judge")
    assert out.field("plan_fit").enum == ("Yes", "Partly", "No")
    assert out.field("known").enum == ("Yes", "No")
    assert schemas.sheet("review-assurance").field("go_rating").enum == (
        "Strong", "Adequate", "Weak")
    four = ("Green", "Amber-Green", "Amber-Red", "Red")
    assert schemas.sheet("review-delivery").field("likelihood").enum == four
    assert schemas.sheet("review-delivery").field("element").enum == (
        "Quality of planning", "Capacity to drive progress", "Evidence of progress")
    con = schemas.sheet("review-conclusion")
    assert con.field("overall").enum == four
    assert con.field("fit_for_purpose").enum == ("Yes", "Yes, with improvements", "No")
    adv = schemas.sheet("review-advice")
    assert adv.field("owner").enum == ("Partnership", "GO", "RIEP")
    assert adv.field("riep").enum == ("Yes", "No")
    assert adv.field("status").enum == ("Open", "Done", "Dropped")
    assert adv.closed == ("Done", "Dropped")


def test_facts_locked_judgements_open() -> None:
    out = schemas.sheet("review-outcomes")
    assert [f.name for f in out.fields if f.locked] == [
        "outcome_id", "indicator", "title", "theme", "latest_value", "target", "rag",
        "off_trajectory", "slipping"]
    ass = schemas.sheet("review-assurance")
    assert [f.name for f in ass.fields if not f.locked] == ["go_rating", "go_comment"]
    assert [f.name for f in schemas.sheet("review-advice").fields if f.means("x-carried")] == [
        "advice_id", "advice"]


def test_review_identity_is_not_a_returns() -> None:
    assert schemas.review_product() == "laa-xl review"
    assert schemas.review_product() != "laa-xl return"
    assert schemas.review_schema_version() == "1.0"
    # A Red overall likelihood needs a conclusion: the schema's own if/then.
    (cond,) = schemas.sheet("review-conclusion").conditionals
    assert (cond.field, cond.values, cond.then_required) == ("overall", {"Red"}, ("conclusion",))
