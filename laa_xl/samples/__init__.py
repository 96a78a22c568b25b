"""A fictional region's two quarters of LAA returns, made the same way every run.

`write_samples(out)` writes Midshire's region files and its eight partnerships' returns for
2009/10 Q1 and Q2.  The Q2 round holds what partners really do (a RAG typed "Ambre", dates
typed as text, a renamed header, slipping milestones, a late and a missing return), each
placed at a known cell and listed in the `Manifest` that the demo and the tests read.

The parts, in the order they are used: `midshire` (the region's tables, from
data/sample_region.json), `plan` (each partnership's plan as it really goes), `rows` (its rows
as at the end of a period), `behaviour` (the slips partners make, at known cells), `manifest`
(what was written and where), `write` (the files).
"""

from .manifest import Manifest, Quirk, ReturnFile
from .midshire import NATIONAL_INDICATORS, PERIODS, Q1, Q2, SAMPLES_WHEN
from .write import main, readme, region_toml, sample_rows, write_samples

__all__ = ["NATIONAL_INDICATORS", "PERIODS", "Q1", "Q2", "SAMPLES_WHEN", "Manifest", "Quirk",
           "ReturnFile", "main", "readme", "region_toml", "sample_rows", "write_samples"]
