"""The `laa-xl` command: each subcommand parses its options, calls the library, prints the
result and sets the exit code.  The only module that imports click.

Exit codes: 0 all well (warnings allowed) · 1 a return has errors or cannot be read, or an
output cannot be written · 2 usage error (bad option, bad region file, nothing to do).
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .errors import InputError, LaaXlError, RegionError
from .region import Region, load_region

if TYPE_CHECKING:  # the commands import their library modules lazily, to start quickly
    from .emails import DraftResult
    from .review import ReviewsRead
    from .rollup_reader import PreviousRounds

F = TypeVar("F", bound=Callable[..., Any])


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """click.echo, with any file name's bytes that were not UTF-8 shown as escapes (\\xe9)."""
    from .xlsxout import escape_surrogates

    click.echo(escape_surrogates(message), err=err, nl=nl)


class UsageProblem(click.UsageError):
    """A problem with what the user asked for: exit code 2."""


@contextlib.contextmanager
def library_errors() -> Iterator[None]:
    """The library's errors as the command line shows them: a mistake in the command is a
    usage error (2); a file that cannot be read or written is an error (1)."""
    try:
        yield
    except InputError as err:
        raise UsageProblem(str(err)) from err
    except RegionError as err:
        raise UsageProblem(str(err)) from err
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err
    except OSError as err:
        where = err.filename or "the output"
        raise click.ClickException(f"Cannot write to {where}: {err.strerror or err}.") from err


