"""`laa-xl brief`: which packs to make from a roll-up, where each goes, and writing them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..round import default_jobs
from . import data
from .source import RollupSource, read_source


@dataclass
class Written:
    path: Path
    kind: str  # partnership, theme or region
    what: str  # the partnership's code, the theme, or the region


def pack_name(src: RollupSource, kind: str, what: str) -> str:
    """The file name of a pack: brief-2009-10-Q2-ANY.pdf,
    brief-2009-10-Q2-theme-safer-and-stronger-communities.pdf, brief-2009-10-Q2-region.pdf."""
    period = str(src.period).replace("/", "-").replace(" ", "-")
    if kind == "partnership":
        return f"brief-{period}-{re.sub(r'[^A-Za-z0-9-]+', '-', what).strip('-') or 'LSP'}.pdf"
    if kind == "theme":
        return f"brief-{period}-theme-{_slug(what)}.pdf"
    return f"brief-{period}-region.pdf"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "pack"


def read_history(paths: Sequence[str | Path], src: RollupSource) -> list[RollupSource]:
    """Earlier roll-ups of the same region, oldest first; InputError for another region's, a
    later one's or two of one period."""
    out: list[RollupSource] = []
    for p in paths:
        h = read_source(p)
        if h.region != src.region:
            raise InputError(f"{p} is {h.region}'s roll-up, but {Path(src.path).name} is "
                             f"{src.region}'s: --history takes this region's earlier roll-ups.")
        if (h.period.start_year, h.period.quarter) >= (src.period.start_year, src.period.quarter):
            raise InputError(f"{p} is the roll-up for {h.period}, not earlier than "
                             f"{src.period}: --history takes earlier rounds' roll-ups.")
        if any(o.period == h.period for o in out):
            raise InputError(f"Two roll-ups for {h.period} were given to --history: give one "
                             "per quarter.")
        out.append(h)
    return sorted(out, key=lambda h: (h.period.start_year, h.period.quarter))


def brief(rollup: str | Path, output: str | Path, lsps: Sequence[str] = (),
          all_lsps: bool = False, theme: str | None = None, region: bool = False,
          history: Sequence[str | Path] = (), jobs: int | None = None,
          say: Callable[[Written], None] | None = None,
          reviews: Mapping[str, data.Review] | None = None,
          reviews_dir: str | Path | None = None,
          notes: list[str] | None = None) -> list[Written]:
    """Write the packs asked for; one pack goes to `output` itself (or into it, if it is a
    folder), several into the folder `output`; `jobs` processes lay them out (default: one
    per core, up to 4, for 8 packs or more).  `reviews` (the GO's judgement of each
    partnership, by LSP code), or the folder of filled review workbooks `reviews_dir`, puts
    the GO's view beside the partnership's own; what is not used is said in `notes`."""
    if sum([bool(lsps), all_lsps, theme is not None, region]) != 1:
        raise InputError("Say which pack to make: --lsp CODE (one or more), --all, "
                         "--theme NAME or --region.")
    src = read_source(rollup)
    earlier = read_history(history, src)
    if reviews_dir is not None:
        from .source import read_reviews

        reviews = {**read_reviews(reviews_dir, src, notes if notes is not None else []),
                   **(reviews or {})}
    packs: list[tuple[data.Pack, str, str]] = []
    if theme is not None:
        t = data.theme_pack(src, theme)
        packs.append((t, "theme", t.theme))
    elif region:
        packs.append((data.region_pack(src, reviews), "region", src.region))
    else:
        codes = src.lsp_codes if all_lsps else [_code(src, c) for c in lsps]
        for code in dict.fromkeys(codes):
            packs.append((data.partnership_pack(src, code, (reviews or {}).get(code), earlier),
                          "partnership", code))
    out = Path(output)
    single = len(packs) == 1 and not all_lsps
    if not single and out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file, but {len(packs)} packs need a folder: give -o a "
                         "folder's name.")
    refuse = (Path(rollup), *map(Path, history))
    tasks = [(pack, out / pack_name(src, kind, what) if (not single or out.is_dir()) else out,
              refuse) for pack, kind, what in packs]
    written: list[Written] = []
    workers = jobs if jobs is not None else default_jobs(len(tasks))
    for (_, kind, what), path in zip(packs, _write_all(tasks, workers), strict=True):
        w = Written(path, kind, what)
        written.append(w)
        if say:
            say(w)
    return written


Task = tuple[data.Pack, Path, tuple[Path, ...]]


def _write_one(task: Task) -> Path:
    from .pdf import write_pack

    return write_pack(*task)


def _write_all(tasks: list[Task], jobs: int) -> Iterator[Path]:
    """Each pack written, in order; in `jobs` processes for many packs (a pack is plain data,
    quick to hand over; laying it out is the work)."""
    if jobs <= 1 or len(tasks) < 2:
        yield from map(_write_one, tasks)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_write_one, tasks, chunksize=max(1, len(tasks) // (jobs * 8)))


def _code(src: RollupSource, code: str) -> str:
    """The partnership's code as the roll-up spells it (codes are matched case-blind)."""
    for c in src.lsp_codes:
        if c.casefold() == code.strip().casefold():
            return c
    data.status(src, code)  # raises, with "did you mean"
    return code
