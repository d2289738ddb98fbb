"""The methodology appendix and the provenance of the numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from foresight import engine as engine_module
from foresight import scales
from foresight.report.common import Marking


@dataclass(frozen=True)
class Grade:
    """One step of a published scale and the number foresight gives it."""

    code: str
    words: str
    value: float


@dataclass(frozen=True)
class Methodology:
    """The model in one paragraph for the manager, and in full in the optional appendix."""

    summary: str  # the short paragraph on the manager's pages
    paragraphs: list[str]  # the appendix
    yardstick: str
    yardstick_title: str
    bands: list[tuple[float, float, str]]
    gradings: list[Grade]  # only the Admiralty codes this brief shows
    appendix: bool  # whether the workspace shows the appendix


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: counts, dates and the store."""

    total: int  # observations dated up to the month's end, of any kind
    counted: int  # of those, the ones that took part in the numbers
    withheld: int  # not retracted, but marked above the audience
    retracted: int
    unknown: int  # releasable, but of an indicator no longer defined
    later: int  # dated after the month's end: not used
    in_month: int  # counted and dated within the month
    first: dt.date | None
    last: dt.date | None
    store: str
    fingerprint: str


def methodology(
    yardstick: str,
    audience: Marking,
    withheld: int,
    gradings: list[str],
    appendix: bool = True,
) -> Methodology:
    """The model in plain words, the yardstick and the gradings used (codes such as 'B2')."""
    rel = scales.RELIABILITY_TRUST
    cred = scales.CREDIBILITY_TRUST
    strength = ", ".join(f"{word} {value:g}" for word, value in scales.STRENGTH.items())
    summary = (
        "Each scenario starts from an analyst's prior; every graded report of a signpost "
        "moves it by the signpost's weight, discounted for the source's reliability and the "
        "information's credibility, and ageing over time. Phrases follow the "
        f"{scales.YARDSTICK_TITLES[yardstick]}. Only evidence releasable to a "
        f"{audience.label} audience counts"
        + (f" ({withheld} observation(s) marked higher were withheld)." if withheld else ".")
    )
    paragraphs = [
        "Each scenario starts from its prior probability. Every observation of an indicator "
        "multiplies the scenario's odds by the indicator's likelihood ratio for that scenario "
        "(or the ratio for its absence, when it was looked for and not found). The brief works "
        "in log-odds, so each observation adds its log-ratio to the scenario's log-odds.",
        "Not every report counts in full. Its log-ratio is multiplied by its trust: match "
        f"strength × source reliability × information credibility. Strength is {strength}; "
        "reliability A–F counts "
        + ", ".join(f"{k} {v:g}" for k, v in rel.items())
        + "; credibility 1–6 counts "
        + ", ".join(f"{k} {v:g}" for k, v in cred.items())
        + ". A report that cannot be judged (F or 6) sits at the midpoint, neither trusted "
        "nor dismissed.",
        "Reports sharing an event key are one event: only the most trustworthy report of it "
        "counts. Further distinct events of the same indicator count less and less: each "
        f"counts {engine_module.RETURNS:g} times the one before it, so repetition cannot "
        "run away with the numbers. Evidence ages: it counts half after the indicator's "
        "half-life, and lasting facts (no half-life) do not age. The total evidence on a "
        f"scenario is capped at a likelihood ratio of e^{engine_module.MAX_LOG_RATIO:g}.",
        "Scenarios of one exclusive group cannot happen together: they are normalised with a "
        "\u201cnone of these\u201d remainder, whose prior is one minus the sum of their "
        "priors, so a group never sums above 100%. Other scenarios stand on their own.",
        "Contributions are shown two ways in the evidence annex: log-odds is what the report "
        "added to the scenario's log-odds; percentage points (pp) is the probability now "
        "minus the probability without that report.",
    ]
    graded = [
        Grade(
            code,
            f"{scales.RELIABILITY[code[0]]} / {scales.CREDIBILITY[int(code[1:])]}",
            rel[code[0]] * cred[int(code[1:])],
        )
        for code in sorted(set(gradings))
    ]
    return Methodology(
        summary=summary,
        paragraphs=paragraphs,
        yardstick=yardstick,
        yardstick_title=scales.YARDSTICK_TITLES[yardstick],
        bands=list(scales.YARDSTICKS[yardstick]),
        gradings=graded,
        appendix=appendix,
    )