def handled(fn: F) -> F:
    """Run a command inside `library_errors`."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with library_errors():
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


# -- options more than one command takes ----------------------------------------------------

class _RegionFile(click.ParamType):
    name = "REGION.toml"

    def convert(self, value: Any, param: Any, ctx: Any) -> Region:
        if isinstance(value, Region):
            return value
        try:
            return load_region(value)
        except RegionError as err:
            raise UsageProblem(str(err)) from err


class _Date(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        from .rules.cells import Bad, parse_date_text

        try:
            return parse_date_text(value)
        except Bad as err:
            raise UsageProblem(f"--as-of {value!r} is not a date: write it as 31/03/2010 or "
                               "2010-03-31.") from err


def region_option(help: str = "The region file (region.toml).",
                  required: bool = False) -> Callable[[F], F]:
    return click.option("--region", "region", type=_RegionFile(), required=required,
                        help=help)


def previous_option(help: str) -> Callable[[F], F]:
    return click.option("--previous", multiple=True, type=click.Path(exists=True),
                        metavar="ROLLUP",
                        help=help + " Repeat it, or give a folder, for several rounds: each "
                                    "partnership is taken from the latest that holds it.")


def jobs_option(fn: F) -> F:
    return click.option("--jobs", type=click.IntRange(1, 64), default=None,
                        help="Check files in this many processes (default: one per core, up "
                             "to 4, for 8 files or more; otherwise 1).")(fn)


def as_of_option(default: str) -> Callable[[F], F]:
    return click.option("--as-of", "as_of", type=_Date(),
                        help=f"Work out slippage as at this date (default: {default}).")


def format_option(choices: list[str], help: str = "How to print the report.") -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help=help)


def use_option(fn: F) -> F:
    return click.option("--use", "use", multiple=True,
                        type=click.Path(exists=True, dir_okay=False), metavar="FILE",
                        help="Of two returns for one LSP, use this one (repeatable).")(fn)


def received_option(fn: F) -> F:
    return click.option("--received", "received_log",
                        type=click.Path(exists=True, dir_okay=False),
                        help="CSV of file name,received date (default: each file's modified "
                             "time).")(fn)


def reviews_option(fn: F) -> F:
    return click.option("--reviews", "reviews_dir", type=click.Path(exists=True,
                        file_okay=False), metavar="DIR",
                        help="The GO's filled review workbooks of this round: fold in their "
                             "assessments and flag advice overdue.")(fn)


def _read_reviews(folder: str | None, region: Region) -> ReviewsRead | None:
    from .review import read_reviews

    return read_reviews(folder, region) if folder else None


def _read_previous(paths: tuple[str, ...], region: Region | None) -> PreviousRounds | None:
    from .rollup_reader import read_previous_rounds

    return read_previous_rounds(paths, region) if paths else None


def _say_failed_feedback(failed: list[tuple[Any, LaaXlError]]) -> bool:
    """Say which feedback workbooks could not be written; whether any could not."""
    for report, err in failed:
        echo(f"{report.file}: no feedback workbook: {err}", err=True)
    return bool(failed)


def _inputs(inputs: tuple[str, ...], allow_empty: bool = False) -> list[Path]:
    from .round import expand_inputs

    missing = [p for p in inputs if not Path(p).exists()]
    if missing:
        raise UsageProblem(f"No such file or folder: {missing[0]}")
    notes: list[str] = []
    paths = expand_inputs(inputs, notes)
    for note in notes:
        echo(f"Note: {note}", err=True)
    if not paths and not allow_empty:
        raise UsageProblem("No files to check: the folder(s) given are empty.")
    return paths


def _progress(total: int, label: str) -> contextlib.AbstractContextManager[Any]:
    """A progress bar on stderr for long interactive runs; silent otherwise."""
    if total < 5 or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return click.progressbar(length=total, label=label, file=sys.stderr)


def _now() -> datetime:
    from .template import generated_at

    return generated_at()


def _echo_drafts(result: DraftResult, folder: str) -> None:
    for line in result.lines:
        echo(f"  {line}")
    for problem in result.problems:
        echo(f"Note: {problem}", err=True)
    echo(f"{len(result.written)} email draft(s) in {folder}: open each in your mail "
               "program, check it, and send it.")


def _warn_log_strays(paths: list[Path], received_log: str | None) -> None:
    from .round import log_strays

    if received_log:
        for line in log_strays_text(log_strays(paths, Path(received_log)), received_log):
            echo(line, err=True)


def log_strays_text(strays: list[str], received_log: str) -> list[str]:
    if not strays:
        return []
    shown = ", ".join(strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
    return [f"Note: {received_log} gives a date for {len(strays)} file(s) not among the "
            f"returns, so those dates were not used: {shown}."]


# -- the commands -----------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="laa-xl")
def main() -> None:
    """Run a regional LAA delivery-assurance round on spreadsheets.

    The round: `template` makes each partnership's workbook, `validate` checks the returns,
    `consolidate` rolls them up for the region, `slipping` lists what is slipping. Then the
    GO's own part: `review` makes its review workbook of each partnership, `brief` writes
    printable briefing packs from the roll-up, `history` the trends across quarters.
    `laa-xl demo` runs a whole round on a fictional region.
    """


@main.command()
@region_option()
@click.option("--lsp", "lsp_codes", multiple=True, metavar="CODE",
              help="Make the workbook of this LSP (repeat for several).")
@click.option("--all", "all_lsps", is_flag=True, help="Make one workbook per LSP in the region.")
@click.option("--blank", is_flag=True, help="Make one blank template for no particular LSP.")
@previous_option("Prefill from the previous round's roll-up workbook (a partnership whose "
                 "return there is missing or not valid, from its latest valid one).")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Folder for --lsp/--all; the file for --blank.")
@click.option("--emails", "emails_dir", type=click.Path(file_okay=False),
              help="Also write a ready-to-send email draft (.eml) per LSP into this folder.")
@handled
def template(region: Region | None, lsp_codes: tuple[str, ...], all_lsps: bool, blank: bool,
             previous: tuple[str, ...], output: str, emails_dir: str | None) -> None:
    """Make the workbook each partnership fills in.

    \b
    laa-xl template --region region.toml --all -o out/
    laa-xl template --region region.toml --lsp ANY -o out/
    laa-xl template --blank -o laa-return-template.xlsx
    """
    from .rollup_reader import blank_reasons, prefill_sources, prefill_summary, prefills
    from .template import build_template, template_name

    if sum([bool(lsp_codes), all_lsps, blank]) != 1:
        raise UsageProblem("Say which workbooks to make: --lsp CODE, --all or --blank.")
    if blank and emails_dir:
        raise UsageProblem("--emails goes with --lsp or --all: a blank template has no "
                           "recipient.")
    if blank:
        echo(f"Wrote blank template {build_template(output, region, None)}")
        return
    if region is None:
        raise UsageProblem("--lsp and --all need --region FILE (the region's LSPs).")
    lsps = region.lsps if all_lsps else tuple(region.lsp(c) for c in lsp_codes)
    last = _read_previous(previous, region)
    from .xlsxout import writable_folder

    for folder in (output, emails_dir):
        if folder:
            writable_folder(folder)
    filled = prefills(last, region) if last else {}
    blanks = blank_reasons(last, region) if last else {}
    sources = prefill_sources(last, region) if last else {}
    written = {}
    for lsp in lsps:
        prefill = filled.get(lsp.code)
        path = build_template(Path(output) / template_name(region, lsp), region, lsp, prefill)
        written[lsp.code] = path
        note = ""
        if prefill:
            src = last.last_valid(lsp.code) if last else None
            where = f" from {src.period}, {src.name}" if src else ""
            note = f" (prefilled{where}: {prefill_summary(prefill)})"
        if lsp.code in blanks:
            note = f" (blank: {blanks[lsp.code]})"
        echo(f"Wrote {path}{note}")
    echo(f"{len(lsps)} workbook(s) for {region.region}, {region.period}, "
               f"due {region.due:%d %B %Y}.")
    latest = last.latest if last else None
    for code, src_text in sources.items():
        src = last.last_valid(code) if last else None
        if code in written and src is not latest:
            click.echo(f"Note: {code}'s workbook is prefilled from {src_text}.", err=True)
    for code, why in blanks.items():
        if code in written:
            echo(f"Note: {code}'s workbook is blank: {why}.", err=True)
    if emails_dir:
        from .emails import template_drafts

        _echo_drafts(template_drafts(region, written, Path(emails_dir), _now(),
                                     {c: w for c, w in blanks.items() if c in written},
                                     {c: w for c, w in sources.items() if c in written}),
                     emails_dir)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@region_option("The region file: also checks each return's LSP, period and questions.")
@format_option(["text", "json", "csv"])
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False),
              help="Write a feedback workbook for each return with issues into this folder.")
@previous_option("Last round's roll-up: also flag changed baselines and vanished items.")
@jobs_option
@handled
def validate(inputs: tuple[str, ...], region: Region | None, fmt: str,
             feedback_dir: str | None, previous: tuple[str, ...], jobs: int | None) -> None:
    """Check returned workbooks and report every problem at its cell.

    Exit code 0 when every file is valid (warnings allowed), 1 when any file has an error or
    cannot be read, 2 for a usage error.
    """
    from . import render
    from .feedback import write_feedbacks
    from .issues import Report
    from .round import check_files, feedback_copies

    paths = _inputs(inputs)
    last = _read_previous(previous, region)
    with _progress(len(paths), "Checking returns") as bar:
        files = check_files(paths, region, last.returns if last else {}, jobs=jobs,
                            keep_rows=False, progress=bar.update if bar is not None else None)
    copies = feedback_copies(files)
    for rep, source in copies:
        echo(f"Note: {rep.file}: the feedback workbook for {source}, not a return: "
                   "left out.", err=True)
    files = [f for f in files if all(f is not rep for rep, _ in copies)]
    report = Report(files)
    written: list[Path] = []
    failed_feedback = False
    if feedback_dir:  # a workbook that cannot be written is said, and the report goes on
        made, failed = write_feedbacks(files, feedback_dir, paths)
        written = list(made.values())
        failed_feedback = _say_failed_feedback(failed)
    if fmt == "json":
        echo(render.report_json(report))
    elif fmt == "csv":
        echo(render.report_csv(report), nl=False)
    else:
        title = f"Checked against {region.region}, {region.period}" if region else ""
        echo(render.report_text(report, title=title))
        for out in written:
            echo(f"Feedback workbook: {out}")
    sys.exit(0 if report.valid and not failed_feedback else 1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@format_option(["json", "csv"], "JSON document, or one CSV file per sheet.")
@click.option("-o", "--output", type=click.Path(),
              help="The JSON file, or the folder for CSV files (JSON goes to stdout if omitted).")
@handled
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
            echo(f"{file}: {issue}", err=True)
        sys.exit(1)
    check = report.errors == 0
    if fmt == "csv" and not output:
        raise UsageProblem("--format csv needs -o FOLDER for the CSV files.")
    if fmt == "json":
        text = export_json(report.data, output, check)
        if output:
            echo(f"Wrote {output}", err=True)
        else:
            echo(text, nl=False)
    else:
        assert output is not None  # checked above
        for path in export_csv(report.data, output, check):
            echo(f"Wrote {path}", err=True)
    if report.errors:
        echo(f"{file} has {report.errors} error(s): run `laa-xl validate` to see them.",
                   err=True)
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@region_option(required=True)
@previous_option("The previous round's roll-up, for the cross-round checks and flags.")
@as_of_option("the period's end")
@click.option("--include-invalid", is_flag=True,
              help="Include the data of returns with errors (marked in the roll-up).")
@use_option
@received_option
@jobs_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              metavar="ROLLUP.xlsx", help="The roll-up workbook to write.")
@reviews_option
@handled
def consolidate(inputs: tuple[str, ...], region: Region, previous: tuple[str, ...],
                as_of: date | None, include_invalid: bool, use: tuple[str, ...],
                received_log: str | None, jobs: int | None, output: str,
                reviews_dir: str | None) -> None:
    """Roll every return of the region up into one workbook.

    Exit code 0 when every return received is valid, 1 when any has errors or cannot be read
    (the roll-up is still written, without their data), 2 for a usage error.
    """
    from .render import rollup_summary
    from .rollup import consolidate as build
    from .rollup import write_rollup
    from .round import collect

    if Path(output).suffix.casefold() != ".xlsx":
        raise UsageProblem(f"-o {output}: the roll-up is an Excel workbook, so its name must "
                           "end in .xlsx.")
    paths = _inputs(inputs)
    last = _read_previous(previous, region)
    prev = last.returns if last else {}
    when = as_of or region.period.end
    with _progress(len(paths), "Checking returns") as bar:
        result = collect(paths, region, prev, jobs=jobs,
                         progress=bar.update if bar is not None else None,
                         received_log=Path(received_log) if received_log else None,
                         use=[Path(u) for u in use], slippage_as_of=when, received_by=as_of)
    reviews = _read_reviews(reviews_dir, region)
    rollup = build(result, when, prev, include_invalid, last.source if last else "",
                   reviews=reviews, earlier_flags=last.flagged_items() if last else None)
    review_files = [Path(r.file) for r in reviews.reports] if reviews else []
    out = write_rollup(rollup, output, inputs=[*paths, *(last.paths if last else []),
                                               *review_files])
    echo(rollup_summary(rollup, out))
    for line in result.warnings + (reviews.notes if reviews else []):
        echo(f"Note: {line}", err=True)
    _warn_log_strays(paths, received_log)
    sys.exit(0 if all(s.valid for s in result.statuses if s.returned)
             and not result.unmatched and not (reviews and reviews.invalid) else 1)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@region_option("The region file: pairs returns with partnerships as `consolidate` does, and "
               "gives the tolerances and period.")
@previous_option("The previous round's roll-up, for the cross-round flags.")
@as_of_option("the period's end")
@click.option("--include-invalid", is_flag=True,
              help="Also count the flags of returns with errors (left out by default, as the "
                   "roll-up leaves them out).")
@use_option
@format_option(["text", "csv", "json"])
@jobs_option
@reviews_option
@handled
def slipping(inputs: tuple[str, ...], region: Region | None, previous: tuple[str, ...],
             as_of: date | None, include_invalid: bool, use: tuple[str, ...], fmt: str,
             jobs: int | None, reviews_dir: str | None) -> None:
    """List slipping milestones and actions and off-track outcomes, worst first.

    The same returns as `consolidate` are judged: those with errors are left out (and named on
    stderr) unless --include-invalid.  Exit code 0 when every return is valid, 1 when any has
    errors or cannot be read, as `consolidate` has it; flags alone do not change it.
    """
    from . import render
    from .rollup import round_slipping

    paths = _inputs(inputs)
    last = _read_previous(previous, region)
    if reviews_dir and region is None:
        raise UsageProblem("--reviews needs --region FILE (the round the reviews are of).")
    reviews = _read_reviews(reviews_dir, region) if region else None
    found = round_slipping(paths, region, last.returns if last else {}, as_of,
                           include_invalid, jobs, use=[Path(u) for u in use],
                           reviews=reviews,
                           earlier_flags=last.flagged_items() if last else None)
    for line in render.left_out_text(found.invalid, found.unreadable, include_invalid):
        echo(line, err=True)
    for line in reviews.notes if reviews else []:
        echo(f"Note: {line}", err=True)
    if fmt == "json":
        echo(render.flags_json(found.flags))
    elif fmt == "csv":
        echo(render.flags_csv(found.flags), nl=False)
    else:
        echo(render.flags_text(found.flags))
    sys.exit(0 if found.clean else 1)


@main.command()
@click.argument("returns_dir", type=click.Path(exists=True, file_okay=False),
                metavar="RETURNS_DIR")
@region_option(required=True)
@click.option("--emails", "emails_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the email drafts (.eml).")
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False),
              help="Write feedback workbooks here and attach them to the feedback drafts.")
@click.option("--as-of", "as_of", type=_Date(), help="Chase as at this date (default: today).")
@use_option
@received_option
@handled
def chase(returns_dir: str, region: Region, emails_dir: str, feedback_dir: str | None,
          as_of: date | None, use: tuple[str, ...], received_log: str | None) -> None:
    """Write email drafts: reminders, feedback and thanks, one per partnership.

    A reminder for each return missing after the deadline (every partnership, when nothing
    has come in yet), feedback (with the feedback workbook attached) for each return with
    errors, thanks for each valid one.  Nothing is sent: open the drafts in your mail program.
    """
    from .emails import chase_drafts
    from .feedback import write_feedbacks
    from .round import collect

    paths = _inputs((returns_dir,), allow_empty=True)
    from .xlsxout import writable_folder

    for folder in (emails_dir, feedback_dir):
        if folder:
            writable_folder(folder)
    when = as_of or date.today()
    result = collect(paths, region, received_log=Path(received_log) if received_log else None,
                     received_by=when, use=[Path(u) for u in use])
    failed_feedback = False
    if feedback_dir:  # a workbook that cannot be written leaves its draft without it
        wanted = [st.report for st in result.statuses if st.report is not None
                  and not st.report.valid and st.report.readable]
        made, failed = write_feedbacks(wanted, feedback_dir, paths, among=result.reports)
        for st in result.statuses:
            if st.report is not None:
                st.feedback = made.get(st.report.file, st.feedback)
        failed_feedback = _say_failed_feedback(failed)
    _echo_drafts(chase_drafts(region, result.statuses, Path(emails_dir), when, _now()),
                 emails_dir)
    for line in result.warnings:
        echo(f"Note: {line}", err=True)
    _warn_log_strays(paths, received_log)
    if failed_feedback:
        sys.exit(1)


@main.command()
@region_option(required=True)
@click.option("--rollup", "rollup", required=True, type=click.Path(exists=True, dir_okay=False),
              metavar="ROLLUP", help="This round's roll-up workbook, to prefill the reviews from.")
@click.option("--lsp", "lsp_codes", multiple=True, metavar="CODE",
              help="Make the review of this LSP (repeat for several).")
@click.option("--all", "all_lsps", is_flag=True, help="Make one review per LSP in the region.")
@click.option("--previous-reviews", "previous_reviews", type=click.Path(exists=True),
              metavar="DIR_OR_ROLLUP",
              help="Last round's filled reviews (a folder, or the roll-up made with them): "
                   "carry in their advice not Done or Dropped.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder for the review workbooks.")
@handled
def review(region: Region, rollup: str, lsp_codes: tuple[str, ...], all_lsps: bool,
           previous_reviews: str | None, output: str) -> None:
    """Make the GO's review workbook of each partnership, prefilled from the roll-up.

    \b
    laa-xl review --region region.toml --rollup rollup.xlsx --all -o reviews/
    laa-xl review --region region.toml --rollup rollup.xlsx --lsp ANY -o reviews/
    """
    from .review import write_reviews

    if bool(lsp_codes) == all_lsps:
        raise UsageProblem("Say which reviews to make: --lsp CODE or --all.")
    lsps = region.lsps if all_lsps else tuple(region.lsp(c) for c in lsp_codes)
    written, notes = write_reviews(region, rollup, lsps, output, previous_reviews)
    for w in written:
        f = w.data.facts
        n = len(w.data.rows["review-outcomes"])
        state = ("no return" if not f.returned else
                 "return not in the roll-up" if not f.in_rollup else
                 f"{n} outcome{'' if n == 1 else 's'}")
        carried = len(w.data.rows["review-advice"])
        extra = f", {carried} open advice carried in" if carried else ""
        click.echo(f"Wrote {w.path} ({state}{extra})")
    click.echo(f"{len(written)} review workbook(s) for {region.region}, {region.period}.")
    for line in notes:
        click.echo(f"Note: {line}", err=True)


@main.command()
@click.argument("rollup", type=click.Path(exists=True, dir_okay=False), metavar="ROLLUP")
@click.option("--lsp", "lsp_codes", multiple=True, metavar="CODE",
              help="The pack of this partnership (repeat for several).")
@click.option("--all", "all_lsps", is_flag=True, help="One pack per partnership in the roll-up.")
@click.option("--theme", metavar="NAME", help="The pack of one theme, across every partnership.")
@click.option("--region", "region_pack", is_flag=True, help="The region's highlight report.")
@click.option("--reviews", "reviews_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="The GO's review workbooks, to show its judgements (not read yet).")
@click.option("--history", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="ROLLUP", help="An earlier roll-up of the region, for trends (repeat).")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="The PDF for one pack; the folder for several.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Lay packs out in this many processes (default: one per core, up to 4, "
                   "for 8 packs or more; otherwise 1).")
@handled
def brief(rollup: str, lsp_codes: tuple[str, ...], all_lsps: bool, theme: str | None,
          region_pack: bool, reviews_dir: str | None, history: tuple[str, ...],
          output: str, jobs: int | None) -> None:
    """Write print-ready PDF briefing packs from a roll-up.

    \b
    laa-xl brief rollup.xlsx --lsp ANY -o anycity.pdf
    laa-xl brief rollup.xlsx --all -o packs/
    laa-xl brief rollup.xlsx --theme "Children and young people" -o cyp.pdf
    laa-xl brief rollup.xlsx --region -o highlight.pdf
    """
    from .brief.run import brief as write_briefs

    notes: list[str] = []
    written = write_briefs(rollup, output, lsp_codes, all_lsps, theme, region_pack, history,
                           jobs, say=lambda w: echo(f"Wrote {w.path}"), reviews_dir=reviews_dir,
                           notes=notes)
    echo(f"{len(written)} briefing pack(s).")
    for line in notes:
        echo(f"Note: {line}", err=True)


@main.command()
@click.argument("rollups", nargs=-1, required=True, type=click.Path(exists=True),
                metavar="ROLLUP_OR_DIR...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              metavar="TRENDS.xlsx", help="The trends workbook to write.")
@handled
def history(rollups: tuple[str, ...], output: str) -> None:
    """Trends across quarters, from a region's roll-ups (files, or folders of them).

    The roll-ups are read in period order, whatever the order given; roll-ups of different
    regions, or two of one period, are a usage error (exit code 2) naming both files.
    """
    from .history import read_history
    from .trends import write_trends

    if Path(output).suffix.casefold() != ".xlsx":
        raise UsageProblem(f"-o {output}: the trends workbook is an Excel workbook, so its "
                           "name must end in .xlsx.")
    found = read_history(rollups, skip=[output])
    out = write_trends(found, output, inputs=[r.path for r in found.rounds])
    tables = found.tables
    late = [code for code, _ in found.partnerships()
            if sum(1 for r in tables["partnerships"]
                   if r["lsp"] == code and r["on_time"] is False) >= 2]
    click.echo(f"{found.region}: {len(found.rounds)} roll-up(s), {', '.join(found.periods)}.")
    shown = ", ".join(late[:10]) + (f" and {len(late) - 10} more" if len(late) > 10 else "")
    click.echo(f"  {len(tables['outcomes'])} outcome values, "
               f"{len(tables['persistent'])} persistent slips, "
               f"{len(tables['rebaselines'])} re-baselined dates; late in two quarters or "
               f"more: {shown or 'none'}.")
    click.echo(f"Wrote {out}")


@main.command()
@click.argument("folder", required=False, default="laa-demo", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into FOLDER even if it is not empty.")
@handled
def demo(folder: str, force: bool) -> None:
    """Run a whole round, three quarters, on a fictional region, into FOLDER (./laa-demo).

    Samples, templates, validation with feedback workbooks, the three roll-ups (each against
    those before it), the slippage list, email drafts and the trends workbook: a tour of
    every command.
    """
    from .demo import run_demo, summary

    echo(summary(run_demo(folder, force, say=lambda m: echo(m, err=True))))


def run() -> None:  # pragma: no cover - console entry point for `python -m laa_xl`
    main(prog_name="laa-xl")


if __name__ == "__main__":  # pragma: no cover
    run()
