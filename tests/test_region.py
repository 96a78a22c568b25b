"""Periods, and the region file: defaults, and one plain message per mistake, naming the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from laa_xl.cli import main
from laa_xl.errors import RegionError
from laa_xl.region import DEFAULT_ASSURANCE, DEFAULT_THEMES, Period, Tolerances, load_region
from laa_xl.schemas import target_years

# --------------------------------------------------------------------------------------
# Periods

PERIODS = [
    # text,         start,              end,                target field
    ("2008/09 Q1", date(2008, 4, 1), date(2008, 6, 30), "target_2008_09"),
    ("2008/09 Q4", date(2009, 1, 1), date(2009, 3, 31), "target_2008_09"),
    ("2009/10 Q1", date(2009, 4, 1), date(2009, 6, 30), "target_2009_10"),
    ("2009/10 Q2", date(2009, 7, 1), date(2009, 9, 30), "target_2009_10"),
    ("2009/10 Q3", date(2009, 10, 1), date(2009, 12, 31), "target_2009_10"),
    ("2009/10 Q4", date(2010, 1, 1), date(2010, 3, 31), "target_2009_10"),
    ("2010/11 Q4", date(2011, 1, 1), date(2011, 3, 31), "target_2010_11"),
    ("2099/00 Q3", date(2099, 10, 1), date(2099, 12, 31), "target_2099_00"),
]


@pytest.mark.parametrize(("text", "start", "end", "target"), PERIODS, ids=[p[0] for p in PERIODS])
def test_period(text: str, start: date, end: date, target: str):
    p = Period.parse(text)
    assert str(p) == text
    assert (p.start, p.end) == (start, end)
    if p.year_label in target_years():  # the LAA's three years have targets
        assert target_years()[p.year_label].name == target
    assert p.year_label == text[:7]


@pytest.mark.parametrize(("text", "previous", "following"), [
    ("2009/10 Q1", "2008/09 Q4", "2009/10 Q2"),
    ("2009/10 Q2", "2009/10 Q1", "2009/10 Q3"),
    ("2009/10 Q3", "2009/10 Q2", "2009/10 Q4"),
    ("2009/10 Q4", "2009/10 Q3", "2010/11 Q1"),
    ("2099/00 Q4", "2099/00 Q3", "2100/01 Q1"),
])
def test_previous_and_next(text: str, previous: str, following: str):
    p = Period.parse(text)
    assert str(p.previous()) == previous
    assert str(p.next()) == following
    assert p.previous().next() == p == p.next().previous()


def test_a_period_is_read_with_spaces_around_it():
    assert Period.parse(" 2009/10 Q2\n") == Period(2009, 2)


@pytest.mark.parametrize("text", [
    "2009/11 Q2",  # the years must follow on
    "2009/09 Q2",
    "2009/10 Q0",
    "2009/10 Q5",
    "2009/10 q2",
    "2009/10Q2",
    "2009-10 Q2",
    "2009/2010 Q2",
    "09/10 Q2",
    "1999/00 Q1",
    "Q2 2009/10",
    "2009/10",
    "",
])
def test_bad_periods(text: str):
    with pytest.raises(ValueError) as info:
        Period.parse(text)
    assert str(info.value) == f"{text!r} is not a period like 2009/10 Q2"


# --------------------------------------------------------------------------------------
# Loading region.toml


def test_the_sample_region(sample_region):
    r = sample_region
    assert (r.region, r.go_name, str(r.period)) == (
        "Midshire", "Government Office for Midshire", "2009/10 Q2")
    assert (r.deadline, r.due) == (date(2009, 10, 15), date(2009, 10, 15))
    assert [x.code for x in r.lsps] == ["ANY", "NBR", "EWD", "SMR", "WHV", "RVF", "HCB", "LDL"]
    assert r.lsp("any").name == "Anycity Partnership"
    assert (r.contact_name, r.contact_email, r.contact_phone) == (
        "Sam Okafor, Performance Team", "laa.returns@go-midshire.example", "0121 496 0000")
    assert r.tolerances == Tolerances(forecast_slip_days=14, behind_plan_ratio=0.7)


def test_a_three_line_file_gets_every_default(tmp_path: Path):
    path = tmp_path / "region.toml"
    path.write_text('[[lsp]]\ncode = "ANY"\nname = "Anycity Partnership"\n', encoding="utf-8")
    r = load_region(path)
    assert [(x.code, x.name, x.contact, x.email) for x in r.lsps] == [
        ("ANY", "Anycity Partnership", "", "")]
    assert (r.region, r.go_name, r.period) == ("Region", "Government Office", Period(2009, 2))
    assert r.deadline is None
    assert r.due == date(2009, 10, 15)  # 15 days after the quarter ends
    assert (r.contact_name, r.contact_email, r.contact_phone) == ("", "", "")
    assert r.themes == DEFAULT_THEMES
    assert [(q.id, q.area, q.question) for q in r.questions] == list(DEFAULT_ASSURANCE)
    assert [q.id for q in r.questions] == [f"PA-{i:02d}" for i in range(1, 11)]
    assert r.tolerances == Tolerances(14, 0.7, 30, 90)
    assert r.source == str(path)


def test_settings_override_the_defaults(tmp_path: Path):
    path = tmp_path / "region.toml"
    path.write_text(
        'period = "2010/11 Q4"\n'
        'themes = ["Stronger communities"]\n'
        '[tolerances]\nforecast_slip_days = 7\n'
        '[[assurance]]\nid = "Q1"\narea = "Money"\nquestion = "Is it funded?"\n'
        '[[lsp]]\ncode = "ANY"\nname = "Anycity"\n', encoding="utf-8")
    r = load_region(path)
    assert (str(r.period), r.due) == ("2010/11 Q4", date(2011, 4, 15))
    assert r.themes == ("Stronger communities",)
    assert [(q.id, q.area, q.question) for q in r.questions] == [("Q1", "Money", "Is it funded?")]
    assert r.tolerances == Tolerances(forecast_slip_days=7)


def test_an_unknown_lsp_code(sample_region):
    with pytest.raises(RegionError) as info:
        sample_region.lsp("ZZZ")
    assert str(info.value) == (
        f"{sample_region.source} has no LSP with code 'ZZZ'. "
        "Its LSPs are: ANY, NBR, EWD, SMR, WHV, RVF, HCB, LDL.")


LSP = '[[lsp]]\ncode = "ANY"\nname = "Anycity"\n'

BAD_REGIONS = [
    # id, file text, the message after "Region file <path>"
    ("missing lsp", 'region = "Midshire"\n',
     " has 1 problem(s):\n  - no partnerships are listed: add at least one [[lsp]] table "
     "with a code and a name"),
    ("empty lsp", "lsp = []\n",
     " has 1 problem(s):\n  - lsp: needs at least 1 entry"),
    ("lsp without a name", '[[lsp]]\ncode = "ANY"\n',
     " has 1 problem(s):\n  - lsp[1] needs a key 'name'"),
    ("bad lsp code", '[[lsp]]\ncode = "AN Y"\nname = "Anycity"\n',
     " has 1 problem(s):\n  - lsp[1].code: 'AN Y' may hold only letters, digits and '-' "
     "(up to 12)"),
    ("bad lsp email", LSP + 'email = "priya.shah"\n',
     " has 1 problem(s):\n  - lsp[1].email: 'priya.shah' is not an email address"),
    ("bad contact email", '[contact]\nemail = "laa returns@go.example"\n' + LSP,
     " has 1 problem(s):\n  - contact.email: 'laa returns@go.example' is not an email "
     "address"),
    ("bad period", 'period = "2009/10 Q5"\n' + LSP,
     " has 1 problem(s):\n  - period: '2009/10 Q5' is not a period like \"2009/10 Q2\""),
    ("period years apart", 'period = "2009/11 Q2"\n' + LSP,
     ": period: '2009/11 Q2' is not a period like 2009/10 Q2."),
    ("bad deadline", 'deadline = "15/10/2009"\n' + LSP,
     " has 1 problem(s):\n  - deadline: '15/10/2009' is not a date (write it as 2009-10-15)"),
    ("deadline before the period ends", 'period = "2009/10 Q3"\ndeadline = "2009-10-15"\n' + LSP,
     ": the deadline 15 October 2009 is on or before the end of the period 2009/10 Q3 "
     "(31 December 2009): returns cannot be due before the quarter they report on is over. "
     "Change the deadline (or the period)."),
    ("unknown key", 'regoin = "Midshire"\n' + LSP,
     " has 1 problem(s):\n  - the top level: 'regoin' is not a setting laa-xl knows "
     "(did you mean 'region'?)"),
    ("unknown key in a table", '[contact]\nfax = "0121 496 0001"\n' + LSP,
     " has 1 problem(s):\n  - contact: 'fax' is not a setting laa-xl knows (check the "
     "spelling)"),
    ("wrong type", "region = 5\n" + LSP,
     " has 1 problem(s):\n  - region: expected string, found int 5"),
    ("bad tolerance", "[tolerances]\nforecast_slip_days = -1\n" + LSP,
     " has 1 problem(s):\n  - tolerances.forecast_slip_days: -1 is out of range (minimum 0)"),
    ("same theme twice", 'themes = ["Health", "Health"]\n' + LSP,
     " has 1 problem(s):\n  - themes: has the same entry twice"),
    ("two problems", 'regoin = "Midshire"\n' + LSP + 'email = "x"\n',
     " has 2 problem(s):\n"
     "  - the top level: 'regoin' is not a setting laa-xl knows (did you mean 'region'?)\n"
     "  - lsp[1].email: 'x' is not an email address"),
    ("duplicate lsp code", LSP + '[[lsp]]\ncode = "any"\nname = "Anytown"\n',
     ": LSP code(s) ANY, any are listed twice."),
    ("duplicate question id",
     LSP + '[[assurance]]\nid = "Q1"\narea = "A"\nquestion = "Q?"\n'
           '[[assurance]]\nid = "Q1"\narea = "B"\nquestion = "R?"\n',
     ": two assurance questions share an id."),
    ("not toml", "this is not toml\n",
     " is not valid TOML: Expected '=' after a key in a key/value pair (at line 1, column 6)."),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD_REGIONS],
                         ids=[b[0] for b in BAD_REGIONS])
def test_bad_region_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "region.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegionError) as info:
        load_region(path)
    assert str(info.value) == f"Region file {path}{message}"


def test_missing_region_file(tmp_path: Path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RegionError) as info:
        load_region(path)
    assert str(info.value) == f"Region file {path} does not exist."


def test_region_file_that_is_not_text(tmp_path: Path):
    path = tmp_path / "region.toml"
    path.write_bytes(b"\xff\xfe\x00r")
    with pytest.raises(RegionError) as info:
        load_region(path)
    assert str(info.value) == f"Region file {path} is not UTF-8 text."


USAGE = "Usage: laa-xl template [OPTIONS]\nTry 'laa-xl template --help' for help.\n\n"


@pytest.mark.parametrize(("text", "message"),
                         [b[1:] for b in BAD_REGIONS] + [(None, " does not exist.")],
                         ids=[b[0] for b in BAD_REGIONS] + ["missing file"])
def test_template_with_a_bad_region_file_is_a_usage_error(tmp_path: Path, tmp_out: Path,
                                                          text: str | None, message: str):
    path = tmp_path / "region.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "--all", "--region", str(path),
                                       "-o", str(tmp_out)], prog_name="laa-xl")
    assert result.exit_code == 2
    assert result.output == f"{USAGE}Error: Region file {path}{message}\n"
    assert list(tmp_out.iterdir()) == []


def test_a_region_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path):
    src = Path(__file__).resolve().parent.parent / "samples" / "region.toml"
    path = tmp_path / "region.toml"
    path.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    read, original = load_region(path), load_region(src)
    assert read.lsps == original.lsps and read.questions == original.questions
    assert read.period == original.period and read.themes == original.themes


def test_every_tolerance_defaults_as_the_region_schema_says() -> None:
    """The region schema declares each tolerance's default; the code holds the same."""
    from laa_xl.schemas import load_schema

    declared = load_schema("region")["properties"]["tolerances"]["properties"]
    assert {k: v["default"] for k, v in declared.items()} == {
        k: getattr(Tolerances(), k) for k in Tolerances.__dataclass_fields__}
    assert Tolerances().over_budget_ratio == 0.1
