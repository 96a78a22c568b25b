"""Nothing lost, nothing overwritten (DESIGN.md §7).

- A roll-up killed while it is being written leaves the previous roll-up exactly as it was,
  and nothing else behind but its temporary file, which the next run removes.
- No output may replace an input: a return, the previous roll-up, the file being exported.
- Every row of every accepted return is in the roll-up, value for value.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from corpus import many_actions
from returns import REPO_ROOT, SAMPLE_REGION, build_return

from laa_xl.cli import main
from laa_xl.errors import WriteError
from laa_xl.feedback import write_feedback
from laa_xl.rules import check_file
from laa_xl.schemas import sheet
from laa_xl.xlsxout import atomic_output

REGION = str(REPO_ROOT / "samples" / "region.toml")
ACTIONS_EACH = 1500  # actions in each return of the big round: 12,000 in its roll-up
LSPS = [lsp.code for lsp in SAMPLE_REGION.lsps]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def consolidate(*args: Any) -> Any:
    return CliRunner().invoke(main, ["consolidate", *map(str, args)])


@pytest.fixture(scope="module")
def big_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid return from every partnership of the region, each with 1,500 actions and a
    few milestones and risks of its own."""
    folder = tmp_path_factory.mktemp("round") / "returns"
    folder.mkdir()
    scratch = folder.parent / "scratch"
    scratch.mkdir()
    for i, code in enumerate(LSPS):
        src = build_return(scratch / f"{code}.xlsx", {
            "milestones": [{}, *({"milestone_id": f"M-{n:03d}", "description": f"Step {n}"}
                                 for n in range(2, 3 + 2 * i))],
            "risks": [{}, *({"risk_id": f"R-{n:02d}", "likelihood": 1 + n % 5}
                            for n in range(2, 2 + i % 3))],
        }, lsp=code)
        many_actions(ACTIONS_EACH)(src, folder / f"{code.lower()}.xlsx")
    return folder


def test_the_big_round_is_all_valid(big_round: Path) -> None:
    reports = [check_file(p, SAMPLE_REGION) for p in sorted(big_round.iterdir())]
    assert [(Path(r.file).name, [i.code for i in r.issues]) for r in reports if r.issues] == []


# --------------------------------------------------------------------------------------
# Killed part-way


def parts_beside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.part"))


def started(target: Path, moment: str) -> bool:
    """Has the run writing `target` reached `moment`: its temporary file made, or the
    workbook's zip part-way written into it?"""
    parts = parts_beside(target)
    if moment == "created":
        return bool(parts)
    try:
        return bool(parts) and parts[0].stat().st_size > 0
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("moment", ["created", "half-written"])
def test_a_roll_up_killed_while_writing_leaves_the_previous_one(big_round: Path, moment: str,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "rollup.xlsx"
    small = tmp_path / "small"
    small.mkdir()
    (small / "any.xlsx").write_bytes((big_round / "any.xlsx").read_bytes())
    assert consolidate(small, "--region", REGION, "-o", target).exit_code == 0
    previous = target.read_bytes()

    system_tmp = tmp_path / "tmp"  # the system's temporary folder, for this run
    system_tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "laa_xl", "consolidate", str(big_round),
                             "--region", REGION, "-o", str(target)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "TMPDIR": str(system_tmp)})
    deadline = time.monotonic() + 240
    try:
        while proc.poll() is None and not started(target, moment):
            assert time.monotonic() < deadline, "consolidate never started writing"
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "consolidate finished before it was killed"

    assert target.read_bytes() == previous  # the previous roll-up, untouched
    # Killed outright, the run could not remove its temporary file, nor the folder of
    # xlsxwriter's working files beside it: they stay beside the target, hidden (their names
    # start with a dot), and nothing else is left, there or in the temporary folder.
    (part,) = parts_beside(target)
    scratch = part.with_name(part.name.removesuffix(".part") + ".scratch")
    left = sorted(p.name for p in out.iterdir())
    if moment == "half-written":
        assert part.stat().st_size > 0 and scratch.is_dir()
        assert left == sorted([part.name, scratch.name, "rollup.xlsx"])
    else:  # killed a moment after the .part was made: its scratch folder may be next to it
        assert left in (sorted([part.name, scratch.name, "rollup.xlsx"]),
                        sorted([part.name, "rollup.xlsx"]))
    assert list(system_tmp.iterdir()) == []

    # The next run writing the same roll-up removes it.
    result = consolidate(small, "--region", REGION, "-o", target)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["rollup.xlsx"]


