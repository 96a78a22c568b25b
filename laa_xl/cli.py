"""The `laa-xl` command: each subcommand parses its options, calls one library function,
prints the result and sets the exit code.  The only module that imports click.

Exit codes: 0 all well (warnings allowed) · 1 a return has errors or cannot be read ·
2 usage error (bad option, bad region file, nothing to do).
"""

from __future__ import annotations

import contextlib
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import LaaXlError, RegionError
from .region import Region, load_region

if TYPE_CHECKING:  # the commands import their library modules lazily, to start quickly
    from .emails import DraftResult
    from .rollup import Rollup
    from .rollup_reader import PreviousRound


class UsageProblem(click.UsageError):
    """A problem with what the user asked for: exit code 2."""


def _region(path: str | None) -> Region | None:
    if path is None:
        return None
    try:
        return load_region(path)
    except RegionError as err:
        raise UsageProblem(str(err)) from err


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="laa-xl")
def main() -> None:
    """Run a regional LAA delivery-assurance round on spreadsheets.

    The round: `template` makes each partnership's workbook, `validate` checks the returns,
    `consolidate` rolls them up for the region, `slipping` lists what is slipping.
    `laa-xl demo` runs a whole round on a fictional region.
    """


@main.command()
@click.option("--region", "region_path", type=click.Path(dir_okay=False),
              help="The region file (region.toml).")
@click.option("--lsp", "lsp_codes", multiple=True, metavar="CODE",
              help="Make the workbook of this LSP (repeat for several).")
@click.option("--all", "all_lsps", is_flag=True, help="Make one workbook per LSP in the region.")
@click.option("--blank", is_flag=True, help="Make one blank template for no particular LSP.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), metavar="ROLLUP",
              help="Prefill from the previous round's roll-up workbook.")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Folder for --lsp/--all; the file for --blank.")
@click.option("--emails", "emails_dir", type=click.Path(file_okay=False),
              help="Also write a ready-to-send email draft (.eml) per LSP into this folder.")
def template(region_path: str | None, lsp_codes: tuple[str, ...], all_lsps: bool, blank: bool,
             previous: str | None, output: str, emails_dir: str | None) -> None:
    """Make the workbook each partnership fills in.

    \b
    laa-xl template --region region.toml --all -o out/
    laa-xl template --region region.toml --lsp ANY -o out/
    laa-xl template --blank -o laa-return-template.xlsx
    """
    from .rollup_reader import prefill_summary
    from .template import build_template, template_name

    chosen = sum([bool(lsp_codes), all_lsps, blank])
    if chosen != 1:
        raise UsageProblem("Say which workbooks to make: --lsp CODE, --all or --blank.")
    if blank and emails_dir:
        raise UsageProblem("--emails goes with --lsp or --all: a blank template has no "
                           "recipient.")
    region = _region(region_path)
    if blank:
        try:
            path = build_template(output, region, None)
        except LaaXlError as err:
            raise click.ClickException(str(err)) from err
        click.echo(f"Wrote blank template {path}")
        return
    if region is None:
        raise UsageProblem("--lsp and --all need --region FILE (the region's LSPs).")
    try:
        lsps = region.lsps if all_lsps else tuple(region.lsp(c) for c in lsp_codes)
    except RegionError as err:
        raise UsageProblem(str(err)) from err
    prefills = _prefills(previous, region) if previous else {}
    out_dir = Path(output)
    written = {}
    for lsp in lsps:
        prefill = prefills.get(lsp.code)
        try:
            path = build_template(out_dir / template_name(region, lsp), region, lsp, prefill)
        except LaaXlError as err:
            raise click.ClickException(str(err)) from err
        written[lsp.code] = path
        note = f" (prefilled: {prefill_summary(prefill)})" if prefill else ""
        click.echo(f"Wrote {path}{note}")
    click.echo(f"{len(lsps)} workbook(s) for {region.region}, {region.period}, "
               f"due {region.due:%d %B %Y}.")
    if emails_dir:
        from .emails import template_drafts

        _echo_drafts(template_drafts(region, written, Path(emails_dir), _now()), emails_dir)


def _inputs(inputs: tuple[str, ...]) -> list[Path]:
    from .round import expand_inputs

    missing = [p for p in inputs if not Path(p).exists()]
    if missing:
        raise UsageProblem(f"No such file or folder: {missing[0]}")
    paths = expand_inputs(inputs)
    if not paths:
        raise UsageProblem("No files to check: the folder(s) given are empty.")
    return paths


