"""What an action's "Depends on" cell says: the list of action IDs, and circles among them.

Pure functions over text and IDs, shared by the checks, the slippage rules and the roll-up.
The written form of a list is the IDs separated by commas (``A-01, A-03``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .schemas import load_schema

_ID = re.compile(load_schema("defs")["$defs"]["id"]["pattern"])
# Separators a person types for "and" in a list: each leaves no doubt that every ID named is
# needed.  "or", "/", "to" and "-" between IDs do leave doubt (one of them? a range?), so a
# list using them is not read.
_AND = re.compile(r"\s*(?:;|&|\+|\band\b|\n)\s*|\s+", re.IGNORECASE)
_COMMA = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Parsed:
    """A Depends on cell read: its IDs in the order written, and whether it needed tidying
    beyond spaces (another separator than the comma)."""

    ids: tuple[str, ...]
    tidied: bool

    @property
    def text(self) -> str:
        return ", ".join(self.ids)


def parse(text: str) -> Parsed | None:
    """The IDs a Depends on cell names, or None when it cannot be read as a list of IDs.

    ``A-01, A-02`` and ``A-01,A-02`` are the written form; ``A-01; A-02``, ``A-01 and A-02``,
    ``A-01 & A-02`` and ``A-01 A-02`` are read the same, marked as tidied; ``A-01 or A-02``,
    ``A-01 to A-05`` and ``after A-01`` are not read.
    """
    text = text.strip().strip(",;").strip()
    if not text:
        return Parsed((), False)
    tidied = False
    tokens = _COMMA.split(text)
    if not all(_ID.fullmatch(t) for t in tokens):
        tokens = [t for part in tokens for t in _AND.split(part) if t]
        tidied = True
        if not tokens or not all(_ID.fullmatch(t) and not _is_word(t) and t.strip("-")
                                 for t in tokens):
            return None
    ids = tuple(dict.fromkeys(tokens))  # the same ID twice is one dependency
    return Parsed(ids, tidied)


def _is_word(token: str) -> bool:
    """A plain word ("after", "or", "done") in a list of IDs means the list is prose."""
    return token.isalpha() and token.lower() == token


def split(text: object) -> tuple[str, ...]:
    """The IDs of a Depends on value already checked (or any text, leniently): () if none."""
    if not isinstance(text, str):
        return ()
    got = parse(text)
    return got.ids if got is not None else ()


def circles(graph: Mapping[str, Iterable[str]], order: Iterable[str]) -> list[list[str]]:
    """Each circle of dependencies, once: the IDs on it from the first in `order`, following
    what each waits for back round to it.

    `graph` maps an ID to the IDs it depends on (an ID on itself is not a circle here: it
    has its own message).  Circles are found as strongly connected components (Tarjan), so
    two circles sharing an action are reported as one knot, walked from its first action.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0

    def edges(node: str) -> list[str]:
        return [n for n in graph.get(node, ()) if n != node and n in graph]

    for root in graph:
        if root in index:
            continue
        # Iterative Tarjan: a long chain of actions must not hit the recursion limit.
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            nexts = edges(node)
            if i < len(nexts):
                work.append((node, i + 1))
                nxt = nexts[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = set()
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    comp.add(n)
                    if n == node:
                        break
                if len(comp) > 1:
                    components.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    rank = {n: i for i, n in enumerate(order)}
    out = []
    for comp in components:
        start = min(comp, key=lambda n: rank.get(n, len(rank)))
        out.append(_walk(start, comp, graph))
    return sorted(out, key=lambda c: rank.get(c[0], len(rank)))


def _walk(start: str, comp: set[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A shortest path within the circle from `start` back to itself (breadth first)."""
    came: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for n in graph.get(node, ()):
                if n not in comp:
                    continue
                if n == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came[path[-1]])
                    return list(reversed(path))
                if n not in came:
                    came[n] = node
                    nxt_frontier.append(n)
        frontier = nxt_frontier
    return [start]  # unreachable for a strongly connected component