def test_a_temporary_file_still_being_written_is_left_alone(tmp_path: Path) -> None:
    """Only a temporary file no running laa-xl holds is an orphan: another run writing the
    same roll-up at the same moment keeps its own."""
    target = tmp_path / "rollup.xlsx"
    orphan = tmp_path / ".rollup.xlsx.k1ll3d00.part"
    orphan.write_bytes(b"PK\x03\x04 half a zip")
    (tmp_path / ".rollup.xlsx.k1ll3d00.scratch").mkdir()  # xlsxwriter's working files
    (tmp_path / ".rollup.xlsx.k1ll3d00.scratch" / "tmpab12cd").write_bytes(b"rows")
    (tmp_path / ".rollup.xlsx.f1n1sh3d.scratch").mkdir()  # killed as it renamed its .part
    busy = tmp_path / ".rollup.xlsx.wr1t1ng0.part"
    busy.write_bytes(b"")
    (tmp_path / ".rollup.xlsx.wr1t1ng0.scratch").mkdir()
    others = [tmp_path / ".report.xlsx.k1ll3d00.part", tmp_path / "rollup.xlsx.part",
              tmp_path / ".rollup.xlsx.part"]
    for other in others:
        other.write_bytes(b"not ours to remove")
    with busy.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the run writing it holds it
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert not orphan.exists()
    assert busy.exists() and all(p.exists() for p in others)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [target.name, busy.name, ".rollup.xlsx.wr1t1ng0.scratch", *(p.name for p in others)])


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "rollup.xlsx"
    target.write_bytes(b"the previous roll-up")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the writer fails part-way")
    assert target.read_bytes() == b"the previous roll-up"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rollup.xlsx"]


# --------------------------------------------------------------------------------------
# No output replaces an input


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "returns"
    folder.mkdir()
    tidied = build_return(folder / "anycity.xlsx", {"actions": [{"rag": "green"}]})
    # A feedback copy fixed by its partner and sent back: a return, named like feedback.
    sent_back = build_return(folder / "anycity-feedback.xlsx", lsp="NBR")
    return {"folder": folder, "return": tidied, "sent_back": sent_back}


def unchanged(paths: list[Path]) -> Any:
    before = {p: sha256(p) for p in paths}
    return lambda: {p: sha256(p) for p in paths} == before


def no_parts(folder: Path) -> bool:
    return not any(p.name.endswith(".part") for p in folder.rglob("*"))


def test_consolidate_refuses_to_write_over_a_return(inputs: dict[str, Path]) -> None:
    same = unchanged([inputs["return"], inputs["sent_back"]])
    result = consolidate(inputs["folder"], "--region", REGION, "-o", inputs["return"])
    assert result.exit_code == 2
    assert f"Refusing to write the roll-up to {inputs['return']}: it is one of the input " \
           "files. Choose another name for -o." in result.output
    assert same() and no_parts(inputs["folder"])


def test_consolidate_refuses_to_write_over_the_previous_roll_up(inputs: dict[str, Path],
                                                               tmp_path: Path) -> None:
    previous = tmp_path / "rollup-q2.xlsx"
    assert consolidate(inputs["folder"], "--region", REGION, "-o", previous).exit_code == 0
    q3 = tmp_path / "region-q3.toml"
    q3.write_text(Path(REGION).read_text(encoding="utf-8")
                  .replace('period = "2009/10 Q2"', 'period = "2009/10 Q3"')
                  .replace("deadline = 2009-10-15", "deadline = 2010-01-15"), encoding="utf-8")
    same = unchanged([previous])
    result = consolidate(inputs["folder"], "--region", q3, "--previous", previous,
                         "-o", previous)
    assert result.exit_code == 2
    assert f"Refusing to write the roll-up to {previous}: it is one of the input files." \
        in result.output
    assert same() and no_parts(tmp_path)


def test_export_refuses_to_write_over_the_return(inputs: dict[str, Path]) -> None:
    same = unchanged([inputs["return"]])
    result = CliRunner().invoke(main, ["export", str(inputs["return"]), "-o",
                                       str(inputs["return"])])
    assert result.exit_code == 1
    assert result.output == (f"Error: Refusing to write {inputs['return']}: it is one of the "
                             "input files.\n")
    assert same() and no_parts(inputs["folder"])


