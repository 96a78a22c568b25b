"""The sheets each workbook has, in order: written once here for every test that needs them."""

RETURN_DATA_SHEETS = ["Outcomes", "Actions", "Milestones", "Assurance", "Risks", "Recovery"]
TEMPLATE_SHEETS = ["Guidance", *RETURN_DATA_SHEETS, "_lists", "_laa_xl"]
ROLLUP_SHEETS = [("About", "visible"), ("Dashboard", "visible"), ("Completeness", "visible"),
                 ("Slipping", "visible"), ("Outcomes", "visible"), ("Actions", "visible"),
                 ("Milestones", "visible"), ("Assurance", "visible"), ("Assurance answers", "visible"),
                 ("GO assessment", "visible"), ("Advice", "visible"),
                 ("Risks", "visible"),
                 ("Recovery", "visible"), ("Issues", "visible"), ("Timeline", "visible"),
                 ("Dependencies", "visible"),
                 ("_laa_xl", "hidden")]
REVIEW_SHEETS = ["Guidance", "Summary", "Outcomes", "Assurance", "Delivery", "Conclusion", "Advice",
                 "_lists", "_laa_xl"]
