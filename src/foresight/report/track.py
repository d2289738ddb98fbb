"""The track record: how the forecasts of resolved scenarios fared (the evidence annex)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from foresight import scoring
from foresight.definitions import Definitions
from foresight.records import Observation, Resolution

Evidence = Callable[[Collection[str]], Sequence[Observation]]
"""Given indicator ids, every observation of them the audience may see, retracted too."""


@dataclass(frozen=True)
class TrackRow:
    """One resolved scenario's scores; the scores are None when it is not scored (void)."""

    id: str
    title: str
    colour: str
    dash: str
    outcome: str  # happened, did-not-happen or void
    resolved_on: dt.date
    path: scoring.PathScore | None

    @property
    def outcome_words(self) -> str:
        """The outcome in plain words."""
        return {"happened": "happened", "did-not-happen": "did not happen"}.get(
            self.outcome, "void (not scored)"
        )

    @property
    def helped(self) -> str:
        """'up' if the evidence beat the prior alone on the Brier score, 'down' if it did
        worse, '' if neither (or the scenario is not scored): a CSS class."""
        if self.path is None or abs(self.path.brier - self.path.prior_brier) < 1e-9:
            return ""
        return "up" if self.path.brier < self.path.prior_brier else "down"


@dataclass(frozen=True)
class CalibrationChart:
    """Binned forecasts against how often the scenario happened."""

    title: str
    description: str
    bins: list[scoring.CalibrationBin]


@dataclass(frozen=True)
class AuditLine:
    """One indicator's verdict for one resolved scenario."""

    indicator_id: str
    indicator_title: str
    scenario_id: str
    scenario_title: str
    verdict: str  # right, misled or missed
    reason: str
    observed: int
    absent: int
    log_odds: float


@dataclass(frozen=True)
class Awaiting:
    """A scenario past its horizon that nobody has resolved."""

    id: str
    title: str
    horizon: dt.date


@dataclass(frozen=True)
class TrackRecord:
    """How the forecasts of resolved scenarios fared, and which scenarios await an outcome."""

    rows: list[TrackRow]
    decomposition: scoring.Decomposition | None
    forecasts: int  # replayed monthly forecasts that were scored
    calibration: CalibrationChart | None
    audit: list[AuditLine]  # indicators that pointed right, misled or were missed
    silent: int  # indicators not observed by their scenario's resolution
    show_audit: bool
    awaiting: list[Awaiting]
    late: int  # observations recorded after the resolution they preceded: never replayed


def track_record(
    definitions: Definitions,
    evidence: Evidence,
    resolutions: Sequence[Resolution],
    end: dt.date,
    styles: dict[str, tuple[str, str]],
    audit: bool,
) -> TrackRecord | None:
    """The track record as of end: scores by month, calibration, audit, scenarios awaiting."""
    awaiting = [
        Awaiting(s.id, s.title, s.horizon)
        for s in scoring.awaiting_resolution(definitions, resolutions, end)
    ]
    card = scoring.score_resolutions(
        definitions, replayed(definitions, evidence, resolutions, end), resolutions, as_of=end
    )
    if card.empty and not awaiting:
        return None
    titles = {sid: s.title for sid, s in definitions.scenarios.items()}
    paths = {path.scenario: path for path in card.paths}
    rows = [
        TrackRow(
            o.scenario,
            titles[o.scenario],
            *styles[o.scenario],
            "happened" if o.happened else "did-not-happen",
            o.on,
            paths.get(o.scenario),
        )
        for o in card.outcomes
    ]
    rows += [
        TrackRow(r.scenario, titles[r.scenario], *styles[r.scenario], "void", r.resolved_on, None)
        for r in card.void
    ]
    rows.sort(key=lambda row: (row.resolved_on, row.id))
    forecasts = sum(len(path.forecasts) for path in card.paths)
    chart = None
    if card.calibration:
        described = "; ".join(
            f"{100 * b.low:.0f}–{100 * b.high:.0f}%: {b.count} forecast(s), mean "
            f"{100 * b.mean_forecast:.1f}%, happened {100 * b.observed_frequency:.1f}%"
            for b in card.calibration
        )
        chart = CalibrationChart(
            f"Calibration of {forecasts} monthly forecast(s) of {len(card.paths)} resolved "
            "scenario(s)",
            "Scatter chart: each circle is a bin of forecasts, placed across at their mean "
            "forecast probability and up at how often those scenarios happened, sized by how "
            f"many forecasts it holds; the dashed diagonal is perfect calibration. {described}.",
            card.calibration,
        )
    judged = [row for row in card.audit if row.verdict != "silent"]
    lines = [
        AuditLine(
            row.indicator,
            definitions.indicators[row.indicator].title,
            row.scenario,
            titles[row.scenario],
            row.verdict,
            row.reason,
            row.observed,
            row.absent,
            row.log_odds,
        )
        for row in judged
    ]
    return TrackRecord(
        rows=rows,
        decomposition=card.decomposition,
        forecasts=forecasts,
        calibration=chart,
        audit=lines,
        silent=len(card.audit) - len(judged),
        show_audit=audit,
        awaiting=awaiting,
        late=card.late,
    )


def replayed(
    definitions: Definitions, evidence: Evidence, resolutions: Sequence[Resolution], end: dt.date
) -> Sequence[Observation]:
    """The observations the track record replays: none unless a scenario is scored.

    Only indicators weighing on a scored scenario or on a member of its exclusive group
    can move its replayed forecasts or its audit, so only theirs are asked for.
    """
    scored = {o.scenario for o in scoring.outcomes(resolutions, end)} & definitions.scenarios.keys()
    if not scored:
        return []
    groups = {definitions.scenarios[sid].group for sid in scored} - {None}
    moved = scored | {sid for sid, s in definitions.scenarios.items() if s.group in groups}
    return evidence({i.id for i in definitions.indicators.values() if moved & i.weights.keys()})
