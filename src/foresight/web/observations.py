"""Pages of the observation log: log one, read and filter the log, retract, amend, export.

Every value goes through the same checks as `foresight observe` (intake.Checker), and
each problem is shown next to its field in the CLI's words. A user never reads, nor
acts on, an observation marked above their clearance: to them it does not exist.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from foresight import intake, scales
from foresight.errors import InputError, UnknownIdError
from foresight.models import Indicator
from foresight.records import Observation
from foresight.store import NewObservation
from foresight.web.app import Visit, page
from foresight.workspace import Workspace

PAGE_SIZE = 50
FORM_FIELDS: tuple[str, ...] = (
    "observed_on",
    "absent",
    "strength",
    "source",
    "source_url",
    "reliability",
    "credibility",
    "event",
    "tlp",
    "note",
)
DUPLICATE_DAYS = 3  # reports of one indicator this close, same source or event: likely one
RECENT_EVENTS = 20


def search_indicators(indicators: dict[str, Indicator], query: str) -> list[Indicator]:
    """Indicators whose id, title or description hold every word of query."""
    words = query.casefold().split()
    found = []
    for indicator in indicators.values():
        text = f"{indicator.id} {indicator.title} {indicator.description}".casefold()
        if all(word in text for word in words):
            found.append(indicator)
    return found


@page("analyst")
def pick(visit: Visit) -> Response:
    """Choose the indicator to log: search titles and descriptions."""
    query = visit.query.get("q", "")
    found = search_indicators(visit.site.definitions.indicators, query)
    return visit.render("pick.html.j2", query=query, found=found)


@dataclass
class FormState:
    """The observation form: the values as typed, and each field's problem."""

    values: dict[str, str]
    errors: dict[str, str]
    duplicates: list[Observation]


def _visible(workspace: Workspace, observation_id: int, visit: Visit) -> Observation:
    """The observation, if the user may see it; else as if it did not exist."""
    found = workspace.store.get(observation_id)
    if not visit.me.may_see(found.tlp):
        raise UnknownIdError(f"the log has no observation {observation_id}")
    return found


def _indicator(visit: Visit, indicator_id: str) -> Indicator:
    from foresight.suggest import did_you_mean

    indicators = visit.site.definitions.indicators
    if indicator_id not in indicators:
        raise UnknownIdError(
            f"no indicator '{indicator_id}'{did_you_mean(indicator_id, indicators)}"
        )
    return indicators[indicator_id]


