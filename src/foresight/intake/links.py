"""The checks across the rows of an import file: ids given once, amendments after what they amend.

Only the rows that carry an id or an amendment link are remembered, in four arrays of
machine integers (32 bytes a row), not as rows: a million-row export is checked in a few
tens of megabytes. An export lists its ids in ascending order, so an id is then found by
bisection; any other order falls back to a dictionary.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

Report = Callable[[int | None, str, str, str], None]
"""Records a problem: (line, field, message, hint)."""


@dataclass(frozen=True)
class Linked:
    """What the checks across rows found, when they found no problem."""

    referenced: frozenset[int]  # ids in the file that later rows amend
    dropped: list[tuple[int, int]]  # (row index, id) of amendments of ids not in the file


class Links:
    """The ids and amendment links of a file's rows, in the order they were read."""

    def __init__(self) -> None:
        self.index = array("q")  # the row's position among the file's rows
        self.origin = array("q")  # its id, or 0
        self.amends = array("q")  # the id it amends, or 0
        self.line = array("q")  # its line, or -1
        self.with_ids = 0  # rows that carry an id

    def add(self, index: int, origin: int | None, amends: int | None, line: int | None) -> None:
        """Remember one row that carries an id or an amendment link."""
        self.index.append(index)
        self.origin.append(origin or 0)
        self.amends.append(amends or 0)
        self.line.append(-1 if line is None else line)
        if origin is not None:
            self.with_ids += 1

    def check(self, problem: Report, item: Callable[[int], str]) -> Linked:
        """Report ids given twice and amendments listed before what they amend.

        item: the label a row's field takes (YAML items are numbered), by row index.
        """
        first = self._first_places(problem, item)
        referenced: set[int] = set()
        dropped: list[tuple[int, int]] = []
        for place, amends in enumerate(self.amends):
            if not amends:
                continue
            found = first(amends)
            if found is None:
                dropped.append((self.index[place], amends))
            elif found < place:
                referenced.add(amends)
            else:
                problem(
                    self._line(place),
                    f"{item(self.index[place])}amends",
                    f"observation {amends} comes later in the file",
                    "list each observation before its amendments",
                )
        return Linked(frozenset(referenced), dropped)

    def _line(self, place: int) -> int | None:
        line = self.line[place]
        return None if line < 0 else line

    def _first_places(
        self, problem: Report, item: Callable[[int], str]
    ) -> Callable[[int], int | None]:
        """Report repeated ids; return what finds the place an id is first given."""
        places = array("q", (p for p, origin in enumerate(self.origin) if origin))
        ids = array("q", (self.origin[p] for p in places))
        if all(a < b for a, b in pairwise(ids)):

            def ascending(wanted: int) -> int | None:
                i = bisect_left(ids, wanted)
                return places[i] if i < len(ids) and ids[i] == wanted else None

            return ascending
        first: dict[int, int] = {}
        for place in places:
            origin = self.origin[place]
            if origin in first:
                problem(
                    self._line(place),
                    f"{item(self.index[place])}id",
                    f"{origin} appears twice (first on line {self._line(first[origin])})",
                    "ids must be unique",
                )
            else:
                first[origin] = place
        return first.get
