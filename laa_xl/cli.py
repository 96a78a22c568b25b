"""The `laa-xl` command: each subcommand parses its options, calls one library function,
prints the result and sets the exit code.  The only module that imports click.

Exit codes: 0 all well (warnings allowed) · 1 a return has errors or cannot be read ·
2 usage error (bad option, bad region file, nothing to do).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import LaaXlError, RegionError
from .region import Region, load_region


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
def template(region_path: str | None, lsp_codes: tuple[str, ...], all_lsps: bool, blank: bool,
             previous: str | None, output: str) -> None:
    """Make the workbook each partnership fills in.

    \b
    laa-xl template --region region.toml --all -o out/
    laa-xl template --region region.toml --lsp ANY -o out/
    laa-xl template --blank -o laa-return-template.xlsx
    """
    from .template import build_template, template_name

    chosen = sum([bool(lsp_codes), all_lsps, blank])
    if chosen != 1:
        raise UsageProblem("Say which workbooks to make: --lsp CODE, --all or --blank.")
    region = _region(region_path)
    if blank:
        path = build_template(output, region, None)
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
    for lsp in lsps:
        prefill = prefills.get(lsp.code)
        path = build_template(out_dir / template_name(region, lsp), region, lsp, prefill)
        note = f" (prefilled: {prefill.summary()})" if prefill else ""
        click.echo(f"Wrote {path}{note}")
    click.echo(f"{len(lsps)} workbook(s) for {region.region}, {region.period}, "
               f"due {region.due:%d %B %Y}.")


def _prefills(previous: str, region: Region) -> dict:
    from .rollup import prefills_from_rollup

    try:
        return prefills_from_rollup(previous, region)
    except LaaXlError as err:
        raise click.ClickException(str(err)) from err


def run() -> None:  # pragma: no cover - console entry point for `python -m laa_xl`
    main(prog_name="laa-xl")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