def _progress(total: int, label: str) -> contextlib.AbstractContextManager[Any]:
    """A progress bar on stderr for long interactive runs; silent otherwise."""
    if total < 5 or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return click.progressbar(length=total, label=label, file=sys.stderr)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@click.option("--region", "region_path", type=click.Path(dir_okay=False),
              help="The region file: also checks each return's LSP, period and questions.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True, help="How to print the report.")
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False),
              help="Write a feedback workbook for each return with issues into this folder.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), metavar="ROLLUP",
              help="Last round's roll-up: also flag changed baselines and vanished items.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Check files in this many processes (default: one per core, up to 4, "
                   "for 8 files or more; otherwise 1).")
def validate(inputs: tuple[str, ...], region_path: str | None, fmt: str,
             feedback_dir: str | None, previous: str | None, jobs: int | None) -> None:
    """Check returned workbooks and report every problem at its cell.

    Exit code 0 when every file is valid (warnings allowed), 1 when any file has an error or
    cannot be read, 2 for a usage error.
    """
    from . import render
    from .feedback import feedback_names, write_feedback
    from .issues import Report
    from .round import check_files

    region = _region(region_path)
    paths = _inputs(inputs)
    prev, _ = _previous(previous, region)
    with _progress(len(paths), "Checking returns") as bar:
        files = check_files(paths, region, prev, jobs=jobs, keep_rows=False,
                            progress=bar.update if bar is not None else None)
    report = Report(files)
    written = []
    failed_feedback = False
    if feedback_dir:
        names = feedback_names([f.file for f in files])
        for f in files:
            try:
                out = write_feedback(f, feedback_dir, inputs=paths, name=names[f.file])
            except LaaXlError as err:  # the folder cannot be written: say so, report anyway
                click.echo(f"{f.file}: no feedback workbook: {err}", err=True)
                failed_feedback = True
                continue
            if out:
                written.append(out)
    if fmt == "json":
        click.echo(render.report_json(report))
    elif fmt == "csv":
        click.echo(render.report_csv(report), nl=False)
    else:
        title = f"Checked against {region.region}, {region.period}" if region else ""
        click.echo(render.report_text(report, title=title))
        for out in written:
            click.echo(f"Feedback workbook: {out}")
    sys.exit(0 if report.valid and not failed_feedback else 1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="JSON document, or one CSV file per sheet.")
@click.option("-o", "--output", type=click.Path(),
              help="The JSON file, or the folder for CSV files (JSON goes to stdout if omitted).")
def export(file: str, fmt: str, output: str | None) -> None:
    """Turn one return into JSON (or CSV per sheet) for analysts.

    Values are normalised (dates as ISO strings, numbers as numbers).  A return with errors is
    still exported, with its unreadable cells left out; the errors are listed on stderr and
    the exit code is 1.
    """
    from .export import export_csv, export_json
    from .rules import check_file

    report = check_file(file)
    if not report.readable:
        for issue in report.issues:
            click.echo(f"{file}: {issue}", err=True)
        sys.exit(1)
    check = report.errors == 0
    if fmt == "csv" and not output:
        raise UsageProblem("--format csv needs -o FOLDER for the CSV files.")
    try:
        if fmt == "json":
            text = export_json(report.data, output, check)
            if output:
                click.echo(f"Wrote {output}", err=True)
            else:
                click.echo(text, nl=False)
        else:
            assert output is not None  # checked above
            for path in export_csv(report.data, output, check):
                click.echo(f"Wrote {path}", err=True)
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err
    if report.errors:
        click.echo(f"{file} has {report.errors} error(s): run `laa-xl validate` to see them.",
                   err=True)
        sys.exit(1)


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    from .rules.cells import Bad, parse_date_text

    try:
        return parse_date_text(text)
    except Bad as err:
        raise UsageProblem(f"--as-of {text!r} is not a date: write it as 31/03/2010 or "
                           "2010-03-31.") from err


def _previous(path: str | None, region: Region | None = None) -> tuple[dict, str]:
    if path is None:
        return {}, ""
    return _read_previous(path, region).returns, path


def _read_previous(path: str, region: Region | None) -> PreviousRound:
    from .rollup_reader import read_rollup

    try:
        previous = read_rollup(path)
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err
    _check_previous_period(previous.meta.get("period", ""), path, region)
    other = previous.meta.get("region", "")
    if region is not None and other and other != region.region:
        raise UsageProblem(f"{path} is {other}'s roll-up, but the region file is for "
                           f"{region.region}: --previous must be this region's roll-up.")
    return previous


def _check_previous_period(period: str, path: str, region: Region | None) -> None:
    """The previous round must come before the one being run: a common slip is to pass
    this round's own roll-up."""
    from .region import Period

    if region is None or not period:
        return
    try:
        before = Period.parse(period)
    except ValueError:
        return
    now = region.period
    if (before.start_year, before.quarter) >= (now.start_year, now.quarter):
        raise UsageProblem(f"{path} is the roll-up for {before}, but the region file is for "
                           f"{now}: --previous must be an earlier round's roll-up.")


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@click.option("--region", "region_path", required=True, type=click.Path(dir_okay=False),
              help="The region file (region.toml).")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), metavar="ROLLUP",
              help="The previous round's roll-up, for the cross-round checks and flags.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Work out slippage as at this date (default: the period's end).")
