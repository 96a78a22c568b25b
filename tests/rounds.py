"""Three quarters of one region's round, made as a GO officer makes them: returns built from
small tables, each quarter consolidated against the one before.  Used by the tests of
prefilling from several rounds and of the trends workbook.

Testshire has three partnerships:

- ANY returns every quarter, valid: late in Q2 (20/10/2009).  Its milestone M-001 slips
  every quarter and is re-baselined in Q2 (01/09/2009 → 15/09/2009); its outcome O-01 moves
  7.9 → 7.7 → 7.4 (lower is better; targets 8, 7.5 and 7).
- NBR returns in Q1 (late, 20/07/2009) and Q3 (late, 20/01/2010), and sends nothing in Q2.
- EWD sends nothing in Q1, a return with an error in Q2, and a valid return in Q3.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from returns import build_return

from laa_xl.cli import main
from laa_xl.region import load_region

REGION = """\
region = "Testshire"
go_name = "Government Office for Testshire"
period = "{period}"
deadline = {deadline}

[[lsp]]
code = "ANY"
name = "Anycity Partnership"
email = "any@example.org"

[[lsp]]
code = "NBR"
name = "Northbridge Together"
email = "nbr@example.org"

[[lsp]]
code = "EWD"
name = "Eastwold Strategic Partnership"
email = "ewd@example.org"
"""

PERIODS = {"Q1": ("2009/10 Q1", "2009-07-15"), "Q2": ("2009/10 Q2", "2009-10-15"),
           "Q3": ("2009/10 Q3", "2010-01-15"), "Q4": ("2009/10 Q4", "2010-04-15")}


def _outcome(latest: float, period: str) -> str:
    return f"""
        | Outcome ID | Latest value | Latest period |
        | O-01       | {latest}     | {period}      |
    """


# ANY's returns, quarter by quarter: what moves (everything else is tests/returns.py's VALID).
ANY = {
    "Q1": {
        "outcomes": _outcome(7.9, "Q1 2009/10"),
        "milestones": """
            | Milestone ID | Action ID | Baseline date | Forecast date | Status   |
            | M-001        | A-01      | 2009-09-01    | 2009-10-15    | On track |
        """,
    },
    "Q2": {
        "outcomes": _outcome(7.7, "Q2 2009/10"),
        "milestones": """
            | Milestone ID | Action ID | Baseline date | Forecast date | Status   |
            | M-001        | A-01      | 2009-09-15    | 2009-11-30    | At risk  |
        """,
    },
    "Q3": {
        "outcomes": _outcome(7.4, "Q3 2009/10"),
        "actions": """
            | Action ID | Outcome ID | Due date (baseline) | Status      | % complete | RAG   | Issues and mitigation |
            | A-01      | O-01       | 2010-03-31          | In progress | 70         | Amber | Mentors hard to find  |
        """,  # noqa: E501
        "milestones": """
            | Milestone ID | Action ID | Baseline date | Forecast date | Status   |
            | M-001        | A-01      | 2009-09-15    | 2010-01-31    | At risk  |
        """,
    },
}

NBR = {
    "Q1": {"outcomes": _outcome(7.6, "Q1 2009/10")},
    "Q3": {
        "outcomes": _outcome(7.2, "Q3 2009/10"),
        "milestones": """
            | Milestone ID | Action ID | Baseline date | Actual date | Status   |
            | M-001        | A-01      | 2009-09-01    | 2009-09-10  | Achieved |
        """,
    },
}

EWD = {
    "Q2": {"actions": """
        | Action ID | Outcome ID | RAG  |
        | A-01      | O-01       | Gren |
    """},
    "Q3": {"outcomes": _outcome(8.1, "Q3 2009/10")},
}

RECEIVED = {
    ("ANY", "Q1"): date(2009, 7, 10), ("ANY", "Q2"): date(2009, 10, 20),
    ("ANY", "Q3"): date(2010, 1, 12), ("NBR", "Q1"): date(2009, 7, 20),
    ("NBR", "Q3"): date(2010, 1, 20), ("EWD", "Q2"): date(2009, 10, 14),
    ("EWD", "Q3"): date(2010, 1, 14),
}


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="laa-xl")


def region_file(folder: Path, quarter: str) -> Path:
    period, deadline = PERIODS[quarter]
    path = folder / f"region-{quarter.lower()}.toml"
    path.write_text(REGION.format(period=period, deadline=deadline), encoding="utf-8")
    return path


def build_rounds(folder: Path, quarters: tuple[str, ...] = ("Q1", "Q2", "Q3")) -> dict[str, Path]:
    """Consolidate each quarter against the roll-ups before it; quarter -> roll-up path."""
    rollups: dict[str, Path] = {}
    for quarter in quarters:
        rfile = region_file(folder, quarter)
        region = load_region(rfile)
        returns = folder / f"returns-{quarter.lower()}"
        returns.mkdir()
        for code, tables in (("ANY", ANY), ("NBR", NBR), ("EWD", EWD)):
            if quarter not in tables:
                continue
            path = build_return(returns / f"{code.lower()}.xlsx", tables[quarter],
                                region=region, lsp=code)
            stamp = datetime.combine(RECEIVED[(code, quarter)], datetime.min.time()).replace(
                hour=12).timestamp()
            os.utime(path, (stamp, stamp))
        out = folder / f"rollup-2009-10-{quarter}.xlsx"
        previous = [a for p in rollups.values() for a in ("--previous", p)]
        result = run("consolidate", returns, "--region", rfile, *previous, "-o", out)
        assert result.exit_code in (0, 1), result.output
        assert out.exists(), result.output
        rollups[quarter] = out
    return rollups