def test_feedback_into_the_returns_folder_never_replaces_a_return(
        inputs: dict[str, Path]) -> None:
    folder = inputs["folder"]
    same = unchanged([inputs["return"], inputs["sent_back"]])
    result = CliRunner().invoke(main, ["validate", str(folder), "--region", REGION,
                                       "--feedback", str(folder)])
    assert result.exit_code == 1  # the feedback could not be written
    assert result.stderr == (
        f"{inputs['return']}: no feedback workbook: Refusing to write {inputs['sent_back']}: "
        "a file of that name is already beside anycity.xlsx, among the returns, and may be "
        "one of them. Write feedback into a folder of its own.\n")
    assert "anycity.xlsx — Anycity Partnership (ANY): valid, 0 errors, 1 warning" \
        in result.stdout  # the report is given all the same
    assert same() and no_parts(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["anycity-feedback.xlsx",
                                                        "anycity.xlsx"]


def test_feedback_never_replaces_any_input(inputs: dict[str, Path], tmp_path: Path) -> None:
    """A return elsewhere, named as this one's feedback would be, is refused by name."""
    elsewhere = tmp_path / "feedback"
    elsewhere.mkdir()
    other = elsewhere / "anycity-feedback.xlsx"
    other.write_bytes(inputs["sent_back"].read_bytes())
    same = unchanged([other])
    report = check_file(inputs["return"], SAMPLE_REGION)
    with pytest.raises(WriteError, match="it is one of the input files"):
        write_feedback(report, elsewhere, inputs=[inputs["return"], other])
    assert same() and no_parts(elsewhere)


# --------------------------------------------------------------------------------------
# Every row of every accepted return is in the roll-up


def as_cell(value: Any) -> Any:
    """A return's value as the roll-up holds it: dates as dates, whole numbers as numbers."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_every_row_of_every_valid_return_is_in_the_roll_up(big_round: Path,
                                                           tmp_path: Path) -> None:
    import python_calamine as pc

    folder = tmp_path / "returns"
    folder.mkdir()
    for p in big_round.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    build_return(folder / "invalid.xlsx", {"actions": [{"action_id": "A-77", "rag": "Gren"}]},
                 lsp="ANY")
    (folder / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    (folder / "any.xlsx").rename(folder / "anycity.xlsx")
    rollup = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "--region", REGION,
                                       "-o", str(rollup), "--use", str(folder / "anycity.xlsx")])
    assert result.exit_code == 1, result.output  # one return with errors, one unreadable
    reports = {Path(r.file).name: r for r in (check_file(p, SAMPLE_REGION)
                                               for p in sorted(folder.iterdir()))}
    accepted = {name: r for name, r in reports.items() if r.valid}
    assert sorted(accepted) == sorted(p.name for p in folder.iterdir()
                                      if p.name not in ("invalid.xlsx", "notes.xlsx"))

    book = pc.CalamineWorkbook.from_path(str(rollup))
    for key in ("outcomes", "actions", "milestones", "risks", "recovery"):
        spec = sheet(key)
        grid = book.get_sheet_by_name(spec.name).to_python()
        headers, rows = grid[3], grid[4:]
        col = {h: i for i, h in enumerate(headers)}
        got: dict[tuple[str, int], list[Any]] = {}
        for r in rows:
            where = (Path(r[col["Source file"]]).name, int(r[col["Source row"]]))
            assert where not in got, where  # each row once
            got[where] = r
        want = {(name, row.row): row for name, rep in accepted.items()
                for row in rep.data.sheets[key]}
        assert set(got) == set(want), key  # every row of every accepted return, no other
        for (name, n), row in want.items():
            line = got[(name, n)]
            assert line[col["LSP"]] == accepted[name].data.lsp_code
            assert line[col["Source sheet"]] == spec.name
            for f in spec.fields:
                value = line[col[f.header]]
                assert as_cell(value if value != "" else None) == as_cell(row.get(f.name)), \
                    (key, name, n, f.name)
    assert ACTIONS_EACH * len(LSPS) == sum(len(r.data.sheets["actions"])
                                           for r in accepted.values())
