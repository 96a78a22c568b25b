"""A tiny run of the national benchmark's machinery: the generator makes valid returns, the
roll-up holds every row of them, and each measured step runs in a process of its own.

No timings are asserted: this only proves the benchmark measures a correct round.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import national  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)
import synthetic  # noqa: E402

TINY = synthetic.Sizes(returns=2, outcomes=3, actions=6, milestones=12, assurance=10, risks=3)


@pytest.fixture(scope="module")
def tiny_round(tmp_path_factory: pytest.TempPathFactory) -> synthetic.Round:
    """Two returns with a handful of rows each, made by the real template."""
    return synthetic.generate(tmp_path_factory.mktemp("national") / "tiny", TINY, jobs=1)


def test_generator_writes_the_rows_it_was_asked_for(tiny_round: synthetic.Round) -> None:
    assert [p.name for p in tiny_round.returns] == ["LAA-return-2009-10-Q2-L001.xlsx",
                                                    "LAA-return-2009-10-Q2-L002.xlsx"]
    assert set(tiny_round.rows) == {"L001", "L002"}
    for counts in tiny_round.rows.values():
        assert {k: counts[k] for k in ("outcomes", "actions", "milestones", "assurance",
                                       "risks")} == {"outcomes": 3, "actions": 6,
                                                     "milestones": 12, "assurance": 10,
                                                     "risks": 3}
    assert len(tiny_round.region().lsps) == 2


def test_generated_returns_are_valid(tiny_round: synthetic.Round) -> None:
    found = national.work_validate(tiny_round.folder)
    assert found["errors"] == 0, found
    assert found["invalid"] == []
    assert found["rows"] == tiny_round.rows  # every generated row is read back


def test_rollup_holds_every_row_of_every_valid_return(tiny_round: synthetic.Round) -> None:
    rollup = tiny_round.folder / "rollup.xlsx"
    found = national.work_consolidate(tiny_round.folder, output=str(rollup))
    assert found["included"] == 2
    read = national.work_validate(tiny_round.folder)
    assert national.check_rollup(tiny_round, read["rows"], read["invalid"], rollup) == []
    counts = national.rollup_counts(rollup)
    assert counts["actions"] == {"L001": 6, "L002": 6}
    assert counts["assurance"] == {"L001": 10, "L002": 10}


def test_correctness_check_notices_a_missing_row(tiny_round: synthetic.Round) -> None:
    rollup = tiny_round.folder / "rollup.xlsx"
    if not rollup.exists():
        national.work_consolidate(tiny_round.folder, output=str(rollup))
    read = national.work_validate(tiny_round.folder)
    short = {code: dict(counts) for code, counts in tiny_round.rows.items()}
    short["L001"]["milestones"] += 1  # as if the roll-up had lost one
    lying = synthetic.Round(tiny_round.folder, tiny_round.region_file, tiny_round.returns,
                            tiny_round.sizes, short)
    problems = national.check_rollup(lying, read["rows"], read["invalid"], rollup)
    assert any("L001 milestones" in p for p in problems)


def test_a_step_runs_in_its_own_process_and_reports_its_memory(
        tiny_round: synthetic.Round) -> None:
    import python_calamine as pc

    t0 = time.perf_counter()
    m = national.measure("read-floor", tiny_round.folder)
    wall = time.perf_counter() - t0
    cells = 0
    for p in tiny_round.returns:
        book = pc.CalamineWorkbook.from_path(str(p))
        for name in book.sheet_names:
            grid = book.get_sheet_by_name(name).to_python()
            cells += len(grid) * (len(grid[0]) if grid else 0)
    assert m.found["pid"] != os.getpid()  # measured in a process of its own
    assert m.found["files"] == 2 and m.found["cells"] == cells  # and it did the work
    assert 0 < m.seconds < wall  # the step's own time, inside the child's lifetime
    assert 10 < m.peak_mb < 2000  # the child's peak, not zero and not this process's


def test_cached_round_is_reused(tiny_round: synthetic.Round) -> None:
    before = [p.stat().st_mtime_ns for p in tiny_round.returns]
    again = synthetic.generate(tiny_round.folder, TINY, jobs=1)
    assert [p.stat().st_mtime_ns for p in again.returns] == before