@click.option("--include-invalid", is_flag=True,
              help="Include the data of returns with errors (marked in the roll-up).")
@click.option("--use", "use", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="FILE", help="Of two returns for one LSP, use this one (repeatable).")
@click.option("--received", "received_log", type=click.Path(exists=True, dir_okay=False),
              help="CSV of file name,received date (default: each file's modified time).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Check files in this many processes (default: one per core, up to 4, "
                   "for 8 files or more; otherwise 1).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              metavar="ROLLUP.xlsx", help="The roll-up workbook to write.")
def consolidate(inputs: tuple[str, ...], region_path: str, previous: str | None,
                as_of: str | None, include_invalid: bool, use: tuple[str, ...],
                received_log: str | None, jobs: int | None, output: str) -> None:
    """Roll every return of the region up into one workbook.

    Exit code 0 when every return received is valid, 1 when any has errors or cannot be read
    (the roll-up is still written, without their data), 2 for a usage error.
    """
    from .errors import InputError
    from .rollup import consolidate as build
    from .rollup import write_rollup
    from .round import collect

    region = _region(region_path)
    assert region is not None
    paths = _inputs(inputs)
    prev, prev_source = _previous(previous, region)
    try:
        with _progress(len(paths), "Checking returns") as bar:
            when = _as_of(as_of) or region.period.end
            result = collect(paths, region, prev, jobs=jobs,
                             progress=bar.update if bar is not None else None,
                             received_log=Path(received_log) if received_log else None,
                             use=[Path(u) for u in use], slippage_as_of=when)
        rollup = build(result, when, prev, include_invalid, prev_source)
        out = write_rollup(rollup, output, inputs=[*paths, *([previous] if previous else [])])
    except InputError as err:
        raise UsageProblem(str(err)) from err
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err
    click.echo(_rollup_summary(rollup, out))
    _warn_log_strays(paths, received_log)
    sys.exit(0 if all(s.valid for s in result.statuses if s.returned)
             and not result.unmatched else 1)


def _warn_log_strays(paths: list[Path], received_log: str | None) -> None:
    """Say which files the received log names that are not among the returns."""
    from .round import log_strays

    if not received_log:
        return
    strays = log_strays(paths, Path(received_log))
    if strays:
        shown = ", ".join(strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5
                                         else "")
        click.echo(f"Note: {received_log} gives a date for {len(strays)} file(s) not among the "
                   f"returns, so those dates were not used: {shown}.", err=True)


def _rollup_summary(rollup: Rollup, out: Path) -> str:
    from .slippage import summarise

    res = rollup.result
    region = res.region
    statuses = res.statuses
    returned = [s for s in statuses if s.returned]
    late = [s for s in returned if s.on_time(region.due) is False]
    valid = [s for s in returned if s.valid]
    missing = [s.lsp.code for s in statuses if not s.returned]
    counts = summarise(rollup.flags)
    sev = counts["by_severity"]
    lines = [
        f"{region.region}, {region.period}: {len(returned)} of {len(statuses)} returns received "
        f"({len(late)} late), {len(valid)} valid.",
    ]
    if missing:
        lines.append(f"Missing: {', '.join(missing)}.")
    invalid = [s.lsp.code for s in returned if not s.valid]
    if invalid:
        lines.append(f"Not valid: {', '.join(invalid)}"
                     + (" (included, marked)." if rollup.include_invalid else " (left out)."))
    if res.unmatched:
        lines.append(f"{len(res.unmatched)} file(s) match no partnership of this round: "
                     "see the Completeness sheet.")
    lines.append(f"Slipping or off track: {counts['total']} flags as at "
                 f"{rollup.as_of:%d/%m/%Y} ({sev['high']} high, {sev['medium']} medium, "
                 f"{sev['low']} low).")
    lines.append(f"Wrote {out}")
    return "\n".join(lines)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@click.option("--region", "region_path", type=click.Path(dir_okay=False),
              help="The region file, for its tolerances and period (defaults otherwise).")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), metavar="ROLLUP",
              help="The previous round's roll-up, for the cross-round flags.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Work out slippage as at this date (default: the period's end).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True)