def _check(visit: Visit, indicator: str, values: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """Check the form's values as `observe` does; return the row or each field's problem."""
    given: dict[str, Any] = {"indicator": indicator}
    for name in FORM_FIELDS:
        value = values.get(name, "")
        if name == "absent":
            given[name] = value == "absent"
        elif value.strip() or name in intake.REQUIRED:
            given[name] = value
    checker = intake.Checker(visit.site.definitions.indicators, visit.site.config.default_tlp)
    row, issues = checker.check(given)
    errors = {name: message + (f" ({hint})" if hint else "") for name, message, hint in issues}
    if row is not None and not visit.me.may_see(row.tlp):
        errors["tlp"] = (
            f"{row.tlp} is above your clearance ({visit.me.clearance}); "
            "mark it at or below it, or ask someone cleared to log it"
        )
        row = None
    return row, errors


def _recent_events(workspace: Workspace, indicator: str, visit: Visit) -> list[str]:
    """The event keys most recently used for this indicator, newest first."""
    seen: list[str] = []
    for obs in reversed(workspace.store.observations(False, indicators=[indicator])):
        if obs.event and obs.event not in seen and visit.me.may_see(obs.tlp):
            seen.append(obs.event)
            if len(seen) >= RECENT_EVENTS:
                break
    return seen


def likely_duplicates(
    workspace: Workspace, row: NewObservation, visit: Visit, ignore: int | None = None
) -> list[Observation]:
    """Current observations of the same indicator a few days apart, same source or event."""
    window = dt.timedelta(days=DUPLICATE_DAYS)
    near = workspace.store.observations(
        False,
        indicators=[row.indicator],
        since=row.observed_on - window,
        until=row.observed_on + window,
    )
    source = row.source.casefold()
    return [
        obs
        for obs in near
        if obs.id != ignore
        and visit.me.may_see(obs.tlp)
        and obs.absent == row.absent
        and (obs.source.casefold() == source or (row.event and obs.event == row.event))
    ]


def _defaults(visit: Visit) -> dict[str, str]:
    tlp = visit.site.config.default_tlp
    if not visit.me.may_see(tlp):
        tlp = visit.me.clearance
    return {
        "observed_on": dt.date.today().isoformat(),
        "strength": "strong",
        "tlp": tlp,
        "absent": "observed",
    }


def _form_page(visit: Visit, indicator: Indicator, state: FormState, status: int = 200) -> Response:
    workspace = visit.site.workspace()
    return visit.render(
        "observe.html.j2",
        status=status,
        indicator=indicator,
        state=state,
        events=_recent_events(workspace, indicator.id, visit),
        reliability=scales.RELIABILITY,
        credibility=scales.CREDIBILITY,
        strengths=scales.STRENGTH,
        levels=visit.me.levels,
        action=f"/observe/{indicator.id}",
        amending=None,
    )


@page("analyst")
def observe(visit: Visit) -> Response:
    """Log one observation of an indicator through the form."""
    indicator = _indicator(visit, visit.request.path_params["indicator"])
    if visit.request.method == "GET":
        return _form_page(visit, indicator, FormState(_defaults(visit), {}, []))
    values = {name: visit.form.get(name, "") for name in FORM_FIELDS}
    row, errors = _check(visit, indicator.id, values)
    if row is None:
        return _form_page(visit, indicator, FormState(values, errors, []), 400)
    workspace = visit.site.workspace()
    store = workspace.store
    same = store.find(row)
    if same is not None:
        if store.get(same).retracted:
            errors["note"] = (
                f"an identical observation ({same}) was retracted; to log it again, tell "
                "the two apart with a note"
            )
            return _form_page(visit, indicator, FormState(values, errors, []), 400)
        visit.flash(f"Already in the log as observation {same}; nothing was added.")
        return visit.redirect(f"/observations/{same}")
    duplicates = likely_duplicates(workspace, row, visit)
    if duplicates and visit.form.get("confirm") != "yes":
        return _form_page(visit, indicator, FormState(values, {}, duplicates), 409)
    result = store.add([row], visit.me.name)
    new_id = result.ids[0] if result.ids else store.find(row) or 0
    visit.flash(f"Logged observation {new_id}.")
    return visit.redirect(f"/observations/{new_id}")


@dataclass(frozen=True)
class LogFilter:
    """The log page's filters, checked."""

    indicator: str
    scenario: str
    since: dt.date | None
    until: dt.date | None
    analyst: str
    retracted: bool
    page: int

    def query(self, **change: Any) -> str:
        """The query string of these filters, with some changed."""
        values = {
            "indicator": self.indicator,
            "scenario": self.scenario,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "analyst": self.analyst,
            "all": "1" if self.retracted else "",
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in change.items()})
        return urlencode({k: v for k, v in values.items() if v and v != "0"})


