"""The validated definitions as the rest of foresight reads them, without pydantic.

`Definitions` holds a workspace's scenarios, indicators and source register. What the
definition models do beyond holding their fields (a scenario's label, a weight's
likelihood ratios, a source's short citation) lives here in mixins that the pydantic
models in `foresight.models` and the plain copies read back from the definitions cache
(`foresight.defcache`) both inherit, so the two answer alike by construction.

Nothing here imports pydantic or yaml: a command that finds its definitions in the
cache never pays for them.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from foresight import scales

if TYPE_CHECKING:
    from foresight.models import Indicator, Scenario, SourceDocument

#: The folders the scenario and indicator files are read from, in loading order.
FOLDERS = ("scenarios", "indicators")


@dataclass(frozen=True)
class Definitions:
    """A workspace's scenarios and indicators, in file-name order, keyed by id."""

    scenarios: dict[str, Scenario]
    indicators: dict[str, Indicator]
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    sources: dict[str, SourceDocument] = field(default_factory=dict)  # the register, by id

    def indicators_for(self, scenario_id: str) -> list[Indicator]:
        """Indicators that carry a weight for the scenario."""
        return [i for i in self.indicators.values() if scenario_id in i.weights]


def files_in(folder: Path) -> list[Path]:
    """Every file under a definitions folder, sorted: what the loader reads or warns about.

    The same files, in the same order, as sorted(p for p in folder.rglob("*") if
    p.is_file()): symbolic links to files count, links to folders are not followed."""
    return [folder.joinpath(*parts) for parts in relative_files(folder)]


def relative_files(folder: Path | str) -> list[tuple[str, ...]]:
    """The files under a folder as sorted tuples of path parts (see files_in)."""
    found: list[tuple[str, ...]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(os.fspath(folder), ())]
    while pending:
        path, parts = pending.pop()
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    here = (*parts, entry.name)
                    if entry.is_file():
                        found.append(here)
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, here))
        except OSError:
            continue
    found.sort()
    return found


class ScenarioTraits:
    """What a scenario answers beyond its fields."""

    __slots__ = ()

    @property
    def label(self) -> str:
        """The short title when there is one, else the title."""
        return self.short_title or self.title  # type: ignore[attr-defined]


class WeightTraits:
    """What a weight answers beyond its fields."""

    __slots__ = ()

    @property
    def observed_ratio(self) -> float:
        """Likelihood ratio applied when the indicator is observed."""
        return scales.weight_ratio(self.observed)  # type: ignore[attr-defined]

    @property
    def absent_ratio(self) -> float:
        """Likelihood ratio applied when the indicator was looked for and absent."""
        absent = self.absent  # type: ignore[attr-defined]
        return 1.0 if absent is None else scales.weight_ratio(absent)


class IndicatorTraits:
    """What an indicator answers beyond its fields."""

    __slots__ = ()

    @property
    def absent_half_life(self) -> int:
        """Days after which a report of absence counts half: absence is a snapshot, it ages."""
        return (
            self.absent_half_life_days  # type: ignore[attr-defined]
            or self.half_life_days  # type: ignore[attr-defined]
            or scales.DEFAULT_ABSENT_HALF_LIFE_DAYS
        )

    def settles(self, scenario_id: str) -> str | None:
        """The outcome observing this indicator settles for the scenario, if any."""
        weight = self.weights.get(scenario_id)  # type: ignore[attr-defined]
        return weight.settles if weight else None


class SourceDocumentTraits:
    """What a document of the source register answers beyond its fields."""

    __slots__ = ()

    @property
    def by(self) -> str:
        """Who it is by: the author, else the outlet, else the title."""
        return self.author or self.outlet or self.title  # type: ignore[attr-defined]

    @property
    def short(self) -> str:
        """A short citation: 'Koç, November 2021'."""
        author, outlet, title = self.author, self.outlet, self.title  # type: ignore[attr-defined]
        who = author.split()[-1] if author else outlet or f"\u201c{title}\u201d"
        return f"{who}, {self.when}"

    @property
    def when(self) -> str:
        """The publication date in words: '2021', 'November 2021' or '23 February 2017'."""
        parts = [int(p) for p in self.published.split("-")]  # type: ignore[attr-defined]
        if len(parts) == 1:
            return str(parts[0])
        day = dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
        return f"{day:%B %Y}" if len(parts) == 2 else f"{day.day} {day:%B %Y}"