def slipping(inputs: tuple[str, ...], region_path: str | None, previous: str | None,
             as_of: str | None, fmt: str) -> None:
    """List slipping milestones and actions and off-track outcomes, worst first.

    Returns that cannot be read are reported on stderr and the exit code is 1; flags alone
    do not change the exit code.
    """
    import json

    from . import render
    from .round import check_files
    from .slippage import flags as find_flags
    from .slippage import sort_flags

    region = _region(region_path)
    paths = _inputs(inputs)
    prev, _ = _previous(previous, region)
    reports = check_files(paths, region, prev)
    found = []
    failed = False
    for rep in reports:
        if rep.data is None:
            failed = True
            click.echo(f"{rep.file}: {rep.issues[0].message}", err=True)
            continue
        meta = rep.data.meta
        from .region import Period

        try:
            period = region.period if region else Period.parse(meta.get("period", ""))
        except ValueError:
            period = None
        when = _as_of(as_of) or (period.end if period else date.today())
        tol = region.tolerances if region else None
        found.extend(find_flags(rep.data, prev.get(rep.data.lsp_code), when, tol, period))
    found = sort_flags(found)
    if fmt == "json":
        click.echo(json.dumps({"flags": [f.as_dict() for f in found]}, indent=2,
                              ensure_ascii=False, default=str))
    elif fmt == "csv":
        header = ["severity", "lsp", "sheet", "item_id", "parent", "rule", "days", "message",
                  "file", "row", "cell"]
        click.echo(render.csv_text(header, ([getattr(f, h) for h in header] for f in found)),
                   nl=False)
    else:
        click.echo(render.flags_text(found))
    sys.exit(1 if failed else 0)


def _now() -> datetime:
    from .template import generated_at

    return generated_at()


def _echo_drafts(result: DraftResult, folder: str) -> None:
    for line in result.lines:
        click.echo(f"  {line}")
    for problem in result.problems:
        click.echo(f"Note: {problem}", err=True)
    click.echo(f"{len(result.written)} email draft(s) in {folder}: open each in your mail "
               "program, check it, and send it.")


@main.command()
@click.argument("returns_dir", type=click.Path(exists=True, file_okay=False),
                metavar="RETURNS_DIR")
@click.option("--region", "region_path", required=True, type=click.Path(dir_okay=False),
              help="The region file (region.toml).")
@click.option("--emails", "emails_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the email drafts (.eml).")
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False),
              help="Write feedback workbooks here and attach them to the feedback drafts.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Chase as at this date (default: today).")
@click.option("--received", "received_log", type=click.Path(exists=True, dir_okay=False),
              help="CSV of file name,received date (default: each file's modified time).")
def chase(returns_dir: str, region_path: str, emails_dir: str, feedback_dir: str | None,
          as_of: str | None, received_log: str | None) -> None:
    """Write email drafts: reminders, feedback and thanks, one per partnership.

    A reminder for each return missing after the deadline, feedback (with the feedback
    workbook attached) for each return with errors, thanks for each valid one.  Nothing is
    sent: open the drafts in your mail program.
    """
    from .emails import chase_drafts
    from .errors import InputError
    from .feedback import feedback_names, write_feedback
    from .round import collect

    region = _region(region_path)
    assert region is not None
    paths = _inputs((returns_dir,))
    try:
        result = collect(paths, region, received_log=Path(received_log)
                         if received_log else None)
        if feedback_dir:
            names = feedback_names([r.file for r in result.reports])
            for st in result.statuses:
                if st.report is not None and not st.report.valid and st.report.readable:
                    st.feedback = write_feedback(st.report, feedback_dir, inputs=paths,
                                                 name=names[st.report.file])
    except InputError as err:
        raise UsageProblem(str(err)) from err
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err
    when = _as_of(as_of) or date.today()
    _echo_drafts(chase_drafts(region, result.statuses, Path(emails_dir), when, _now()),
                 emails_dir)
    _warn_log_strays(paths, received_log)


@main.command()
@click.argument("folder", required=False, default="laa-demo", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into FOLDER even if it is not empty.")
def demo(folder: str, force: bool) -> None:
    """Run a whole round, two quarters, on a fictional region, into FOLDER (./laa-demo).

    Samples, templates, validation with feedback workbooks, both roll-ups (the second against
    the first), the slippage list and email drafts: a tour of every command.
    """
    from .demo import run_demo, summary
    from .errors import InputError

    try:
        result = run_demo(folder, force, say=lambda m: click.echo(m, err=True))
    except InputError as err:
        raise UsageProblem(str(err)) from err
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err
    click.echo(summary(result))


def _prefills(previous: str, region: Region) -> dict:
    from .rollup_reader import prefills

    return prefills(_read_previous(previous, region), region)


def run() -> None:  # pragma: no cover - console entry point for `python -m laa_xl`
    main(prog_name="laa-xl")


if __name__ == "__main__":  # pragma: no cover
    run()