def _log_filter(visit: Visit) -> LogFilter:
    query = visit.query

    def day(name: str) -> dt.date | None:
        text = query.get(name, "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(f"{name}: '{text}' is not a date; write it as YYYY-MM-DD") from None

    page_text = query.get("page", "1").strip() or "1"
    if not page_text.isdigit() or int(page_text) < 1:
        raise InputError(f"page: '{page_text}' is not a page number; write a whole number from 1")
    return LogFilter(
        query.get("indicator", "").strip(),
        query.get("scenario", "").strip(),
        day("since"),
        day("until"),
        query.get("analyst", "").strip(),
        query.get("all", "") == "1",
        int(page_text),
    )


def _filtered(visit: Visit, chosen: LogFilter) -> list[Observation]:
    """The observations the filters leave that the user may see, oldest first."""
    from foresight.suggest import did_you_mean

    definitions = visit.site.definitions
    indicators: set[str] | None = None
    if chosen.indicator:
        if chosen.indicator not in definitions.indicators:
            raise UnknownIdError(
                f"no indicator '{chosen.indicator}'"
                f"{did_you_mean(chosen.indicator, definitions.indicators)}"
            )
        indicators = {chosen.indicator}
    if chosen.scenario:
        if chosen.scenario not in definitions.scenarios:
            raise UnknownIdError(
                f"no scenario '{chosen.scenario}'"
                f"{did_you_mean(chosen.scenario, definitions.scenarios)}"
            )
        weighting = {i.id for i in definitions.indicators_for(chosen.scenario)}
        indicators = weighting if indicators is None else indicators & weighting
    observations = visit.site.workspace().store.observations(
        chosen.retracted, indicators=indicators, since=chosen.since, until=chosen.until
    )
    levels = set(visit.me.levels)
    analyst = chosen.analyst.casefold()
    return [
        o
        for o in observations
        if o.tlp in levels and (not analyst or o.analyst.casefold() == analyst)
    ]


@page()
def log(visit: Visit) -> Response:
    """The log, newest first, filtered and paginated."""
    chosen = _log_filter(visit)
    found = _filtered(visit, chosen)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(chosen.page, pages)
    newest = found[::-1]
    shown = newest[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return visit.render(
        "log.html.j2",
        chosen=chosen,
        observations=shown,
        total=len(found),
        page_number=number,
        pages=pages,
        definitions=visit.site.definitions,
    )


@page()
def export(visit: Visit) -> Response:
    """The filtered log as CSV, with its audit trail, as `foresight export` writes it."""
    found = _filtered(visit, _log_filter(visit))
    out = io.StringIO()
    intake.write_export(found, "csv", out)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="observations.csv"'},
    )


def _may_change(visit: Visit, obs: Observation) -> bool:
    return visit.me.may("admin") or (visit.me.may("analyst") and obs.analyst == visit.me.name)


@page()
def observation(visit: Visit) -> Response:
    """One observation, its audit trail, and (for its analyst or an admin) retract or amend."""
    workspace = visit.site.workspace()
    obs = _visible(workspace, _id(visit), visit)
    values = {name: _text(getattr(obs, name)) for name in FORM_FIELDS}
    values["absent"] = "absent" if obs.absent else "observed"
    return _observation_page(visit, obs, FormState(values, {}, []), "")


def _observation_page(
    visit: Visit, obs: Observation, state: FormState, error: str, status: int = 200
) -> Response:
    definitions = visit.site.definitions
    return visit.render(
        "observation.html.j2",
        status=status,
        obs=obs,
        indicator=definitions.indicators.get(obs.indicator),
        may_change=_may_change(visit, obs) and not obs.retracted,
        state=state,
        error=error,
        reliability=scales.RELIABILITY,
        credibility=scales.CREDIBILITY,
        strengths=scales.STRENGTH,
        levels=visit.me.levels,
        events=[],
        action=f"/observations/{obs.id}/amend",
        amending=obs,
    )


def _id(visit: Visit) -> int:
    text = visit.request.path_params["observation"]
    if not text.isdigit():
        raise UnknownIdError(f"the log has no observation {text}")
    return int(text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        words = {v: k for k, v in scales.STRENGTH.items()}
        return words.get(value, f"{value:g}")
    return str(value)


@page("analyst")
def retract(visit: Visit) -> Response:
    """Retract an observation with a reason."""
    workspace = visit.site.workspace()
    obs = _visible(workspace, _id(visit), visit)
    if not _may_change(visit, obs):
        return _observation_page(
            visit,
            obs,
            FormState({}, {}, []),
            f"Only an admin may retract an observation logged by {obs.analyst}.",
            403,
        )
    workspace.store.retract(obs.id, visit.form.get("reason", ""), visit.me.name)
    visit.flash(f"Retracted observation {obs.id}.")
    return visit.redirect(f"/observations/{obs.id}")


@page("analyst")
def amend(visit: Visit) -> Response:
    """Correct an observation: retract it and log the corrected one, with a reason."""
    workspace = visit.site.workspace()
    obs = _visible(workspace, _id(visit), visit)
    values = {name: visit.form.get(name, "") for name in FORM_FIELDS}
    if not _may_change(visit, obs):
        return _observation_page(
            visit,
            obs,
            FormState(values, {}, []),
            f"Only an admin may amend an observation logged by {obs.analyst}.",
            403,
        )
    row, errors = _check(visit, obs.indicator, values)
    reason = visit.form.get("reason", "").strip()
    if not reason:
        errors["reason"] = "give a reason for the amendment"
    if row is None or errors:
        return _observation_page(visit, obs, FormState(values, errors, []), "", 400)
    try:
        new_id = workspace.store.amend(obs.id, row, reason, visit.me.name)
    except InputError as exc:
        return _observation_page(visit, obs, FormState(values, {}, []), str(exc), 400)
    visit.flash(f"Retracted observation {obs.id} and logged its correction as {new_id}.")
    return visit.redirect(f"/observations/{new_id}")
